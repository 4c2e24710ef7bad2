//! Finding the test services and naming test streams.
//!
//! `scripts/services.sh up` exports `SEA_STREAMER_TEST_REDIS` and `SEA_STREAMER_TEST_KAFKA`.
//! A test that needs a service calls [`service_url`]: when the variable is unset the test
//! is skipped with a printed reason, unless `SEA_STREAMER_REQUIRE_SERVICES=1`, in which
//! case it panics so CI can never pass by skipping.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Environment variable that turns a missing service into a test failure.
pub const REQUIRE_SERVICES: &str = "SEA_STREAMER_REQUIRE_SERVICES";

/// Returns the URL held by the environment variable `var` (e.g. `SEA_STREAMER_TEST_REDIS`).
///
/// Returns `None` (and writes why to stderr, so `cargo test` shows it) when the variable is unset and
/// services are not required; panics when they are required.
///
/// ```no_run
/// if let Some(url) = sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS") {
///     println!("would connect to {url}");
/// }
/// ```
pub fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let required = std::env::var(REQUIRE_SERVICES).is_ok_and(|v| v == "1");
            if required {
                panic!("{var} is not set but {REQUIRE_SERVICES}=1: start the services with `scripts/services.sh up`");
            }
            // Straight to stderr, not through `print!`, so the reason shows in the test
            // output even though the (skipped) test passes and its output is captured.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {var} is not set; run `scripts/services.sh up` and export its variables to run this test"
            );
            None
        }
    }
}

/// A stream key unique to this process and call, prefixed with `prefix`
/// (for example `random_key("orders")` gives `orders-1a2b3c-7`).
pub fn random_key(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}-{:x}{:x}-{n}",
        std::process::id(),
        nanos & 0xffff_ffff
    )
}
