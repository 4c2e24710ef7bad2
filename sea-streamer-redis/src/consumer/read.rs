//! Reads on the `redis`-crate path: which `XREAD` / `XREADGROUP` commands a read is made of
//! ([`ReadPlan`]), and sending them on the blocking connections, one per node in parallel,
//! with a plain read started ahead of time while a batch is handed over ([`PlainReads`]).
//! The task turns the replies into messages (see [`super::reply`]).

use super::absent::Absent;
use super::commands::raw_query;
use super::outcome::Outcome;
use super::race::{Control, Race};
use super::setup::GroupInfo;
use super::shard::ShardState;
use crate::cluster::RedisCluster;
use crate::connection::NodeId;
use crate::message::format_id;
use crate::MAX_MSG_ID;
use futures::future::FutureExt;
use redis::aio::MultiplexedConnection;
use redis::Value;
use std::future::Future;
use std::time::Duration;

/// Block time when one read spans several nodes (each node is read in parallel).
const MULTI_NODE_BLOCK: Duration = Duration::from_millis(100);

/// One read command and the shards it covers.
pub(crate) struct ReadCmd {
    pub node: NodeId,
    /// Indices into the shard table.
    pub shards: Vec<usize>,
    pub cmd: redis::Cmd,
    /// Its `BLOCK` time.
    pub block: Duration,
}

/// A read's reply: from the `redis` crate, or the raw bytes of the fast path
/// ([`super::fast_read`]), never an error reply (that is the `Err` of [`ReadResult`]).
pub(crate) enum Reply {
    Value(Value),
    Raw(std::sync::Arc<Vec<u8>>),
}

/// One read's node, shards and reply.
pub(crate) type ReadResult = (NodeId, Vec<usize>, redis::RedisResult<Reply>);
/// A read already sent.
type ReadFuture = std::pin::Pin<Box<dyn Future<Output = ReadResult> + Send>>;

/// How the task reads: in its group or with plain `XREAD`, how many entries, how long to block.
#[derive(Debug)]
pub(crate) struct ReadPlan {
    group: Option<GroupInfo>,
    /// Reading with plain `XREAD` (RealTime, or after a seek).
    plain: bool,
    /// One read command per key (set after a `CROSSSLOT` error in a cluster).
    per_key: bool,
    batch_size: usize,
    block: Duration,
}

impl ReadPlan {
    /// Read in `group` (plain `XREAD` if `None`), `batch_size` entries, blocking `block`.
    pub fn new(group: Option<GroupInfo>, batch_size: usize, block: Duration) -> Self {
        Self {
            plain: group.is_none(),
            group,
            per_key: false,
            batch_size,
            block,
        }
    }

    /// The consumer group, if any (also after a seek).
    pub fn group(&self) -> Option<&GroupInfo> {
        self.group.as_ref()
    }

    /// The group reads are made in: `None` for plain `XREAD`.
    pub fn group_read(&self) -> Option<&GroupInfo> {
        self.group.as_ref().filter(|_| !self.plain)
    }

    /// Reading with plain `XREAD`?
    pub fn is_plain(&self) -> bool {
        self.plain
    }

    /// Read with plain `XREAD` from now on (after a seek).
    pub fn set_plain(&mut self) {
        self.plain = true;
    }

    /// Reading one key per command?
    pub fn is_per_key(&self) -> bool {
        self.per_key
    }

    /// Read one key per command from now on.
    pub fn set_per_key(&mut self) {
        self.per_key = true;
    }

    /// Entries per read.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The `BLOCK` time of a read.
    pub fn block(&self) -> Duration {
        self.block
    }

    /// The read commands: one per node (one per key with cluster enabled). Keys `absent`
    /// watches are left out of group reads.
    pub fn cmds(
        &self,
        reader: &RedisCluster,
        shards: &[ShardState],
        absent: &Absent,
    ) -> Vec<ReadCmd> {
        let mut groups: Vec<(NodeId, Vec<usize>)> = Vec::new();
        for (i, shard) in shards.iter().enumerate() {
            if !self.plain && absent.contains(&shard.key) {
                continue;
            }
            let node = reader.node_for(&shard.key);
            match groups
                .iter_mut()
                .find(|(n, _)| n == node)
                .filter(|_| !self.per_key)
            {
                Some((_, list)) => list.push(i),
                None => groups.push((node.clone(), vec![i])),
            }
        }
        let block = if groups.len() > 1 {
            MULTI_NODE_BLOCK.min(self.block)
        } else {
            self.block
        };
        let block = absent.limit_block(block);
        groups
            .into_iter()
            .map(|(node, indices)| {
                let cmd = self.cmd(shards, &indices, block);
                ReadCmd {
                    node,
                    shards: indices,
                    cmd,
                    block,
                }
            })
            .collect()
    }

    fn cmd(&self, shards: &[ShardState], indices: &[usize], block: Duration) -> redis::Cmd {
        let group = self.group_read();
        let mut cmd = match group {
            Some(g) => {
                let mut cmd = redis::cmd("XREADGROUP");
                cmd.arg("GROUP").arg(&g.group).arg(&g.consumer);
                cmd
            }
            None => redis::cmd("XREAD"),
        };
        cmd.arg("COUNT")
            .arg(self.batch_size)
            .arg("BLOCK")
            .arg(block.as_millis() as u64);
        if group.is_some_and(|g| g.noack) {
            cmd.arg("NOACK");
        }
        cmd.arg("STREAMS");
        for &i in indices {
            cmd.arg(&shards[i].key);
        }
        for &i in indices {
            let shard = &shards[i];
            if group.is_some() {
                if shard.pending {
                    cmd.arg(format_id(shard.last));
                } else {
                    cmd.arg(">");
                }
            } else if shard.last == MAX_MSG_ID {
                cmd.arg("$");
            } else {
                cmd.arg(format_id(shard.last));
            }
        }
        cmd
    }
}

/// The `redis`-crate read path: a read started ahead of time, if any.
#[derive(Default)]
pub(crate) struct PlainReads {
    ahead: Option<ReadFuture>,
}

impl std::fmt::Debug for PlainReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainReads")
            .field("ahead", &self.ahead.is_some())
            .finish()
    }
}

impl PlainReads {
    /// Is a read started ahead of time in flight?
    pub fn has_ahead(&self) -> bool {
        self.ahead.is_some()
    }

    /// Forget the read in flight (it was for old positions).
    pub fn cancel(&mut self) {
        self.ahead = None;
    }

    /// Wait for the read started ahead of time, serving `control` meanwhile.
    pub async fn finish_ahead(
        &mut self,
        control: &mut Control,
    ) -> Result<Vec<ReadResult>, Outcome> {
        let Some(ahead) = self.ahead.take() else {
            return Ok(Vec::new());
        };
        match control.race(ahead).await {
            Race::Done(r) => Ok(vec![r]),
            Race::Interrupted(c) => Err(Outcome::Interrupted(c)),
            Race::Closed => Err(Outcome::Closed),
        }
    }

    /// Send `cmds` (each node in parallel) and wait for every reply, serving `control`
    /// meanwhile. A node that cannot be reached is waited for (see [`Outcome::unreachable`]).
    pub async fn read(
        &mut self,
        control: &mut Control,
        reader: &mut RedisCluster,
        cmds: Vec<ReadCmd>,
    ) -> Result<Vec<ReadResult>, Outcome> {
        let read = async move {
            let mut conns: Vec<(ReadCmd, MultiplexedConnection)> = Vec::with_capacity(cmds.len());
            for cmd in cmds {
                match reader.get(&cmd.node).await {
                    Ok(conn) => {
                        let conn = conn.clone();
                        conns.push((cmd, conn));
                    }
                    Err(e) => return Err((cmd.node, e)),
                }
            }
            let results =
                futures::future::join_all(conns.into_iter().map(|(read, mut conn)| async move {
                    let result = raw_query(&mut conn, &read.cmd).await.map(Reply::Value);
                    (read.node, read.shards, result)
                }))
                .await;
            Ok(results)
        };
        match control.race(read).await {
            Race::Done(Ok(results)) => Ok(results),
            Race::Done(Err((node, e))) => Err(Outcome::unreachable(&node, e)),
            Race::Interrupted(c) => Err(Outcome::Interrupted(c)),
            Race::Closed => Err(Outcome::Closed),
        }
    }

    /// Start the next plain read now (one command on a live connection only).
    pub fn start_ahead(&mut self, reader: &mut RedisCluster, mut cmds: Vec<ReadCmd>) {
        if cmds.len() != 1 {
            return;
        }
        let Some(read) = cmds.pop() else {
            return;
        };
        let Some(Ok(conn)) = reader.conn.get_mut(&read.node).map(|c| c.try_get()) else {
            return;
        };
        let mut conn = conn.clone();
        let mut fut: ReadFuture = Box::pin(async move {
            let result = raw_query(&mut conn, &read.cmd).await.map(Reply::Value);
            (read.node, read.shards, result)
        });
        // poll once so that the command is written now
        self.ahead = Some(match (&mut fut).now_or_never() {
            Some(done) => Box::pin(futures::future::ready(done)),
            None => fut,
        });
    }
}
