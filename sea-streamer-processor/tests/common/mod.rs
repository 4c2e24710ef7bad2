//! Helpers shared by the processor's tests: the scenarios, which every backend's
//! test file runs and then checks the committed position its own way (as
//! `sea-streamer-conformance` does for the backends), and waiting on progress.

#![allow(dead_code)]

pub mod dead_letters;
pub mod order;
pub mod shutdown;

use sea_streamer_processor::{Progress, Summary};
use sea_streamer_types::{Buffer, Message, SharedMessage};
use std::time::Duration;

/// The longest a test waits for the processor before it fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// The number in a payload such as `"42"`.
pub fn number(message: &SharedMessage) -> u64 {
    message.message().as_str().unwrap().parse().unwrap()
}

/// Resolves once `done(progress)` holds (checked every 10 ms); panics after [`WAIT`].
pub async fn until(progress: Progress, done: impl Fn(&Summary) -> bool) {
    let start = std::time::Instant::now();
    while !done(&progress.snapshot()) {
        assert!(
            start.elapsed() < WAIT,
            "still waiting: {:?}",
            progress.snapshot()
        );
        sea_streamer_runtime::sleep(Duration::from_millis(10)).await;
    }
}
