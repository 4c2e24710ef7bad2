//! Building the `XREAD` / `XREADGROUP` commands of a consumer task.

use super::task::{ReadCmd, Task};
use crate::connection::NodeId;
use crate::message::format_id;
use crate::MAX_MSG_ID;
use std::time::Duration;

/// Block time when one read spans several nodes (each node is read in parallel).
const MULTI_NODE_BLOCK: Duration = Duration::from_millis(100);

impl Task {
    /// The read commands: one per node (one per key with cluster enabled).
    pub(crate) fn read_cmds(&self) -> Vec<ReadCmd> {
        let mut groups: Vec<(NodeId, Vec<usize>)> = Vec::new();
        let per_key = self.per_key;
        for (i, shard) in self.shards.iter().enumerate() {
            if !self.plain && self.absent.contains(&shard.key) {
                // not written yet: `absent` watches it
                continue;
            }
            let node = self.reader.node_for(&shard.key);
            match groups
                .iter_mut()
                .find(|(n, _)| n == node)
                .filter(|_| !per_key)
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
        let block = self.absent.limit_block(block);
        groups
            .into_iter()
            .map(|(node, shards)| {
                let cmd = self.read_cmd(&shards, block);
                ReadCmd { node, shards, cmd }
            })
            .collect()
    }

    pub(crate) fn read_cmd(&self, shards: &[usize], block: Duration) -> redis::Cmd {
        let group = self.group.as_ref().filter(|_| !self.plain);
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
        for &i in shards {
            cmd.arg(&self.shards[i].key);
        }
        for &i in shards {
            let shard = &self.shards[i];
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
