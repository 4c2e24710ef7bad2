//! [`super::TcpStream`] without a runtime: connecting fails, so no stream ever exists.

use std::io;
use std::net::SocketAddr;

pub(super) const SUPPORTED: bool = false;

/// No value of this type can exist.
#[derive(Debug)]
pub(super) enum Stream {}

pub(super) async fn connect(_host: &str, _port: u16) -> io::Result<Stream> {
    Err(io::Error::other(crate::NO_RUNTIME))
}

pub(super) async fn read(stream: &mut Stream, _buf: &mut [u8]) -> io::Result<usize> {
    match *stream {}
}

pub(super) async fn write_all(stream: &mut Stream, _bytes: &[u8]) -> io::Result<()> {
    match *stream {}
}

pub(super) fn set_nodelay(stream: &Stream, _on: bool) -> io::Result<()> {
    match *stream {}
}

pub(super) fn nodelay(stream: &Stream) -> io::Result<bool> {
    match *stream {}
}

pub(super) fn peer_addr(stream: &Stream) -> io::Result<SocketAddr> {
    match *stream {}
}
