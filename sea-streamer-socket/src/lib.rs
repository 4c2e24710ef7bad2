//! # sea-streamer-socket
//!
//! Pick a sea-streamer backend **at run time** from the URI scheme. [`SeaStreamer`],
//! [`SeaProducer`], [`SeaConsumer`] and [`SeaMessage`] wrap whichever backend the URI names,
//! and implement the same [`Streamer`](sea_streamer_types::Streamer),
//! [`Producer`](sea_streamer_types::Producer), [`Consumer`](sea_streamer_types::Consumer) and
//! [`Message`](sea_streamer_types::Message) traits as every backend.
//!
//! | Scheme | Backend | Feature of this crate | Feature of `sea-streamer` |
//! |---|---|---|---|
//! | `kafka://` | sea-streamer-kafka | `backend-kafka` | `kafka` |
//! | `redis://`, `rediss://` | sea-streamer-redis | `backend-redis` | `redis` |
//! | `stdio://` | sea-streamer-stdio | `backend-stdio` (default) | `stdio` |
//! | `file://` | sea-streamer-file | `backend-file` | `file` |
//! | `nats://` | sea-streamer-nats (JetStream) | `backend-nats` (with `runtime-tokio`) | `nats` |
//!
//! At least one backend feature must be enabled. The runtime features `runtime-tokio`,
//! `runtime-async-std` and `runtime-smol` are forwarded to every enabled backend. As upstream,
//! `backend-redis` uses sea-streamer-redis with its default features, which select tokio; so
//! `backend-redis` together with `runtime-async-std` or `runtime-smol` is a "two runtimes"
//! compile error.
//!
//! `backend-nats` runs on tokio only (async-nats needs a tokio runtime): enable it with
//! `runtime-tokio`. With `runtime-async-std`, `runtime-smol` or no runtime feature the build
//! stops at sea-streamer-nats' compile error, "sea-streamer-nats runs on tokio only
//! (async-nats needs it): enable `runtime-tokio`". The NATS backend does not measure lag
//! yet and sends no headers: through the socket, `ConsumerLag::lag` and a send with headers
//! are `StreamErr::Unsupported` for NATS.
//!
//! ## Choosing the backend
//!
//! Recognising the scheme ([`Scheme`]) is separate from building the backend: every scheme
//! is always recognised, so a URI whose backend is compiled out fails with
//! [`StreamErr::Connect`](sea_streamer_types::StreamErr::Connect) naming the feature to
//! enable, an unknown scheme fails with ``unknown protocol `x` ``, and a URI without a
//! scheme fails with `protocol not set`.
//!
//! ```
//! # #[cfg(feature = "backend-stdio")]
//! # async fn demo() -> Result<(), sea_streamer_socket::Error> {
//! use sea_streamer_socket::{Backend, SeaConnectOptions, SeaStreamer, SeaStreamerBackend};
//! use sea_streamer_types::{Streamer, StreamerUri};
//!
//! let uri: StreamerUri = "stdio://".parse()?;
//! let streamer = SeaStreamer::connect(uri, SeaConnectOptions::default()).await?;
//! assert_eq!(streamer.backend(), Backend::Stdio);
//! # Ok(())
//! # }
//! ```
//!
//! ## Differences from upstream 0.5.2
//!
//! * [`SeaConsumer`] implements [`Acknowledge`](sea_streamer_types::Acknowledge) (new), by
//!   handing each call to the wrapped backend's implementation.
//! * Observability (issue #13, additions): [`SeaConsumer`] implements
//!   [`ConsumerLag`](sea_streamer_types::ConsumerLag) (the backend's lag: messages for
//!   Kafka and Redis, bytes for files; stdio: `Unsupported`), [`SeaProducer`] implements
//!   [`ProducerWithHeaders`](sea_streamer_types::ProducerWithHeaders) (files and stdio:
//!   `Unsupported` when given headers), [`SeaMessage`] returns the backend message's
//!   headers, and `SeaProducerOptions::set_trace_propagation` /
//!   `SeaConsumerOptions::set_trace_propagation` turn on `traceparent` propagation for the
//!   backends that carry headers (Kafka, Redis).
//! * A known scheme whose backend is not compiled in is reported as
//!   ``backend `redis` is not compiled in: enable the `redis` feature of sea-streamer (or
//!   `backend-redis` of sea-streamer-socket)`` instead of ``unknown protocol `redis` ``.
//! * Scheme matching ignores ASCII case.
//! * `SeaMessage::None` (only present without `backend-kafka`) is never constructed by this
//!   crate; if a caller builds one it behaves as an empty message on the
//!   `SEA_STREAMER_INTERNAL` stream instead of panicking.
//! * The `relay` binary creates its `file://` output if it does not exist yet.
//! * The `relay` binary awaits every receipt, at most `--max-in-flight` (default 4096) at a time,
//!   and stops with exit status 1 and the cause on the first failed one (upstream dropped the
//!   receipts, so failed sends went unnoticed). It ends normally, flushing the output and
//!   exiting 0, at the end of a finite input (a `.ss` file's end-of-stream mark, the end of
//!   stdin) and on Ctrl-C / SIGTERM (upstream exited 1 at a file's end and lost what the
//!   output had queued). A payload the stdio output cannot print (not UTF-8, or with a line
//!   break) is skipped with a warning and counted (upstream: not UTF-8 ended the relay).
//!   `--send-timeout <MS>` bounds the wait for a receipt (for Kafka: `message.timeout.ms`).
//!   Warnings are logged unless `RUST_LOG` says otherwise.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(
    feature = "backend-kafka",
    feature = "backend-redis",
    feature = "backend-stdio",
    feature = "backend-file",
    feature = "backend-nats"
)))]
compile_error!(
    "sea-streamer-socket needs at least one backend: enable one of the features `backend-kafka`, \
     `backend-redis`, `backend-stdio`, `backend-file` or `backend-nats` (or `kafka`, `redis`, \
     `stdio`, `file`, `nats` of sea-streamer)"
);

mod backend;
mod connect_options;
mod consumer;
mod consumer_options;
mod error;
mod message;
mod producer;
mod producer_options;
mod scheme;
mod streamer;

pub use backend::*;
pub use connect_options::*;
pub use consumer::*;
pub use consumer_options::*;
pub use error::*;
pub use message::*;
pub use producer::*;
pub use producer_options::*;
pub use scheme::*;
pub use streamer::*;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
