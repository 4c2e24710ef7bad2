//! The raw connection of the `XREAD` fast path: a TCP socket we own, commands written as RESP
//! arrays, and replies read into one buffer per reply that the messages then share.
//!
//! One command is in flight at most. There is no response timeout: `XREAD BLOCK` replies
//! when it wants to.

use super::reply_buf::ReplyBuf;
use super::resp::RespError;
use crate::connection::NodeId;
use crate::{RedisConnectOptions, RedisErr, RedisResult, REDIS_PORT};
use sea_streamer_runtime::net::TcpStream;
use sea_streamer_types::StreamErr;
use std::io;
use std::sync::Arc;

/// Why a raw read failed.
#[derive(Debug)]
pub(crate) enum FastErr {
    /// The connection is broken (I/O error or closed by the server).
    Io(io::Error),
    /// The server sent bytes that are not RESP.
    Malformed(RespError),
}

impl From<io::Error> for FastErr {
    fn from(e: io::Error) -> Self {
        FastErr::Io(e)
    }
}

/// A raw connection to one node.
#[derive(Debug)]
pub(crate) struct FastConn {
    socket: TcpStream,
    /// Bytes received, not yet handed out as a reply.
    rx: ReplyBuf,
    /// A command was written and its reply not read yet.
    pub in_flight: bool,
}

impl FastConn {
    /// Connect to `node` (scheme `redis`), authenticate and select the database.
    pub async fn open(node: &NodeId, options: &RedisConnectOptions) -> RedisResult<Self> {
        let host = node.host_str().unwrap_or("localhost");
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = node.port().unwrap_or(REDIS_PORT);
        let connect_err = |e: io::Error| {
            StreamErr::Backend(RedisErr::IoError(format!(
                "connecting to {host}:{port}: {e}"
            )))
        };
        let socket = TcpStream::connect(host, port, options.timeout_or_default())
            .await
            .map_err(connect_err)?;
        socket.set_nodelay(true).map_err(connect_err)?;
        let mut conn = Self {
            socket,
            rx: ReplyBuf::default(),
            in_flight: false,
        };
        if let Some(pass) = options.password() {
            let mut cmd = redis::cmd("AUTH");
            if let Some(user) = options.username() {
                cmd.arg(user);
            }
            cmd.arg(pass);
            if let Some(e) = conn.command(&cmd).await? {
                return Err(StreamErr::Backend(RedisErr::AuthenticationFailed(e)));
            }
        }
        if options.db() != 0 {
            let mut cmd = redis::cmd("SELECT");
            cmd.arg(options.db());
            if let Some(e) = conn.command(&cmd).await? {
                return Err(StreamErr::Backend(RedisErr::ResponseError(format!(
                    "SELECT {} failed: {e}",
                    options.db()
                ))));
            }
        }
        Ok(conn)
    }

    /// Send a set-up command; `Some(line)` if the server answered with an error.
    async fn command(&mut self, cmd: &redis::Cmd) -> RedisResult<Option<String>> {
        self.send(&cmd.get_packed_command()).await.map_err(io_err)?;
        let reply = self.read_reply().await.map_err(|e| match e {
            FastErr::Io(e) => io_err(e),
            FastErr::Malformed(e) => StreamErr::Backend(RedisErr::ResponseError(e.to_string())),
        })?;
        Ok(match reply.first() {
            Some(b'-') => Some(String::from_utf8_lossy(&reply[1..]).trim_end().to_owned()),
            _ => None,
        })
    }

    /// Write one packed command (RESP array of bulk strings).
    pub async fn send(&mut self, packed: &[u8]) -> io::Result<()> {
        self.in_flight = true;
        self.socket.write_all(packed).await
    }

    /// Read the reply to the command in flight: exactly its bytes, in a buffer of its own.
    /// Cancel-safe: bytes already received stay buffered for the next call.
    pub async fn read_reply(&mut self) -> Result<Arc<Vec<u8>>, FastErr> {
        loop {
            if let Some(reply) = self.rx.take_reply().map_err(FastErr::Malformed)? {
                self.in_flight = false;
                return Ok(reply);
            }
            let n = self.socket.read(self.rx.room()).await?;
            if n == 0 {
                return Err(FastErr::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed by the server",
                )));
            }
            self.rx.received(n);
        }
    }
}

fn io_err(e: io::Error) -> StreamErr<RedisErr> {
    StreamErr::Backend(RedisErr::IoError(e.to_string()))
}
