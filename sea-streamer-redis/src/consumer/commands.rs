//! The consumer's command connections ([`Commands`]): one per node, with the connect timeout
//! as response timeout, shared by shard discovery, group creation, last-id look-ups, acks
//! and claims. Commands on a key follow cluster `MOVED` redirections.
//!
//! Blocking reads never run here: they have connections of their own (no response timeout).

use super::discover::discover_shards;
use super::shard::ShardState;
use crate::cluster::RedisCluster;
use crate::connection::{NodeId, Purpose};
use crate::policy::{has_code, Classify};
use crate::{map_err, MessageId, RedisConnectOptions, RedisResult};
use redis::aio::MultiplexedConnection;
use redis::Value;
use sea_streamer_types::{StreamKey, StreamerUri};
use std::sync::Arc;

/// The command connections of one consumer.
#[derive(Debug)]
pub(crate) struct Commands {
    cluster: RedisCluster,
}

impl Commands {
    /// Command connections to the nodes of `uri` (opened by [`Commands::connect`] or on use).
    pub fn new(uri: StreamerUri, options: Arc<RedisConnectOptions>) -> RedisResult<Self> {
        Ok(Self {
            cluster: RedisCluster::new_for(uri, options, Purpose::Command)?,
        })
    }

    /// Connect to every node; fails if any node fails.
    pub async fn connect(&mut self) -> RedisResult<()> {
        self.cluster.reconnect_all().await
    }

    /// Mark every connection for reconnection (after a lost connection).
    pub fn reconnect_all_later(&mut self) {
        for node in self.cluster.nodes.clone() {
            self.cluster.reconnect(&node).ok();
        }
    }

    /// The shards of `streams` (see [`super::discover`]).
    pub async fn discover_shards(&mut self, streams: &[StreamKey]) -> RedisResult<Vec<ShardState>> {
        discover_shards(&mut self.cluster, streams).await
    }

    /// The node serving `key`.
    pub fn node_for(&self, key: &str) -> &NodeId {
        self.cluster.node_for(key)
    }

    /// The connection to `node`, connecting first if needed.
    pub async fn get(&mut self, node: &NodeId) -> RedisResult<&mut MultiplexedConnection> {
        self.cluster.get(node).await
    }

    /// The connection to the node serving `key`.
    pub async fn connection_for(&mut self, key: &str) -> RedisResult<&mut MultiplexedConnection> {
        let node = self.cluster.node_for(key).clone();
        self.cluster.get(&node).await
    }

    /// Remember that `keys` moved to `addr` (`host:port`); see [`RedisCluster::redirect`].
    pub fn redirect<'k>(&mut self, keys: impl IntoIterator<Item = &'k str>, addr: &str) -> bool {
        self.cluster.redirect(keys, addr)
    }

    /// Run `cmd` on the node serving `key`, following `MOVED` (see [`RedisCluster::query_key`]).
    pub async fn query_key<T: redis::FromRedisValue>(
        &mut self,
        key: &str,
        cmd: &redis::Cmd,
    ) -> RedisResult<redis::RedisResult<T>> {
        self.cluster.query_key(key, cmd).await
    }

    /// `XGROUP CREATE <key> <group> <start> [MKSTREAM]`; an existing group is fine.
    pub async fn create_group(
        &mut self,
        key: &str,
        group: &str,
        start: &str,
        mkstream: bool,
    ) -> RedisResult<()> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE").arg(key).arg(group).arg(start);
        if mkstream {
            cmd.arg("MKSTREAM");
        }
        match self.query_key::<()>(key, &cmd).await? {
            Ok(()) => Ok(()),
            Err(e) if has_code(&e, "BUSYGROUP") => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    /// `XGROUP CREATE <key> <group> <start>` (no `MKSTREAM`); `Ok(false)` if the key does not
    /// exist (yet): the consumer waits for it (see [`super::absent`]).
    pub async fn create_group_if_exists(
        &mut self,
        key: &str,
        group: &str,
        start: &str,
    ) -> RedisResult<bool> {
        match self.create_group(key, group, start, false).await {
            Ok(()) => Ok(true),
            Err(e) if e.failure().is_transient() => Err(e),
            Err(e) => {
                // the reply's wording differs between servers: ask whether the key is there
                let exists: bool = self
                    .query_key(key, redis::cmd("EXISTS").arg(key))
                    .await?
                    .map_err(map_err)?;
                if exists {
                    Err(e)
                } else {
                    Ok(false)
                }
            }
        }
    }

    /// The id of the last entry of `key`, or `0-0` if it is empty or missing.
    pub async fn last_id(&mut self, key: &str) -> RedisResult<MessageId> {
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(key).arg("+").arg("-").arg("COUNT").arg(1);
        let reply: Value = self.query_key(key, &cmd).await?.map_err(map_err)?;
        let first = match reply {
            Value::Array(entries) => entries.into_iter().next(),
            _ => None,
        };
        let id = match first {
            Some(Value::Array(parts)) => match parts.into_iter().next() {
                Some(Value::BulkString(b)) => crate::message::parse_id_bytes(&b),
                Some(Value::SimpleString(s)) => crate::message::parse_id_bytes(s.as_bytes()),
                _ => None,
            },
            _ => None,
        };
        Ok(id.map(|(t, s)| (t, s as u16)).unwrap_or((0, 0)))
    }
}

/// Send one command and return its reply as is: unlike `query_async::<Value>` this does not
/// walk (and rebuild) the whole reply looking for nested errors.
pub(crate) async fn raw_query(
    conn: &mut MultiplexedConnection,
    cmd: &redis::Cmd,
) -> redis::RedisResult<Value> {
    match conn.send_packed_command(cmd).await? {
        Value::ServerError(err) => Err(err.into()),
        value => Ok(value),
    }
}
