//! # sea-streamer-nats: the NATS JetStream backend of sea-streamer
//!
//! Streams are JetStream streams on a `nats-server` (2.2 or later, with JetStream on); a
//! stream key is a subject. [`NatsStreamer`] connects to `nats://host:port` (several nodes
//! separated by commas; user and password, or a token, in the URL or in
//! [`NatsConnectOptions`]), or `tls://host:port` to require TLS (trusted authorities and a
//! client certificate in [`NatsConnectOptions`]), [`NatsProducer`] publishes to JetStream and [`NatsConsumer`] reads
//! through JetStream consumers:
//!
//! | Mode | JetStream consumer |
//! |---|---|
//! | `RealTime` | an ordered consumer (ephemeral, no acks), from new messages or, with [`AutoStreamReset::Earliest`], from the first one stored |
//! | `Resumable` | a durable pull consumer named by the group, explicit ack |
//! | `LoadBalanced` | the same durable pull consumer shared by every member of the group: each message goes to one member; one not acknowledged within the ack wait goes to another |
//!
//! The JetStream stream of a key is created on demand (named after the key, or one stream
//! named by [`NatsConnectOptions::set_stream_name`] holding every key as a subject), or
//! required to exist ([`NatsConnectOptions::set_create_stream`]).
//!
//! ## Runtime
//!
//! async-nats runs on tokio only, so this crate has the one runtime feature
//! `runtime-tokio` (on by default); every call must run inside a tokio runtime.
//!
//! ## Sequence numbers and timestamps
//!
//! A message's sequence is its JetStream stream sequence (one sequence across the shards of a
//! key); its shard is 0, or `n` for a message of the shard subject `key.<n>` (see
//! [`NatsProducerOptions::set_shards`]); its timestamp is the server's. A receipt carries the stream sequence from the
//! publish acknowledgement, which has no timestamp: the receipt's timestamp is the time the
//! acknowledgement arrived.
//!
//! ```no_run
//! use sea_streamer_nats::{NatsConnectOptions, NatsStreamer};
//! use sea_streamer_types::{Producer, StreamKey, Streamer};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let streamer = NatsStreamer::connect(
//!     "nats://127.0.0.1:4222".parse()?,
//!     NatsConnectOptions::default(),
//! )
//! .await?;
//! let producer = streamer
//!     .create_producer(StreamKey::new("orders")?, Default::default())
//!     .await?;
//! let receipt = producer.send("hello")?.await?;
//! assert_eq!(receipt.stream_key().name(), "orders");
//! # Ok(())
//! # }
//! ```

#[cfg(not(feature = "runtime-tokio"))]
compile_error!(
    "sea-streamer-nats runs on tokio only (async-nats needs it): enable `runtime-tokio`"
);

mod ack;
mod consumer;
mod error;
mod jetstream;
mod options;
mod producer;
mod streamer;

pub use consumer::{NatsConsumer, NatsMessage, NextFuture};
pub use error::{NatsErr, NatsResult};
pub use options::{AutoStreamReset, NatsConnectOptions, NatsConsumerOptions, NatsProducerOptions};
pub use producer::{NatsProducer, SendFuture};
pub use streamer::NatsStreamer;

/// The URL scheme of this backend.
pub const NATS_SCHEME: &str = "nats";

/// The URL scheme of this backend over TLS (`tls://host:port`, NATS' own spelling).
pub const NATS_TLS_SCHEME: &str = "tls";
