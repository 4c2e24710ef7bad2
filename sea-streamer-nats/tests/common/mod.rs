//! Shared test helpers: the test server's URL and a connected streamer.
#![allow(dead_code)]

pub mod capabilities;
pub mod server;

use sea_streamer_nats::{NatsConnectOptions, NatsStreamer};
use sea_streamer_types::Streamer;

/// The variable `scripts/services.sh env` exports for the test nats-server.
pub const NATS_VAR: &str = "SEA_STREAMER_TEST_NATS";

/// The test server's URL, or `None` (with a printed reason) when the variable is unset.
pub fn url() -> Option<String> {
    sea_streamer_conformance::service_url(NATS_VAR)
}

/// Connects to `url`, panicking with the error (test code).
pub async fn connect(url: &str, options: NatsConnectOptions) -> NatsStreamer {
    NatsStreamer::connect(url.parse().expect("a valid URL"), options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}
