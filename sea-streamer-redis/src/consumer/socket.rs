//! The TCP socket of the `XREAD` fast path, on the compiled runtime: tokio's or async-std's
//! `TcpStream`. With any other runtime there is no socket and the fast path is never taken.

use std::io;
use std::time::Duration;

/// Is there a socket type for the compiled runtime?
pub(crate) const SUPPORTED: bool = cfg!(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std"
));

#[cfg(feature = "runtime-tokio")]
mod imp {
    use std::io;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub(crate) type Socket = tokio::net::TcpStream;

    pub(crate) async fn connect(host: &str, port: u16) -> io::Result<Socket> {
        let socket = Socket::connect((host, port)).await?;
        socket.set_nodelay(true)?;
        Ok(socket)
    }

    pub(crate) async fn read(socket: &mut Socket, buf: &mut [u8]) -> io::Result<usize> {
        socket.read(buf).await
    }

    pub(crate) async fn write_all(socket: &mut Socket, bytes: &[u8]) -> io::Result<()> {
        socket.write_all(bytes).await
    }
}

#[cfg(all(feature = "runtime-async-std", not(feature = "runtime-tokio")))]
mod imp {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    use std::io;

    pub(crate) type Socket = async_std::net::TcpStream;

    pub(crate) async fn connect(host: &str, port: u16) -> io::Result<Socket> {
        let socket = Socket::connect((host, port)).await?;
        socket.set_nodelay(true)?;
        Ok(socket)
    }

    pub(crate) async fn read(socket: &mut Socket, buf: &mut [u8]) -> io::Result<usize> {
        socket.read(buf).await
    }

    pub(crate) async fn write_all(socket: &mut Socket, bytes: &[u8]) -> io::Result<()> {
        socket.write_all(bytes).await
    }
}

#[cfg(not(any(feature = "runtime-tokio", feature = "runtime-async-std")))]
mod imp {
    use std::io;

    /// No socket on this runtime: a value of this type cannot exist.
    #[derive(Debug)]
    pub(crate) enum Socket {}

    pub(crate) async fn connect(_host: &str, _port: u16) -> io::Result<Socket> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "no raw socket on this runtime",
        ))
    }

    pub(crate) async fn read(socket: &mut Socket, _buf: &mut [u8]) -> io::Result<usize> {
        match *socket {}
    }

    pub(crate) async fn write_all(socket: &mut Socket, _bytes: &[u8]) -> io::Result<()> {
        match *socket {}
    }
}

pub(crate) use imp::{read, write_all, Socket};

/// Connect to `host:port` within `limit`, with `TCP_NODELAY` set.
pub(crate) async fn connect(host: &str, port: u16, limit: Duration) -> io::Result<Socket> {
    match sea_streamer_runtime::timeout(limit, imp::connect(host, port)).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "connection timeout",
        )),
    }
}
