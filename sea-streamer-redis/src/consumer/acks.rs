//! Sending acks (`XACK`), batched per key and pipelined per node, per the `AutoCommit` policy;
//! acks of keys that moved to another cluster node follow the `MOVED` redirection.

use super::commands::Commands;
use super::observe::{span, Step};
use super::options::{AutoCommit, RedisConsumerOptions};
use super::shard::shard_key;
use super::shared::{PendingAck, Shared};
use crate::message::format_id;
use crate::policy::{Classify, Failure};
use crate::{map_err, RedisErr, RedisResult};
use sea_streamer_types::{ShardId, StreamErr, StreamKey};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Consecutive failed flushes after which the consumer gives up.
const MAX_FAILURES: usize = 100;

/// Sends the acks recorded in [`Shared`] on the command connections, per the policy.
#[derive(Debug)]
pub(crate) struct Acker {
    /// The consumer group (`None` for RealTime: nothing to acknowledge).
    group: Option<String>,
    /// Redis key of each known shard.
    keys: HashMap<(StreamKey, ShardId), String>,
    policy: AutoCommit,
    /// `AutoCommit::Delayed`: how old an ack must be.
    delay: Duration,
    /// The least time between two automatic flushes.
    interval: Duration,
    last_commit: Instant,
    /// Consecutive failed flushes.
    failures: usize,
    shared: Arc<Shared>,
}

impl Acker {
    /// Ack for `group` (if any) as `options` say; `keys`: the Redis key of each shard.
    pub fn new(
        group: Option<String>,
        keys: HashMap<(StreamKey, ShardId), String>,
        options: &RedisConsumerOptions,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            group,
            keys,
            policy: *options.auto_commit(),
            delay: *options.auto_commit_delay(),
            interval: *options.auto_commit_interval(),
            last_commit: Instant::now(),
            failures: 0,
            shared,
        }
    }

    /// Acks of the shard `(stream_key, shard_id)` go to `key` (a shard assigned by a seek).
    pub fn set_key(&mut self, shard: (StreamKey, ShardId), key: String) {
        self.keys.insert(shard, key);
    }

    /// `AutoCommit::Delayed`: how often due acks are sent while a read is in flight.
    pub fn tick(&self) -> Option<Duration> {
        (self.policy == AutoCommit::Delayed).then_some(self.interval)
    }

    /// Send the acks due under the auto-commit policy. `Rolling` acks are sent only right
    /// after a delivery that began at `delivered`, and only those recorded before it (acks of
    /// earlier batches). An error means the consumer must stop.
    pub async fn auto(
        &mut self,
        cmd: &mut Commands,
        delivered: Option<Instant>,
    ) -> RedisResult<()> {
        if self.last_commit.elapsed() < self.interval {
            return Ok(());
        }
        match self.policy {
            AutoCommit::Delayed => {
                let delay = self.delay;
                self.flush_where(cmd, |ack| ack.at.elapsed() >= delay).await
            }
            AutoCommit::Rolling => match delivered {
                Some(t) => self.flush_where(cmd, |ack| ack.at <= t).await,
                None => Ok(()),
            },
            AutoCommit::Immediate | AutoCommit::Disabled => Ok(()),
        }
    }

    /// Send every recorded ack.
    pub async fn commit(&mut self, cmd: &mut Commands) -> RedisResult<()> {
        self.flush_where(cmd, |_| true).await
    }

    async fn flush_where(
        &mut self,
        cmd: &mut Commands,
        due: impl Fn(&PendingAck) -> bool,
    ) -> RedisResult<()> {
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
        match self.send(cmd, &group, &acks).await {
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
                    cmd.reconnect_all_later();
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

    /// One `XACK <key> <group> <id>…` per key, pipelined per node, in a
    /// `sea_streamer.commit` span.
    async fn send(
        &self,
        commands: &mut Commands,
        group: &str,
        acks: &[PendingAck],
    ) -> RedisResult<()> {
        let stream = acks.first().map_or("", |a| a.stream_key.name());
        let commit = span(Step::Commit, stream);
        commit.record("count", acks.len());
        self.send_acks(commands, group, acks)
            .instrument(commit)
            .await
    }

    async fn send_acks(
        &self,
        commands: &mut Commands,
        group: &str,
        acks: &[PendingAck],
    ) -> RedisResult<()> {
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
            let node = commands.node_for(&key).clone();
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
            let conn = commands.get(&node).await?;
            match pipe.query_async::<()>(conn).await {
                Ok(()) => {}
                Err(e) if matches!(e.failure(), Failure::Moved(_)) => {
                    // (some of) these keys live elsewhere now: ack key by key, following
                    // the redirections (XACK is idempotent)
                    for (key, cmd) in keys_of.remove(&node).unwrap_or_default().iter().zip(&cmds) {
                        commands.query_key::<()>(key, cmd).await?.map_err(map_err)?;
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
