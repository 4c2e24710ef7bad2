//! # sea-streamer-redis: the Redis Streams backend of sea-streamer
//!
//! One sea-streamer stream is one Redis stream (or, with a sharder, several: `{stream}:{shard}`).
//! Each message is one entry whose field `msg` holds the payload bytes; the entry id `T-S`
//! gives the message its timestamp `T` (ms) and sequence number `(T << 16) | S`.
//!
//! * [`RedisProducer`]: `send` never blocks; a background task pipelines the `XADD`s in
//!   batches and resolves each receipt with the id Redis assigned.
//! * [`RedisConsumer`]: `RealTime` reads with `XREAD`; `Resumable` and `LoadBalanced` read with
//!   `XREADGROUP` in a consumer group, with acks (`XACK`) sent as the [`AutoCommit`] option
//!   says. LoadBalanced consumers claim (`XAUTOCLAIM`) the pending entries of consumers that
//!   have gone idle. Consumers can `seek` to a time and `rewind` to a sequence number.
//!
//! ```no_run
//! use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions, RedisStreamer};
//! use sea_streamer_types::{Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer};
//!
//! # async fn demo() -> anyhow::Result<()> {
//! let streamer = RedisStreamer::connect("redis://localhost".parse()?, RedisConnectOptions::default()).await?;
//! let key = StreamKey::new("hello")?;
//! let producer = streamer.create_producer(key.clone(), Default::default()).await?;
//! producer.send("world")?;
//! producer.end().await?;
//!
//! let mut options = RedisConsumerOptions::new(ConsumerMode::RealTime);
//! options.set_auto_stream_reset(AutoStreamReset::Earliest);
//! let consumer = streamer.create_consumer(&[key], options).await?;
//! let message = consumer.next().await?;
//! assert_eq!(message.message().as_str()?, "world");
//! # Ok(())
//! # }
//! ```
//!
//! ## Differences from upstream 0.5.2
//! * `send_with_ts` honours its timestamp in millisecond mode too (id `"{ts_ms}-*"`); upstream
//!   used the current time.
//! * `assign`ing a shard that was not discovered at creation reads the key `{stream}:{n}`
//!   (upstream formatted `ShardId`'s debug form into the key).
//! * `RedisStreamer::disconnect` succeeds (upstream always returned an error).
//! * A LoadBalanced consumer claims idle entries under its own name (upstream passed the idle
//!   consumer's name to `XAUTOCLAIM`, so nothing changed hands).
//! * Shards are discovered with `SCAN` instead of `KEYS`.
//! * A RealTime `Latest` consumer pins the position at creation (the last entry id), so entries
//!   added between two reads are never skipped.
//! * A blocking read is never cut short by the client's response timeout; a consumer whose
//!   connection drops reconnects and continues from its last id; a stream deleted under a group
//!   (`NOGROUP`) is recreated when `mkstream` is set, else reported as an error.
//! * The producer retries a pipeline after reconnecting and fails each receipt it could not
//!   deliver (instead of panicking after 100 retries).
//! * `create_consumer` with no stream returns `StreamKeyEmpty` (upstream timed out), and
//!   `ShardOwnership::Owned` returns `Unsupported` (upstream panicked).
//! * Cluster mode: seek/rewind and on-demand reads work (upstream panicked).

#[cfg(all(feature = "runtime-tokio", feature = "runtime-async-std"))]
compile_error!("'runtime-async-std' and 'runtime-tokio' cannot be enabled at the same time");

mod cluster;
mod connect_options;
mod connection;
pub mod constants;
mod consumer;
mod error;
mod host;
mod message;
mod producer;
mod streamer;

pub use cluster::RedisCluster;
pub use connect_options::{RedisConnectOptions, TimestampFormat};
pub use connection::{Connection, NodeId};
pub use consumer::{
    AutoCommit, AutoStreamReset, NextFuture, RedisConsumer, RedisConsumerOptions,
    RedisMessageStream, ShardOwnership, StreamFuture,
};
pub(crate) use error::map_err;
pub use error::{RedisErr, RedisResult};
pub use host::{consumer_id, group_id, host_id};
pub use message::{parse_message_id, MessageId, RedisMessage, RedisMessageId, MAX_MSG_ID};
pub use producer::{
    PseudoRandomSharder, RedisProducer, RedisProducerOptions, RoundRobinSharder, SendFuture,
    Sharder, SharderConfig,
};
pub use streamer::RedisStreamer;

use sea_streamer_types::ShardId;
use std::time::Duration;

/// The default Redis port.
pub const REDIS_PORT: u16 = 6379;
/// Default timeout for connecting and for creating consumers.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default field name holding the payload in a stream entry.
pub const MSG: &str = "msg";
/// Shard 0: the shard of an unsharded stream.
pub const ZERO: ShardId = ShardId::new(0);

/// The README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
