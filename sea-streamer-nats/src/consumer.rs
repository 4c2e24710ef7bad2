//! [`NatsConsumer`]: reads the stream keys through JetStream consumers, one per key, merged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use futures::lock::{Mutex, MutexGuard, MutexLockFuture};
use futures::stream::{BoxStream, SelectAll};
use futures::{FutureExt, Stream, StreamExt};
use sea_streamer_types::{
    Acknowledge, Consumer, ConsumerMode, ConsumerOptions as _, MessageHeader, SeqNo, SeqPos,
    ShardId, SharedMessage, StreamErr, StreamKey, Timestamp,
};

use crate::ack::Acker;
use crate::error::backend;
use crate::jetstream::{encode_name, shard_of_subject, shards_wildcard, ReplyReader, Shared};
use crate::{AutoStreamReset, NatsConsumerOptions, NatsErr, NatsResult};

/// A message read from NATS: its header holds the stream key, the shard (`n` for a message
/// published to `key.<n>`, 0 for the key's own subject), the stream sequence and the
/// server's timestamp.
///
/// The payload is the client's own `Bytes` (`SharedMessage::from_bytes`), a slice of the
/// connection's read buffer, which stays allocated (up to 64 KiB) while any message read
/// from it is kept; to keep a message long, copy its payload (`message().as_bytes().to_vec()`).
pub type NatsMessage = SharedMessage;

/// The messages of every key: one key's JetStream consumer, or several merged.
enum Messages {
    One(KeyMessages),
    Many(SelectAll<KeyMessages>),
}

impl Stream for Messages {
    type Item = NatsResult<NatsMessage>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Self::One(messages) => messages.poll_next_unpin(cx),
            Self::Many(messages) => messages.poll_next_unpin(cx),
        }
    }
}

/// The JetStream consumer of one key (boxed once: the client's streams are about 1 KB).
enum Source {
    /// An ordered consumer (RealTime).
    Ordered(Box<pull::Ordered>),
    /// A durable pull consumer (a group).
    Pull(Box<pull::Stream>),
}

/// One key's messages, converted as they are read (without a boxed, mapped stream between
/// the client's stream and `next`).
struct KeyMessages {
    key: StreamKey,
    source: Source,
    replies: ReplyReader,
    /// Where a group consumer's reply subjects go.
    acker: Option<Arc<Acker>>,
    /// For errors: the JetStream stream, the consumer ("ordered" or the group's name) and
    /// the server.
    stream: String,
    consumer: String,
    server: String,
}

impl KeyMessages {
    /// A JetStream message as ours (its payload taken out); its reply subject goes to the
    /// acker (group consumers).
    fn convert(&mut self, m: &mut async_nats::jetstream::Message) -> NatsResult<NatsMessage> {
        let quick = m
            .message
            .reply
            .as_ref()
            .and_then(|reply| self.replies.read(reply.as_str()));
        let (seq, timestamp): (SeqNo, Timestamp) = match quick {
            Some((seq, time)) => (seq as SeqNo, time),
            None => {
                let info = m.info().map_err(|e| {
                    self.error(format!("a message without JetStream metadata: {e}"))
                })?;
                (info.stream_sequence as SeqNo, info.published)
            }
        };
        let key = &self.key;
        let shard = shard_of_subject(key, m.message.subject.as_str());
        let header = MessageHeader::new(key.clone(), ShardId::new(shard), seq, timestamp);
        if let Some(acker) = &self.acker {
            if let Some(reply) = m.message.reply.take() {
                acker.delivered(key.clone(), seq, reply);
            }
        }
        // The payload stays the client's `Bytes` (a slice of the connection's read buffer):
        // no copy, no allocation.
        Ok(SharedMessage::from_bytes(
            header,
            std::mem::take(&mut m.message.payload),
        ))
    }

    fn error(&self, cause: String) -> sea_streamer_types::StreamErr<NatsErr> {
        backend(NatsErr::Consumer {
            stream: self.stream.clone(),
            consumer: self.consumer.clone(),
            server: self.server.clone(),
            cause,
        })
    }
}

impl Stream for KeyMessages {
    type Item = NatsResult<NatsMessage>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // The client's message (a few hundred bytes) is converted where it lies, by
        // reference, rather than moved through `ready!` and `map`s (each a `memcpy`).
        match &mut this.source {
            Source::Ordered(messages) => match messages.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(ref mut m))) => Poll::Ready(Some(this.convert(m))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(this.error(e.to_string())))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
            Source::Pull(messages) => match messages.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(ref mut m))) => Poll::Ready(Some(this.convert(m))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(this.error(e.to_string())))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// Reads messages of one or more stream keys (see the crate docs for the JetStream consumer
/// of each mode).
pub struct NatsConsumer {
    shared: Shared,
    keys: Vec<StreamKey>,
    options: NatsConsumerOptions,
    messages: Mutex<Messages>,
    acker: Option<Arc<Acker>>,
}

impl std::fmt::Debug for NatsConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsConsumer")
            .field("keys", &self.keys)
            .field("options", &self.options)
            .finish()
    }
}

impl NatsConsumer {
    pub(crate) async fn create(
        shared: Shared,
        keys: Vec<StreamKey>,
        options: NatsConsumerOptions,
    ) -> NatsResult<Self> {
        shared.settle().await;
        let acker = match options.mode()? {
            ConsumerMode::RealTime => None,
            _ => Some(Arc::new(Acker::new(&shared))),
        };
        let policy = match options.auto_stream_reset() {
            AutoStreamReset::Earliest => DeliverPolicy::All,
            AutoStreamReset::Latest => DeliverPolicy::New,
        };
        let messages = subscribe_all(&shared, &keys, &options, policy, &acker).await?;
        Ok(Self {
            shared,
            keys,
            options,
            messages: Mutex::new(messages),
            acker,
        })
    }

    /// Starts reading every key again from `policy` (RealTime consumers only: a group's
    /// position is the durable consumer's, shared by its members).
    async fn restart(&mut self, policy: DeliverPolicy, what: &str) -> NatsResult<()> {
        if *self.options.mode()? != ConsumerMode::RealTime {
            return Err(StreamErr::Unsupported(format!(
                "{what} on a {:?} NATS consumer: the group's position belongs to its durable \
                 JetStream consumer, shared by every member",
                self.options.mode()?
            )));
        }
        let messages =
            subscribe_all(&self.shared, &self.keys, &self.options, policy, &self.acker).await?;
        *self.messages.get_mut() = messages;
        Ok(())
    }
}

impl NatsConsumer {
    /// Acknowledges every message of `header`'s stream that this consumer delivered, up to
    /// and including `header`'s sequence, and waits until the server has the acks: what a
    /// restarted Resumable consumer of the group reads next is the first message not
    /// acknowledged. A no-op on RealTime consumers.
    pub async fn commit(&self, header: &MessageHeader) -> NatsResult<()> {
        match &self.acker {
            Some(acker) => {
                acker.ack_up_to(header.stream_key(), *header.sequence())?;
                acker.flush().await
            }
            None => Ok(()),
        }
    }
}

/// A group consumer that goes away gives back what it was dealt and did not acknowledge:
/// the messages handed out and those already pulled and buffered. They go to the group's
/// other (or next) members at once instead of after the ack wait.
impl Drop for NatsConsumer {
    fn drop(&mut self) {
        let Some(acker) = &self.acker else {
            return;
        };
        let messages = self.messages.get_mut();
        // Buffered messages are recorded as delivered as they are taken out.
        for _ in 0..100_000 {
            if !matches!(messages.next().now_or_never(), Some(Some(_))) {
                break;
            }
        }
        let given_back = acker.nak_all();
        self.shared
            .returning
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(given_back);
    }
}

async fn subscribe_all(
    shared: &Shared,
    keys: &[StreamKey],
    options: &NatsConsumerOptions,
    policy: DeliverPolicy,
    acker: &Option<Arc<Acker>>,
) -> NatsResult<Messages> {
    let mut all = Vec::with_capacity(keys.len());
    for key in keys {
        all.push(subscribe(shared, key, options, policy, acker.clone()).await?);
    }
    Ok(if all.len() == 1 {
        Messages::One(all.pop().expect("one"))
    } else {
        Messages::Many(futures::stream::select_all(all))
    })
}

/// One JetStream consumer for `key`, as a stream of messages.
async fn subscribe(
    shared: &Shared,
    key: &StreamKey,
    options: &NatsConsumerOptions,
    policy: DeliverPolicy,
    acker: Option<Arc<Acker>>,
) -> NatsResult<KeyMessages> {
    let stream = shared.ensure_subject(key, options.sharded()).await?;
    let (filter_subject, filter_subjects) = filters(key, &stream.cached_info().config.subjects);
    let stream_name = shared.stream_name(key);
    let server = shared.server.clone();
    let err = |consumer: &str, cause: String| {
        backend(NatsErr::Consumer {
            stream: stream_name.clone(),
            consumer: consumer.to_owned(),
            server: server.clone(),
            cause,
        })
    };
    let messages = |source, consumer: String| KeyMessages {
        key: key.clone(),
        source,
        replies: ReplyReader::default(),
        acker: acker.clone(),
        stream: stream_name.clone(),
        consumer,
        server: server.clone(),
    };
    match options.mode()? {
        ConsumerMode::RealTime => {
            let consumer = stream
                .create_consumer(pull::OrderedConfig {
                    filter_subject,
                    filter_subjects,
                    deliver_policy: policy,
                    ..Default::default()
                })
                .await
                .map_err(|e| err("ordered", e.to_string()))?;
            let ordered = consumer
                .messages()
                .await
                .map_err(|e| err("ordered", e.to_string()))?;
            Ok(messages(
                Source::Ordered(Box::new(ordered)),
                "ordered".to_owned(),
            ))
        }
        mode @ (ConsumerMode::Resumable | ConsumerMode::LoadBalanced) => {
            let name = encode_name(options.consumer_group()?.name());
            let mut policy = policy;
            if *mode == ConsumerMode::Resumable {
                // A Resumable group has one reader at a time: it starts at the first message
                // not acknowledged (after the ack floor), not where the server would deal
                // next, which is after whatever the previous reader had pulled.
                if let Ok(info) = stream.consumer_info(&name).await {
                    if info.ack_floor.stream_sequence > 0 {
                        policy = DeliverPolicy::ByStartSequence {
                            start_sequence: info.ack_floor.stream_sequence + 1,
                        };
                    }
                    stream
                        .delete_consumer(&name)
                        .await
                        .map_err(|e| err(&name, e.to_string()))?;
                }
            }
            let consumer: pull::Stream = stream
                .get_or_create_consumer(
                    &name,
                    pull::Config {
                        durable_name: Some(name.clone()),
                        filter_subject,
                        filter_subjects,
                        ack_policy: AckPolicy::Explicit,
                        ack_wait: options.ack_wait(),
                        deliver_policy: policy,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| err(&name, e.to_string()))?
                .stream()
                .max_messages_per_batch(options.batch_size())
                .messages()
                .await
                .map_err(|e| err(&name, e.to_string()))?;
            Ok(messages(Source::Pull(Box::new(consumer)), name))
        }
    }
}

/// The consumer filter of `key` in a stream with `subjects`: the key's subject and its shard
/// subjects `key.*`, those the stream holds (one as `filter_subject`, both as
/// `filter_subjects`, which needs nats-server 2.10).
fn filters(key: &StreamKey, subjects: &[String]) -> (String, Vec<String>) {
    let mut wanted: Vec<String> = [key.name().to_owned(), shards_wildcard(key)]
        .into_iter()
        .filter(|s| subjects.contains(s))
        .collect();
    match wanted.len() {
        0 => (key.name().to_owned(), Vec::new()),
        1 => (wanted.pop().expect("one"), Vec::new()),
        _ => (String::new(), wanted),
    }
}

impl Consumer for NatsConsumer {
    type Error = NatsErr;
    type Message<'a> = NatsMessage;
    type NextFuture<'a> = NextFuture<'a>;
    type Stream<'a> = BoxStream<'a, NatsResult<NatsMessage>>;

    /// Reads again from the first message whose server timestamp is in `to`'s millisecond
    /// or later (`DeliverPolicy::ByStartTime` with `to` cut to whole milliseconds, the
    /// precision of the other backends' timestamps). RealTime consumers only.
    async fn seek(&mut self, to: Timestamp) -> NatsResult<()> {
        let start_time = to
            .replace_nanosecond(to.nanosecond() / 1_000_000 * 1_000_000)
            .unwrap_or(to);
        self.restart(DeliverPolicy::ByStartTime { start_time }, "seek")
            .await
    }

    /// Reads again from `SeqPos::At(n)`: the message with stream sequence `n` first
    /// (`DeliverPolicy::ByStartSequence`); `Beginning`: the first stored; `End`: new ones.
    /// RealTime consumers only.
    async fn rewind(&mut self, offset: SeqPos) -> NatsResult<()> {
        let policy = match offset {
            SeqPos::Beginning => DeliverPolicy::All,
            SeqPos::End => DeliverPolicy::New,
            // SeqNo is u128 with sea-streamer-types' `wide-seq-no`; stream sequences are u64.
            #[allow(clippy::unnecessary_cast)]
            SeqPos::At(seq) => DeliverPolicy::ByStartSequence {
                start_sequence: (seq as u64).max(1),
            },
        };
        self.restart(policy, "rewind").await
    }

    /// Unsupported: a consumer reads every shard of its keys (one JetStream consumer per
    /// key, filtering `key` and `key.*`).
    fn assign(&mut self, _: (StreamKey, ShardId)) -> NatsResult<()> {
        Err(StreamErr::Unsupported(
            "assign: a NATS consumer reads every shard of its keys".into(),
        ))
    }

    /// Unsupported: a consumer reads every shard of its keys.
    fn unassign(&mut self, _: (StreamKey, ShardId)) -> NatsResult<()> {
        Err(StreamErr::Unsupported(
            "unassign: a NATS consumer reads every shard of its keys".into(),
        ))
    }

    fn next(&self) -> NextFuture<'_> {
        NextFuture {
            state: match self.messages.try_lock() {
                Some(guard) => NextState::Reading(guard),
                None => NextState::Locking(self.messages.lock()),
            },
        }
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> Self::Stream<'a> {
        futures::stream::unfold(&*self, |c| async move { Some((c.next().await, c)) }).boxed()
    }
}

/// The future of [`NatsConsumer::next`](Consumer::next): the next message of the consumer's
/// keys (an error once they have ended, [`NatsErr::ConsumerEnded`]). Concurrent calls take
/// turns: the first one waits for a message, the others for the first.
pub struct NextFuture<'a> {
    state: NextState<'a>,
}

enum NextState<'a> {
    /// Waiting for another `next` to finish.
    Locking(MutexLockFuture<'a, Messages>),
    /// This one reads the next message.
    Reading(MutexGuard<'a, Messages>),
    Done,
}

impl std::fmt::Debug for NextFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.state {
            NextState::Locking(_) => "NextFuture::Locking",
            NextState::Reading(_) => "NextFuture::Reading",
            NextState::Done => "NextFuture::Done",
        })
    }
}

impl Future for NextFuture<'_> {
    type Output = NatsResult<NatsMessage>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let NextState::Locking(lock) = &mut this.state {
            this.state = NextState::Reading(ready!(lock.poll_unpin(cx)));
        }
        let NextState::Reading(messages) = &mut this.state else {
            panic!("NextFuture polled after it completed");
        };
        let next = ready!(messages.poll_next_unpin(cx));
        // Lets the next `next` in.
        this.state = NextState::Done;
        Poll::Ready(next.unwrap_or_else(|| Err(backend(NatsErr::ConsumerEnded))))
    }
}

impl Acknowledge for NatsConsumer {
    /// Nothing to do: the server keeps the delivered message pending until it is acked.
    fn track(&self, _: &MessageHeader) -> NatsResult<()> {
        Ok(())
    }

    /// Acks this one message (JetStream's explicit ack), sent at once in the background;
    /// a no-op on RealTime consumers (ordered consumers take no acks).
    fn ack(&self, header: &MessageHeader) -> NatsResult<()> {
        match &self.acker {
            Some(acker) => acker.ack(header.stream_key(), *header.sequence()),
            None => Ok(()),
        }
    }

    /// Waits until every ack given before has reached the server.
    async fn commit_acked(&self) -> NatsResult<()> {
        match &self.acker {
            Some(acker) => acker.flush().await,
            None => Ok(()),
        }
    }
}
