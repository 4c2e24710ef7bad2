//! [`NatsProducer`]: publishes to JetStream in call order, straight from `send` when it can.
//!
//! `send` publishes through the client at once (the client is internally queued) when the
//! key's stream is known and nothing sent before is still waiting; otherwise (a key seen the
//! first time, the client's queue or the acks in flight full) the message joins the
//! producer's backlog, published in order by the producer's task, and later sends queue
//! behind it until the backlog is empty. A second task awaits the acknowledgements in publish
//! order and resolves the receipts.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use async_nats::jetstream::context::{PublishAckFuture, PublishError};
use async_nats::Subject;
use futures::future::BoxFuture;
use futures::FutureExt;
use sea_streamer_runtime::spawn_task;
use sea_streamer_types::{
    Buffer, MessageHeader, Producer, Receipt, SeqNo, ShardId, StreamErr, StreamKey, Timestamp,
};
use tokio::sync::oneshot;

use crate::error::backend;
use crate::jetstream::{shard_subject, Shared};
use crate::{NatsErr, NatsProducerOptions, NatsResult};

type Publishing = BoxFuture<'static, Result<PublishAckFuture, PublishError>>;

/// What the producer's task publishes, in order.
enum Command {
    Send {
        key: StreamKey,
        shard: Option<u64>,
        /// The publish already started by `send` (waiting for room), or the payload.
        publish: Result<Publishing, Vec<u8>>,
        reply: oneshot::Sender<NatsResult<Receipt>>,
    },
    Flush(oneshot::Sender<NatsResult<()>>),
}

/// What the acknowledgement waiter resolves, in publish order.
enum Pending {
    Ack {
        ack: PublishAckFuture,
        key: StreamKey,
        shard: Option<u64>,
        reply: oneshot::Sender<NatsResult<Receipt>>,
    },
    Flush(oneshot::Sender<NatsResult<()>>),
}

struct State {
    /// Keys whose stream holds their subject (`true`: the shard subjects `key.*`).
    known: HashSet<(StreamKey, bool)>,
    /// The key of the last direct publish (checked first: no hashing in a run of one key).
    last: Option<(StreamKey, bool)>,
    /// The subject of the last unsharded direct publish (cloned, not built, for the next).
    subject: Option<(StreamKey, Subject)>,
    /// Commands handed to the task and not yet published.
    backlog: usize,
}

struct Inner {
    shared: Shared,
    options: NatsProducerOptions,
    state: Arc<Mutex<State>>,
    commands: flume::Sender<Command>,
    acks: flume::Sender<Pending>,
    /// The next shard of round-robin sends.
    turn: AtomicU64,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    /// Whether `key`'s stream is known to hold its subject (or shard subjects).
    fn knows(&mut self, key: &StreamKey, sharded: bool) -> bool {
        if let Some((last, s)) = &self.last {
            if *s == sharded && last == key {
                return true;
            }
        }
        let pair = (key.clone(), sharded);
        if self.known.contains(&pair) {
            self.last = Some(pair);
            return true;
        }
        false
    }

    /// `key`'s own subject, from the cache when it was the last.
    fn subject(&mut self, key: &StreamKey) -> Subject {
        match &self.subject {
            Some((last, subject)) if last == key => subject.clone(),
            _ => {
                let subject = Subject::from(key.name());
                self.subject = Some((key.clone(), subject.clone()));
                subject
            }
        }
    }
}

/// Publishes messages to JetStream subjects: a stream key's subject, or with shards
/// ([`NatsProducerOptions::set_shards`], [`NatsProducer::send_to_shard`]) `key.<shard>`.
///
/// Each message is handed over at once, in the order of the `send` calls, whether or not the
/// returned [`SendFuture`] is awaited; the future resolves to the receipt once the server
/// has stored the message. `flush` (and `end`) wait until every message sent before it is
/// stored.
#[derive(Clone)]
pub struct NatsProducer {
    inner: Arc<Inner>,
    anchor: Option<StreamKey>,
}

impl std::fmt::Debug for NatsProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsProducer")
            .field("anchor", &self.anchor)
            .field("options", &self.inner.options)
            .finish()
    }
}

/// The receipt of one message: its stream sequence, its shard and the time the server's
/// acknowledgement arrived.
pub struct SendFuture {
    receiver: oneshot::Receiver<NatsResult<Receipt>>,
}

impl std::fmt::Debug for SendFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendFuture")
    }
}

impl Future for SendFuture {
    type Output = NatsResult<Receipt>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.receiver).poll(cx) {
            Poll::Ready(Ok(result)) => Poll::Ready(result),
            Poll::Ready(Err(_)) => Poll::Ready(Err(backend(NatsErr::ProducerEnded))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl NatsProducer {
    pub(crate) fn new(shared: Shared, options: NatsProducerOptions) -> Self {
        let (commands, receiver) = flume::unbounded();
        let (acks, pending) = flume::unbounded();
        let state = Arc::new(Mutex::new(State {
            known: HashSet::new(),
            last: None,
            subject: None,
            backlog: 0,
        }));
        spawn_task(wait_for_acks(shared.clone(), pending));
        spawn_task(run(shared.clone(), state.clone(), acks.clone(), receiver));
        let inner = Arc::new(Inner {
            shared,
            options,
            state,
            commands,
            acks,
            turn: AtomicU64::new(0),
        });
        Self {
            inner,
            anchor: None,
        }
    }

    /// Makes sure `stream`'s JetStream stream holds its subject (or its shard subjects), so
    /// the first send to it can publish at once; a failure is left for that send to report.
    pub(crate) async fn prepare(&self, stream: &StreamKey) {
        let sharded = self.inner.options.shards().is_some();
        if self
            .inner
            .shared
            .ensure_subject(stream, sharded)
            .await
            .is_ok()
        {
            self.inner.lock().known.insert((stream.clone(), sharded));
        }
    }

    /// Sends to shard `shard` of `stream`: the subject `stream.<shard>` (whatever the
    /// producer's shard count).
    pub fn send_to_shard<S: Buffer>(
        &self,
        stream: &StreamKey,
        shard: ShardId,
        payload: S,
    ) -> NatsResult<SendFuture> {
        self.publish(stream, Some(shard.id()), payload.into_bytes())
    }

    /// Sends to the shard of `stream` that `key` maps to (a stable hash of `key` modulo the
    /// shard count), so messages with one key keep their order; without shards, to the
    /// stream's one subject.
    pub fn send_with_key<S: Buffer>(
        &self,
        stream: &StreamKey,
        key: &[u8],
        payload: S,
    ) -> NatsResult<SendFuture> {
        let shard = self.inner.options.shards().map(|n| shard_of_key(key, n));
        self.publish(stream, shard, payload.into_bytes())
    }

    fn publish(
        &self,
        key: &StreamKey,
        shard: Option<u64>,
        payload: Vec<u8>,
    ) -> NatsResult<SendFuture> {
        let (reply, receiver) = oneshot::channel();
        let inner = &self.inner;
        let mut state = inner.lock();
        let sharded = shard.is_some();
        // Outside a tokio runtime (a send from a plain thread) the publish cannot be polled
        // here (its timeout needs the runtime): the task publishes it.
        let direct = tokio::runtime::Handle::try_current().is_ok();
        let publish = if direct && state.backlog == 0 && state.knows(key, sharded) {
            let subject = match shard {
                Some(shard) => Subject::from(shard_subject(key, shard)),
                None => state.subject(key),
            };
            let owner = inner.clone();
            let mut publishing: Publishing =
                Box::pin(
                    async move { owner.shared.context.publish(subject, payload.into()).await },
                );
            // One poll outside the coop budget: it completes when the client's queue and
            // the acks in flight have room (the usual case), else the task goes on with it.
            match tokio::task::coop::unconstrained(&mut publishing).now_or_never() {
                Some(Ok(ack)) => {
                    let _ = inner.acks.send(Pending::Ack {
                        ack,
                        key: key.clone(),
                        shard,
                        reply,
                    });
                    return Ok(SendFuture { receiver });
                }
                Some(Err(e)) => {
                    let _ = reply.send(Err(publish_err(&inner.shared, key, shard, e)));
                    return Ok(SendFuture { receiver });
                }
                None => Ok(publishing),
            }
        } else {
            Err(payload)
        };
        state.backlog += 1;
        inner
            .commands
            .send(Command::Send {
                key: key.clone(),
                shard,
                publish,
                reply,
            })
            .map_err(|_| backend(NatsErr::ProducerEnded))?;
        Ok(SendFuture { receiver })
    }
}

/// The shard of a message key: FNV-1a (64 bit) of the key, modulo `shards`.
pub(crate) fn shard_of_key(key: &[u8], shards: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % shards.max(1)
}

fn publish_err(
    shared: &Shared,
    key: &StreamKey,
    shard: Option<u64>,
    cause: impl ToString,
) -> StreamErr<NatsErr> {
    let subject = match shard {
        Some(shard) => shard_subject(key, shard),
        None => key.name().to_owned(),
    };
    backend(NatsErr::Publish {
        subject,
        server: shared.server.clone(),
        cause: cause.to_string(),
    })
}

/// The producer's task: publishes the backlog in order, making sure each key's stream holds
/// its subject first (once); ends once every producer handle is gone and the backlog is
/// published.
async fn run(
    shared: Shared,
    state: Arc<Mutex<State>>,
    acks: flume::Sender<Pending>,
    receiver: flume::Receiver<Command>,
) {
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    while let Ok(command) = receiver.recv_async().await {
        match command {
            Command::Send {
                key,
                shard,
                publish,
                reply,
            } => {
                let sharded = shard.is_some();
                let published: NatsResult<PublishAckFuture> = async {
                    let published = match publish {
                        Ok(publishing) => publishing.await,
                        Err(payload) => {
                            let known = lock().knows(&key, sharded);
                            if !known {
                                shared.ensure_subject(&key, sharded).await?;
                                lock().known.insert((key.clone(), sharded));
                            }
                            let subject = match shard {
                                Some(shard) => Subject::from(shard_subject(&key, shard)),
                                None => lock().subject(&key),
                            };
                            shared.context.publish(subject, payload.into()).await
                        }
                    };
                    published.map_err(|e| publish_err(&shared, &key, shard, e))
                }
                .await;
                let mut state = lock();
                match published {
                    Ok(ack) => {
                        let _ = acks.send(Pending::Ack {
                            ack,
                            key,
                            shard,
                            reply,
                        });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
                state.backlog -= 1;
            }
            Command::Flush(reply) => {
                let mut state = lock();
                let _ = acks.send(Pending::Flush(reply));
                state.backlog -= 1;
            }
        }
    }
}

/// Resolves receipts in publish order; a flush answers once every ack before it is in.
async fn wait_for_acks(shared: Shared, acks: flume::Receiver<Pending>) {
    while let Ok(pending) = acks.recv_async().await {
        match pending {
            Pending::Ack {
                ack,
                key,
                shard,
                reply,
            } => {
                let stored = ack.await;
                if reply.is_closed() {
                    // The receipt was dropped: nobody to tell (a failure is logged).
                    if let Err(e) = stored {
                        log::warn!("{}", publish_err(&shared, &key, shard, e));
                    }
                    continue;
                }
                let receipt = match stored {
                    Ok(ack) => Ok(MessageHeader::new(
                        key,
                        ShardId::new(shard.unwrap_or(0)),
                        ack.sequence as SeqNo,
                        Timestamp::now_utc(),
                    )),
                    Err(e) => Err(publish_err(&shared, &key, shard, e)),
                };
                let _ = reply.send(receipt);
            }
            Pending::Flush(reply) => {
                let flushed = shared.client.flush().await.map_err(|e| {
                    backend(NatsErr::Publish {
                        subject: "(flush)".into(),
                        server: shared.server.clone(),
                        cause: e.to_string(),
                    })
                });
                let _ = reply.send(flushed);
            }
        }
    }
}

impl Producer for NatsProducer {
    type Error = NatsErr;
    type SendFuture = SendFuture;

    /// Sends to the stream's subject; with shards ([`NatsProducerOptions::set_shards`]), to
    /// the next shard in turn (round robin over the producer and its clones).
    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> NatsResult<SendFuture> {
        let shard = self
            .inner
            .options
            .shards()
            .map(|n| self.inner.turn.fetch_add(1, Ordering::Relaxed) % n);
        self.publish(stream, shard, payload.into_bytes())
    }

    /// Waits until everything sent is stored, then drops this handle (the tasks end with
    /// the last clone).
    async fn end(mut self) -> NatsResult<()> {
        self.flush().await
    }

    async fn flush(&mut self) -> NatsResult<()> {
        let (reply, receiver) = oneshot::channel();
        {
            let inner = &self.inner;
            let mut state = inner.lock();
            if state.backlog == 0 {
                inner
                    .acks
                    .send(Pending::Flush(reply))
                    .map_err(|_| backend(NatsErr::ProducerEnded))?;
            } else {
                state.backlog += 1;
                inner
                    .commands
                    .send(Command::Flush(reply))
                    .map_err(|_| backend(NatsErr::ProducerEnded))?;
            }
        }
        receiver
            .await
            .map_err(|_| backend(NatsErr::ProducerEnded))?
    }

    fn anchor(&mut self, stream: StreamKey) -> NatsResult<()> {
        if self.anchor.is_some() {
            return Err(StreamErr::AlreadyAnchored);
        }
        self.anchor = Some(stream);
        Ok(())
    }

    fn anchored(&self) -> NatsResult<&StreamKey> {
        self.anchor.as_ref().ok_or(StreamErr::NotAnchored)
    }
}

#[cfg(test)]
mod tests {
    use super::shard_of_key;

    #[test]
    fn keys_map_to_stable_shards() {
        assert_eq!(shard_of_key(b"a", 4), shard_of_key(b"a", 4));
        assert!((0..100u32).all(|i| shard_of_key(&i.to_be_bytes(), 3) < 3));
        assert_eq!(shard_of_key(b"anything", 1), 0);
        assert_eq!(shard_of_key(b"anything", 0), 0);
    }
}
