//! Shard discovery: which Redis keys make up each subscribed stream.
//!
//! Keys `{stream}:{n}` (n decimal) are the shards of a sharded stream; if there are none the
//! bare key `{stream}` is shard 0.

use super::shard::ShardState;
use crate::{map_err, RedisResult};
use redis::aio::MultiplexedConnection;
use sea_streamer_types::{ShardId, StreamKey};

/// Find the shards of every stream with `SCAN MATCH {stream}:*`.
pub(crate) async fn discover_shards(
    conn: &mut MultiplexedConnection,
    streams: &[StreamKey],
) -> RedisResult<Vec<ShardState>> {
    let mut all = Vec::new();
    for stream in streams {
        let mut found: Vec<(u64, String)> = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{}:*", stream.name()))
                .arg("COUNT")
                .arg(1000)
                .query_async(conn)
                .await
                .map_err(map_err)?;
            for key in keys {
                let suffix = &key[stream.name().len() + 1..];
                match suffix.parse::<u64>() {
                    Ok(n) => found.push((n, key)),
                    Err(_) => log::warn!("Ignoring key `{key}`: `{suffix}` is not a shard number"),
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        found.sort();
        found.dedup();
        if found.is_empty() {
            all.push(ShardState::new(
                stream.clone(),
                ShardId::new(0),
                stream.name().to_owned(),
            ));
        } else {
            for (n, key) in found {
                all.push(ShardState::new(stream.clone(), ShardId::new(n), key));
            }
        }
    }
    Ok(all)
}
