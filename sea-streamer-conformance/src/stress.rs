//! Stress mode: the whole suite ([`run_all`]) several times at
//! once, every copy on fresh stream names (each scenario draws its own random names).
//!
//! The number of copies comes from the environment variable [`STRESS_VAR`]
//! (`SEA_STREAMER_STRESS=N`); `scripts/stress.sh` sets 10, `scripts/test.sh` 2. Without it
//! a stress test is skipped with a printed reason, since the plain suite already runs each
//! scenario once.
//!
//! ```ignore
//! #[tokio::test(flavor = "multi_thread")]
//! async fn stress() {
//!     sea_streamer_conformance::stress::run(|_| Some(Stdio)).await;
//! }
//! ```

use std::io::Write;

use futures::future::join_all;

use crate::backend::{Backend, ConsumerOf};
use crate::scenarios::run_all;

/// The environment variable holding the number of concurrent copies of the suite.
pub const STRESS_VAR: &str = "SEA_STREAMER_STRESS";

/// The number of copies asked for, or `None` (with the reason on stderr) when
/// [`STRESS_VAR`] is unset or 0. Panics on a value that is not a number.
pub fn copies() -> Option<usize> {
    let n = match std::env::var(STRESS_VAR) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<usize>()
            .unwrap_or_else(|e| panic!("{STRESS_VAR}={v:?} is not a number of copies: {e}")),
        _ => 0,
    };
    if n == 0 {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {STRESS_VAR} is not set (or 0); set it to N to run the whole conformance \
             suite N times concurrently"
        );
        return None;
    }
    Some(n)
}

/// Runs [`run_all`] [`copies`] times concurrently, copy `i` on the backend `make(i)` (which
/// may share one server with the other copies, or not). Returns without running anything
/// when stress mode is off or `make` returns `None` (a service that is not configured).
///
/// The copies are polled concurrently in the calling task (a backend's `next()` future
/// need not be `Send`); each backend's own tasks run on the runtime's threads.
pub async fn run<B: Backend>(make: impl Fn(usize) -> Option<B>) -> usize
where
    ConsumerOf<B>: 'static,
{
    let Some(n) = copies() else { return 0 };
    let mut backends = Vec::with_capacity(n);
    for i in 0..n {
        match make(i) {
            Some(b) => backends.push(b),
            None => return 0,
        }
    }
    join_all(backends.iter().map(run_all)).await;
    let _ = writeln!(
        std::io::stderr(),
        "stress: the conformance suite passed {n} times concurrently"
    );
    n
}
