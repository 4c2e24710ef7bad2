//! [`NatsProducer`]: publishes to JetStream, in order, from one task per producer.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::channel::oneshot;
use sea_streamer_runtime::spawn_task;
use sea_streamer_types::{
    Buffer, MessageHeader, Producer, Receipt, SeqNo, ShardId, StreamErr, StreamKey, Timestamp,
};

use crate::error::backend;
use crate::jetstream::Shared;
use crate::{NatsErr, NatsResult};

enum Command {
    Send {
        key: StreamKey,
        payload: Vec<u8>,
        reply: oneshot::Sender<NatsResult<Receipt>>,
    },
    Flush(oneshot::Sender<NatsResult<()>>),
}

/// Publishes messages to JetStream subjects (= stream keys).
///
/// Each message is handed to the producer's task at once, in the order of the `send` calls,
/// whether or not the returned [`SendFuture`] is awaited; the future resolves to the receipt
/// once the server has stored the message. `flush` (and `end`) wait until every message
/// sent before it is stored.
#[derive(Clone)]
pub struct NatsProducer {
    sender: flume::Sender<Command>,
    anchor: Option<StreamKey>,
}

impl std::fmt::Debug for NatsProducer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsProducer")
            .field("anchor", &self.anchor)
            .finish()
    }
}

/// The receipt of one message: its stream sequence, shard 0 and the time the server's
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
    pub(crate) fn new(shared: Shared) -> Self {
        let (sender, receiver) = flume::unbounded();
        spawn_task(run(shared, receiver));
        Self {
            sender,
            anchor: None,
        }
    }

    fn command(&self, command: Command) -> NatsResult<()> {
        self.sender
            .send(command)
            .map_err(|_| backend(NatsErr::ProducerEnded))
    }
}

/// What the publishing loop hands to the acknowledgement waiter, in publish order.
enum Pending {
    Ack {
        ack: async_nats::jetstream::context::PublishAckFuture,
        key: StreamKey,
        reply: oneshot::Sender<NatsResult<Receipt>>,
    },
    Flush(oneshot::Sender<NatsResult<()>>),
}

/// The producer's task: makes sure each key's stream exists (once) and publishes in order;
/// a second task awaits the acknowledgements in the same order, beside the publishing (the
/// JetStream context bounds the acks in flight).
async fn run(shared: Shared, receiver: flume::Receiver<Command>) {
    let (pending, acks) = flume::unbounded::<Pending>();
    spawn_task(wait_for_acks(shared.clone(), acks));
    let mut known: HashSet<StreamKey> = HashSet::new();
    while let Ok(command) = receiver.recv_async().await {
        match command {
            Command::Send {
                key,
                payload,
                reply,
            } => {
                if !known.contains(&key) {
                    if let Err(e) = shared.ensure_stream(&key).await {
                        let _ = reply.send(Err(e));
                        continue;
                    }
                    known.insert(key.clone());
                }
                let published = shared
                    .context
                    .publish(key.name().to_owned(), payload.into())
                    .await;
                match published {
                    Ok(ack) => {
                        let _ = pending.send(Pending::Ack { ack, key, reply });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(publish_err(&shared, key.name(), e)));
                    }
                }
            }
            Command::Flush(reply) => {
                let _ = pending.send(Pending::Flush(reply));
            }
        }
    }
}

fn publish_err(shared: &Shared, subject: &str, cause: impl ToString) -> StreamErr<NatsErr> {
    backend(NatsErr::Publish {
        subject: subject.to_owned(),
        server: shared.server.clone(),
        cause: cause.to_string(),
    })
}

/// Resolves receipts in publish order; a flush answers once every ack before it is in.
async fn wait_for_acks(shared: Shared, acks: flume::Receiver<Pending>) {
    while let Ok(pending) = acks.recv_async().await {
        match pending {
            Pending::Ack { ack, key, reply } => {
                let receipt = match ack.await {
                    Ok(ack) => Ok(MessageHeader::new(
                        key,
                        ShardId::new(0),
                        ack.sequence as SeqNo,
                        Timestamp::now_utc(),
                    )),
                    Err(e) => Err(publish_err(&shared, key.name(), e)),
                };
                let _ = reply.send(receipt);
            }
            Pending::Flush(reply) => {
                let flushed = shared
                    .client
                    .flush()
                    .await
                    .map_err(|e| publish_err(&shared, "(flush)", e));
                let _ = reply.send(flushed);
            }
        }
    }
}

impl Producer for NatsProducer {
    type Error = NatsErr;
    type SendFuture = SendFuture;

    fn send_to<S: Buffer>(&self, stream: &StreamKey, payload: S) -> NatsResult<SendFuture> {
        let (reply, receiver) = oneshot::channel();
        self.command(Command::Send {
            key: stream.clone(),
            payload: payload.into_bytes(),
            reply,
        })?;
        Ok(SendFuture { receiver })
    }

    /// Waits until everything sent is stored, then drops this handle (the task ends with
    /// the last clone).
    async fn end(mut self) -> NatsResult<()> {
        self.flush().await
    }

    async fn flush(&mut self) -> NatsResult<()> {
        let (reply, receiver) = oneshot::channel();
        self.command(Command::Flush(reply))?;
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
