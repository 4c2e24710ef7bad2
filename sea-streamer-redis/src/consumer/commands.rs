//! Single Redis commands used by consumers: group creation, last entry id, raw reads.
//! Commands on a key follow cluster `MOVED` redirections.

use crate::cluster::RedisCluster;
use crate::policy::{has_code, Classify};
use crate::{map_err, MessageId, RedisResult};
use redis::aio::MultiplexedConnection;
use redis::Value;

/// `XGROUP CREATE <key> <group> <start> [MKSTREAM]`; an existing group is fine.
pub(crate) async fn create_group(
    cluster: &mut RedisCluster,
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
    match cluster.query_key::<()>(key, &cmd).await? {
        Ok(()) => Ok(()),
        Err(e) if has_code(&e, "BUSYGROUP") => Ok(()),
        Err(e) => Err(map_err(e)),
    }
}

/// `XGROUP CREATE <key> <group> <start>` (no `MKSTREAM`); `Ok(false)` if the key does not
/// exist (yet): the consumer waits for it (see [`super::absent`]).
pub(crate) async fn create_group_if_exists(
    cluster: &mut RedisCluster,
    key: &str,
    group: &str,
    start: &str,
) -> RedisResult<bool> {
    match create_group(cluster, key, group, start, false).await {
        Ok(()) => Ok(true),
        Err(e) if e.failure().is_transient() => Err(e),
        Err(e) => {
            // the reply's wording differs between servers: ask whether the key is there
            let exists: bool = cluster
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
pub(crate) async fn last_id(cluster: &mut RedisCluster, key: &str) -> RedisResult<MessageId> {
    let mut cmd = redis::cmd("XREVRANGE");
    cmd.arg(key).arg("+").arg("-").arg("COUNT").arg(1);
    let reply: Value = cluster.query_key(key, &cmd).await?.map_err(map_err)?;
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
