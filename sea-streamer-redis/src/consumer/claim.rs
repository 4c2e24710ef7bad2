//! LoadBalanced failover: find consumers that went idle with pending entries and claim
//! those entries (`XAUTOCLAIM`) under this consumer's own name.

use super::reply::parse_entries;
use super::task::{GroupInfo, Task};
use crate::{map_err, RedisResult};
use redis::aio::MultiplexedConnection;
use redis::Value;
use sea_streamer_types::SharedMessage;
use std::time::Duration;

/// An ongoing claim on one shard.
#[derive(Debug, Clone)]
pub(crate) struct ClaimState {
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

impl Task {
    /// Look for a shard with an idle consumer's pending entries.
    pub(crate) async fn find_claim(
        &mut self,
        group: &GroupInfo,
        idle: Duration,
    ) -> Option<ClaimState> {
        for i in 0..self.shards.len() {
            let key = self.shards[i].key.clone();
            if self.absent.contains(&key) {
                continue;
            }
            let node = self.acker.cmd.node_for(&key).clone();
            let conn = self.acker.cmd.get(&node).await.ok()?;
            match find_idle_consumer(conn, &key, &group.group, &group.consumer, idle).await {
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

    pub(crate) async fn claim_batch(
        &mut self,
        group: &GroupInfo,
        idle: Duration,
        state: ClaimState,
        messages: &mut Vec<SharedMessage>,
    ) -> RedisResult<()> {
        let shard = self.shards[state.shard].clone();
        let node = self.acker.cmd.node_for(&shard.key).clone();
        let conn = self.acker.cmd.get(&node).await?;
        let (next, entries) = auto_claim(
            conn,
            &shard.key,
            &group.group,
            &group.consumer,
            idle,
            &state.start,
            self.batch_size,
        )
        .await?;
        let (count, _) = parse_entries(
            entries,
            &shard.stream_key,
            shard.shard_id,
            self.ts_fmt,
            self.field,
            messages,
        )?;
        self.claim = if count == 0 || next == "0-0" {
            None
        } else {
            Some(ClaimState {
                shard: state.shard,
                start: next,
            })
        };
        Ok(())
    }
}
