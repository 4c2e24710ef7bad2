//! The consumer: a handle that receives batches from a background task.
//!
//! RealTime consumers read with `XREAD`; Resumable and LoadBalanced ones with `XREADGROUP`
//! in a consumer group, re-reading their own pending list first. See [`RedisConsumerOptions`].

mod absent;
mod acknowledge;
mod acks;
mod claim;
mod commands;
mod discover;
mod entries;
mod fast;
mod fast_read;
mod foreign;
mod future;
mod lag;
mod observe;
mod options;
mod outcome;
mod pace;
mod race;
mod read;
mod reply;
mod reply_buf;
mod resp;
#[cfg(test)]
mod resp_prop;
#[cfg(test)]
mod resp_test;
mod setup;
mod shard;
mod shared;
mod task;
mod xread;

pub use future::{NextFuture, RedisMessageStream, StreamFuture};
pub use options::{
    AutoCommit, AutoStreamReset, ForeignEntries, RedisConsumerOptions, ShardOwnership,
};

use crate::message::{from_seq_no, timestamp_part};
use crate::{MessageId, RedisConnectOptions, RedisErr, RedisMessageId, RedisResult, MAX_MSG_ID};
use acks::{delayed_ack_err, Acker};
use futures::channel::oneshot;
use race::Control;
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerId, ConsumerMode, Message, SeqNo, SeqPos, ShardId,
    SharedMessage, StreamErr, StreamKey, StreamerUri, Timestamp,
};
use setup::Plan;
use shared::{Ctrl, PendingAck, Shared};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;
use task::{Task, TaskConfig};
use tracing::Instrument;

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
    /// Measures [`sea_streamer_types::ConsumerLag::lag`].
    lag_probe: lag::LagProbe,
    /// The consumer's metric handles (shared with the task).
    observe: Arc<observe::Observe>,
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
    let plan = Plan::new(&options)?;
    let connect = observe::span(observe::Step::Connect, streams[0].name());
    let (ready, cmd) = plan
        .prepare(uri.clone(), conn_options.clone(), streams)
        .instrument(connect)
        .await?;

    let shared = Arc::new(Shared::default());
    shared.lock().positions = ready
        .shards
        .iter()
        .map(|s| (s.stream_key.clone(), s.shard_id, s.last))
        .collect();
    let group_label = plan.group.as_ref().map(|g| g.name().to_owned());
    let observe = Arc::new(observe::Observe::new(
        streams,
        group_label.as_deref(),
        options.trace_propagation(),
    ));
    let lag_probe = lag::LagProbe::new(
        uri,
        conn_options.clone(),
        plan.info.as_ref().map(|g| g.group.clone()),
        ready
            .shards
            .iter()
            .map(|s| (s.stream_key.clone(), s.shard_id, s.key.clone()))
            .collect(),
    );
    let (ctrl_tx, ctrl_rx) = flume::unbounded();
    // RealTime reads run a few batches ahead (no acks or claims depend on it); group modes
    // stay one batch ahead so that entries are not taken from other consumers early
    let capacity = if plan.mode == ConsumerMode::RealTime {
        3
    } else {
        0
    };
    let (out_tx, out_rx) = flume::bounded(capacity);
    let pairs: Vec<(StreamKey, ShardId)> = ready
        .shards
        .iter()
        .map(|s| (s.stream_key.clone(), s.shard_id))
        .collect();
    let keys = ready
        .shards
        .iter()
        .map(|s| ((s.stream_key.clone(), s.shard_id), s.key.clone()))
        .collect();
    let group_name = plan.info.as_ref().map(|g| g.group.clone());
    let acker = Acker::new(group_name, keys, &options, shared.clone());
    let config = TaskConfig {
        group: plan.info.clone(),
        prefetch: options.pre_fetch(),
        batch_size: *options.batch_size(),
        block: plan.block(),
        observe: observe.clone(),
        ts_fmt: conn_options.timestamp_format(),
        field: conn_options.message_field(),
        foreign: *options.foreign_entries(),
    };
    let control = Control::new(ctrl_rx, acker, cmd);
    let task = Task::new(config, ready, control, out_tx, shared.clone());
    drop(sea_streamer_runtime::spawn_task(task.run()));
    Ok(RedisConsumer {
        streams: streams.to_vec(),
        assigned: pairs.clone(),
        shards: pairs,
        group: plan.group,
        consumer: plan.consumer,
        auto_commit: *options.auto_commit(),
        pre_fetch: options.pre_fetch(),
        ts_fmt: conn_options.timestamp_format(),
        shared,
        ctrl: ctrl_tx,
        batches: out_rx,
        lag_probe,
        observe,
    })
}

impl<'a> StreamFuture<'a> {
    /// A stream reading from `con`.
    pub fn new(con: &'a RedisConsumer) -> Self {
        Self::from_source(con.source())
    }
}

impl RedisConsumer {
    /// What `next()` reads from.
    fn source(&self) -> future::Source<'_> {
        future::Source {
            shared: &self.shared,
            ctrl: &self.ctrl,
            batches: &self.batches,
            ack_on_take: self.auto_commit == AutoCommit::Delayed && self.group.is_some(),
            pre_fetch: self.pre_fetch,
        }
    }

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
        NextFuture::new(self.source())
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> RedisMessageStream<'a> {
        StreamFuture::new(self)
    }
}
