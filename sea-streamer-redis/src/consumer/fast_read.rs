//! The consumer task's `XREAD` fast path: plain reads on a raw connection whose replies are
//! parsed straight into messages sharing one buffer (see [`super::fast`], [`super::xread`]).
//!
//! Taken only for plain `XREAD` on a single `redis://` node (no cluster, no TLS) with one read
//! command for every shard, on any runtime (the socket is `sea_streamer_runtime::net`). Otherwise the `redis`-crate path runs.
//! Server errors go through [`Task::on_read_error`] like on the other path; a broken
//! connection is dropped and reopened after the node's reconnection back-off, and reading
//! resumes from each shard's last id.

use super::fast::{FastConn, FastErr};
use super::outcome::Outcome;
use super::race::{race, Race};
use super::task::Task;
use super::xread::{parse_xread, XreadReply};
use crate::policy::{Classify, Failure};
use crate::RedisErr;
use sea_streamer_types::{SharedMessage, StreamErr};
use std::sync::Arc;

/// Outcome of one raw read.
enum Got {
    Reply(Arc<Vec<u8>>),
    /// Could not open the raw connection (yet).
    Unavailable(StreamErr<RedisErr>),
    Failed(FastErr),
}

impl Task {
    /// Whether the fast path applies to the next read.
    fn fast_eligible(&self) -> bool {
        self.plain
            && !self.per_key
            && self.ahead.is_none()
            && !self.reader.options.enable_cluster()
            && self.reader.protocol() == Some("redis")
    }

    /// Read one batch on the fast path; `None` if it does not apply.
    pub(crate) async fn fast_read(&mut self, messages: &mut Vec<SharedMessage>) -> Option<Outcome> {
        if !self.fast_eligible() {
            self.fast = None;
            return None;
        }
        let mut cmds = self.read_cmds();
        if cmds.len() != 1 {
            self.fast = None;
            return None;
        }
        let read = cmds.pop()?;
        let node = read.node.clone();
        let packed = read.cmd.get_packed_command();
        let Task {
            reader,
            acker,
            ctrl,
            fast,
            ..
        } = self;
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
        let got = match race(ctrl, acker, io).await {
            Race::Done(got) => got,
            Race::Interrupted(c) => {
                // a seek or end: a command in flight (or half written) is of no use any more
                self.fast = None;
                return Some(Outcome::Interrupted(c));
            }
            Race::Closed => return Some(Outcome::Closed),
        };
        Some(match got {
            Got::Reply(reply) => self.fast_reply(&node, &read.shards, reply, messages).await,
            Got::Unavailable(e) => match e.failure() {
                Failure::Connection | Failure::Busy => {
                    log::warn!("Waiting for {node}: {e}");
                    let _ = self.reader.reconnect(&node);
                    Outcome::Read
                }
                _ => Outcome::Failed(e),
            },
            Got::Failed(FastErr::Io(e)) => {
                log::warn!("Consumer lost its connection to {node}: {e}; reconnecting");
                self.fast = None;
                let _ = self.reader.reconnect(&node);
                Outcome::Read
            }
            Got::Failed(FastErr::Malformed(e)) => {
                self.fast = None;
                Outcome::Failed(StreamErr::Backend(RedisErr::StreamReadReply(e.to_string())))
            }
        })
    }

    /// Turn a raw reply into messages, advance the shards and send the next read at once.
    async fn fast_reply(
        &mut self,
        node: &crate::connection::NodeId,
        shards: &[usize],
        reply: Arc<Vec<u8>>,
        messages: &mut Vec<SharedMessage>,
    ) -> Outcome {
        let parsed = parse_xread(&reply, &self.shards, self.ts_fmt, self.field, messages);
        match parsed {
            Ok(XreadReply::Read(reads)) => {
                self.advance(shards, &reads);
                if reads.iter().any(|r| r.last.is_some()) {
                    self.fast_read_ahead().await;
                }
                Outcome::Read
            }
            Ok(XreadReply::ServerError(line)) => {
                let e = server_error(&reply, &line);
                self.on_read_error(node.clone(), shards, e).await.into()
            }
            Err(e) => {
                self.fast = None;
                Outcome::Failed(e)
            }
        }
    }

    /// Write the next read now, so Redis works on it while this batch is handed over.
    async fn fast_read_ahead(&mut self) {
        let mut cmds = self.read_cmds();
        let (Some(read), true) = (cmds.pop(), cmds.is_empty()) else {
            return;
        };
        let Some(conn) = self.fast.as_mut() else {
            return;
        };
        if let Err(e) = conn.send(&read.cmd.get_packed_command()).await {
            // the batch is still delivered; the next read reconnects and resumes after it
            log::warn!(
                "Consumer lost its connection to {}: {e}; reconnecting",
                read.node
            );
            self.fast = None;
            let _ = self.reader.reconnect(&read.node);
        }
    }
}

/// The same `redis::RedisError` the `redis` crate makes of this error reply, so that codes
/// (`UNBLOCKED`, `NOGROUP`, …) are handled alike on both paths.
pub(crate) fn server_error(reply: &[u8], line: &str) -> redis::RedisError {
    match redis::parse_redis_value(reply) {
        Ok(redis::Value::ServerError(e)) => e.into(),
        Ok(_) => {
            redis::RedisError::from((redis::ErrorKind::Parse, "unexpected reply", line.to_owned()))
        }
        Err(e) => e,
    }
}
