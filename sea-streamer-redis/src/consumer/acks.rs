//! Sending acks (`XACK`), batched per key and pipelined per node, per the `AutoCommit` policy;
//! acks of keys that moved to another cluster node follow the `MOVED` redirection.

use super::shard::shard_key;
use super::shared::{PendingAck, Shared};
use super::AutoCommit;
use crate::cluster::RedisCluster;
use crate::message::format_id;
use crate::policy::{Classify, Failure};
use crate::{map_err, RedisErr, RedisResult};
use sea_streamer_types::{ShardId, StreamErr, StreamKey};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Consecutive failed flushes after which the consumer gives up.
const MAX_FAILURES: usize = 100;

/// Owns the command connections and sends acks.
#[derive(Debug)]
pub(crate) struct Acker {
    pub cmd: RedisCluster,
    pub group: Option<String>,
    /// Redis key of each known shard.
    pub keys: HashMap<(StreamKey, ShardId), String>,
    pub policy: AutoCommit,
    pub delay: Duration,
    pub interval: Duration,
    pub last_commit: Instant,
    pub failures: usize,
    pub shared: Arc<Shared>,
}

impl Acker {
    /// Send the acks due under the auto-commit policy. `Rolling` acks are sent only right
    /// after a delivery that began at `delivered`, and only those recorded before it (acks of
    /// earlier batches). An error means the consumer must stop.
    pub async fn auto(&mut self, delivered: Option<Instant>) -> RedisResult<()> {
        if self.last_commit.elapsed() < self.interval {
            return Ok(());
        }
        match self.policy {
            AutoCommit::Delayed => {
                let delay = self.delay;
                self.flush_where(|ack| ack.at.elapsed() >= delay).await
            }
            AutoCommit::Rolling => match delivered {
                Some(t) => self.flush_where(|ack| ack.at <= t).await,
                None => Ok(()),
            },
            AutoCommit::Immediate | AutoCommit::Disabled => Ok(()),
        }
    }

    /// Send every recorded ack.
    pub async fn commit(&mut self) -> RedisResult<()> {
        self.flush_where(|_| true).await
    }

    async fn flush_where(&mut self, due: impl Fn(&PendingAck) -> bool) -> RedisResult<()> {
        self.last_commit = Instant::now();
        let acks: Vec<PendingAck> = {
            let mut inner = self.shared.lock();
            if inner.acks.is_empty() {
                return Ok(());
            }
            let (now, later): (Vec<_>, Vec<_>) = inner.acks.drain(..).partition(|a| due(a));
            inner.acks = later;
            now
        };
        let Some(group) = self.group.clone() else {
            return Ok(()); // RealTime: nothing to acknowledge
        };
        if acks.is_empty() {
            return Ok(());
        }
        match self.send(&group, &acks).await {
            Ok(()) => {
                self.failures = 0;
                Ok(())
            }
            Err(e) => {
                log::warn!("Failed to send {} acks: {e}", acks.len());
                let mut inner = self.shared.lock();
                let later = std::mem::take(&mut inner.acks);
                inner.acks = acks;
                inner.acks.extend(later);
                drop(inner);
                if e.failure() == Failure::Connection {
                    for node in self.cmd.nodes.clone() {
                        self.cmd.reconnect(&node).ok();
                    }
                }
                self.failures += 1;
                if self.failures > MAX_FAILURES {
                    Err(e)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// One `XACK <key> <group> <id>…` per key, pipelined per node.
    async fn send(&mut self, group: &str, acks: &[PendingAck]) -> RedisResult<()> {
        let mut per_key: HashMap<String, Vec<String>> = HashMap::new();
        for ack in acks {
            let key = self
                .keys
                .get(&(ack.stream_key.clone(), ack.shard_id))
                .cloned()
                .unwrap_or_else(|| shard_key(&ack.stream_key, ack.shard_id));
            per_key.entry(key).or_default().push(format_id(ack.id));
        }
        let mut per_node: HashMap<crate::NodeId, Vec<redis::Cmd>> = HashMap::new();
        let mut keys_of: HashMap<crate::NodeId, Vec<String>> = HashMap::new();
        for (key, ids) in per_key {
            let node = self.cmd.node_for(&key).clone();
            let mut cmd = redis::cmd("XACK");
            cmd.arg(&key).arg(group).arg(ids);
            per_node.entry(node.clone()).or_default().push(cmd);
            keys_of.entry(node).or_default().push(key);
        }
        for (node, cmds) in per_node {
            let mut pipe = redis::Pipeline::with_capacity(cmds.len());
            for cmd in &cmds {
                pipe.add_command(cmd.clone()).ignore();
            }
            let conn = self.cmd.get(&node).await?;
            match pipe.query_async::<()>(conn).await {
                Ok(()) => {}
                Err(e) if matches!(e.failure(), Failure::Moved(_)) => {
                    // (some of) these keys live elsewhere now: ack key by key, following
                    // the redirections (XACK is idempotent)
                    for (key, cmd) in keys_of.remove(&node).unwrap_or_default().iter().zip(&cmds) {
                        self.cmd.query_key::<()>(key, cmd).await?.map_err(map_err)?;
                    }
                }
                Err(e) => return Err(map_err(e)),
            }
        }
        Ok(())
    }
}

/// The error for `ack` under `AutoCommit::Delayed`.
pub(crate) fn delayed_ack_err() -> StreamErr<RedisErr> {
    StreamErr::Backend(RedisErr::InvalidClientConfig(
        "Please do not set AutoCommit to Delayed.".to_owned(),
    ))
}
