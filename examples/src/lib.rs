//! # sea-streamer examples
//!
//! Shared code of the example programs in `src/bin/`. Every program takes stream URLs
//! (`--input`, `--output`, `--stream`) and runs on any backend compiled into the facade:
//! `file://` and `stdio://` need no server, `redis://` and `kafka://` talk to a broker.
//!
//! The modules hold the logic so that the end-to-end tests can call it directly:
//!
//! | Module | Used by |
//! |---|---|
//! | [`endpoint`] | every program: connecting by URL, consumer options, end of stream |
//! | [`cli`] | shared command-line value types (durations, start position) |
//! | [`tick`] | `tick-producer`: clock ticks |
//! | [`transform`] | `processor`: the payload transformation, on the runner |
//! | [`runner`] | programs on the processor runner: signals, runner options |
//! | [`observe`] | `--metrics-addr`: Prometheus text over HTTP |
//! | [`batch`] | `buffered`, `sql-sink`: collecting messages into batches |
//! | [`work`] | `blocking`: CPU-bound work on a thread pool while consuming |
//! | [`resume`] | `resumable`: committing progress per backend |
//! | [`spread`] | `price-feed`, `sql-sink`, `aggregator`: feed and stream message formats |
//! | [`replay`] | `feed-replay`: a local websocket server replaying a recorded feed |
//! | [`price_feed`] | `price-feed`: websocket feed to stream |
//! | [`sql_sink`] | `sql-sink`: stream to SQLite, exactly once |
//! | [`sql_position`] | `sql-sink`: consumed positions stored with the rows, resuming from them |
//! | [`moving_average`] | `aggregator`: moving average of the mid price |
//! | [`log_count`] | `log-aggregator`: occurrences of each log line per time window |
//!
//! Library code logs with `log`; only the binaries print.

pub mod batch;
pub mod cli;
pub mod endpoint;
pub mod kraken;
pub mod log_count;
pub mod moving_average;
pub mod observe;
pub mod price_feed;
pub mod replay;
pub mod resume;
pub mod runner;
pub mod spread;
pub mod sql_position;
pub mod sql_sink;
pub mod tick;
pub mod transform;
pub mod work;
