//! LoadBalanced failover: find consumers that went idle with pending entries and claim
//! those entries (`XAUTOCLAIM`) under this consumer's own name ([`Claims`]).

use super::absent::Absent;
use super::commands::Commands;
use super::entries::{parse_entries, EntryRules};
use super::reply::ValueWalk;
use super::shard::ShardState;
use crate::{map_err, RedisResult};
use redis::aio::MultiplexedConnection;
use redis::Value;
use sea_streamer_types::SharedMessage;
use std::time::{Duration, Instant};

/// An ongoing claim on one shard.
#[derive(Debug, Clone)]
struct ClaimState {
    /// Index into the shard table.
    pub shard: usize,
    /// `start` of the next `XAUTOCLAIM`.
    pub start: String,
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => as_text(other)?.parse().ok(),
    }
}

/// `XINFO CONSUMERS`: the first other consumer with pending entries, idle longer than `idle`.
pub(crate) async fn find_idle_consumer(
    conn: &mut MultiplexedConnection,
    key: &str,
    group: &str,
    me: &str,
    idle: Duration,
) -> RedisResult<Option<String>> {
    let reply: Value = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(key)
        .arg(group)
        .query_async(conn)
        .await
        .map_err(map_err)?;
    let Value::Array(consumers) = reply else {
        return Ok(None);
    };
    for consumer in consumers {
        let pairs: Vec<(Value, Value)> = match consumer {
            Value::Array(flat) => {
                let mut it = flat.into_iter();
                let mut pairs = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                pairs
            }
            Value::Map(pairs) => pairs,
            _ => continue,
        };
        let (mut name, mut pending, mut idle_ms) = (None, 0, 0);
        for (k, v) in &pairs {
            match as_text(k).as_deref() {
                Some("name") => name = as_text(v),
                Some("pending") => pending = as_int(v).unwrap_or(0),
                Some("idle") => idle_ms = as_int(v).unwrap_or(0),
                _ => {}
            }
        }
        if let Some(name) = name {
            if name != me && pending > 0 && idle_ms as u128 > idle.as_millis() {
                return Ok(Some(name));
            }
        }
    }
    Ok(None)
}

/// `XAUTOCLAIM <key> <group> <me> <idle ms> <start> COUNT <count>`: returns the next start
/// and the claimed entries (`[[id, fields], …]`).
pub(crate) async fn auto_claim(
    conn: &mut MultiplexedConnection,
    key: &str,
    group: &str,
    me: &str,
    idle: Duration,
    start: &str,
    count: usize,
) -> RedisResult<(String, Vec<Value>)> {
    let reply: Value = redis::cmd("XAUTOCLAIM")
        .arg(key)
        .arg(group)
        .arg(me)
        .arg(idle.as_millis() as u64)
        .arg(start)
        .arg("COUNT")
        .arg(count)
        .query_async(conn)
        .await
        .map_err(map_err)?;
    let Value::Array(mut parts) = reply else {
        return Ok(("0-0".to_owned(), Vec::new()));
    };
    if parts.len() < 2 {
        return Ok(("0-0".to_owned(), Vec::new()));
    }
    let entries = match parts.swap_remove(1) {
        Value::Array(entries) => entries,
        _ => Vec::new(),
    };
    let next = as_text(&parts[0]).unwrap_or_else(|| "0-0".to_owned());
    Ok((next, entries))
}

/// LoadBalanced auto-claim: when due, look for an idle consumer's pending entries and claim
/// them batch by batch. Its own state; the task passes in what it reads from.
#[derive(Debug)]
pub(crate) struct Claims {
    group: String,
    me: String,
    /// How often to look for idle consumers.
    interval: Duration,
    /// How long a consumer must have been idle.
    idle: Duration,
    last_look: Instant,
    current: Option<ClaimState>,
}

/// What claimed entries become: the shard table and the message format.
pub(crate) struct Target<'a> {
    pub shards: &'a [ShardState],
    pub absent: &'a Absent,
    pub batch_size: usize,
    pub rules: &'a mut EntryRules,
}

impl Claims {
    /// Claim for consumer `me` of `group`: look every `interval` for consumers idle `idle`.
    pub fn new(group: String, me: String, interval: Duration, idle: Duration) -> Self {
        Self {
            group,
            me,
            interval,
            idle,
            last_look: Instant::now(),
            current: None,
        }
    }

    /// Stop an ongoing claim (after a seek).
    pub fn cancel(&mut self) {
        self.current = None;
    }

    /// Claim one batch into `messages` if a claim is due or ongoing; `false`: nothing to
    /// claim now (read instead). A failed claim is logged and dropped.
    pub async fn claim(
        &mut self,
        cmd: &mut Commands,
        mut target: Target<'_>,
        messages: &mut Vec<SharedMessage>,
    ) -> bool {
        if self.current.is_none() && self.last_look.elapsed() >= self.interval {
            self.last_look = Instant::now();
            self.current = self.find(cmd, &target).await;
        }
        let Some(state) = self.current.take() else {
            return false;
        };
        match self.batch(cmd, &mut target, state, messages).await {
            Ok(next) => {
                self.current = next;
                true
            }
            Err(e) => {
                log::warn!("Auto-claim failed: {e}");
                false
            }
        }
    }

    /// Look for a shard with an idle consumer's pending entries.
    async fn find(&self, cmd: &mut Commands, target: &Target<'_>) -> Option<ClaimState> {
        for (i, shard) in target.shards.iter().enumerate() {
            if target.absent.contains(&shard.key) {
                continue;
            }
            let conn = cmd.connection_for(&shard.key).await.ok()?;
            let key = &shard.key;
            match find_idle_consumer(conn, key, &self.group, &self.me, self.idle).await {
                Ok(Some(name)) => {
                    log::info!("Claiming entries of idle consumer `{name}` on `{key}`");
                    return Some(ClaimState {
                        shard: i,
                        start: "0-0".to_owned(),
                    });
                }
                Ok(None) => {}
                Err(e) => log::warn!("XINFO CONSUMERS on `{key}` failed: {e}"),
            }
        }
        None
    }

    /// Claim one batch; the claim to continue with, if any.
    async fn batch(
        &self,
        cmd: &mut Commands,
        target: &mut Target<'_>,
        state: ClaimState,
        messages: &mut Vec<SharedMessage>,
    ) -> RedisResult<Option<ClaimState>> {
        let shard = &target.shards[state.shard];
        let conn = cmd.connection_for(&shard.key).await?;
        let (next, entries) = auto_claim(
            conn,
            &shard.key,
            &self.group,
            &self.me,
            self.idle,
            &state.start,
            target.batch_size,
        )
        .await?;
        let (count, _) = parse_entries(
            &mut ValueWalk::new(Value::Array(entries)),
            &shard.stream_key,
            shard.shard_id,
            target.rules,
            messages,
        )?;
        Ok((count > 0 && next != "0-0").then_some(ClaimState {
            shard: state.shard,
            start: next,
        }))
    }
}
