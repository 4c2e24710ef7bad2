//! The producer's background task: drains the queue in batches and pipelines the `XADD`s.
//!
//! Consecutive writes that go to the same node share one pipeline, in queue order. A lost
//! connection is re-established (back-off 1, 2, 4 … s) and the pipeline is sent again, so a
//! message is either stored (possibly twice, if the connection broke after Redis stored it)
//! or its receipt carries an error: never silently lost. Errors are classified and retried
//! as [`crate::policy`] says.
//!
//! The task records the producer metrics: handles per stream key are registered the first
//! time the key is sent to and shared by its items; each pipeline runs in a
//! `sea_streamer.produce_batch` span.

use super::Sharder;
use crate::cluster::RedisCluster;
use crate::error::map_err;
use crate::message::{id_to_header_parts, parse_id_bytes};
use crate::policy::{Backoff, Classify, Failure, MAX_BUSY_RETRIES};
use crate::{RedisErr, RedisResult, TimestampFormat};
use futures::future::{select, Either, FutureExt};
use futures::stream::{FuturesOrdered, StreamExt};
use redis::{RedisError, Value};
use sea_streamer_types::{
    Headers, MessageHeader, ProducerMetrics, ShardId, StreamErr, StreamKey, Timestamp,
    SEA_STREAMER_INTERNAL,
};
use std::fmt::Write;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Most messages in one pipeline.
const MAX_BATCH: usize = 1024;
/// Start a new pipeline once this many payload bytes are in one.
const MAX_BATCH_BYTES: usize = 1 << 20;
/// Most pipelines sent and not yet answered.
const MAX_IN_FLIGHT: usize = 4;

use super::budget::Reserved;
use super::observe::{batch_span, land, MetricsCache};
use super::queue::{Empty, Queue};
use super::request::{Reply, Request};

/// One `XADD` waiting for its reply.
struct Item {
    stream_key: StreamKey,
    shard: u64,
    /// `{stream}:{shard}` when sharded; the bare key otherwise.
    sharded_key: Option<String>,
    id_time: Option<u64>,
    payload: Vec<u8>,
    /// Fields written after the message field.
    headers: Headers,
    /// When `send` was called (one message in `LATENCY_SAMPLE`).
    sent_at: Option<Instant>,
    /// The metrics of its stream key.
    metrics: Arc<ProducerMetrics>,
    reply: Reply,
    /// Its share of the queue budget, given back when the item is dropped.
    _reserved: Reserved,
}

impl Item {
    /// Give the budget share back, then resolve the receipt: whoever awaits the receipt finds
    /// the budget already released. `landed`: an unsampled item answered without error is
    /// off the in-flight gauge already ([`land`]). Inlined: no copy of the item for the call.
    #[inline]
    fn resolve(self, result: RedisResult<MessageHeader>, landed: bool) {
        let Item {
            reply,
            _reserved,
            metrics,
            sent_at,
            ..
        } = self;
        drop(_reserved);
        match (&result, sent_at) {
            (Ok(_), Some(sent_at)) => metrics.receipt(sent_at.elapsed()),
            (Ok(_), None) if landed => {}
            (Ok(_), None) => metrics.receipts(1),
            (Err(_), sent_at) => metrics.error(!landed || sent_at.is_some()),
        }
        let _ = reply.send(result);
    }

    fn redis_key(&self) -> &str {
        self.sharded_key
            .as_deref()
            .unwrap_or(self.stream_key.name())
    }
}

/// A pipeline sent and not yet answered: its items, node and reply.
type Done = (
    Vec<Item>,
    crate::NodeId,
    Result<Vec<redis::RedisResult<Value>>, RedisError>,
);
type InFlight = Pin<Box<dyn Future<Output = Done> + Send>>;

struct Task {
    cluster: RedisCluster,
    sharder: Option<Box<dyn Sharder>>,
    field: &'static str,
    ts_fmt: TimestampFormat,
    id_buf: String,
    /// Pipelines sent and not yet answered, oldest first.
    inflight: FuturesOrdered<InFlight>,
    /// Set when a non-recoverable error means the task must stop.
    fatal: bool,
    /// Messages sent again after their pipeline's reply was lost (shared with the handles).
    resent: Arc<AtomicU64>,
    /// Metric handles per stream key.
    metrics: MetricsCache,
}

/// Run until every producer handle is dropped and the queue is empty.
pub(crate) async fn run(
    cluster: RedisCluster,
    receiver: Arc<Queue>,
    sharder: Option<Box<dyn Sharder>>,
    field: &'static str,
    ts_fmt: TimestampFormat,
    resent: Arc<AtomicU64>,
) {
    let mut task = Task {
        cluster,
        sharder,
        field,
        ts_fmt,
        id_buf: String::new(),
        inflight: FuturesOrdered::new(),
        fatal: false,
        resent,
        metrics: MetricsCache::default(),
    };
    let mut items: Vec<Item> = Vec::new();
    let mut bytes = 0;
    loop {
        let request = if task.inflight.is_empty() && items.is_empty() {
            match receiver.recv().await {
                Some(r) => r,
                None => break,
            }
        } else {
            match receiver.try_recv() {
                Ok(r) => r,
                Err(Empty::ForGood) => {
                    task.dispatch(std::mem::take(&mut items)).await;
                    task.drain().await;
                    break;
                }
                Err(Empty::Now) => {
                    if !items.is_empty() {
                        // the queue is empty: send what has been collected
                        bytes = 0;
                        task.dispatch(std::mem::take(&mut items)).await;
                        continue;
                    }
                    // wait for a reply or a new request, whichever comes first
                    match select(task.inflight.next(), std::pin::pin!(receiver.recv())).await {
                        Either::Left((done, _)) => {
                            if let Some(done) = done {
                                task.complete(done).await;
                            }
                            continue;
                        }
                        Either::Right((Some(r), rest)) => {
                            drop(rest);
                            r
                        }
                        Either::Right((None, rest)) => {
                            drop(rest);
                            task.drain().await;
                            break;
                        }
                    }
                }
            }
        };
        match request {
            Request::Send {
                stream_key,
                id_time,
                payload,
                headers,
                sent_at,
                reply,
                reserved,
            } => {
                let item = Item {
                    sent_at,
                    ..task.item(stream_key, id_time, payload, headers, reply, reserved)
                };
                item.metrics.sent(item.payload.len());
                let same_node = items.last().is_none_or(|last| {
                    task.cluster.node_for(last.redis_key())
                        == task.cluster.node_for(item.redis_key())
                });
                if !same_node || items.len() >= MAX_BATCH || bytes >= MAX_BATCH_BYTES {
                    bytes = 0;
                    task.dispatch(std::mem::take(&mut items)).await;
                }
                bytes += item.payload.len();
                items.push(item);
            }
            Request::Flush { reply } => {
                task.dispatch(std::mem::take(&mut items)).await;
                task.drain().await;
                let _ = reply.send(Ok(internal_header(0)));
            }
            Request::Trim {
                stream_key,
                maxlen,
                reply,
            } => {
                task.dispatch(std::mem::take(&mut items)).await;
                task.drain().await;
                let _ = reply.send(task.trim(&stream_key, maxlen).await);
            }
            Request::TrimSignal {
                stream_key,
                maxlen,
                reply,
            } => {
                task.dispatch(std::mem::take(&mut items)).await;
                task.drain().await;
                let result = task.trim(&stream_key, maxlen).await;
                let _ = reply.send(result.map(|n| internal_header(n as _)));
            }
        }
        bytes = bytes.min(MAX_BATCH_BYTES);
        if task.fatal {
            break;
        }
    }
    task.dispatch(items).await;
    task.drain().await;
    // queued receipts report ProducerDied; later sends fail
    receiver.close();
    log::debug!("Producer task ended");
}

fn internal_header(sequence: sea_streamer_types::SeqNo) -> MessageHeader {
    MessageHeader::new(
        StreamKey::new(SEA_STREAMER_INTERNAL).expect("valid key"),
        ShardId::new(0),
        sequence,
        Timestamp::now_utc(),
    )
}

impl Task {
    #[inline]
    fn item(
        &mut self,
        stream_key: StreamKey,
        id_time: Option<u64>,
        payload: Vec<u8>,
        headers: Headers,
        reply: Reply,
        reserved: Reserved,
    ) -> Item {
        let metrics = self.metrics.get(&stream_key);
        let (shard, sharded_key) = match &mut self.sharder {
            Some(sharder) => {
                let shard = sharder.shard(&stream_key, &payload);
                (shard, Some(format!("{}:{shard}", stream_key.name())))
            }
            None => (0, None),
        };
        Item {
            stream_key,
            shard,
            sharded_key,
            id_time,
            payload,
            headers,
            // set by the caller from the request
            sent_at: None,
            metrics,
            reply,
            _reserved: reserved,
        }
    }

    /// Send `items` as one pipeline without waiting for the reply (at most `MAX_IN_FLIGHT`
    /// pipelines are outstanding; replies are handled in order).
    async fn dispatch(&mut self, mut items: Vec<Item>) {
        if items.is_empty() {
            return;
        }
        if self.fatal {
            fail_all(&mut items, StreamErr::Backend(RedisErr::ProducerDied));
            return;
        }
        while self.inflight.len() >= MAX_IN_FLIGHT {
            if let Some(done) = self.inflight.next().await {
                self.complete(done).await;
            }
        }
        let node = self.cluster.node_for(items[0].redis_key()).clone();
        let mut conn = match self.cluster.get(&node).await {
            Ok(conn) => conn.clone(),
            Err(_) => {
                // not connected: keep the order, then take the slow path with retries
                self.drain().await;
                self.execute(&mut items).await;
                return;
            }
        };
        let pipe = self.pipeline(&items);
        let span = batch_span(items[0].redis_key(), items.len());
        self.inflight.push_back(Box::pin(
            async move {
                let result = pipe
                    .query_async::<Vec<redis::RedisResult<Value>>>(&mut conn)
                    .await;
                (items, node, result)
            }
            .instrument(span),
        ));
        // poll once so that the pipeline is written now, not when a reply is awaited
        if let Some(Some(done)) = self.inflight.next().now_or_never() {
            self.complete(done).await;
        }
    }

    /// Wait for every outstanding pipeline.
    async fn drain(&mut self) {
        while let Some(done) = self.inflight.next().await {
            self.complete(done).await;
        }
    }

    /// Resolve the receipts of an answered pipeline; what failed for a retryable reason goes
    /// through [`Task::execute`] (reconnect, back-off, redirection).
    ///
    /// Before retrying, the answers of every later pipeline are taken too (they were sent with
    /// the same stale view of the cluster, so their writes to a moved key fail the same way):
    /// otherwise a later pipeline sent to the new node could store its writes before the
    /// retried ones, and a key's entries would be out of send order.
    async fn complete(&mut self, done: Done) {
        let mut again = Vec::new();
        self.settle(done, &mut again);
        if again.is_empty() {
            return;
        }
        while let Some(done) = self.inflight.next().await {
            self.settle(done, &mut again);
        }
        self.execute(&mut again).await;
    }

    /// Send the receipts of an answered pipeline; move what is to be retried to `again`.
    fn settle(&mut self, (mut items, node, result): Done, again: &mut Vec<Item>) {
        match result {
            Ok(values) => {
                land(answered(&items, &values));
                for (item, value) in items.drain(..).zip(values) {
                    match value {
                        Ok(value) => {
                            let receipt = self.receipt(&item, value);
                            item.resolve(receipt, true);
                        }
                        Err(err) if err.failure().is_transient() => again.push(item),
                        Err(err) => {
                            item.resolve(Err(map_err(err)), false);
                        }
                    }
                }
                fail_all(
                    &mut items,
                    StreamErr::Backend(RedisErr::ResponseError("Missing XADD reply".into())),
                );
            }
            Err(err) if err.failure() == Failure::Connection => {
                log::warn!("Producer lost its connection to {node}: {err}");
                self.resending(&node, items.len());
                self.cluster.reconnect(&node).ok();
                again.append(&mut items);
            }
            Err(err) => fail_all(&mut items, map_err(err)),
        }
    }

    /// One pipeline of `XADD`s.
    fn pipeline(&mut self, items: &[Item]) -> redis::Pipeline {
        let mut pipe = redis::Pipeline::with_capacity(items.len());
        pipe.ignore_errors();
        for item in items.iter() {
            let id = match item.id_time {
                None => "*",
                Some(t) => {
                    self.id_buf.clear();
                    let _ = write!(self.id_buf, "{t}-*");
                    self.id_buf.as_str()
                }
            };
            pipe.cmd("XADD")
                .arg(item.redis_key())
                .arg(id)
                .arg(self.field)
                .arg(item.payload.as_slice());
            for (name, value) in item.headers.iter() {
                pipe.arg(name).arg(value);
            }
        }
        pipe
    }

    /// Send `items` as pipelines until each has a reply; leaves `items` empty.
    async fn execute(&mut self, items: &mut Vec<Item>) {
        let mut retries = 0;
        let mut busy = Backoff::busy();
        let mut reconnecting = false;
        while !items.is_empty() {
            if self.fatal {
                fail_all(items, StreamErr::Backend(RedisErr::ProducerDied));
                return;
            }
            let node = self.cluster.node_for(items[0].redis_key()).clone();
            let pipe = self.pipeline(items);
            let mut sent = false;
            let span = if reconnecting {
                tracing::info_span!("sea_streamer.reconnect", backend = "redis", role = "producer", node = %node)
            } else {
                batch_span(items[0].redis_key(), items.len())
            };
            let connected = self.cluster.get(&node).instrument(span.clone()).await;
            let result = match connected {
                Ok(conn) => {
                    sent = true;
                    pipe.query_async::<Vec<redis::RedisResult<Value>>>(conn)
                        .instrument(span)
                        .await
                        .map_err(|e| (e.failure() == Failure::Connection, map_err(e)))
                }
                Err(e) => Err((e.failure().is_transient(), e)),
            };
            drop(pipe);
            match result {
                Ok(values) => {
                    reconnecting = false;
                    let mut again = Vec::new();
                    let mut pause = false;
                    land(answered(items, &values));
                    for (item, value) in items.drain(..).zip(values) {
                        match value {
                            Ok(value) => {
                                let receipt = self.receipt(&item, value);
                                item.resolve(receipt, true);
                            }
                            Err(err) => match err.failure() {
                                failure if failure.is_transient() && retries < MAX_BUSY_RETRIES => {
                                    if let Failure::Moved(addr) = failure {
                                        self.cluster.redirect([item.redis_key()], &addr);
                                    } else {
                                        pause = true;
                                    }
                                    again.push(item);
                                }
                                _ => {
                                    item.resolve(Err(map_err(err)), false);
                                }
                            },
                        }
                    }
                    // a short reply (should not happen) leaves items without a value
                    fail_all(
                        items,
                        StreamErr::Backend(RedisErr::ResponseError("Missing XADD reply".into())),
                    );
                    *items = again;
                    if !items.is_empty() {
                        retries += 1;
                        if pause {
                            let delay = busy.next_delay().unwrap_or(Duration::from_secs(1));
                            sea_streamer_runtime::sleep(delay).await;
                        }
                    }
                }
                Err((true, err)) => {
                    // connection lost or being re-established: retry the whole pipeline
                    reconnecting = true;
                    log::warn!("Producer lost its connection to {node}: {err}");
                    self.cluster.reconnect(&node).ok();
                    if sent && !self.cluster.is_dead(&node) {
                        self.resending(&node, items.len());
                    }
                    if self.cluster.is_dead(&node) {
                        log::error!("Giving up on {node}; failing {} messages", items.len());
                        self.cluster.conn.remove(&node);
                        fail_all(items, err);
                    }
                }
                Err((false, err)) => {
                    if matches!(err, StreamErr::Backend(RedisErr::AuthenticationFailed(_))) {
                        self.fatal = true;
                    }
                    fail_all(items, err);
                }
            }
        }
    }

    /// `n` messages were written to `node` and their replies lost (response timeout, broken
    /// connection): they will be sent again, and Redis may already have stored them.
    fn resending(&self, node: &crate::NodeId, n: usize) {
        let total = self.resent.fetch_add(n as u64, Ordering::AcqRel) + n as u64;
        log::warn!(
            "Re-sending {n} messages to {node} whose replies were lost: any of them Redis had already stored will be stored twice ({total} re-sent by this producer)"
        );
    }

    fn receipt(&self, item: &Item, value: Value) -> RedisResult<MessageHeader> {
        let id = match &value {
            Value::BulkString(bytes) => bytes.as_slice(),
            Value::SimpleString(s) => s.as_bytes(),
            other => {
                return Err(StreamErr::Backend(RedisErr::TypeError(format!(
                    "XADD returned {other:?}"
                ))))
            }
        };
        let (t, s) = parse_id_bytes(id).ok_or_else(|| {
            StreamErr::Backend(RedisErr::MessageId(
                String::from_utf8_lossy(id).into_owned(),
            ))
        })?;
        let (timestamp, sequence) = id_to_header_parts(self.ts_fmt, t, s)?;
        Ok(MessageHeader::new(
            item.stream_key.clone(),
            ShardId::new(item.shard),
            sequence,
            timestamp,
        ))
    }

    async fn trim(&mut self, stream_key: &StreamKey, maxlen: u32) -> RedisResult<u64> {
        let key = stream_key.name();
        let mut cmd = redis::cmd("XTRIM");
        cmd.arg(key).arg("MAXLEN").arg("~").arg(maxlen);
        let mut attempts = 0;
        let mut busy = Backoff::busy();
        loop {
            // follows MOVED: this producer may never have written to the key
            let result = match self.cluster.query_key::<u64>(key, &cmd).await {
                Ok(reply) => reply.map_err(map_err),
                Err(e) => Err(e),
            };
            let node = self.cluster.node_for(key).clone();
            match result {
                Err(e) if e.failure().is_transient() && attempts < MAX_BUSY_RETRIES => {
                    attempts += 1;
                    if e.failure() == Failure::Connection {
                        self.cluster.reconnect(&node).ok();
                    } else {
                        // busy, or reconnecting (the connection waits out its own back-off)
                        let delay = busy.next_delay().unwrap_or(Duration::from_secs(1));
                        sea_streamer_runtime::sleep(delay).await;
                    }
                    if self.cluster.is_dead(&node) {
                        self.cluster.conn.remove(&node);
                        return Err(e);
                    }
                }
                other => return other,
            }
        }
    }
}

/// The handles of the unsampled items answered without error, to be [`land`]ed.
fn answered<'a>(
    items: &'a [Item],
    values: &'a [redis::RedisResult<Value>],
) -> impl Iterator<Item = &'a ProducerMetrics> {
    let zipped = items.iter().zip(values);
    zipped
        .filter(|(i, v)| v.is_ok() && i.sent_at.is_none())
        .map(|(i, _)| &*i.metrics)
}

fn fail_all(items: &mut Vec<Item>, err: StreamErr<RedisErr>) {
    for item in items.drain(..) {
        item.resolve(Err(clone_err(&err)), false);
    }
}

/// `StreamErr` is not `Clone`; copy the variants this task produces.
pub(crate) fn clone_err(err: &StreamErr<RedisErr>) -> StreamErr<RedisErr> {
    match err {
        StreamErr::Backend(e) => StreamErr::Backend(e.clone()),
        StreamErr::Connect(s) => StreamErr::Connect(s.clone()),
        other => StreamErr::Backend(RedisErr::Unknown(other.to_string())),
    }
}
