//! # sea-streamer-stdio
//!
//! The stdio backend of sea-streamer: consumers read messages from the process's
//! **stdin** (one line, one message) and producers print them to **stdout**, so stream
//! processors can be chained with unix pipes:
//!
//! ```sh
//! clock --stream clock --interval 1s | relay --input clock --output relay
//! ```
//!
//! ## Input lines
//!
//! ```text
//! a plain, raw message                                      (key `broadcast`)
//! [2022-01-01T00:00:00] { "payload": "anything" }           (timestamp)
//! [2022-01-01T00:00:00.123 | my_topic] "a string payload"   (timestamp, key)
//! [my_topic | 123] a string payload                         (key, sequence)
//! [2022-01-01T00:00:00 | my-topic-2 | 123 | 4] {"a": 1}     (timestamp, key, sequence, shard)
//! ```
//!
//! The meta parts are interpreted by position: an optional timestamp first
//! (`YYYY-MM-DDTHH:MM:SS` with an optional fraction, UTC), then a stream key, a sequence
//! number and a shard id. The payload is the rest of the line, trimmed. A line that does not
//! start with `[meta]` is a raw line: all of it is the payload, on the [`BROADCAST`] key,
//! which every consumer receives. Missing fields default to: timestamp now, shard 0, and the
//! next number of a per-(key, shard) counter. [`parse_line`] parses one line as a consumer
//! does, for programs that read this format themselves.
//!
//! ## Output lines
//!
//! `[2023-02-24T08:13:10 | relay | 0] {"relay":true,"tick":0}`: UTC time in
//! [`TIMESTAMP_FORMAT`], stream key, and a per-key sequence number of this process starting
//! at 0. Empty payloads print nothing. Payloads are printed verbatim, so a payload must
//! be UTF-8 and must not contain a line break: the producer refuses either with an error
//! from `send` (`Utf8Error`, or an `InvalidInput` [`StdioErr::IoError`] wrapping
//! [`PayloadLineBreak`]) and prints nothing, because one line is one message and a
//! line break would split the payload into a second, forged message. Nothing is escaped:
//! what a consumer reads for every printable payload is exactly what upstream printed.
//! A consumer reads a meta line's payload trimmed of surrounding whitespace (the grammar
//! trims it, as upstream), so a printed payload ` x ` is read back as `x`; a payload without
//! surrounding whitespace is read back byte for byte (a property test checks both).
//!
//! [`stdin_closed`] resolves once stdin has ended and every line read was queued to the
//! consumers, for programs that stop at the end of their input.
//!
//! ## Consumers
//!
//! A consumer gets every message of the keys it subscribed to, and every broadcast. A
//! consumer group (mode `LoadBalanced`) gets each of its messages once, in member
//! `sequence % members` (members in order of creation). With
//! [`StdioConnectOptions::set_loopback`], producers also deliver what they print to the
//! consumers of the same process.
//!
//! ```
//! # async fn demo() -> sea_streamer_stdio::StdioResult<()> {
//! use sea_streamer_stdio::{StdioConnectOptions, StdioConsumerOptions, StdioStreamer};
//! use sea_streamer_types::{
//!     Buffer, Consumer, Message, Producer, StreamKey, Streamer, StreamerUri,
//! };
//!
//! let mut options = StdioConnectOptions::default();
//! options.set_loopback(true);
//! let streamer = StdioStreamer::connect(StreamerUri::zero(), options).await?;
//! let key = StreamKey::new("hello")?;
//! let consumer = streamer
//!     .create_consumer(&[key.clone()], StdioConsumerOptions::default())
//!     .await?;
//! let producer = streamer.create_producer(key, Default::default()).await?;
//!
//! let receipt = producer.send("world")?.await?; // prints `[… | hello | 0] world`
//! let message = consumer.next().await?;
//! assert_eq!(message.message().as_str(), Ok("world"));
//! assert_eq!(message.sequence(), *receipt.sequence());
//! streamer.disconnect().await?;
//! # Ok(()) }
//! # futures::executor::block_on(demo()).unwrap();
//! ```
//!
//! No async runtime is needed: stdin and stdout are served by two OS threads
//! (`sea-streamer-stdio-stdin`, `sea-streamer-stdio-stdout`). The `runtime-*` features only
//! forward to `sea-streamer-runtime`.
//!
//! ## Observability
//!
//! Additions to the 0.5 API (issue #13; metric names in `sea_streamer_types::observe`):
//!
//! - **Metrics** (labels `backend="stdio"`, `stream`): a producer counts messages, payload
//!   bytes and errors (refused sends) per key (two atomic adds per send); receipts come from
//!   the stdout thread per printed batch, so its in-flight gauge and send-latency histogram
//!   are not recorded. A consumer counts the messages and payload bytes dealt into its queue
//!   (a broadcast line under its first key) and samples the event-time latency of one in 8.
//! - **Lag**: not applicable. A pipe has no end to measure against (what has not been read
//!   may not have been written yet), so [`ConsumerLag::lag`](sea_streamer_types::ConsumerLag)
//!   fails with `StreamErr::Unsupported`.
//! - **Headers**: a line has no place for them (the format stays as it is):
//!   [`ProducerWithHeaders`](sea_streamer_types::ProducerWithHeaders) sends when the headers
//!   are empty and fails with `StreamErr::Unsupported` otherwise (nothing printed).
//! - **Spans** (trace level, one per batch, never per line): `sea_streamer.read_batch` for a
//!   batch of stdin lines and `sea_streamer.produce_batch` for a printed batch (`count`).
//!
//! ## Differences from upstream 0.5.2
//!
//! - **Observability** (new, see above): metrics, `ConsumerLag` (Unsupported) and
//!   `ProducerWithHeaders` (refuses non-empty headers).
//! - **Malformed meta lines** (e.g. `[a b] x`, `[k | 1 | 2 | 3] x`) no longer abort the
//!   process: the whole line, untrimmed, is delivered as a raw payload on [`BROADCAST`] and
//!   a warning is logged. Invalid shapes are rejected exactly as the grammar says
//!   (`[2022-01-01T00:00:00] 12345` is valid: a timestamp and payload `12345`).
//! - **Non-UTF-8 lines** are delivered the same way (raw bytes intact, on [`BROADCAST`],
//!   with a warning) instead of being rejected.
//! - **Empty lines** are delivered as empty payloads on [`BROADCAST`]. Lines of any length
//!   are delivered intact. If stdin closes mid-line, the partial last line is delivered;
//!   after end of input, consumers keep waiting (loopback messages may still come), as
//!   upstream.
//! - **Receipts** carry the sequence number actually printed (upstream: always 0).
//!   Receipts complete once the line has been flushed to stdout; a write error (e.g. a
//!   closed pipe) fails them with `IoError` instead of crashing the output thread. Lines
//!   printed in one batch share one timestamp, taken when the batch starts.
//! - **A given sequence number** sets the (key, shard) counter to the number *after* it
//!   (upstream set it to the number itself, so the next line without a sequence repeated it).
//! - **`unassign`** removes an assignment made by `assign` (every subscribed stream starts
//!   assigned at shard 0) instead of always failing: `Err(StreamKeyNotFound)` if absent,
//!   `Err(StreamKeyEmpty)` for the last one.
//! - **A closed consumer group member** gives back the group's messages it had not
//!   received (queued, or already in its channel): they are dealt again, in order, among
//!   the members that remain (upstream dropped them). With no member left for a key, they
//!   are dropped, as lines read while a group has no member are.
//! - **Stdin is read from the first `next()`/`stream()` call** (upstream: from the first
//!   consumer creation), so all consumers created before, e.g. every member of a group,
//!   see the first line.
//! - **`disconnect`** needs no async runtime (it awaits the stdout thread's exit signal
//!   instead of polling with `sleep`).
//! - **A payload with a line break** is refused by the producer with a typed error
//!   ([`PayloadLineBreak`]); upstream printed it verbatim, so it became two messages and its
//!   second line could forge any key, sequence number and time.
//! - **[`Acknowledge`](sea_streamer_types::Acknowledge)** is implemented for
//!   [`StdioConsumer`] as a no-op (stdin cannot be replayed: nothing to commit).
//! - **[`parse_line`]** is new: the consumers' line parser, public (upstream kept it
//!   private), with [`ParsedLine`], [`PartialHeader`] and [`ParseErr`].
//! - **[`stdin_closed`]** is new: it tells that stdin has ended (consumers still wait, as
//!   upstream).
//! - The `relay` and `complex` binaries skip a payload that is not JSON with a warning
//!   (upstream: the process exits with an error). `relay` awaits its receipts (at most
//!   `--max-in-flight`, default 4096, at a time): a failed print stops it with that error;
//!   at the end of stdin it prints what it read and exits 0 (upstream: waited forever).
//!   `complex` does the same at the end of stdin. All three end quietly (exit 0, nothing on
//!   stderr) when stdout is closed by its reader (`clock | head -2`; upstream: an error),
//!   exit 1 with a one-line message on a runtime error and 2 on a usage error, show
//!   warnings unless `RUST_LOG` says otherwise, and answer `--version` with their own name.
//!   `clock --interval` takes the shared syntax of `sea_streamer_types::parse_duration`; a
//!   bad value is refused with `invalid duration ...` listing the units (upstream:
//!   `Failed to parse {src} as Duration`).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ack;
mod consumer;
mod consumer_group;
mod eof;
mod error;
mod input;
mod limits;
#[cfg(test)]
mod line_prop;
mod observe;
mod options;
mod output;
mod parser;
#[cfg(test)]
mod parser_prop;
mod producer;
mod streamer;
mod util;

pub use consumer::{NextFuture, StdioConsumer, StdioMessage, StdioMessageStream};
pub use eof::{stdin_closed, StdinClosed};
pub use error::{PayloadLineBreak, StdioErr, StdioResult};
pub use limits::{QueueFull, QueueLimits, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES};
pub use options::{StdioConnectOptions, StdioConsumerOptions, StdioProducerOptions};
pub use output::SendFuture;
pub use parser::{parse_line, ParseErr, ParsedLine, PartialHeader};
pub use producer::StdioProducer;
pub use streamer::StdioStreamer;
pub use util::{BROADCAST, TIMESTAMP_FORMAT, TIMESTAMP_FORMAT_SUBSEC};

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
