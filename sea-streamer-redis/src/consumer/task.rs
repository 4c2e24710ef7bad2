//! The consumer's background task: reads batches, hands them to the consumer, sends acks,
//! claims idle entries, follows seeks, and reconnects after a lost connection.
//!
//! While a read or a hand-off is in progress the task still answers control messages
//! (commit, seek, end), so a blocking read never delays them.

use super::absent::Absent;
use super::acks::Acker;
use super::claim::{Claims, Target};
use super::commands::{create_group, last_id, raw_query};
use super::fast::FastConn;
use super::outcome::Outcome;
use super::pace::Pace;
use super::race::{race, Race};
use super::reply::{last_ids, parse_read_reply, ShardRead};
use super::shard::{shard_key, ShardState};
use super::shared::{Ctrl, Delivery, Shared};
use crate::cluster::RedisCluster;
use crate::connection::NodeId;
use crate::policy::{has_code, Backoff, Classify, Failure};
use crate::{map_err, MessageId, RedisErr, RedisResult, TimestampFormat, MAX_MSG_ID};
use futures::future::FutureExt;
use redis::aio::MultiplexedConnection;
use redis::{RedisError, Value};
use sea_streamer_types::{ShardId, SharedMessage, StreamErr, StreamKey};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Consumer-group parameters of a Resumable / LoadBalanced consumer.
#[derive(Debug, Clone)]
pub(crate) struct GroupInfo {
    pub group: String,
    pub consumer: String,
    pub noack: bool,
    pub mkstream: bool,
    /// `0` or `$` for `XGROUP CREATE`.
    pub start: &'static str,
    /// LoadBalanced auto-claim: (interval, idle).
    pub claim: Option<(Duration, Duration)>,
}

pub(crate) struct Task {
    // (fields are set by `create_consumer`)
    pub reader: RedisCluster,
    pub acker: Acker,
    pub shards: Vec<ShardState>,
    pub group: Option<GroupInfo>,
    /// Reading with plain `XREAD` (RealTime, or after a seek).
    pub plain: bool,
    pub prefetch: bool,
    pub batch_size: usize,
    pub block: Duration,
    pub ts_fmt: TimestampFormat,
    pub field: &'static str,
    pub shared: Arc<Shared>,
    pub ctrl: flume::Receiver<Ctrl>,
    pub out: flume::Sender<Delivery>,
    pub epoch: u64,
    /// LoadBalanced auto-claim (see `claim`).
    pub claims: Option<Claims>,
    /// A plain read started ahead of time.
    pub ahead: Option<ReadFuture>,
    /// One read command per key (set after a `CROSSSLOT` error in a cluster).
    pub per_key: bool,
    /// An error found at creation, delivered by the first `next()`.
    pub initial_error: Option<StreamErr<RedisErr>>,
    /// The raw connection of the plain `XREAD` fast path (see `fast_read`).
    pub fast: Option<FastConn>,
    /// Group modes: keys that did not exist yet (see `absent`).
    pub absent: Absent,
    /// Pauses after reads that come back empty at once (see `pace`).
    pub pace: Pace,
    /// Pauses while the server is busy (`TRYAGAIN`, `LOADING` …).
    pub busy: Backoff,
}

enum Flow {
    Continue,
    Stop,
}

/// One read's node, shards and reply.
type ReadResult = (NodeId, Vec<usize>, redis::RedisResult<Value>);
/// A read already sent.
type ReadFuture = std::pin::Pin<Box<dyn Future<Output = ReadResult> + Send>>;

/// One read command and the shards it covers.
pub(crate) struct ReadCmd {
    pub node: NodeId,
    pub shards: Vec<usize>,
    pub cmd: redis::Cmd,
}

impl Task {
    pub async fn run(mut self) {
        if let Some(err) = self.initial_error.take() {
            let _ = self.out.send_async(Delivery::Error(err)).await;
            return;
        }
        // acks are sent on `end()`; a dropped consumer leaves them unsent
        while let Flow::Continue = self.step().await {}
        log::debug!("Consumer task ended");
    }

    async fn fail(&mut self, err: StreamErr<RedisErr>) -> Flow {
        log::error!("Consumer stopped: {err}");
        let _ = self.out.send_async(Delivery::Error(err)).await;
        Flow::Stop
    }

    async fn step(&mut self) -> Flow {
        loop {
            match self.ctrl.try_recv() {
                Ok(c) => {
                    if let Flow::Stop = self.on_ctrl(c).await {
                        return Flow::Stop;
                    }
                }
                Err(flume::TryRecvError::Empty) => break,
                Err(flume::TryRecvError::Disconnected) => return Flow::Stop,
            }
        }
        if let Err(e) = self.acker.auto(None).await {
            return self.fail(e).await;
        }
        if !self.prefetch && self.shared.demand.load(Ordering::Acquire) == 0 {
            return match self.ctrl.recv_async().await {
                Ok(c) => self.on_ctrl(c).await,
                Err(_) => Flow::Stop,
            };
        }
        let mut messages = Vec::new();
        let started = Instant::now();
        self.pace.start();
        match self.claim_or_read(&mut messages).await {
            Outcome::Interrupted(c) => return self.on_ctrl(c).await,
            Outcome::Read => {}
            Outcome::Failed(e) => return self.fail(e).await,
            Outcome::Closed => return Flow::Stop,
        }
        if messages.is_empty() {
            return match self.pace.after_empty(started.elapsed()) {
                Some(pause) => self.pause(pause).await,
                None => Flow::Continue,
            };
        }
        self.pace.progress();
        let delivery = Delivery::Messages {
            epoch: self.epoch,
            messages,
        };
        let out = self.out.clone();
        let started = Instant::now();
        match race(&self.ctrl, &mut self.acker, out.send_async(delivery)).await {
            Race::Done(Ok(())) => {
                if !self.prefetch {
                    // one waiting `next()` is served
                    let _ =
                        self.shared
                            .demand
                            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| {
                                d.checked_sub(1)
                            });
                }
                self.after_delivery(started).await
            }
            Race::Done(Err(_)) | Race::Closed => Flow::Stop,
            Race::Interrupted(c) => self.on_ctrl(c).await,
        }
    }

    /// Wait `pause` before the next read, serving control messages meanwhile.
    async fn pause(&mut self, pause: Duration) -> Flow {
        let sleep = sea_streamer_runtime::sleep(pause);
        match race(&self.ctrl, &mut self.acker, sleep).await {
            Race::Done(()) => Flow::Continue,
            Race::Interrupted(c) => self.on_ctrl(c).await,
            Race::Closed => Flow::Stop,
        }
    }

    async fn after_delivery(&mut self, started: Instant) -> Flow {
        match self.acker.auto(Some(started)).await {
            Ok(()) => Flow::Continue,
            Err(e) => self.fail(e).await,
        }
    }

    async fn on_ctrl(&mut self, c: Ctrl) -> Flow {
        match c {
            Ctrl::Demand => Flow::Continue,
            Ctrl::Commit(reply) => {
                let result = self.acker.commit().await;
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
                Flow::Continue
            }
            Ctrl::Seek { to, shards, reply } => {
                let result = self.seek(to, shards).await;
                let _ = reply.send(result.map(|()| self.epoch));
                Flow::Continue
            }
            Ctrl::End(reply) => {
                if let Err(e) = self.acker.commit().await {
                    log::warn!("Failed to send acks while ending: {e}");
                }
                let _ = reply.send(());
                Flow::Stop
            }
        }
    }

    /// Reposition every given shard after `to` and read with `XREAD` from now on.
    async fn seek(&mut self, to: MessageId, shards: Vec<(StreamKey, ShardId)>) -> RedisResult<()> {
        let mut table = Vec::with_capacity(shards.len());
        for (stream_key, shard_id) in shards {
            let key = self
                .shards
                .iter()
                .find(|s| s.stream_key == stream_key && s.shard_id == shard_id)
                .map(|s| s.key.clone())
                .unwrap_or_else(|| shard_key(&stream_key, shard_id));
            self.acker
                .keys
                .insert((stream_key.clone(), shard_id), key.clone());
            let mut state = ShardState::new(stream_key, shard_id, key);
            state.pending = false;
            state.last = if to == MAX_MSG_ID {
                last_id(&mut self.acker.cmd, &state.key).await?
            } else {
                to
            };
            table.push(state);
        }
        self.shards = table;
        self.ahead = None;
        // a blocking read dropped mid-flight stays blocked on the server and the next read
        // on that connection would wait behind it (up to the block time): read on fresh
        // connections
        self.reader.conn.clear();
        // a read in flight on the raw connection is for the old positions
        self.fast = None;
        self.plain = true;
        // plain reads wait for missing keys by themselves
        self.absent = Absent::default();
        self.prefetch = true;
        if let Some(claims) = &mut self.claims {
            claims.cancel();
        }
        self.epoch += 1;
        Ok(())
    }

    /// Claim (when due) or read one batch into `messages`.
    async fn claim_or_read(&mut self, messages: &mut Vec<SharedMessage>) -> Outcome {
        if let Some(outcome) = self.await_streams().await {
            return outcome;
        }
        if let Some(claims) = self.claims.as_mut().filter(|_| !self.plain) {
            let target = Target {
                shards: &self.shards,
                absent: &self.absent,
                batch_size: self.batch_size,
                fmt: self.ts_fmt,
                field: self.field,
            };
            if claims.claim(&mut self.acker.cmd, target, messages).await {
                return Outcome::Read;
            }
        }
        if let Some(outcome) = self.fast_read(messages).await {
            return outcome;
        }
        if let Some(ahead) = self.ahead.take() {
            // a read started while the previous batch was being handed over
            let result = match race(&self.ctrl, &mut self.acker, ahead).await {
                Race::Done(r) => r,
                Race::Interrupted(c) => return Outcome::Interrupted(c),
                Race::Closed => return Outcome::Closed,
            };
            return self.handle_results(vec![result], messages).await;
        }
        let cmds = self.read_cmds();
        let Task {
            reader,
            acker,
            ctrl,
            ..
        } = self;
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
                    let result = raw_query(&mut conn, &read.cmd).await;
                    (read.node, read.shards, result)
                }))
                .await;
            Ok(results)
        };
        let results = match race(ctrl, acker, read).await {
            Race::Done(r) => r,
            Race::Interrupted(c) => return Outcome::Interrupted(c),
            Race::Closed => return Outcome::Closed,
        };
        let results = match results {
            Ok(results) => results,
            Err((node, e)) => {
                return match e.failure() {
                    Failure::Connection | Failure::Busy => {
                        log::warn!("Waiting for {node}: {e}");
                        Outcome::Read
                    }
                    _ => Outcome::Failed(e),
                }
            }
        };
        self.handle_results(results, messages).await
    }

    /// Turn read replies into messages and advance the shards. In plain `XREAD` mode the next
    /// read is started first, so Redis works on it while this batch is parsed and handed over.
    async fn handle_results(
        &mut self,
        results: Vec<ReadResult>,
        messages: &mut Vec<SharedMessage>,
    ) -> Outcome {
        let single = results.len() == 1;
        for (node, shards, result) in results {
            match result {
                Ok(value) => {
                    if self.plain && single {
                        let lasts = last_ids(&value, &self.shards);
                        if !lasts.is_empty() {
                            for (i, last) in lasts {
                                self.shards[i].last = last;
                            }
                            self.read_ahead();
                        }
                    }
                    let mut reads = Vec::new();
                    if let Err(e) = parse_read_reply(
                        value,
                        &self.shards,
                        self.ts_fmt,
                        self.field,
                        messages,
                        &mut reads,
                    ) {
                        return Outcome::Failed(e);
                    }
                    self.advance(&shards, &reads);
                }
                Err(e) => {
                    if let Err(e) = self.on_read_error(node, &shards, e).await {
                        return Outcome::Failed(e);
                    }
                }
            }
        }
        Outcome::Read
    }

    /// Start the next plain read now (one command on a live connection only).
    fn read_ahead(&mut self) {
        let mut cmds = self.read_cmds();
        if cmds.len() != 1 {
            return;
        }
        let read = cmds.pop().expect("one command");
        let Some(Ok(conn)) = self.reader.conn.get_mut(&read.node).map(|c| c.try_get()) else {
            return;
        };
        let mut conn = conn.clone();
        let mut fut: ReadFuture = Box::pin(async move {
            let result = raw_query(&mut conn, &read.cmd).await;
            (read.node, read.shards, result)
        });
        // poll once so that the command is written now
        self.ahead = Some(match (&mut fut).now_or_never() {
            Some(done) => Box::pin(futures::future::ready(done)),
            None => fut,
        });
    }

    /// Update the shards' positions after a read.
    pub(crate) fn advance(&mut self, read_shards: &[usize], reads: &[ShardRead]) {
        // a read was answered: the server is not busy (any more)
        self.busy.reset();
        for read in reads {
            let shard = &mut self.shards[read.index];
            if let Some(last) = read.last {
                shard.last = last;
            }
            if shard.pending && read.entries == 0 {
                shard.pending = false;
                self.pace.progress();
            }
            if read.entries > 0 {
                self.pace.progress();
            }
        }
        if self.group.is_some() && !self.plain {
            // a pending read always answers for every key; a key missing from the reply
            // has nothing pending
            for &i in read_shards {
                if self.shards[i].pending && !reads.iter().any(|r| r.index == i) {
                    self.shards[i].pending = false;
                    self.pace.progress();
                }
            }
        }
    }

    pub(crate) async fn on_read_error(
        &mut self,
        node: NodeId,
        shards: &[usize],
        e: RedisError,
    ) -> RedisResult<()> {
        let failure = e.failure();
        if failure == Failure::Connection {
            log::warn!("Consumer lost its connection to {node}: {e}; reconnecting");
            self.reader.reconnect(&node)?;
            if self.group.is_some() && !self.plain {
                // entries of a lost reply are in our pending list: read it again
                for &i in shards {
                    self.shards[i].pending = true;
                }
            }
            return Ok(());
        }
        if has_code(&e, "UNBLOCKED") {
            // the key was deleted while we were blocked on it; the next read tells what now
            log::warn!("Read on {node} was unblocked: {e}");
            return Ok(());
        }
        if has_code(&e, "NOGROUP") {
            if let Some(group) = self.group.clone() {
                if !group.mkstream {
                    return Err(StreamErr::Backend(RedisErr::ResponseError(format!(
                        "The stream or consumer group `{}` no longer exists (NOGROUP); set mkstream to recreate it: {e}",
                        group.group
                    ))));
                }
                for &i in shards {
                    let key = self.shards[i].key.clone();
                    log::warn!("Stream `{key}` or its group vanished; recreating");
                    create_group(&mut self.acker.cmd, &key, &group.group, "0", true).await?;
                    self.shards[i].pending = true;
                    self.shards[i].last = (0, 0);
                }
                return Ok(());
            }
        }
        if let Failure::Moved(addr) = &failure {
            let keys: Vec<&str> = shards
                .iter()
                .map(|&i| self.shards[i].key.as_str())
                .collect();
            if self.reader.redirect(keys.iter().copied(), addr) {
                self.acker.cmd.redirect(keys, addr);
                return Ok(());
            }
        }
        if has_code(&e, "CROSSSLOT") && !self.per_key {
            log::info!("Keys span several slots: reading each key on its own");
            self.per_key = true;
            return Ok(());
        }
        if failure == Failure::Busy {
            let pause = self.busy.next_delay().unwrap_or(Duration::from_secs(1));
            log::warn!("Retrying read in {pause:?}: {e}");
            sea_streamer_runtime::sleep(pause).await;
            return Ok(());
        }
        Err(map_err(e))
    }
}
