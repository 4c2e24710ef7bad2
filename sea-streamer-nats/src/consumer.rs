//! [`NatsConsumer`]: reads the stream keys through JetStream consumers, one per key, merged.

use std::sync::Arc;

use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy};
use futures::{future::BoxFuture, lock::Mutex, stream::BoxStream, FutureExt, StreamExt};
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
pub type NatsMessage = SharedMessage;

type Messages = BoxStream<'static, NatsResult<NatsMessage>>;

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
        all.pop().expect("one")
    } else {
        futures::stream::select_all(all).boxed()
    })
}

/// One JetStream consumer for `key`, as a stream of messages.
async fn subscribe(
    shared: &Shared,
    key: &StreamKey,
    options: &NatsConsumerOptions,
    policy: DeliverPolicy,
    acker: Option<Arc<Acker>>,
) -> NatsResult<Messages> {
    let stream = shared.ensure_subject(key, options.sharded()).await?;
    let (filter_subject, filter_subjects) = filters(key, &stream.cached_info().config.subjects);
    let stream_name = shared.stream_name(key);
    let server = shared.server.clone();
    let err = move |consumer: &str, cause: String| {
        backend(NatsErr::Consumer {
            stream: stream_name.clone(),
            consumer: consumer.to_owned(),
            server: server.clone(),
            cause,
        })
    };
    let key = key.clone();
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
            let messages = consumer
                .messages()
                .await
                .map_err(|e| err("ordered", e.to_string()))?;
            let mut replies = ReplyReader::default();
            Ok(messages
                .map(move |m| match m {
                    Ok(m) => convert(&key, m, &mut replies, None),
                    Err(e) => Err(err("ordered", e.to_string())),
                })
                .boxed())
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
            let mut replies = ReplyReader::default();
            Ok(consumer
                .map(move |m| match m {
                    Ok(m) => convert(&key, m, &mut replies, acker.as_deref()),
                    Err(e) => Err(err(&name, e.to_string())),
                })
                .boxed())
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

/// A JetStream message as ours; its reply subject goes to `acker` (group consumers).
fn convert(
    key: &StreamKey,
    m: async_nats::jetstream::Message,
    replies: &mut ReplyReader,
    acker: Option<&Acker>,
) -> NatsResult<NatsMessage> {
    let quick = m
        .message
        .reply
        .as_ref()
        .and_then(|reply| replies.read(reply.as_str()));
    let (seq, timestamp): (SeqNo, Timestamp) = match quick {
        Some((seq, time)) => (seq as SeqNo, time),
        None => {
            let info = m.info().map_err(|e| {
                backend(NatsErr::Consumer {
                    stream: "?".into(),
                    consumer: "?".into(),
                    server: "?".into(),
                    cause: format!("a message without JetStream metadata: {e}"),
                })
            })?;
            (info.stream_sequence as SeqNo, info.published)
        }
    };
    let shard = shard_of_subject(key, m.message.subject.as_str());
    let header = MessageHeader::new(key.clone(), ShardId::new(shard), seq, timestamp);
    if let (Some(acker), Some(reply)) = (acker, m.message.reply.clone()) {
        acker.delivered(key.clone(), seq, reply);
    }
    // A payload that is the whole of a buffer nobody else holds becomes the Vec without a
    // copy; one sliced out of the connection's read buffer is copied (SharedMessage holds
    // an `Arc<Vec<u8>>`).
    let bytes = Vec::from(m.message.payload);
    let len = bytes.len();
    Ok(SharedMessage::new(header, bytes, 0, len))
}

impl Consumer for NatsConsumer {
    type Error = NatsErr;
    type Message<'a> = NatsMessage;
    type NextFuture<'a> = BoxFuture<'a, NatsResult<NatsMessage>>;
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

    fn next(&self) -> Self::NextFuture<'_> {
        async move {
            let mut messages = self.messages.lock().await;
            match messages.next().await {
                Some(m) => m,
                None => Err(backend(NatsErr::ConsumerEnded)),
            }
        }
        .boxed()
    }

    fn stream<'a, 'b: 'a>(&'b mut self) -> Self::Stream<'a> {
        futures::stream::unfold(&*self, |c| async move { Some((c.next().await, c)) }).boxed()
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
