//! A set of Redis nodes (one node, or a Redis Cluster) and which node serves which key.

use crate::connection::{Connection, NodeId, Purpose};
use crate::policy::{Classify, Failure};
use crate::{RedisConnectOptions, RedisResult, REDIS_PORT};
use redis::aio::MultiplexedConnection;
use sea_streamer_types::{StreamErr, StreamUrlErr, StreamerUri};
use std::collections::HashMap;
use std::sync::Arc;

/// Connections to the nodes of a streamer URI, plus the key → node map learnt from `MOVED`.
#[derive(Debug)]
pub struct RedisCluster {
    pub(crate) cluster: StreamerUri,
    pub(crate) options: Arc<RedisConnectOptions>,
    pub(crate) purpose: Purpose,
    pub(crate) nodes: Vec<NodeId>,
    pub(crate) conn: HashMap<NodeId, Connection>,
    pub(crate) key_map: HashMap<String, NodeId>,
}

/// Normalize every node of `uri` to `{scheme}://{host}:{port}` (user info, path and query dropped).
pub(crate) fn normalize(uri: &StreamerUri) -> RedisResult<Vec<NodeId>> {
    let protocol = uri
        .protocol()
        .ok_or(StreamErr::StreamUrlErr(StreamUrlErr::ProtocolRequired))?;
    if uri.nodes().is_empty() {
        return Err(StreamErr::StreamUrlErr(StreamUrlErr::ZeroNode));
    }
    uri.nodes()
        .iter()
        .map(|node| {
            let host = node.host_str().unwrap_or("localhost");
            let port = node.port().unwrap_or(REDIS_PORT);
            let text = format!("{protocol}://{host}:{port}");
            text.parse::<NodeId>()
                .map_err(|e| StreamErr::StreamUrlErr(StreamUrlErr::UrlParseError(e)))
        })
        .collect()
}

impl RedisCluster {
    /// Normalize the nodes of `cluster`; no connection is opened yet.
    pub fn new(cluster: StreamerUri, options: Arc<RedisConnectOptions>) -> RedisResult<Self> {
        Self::new_for(cluster, options, Purpose::Blocking)
    }

    pub(crate) fn new_for(
        cluster: StreamerUri,
        options: Arc<RedisConnectOptions>,
        purpose: Purpose,
    ) -> RedisResult<Self> {
        let nodes = normalize(&cluster)?;
        Ok(Self {
            cluster: StreamerUri::many(nodes.clone().into_iter()),
            options,
            purpose,
            nodes,
            conn: HashMap::new(),
            key_map: HashMap::new(),
        })
    }

    /// The scheme of the nodes.
    pub fn protocol(&self) -> Option<&str> {
        self.cluster.protocol()
    }

    /// (Re)connect to every node; fails if any node fails.
    pub async fn reconnect_all(&mut self) -> RedisResult<()> {
        for node in self.nodes.clone() {
            let conn =
                Connection::create_for(node.clone(), self.options.clone(), self.purpose).await?;
            self.conn.insert(node, conn);
        }
        Ok(())
    }

    /// Mark the connection to `node` broken so that it is re-established on next use.
    pub fn reconnect(&mut self, node: &NodeId) -> RedisResult<()> {
        if let Some(conn) = self.conn.get_mut(node) {
            conn.reconnect();
        }
        Ok(())
    }

    /// The node serving `key`: the one learnt from `MOVED`, else the first node.
    pub fn node_for(&self, key: &str) -> &NodeId {
        self.key_map.get(key).unwrap_or(&self.nodes[0])
    }

    /// Follow a `MOVED` to `addr` (`host:port`, see [`Failure::Moved`]): remember that each
    /// of `keys` now lives there. `false` if `addr` is not a valid node address.
    pub(crate) fn redirect<'k>(
        &mut self,
        keys: impl IntoIterator<Item = &'k str>,
        addr: &str,
    ) -> bool {
        let protocol = self.protocol().unwrap_or("redis");
        let Ok(node) = format!("{protocol}://{addr}").parse::<NodeId>() else {
            log::warn!("Cannot follow MOVED to `{addr}`");
            return false;
        };
        for key in keys {
            self.moved(key, node.clone());
        }
        true
    }

    /// Remember that `key` now lives on `node`.
    pub fn moved(&mut self, key: &str, node: NodeId) {
        if self.key_map.get(key) != Some(&node) {
            log::info!("Key `{key}` moved to {node}");
        }
        if !self.nodes.contains(&node) {
            self.nodes.push(node.clone());
        }
        self.key_map.insert(key.to_owned(), node);
    }

    /// Any connection that is currently alive.
    pub fn get_any(&mut self) -> RedisResult<(&NodeId, &mut MultiplexedConnection)> {
        for (node, conn) in self.conn.iter_mut() {
            if let Ok(c) = conn.try_get() {
                return Ok((node, c));
            }
        }
        Err(StreamErr::Connect("No open connections".to_owned()))
    }

    /// The connection to `node`, connecting first if needed.
    pub async fn get(&mut self, node: &NodeId) -> RedisResult<&mut MultiplexedConnection> {
        if !self.conn.contains_key(node) {
            let conn = Connection::create_or_reconnect_for(
                node.clone(),
                self.options.clone(),
                self.purpose,
            )
            .await?;
            self.conn.insert(node.clone(), conn);
        }
        self.conn.get_mut(node).expect("inserted above").get().await
    }

    /// The connection serving `key`.
    pub async fn get_connection_for(
        &mut self,
        key: &str,
    ) -> RedisResult<(&NodeId, &mut MultiplexedConnection)> {
        let node = self.node_for(key).clone();
        if !self.conn.contains_key(&node) {
            let conn = Connection::create_or_reconnect_for(
                node.clone(),
                self.options.clone(),
                self.purpose,
            )
            .await?;
            self.conn.insert(node.clone(), conn);
        }
        let (node, conn) = self
            .conn
            .iter_mut()
            .find(|(n, _)| **n == node)
            .expect("inserted above");
        Ok((node, conn.get().await?))
    }

    /// Is the connection to `node` given up on?
    pub(crate) fn is_dead(&self, node: &NodeId) -> bool {
        self.conn.get(node).is_some_and(|c| c.is_dead())
    }
}

/// Most `MOVED` redirections followed for one command.
const MAX_REDIRECTS: usize = 16;

impl RedisCluster {
    /// Run `cmd` on the node serving `key`, following (and remembering) `MOVED` redirections.
    /// The outer error is a connection failure; the inner result is the server's reply.
    pub(crate) async fn query_key<T: redis::FromRedisValue>(
        &mut self,
        key: &str,
        cmd: &redis::Cmd,
    ) -> RedisResult<redis::RedisResult<T>> {
        let mut redirects = 0;
        loop {
            let node = self.node_for(key).clone();
            let conn = self.get(&node).await?;
            let result = cmd.query_async::<T>(conn).await;
            if let Err(e) = &result {
                if let Failure::Moved(addr) = e.failure() {
                    if redirects < MAX_REDIRECTS && self.redirect([key], &addr) {
                        redirects += 1;
                        continue;
                    }
                }
            }
            return Ok(result);
        }
    }

    /// The masters of the cluster (from `CLUSTER NODES` on any live connection), or `None`
    /// if the server is not a cluster.
    pub(crate) async fn masters(&mut self) -> RedisResult<Option<Vec<NodeId>>> {
        let protocol = self.protocol().unwrap_or("redis").to_owned();
        let conn = self.get_any()?.1;
        let text: String = match redis::cmd("CLUSTER").arg("NODES").query_async(conn).await {
            Ok(text) => text,
            Err(e) if e.code().is_some() => return Ok(None),
            Err(e) => return Err(crate::map_err(e)),
        };
        let mut masters = Vec::new();
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (Some(addr), Some(flags)) = (words.get(1), words.get(2)) else {
                continue;
            };
            if !flags.split(',').any(|f| f == "master")
                || flags.split(',').any(|f| f == "fail" || f == "noaddr")
            {
                continue;
            }
            // `ip:port@cport[,hostname]`
            let addr = addr.split('@').next().unwrap_or_default();
            match format!("{protocol}://{addr}").parse::<NodeId>() {
                Ok(node) => masters.push(node),
                Err(e) => log::warn!("Ignoring cluster node `{addr}`: {e}"),
            }
        }
        Ok(Some(masters))
    }
}
