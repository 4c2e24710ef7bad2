//! Observability shared by every backend: metric handles and names, consumer lag, and W3C
//! trace context propagation through message headers. All additions to the 0.5 API.
//!
//! # Metrics
//!
//! The library crates record through the [`metrics`](https://docs.rs/metrics) facade; the
//! application installs a recorder (for example a Prometheus exporter, as the example
//! binaries and `sea` do with `--metrics-addr HOST:PORT`). Without one, recording costs
//! an atomic load. Label values come from configuration, never from message content.
//!
//! | Name | Kind | Labels | Meaning |
//! |---|---|---|---|
//! | `sea_streamer_producer_messages_total` | counter | backend, stream | messages sent |
//! | `sea_streamer_producer_bytes_total` | counter | backend, stream | payload bytes sent |
//! | `sea_streamer_producer_errors_total` | counter | backend, stream | sends or receipts that failed |
//! | `sea_streamer_producer_in_flight` | gauge | backend, stream | sent, receipt not yet arrived |
//! | `sea_streamer_producer_send_seconds` | histogram | backend, stream | send to receipt |
//! | `sea_streamer_consumer_messages_total` | counter | backend, stream, group | messages delivered |
//! | `sea_streamer_consumer_bytes_total` | counter | backend, stream, group | payload bytes delivered |
//! | `sea_streamer_consumer_errors_total` | counter | backend, stream, group | errors returned or recovered from |
//! | `sea_streamer_consumer_reconnects_total` | counter | backend, stream, group | reconnections |
//! | `sea_streamer_consumer_lag` | gauge | backend, stream, group | lag at the last [`ConsumerLag::lag`] (messages; bytes for files) |
//! | `sea_streamer_consumer_event_time_seconds` | histogram | backend, stream, group | consume time minus message timestamp (one message in [`EVENT_TIME_SAMPLE`]) |
//! | `sea_streamer_processor_handled_total` | counter | backend, stream, group | messages handled successfully |
//! | `sea_streamer_processor_retried_total` | counter | backend, stream, group | failed attempts retried |
//! | `sea_streamer_processor_dead_lettered_total` | counter | backend, stream, group | messages sent to the dead-letter destination |
//! | `sea_streamer_processor_handler_seconds` | histogram | backend, stream, group | one handler attempt (one attempt in 8 is timed) |
//!
//! `group` is absent where there is no group. The names are constants in [`names`].
//!
//! # Tracing
//!
//! The backends open `tracing` spans for connect, produce batch, read batch, commit,
//! reconnect and seek, with `backend`, `stream`, `shard` and `count` fields where they
//! apply. Through tracing's `log` compatibility, applications that use `log` (e.g.
//! env_logger) keep seeing the lines they saw before. See [`TraceContext`] for
//! `traceparent` propagation.

mod lag;
mod metrics;
mod trace;

pub use self::metrics::{
    names, ConsumerMetrics, ProcessorMetrics, ProducerMetrics, EVENT_TIME_SAMPLE,
};
pub use lag::{ConsumerLag, Lag, LagUnit, ShardLag};
pub use trace::{Scoped, TraceContext, TraceParentErr, TRACEPARENT};
