//! Watching outputs: how many distinct inputs have an output so far, shared between the
//! reading task and the test, with a way to wait for a count.

use sea_streamer::{Buffer, Message};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Outputs seen per input number, and the number of distinct inputs seen.
#[derive(Debug, Clone)]
pub struct Seen {
    counts: Arc<Mutex<Vec<u32>>>,
    distinct: watch::Sender<u64>,
}

impl Seen {
    /// Nothing seen of `n` inputs.
    pub fn new(n: u64) -> Self {
        Self {
            counts: Arc::new(Mutex::new(vec![0; n as usize])),
            distinct: watch::Sender::new(0),
        }
    }

    /// Records the output of input `i`; panics on a number that was never an input.
    pub fn add(&self, i: u64) {
        let mut counts = self.counts.lock().unwrap();
        let n = counts.len();
        let slot = counts
            .get_mut(i as usize)
            .unwrap_or_else(|| panic!("output for input {i}, but there are {n} inputs"));
        *slot += 1;
        if *slot == 1 {
            self.distinct.send_modify(|d| *d += 1);
        }
    }

    /// Waits until at least `k` distinct inputs have an output.
    pub async fn reach(&self, k: u64) {
        let mut receiver = self.distinct.subscribe();
        let wait = receiver.wait_for(|d| *d >= k);
        tokio::time::timeout(super::WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("{k} outputs not reached: {}", self.distinct()))
            .expect("the sender lives in self");
    }

    /// Distinct inputs with an output.
    pub fn distinct(&self) -> u64 {
        *self.distinct.borrow()
    }

    /// Outputs per input so far.
    pub fn counts(&self) -> Vec<u32> {
        self.counts.lock().unwrap().clone()
    }
}

/// The input number `n` of a `processor` output such as `{"n":5,"processed":true}`; `None`
/// for another payload (the test's end mark).
pub fn output_number(message: &impl Message) -> Option<u64> {
    let payload = message.message();
    let value: serde_json::Value = serde_json::from_str(payload.as_str().ok()?).ok()?;
    value.get("n")?.as_u64()
}
