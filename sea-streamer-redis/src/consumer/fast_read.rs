//! The `XREAD` fast path ([`FastReads`]): plain reads on a raw connection whose replies are
//! parsed straight into messages sharing one buffer (see [`super::fast`], [`super::xread`]).
//!
//! Taken only for plain `XREAD` on a single `redis://` node (no cluster, no TLS) with one read
//! command for every shard, on any runtime (the socket is `sea_streamer_runtime::net`).
//! Otherwise the `redis`-crate path ([`super::read`]) runs. A reply comes back as a
//! [`ReadResult`] like on the other path: an error reply, or a broken connection, is a
//! `redis::RedisError` that the task handles on its one error path; a broken connection is
//! dropped and reopened after the node's reconnection back-off, and reading resumes from each
//! shard's last id.

use super::fast::{FastConn, FastErr};
use super::outcome::Outcome;
use super::race::{Control, Race};
use super::read::{ReadCmd, ReadPlan, ReadResult, Reply};
use crate::cluster::RedisCluster;
use crate::RedisErr;
use sea_streamer_types::StreamErr;
use std::sync::Arc;

/// Outcome of one raw read.
enum Got {
    Reply(Arc<Vec<u8>>),
    /// Could not open the raw connection (yet).
    Unavailable(StreamErr<RedisErr>),
    Failed(FastErr),
}

/// The raw connection of the fast path, once opened.
#[derive(Debug, Default)]
pub(crate) struct FastReads {
    conn: Option<FastConn>,
}

impl FastReads {
    /// Whether the fast path applies to the next read (no plain read started ahead).
    pub fn applies(plan: &ReadPlan, reader: &RedisCluster, ahead: bool) -> bool {
        plan.is_plain()
            && !plan.is_per_key()
            && !ahead
            && !reader.options.enable_cluster()
            && reader.protocol() == Some("redis")
    }

    /// Was the next read sent ahead ([`FastReads::send_ahead`]), its reply still to come?
    pub fn sent_ahead(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.in_flight)
    }

    /// Drop the connection (a command in flight on it is for old positions).
    pub fn close(&mut self) {
        self.conn = None;
    }

    /// Send `read` (unless it was sent ahead) and wait for its reply, serving `control`
    /// meanwhile. `Err`: what the step came to without a reply.
    pub async fn read(
        &mut self,
        control: &mut Control,
        reader: &mut RedisCluster,
        read: ReadCmd,
    ) -> Result<ReadResult, Outcome> {
        let node = read.node.clone();
        let packed = read.cmd.get_packed_command();
        let fast = &mut self.conn;
        let io = async {
            if fast.is_none() {
                // the node's connection carries the back-off: wait for it to be reachable
                if let Err(e) = reader.get(&node).await {
                    return Got::Unavailable(e);
                }
                match FastConn::open(&node, &reader.options).await {
                    Ok(conn) => *fast = Some(conn),
                    Err(e) => return Got::Unavailable(e),
                }
            }
            let Some(conn) = fast.as_mut() else {
                return Got::Unavailable(StreamErr::Backend(RedisErr::TryAgain(
                    "no raw connection".to_owned(),
                )));
            };
            if !conn.in_flight {
                if let Err(e) = conn.send(&packed).await {
                    return Got::Failed(FastErr::Io(e));
                }
            }
            match conn.read_reply().await {
                Ok(reply) => Got::Reply(reply),
                Err(e) => Got::Failed(e),
            }
        };
        let got = match control.race(io).await {
            Race::Done(got) => got,
            Race::Interrupted(c) => {
                // a seek or end: a command in flight (or half written) is of no use any more
                self.close();
                return Err(Outcome::Interrupted(c));
            }
            Race::Closed => return Err(Outcome::Closed),
        };
        let result = match got {
            Got::Reply(reply) => match reply.first() {
                Some(b'-') => Err(server_error(&reply, &String::from_utf8_lossy(&reply))),
                _ => Ok(Reply::Raw(reply)),
            },
            Got::Unavailable(e) => {
                let _ = reader.reconnect(&node);
                return Err(Outcome::unreachable(&node, e));
            }
            Got::Failed(FastErr::Io(e)) => {
                self.close();
                Err(redis::RedisError::from(e))
            }
            Got::Failed(FastErr::Malformed(e)) => {
                self.close();
                return Err(Outcome::Failed(StreamErr::Backend(
                    RedisErr::StreamReadReply(e.to_string()),
                )));
            }
        };
        Ok((node, read.shards, result))
    }

    /// Write the next read now, so Redis works on it while this batch is handed over.
    /// `true` if the connection was found lost (it is reopened by the next read).
    pub async fn send_ahead(&mut self, reader: &mut RedisCluster, mut cmds: Vec<ReadCmd>) -> bool {
        let (Some(read), true) = (cmds.pop(), cmds.is_empty()) else {
            return false;
        };
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        if let Err(e) = conn.send(&read.cmd.get_packed_command()).await {
            // the batch is still delivered; the next read reconnects and resumes after it
            log::warn!(
                "Consumer lost its connection to {}: {e}; reconnecting",
                read.node
            );
            self.close();
            let _ = reader.reconnect(&read.node);
            return true;
        }
        false
    }
}

/// The same `redis::RedisError` the `redis` crate makes of this error reply, so that it is
/// classified ([`crate::policy`]) and handled alike on both paths.
pub(crate) fn server_error(reply: &[u8], line: &str) -> redis::RedisError {
    match redis::parse_redis_value(reply) {
        Ok(redis::Value::ServerError(e)) => e.into(),
        Ok(_) => {
            redis::RedisError::from((redis::ErrorKind::Parse, "unexpected reply", line.to_owned()))
        }
        Err(e) => e,
    }
}
