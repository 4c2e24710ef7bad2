//! Shard discovery: which Redis keys make up each subscribed stream.
//!
//! Keys `{stream}:{n}` (n decimal) are the shards of a sharded stream; if there are none the
//! bare key `{stream}` is shard 0.

use super::shard::ShardState;
use crate::cluster::RedisCluster;
use crate::{map_err, RedisResult};
use redis::aio::MultiplexedConnection;
use sea_streamer_types::{ShardId, StreamKey};

/// Find the shards of every stream with `SCAN MATCH {stream}:*` on every node holding keys.
pub(crate) async fn discover_shards(
    cluster: &mut RedisCluster,
    streams: &[StreamKey],
) -> RedisResult<Vec<ShardState>> {
    let masters = if cluster.options.enable_cluster() {
        cluster.masters().await?
    } else {
        None
    };
    let mut found: Vec<Vec<(u64, String)>> = vec![Vec::new(); streams.len()];
    match masters {
        Some(masters) if !masters.is_empty() => {
            for node in masters {
                let conn = cluster.get(&node).await?;
                for (stream, found) in streams.iter().zip(found.iter_mut()) {
                    scan(conn, stream, found).await?;
                }
            }
        }
        _ => {
            let conn = cluster.get_any()?.1;
            for (stream, found) in streams.iter().zip(found.iter_mut()) {
                scan(conn, stream, found).await?;
            }
        }
    }
    let mut all = Vec::new();
    for (stream, mut found) in streams.iter().zip(found) {
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

/// Add the shard keys of `stream` on the node of `conn` to `found`.
async fn scan(
    conn: &mut MultiplexedConnection,
    stream: &StreamKey,
    found: &mut Vec<(u64, String)>,
) -> RedisResult<()> {
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
            return Ok(());
        }
        cursor = next;
    }
}
