//! [`super::TcpStream`] on async-std or smol: their `TcpStream`s both implement the
//! `futures::io` traits and have the same inherent methods, so one implementation serves both.

use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io;
use std::net::SocketAddr;

pub(super) const SUPPORTED: bool = true;

#[cfg(feature = "runtime-async-std")]
pub(super) type Stream = async_std::net::TcpStream;

#[cfg(not(feature = "runtime-async-std"))]
pub(super) type Stream = smol::net::TcpStream;

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
