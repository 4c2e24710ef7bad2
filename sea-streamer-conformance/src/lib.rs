//! Backend-agnostic conformance scenarios for sea-streamer backends, and the helpers
//! tests use to find the real services started by `scripts/services.sh`.
//!
//! A backend's integration tests implement [`Backend`] for their test target and call the
//! scenarios of [`scenarios`] it supports (or [`scenarios::run_all`]); the socket crate runs
//! them again through `SeaStreamer`. A backend that cannot support a scenario says why in
//! one line through [`Capabilities`].
//!
//! ```ignore
//! struct Stdio;
//! impl Backend for Stdio { /* connect, consumer_options, commit, capabilities */ }
//!
//! #[tokio::test]
//! async fn conformance() {
//!     sea_streamer_conformance::scenarios::run_all(&Stdio).await;
//! }
//! ```

pub mod backend;
pub mod prometheus;
pub mod scenarios;
pub mod service;
pub mod stress;

pub use backend::{
    Backend, Capabilities, ConsumerOf, ConsumerOptionsOf, ProducerOf, ProducerOptionsOf,
    RewindRule, SeekRule, NO_ACKNOWLEDGE, NO_RESTART,
};
pub use service::{random_key, service_url};
