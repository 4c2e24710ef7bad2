//! Raw Redis queries for what the Streamer API does not cover: `XINFO`, `XLEN`, the last
//! entry id, an exact `XTRIM` and the list of stream keys.
//!
//! The connection is sea-streamer-redis' public [`Connection`] (same address rules,
//! credentials and timeouts as the backend); the commands are sent with the redis crate.

use anyhow::{Context, Result};
use redis::{aio::MultiplexedConnection, Value};
use sea_streamer_redis::{Connection, RedisConnectOptions};
use sea_streamer_types::{SeqNo, StreamKey, StreamUrl};
use std::sync::Arc;

/// A command connection to the first node of a `redis://` URL.
pub struct Raw {
    conn: Connection,
    node: String,
}

impl Raw {
    /// Connects to the first node of `url`.
    pub async fn connect(url: &StreamUrl) -> Result<Self> {
        let node = url
            .streamer_ref()
            .nodes()
            .first()
            .cloned()
            .context("the URL names no Redis node")?;
        let name = node.as_str().trim_end_matches('/').to_owned();
        let mut options = RedisConnectOptions::default();
        options.set_root_cert_file(crate::tls::ca().map(|p| p.to_owned()));
        let conn = Connection::create(node, Arc::new(options))
            .await
            .with_context(|| format!("connecting to {name}"))?;
        Ok(Self { conn, node: name })
    }

    /// The node's address, for messages.
    pub fn node(&self) -> &str {
        &self.node
    }

    async fn con(&mut self) -> Result<&mut MultiplexedConnection> {
        let node = self.node.clone();
        self.conn
            .get()
            .await
            .with_context(|| format!("connecting to {node}"))
    }

    /// Runs a command and returns its reply.
    pub async fn query(&mut self, cmd: &redis::Cmd) -> Result<Value> {
        let node = self.node.clone();
        let con = self.con().await?;
        cmd.query_async::<Value>(con).await.context(node)
    }

    /// `XLEN key`.
    pub async fn xlen(&mut self, key: &str) -> Result<u64> {
        let v = self.query(redis::cmd("XLEN").arg(key)).await?;
        Ok(as_u64(&v).unwrap_or(0))
    }

    /// The type of `key` (`none` if missing).
    pub async fn key_type(&mut self, key: &str) -> Result<String> {
        let v = self.query(redis::cmd("TYPE").arg(key)).await?;
        Ok(as_string(&v).unwrap_or_default())
    }

    /// The sequence number of the last entry of `key` (`None` if empty or missing); with
    /// `field`, of the last entry that has that field (looking back 100 entries at a time).
    pub async fn last_seq(&mut self, key: &str, field: Option<&str>) -> Result<Option<SeqNo>> {
        let mut before = "+".to_owned();
        loop {
            let v = self
                .query(
                    redis::cmd("XREVRANGE")
                        .arg(key)
                        .arg(&before)
                        .arg("-")
                        .arg("COUNT")
                        .arg(if field.is_some() { 100 } else { 1 }),
                )
                .await
                .with_context(|| format!("reading the last entry of {key}"))?;
            let Value::Array(entries) = &v else {
                return Ok(None);
            };
            if entries.is_empty() {
                return Ok(None);
            }
            for entry in entries {
                let Value::Array(pair) = entry else { continue };
                let Some(id) = pair.first().and_then(as_string) else {
                    continue;
                };
                let has_field = field.is_none_or(|f| {
                    pair.get(1)
                        .is_some_and(|fields| as_pairs(fields).iter().any(|(name, _)| name == f))
                });
                if has_field {
                    return Ok(id_to_seq(&id));
                }
                before = format!("({id}");
            }
        }
    }

    /// `XTRIM key MAXLEN = maxlen` (exact); returns the number of entries removed.
    pub async fn xtrim(&mut self, key: &StreamKey, maxlen: u64) -> Result<u64> {
        let v = self
            .query(
                redis::cmd("XTRIM")
                    .arg(key.name())
                    .arg("MAXLEN")
                    .arg("=")
                    .arg(maxlen),
            )
            .await?;
        Ok(as_u64(&v).unwrap_or(0))
    }

    /// Every key of type stream (`SCAN … TYPE stream`), sorted.
    pub async fn stream_keys(&mut self) -> Result<Vec<String>> {
        let mut cursor = "0".to_owned();
        let mut keys = Vec::new();
        loop {
            let v = self
                .query(
                    redis::cmd("SCAN")
                        .arg(&cursor)
                        .arg("COUNT")
                        .arg(1000)
                        .arg("TYPE")
                        .arg("stream"),
                )
                .await?;
            let Value::Array(parts) = v else { break };
            let next = parts.first().and_then(as_string).unwrap_or_default();
            if let Some(Value::Array(found)) = parts.get(1) {
                keys.extend(found.iter().filter_map(as_string));
            }
            if next == "0" || next.is_empty() {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}

/// A Redis entry id `ms-n` as a sea-streamer sequence number (`ms << 16 | n`, as the Redis
/// backend numbers messages).
pub fn id_to_seq(id: &str) -> Option<SeqNo> {
    let (ms, n) = id.split_once('-')?;
    let ms: u64 = ms.parse().ok()?;
    let n: u64 = n.parse().ok()?;
    Some(((ms as SeqNo) << 16) | n as SeqNo)
}

/// An integer reply.
pub fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => as_string(other)?.parse().ok(),
    }
}

/// A string reply.
pub fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A `field value field value …` reply (RESP2) or a map (RESP3) as pairs.
pub fn as_pairs(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|c| match c {
                [k, v] => Some((as_string(k)?, v.clone())),
                _ => None,
            })
            .collect(),
        Value::Map(items) => items
            .iter()
            .filter_map(|(k, v)| Some((as_string(k)?, v.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value of `field` in a pairs reply.
pub fn field<'a>(pairs: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids() {
        assert_eq!(super::id_to_seq("5-3"), Some((5 << 16) | 3));
        assert_eq!(super::id_to_seq("x"), None);
    }
}
