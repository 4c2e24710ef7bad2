//! The consumer's background task: reads batches, hands them to the consumer, sends acks,
//! claims idle entries, follows seeks, and reconnects after a lost connection.
//!
//! While a read or a hand-off is in progress the task still answers control messages
//! (commit, seek, end), so a blocking read never delays them ([`Control::race`]).
//!
//! The task owns the shard table and calls modules with their own state: [`Control`]
//! (control messages, acks, command connections), [`Absent`] (keys not written yet),
//! [`Claims`] (LoadBalanced failover), [`FastReads`] and [`PlainReads`] (the two read paths,
//! as [`ReadPlan`] says), [`Pace`] (empty reads). Replies of both read paths are turned into
//! messages here and their errors handled on one path ([`Task::on_read_error`]).

use super::absent::Absent;
use super::claim::{Claims, Target};
use super::entries::{parse_streams, EntryRules, ShardRead};
use super::fast_read::{server_error, FastReads};
use super::foreign::Foreign;
use super::observe::{span, Observe, Step};
use super::outcome::Outcome;
use super::pace::Pace;
use super::race::{Control, Race};
use super::read::{PlainReads, ReadPlan, ReadResult, Reply};
use super::reply::{last_ids, ValueWalk};
use super::setup::{GroupInfo, Ready};
use super::shard::{shard_key, ShardState};
use super::shared::{Ctrl, Delivery, Shared};
use super::xread::{parse_xread, XreadReply};
use crate::cluster::RedisCluster;
use crate::connection::NodeId;
use crate::policy::{has_code, Backoff, Classify, Failure};
use crate::{
    map_err, ForeignEntries, MessageId, RedisErr, RedisResult, TimestampFormat, MAX_MSG_ID,
};
use redis::RedisError;
use sea_streamer_types::{ShardId, SharedMessage, StreamErr, StreamKey};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// What a consumer task is configured with (computed by `create_consumer`).
#[derive(Debug)]
pub(crate) struct TaskConfig {
    pub group: Option<GroupInfo>,
    /// Read ahead of `next()` calls (else read on demand).
    pub prefetch: bool,
    pub batch_size: usize,
    /// The `BLOCK` time of reads.
    pub block: Duration,
    /// The consumer's metric handles.
    pub observe: Arc<Observe>,
    pub ts_fmt: TimestampFormat,
    /// The entry field holding the payload.
    pub field: &'static str,
    /// What to do with entries without that field.
    pub foreign: ForeignEntries,
}

/// The background task of one consumer.
pub(crate) struct Task {
    control: Control,
    /// Connections for blocking reads.
    reader: RedisCluster,
    shards: Vec<ShardState>,
    plan: ReadPlan,
    plain_reads: PlainReads,
    fast: FastReads,
    /// Group modes: keys that did not exist yet.
    absent: Absent,
    /// LoadBalanced auto-claim.
    claims: Option<Claims>,
    /// Pauses after reads that come back empty at once.
    pace: Pace,
    /// Pauses while the server is busy (`TRYAGAIN`, `LOADING` …).
    busy: Backoff,
    prefetch: bool,
    /// How entries become messages.
    rules: EntryRules,
    shared: Arc<Shared>,
    out: flume::Sender<Delivery>,
    /// Metrics: messages, bytes, errors, reconnects.
    observe: Arc<Observe>,
    /// Seeks so far; deliveries carry it so that the handle drops older batches.
    epoch: u64,
    /// An error found at creation, delivered by the first `next()`.
    initial_error: Option<StreamErr<RedisErr>>,
}

enum Flow {
    Continue,
    Stop,
}

impl Task {
    /// A task reading `ready`'s shards as `config` says, serving `control`, delivering to `out`.
    pub fn new(
        config: TaskConfig,
        ready: Ready,
        control: Control,
        out: flume::Sender<Delivery>,
        shared: Arc<Shared>,
    ) -> Self {
        let claims = config.group.as_ref().and_then(|g| {
            let (interval, idle) = g.claim?;
            Some(Claims::new(
                g.group.clone(),
                g.consumer.clone(),
                interval,
                idle,
            ))
        });
        let absent = match &config.group {
            Some(g) => Absent::new(ready.absent, g.group.clone()),
            None => Absent::default(),
        };
        Self {
            control,
            reader: ready.reader,
            shards: ready.shards,
            plan: ReadPlan::new(config.group, config.batch_size, config.block),
            plain_reads: PlainReads::default(),
            fast: FastReads::default(),
            absent,
            claims,
            pace: Pace::default(),
            busy: Backoff::busy(),
            prefetch: config.prefetch,
            rules: EntryRules {
                fmt: config.ts_fmt,
                field: config.field,
                foreign: Foreign::new(config.foreign),
            },
            shared,
            out,
            observe: config.observe,
            epoch: 0,
            initial_error: ready.initial_error,
        }
    }

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
        self.observe.error();
        log::error!("Consumer stopped: {err}");
        let _ = self.out.send_async(Delivery::Error(err)).await;
        Flow::Stop
    }

    async fn step(&mut self) -> Flow {
        loop {
            match self.control.try_recv() {
                Ok(Some(c)) => {
                    if let Flow::Stop = self.on_ctrl(c).await {
                        return Flow::Stop;
                    }
                }
                Ok(None) => break,
                Err(()) => return Flow::Stop,
            }
        }
        if let Err(e) = self.control.auto_commit(None).await {
            return self.fail(e).await;
        }
        if !self.prefetch && self.shared.demand.load(Ordering::Acquire) == 0 {
            return match self.control.recv().await {
                Some(c) => self.on_ctrl(c).await,
                None => Flow::Stop,
            };
        }
        let mut messages = Vec::new();
        self.pace.start();
        let read_span = span(Step::ReadBatch, self.first_key());
        // `instrument` moves the read's future (about 17 KB) into its wrapper: twice that
        // copied per batch, 8 % of a consumer's instructions, so only for a live span
        let outcome = if read_span.is_disabled() {
            self.claim_or_read(&mut messages).await
        } else {
            self.claim_or_read(&mut messages)
                .instrument(read_span.clone())
                .await
        };
        read_span.record("count", messages.len());
        match outcome {
            Outcome::Interrupted(c) => return self.on_ctrl(c).await,
            Outcome::Read => {}
            Outcome::Failed(e) => return self.fail(e).await,
            Outcome::Closed => return Flow::Stop,
        }
        if messages.is_empty() {
            return match self.pace.after_empty() {
                Some(pause) => self.pause(pause).await,
                None => Flow::Continue,
            };
        }
        self.pace.progress();
        self.observe.delivered(&messages);
        let delivery = Delivery::Messages {
            epoch: self.epoch,
            messages,
        };
        let out = self.out.clone();
        let started = Instant::now();
        match self.control.race(out.send_async(delivery)).await {
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
        match self.control.race(sleep).await {
            Race::Done(()) => Flow::Continue,
            Race::Interrupted(c) => self.on_ctrl(c).await,
            Race::Closed => Flow::Stop,
        }
    }

    async fn after_delivery(&mut self, started: Instant) -> Flow {
        match self.control.auto_commit(Some(started)).await {
            Ok(()) => Flow::Continue,
            Err(e) => self.fail(e).await,
        }
    }

    async fn on_ctrl(&mut self, c: Ctrl) -> Flow {
        match c {
            Ctrl::Demand => Flow::Continue,
            Ctrl::Commit(reply) => {
                let result = self.control.commit().await;
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
                Flow::Continue
            }
            Ctrl::Seek { to, shards, reply } => {
                let seek_span = span(Step::Seek, shards.first().map_or("", |s| s.0.name()));
                let result = self.seek(to, shards).instrument(seek_span).await;
                let _ = reply.send(result.map(|()| self.epoch));
                Flow::Continue
            }
            Ctrl::End(reply) => {
                if let Err(e) = self.control.commit().await {
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
            self.control
                .acker()
                .set_key((stream_key.clone(), shard_id), key.clone());
            let mut state = ShardState::new(stream_key, shard_id, key);
            state.pending = false;
            state.last = if to == MAX_MSG_ID {
                self.control.commands().last_id(&state.key).await?
            } else {
                to
            };
            table.push(state);
        }
        // a non-group consumer's lag counts from the new positions
        self.shared.lock().positions = table
            .iter()
            .map(|s| (s.stream_key.clone(), s.shard_id, s.last))
            .collect();
        self.shards = table;
        self.plain_reads.cancel();
        // a blocking read dropped mid-flight stays blocked on the server and the next read
        // on that connection would wait behind it (up to the block time): read on fresh
        // connections
        self.reader.conn.clear();
        // a read in flight on the raw connection is for the old positions
        self.fast.close();
        self.plan.set_plain();
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
        if !self.plan.is_plain() {
            let absent = &mut self.absent;
            let (block, pace) = (self.plan.block(), &mut self.pace);
            let waited = absent
                .await_streams(
                    &mut self.control,
                    &mut self.reader,
                    &self.shards,
                    block,
                    pace,
                )
                .await;
            if let Some(outcome) = waited {
                return outcome;
            }
            if let Some(claims) = self.claims.as_mut() {
                let target = Target {
                    shards: &self.shards,
                    absent: &self.absent,
                    batch_size: self.plan.batch_size(),
                    rules: &mut self.rules,
                };
                if claims
                    .claim(self.control.commands(), target, messages)
                    .await
                {
                    return Outcome::Read;
                }
            }
        }
        let results = if self.plain_reads.has_ahead() {
            // a read started while the previous batch was being handed over
            self.fast.close();
            self.pace.awaits_ahead();
            self.plain_reads.finish_ahead(&mut self.control).await
        } else {
            let mut cmds = self.plan.cmds(&self.reader, &self.shards, &self.absent);
            if cmds.len() == 1 && FastReads::applies(&self.plan, &self.reader, false) {
                let read = cmds.pop().expect("one command");
                if self.fast.sent_ahead() {
                    self.pace.awaits_ahead();
                } else {
                    self.pace.sent(read.block);
                }
                let result = self.fast.read(&mut self.control, &mut self.reader, read);
                result.await.map(|r| vec![r])
            } else {
                self.fast.close();
                if let Some(block) = cmds.iter().map(|c| c.block).min() {
                    self.pace.sent(block);
                }
                let reader = &mut self.reader;
                self.plain_reads.read(&mut self.control, reader, cmds).await
            }
        };
        match results {
            Ok(results) => self.handle_results(results, messages).await,
            Err(outcome) => outcome,
        }
    }

    /// Turn read replies into messages and advance the shards. In plain `XREAD` mode the next
    /// read is started first (`redis`-crate path) or right after parsing (fast path), so Redis
    /// works on it while this batch is parsed and handed over.
    async fn handle_results(
        &mut self,
        results: Vec<ReadResult>,
        messages: &mut Vec<SharedMessage>,
    ) -> Outcome {
        let single = results.len() == 1;
        for (node, shards, result) in results {
            let reply = match result {
                Ok(reply) => reply,
                Err(e) => match self.on_read_error(node, &shards, e).await {
                    Ok(()) => {
                        self.observe.error();
                        continue;
                    }
                    Err(e) => return Outcome::Failed(e),
                },
            };
            let mut reads = Vec::new();
            let raw = matches!(reply, Reply::Raw(_));
            let parsed = match reply {
                Reply::Value(value) => {
                    if self.plan.is_plain() && single {
                        let lasts = last_ids(&value, &self.shards);
                        if !lasts.is_empty() {
                            for (i, last) in lasts {
                                self.shards[i].last = last;
                            }
                            let cmds = self.plan.cmds(&self.reader, &self.shards, &self.absent);
                            let block = cmds.first().map(|c| c.block);
                            self.plain_reads.start_ahead(&mut self.reader, cmds);
                            if let Some(block) = block.filter(|_| self.plain_reads.has_ahead()) {
                                self.pace.sent_ahead(block);
                            }
                        }
                    }
                    let walk = &mut ValueWalk::new(value);
                    parse_streams(walk, &self.shards, &mut self.rules, messages, &mut reads)
                }
                Reply::Raw(bytes) => {
                    match parse_xread(&bytes, &self.shards, &mut self.rules, messages) {
                        Ok(XreadReply::Read(r)) => {
                            reads = r;
                            Ok(())
                        }
                        Ok(XreadReply::ServerError(line)) => {
                            let e = server_error(&bytes, &line);
                            match self.on_read_error(node, &shards, e).await {
                                Ok(()) => {
                                    self.observe.error();
                                    continue;
                                }
                                Err(e) => return Outcome::Failed(e),
                            }
                        }
                        Err(e) => {
                            self.fast.close();
                            Err(e)
                        }
                    }
                }
            };
            if let Err(e) = parsed {
                return Outcome::Failed(e);
            }
            self.advance(&shards, &reads);
            if raw && reads.iter().any(|r| r.last.is_some()) {
                let cmds = self.plan.cmds(&self.reader, &self.shards, &self.absent);
                let block = cmds.first().map(|c| c.block);
                if self.fast.send_ahead(&mut self.reader, cmds).await {
                    self.observe.reconnect();
                }
                if let Some(block) = block.filter(|_| self.fast.sent_ahead()) {
                    self.pace.sent_ahead(block);
                }
            }
        }
        Outcome::Read
    }

    /// The Redis key of the first shard (the `stream` of spans).
    fn first_key(&self) -> &str {
        self.shards.first().map_or("", |s| s.key.as_str())
    }

    /// Update the shards' positions after a read.
    fn advance(&mut self, read_shards: &[usize], reads: &[ShardRead]) {
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
        if self.plan.group_read().is_some() {
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

    /// The one error path of both read paths: reconnect, recreate a vanished group, follow
    /// `MOVED`, split a cross-slot read, or wait while the server is busy ([`crate::policy`]);
    /// `Err`: the consumer cannot go on.
    async fn on_read_error(
        &mut self,
        node: NodeId,
        shards: &[usize],
        e: RedisError,
    ) -> RedisResult<()> {
        let failure = e.failure();
        if failure == Failure::Connection {
            self.observe.reconnect();
            let key = shards.first().map_or("", |&i| self.shards[i].key.as_str());
            span(Step::Reconnect, key).in_scope(|| {
                log::warn!("Consumer lost its connection to {node}: {e}; reconnecting");
                self.reader.reconnect(&node)
            })?;
            if self.plan.group_read().is_some() {
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
            if let Some(group) = self.plan.group().cloned() {
                if !group.mkstream {
                    return Err(StreamErr::Backend(RedisErr::ResponseError(format!(
                        "The stream or consumer group `{}` no longer exists (NOGROUP); set mkstream to recreate it: {e}",
                        group.group
                    ))));
                }
                for &i in shards {
                    let key = self.shards[i].key.clone();
                    log::warn!("Stream `{key}` or its group vanished; recreating");
                    let cmd = self.control.commands();
                    cmd.create_group(&key, &group.group, "0", true).await?;
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
                self.control.commands().redirect(keys, addr);
                return Ok(());
            }
        }
        if has_code(&e, "CROSSSLOT") && !self.plan.is_per_key() {
            log::info!("Keys span several slots: reading each key on its own");
            self.plan.set_per_key();
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
