//! Backend-agnostic conformance scenarios for sea-streamer backends, and the helpers
//! tests use to find the real services started by `scripts/services.sh`.
//!
//! Every backend's integration tests call the scenarios it supports; the socket crate
//! runs them again through `SeaStreamer`.

pub mod service;

pub use service::{random_key, service_url};
