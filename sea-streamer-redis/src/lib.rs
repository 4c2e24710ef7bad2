//! # sea-streamer-redis: the Redis Streams backend of sea-streamer
//!
//! One sea-streamer stream is one Redis stream (or, with a sharder, several: `{stream}:{shard}`).
//! Each message is one entry whose field `msg` holds the payload bytes; the entry id `T-S`
//! gives the message its timestamp `T` (ms) and sequence number `(T << 16) | S`. The entry's
//! other fields are the message's headers (an addition: `Message::headers`,
//! `ProducerWithHeaders`); metrics, consumer lag (`ConsumerLag`), tracing spans and
//! `traceparent` propagation are described in the README's "Observability" section.
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
//! ## The `XREAD` fast path
//!
//! Plain `XREAD` reads (RealTime consumers, and any consumer after a seek) on a single
//! `redis://` node (no TLS, `enable_cluster` off) run on a raw TCP connection of their own
//! (`sea_streamer_runtime::net`, under every runtime). Its replies are read by a minimal RESP2 reader straight
//! into messages that share one buffer per reply, without building `redis::Value`s or one
//! allocation per field; the next `XREAD` is written as soon as a reply is parsed. The
//! connection authenticates (`AUTH`) and selects the database (`SELECT`) as the options say,
//! and has no response timeout. Server error replies are handled as on the `redis`-crate path;
//! a broken connection is reopened after the node's reconnection back-off and reading resumes
//! after the last delivered id. Every other read (groups, cluster, `rediss://`) goes
//! through the `redis` crate. A message keeps its whole reply buffer (about `batch_size`
//! entries) alive; copy the payload out to keep a single message for long. The reply buffer
//! grows with the bytes actually received (at most doubling): a reply announcing a huge bulk
//! string reserves nothing before its bytes arrive.
//!
//! On every path, a read that comes back empty without blocking (a misbehaving server or
//! proxy) is followed by a pause before the next one: 10 ms, doubling to at most 1 s, back to
//! 10 ms once a read returns entries or blocks as it should. A read blocked if its empty reply
//! came no sooner than its own `BLOCK` time after it was sent (a slow reply, or a consumer
//! delayed by a loaded machine, is not taken for one).
//!
//! ## Failures
//!
//! One policy (module `policy`) classifies every error for the producer, the consumers and the
//! cluster map: a lost connection is re-established (back-off 1, 2, 4 … s while within the
//! connect timeout) and the operation retried; `MOVED` is followed at once and remembered; a
//! busy server or cluster (`TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `ASK`, `LOADING`) is
//! retried after 250 ms doubling to 8 s, with jitter (the producer fails a message's receipt
//! after 100 such retries); anything else is returned (consumers first handle `NOGROUP`,
//! `UNBLOCKED` and `CROSSSLOT` as described below). Every back-off is a `backon` schedule.
//!
//! ## Architecture
//!
//! Modules depend downwards only (no cycle between modules):
//!
//! * `policy` (failure classification, back-off) ← `connection` (one node, reconnection)
//!   ← `cluster` (nodes, key → node map, `MOVED`) ← `producer`, `consumer`, `streamer`.
//! * `producer`: the handle (`mod.rs`), `budget` (queue limits) ← `request` ← `queue`
//!   ← `task` (pipelined `XADD`s), `sharder`, `options`.
//! * `consumer`: the handle (`mod.rs`, with `future` for `next()` / the stream) and its
//!   background `task`. `setup` turns the options into names and group parameters and prepares
//!   connections, shards (`discover`) and groups. The task owns the shard table (`shard`) and
//!   calls modules with their own state: `race` (`Control`: control messages, `acks`, and the
//!   command connections of `commands`, raced against every read), `absent` (keys not written
//!   yet), `claim` (LoadBalanced failover), `pace` (empty reads), and the two read paths:
//!   `read` (command plan, `redis`-crate reads, read-ahead) and `fast_read` (raw connection of
//!   `fast` with `reply_buf` and `resp`). Both paths' replies are parsed by one entry parser
//!   (`entries`, walking a `redis::Value` in `reply` or raw bytes in `xread`; entries without
//!   the message field per `foreign`), and their errors
//!   take one path in the task (`policy` classification). `outcome` names what a reading step
//!   came to.
//!
//! ## Differences from upstream 0.5.2
//!
//! * `send_with_ts` honours its timestamp in millisecond mode too (id `"{ts_ms}-*"`); upstream
//!   used the current time. An id not greater than the stream's last id fails that receipt.
//! * `assign`ing a shard not discovered at creation reads the key `{stream}:{n}`; upstream put
//!   `ShardId`'s debug form (`stream:ShardId { id: 1 }`) into the key.
//! * `RedisStreamer::disconnect` succeeds; upstream always returned an error.
//! * TLS over rustls under any runtime (feature `tls-rustls`, new) and a private CA through
//!   [`RedisConnectOptions::set_root_cert_file`] (new); `rediss://` without TLS compiled in
//!   fails with `StreamErr::Connect` naming the feature (upstream: the redis crate's "the
//!   feature is not enabled").
//! * LoadBalanced failover claims idle entries under the claimer's own name; upstream passed the
//!   idle consumer's name to `XAUTOCLAIM`, so the entries never changed hands.
//! * Shards are discovered with `SCAN` instead of `KEYS`.
//! * A RealTime `Latest` consumer pins its start position (the last entry id) at creation, so
//!   entries added between two reads are never skipped.
//! * Reads block for `HEARTBEAT` with the client's response timeout disabled (the redis crate's
//!   500 ms default would cut them short).
//! * Consumers reconnect after a lost connection (back-off 1, 2, 4 … s) and continue from their
//!   last id; group consumers re-read their pending list first, so nothing fetched is lost.
//! * A Resumable or LoadBalanced consumer created on a key that does not exist yet (no
//!   `mkstream`) waits for it instead of failing its first `next()` (upstream: `XGROUP
//!   subcommand requires the key to exist`). Once the key appears the group is created at `0`,
//!   for `Earliest` and `Latest` alike: a consumer that was waiting before the stream existed
//!   has seen none of it, so it gets every entry from the first one (if another consumer of
//!   the group created the group first, that one's start point holds). Keys that exist are
//!   read meanwhile. The wait costs a blocking `XREAD` (one node) or a check every 50 ms to
//!   1 s (back-off, several cluster nodes) and is logged once per key at info level.
//!   `mkstream` keeps its meaning (the stream is created at once). RealTime consumers read a
//!   missing key from `0-0` for `Latest` too, so the first entries are not missed.
//! * A stream deleted under a consumer group (`NOGROUP`) is recreated when `mkstream` is set, else
//!   `next()` returns a clear error.
//! * The producer re-sends a pipeline after reconnecting; when the node stays unreachable (back-off
//!   longer than the connect timeout, 60 s by default) each receipt of the batch gets the error.
//!   Nothing is lost silently; a message may be stored twice if the connection broke after Redis
//!   stored it. Upstream panicked after 100 retries.
//! * The producer's queue is bounded: at most `max_queued_messages` (default 100 000) messages
//!   and `max_queued_bytes` (default 64 MiB) of payloads sent and not yet answered by Redis;
//!   beyond that `send` returns `RedisErr::QueueFull` (a new variant) and queues nothing.
//!   Upstream's queue was unbounded (a stalled Redis made the producer grow without limit).
//!   The queue's storage is released once a backlog drains.
//! * Entries' fields other than the message field are read as the message's headers (upstream
//!   ignored them); headers are written with `ProducerWithHeaders`, and a header named like the
//!   message field fails the send with `RedisErr::ReservedHeader` (a new variant).
//! * `RedisProducer::resent_count()` (new) counts messages re-sent because their pipeline's
//!   reply was lost (response timeout, e.g. Redis stalled longer than the connect timeout, or a
//!   broken connection); each re-send is logged as a warning with the count. Such messages may
//!   be stored twice (at-least-once): the count bounds the duplicates.
//! * `create_consumer` with no stream returns `StreamKeyEmpty` (upstream timed out);
//!   `ShardOwnership::Owned` returns `Unsupported` (upstream panicked).
//! * With `enable_cluster`, seek/rewind and on-demand reads work (upstream panicked); a read
//!   spanning several hash slots falls back to one read per key after a `CROSSSLOT` error.
//! * RealTime consumers read a few batches ahead (at most about 5 × `batch_size` entries); group
//!   modes stay one batch ahead, so that a LoadBalanced consumer does not take entries from the
//!   others early.
//! * A dropped consumer does not send its queued acks (call `end()` to send them); `Rolling`
//!   auto-commits send the acks recorded before the delivery that triggers them.
//! * An entry without the message field (one sea-streamer did not write, e.g. `redis-cli XADD
//!   s '*' id 1 amount 20`) is no longer skipped silently: the consumer logs a warning once per
//!   stream naming the stream and the field, and with
//!   `RedisConsumerOptions::set_foreign_entries(ForeignEntries::AsJson)` (new) delivers it as a
//!   JSON object of its fields (`{"id":"1","amount":"20"}`; see [`ForeignEntries`]).
//! * Connection errors name the node's address and the cause (`IO error: connecting to
//!   127.0.0.1:6380: Connection refused (os error 111)`); the redis crate's message has no
//!   address.

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
mod policy;
mod producer;
mod streamer;
mod tls;

pub use cluster::RedisCluster;
pub use connect_options::{RedisConnectOptions, TimestampFormat};
pub use connection::{Connection, NodeId};
pub use consumer::{
    AutoCommit, AutoStreamReset, ForeignEntries, NextFuture, RedisConsumer, RedisConsumerOptions,
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

#[cfg(test)]
mod bounds {
    use super::*;

    fn send_sync<T: Send + Sync>() {}
    fn send_unpin<T: Send + Unpin>() {}

    #[test]
    fn handles_and_futures_can_move_between_tasks() {
        send_sync::<RedisStreamer>();
        send_sync::<RedisProducer>();
        send_sync::<RedisConsumer>();
        send_unpin::<SendFuture>();
        send_unpin::<NextFuture<'static>>();
        send_unpin::<RedisMessageStream<'static>>();
    }
}
