//! [`ConsumerLag`] for [`RedisConsumer`]: how many entries of each shard the consumer has
//! not consumed yet, measured on a command connection of its own (opened at the first call),
//! so a measurement never waits behind the consumer's blocking reads.
//!
//! * A group consumer (Resumable, LoadBalanced): the group's `lag` from `XINFO GROUPS`
//!   (entries after the group's last delivered id; Redis 7+). Where the server does not
//!   report it (Redis < 7, or `nil` after entries were deleted), the entries after the
//!   group's `last-delivered-id` are counted.
//! * A RealTime consumer: the entries after the last message `next()` returned (its start
//!   position before that), counted on the server (`XLEN` from the start, else a script
//!   counting `XRANGE` pages, so only a number crosses the network).
//!
//! One figure per shard (`{stream}:{n}` keys), each measured on the node serving its key.

use super::observe::Observe;
use super::shared::Shared;
use super::RedisConsumer;
use crate::cluster::RedisCluster;
use crate::connection::Purpose;
use crate::message::{format_id, parse_id_bytes};
use crate::policy::{Classify, Failure};
use crate::{map_err, MessageId, RedisConnectOptions, RedisErr, RedisResult};
use redis::Value;
use sea_streamer_types::{
    ConsumerLag, Lag, LagUnit, ShardId, ShardLag, StreamErr, StreamKey, StreamerUri,
};
use std::sync::Arc;

/// Counts the entries of `KEYS[1]` after `ARGV[1]` (an exclusive `XRANGE` start), a page of
/// 10 000 at a time, on the server.
const COUNT_AFTER: &str = r"
local n = 0
local from = ARGV[1]
while true do
  local page = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 10000)
  n = n + #page
  if #page < 10000 then return n end
  from = '(' .. page[#page][1]
end
";

/// What a consumer's lag is measured on.
#[derive(Debug)]
pub(crate) struct LagProbe {
    uri: StreamerUri,
    options: Arc<RedisConnectOptions>,
    group: Option<String>,
    /// (stream, shard, Redis key) of every shard read.
    shards: Vec<(StreamKey, ShardId, String)>,
    conn: futures::lock::Mutex<Option<RedisCluster>>,
}

impl LagProbe {
    pub fn new(
        uri: StreamerUri,
        options: Arc<RedisConnectOptions>,
        group: Option<String>,
        shards: Vec<(StreamKey, ShardId, String)>,
    ) -> Self {
        Self {
            uri,
            options,
            group,
            shards,
            conn: futures::lock::Mutex::new(None),
        }
    }

    /// Measure every shard; set each stream's lag gauge to the sum over its shards.
    pub async fn measure(&self, shared: &Shared, observe: &Observe) -> RedisResult<Lag> {
        let positions = match self.group {
            Some(_) => Vec::new(),
            None => shared.lock().positions.clone(),
        };
        let mut conn = self.conn.lock().await;
        let cluster = match &mut *conn {
            Some(cluster) => cluster,
            None => conn.insert(RedisCluster::new_for(
                self.uri.clone(),
                self.options.clone(),
                Purpose::Command,
            )?),
        };
        let mut shards = Vec::with_capacity(self.shards.len());
        for (stream_key, shard_id, key) in &self.shards {
            let result = match &self.group {
                Some(group) => group_lag(cluster, key, group).await,
                None => {
                    let from = positions
                        .iter()
                        .find(|(k, s, _)| k == stream_key && s == shard_id)
                        .map(|p| p.2)
                        .unwrap_or((0, 0));
                    count_after(cluster, key, from).await
                }
            };
            let behind = match result {
                Ok(behind) => behind,
                Err(e) => {
                    if e.failure() == Failure::Connection {
                        let node = cluster.node_for(key).clone();
                        cluster.reconnect(&node).ok();
                    }
                    return Err(e);
                }
            };
            shards.push(ShardLag {
                stream_key: stream_key.clone(),
                shard_id: *shard_id,
                behind,
                unit: LagUnit::Messages,
            });
        }
        let lag = Lag::new(shards);
        let mut streams: Vec<&StreamKey> = self.shards.iter().map(|s| &s.0).collect();
        streams.dedup();
        for stream_key in streams {
            observe.lag(stream_key, lag.of_stream(stream_key));
        }
        Ok(lag)
    }
}

/// Run `cmd` on the node of `key`; a server error and a lost connection alike are errors.
async fn query<T: redis::FromRedisValue>(
    cluster: &mut RedisCluster,
    key: &str,
    cmd: &redis::Cmd,
) -> Result<T, StreamErr<RedisErr>> {
    cluster.query_key::<T>(key, cmd).await?.map_err(map_err)
}

/// The entries of `key` after `from`.
async fn count_after(cluster: &mut RedisCluster, key: &str, from: MessageId) -> RedisResult<u64> {
    if from == (0, 0) {
        return query(cluster, key, redis::cmd("XLEN").arg(key)).await;
    }
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(COUNT_AFTER)
        .arg(1)
        .arg(key)
        .arg(format!("({}", format_id(from)));
    query(cluster, key, &cmd).await
}

/// The lag of `group` on `key`: as the server reports it, else counted.
async fn group_lag(cluster: &mut RedisCluster, key: &str, group: &str) -> RedisResult<u64> {
    let cmd = redis::cmd("XINFO").arg("GROUPS").arg(key).clone();
    let groups: Value = match cluster.query_key::<Value>(key, &cmd).await? {
        Ok(groups) => groups,
        // the key does not exist (yet): nothing to read
        Err(e) if e.to_string().contains("no such key") => return Ok(0),
        Err(e) => return Err(map_err(e)),
    };
    let items = match &groups {
        Value::Array(items) | Value::Set(items) => items.as_slice(),
        _ => &[],
    };
    for item in items {
        let info = fields(item);
        let name = info.iter().find(|(k, _)| k == "name").map(|(_, v)| *v);
        if name.and_then(text).as_deref() != Some(group.as_bytes()) {
            continue;
        }
        let field = |name: &str| info.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        if let Some(Value::Int(lag)) = field("lag") {
            return Ok((*lag).max(0) as u64);
        }
        let last = field("last-delivered-id")
            .and_then(text)
            .and_then(|id| parse_id_bytes(&id))
            .map(|(t, s)| (t, s as u16))
            .unwrap_or((0, 0));
        return count_after(cluster, key, last).await;
    }
    // the group is not created yet: it will start at the first entry
    count_after(cluster, key, (0, 0)).await
}

/// The name / value pairs of a RESP2 flat array or a RESP3 map.
fn fields(value: &Value) -> Vec<(String, &Value)> {
    let name = |v: &Value| text(v).map(|t| String::from_utf8_lossy(&t).into_owned());
    match value {
        Value::Array(flat) => flat
            .chunks(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((name(k)?, v)),
                _ => None,
            })
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((name(k)?, v)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The bytes of a string reply.
fn text(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(bytes) => Some(bytes.clone()),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => {
            Some(s.as_bytes().to_vec())
        }
        _ => None,
    }
}

/// The lag of a group consumer is its group's (entries not yet delivered to any consumer of
/// the group); a RealTime consumer's counts the entries after the last message `next()`
/// returned. The README's "Observability" section says how each is measured; `lag` also sets
/// the gauge `sea_streamer_consumer_lag` of each stream.
///
/// ```no_run
/// # async fn demo(consumer: sea_streamer_redis::RedisConsumer) -> sea_streamer_redis::RedisResult<()> {
/// use sea_streamer_types::ConsumerLag;
///
/// let lag = consumer.lag().await?;
/// println!("{} entries behind", lag.total());
/// # Ok(())
/// # }
/// ```
impl ConsumerLag for RedisConsumer {
    async fn lag(&self) -> RedisResult<Lag> {
        self.lag_probe.measure(&self.shared, &self.observe).await
    }
}
