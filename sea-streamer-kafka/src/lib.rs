//! # sea-streamer-kafka
//!
//! The Kafka (and Kafka-protocol, e.g. Redpanda) backend of sea-streamer, built on
//! [`rdkafka`](https://docs.rs/rdkafka) 0.39 (librdkafka, statically built).
//!
//! - [`KafkaStreamer`] connects to a cluster given as a [`StreamerUri`](sea_streamer_types::StreamerUri)
//!   such as `kafka://host-a:9092,host-b:9092`.
//! - [`KafkaProducer`] enqueues records without blocking; every send returns a [`SendFuture`]
//!   that resolves to the delivery receipt (topic, partition, offset, timestamp) or to a typed error.
//! - [`KafkaConsumer`] subscribes to topics; its [`ConsumerMode`](sea_streamer_types::ConsumerMode)
//!   decides the consumer group (see [`KafkaConsumerOptions`]).
//!
//! Pick exactly one runtime feature: `runtime-tokio`, `runtime-async-std` or `runtime-smol`.
//!
//! A producer whose broker is unreachable keeps each record for librdkafka's
//! `message.timeout.ms` (default 300 s) before its receipt fails with `MessageTimedOut`, and
//! a full send queue (`queue.buffering.max.messages`, default 100 000 records;
//! `queue.buffering.max.kbytes`, default 1 GiB) makes `send` return `QueueFull`: see
//! [`KafkaProducerOptions`] for how to change both.
//!
//! ```no_run
//! use sea_streamer_kafka::{KafkaConsumerOptions, KafkaStreamer, AutoOffsetReset};
//! use sea_streamer_types::{
//!     Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
//! };
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let streamer = KafkaStreamer::connect("kafka://localhost:9092".parse()?, Default::default()).await?;
//! let topic = StreamKey::new("hello")?;
//!
//! let producer = streamer.create_producer(topic.clone(), Default::default()).await?;
//! let receipt = producer.send("hi")?.await?;
//! println!("stored at partition {} offset {}", receipt.shard_id().id(), receipt.sequence());
//!
//! let mut options = KafkaConsumerOptions::new(ConsumerMode::RealTime);
//! options.set_auto_offset_reset(AutoOffsetReset::Earliest);
//! let consumer = streamer.create_consumer(&[topic], options).await?;
//! let message = consumer.next().await?;
//! println!("{}", message.message().as_str()?);
//! # Ok(())
//! # }
//! ```
//!
//! ## Observability
//!
//! Additions to the 0.5 API (see [`sea_streamer_types::observe`] for the metric names):
//!
//! - **Producer metrics**, per stream key (labels `backend="kafka"`, `stream`): messages and
//!   payload bytes queued, errors (a refused send, a failed receipt), records in flight (sent,
//!   receipt not yet arrived; a [`SendFuture`] dropped before its receipt leaves the gauge, as
//!   nobody watches that delivery), and the send-to-receipt latency of one send in 8.
//! - **Consumer metrics**, per subscribed topic (labels `backend`, `stream`, and `group` for
//!   `Resumable` and `LoadBalanced` consumers; a `RealTime` consumer's group is made up per
//!   consumer, so it is no label): messages and payload bytes delivered by `next()`/`stream()`,
//!   the event-time latency (now minus the record timestamp) of one message in 64, errors
//!   returned by `next()` (counted for every topic of the consumer: librdkafka's consumer
//!   errors are not tied to a topic), and reconnects. librdkafka reconnects on its own; all
//!   a consumer sees of it is the error `next()` returns when broker connections break
//!   (`BrokerTransportFailure`, `AllBrokersDown`): the first message delivered after such
//!   errors counts as one reconnect (and records a `sea_streamer.reconnect` span). Losses
//!   librdkafka only logs, or recovers from before the consumer reads on, are not seen.
//!   Per-message recording goes through a process-wide table of 128 slots, one per live
//!   consumer (the 0.5 future types map messages through a plain `fn`); a consumer created
//!   while all are taken records no per-message metrics (a warning says so once).
//! - **Lag**: [`ConsumerLag`](sea_streamer_types::ConsumerLag) for [`KafkaConsumer`]: per
//!   partition, the high watermark minus the consumer's position (before it read anything:
//!   where a `rewind`/`seek` put it, else the group's committed offset, else the start of the
//!   partition with an `earliest` reset and its end otherwise); it also sets the lag gauge.
//!   The librdkafka calls run on a blocking thread.
//! - **Tracing** spans (`tracing`, which reaches `log` when no subscriber is installed):
//!   `sea_streamer.connect` (info), `sea_streamer.produce_batch` (a flush), `sea_streamer.commit`,
//!   `sea_streamer.seek` (rewind and seek), `sea_streamer.lag` (debug), with `backend`,
//!   `stream`, `shard` and `count` where they apply. librdkafka fetches and sends in batches
//!   of its own, out of sight, so there is no read-batch span, and nothing is recorded per
//!   message unless trace propagation is on.
//! - **Headers**: record headers are [`Message::headers`](sea_streamer_types::Message::headers)
//!   of a [`KafkaMessage`] (in order, repeated names kept, a null value read as empty; `None`
//!   for a record without headers; read on first use, so they cost nothing unless asked
//!   for), kept by `to_owned`, and written by
//!   [`ProducerWithHeaders`](sea_streamer_types::ProducerWithHeaders) for [`KafkaProducer`].
//! - **`traceparent` propagation**, off by default:
//!   [`KafkaProducerOptions::set_trace_propagation`] stamps each record (unless it has a
//!   `traceparent` already) with a child of the sending task's
//!   [`TraceContext`](sea_streamer_types::TraceContext) or a new trace, recording a
//!   `sea_streamer.produce` event; [`KafkaConsumerOptions::set_trace_propagation`] records a
//!   `sea_streamer.consume` event with the trace and parent ids of each message that has one.
//!
//! ## Differences from upstream 0.5.2
//!
//! The public API is the one of sea-streamer-kafka 0.5.0 (shipped with sea-streamer 0.5.2),
//! but on rdkafka 0.39 (re-exported as [`export::rdkafka`]) and with these bugs fixed:
//!
//! 1. **Dropping a consumer loses nothing.** librdkafka's close polls the consumer queue, and
//!    every prefetched message it pops there counted as read for `enable.auto.offset.store`,
//!    so the final commit of a `Resumable` or `LoadBalanced` consumer skipped messages it
//!    had fetched but never returned: the next consumer of the group never saw them.
//!    [`KafkaConsumer`] now pauses its partitions before closing, discarding the prefetch.
//! 2. **No panics from concurrent use.** Upstream moved the rdkafka client out of the
//!    consumer/producer while `seek`, `commit*`, `reassign_partitions`, `flush` or a transaction
//!    call was running, so any other use panicked and dropping such a future lost the client.
//!    Here the client is shared (`Arc`), so these futures are cancel-safe and concurrent use works.
//! 3. **`commit_message` commits the offset after the message** (`sequence + 1`, Kafka's
//!    "next offset to read"), so a restarted consumer resumes after it. Upstream committed the
//!    message's own offset and re-delivered it after a restart. `commit`/`commit_with` keep the
//!    Kafka meaning of their argument (the next offset to read); `store_offset*` mark the given
//!    message as processed, as before.
//! 4. **Real-time consumers do not share a group.** Upstream gave every `RealTime` consumer of a
//!    process the same group id (`{host}s{pid}`), so two real-time consumers of one topic in one
//!    process split its partitions between them and each missed messages. Each consumer now
//!    gets its own id `{host}s{pid}-{n}`.
//! 5. **Receipts carry the broker's timestamp** (create or log-append time, as a consumer
//!    will see it) when the broker reports one; upstream always used the local clock at
//!    resolution (still the fallback).
//! 6. **`disconnect` reports failed flushes.** Upstream flushed the producers and always
//!    returned `Ok`, hiding undelivered messages; now the first flush error is returned (after
//!    every producer was flushed), and the flushes run on a blocking thread.
//! 7. **A message without a timestamp does not panic**: [`KafkaMessage`]'s timestamp falls back
//!    to the Unix epoch (logged as a warning).
//! 8. **`Debug` of [`SaslOptions`] (and so of [`KafkaConnectOptions`]) hides the password.**
//! 9. **Custom consumer options are applied last**, so `add_custom_option` can override what a
//!    mode forces (e.g. a shorter `session.timeout.ms` for a `RealTime` consumer).
//! 10. **A consumer of a topic that does not exist yet waits for it.** Upstream's `next()`
//!     returned librdkafka's `UnknownTopicOrPartition` consumer error. Now the consumer
//!     subscribes to the topics that exist and watches the cluster's metadata (every 100 ms,
//!     backing off to 1 s) for the others, adding each to its subscription once it appears
//!     (logged once at info level when it starts waiting, and once when a topic appears).
//!     Every message of such a topic was produced after the subscription, so it is read
//!     from its start even with a `latest` reset: a consumer whose topics were all missing
//!     is created with `auto.offset.reset=earliest`; in a mix of existing and missing topics,
//!     the group's offsets of a topic that appears are set to its first offset (where the
//!     group has none yet) before it joins the subscription, and a `RealTime` consumer commits
//!     its positions first so the group rejoin that follows keeps them. `create_consumer`
//!     asks the cluster which topics exist (waiting at most the connect options' timeout or
//!     5 s; if that fails it subscribes to every topic, as upstream).
//! 11. **A failed connect names the address and the cause**: `Connect("Failed to connect to
//!     the Kafka cluster at 127.0.0.1:29099 within 1000 ms: ... Connection refused ...")`
//!     (upstream: only `Failed to connect to streamer`), and the probe's librdkafka messages
//!     are logged at debug level instead of also at error level. The binaries `producer` and
//!     `consumer` print a runtime error once on one line (exit 1), end quietly when stdout is
//!     closed, show warnings unless `RUST_LOG` says otherwise, and answer `--version`.
//! 12. **Dropping a consumer during a group rebalance cannot hang.** librdkafka's close served
//!     the pending revoke through rdkafka's rebalance callback, whose request to the already
//!     terminating group could go unanswered forever (seen under `scripts/stress.sh`). The
//!     drop now leaves the group first (pause, unsubscribe, serve the revoke) and closes on a
//!     thread of its own, waiting at most 15 s for it; a close still blocked then is left to
//!     run in the background with a warning naming the group and topics.
//!
//! Additions (no existing signature changed): [`Acknowledge`](sea_streamer_types::Acknowledge)
//! for [`KafkaConsumer`] (commits each partition's contiguous processed prefix; needs auto
//! commit or the automatic offset store off), `KafkaMessage::inner`,
//! `KafkaConsumer::seek_with_timeout`, `KafkaStreamer::uri`, a runtime for
//! `runtime-smol`, and the observability above (`ConsumerLag`, `KafkaConsumer::lag_with_timeout`,
//! `ProducerWithHeaders`, `Message::headers`, `set_trace_propagation` on both options).
//! [`KafkaMessage`] gained a field for its headers, so it is no longer `#[repr(transparent)]`
//! over rdkafka's message (its field was private: only its layout changed). Without any runtime feature, `KafkaStreamer::connect` fails with
//! `StreamErr::Runtime` instead of panicking later.
//!
//! Known broker limits: `seek` relies on the broker's `offsets_for_times`, which tansu answers
//! wrongly and librdkafka's mock cluster does not implement; it is tested against the mapping
//! only (see the ignored tests).

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(all(feature = "runtime-async-std", feature = "runtime-tokio"))]
compile_error!("'runtime-async-std' and 'runtime-tokio' cannot be enabled at the same time");

mod ack;
mod blocking;
mod cluster;
mod connect_options;
mod connect_probe;
mod consumer;
mod consumer_close;
mod consumer_mode;
mod consumer_observe;
mod consumer_offsets;
mod consumer_options;
mod error;
mod host;
mod lag;
mod message;
mod position;
mod producer;
mod producer_observe;
mod producer_options;
mod record_headers;
mod runtime;
mod send_future;
mod streamer;
mod topic_wait;

pub use connect_options::{KafkaConnectOptions, SaslMechanism, SaslOptions, SecurityProtocol};
pub use consumer::{KafkaConsumer, RawConsumer};
pub use consumer_options::{AutoOffsetReset, KafkaConsumerOptionKey, KafkaConsumerOptions};
pub use error::{KafkaErr, KafkaResult};
pub use host::host_id;
pub use message::{KafkaMessage, KafkaMessageStream, NextFuture};
pub use producer::{KafkaProducer, RawProducer};
pub use producer_options::{CompressionType, KafkaProducerOptionKey, KafkaProducerOptions};
pub use runtime::KafkaAsyncRuntime;
pub use send_future::SendFuture;
pub use streamer::KafkaStreamer;

pub use rdkafka::{consumer::ConsumerGroupMetadata, producer::FutureRecord, TopicPartitionList};

use std::time::Duration;

/// The default port of a Kafka broker.
pub const KAFKA_PORT: u16 = 9092;

/// The default timeout of blocking Kafka operations (flush, transactions, seek).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Re-exports of the crates whose types appear in this crate's API.
pub mod export {
    pub use rdkafka;
}
