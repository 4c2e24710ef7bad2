//! The consumer: a handle that receives batches from a background task.
//!
//! RealTime consumers read with `XREAD`; Resumable and LoadBalanced ones with `XREADGROUP`
//! in a consumer group, re-reading their own pending list first. See [`RedisConsumerOptions`].

mod absent;
mod acks;
mod claim;
mod commands;
mod discover;
mod fast;
mod fast_read;
mod future;
mod options;
mod outcome;
mod pace;
mod race;
mod read;
mod reply;
mod reply_buf;
mod resp;
#[cfg(test)]
mod resp_test;
mod shard;
mod shared;
mod task;
mod xread;

pub use future::{NextFuture, RedisMessageStream, StreamFuture};
pub use options::{AutoCommit, AutoStreamReset, RedisConsumerOptions, ShardOwnership};

use crate::cluster::RedisCluster;
use crate::connection::Purpose;
use crate::constants::HEARTBEAT;
use crate::message::{from_seq_no, timestamp_part};
use crate::{
    consumer_id, group_id, MessageId, RedisConnectOptions, RedisErr, RedisMessageId, RedisResult,
    MAX_MSG_ID,
};
use absent::Absent;
use acks::{delayed_ack_err, Acker};
use commands::{create_group, create_group_if_exists, last_id};
use discover::discover_shards;
use futures::channel::oneshot;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerId, ConsumerMode, ConsumerOptions, Message, SeqNo, SeqPos,
    ShardId, SharedMessage, StreamErr, StreamKey, StreamerUri, Timestamp,
};
use shared::{Ctrl, PendingAck, Shared};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use task::{GroupInfo, Task};

/// A consumer of one or more Redis streams.
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// use sea_streamer_redis::{AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer};
/// use sea_streamer_types::{Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamKey, Streamer};
///
/// let streamer = RedisStreamer::connect("redis://localhost".parse()?, RedisConnectOptions::default()).await?;
/// let mut options = RedisConsumerOptions::new(ConsumerMode::Resumable);
/// options.set_auto_stream_reset(AutoStreamReset::Earliest).set_auto_commit(AutoCommit::Rolling);
/// let consumer = streamer.create_consumer(&[StreamKey::new("orders")?], options).await?;
/// loop {
///     let message = consumer.next().await?;
///     println!("{}", message.message().as_str()?);
///     consumer.ack(&message)?;
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct RedisConsumer {
    streams: Vec<StreamKey>,
    shards: Vec<(StreamKey, ShardId)>,
    assigned: Vec<(StreamKey, ShardId)>,
    group: Option<ConsumerGroup>,
    consumer: Option<ConsumerId>,
    auto_commit: AutoCommit,
    pre_fetch: bool,
    ts_fmt: crate::TimestampFormat,
    shared: Arc<Shared>,
    ctrl: flume::Sender<Ctrl>,
    batches: flume::Receiver<shared::Delivery>,
}

/// Create a consumer: connect, discover shards, set up groups and start the task.
pub(crate) async fn create_consumer(
    uri: StreamerUri,
    conn_options: Arc<RedisConnectOptions>,
    streams: &[StreamKey],
    options: RedisConsumerOptions,
) -> RedisResult<RedisConsumer> {
    if streams.is_empty() {
        return Err(StreamErr::StreamKeyEmpty);
    }
    if *options.shard_ownership() == ShardOwnership::Owned {
        return Err(StreamErr::Unsupported("ShardOwnership::Owned".to_owned()));
    }
    let mode = *options.mode()?;
    let (group, consumer) = match mode {
        ConsumerMode::RealTime => (None, None),
        mode => {
            let group = options
                .consumer_group()
                .cloned()
                .unwrap_or_else(|_| group_id(&mode));
            let consumer = options
                .consumer_id()
                .cloned()
                .unwrap_or_else(|| match mode {
                    ConsumerMode::Resumable => ConsumerId::new(group.name()),
                    _ => consumer_id(),
                });
            (Some(group), Some(consumer))
        }
    };
    let mut reader = RedisCluster::new_for(uri.clone(), conn_options.clone(), Purpose::Blocking)?;
    if !conn_options.enable_cluster() && reader.nodes.len() > 1 {
        return Err(StreamErr::Connect(
            "There are multiple nodes in streamer URI, please enable the cluster option".to_owned(),
        ));
    }
    let mut cmd = RedisCluster::new_for(uri, conn_options.clone(), Purpose::Command)?;
    let limit = conn_options.timeout_or_default();
    let earliest = *options.auto_stream_reset() == AutoStreamReset::Earliest;
    let group_info = group
        .as_ref()
        .zip(consumer.as_ref())
        .map(|(g, c)| GroupInfo {
            group: g.name().to_owned(),
            consumer: c.id().to_owned(),
            noack: *options.auto_commit() == AutoCommit::Immediate,
            mkstream: *options.mkstream(),
            start: if earliest { "0" } else { "$" },
            claim: (mode == ConsumerMode::LoadBalanced)
                .then(|| {
                    options
                        .auto_claim_interval()
                        .map(|i| (*i, *options.auto_claim_idle()))
                })
                .flatten(),
        });
    let setup = async {
        reader.reconnect_all().await?;
        cmd.reconnect_all().await?;
        let mut shards = discover_shards(&mut cmd, streams).await?;
        let mut initial_error = None;
        let mut absent = Vec::new();
        match &group_info {
            None if !earliest => {
                for shard in shards.iter_mut() {
                    shard.last = last_id(&mut cmd, &shard.key).await?;
                }
            }
            None => {}
            Some(g) => {
                for shard in shards.iter() {
                    let created = if g.mkstream {
                        create_group(&mut cmd, &shard.key, &g.group, g.start, true)
                            .await
                            .map(|()| true)
                    } else {
                        create_group_if_exists(&mut cmd, &shard.key, &g.group, g.start).await
                    };
                    match created {
                        Ok(true) => {}
                        // nobody has written to it yet: wait for it
                        Ok(false) => absent.push(shard.key.clone()),
                        Err(e) => {
                            initial_error = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        Ok::<_, StreamErr<RedisErr>>((shards, initial_error, absent))
    };
    let (shards, initial_error, absent) = match sea_streamer_runtime::timeout(limit, setup).await {
        Ok(result) => result?,
        Err(_) => return Err(StreamErr::Connect("Failed to initialize node".to_owned())),
    };

    let shared = Arc::new(Shared::default());
    let (ctrl_tx, ctrl_rx) = flume::unbounded();
    // RealTime reads run a few batches ahead (no acks or claims depend on it); group modes
    // stay one batch ahead so that entries are not taken from other consumers early
    let capacity = if mode == ConsumerMode::RealTime { 3 } else { 0 };
    let (out_tx, out_rx) = flume::bounded(capacity);
    let pairs: Vec<(StreamKey, ShardId)> = shards
        .iter()
        .map(|s| (s.stream_key.clone(), s.shard_id))
        .collect();
    let claim_interval = group_info.as_ref().and_then(|g| g.claim).map(|(i, _)| i);
    let block = match claim_interval {
        Some(i) => HEARTBEAT.min(i.max(std::time::Duration::from_millis(100))),
        None => HEARTBEAT,
    };
    let acker = Acker {
        cmd,
        group: group_info.as_ref().map(|g| g.group.clone()),
        keys: shards
            .iter()
            .map(|s| ((s.stream_key.clone(), s.shard_id), s.key.clone()))
            .collect(),
        policy: *options.auto_commit(),
        delay: *options.auto_commit_delay(),
        interval: *options.auto_commit_interval(),
        last_commit: Instant::now(),
        failures: 0,
        shared: shared.clone(),
    };
    let claims = group_info.as_ref().and_then(|g| {
        let (interval, idle) = g.claim?;
        Some(claim::Claims::new(
            g.group.clone(),
            g.consumer.clone(),
            interval,
            idle,
        ))
    });
    let task = Task {
        reader,
        acker,
        plain: group_info.is_none(),
        group: group_info,
        shards,
        prefetch: options.pre_fetch(),
        batch_size: *options.batch_size(),
        block,
        ts_fmt: conn_options.timestamp_format(),
        field: conn_options.message_field(),
        shared: shared.clone(),
        ctrl: ctrl_rx,
        out: out_tx,
        epoch: 0,
        claims,
        per_key: false,
        ahead: None,
        initial_error,
        fast: None,
        absent: Absent::new(absent),
        pace: Default::default(),
        busy: crate::policy::Backoff::busy(),
    };
    drop(sea_streamer_runtime::spawn_task(task.run()));
    Ok(RedisConsumer {
        streams: streams.to_vec(),
        assigned: pairs.clone(),
        shards: pairs,
        group,
        consumer,
        auto_commit: *options.auto_commit(),
        pre_fetch: options.pre_fetch(),
        ts_fmt: conn_options.timestamp_format(),
        shared,
        ctrl: ctrl_tx,
        batches: out_rx,
    })
}

impl RedisConsumer {
    /// The consumer group (None for RealTime).
    pub fn group_id(&self) -> Option<&ConsumerGroup> {
        self.group.as_ref()
    }

    /// The consumer name within the group (None for RealTime).
    pub fn consumer_id(&self) -> Option<&ConsumerId> {
        self.consumer.as_ref()
    }

    /// Every shard discovered at creation.
    pub fn stream_shards(&self) -> &[(StreamKey, ShardId)] {
        &self.shards
    }

    /// Record that `msg` has been processed; sent as `XACK` per the [`AutoCommit`] policy.
    /// Not allowed with `AutoCommit::Delayed` (which acks by itself).
    pub fn ack(&self, msg: &SharedMessage) -> RedisResult<()> {
        self.ack_id(msg.stream_key(), msg.shard_id(), msg.message_id())
    }

    /// Like [`RedisConsumer::ack`], with a message identifier.
    pub fn ack_with(&self, id: &(StreamKey, ShardId, SeqNo)) -> RedisResult<()> {
        self.ack_id(id.0.clone(), id.1, from_seq_no(id.2))
    }

    fn ack_id(&self, stream_key: StreamKey, shard_id: ShardId, id: MessageId) -> RedisResult<()> {
        if self.auto_commit == AutoCommit::Delayed {
            return Err(delayed_ack_err());
        }
        if self.ctrl.is_disconnected() {
            return Err(StreamErr::Backend(RedisErr::ConsumerDied));
        }
        self.shared.lock().acks.push(PendingAck {
            stream_key,
            shard_id,
            id,
            at: Instant::now(),
        });
        Ok(())
    }

    /// Send every recorded ack now; the future tells whether it worked.
    /// Not allowed when the consumer pre-fetches (RealTime, `Delayed`, `Rolling`).
    pub fn commit(&mut self) -> RedisResult<impl Future<Output = RedisResult<()>> + use<>> {
        if self.pre_fetch {
            return Err(StreamErr::Backend(RedisErr::InvalidClientConfig(
                "Manual commit is not allowed. Please use another AutoCommit option.".to_owned(),
            )));
        }
        let (reply, receiver) = oneshot::channel();
        self.ctrl
            .send(Ctrl::Commit(Some(reply)))
            .map_err(|_| StreamErr::Backend(RedisErr::ConsumerDied))?;
        Ok(async move {
            receiver
                .await
                .unwrap_or(Err(StreamErr::Backend(RedisErr::ConsumerDied)))
        })
    }

    /// Ask for the recorded acks to be sent soon, without waiting.
    pub fn commit_asap(&mut self) -> RedisResult<()> {
        self.ctrl
            .send(Ctrl::Commit(None))
            .map_err(|_| StreamErr::Backend(RedisErr::ConsumerDied))
    }

    /// Send the recorded acks (best effort) and stop the task. Always `Ok`.
    pub async fn end(self) -> RedisResult<()> {
        let (reply, receiver) = oneshot::channel();
        if self.ctrl.send(Ctrl::End(reply)).is_ok() {
            let _ = receiver.await;
        }
        Ok(())
    }

    /// Read the assigned shards with `XREAD` from after `id` on (`MAX_MSG_ID`: only new
    /// entries). Messages already buffered are discarded.
    pub async fn seek_to(&mut self, id: MessageId) -> RedisResult<()> {
        let (reply, receiver) = oneshot::channel();
        self.ctrl
            .send(Ctrl::Seek {
                to: id,
                shards: self.assigned.clone(),
                reply,
            })
            .map_err(|_| StreamErr::Backend(RedisErr::ConsumerDied))?;
        let epoch = receiver
            .await
            .map_err(|_| StreamErr::Backend(RedisErr::ConsumerDied))??;
        let mut inner = self.shared.lock();
        inner.epoch = epoch;
        inner.queue.clear();
        Ok(())
    }
}

impl Consumer for RedisConsumer {
    type Error = RedisErr;
    type Message<'a> = SharedMessage;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = RedisMessageStream<'a>;

    /// Continue with the first entry whose timestamp is later than `to`.
    async fn seek(&mut self, to: Timestamp) -> RedisResult<()> {
        let t = timestamp_part(self.ts_fmt, to);
        self.seek_to((t, u16::MAX)).await
    }

    /// `Beginning`: from the first entry; `End`: only new entries; `At(n)`: entries strictly
    /// after sequence number `n`.
    async fn rewind(&mut self, offset: SeqPos) -> RedisResult<()> {
        let id = match offset {
            SeqPos::Beginning => (0, 0),
            SeqPos::End => MAX_MSG_ID,
            SeqPos::At(n) => from_seq_no(n),
        };
        self.seek_to(id).await
    }

    fn assign(&mut self, (stream, shard): (StreamKey, ShardId)) -> RedisResult<()> {
        if !self.streams.contains(&stream) {
            return Err(StreamErr::StreamKeyNotFound);
        }
        if !self.assigned.contains(&(stream.clone(), shard)) {
            self.assigned.push((stream, shard));
        }
        Ok(())
    }

    fn unassign(&mut self, ss: (StreamKey, ShardId)) -> RedisResult<()> {
        let Some(pos) = self.assigned.iter().position(|a| *a == ss) else {
            return Err(StreamErr::StreamKeyNotFound);
        };
        self.assigned.remove(pos);
        if self.assigned.is_empty() {
            return Err(StreamErr::StreamKeyEmpty);
        }
        Ok(())
    }

    fn next(&self) -> NextFuture<'_> {
        NextFuture::new(self)
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> RedisMessageStream<'a> {
        RedisMessageStream::new(self)
    }
}
