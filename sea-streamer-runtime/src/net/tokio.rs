//! [`super::TcpStream`] on tokio: `tokio::net::TcpStream` with the `tokio::io` traits.

use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(super) const SUPPORTED: bool = true;

pub(super) type Stream = tokio::net::TcpStream;

pub(super) async fn connect(host: &str, port: u16) -> io::Result<Stream> {
    Stream::connect((host, port)).await
}

pub(super) async fn read(stream: &mut Stream, buf: &mut [u8]) -> io::Result<usize> {
    stream.read(buf).await
}

pub(super) async fn write_all(stream: &mut Stream, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes).await
}

pub(super) fn set_nodelay(stream: &Stream, on: bool) -> io::Result<()> {
    stream.set_nodelay(on)
}

pub(super) fn nodelay(stream: &Stream) -> io::Result<bool> {
    stream.nodelay()
}

pub(super) fn peer_addr(stream: &Stream) -> io::Result<SocketAddr> {
    stream.peer_addr()
}
