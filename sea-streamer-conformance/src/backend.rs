//! The [`Backend`] trait a backend's tests implement to run the conformance scenarios,
//! and the [`Capabilities`] through which a backend opts out of what it cannot do.

use std::future::Future;

use sea_streamer_types::{ConsumerGroup, ConsumerMode, MessageHeader, StreamKey, Streamer};

/// The consumer type of a backend's streamer.
pub type ConsumerOf<B> = <<B as Backend>::Streamer as Streamer>::Consumer;
/// The producer type of a backend's streamer.
pub type ProducerOf<B> = <<B as Backend>::Streamer as Streamer>::Producer;
/// The consumer options type of a backend's streamer.
pub type ConsumerOptionsOf<B> = <<B as Backend>::Streamer as Streamer>::ConsumerOptions;
/// The producer options type of a backend's streamer.
pub type ProducerOptionsOf<B> = <<B as Backend>::Streamer as Streamer>::ProducerOptions;

/// How `Consumer::rewind(SeqPos::At(n))` positions a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewindRule {
    /// The next message is the one with sequence `n` (Kafka offsets, .ss files).
    Inclusive,
    /// The next message is the first one after sequence `n` (Redis entry ids).
    Exclusive,
    /// Not supported; the string says why.
    Unsupported(&'static str),
}

/// How `Consumer::seek(ts)` positions a consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekRule {
    /// The next message is the first whose timestamp is strictly later than `ts`.
    StrictlyLater,
    /// The next message is the first whose timestamp is at or after `ts` (Kafka's broker lookup).
    AtOrAfter,
    /// Not supported; the string says why.
    Unsupported(&'static str),
}

/// What a backend supports. Every `Option<&str>`/`Unsupported` carries the one-line reason
/// the backend opts out of a scenario.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    /// Why LoadBalanced groups are not supported, if they are not.
    pub load_balanced: Result<(), &'static str>,
    /// Whether two LoadBalanced consumers of one group split a single-shard stream
    /// (false for Kafka, which balances by partition).
    pub load_balanced_splits_one_shard: bool,
    /// Why Resumable consumers are not supported, if they are not.
    pub resumable: Result<(), &'static str>,
    /// Rewind to a sequence number.
    pub rewind: RewindRule,
    /// Seek to a timestamp.
    pub seek: SeekRule,
    /// Whether a receipt's header equals the consumed message's header
    /// (stream key, shard, sequence, timestamp).
    pub receipt_matches_message: bool,
    /// Why `Consumer::assign`/`unassign` are not supported, if they are not (the backend
    /// then answers them with `StreamErr::Unsupported`).
    pub assign: Result<(), &'static str>,
    /// Why messages dealt to a LoadBalanced member that is closed before reading them do not
    /// go to the group's remaining or next members, if they do not.
    pub handover: Result<(), &'static str>,
    /// Why a new member of a group whose members were all closed at once may receive
    /// nothing (a broker limit), if it may.
    pub regroup: Result<(), &'static str>,
    /// Why a consumer group's commit on one stream moves the group's position on another
    /// stream, if it does.
    pub group_per_stream: Result<(), &'static str>,
    /// Why a consumer created after messages were produced cannot receive them from the
    /// earliest one (e.g. a pipe keeps no history), if it cannot.
    pub replay: Result<(), &'static str>,
    /// Why the consumer does not implement `sea_streamer_types::Acknowledge` (so the
    /// [`Backend::track`], [`Backend::ack`] and [`Backend::commit_acked`] hooks are not
    /// wired), if it does not.
    pub acknowledge: Result<(), &'static str>,
}

/// The reason given by a backend that wires no `Acknowledge` hooks.
pub const NO_ACKNOWLEDGE: &str = "the backend's tests wire no Acknowledge hooks";

/// The reason given by a backend that provides no restart hook.
pub const NO_RESTART: &str = "the backend's tests provide no restart hook";

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            load_balanced: Ok(()),
            load_balanced_splits_one_shard: true,
            resumable: Ok(()),
            rewind: RewindRule::Inclusive,
            seek: SeekRule::StrictlyLater,
            receipt_matches_message: true,
            assign: Ok(()),
            handover: Ok(()),
            group_per_stream: Ok(()),
            regroup: Ok(()),
            replay: Ok(()),
            acknowledge: Err(NO_ACKNOWLEDGE),
        }
    }
}

/// A backend under test: how to connect to its test target and how to build options.
///
/// Scenario functions are generic over this trait, so a backend crate's tests and the
/// socket crate's tests (through `SeaStreamer`) run the very same scenarios.
pub trait Backend: Sync {
    /// The streamer type under test.
    type Streamer: Streamer + Send + Sync;

    /// Connects a new streamer to the test target (the same target on every call).
    /// Panics with a clear message if it cannot (this is test code).
    fn connect(&self) -> impl Future<Output = Self::Streamer> + Send;

    /// Consumer options for `mode` (with `group` when given) that start from the earliest
    /// message still stored, where the backend has such a setting.
    fn consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> ConsumerOptionsOf<Self>;

    /// Producer options; the default options unless the backend needs otherwise.
    fn producer_options(&self) -> ProducerOptionsOf<Self> {
        Default::default()
    }

    /// Makes `stream` exist before consumers subscribe to it, where the backend needs that
    /// (e.g. creating a Kafka topic). Does nothing by default.
    fn prepare_stream(
        &self,
        _streamer: &Self::Streamer,
        _stream: &StreamKey,
    ) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Waits until a freshly created consumer is ready to receive what is produced next
    /// (e.g. a Kafka group join). Does nothing by default.
    fn consumer_ready(&self, _consumer: &ConsumerOf<Self>) -> impl Future<Output = ()> + Send {
        async {}
    }

    /// Durably commits `header` (and everything before it) for a Resumable consumer.
    /// Only called when [`Capabilities::resumable`] is `Ok`.
    fn commit(
        &self,
        consumer: &mut ConsumerOf<Self>,
        header: &MessageHeader,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Consumer options for a consumer whose messages count as processed only once
    /// acknowledged through the [`ack`](Self::ack) hook: nothing is acknowledged on delivery
    /// or automatically (e.g. Redis without `NOACK`), and what a closed LoadBalanced member
    /// had not acknowledged goes to the other members within a few seconds. The same as
    /// [`consumer_options`](Self::consumer_options) by default.
    fn acking_consumer_options(
        &self,
        mode: ConsumerMode,
        group: Option<ConsumerGroup>,
    ) -> ConsumerOptionsOf<Self> {
        self.consumer_options(mode, group)
    }

    /// `Acknowledge::track` on the consumer. Only called when [`Capabilities::acknowledge`]
    /// is `Ok`.
    fn track(&self, _consumer: &ConsumerOf<Self>, _header: &MessageHeader) -> Result<(), String> {
        Err(NO_ACKNOWLEDGE.into())
    }

    /// `Acknowledge::ack` on the consumer. Only called when [`Capabilities::acknowledge`] is
    /// `Ok`.
    fn ack(&self, _consumer: &ConsumerOf<Self>, _header: &MessageHeader) -> Result<(), String> {
        Err(NO_ACKNOWLEDGE.into())
    }

    /// `Acknowledge::commit_acked` on the consumer. Only called when
    /// [`Capabilities::acknowledge`] is `Ok`.
    fn commit_acked(
        &self,
        _consumer: &ConsumerOf<Self>,
    ) -> impl Future<Output = Result<(), String>> + Send {
        async { Err(NO_ACKNOWLEDGE.into()) }
    }

    /// Restarts the backend's server (or, for a backend without one, whatever plays its
    /// part) and returns once it serves again. The scenario has dropped its consumers
    /// before calling it and connects anew afterwards; producers created before it must
    /// go on working. `Err(reason)` opts out of the restart scenario, as the default does.
    fn restart(&self) -> impl Future<Output = Result<(), &'static str>> + Send {
        async { Err(NO_RESTART) }
    }

    /// What the backend supports.
    fn capabilities(&self) -> Capabilities;
}
