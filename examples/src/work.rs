//! CPU-bound work on a thread pool while consuming: the `blocking` example.
//!
//! Heavy synchronous work must not run on the async runtime's threads, or it stalls every
//! other task (including the consumer's own I/O). Here each message is handed to tokio's
//! blocking thread pool with `spawn_blocking`; at most `workers` messages are in flight, so a
//! slow pool pushes back on the consumer instead of buffering without bound. Results are sent
//! in input order.

use crate::endpoint::{next_or_end, Limit};
use futures::stream::{FuturesOrdered, StreamExt};
use sea_streamer::{Buffer, Message, Producer, SeaConsumer, SeaProducer, SeqNo, SharedMessage};
use serde::{Deserialize, Serialize};

/// Deterministic CPU work: `rounds` rounds of 64-bit FNV-1a over the payload, each round
/// seeded with the previous digest.
///
/// ```
/// use sea_streamer_examples::work::crunch;
///
/// assert_eq!(crunch(b"a", 1), 0xaf63dc4c8601ec8c); // FNV-1a of "a"
/// assert_ne!(crunch(b"a", 2), crunch(b"a", 1));
/// ```
pub fn crunch(payload: &[u8], rounds: u32) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut digest = OFFSET;
    for round in 0..rounds {
        let mut hash = if round == 0 { OFFSET } else { digest };
        for byte in payload {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
        digest = hash;
    }
    digest
}

/// The message the `blocking` example sends for each input message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkResult {
    /// Sequence number of the input message.
    pub sequence: SeqNo,
    /// [`crunch`] of its payload, as 16 hex digits.
    pub digest: String,
    /// The input payload.
    pub payload: String,
}

/// Runs the work for one message (on a blocking thread).
pub fn process(message: &SharedMessage, rounds: u32) -> anyhow::Result<WorkResult> {
    let payload = message.message();
    Ok(WorkResult {
        sequence: message.sequence(),
        digest: format!("{:016x}", crunch(payload.as_bytes(), rounds)),
        payload: payload.as_str()?.to_owned(),
    })
}

/// Consumes messages, runs [`process`] for each on the blocking thread pool with at most
/// `workers` in flight, and sends the results (JSON [`WorkResult`]) in input order.
/// Stops after `count` messages (`None`: no limit) or at the end of the input, once all
/// work in flight is done. Returns the number of results sent.
pub async fn run_blocking(
    consumer: &SeaConsumer,
    producer: &SeaProducer,
    workers: usize,
    rounds: u32,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    anyhow::ensure!(workers > 0, "at least one worker is needed");
    let mut read = Limit::new(count);
    let mut ended = false;
    let mut sent = 0;
    let mut in_flight = FuturesOrdered::new();
    loop {
        let can_read = !ended && !read.reached() && in_flight.len() < workers;
        if !can_read && in_flight.is_empty() {
            break;
        }
        tokio::select! {
            // finish work first: keeps the output flowing and frees a worker slot
            biased;
            Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                let result: WorkResult = done??;
                producer.send(serde_json::to_string(&result)?.as_str())?.await?;
                log::debug!("sent result of #{}", result.sequence);
                sent += 1;
            }
            next = next_or_end(consumer), if can_read => match next? {
                Some(message) => {
                    read.add(1);
                    in_flight.push_back(tokio::task::spawn_blocking(move || process(&message, rounds)));
                }
                None => ended = true,
            },
        }
    }
    Ok(sent)
}
