//! Group consumers (Resumable, LoadBalanced) on keys that do not exist yet: workers are
//! usually started before producers, so a key nobody has written to is waited for, not an
//! error.
//!
//! `XGROUP CREATE` needs the key to exist (without `MKSTREAM`). A key found missing when the
//! consumer is created goes into [`Absent`]: it is left out of reads and the group is created
//! once the key appears, **at `0`** (whatever `AutoStreamReset` says: a consumer that was
//! waiting before the stream existed has seen none of it, so it gets every entry). Keys that
//! exist are read normally meanwhile; their reads block at most until the next check of the
//! missing keys (a bounded back-off: 50 ms doubling to 1 s). When no key exists at all the
//! task waits on a blocking `XREAD` of the missing keys (one node), which returns as soon as
//! one is written, or sleeps out the back-off (several cluster nodes). The wait is logged once
//! per key, at info level.
//!
//! A key can be written by a producer at any moment, also between our `XGROUP CREATE` and any
//! later look at the key: `XGROUP`'s reply that it "requires the key to exist" always sends
//! the key back here, never to an error (see [`Commands::create_group_if_exists`]); the next
//! check (at once, if the waiting `XREAD` sees the key written) creates the group.
//!
//! [`Commands::create_group_if_exists`]: super::commands::Commands::create_group_if_exists

use super::commands::raw_query;
use super::outcome::Outcome;
use super::pace::Pace;
use super::race::{Control, Race};
use super::shard::ShardState;
use crate::cluster::RedisCluster;
use crate::connection::NodeId;
use crate::policy::{Backoff, Classify, Failure};
use crate::{RedisErr, RedisResult};
use redis::Value;
use sea_streamer_types::StreamErr;
use std::time::{Duration, Instant};

/// The first pause between two checks of the missing keys ([`Backoff::absent_streams`]).
#[cfg(test)]
const FIRST_DELAY: Duration = Duration::from_millis(50);
/// The longest pause between two checks.
const MAX_DELAY: Duration = Duration::from_secs(1);

/// The keys of a group consumer that did not exist yet, and when to look at them again.
#[derive(Debug)]
pub(crate) struct Absent {
    keys: Vec<String>,
    /// The consumer group to create on them.
    group: String,
    /// The pause after the next check.
    delay: Duration,
    backoff: Backoff,
    next_check: Instant,
}

impl Default for Absent {
    fn default() -> Self {
        Self::new(Vec::new(), String::new())
    }
}

impl Absent {
    /// Start waiting for `keys`, to create `group` on them (logged once per key).
    pub fn new(keys: Vec<String>, group: String) -> Self {
        for key in &keys {
            log::info!(
                "Stream `{key}` does not exist yet: the consumer waits for it and will read it from its first entry"
            );
        }
        let mut backoff = Backoff::absent_streams();
        let first = backoff.next_delay().unwrap_or(MAX_DELAY);
        Self {
            keys,
            group,
            delay: first,
            backoff,
            next_check: Instant::now() + first,
        }
    }

    /// Is `key` still missing?
    pub fn contains(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Are all keys there?
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The block time of a read of the existing keys: at most until the next check (and at
    /// least 1 ms, since `BLOCK 0` would block forever).
    pub fn limit_block(&self, block: Duration) -> Duration {
        if self.keys.is_empty() {
            return block;
        }
        let left = self.next_check.saturating_duration_since(Instant::now());
        block.min(left).max(Duration::from_millis(1))
    }

    fn due(&self) -> bool {
        Instant::now() >= self.next_check
    }

    /// Check again at once (a missing key was just written).
    fn check_now(&mut self) {
        self.next_check = Instant::now();
    }

    /// A check found keys still missing: wait longer before the next one.
    fn checked(&mut self) {
        self.next_check = Instant::now() + self.delay;
        self.delay = self.backoff.next_delay().unwrap_or(MAX_DELAY);
    }
}

impl Absent {
    /// Create the group on missing keys that have appeared since the last check and, when no
    /// key of `shards` exists at all, wait for one (a blocking read of `block` at most on
    /// `reader`), serving `control` meanwhile. `None`: go on and read the existing keys.
    ///
    /// When the wait ends because a key was written, the group is created and the key read in
    /// the same step, without the pause after an empty read: consumers of one group that all
    /// waited for the stream then start reading it together, and share its first entries.
    pub async fn await_streams(
        &mut self,
        control: &mut Control,
        reader: &mut RedisCluster,
        shards: &[ShardState],
        block: Duration,
        pace: &mut Pace,
    ) -> Option<Outcome> {
        // a second look only right after a write, so a key that keeps failing its check
        // (a misbehaving server) cannot spin the task
        let mut looks = 0;
        loop {
            if self.is_empty() {
                return None;
            }
            if self.due() {
                if let Err(e) = self.check(control, pace).await {
                    return Some(Outcome::Failed(e));
                }
            }
            let readable = shards.iter().any(|s| !self.contains(&s.key));
            if readable {
                return None;
            }
            looks += 1;
            match self.wait_for_streams(control, reader, block, pace).await {
                None if looks < 2 => {}
                None => return Some(Outcome::Read),
                Some(outcome) => return Some(outcome),
            }
        }
    }

    /// Try to create the group on every missing key: a key whose group now exists is read
    /// from now on. Only an error other than the key's absence ends the consumer.
    async fn check(&mut self, control: &mut Control, pace: &mut Pace) -> RedisResult<()> {
        for key in self.keys.clone() {
            let cmd = control.commands();
            match cmd.create_group_if_exists(&key, &self.group, "0").await {
                Ok(true) => {
                    log::info!("Stream `{key}` now exists: reading it from its first entry");
                    self.keys.retain(|k| *k != key);
                    pace.progress();
                }
                Ok(false) => {}
                Err(e) if e.failure().is_transient() => {
                    log::warn!("Could not check whether `{key}` exists yet: {e}");
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        self.checked();
        Ok(())
    }

    /// No key exists: wait until one is written (blocking `XREAD` on one node) or until the
    /// next check is due, while serving control messages. `None`: a key was written (the
    /// check is due at once). `pace` learns how long the wait should take.
    async fn wait_for_streams(
        &mut self,
        control: &mut Control,
        reader: &mut RedisCluster,
        block: Duration,
        pace: &mut Pace,
    ) -> Option<Outcome> {
        let single_node = !reader.options.enable_cluster() || self.keys.len() == 1;
        let node = reader.node_for(&self.keys[0]).clone();
        let pause = self.limit_block(MAX_DELAY);
        pace.sent(if single_node { block } else { pause });
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT")
            .arg(1)
            .arg("BLOCK")
            .arg(block.as_millis().max(1) as u64)
            .arg("STREAMS")
            .arg(&self.keys);
        for _ in &self.keys {
            cmd.arg("0-0");
        }
        let target = node.clone();
        let wait = async {
            if !single_node {
                sea_streamer_runtime::sleep(pause).await;
                return Ok(Value::Nil);
            }
            match reader.get(&target).await {
                Ok(conn) => {
                    let mut conn = conn.clone();
                    raw_query(&mut conn, &cmd).await.map_err(Waited::Read)
                }
                Err(e) => Err(Waited::Unavailable(e)),
            }
        };
        let waited = match control.race(wait).await {
            Race::Done(w) => w,
            Race::Interrupted(c) => return Some(Outcome::Interrupted(c)),
            Race::Closed => return Some(Outcome::Closed),
        };
        match waited {
            // the block time passed (or the pause, several nodes): look now
            Ok(Value::Nil) => self.check_now(),
            // a key was written: look now, in this step
            Ok(_) => {
                self.check_now();
                return None;
            }
            Err(Waited::Read(e)) => {
                if let Err(e) = self.on_wait_error(reader, &node, e).await {
                    return Some(Outcome::Failed(e));
                }
            }
            Err(Waited::Unavailable(e)) => {
                if !e.failure().is_transient() {
                    return Some(Outcome::Failed(e));
                }
                log::warn!("Waiting for {node}: {e}");
                let _ = reader.reconnect(&node);
            }
        }
        Some(Outcome::Read)
    }

    /// An error of the waiting `XREAD`: follow `MOVED`, reconnect, or pause until the next
    /// check (the check then tells what is wrong with the key).
    async fn on_wait_error(
        &mut self,
        reader: &mut RedisCluster,
        node: &NodeId,
        e: redis::RedisError,
    ) -> RedisResult<()> {
        match e.failure() {
            Failure::Moved(addr) => {
                if reader.redirect(self.keys.iter().map(String::as_str), &addr) {
                    return Ok(());
                }
            }
            Failure::Connection => {
                log::warn!("Consumer lost its connection to {node}: {e}; reconnecting");
                reader.reconnect(node)?;
                return Ok(());
            }
            Failure::Busy | Failure::Fatal => {}
        }
        log::debug!("Waiting for streams on {node}: {e}");
        sea_streamer_runtime::sleep(self.limit_block(MAX_DELAY)).await;
        Ok(())
    }
}

/// Why waiting for a key ended without a reply.
enum Waited {
    Read(redis::RedisError),
    Unavailable(StreamErr<RedisErr>),
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn back_off_grows_and_is_bounded() {
        let mut absent = Absent::new(vec!["k".to_owned()], "g".to_owned());
        let mut delays = Vec::new();
        for _ in 0..8 {
            delays.push(absent.delay);
            absent.checked();
        }
        assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
        assert_eq!(delays[0], FIRST_DELAY);
        assert_eq!(*delays.last().unwrap(), MAX_DELAY);
        // a read of the existing keys never blocks past the next check, nor for ever
        assert!(absent.limit_block(Duration::from_secs(10)) <= MAX_DELAY);
        absent.check_now();
        assert_eq!(
            absent.limit_block(Duration::from_secs(10)),
            Duration::from_millis(1)
        );
        assert_eq!(
            Absent::default().limit_block(Duration::from_secs(10)),
            Duration::from_secs(10)
        );
    }
}
