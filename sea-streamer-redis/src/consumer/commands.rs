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
        self.try_create_group(key, group, start, mkstream)
            .await?
            .map_err(map_err)
    }

    /// `XGROUP CREATE`, with the server's error reply (other than `BUSYGROUP`) as the inner
    /// error; the outer one is a connection that could not be had.
    async fn try_create_group(
        &mut self,
        key: &str,
        group: &str,
        start: &str,
        mkstream: bool,
    ) -> RedisResult<redis::RedisResult<()>> {
        let mut cmd = redis::cmd("XGROUP");
        cmd.arg("CREATE").arg(key).arg(group).arg(start);
        if mkstream {
            cmd.arg("MKSTREAM");
        }
        Ok(match self.query_key::<()>(key, &cmd).await? {
            Err(e) if has_code(&e, "BUSYGROUP") => Ok(()),
            result => result,
        })
    }

    /// `XGROUP CREATE <key> <group> <start>` (no `MKSTREAM`); `Ok(false)` if the key does not
    /// exist (yet): the consumer waits for it (see [`super::absent`]).
    ///
    /// The key may be written (or deleted) by others between any two of our commands, so no
    /// answer about its existence is final: Redis' reply that `XGROUP` "requires the key to
    /// exist" always means "not yet", even if the key exists a moment later (the caller looks
    /// again). Only a reply in another wording (another server) is checked with `EXISTS`;
    /// if the key is there, `XGROUP CREATE` is tried again, since the key may have appeared
    /// in between, and its error is final only when it comes back while the key exists.
    pub async fn create_group_if_exists(
        &mut self,
        key: &str,
        group: &str,
        start: &str,
    ) -> RedisResult<bool> {
        let mut attempts = 0;
        loop {
            let e = match self.try_create_group(key, group, start, false).await? {
                Ok(()) => return Ok(true),
                Err(e) if missing_key(&e) => return Ok(false),
                Err(e) => e,
            };
            if e.failure().is_transient() {
                return Err(map_err(e));
            }
            let exists: bool = self
                .query_key(key, redis::cmd("EXISTS").arg(key))
                .await?
                .map_err(map_err)?;
            if !exists {
                return Ok(false);
            }
            attempts += 1;
            if attempts >= CREATE_ATTEMPTS {
                return Err(map_err(e));
            }
            log::debug!("Creating group `{group}` on `{key}` again: {e}");
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

/// How many times [`Commands::create_group_if_exists`] sends `XGROUP CREATE` to a key that
/// exists when asked but failed the command in a wording other than Redis' own.
const CREATE_ATTEMPTS: usize = 3;

/// Is this `XGROUP CREATE`'s reply that the key does not exist (Redis and Valkey: `ERR The
/// XGROUP subcommand requires the key to exist.`)? Such a reply describes the key when the
/// command ran: the key may exist by now, but waiting for it is still right.
fn missing_key(e: &redis::RedisError) -> bool {
    e.to_string()
        .to_ascii_lowercase()
        .contains("requires the key to exist")
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

#[cfg(test)]
mod test {
    use super::*;

    fn server(reply: &str) -> redis::RedisError {
        match redis::parse_redis_value(reply.as_bytes()) {
            Ok(Value::ServerError(e)) => e.into(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_key_reply_is_recognised() {
        let redis = "-ERR The XGROUP subcommand requires the key to exist. Note that for \
                     CREATE you may want to use the MKSTREAM option to create an empty stream \
                     automatically.\r\n";
        assert!(missing_key(&server(redis)));
        for other in [
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
            "-BUSYGROUP Consumer Group name already exists\r\n",
            "-ERR Invalid stream ID specified as stream command argument\r\n",
        ] {
            assert!(!missing_key(&server(other)), "{other}");
        }
    }
}
