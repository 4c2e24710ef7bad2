//! # sea-streamer
//!
//! One stream-processing API — [`Streamer`], [`Producer`], [`Consumer`], [`Message`] — over
//! Redis Streams, Kafka, NATS JetStream, unix pipes (stdio) and append-only `.ss` files. A
//! program picks its backend at run time from a URI such as `redis://host/stream`,
//! `kafka://host:9092/topic`, `nats://host:4222/subject`, `file://./data.ss/stream` or
//! `stdio:///stream` (feature `socket`), and the backends,
//! runtime and extras are chosen with Cargo features:
//!
//! | Feature | Adds |
//! |---|---|
//! | `kafka`, `redis`, `stdio`, `file` | the backend crate as `sea_streamer::{kafka, redis, stdio, file}` (and in `SeaStreamer` when `socket` is on) |
//! | `nats` | NATS JetStream as `sea_streamer::nats` (and `nats://` in `SeaStreamer`); tokio only: needs `runtime-tokio` |
//! | `socket` | `SeaStreamer` and friends: backend chosen by URI scheme |
//! | `runtime-tokio`, `runtime-async-std`, `runtime-smol` | the async runtime (pick one), and `sea_streamer::runtime` |
//! | `runtime` | `sea_streamer::runtime` without choosing a runtime here |
//! | `json` | `Payload::deserialize_json` |
//! | `fuse` | `sea_streamer::fuse`: the stream-processing toolbox (`StreamJoin`, event-time windows); upstream's facade has no such feature |
//!
//! The value types and traits of `sea-streamer-types` are re-exported at the root:
//!
//! ```
//! use sea_streamer::{MessageHeader, ShardId, StreamKey, StreamUrl, Timestamp, TIMESTAMP_FORMAT};
//!
//! let url: StreamUrl = "redis://localhost:6379/orders,payments".parse().unwrap();
//! assert_eq!(url.streamer().protocol(), Some("redis"));
//! assert_eq!(url.stream_keys().len(), 2);
//!
//! let header = MessageHeader::new(
//!     url.stream_keys()[0].clone(),
//!     ShardId::new(0),
//!     1,
//!     Timestamp::now_utc(),
//! );
//! let text = header.timestamp().format(TIMESTAMP_FORMAT).unwrap();
//! assert!(text.contains('T'));
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use sea_streamer_types::*;

#[cfg(feature = "sea-streamer-kafka")]
pub use sea_streamer_kafka as kafka;

#[cfg(feature = "sea-streamer-redis")]
pub use sea_streamer_redis as redis;

#[cfg(feature = "sea-streamer-stdio")]
pub use sea_streamer_stdio as stdio;

#[cfg(feature = "sea-streamer-file")]
pub use sea_streamer_file as file;

/// The NATS JetStream backend, `sea-streamer-nats` (feature `nats`; tokio only).
#[cfg(feature = "sea-streamer-nats")]
pub use sea_streamer_nats as nats;

#[cfg(feature = "sea-streamer-socket")]
pub use sea_streamer_socket::*;

/// The stream-processing toolbox, `sea-streamer-fuse` (feature `fuse`).
#[cfg(feature = "sea-streamer-fuse")]
pub use sea_streamer_fuse as fuse;

#[cfg(any(
    feature = "runtime",
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
))]
pub use sea_streamer_runtime as runtime;
