//! [`TcpStream`]: a client TCP connection on the selected runtime, for backends that speak a
//! wire protocol themselves (the Redis backend's `XREAD` fast path does).
//!
//! Only what such a client needs: connect (with a deadline), read, write everything,
//! `TCP_NODELAY`, the peer address. The same type and signatures under every runtime:
//!
//! | | tokio | async-std | smol |
//! |---|---|---|---|
//! | socket | `tokio::net::TcpStream` | `async_std::net::TcpStream` | `smol::net::TcpStream` |
//! | I/O | `tokio::io` traits | `futures::io` traits | `futures::io` traits |
//!
//! With no runtime feature, [`TcpStream::connect`] fails with an [`std::io::Error`] naming
//! the features to enable (no value of the type can exist).
//!
//! ```
//! use sea_streamer_runtime::net::TcpStream;
//! use std::time::Duration;
//!
//! async fn ping(host: &str, port: u16) -> std::io::Result<Vec<u8>> {
//!     let mut socket = TcpStream::connect(host, port, Duration::from_secs(5)).await?;
//!     socket.set_nodelay(true)?;
//!     socket.write_all(b"PING\r\n").await?;
//!     let mut reply = vec![0; 64];
//!     let n = socket.read(&mut reply).await?;
//!     reply.truncate(n);
//!     Ok(reply)
//! }
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

if_tokio! {
    mod tokio;
    use self::tokio as imp;
}

if_async_std! {
    mod futures_io;
    use self::futures_io as imp;
}

if_smol! {
    mod futures_io;
    use self::futures_io as imp;
}

if_no_rt! {
    mod no_rt;
    use self::no_rt as imp;
}

/// A TCP connection to a server.
#[derive(Debug)]
pub struct TcpStream {
    inner: imp::Stream,
}

impl TcpStream {
    /// Connect to `host:port` (a name or an address; every resolved address is tried) and
    /// give up with [`io::ErrorKind::TimedOut`] once `limit` has passed.
    ///
    /// ```
    /// # async fn demo() -> std::io::Result<()> {
    /// use sea_streamer_runtime::net::TcpStream;
    /// let socket = TcpStream::connect("localhost", 6379, std::time::Duration::from_secs(1)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(host: &str, port: u16, limit: Duration) -> io::Result<Self> {
        match crate::timeout(limit, imp::connect(host, port)).await {
            Ok(inner) => Ok(Self { inner: inner? }),
            Err(_) if imp::SUPPORTED => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("connecting to {host}:{port} timed out after {limit:?}"),
            )),
            // no runtime: the timeout stub fails at once; say why
            Err(_) => Err(io::Error::other(crate::NO_RUNTIME)),
        }
    }

    /// Read some bytes into `buf`; `Ok(0)` means the peer closed the connection (or `buf`
    /// is empty). Cancel-safe: dropping the future loses no received bytes.
    ///
    /// ```
    /// # async fn demo(socket: &mut sea_streamer_runtime::net::TcpStream) -> std::io::Result<()> {
    /// let mut buf = [0; 1024];
    /// let n = socket.read(&mut buf).await?;
    /// println!("{:?}", &buf[..n]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        imp::read(&mut self.inner, buf).await
    }

    /// Write all of `bytes`. Not cancel-safe: dropped midway, part of `bytes` may have been
    /// written.
    ///
    /// ```
    /// # async fn demo(socket: &mut sea_streamer_runtime::net::TcpStream) -> std::io::Result<()> {
    /// socket.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        imp::write_all(&mut self.inner, bytes).await
    }

    /// Set `TCP_NODELAY`: send small writes at once instead of coalescing them.
    ///
    /// ```
    /// # fn demo(socket: &sea_streamer_runtime::net::TcpStream) -> std::io::Result<()> {
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        imp::set_nodelay(&self.inner, on)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # fn demo(socket: &sea_streamer_runtime::net::TcpStream) -> std::io::Result<bool> {
    /// socket.nodelay()
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        imp::nodelay(&self.inner)
    }

    /// The address of the server.
    ///
    /// ```
    /// # fn demo(socket: &sea_streamer_runtime::net::TcpStream) -> std::io::Result<()> {
    /// println!("connected to {}", socket.peer_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        imp::peer_addr(&self.inner)
    }
}
