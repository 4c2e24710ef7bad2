//! [`SeaMessage`]: a message of whichever backend is wrapped.

use crate::Backend;
use sea_streamer_types::{Headers, Message, Payload, SeqNo, ShardId, StreamKey, Timestamp};

#[cfg(feature = "backend-file")]
use sea_streamer_file::FileMessage;
#[cfg(feature = "backend-kafka")]
use sea_streamer_kafka::KafkaMessage;
#[cfg(feature = "backend-nats")]
use sea_streamer_nats::NatsMessage;
#[cfg(feature = "backend-redis")]
use sea_streamer_redis::RedisMessage;
#[cfg(feature = "backend-stdio")]
use sea_streamer_stdio::StdioMessage;

/// A message received by a [`crate::SeaConsumer`]. Implements [`Message`] by delegating to
/// the backend's message. Deliberately not `Clone`: use [`Message::to_owned`] to keep a copy.
///
/// ```
/// use sea_streamer_socket::SeaMessage;
/// use sea_streamer_types::{Message, SharedMessage};
///
/// fn keep(m: &SeaMessage<'_>) -> SharedMessage {
///     Message::to_owned(m)
/// }
/// ```
#[derive(Debug)]
pub enum SeaMessage<'a> {
    /// A Kafka message (borrows from its consumer).
    #[cfg(feature = "backend-kafka")]
    Kafka(KafkaMessage<'a>),
    /// A Redis message.
    #[cfg(feature = "backend-redis")]
    Redis(RedisMessage),
    /// A stdio message.
    #[cfg(feature = "backend-stdio")]
    Stdio(StdioMessage),
    /// A file message.
    #[cfg(feature = "backend-file")]
    File(FileMessage),
    /// A NATS message.
    #[cfg(feature = "backend-nats")]
    Nats(NatsMessage),
    /// Only exists to use the lifetime when Kafka is compiled out; never constructed by this
    /// crate. If built anyway it reads as an empty message on the `SEA_STREAMER_INTERNAL`
    /// stream at the Unix epoch.
    #[cfg(not(feature = "backend-kafka"))]
    None(std::marker::PhantomData<&'a ()>),
}

/// Applies `$body` to the backend message inside a `SeaMessage`, or evaluates `$none` for
/// the `None` placeholder.
macro_rules! on_message {
    ($msg:expr, |$m:ident| $body:expr, none => $none:expr) => {
        match $msg {
            #[cfg(feature = "backend-kafka")]
            SeaMessage::Kafka($m) => $body,
            #[cfg(feature = "backend-redis")]
            SeaMessage::Redis($m) => $body,
            #[cfg(feature = "backend-stdio")]
            SeaMessage::Stdio($m) => $body,
            #[cfg(feature = "backend-file")]
            SeaMessage::File($m) => $body,
            #[cfg(feature = "backend-nats")]
            SeaMessage::Nats($m) => $body,
            #[cfg(not(feature = "backend-kafka"))]
            SeaMessage::None(_) => $none,
        }
    };
}

#[cfg(not(feature = "backend-kafka"))]
fn placeholder_key() -> StreamKey {
    StreamKey::new(sea_streamer_types::SEA_STREAMER_INTERNAL)
        .expect("SEA_STREAMER_INTERNAL is a valid stream key")
}

impl Message for SeaMessage<'_> {
    fn stream_key(&self) -> StreamKey {
        on_message!(self, |m| m.stream_key(), none => placeholder_key())
    }

    fn shard_id(&self) -> ShardId {
        on_message!(self, |m| m.shard_id(), none => ShardId::new(0))
    }

    fn sequence(&self) -> SeqNo {
        on_message!(self, |m| m.sequence(), none => 0)
    }

    fn timestamp(&self) -> Timestamp {
        on_message!(self, |m| m.timestamp(), none => Timestamp::UNIX_EPOCH)
    }

    fn message(&self) -> Payload<'_> {
        on_message!(self, |m| m.message(), none => Payload::default())
    }

    /// The backend message's headers (Kafka record headers, Redis entry fields other than
    /// the message field; never any for files, stdio and NATS).
    fn headers(&self) -> Option<&Headers> {
        on_message!(self, |m| m.headers(), none => None)
    }
}

impl<'a> crate::SeaStreamerBackend for SeaMessage<'a> {
    #[cfg(feature = "backend-kafka")]
    type Kafka = KafkaMessage<'a>;
    #[cfg(feature = "backend-redis")]
    type Redis = RedisMessage;
    #[cfg(feature = "backend-stdio")]
    type Stdio = StdioMessage;
    #[cfg(feature = "backend-file")]
    type File = FileMessage;
    #[cfg(feature = "backend-nats")]
    type Nats = NatsMessage;

    /// The backend of the message. The never-constructed `None` placeholder reports the first
    /// backend compiled in.
    fn backend(&self) -> Backend {
        backend_of_variant(self)
    }

    #[cfg(feature = "backend-kafka")]
    fn get_kafka(&mut self) -> Option<&mut KafkaMessage<'a>> {
        match self {
            Self::Kafka(m) => Some(m),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    #[cfg(feature = "backend-redis")]
    fn get_redis(&mut self) -> Option<&mut RedisMessage> {
        match self {
            Self::Redis(m) => Some(m),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    #[cfg(feature = "backend-stdio")]
    fn get_stdio(&mut self) -> Option<&mut StdioMessage> {
        match self {
            Self::Stdio(m) => Some(m),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    #[cfg(feature = "backend-file")]
    fn get_file(&mut self) -> Option<&mut FileMessage> {
        match self {
            Self::File(m) => Some(m),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    #[cfg(feature = "backend-nats")]
    fn get_nats(&mut self) -> Option<&mut NatsMessage> {
        match self {
            Self::Nats(m) => Some(m),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }
}

fn backend_of_variant(m: &SeaMessage<'_>) -> Backend {
    match m {
        #[cfg(feature = "backend-kafka")]
        SeaMessage::Kafka(_) => Backend::Kafka,
        #[cfg(feature = "backend-redis")]
        SeaMessage::Redis(_) => Backend::Redis,
        #[cfg(feature = "backend-stdio")]
        SeaMessage::Stdio(_) => Backend::Stdio,
        #[cfg(feature = "backend-file")]
        SeaMessage::File(_) => Backend::File,
        #[cfg(feature = "backend-nats")]
        SeaMessage::Nats(_) => Backend::Nats,
        #[cfg(not(feature = "backend-kafka"))]
        SeaMessage::None(_) => crate::backend::first_enabled! {
            kafka: Backend::Kafka,
            redis: Backend::Redis,
            stdio: Backend::Stdio,
            file: Backend::File,
            nats: Backend::Nats,
        },
    }
}
