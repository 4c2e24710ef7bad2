//! The `producer_ended_mid_burst` scenario: a producer ended while a burst of sends from
//! several of its clones is still in flight loses nothing it accepted.
//!
//! Every `send` that returned `Ok` was accepted: its receipt must resolve to `Ok` once
//! `end()` returns, and a consumer must receive the message. The receipts are not awaited
//! before `end()`, and the clones are dropped first, so `end()` is what has to flush.

use std::collections::BTreeSet;

use sea_streamer_runtime::timeout;
use sea_streamer_types::{ConsumerMode, Producer, Streamer};

use super::support::{all, read_until};
use super::{connect_consumer, new_key, payload, WAIT};
use crate::backend::Backend;

/// Clones of the producer that send in turn.
const CLONES: usize = 3;

/// `n` messages sent round-robin from `CLONES` (3) clones of one producer; the original is
/// ended right after the last send.
pub async fn producer_ended_mid_burst<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "producer_ended_mid_burst";
    let streamer = b.connect().await;
    let key = new_key("burst");
    b.prepare_stream(&streamer, &key).await;
    let consumer = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    let clones: Vec<_> = (0..CLONES).map(|_| producer.clone()).collect();

    let mut receipts = Vec::with_capacity(n);
    for i in 0..n {
        let sender = &clones[i % CLONES];
        let receipt = sender
            .send(payload(i).as_str())
            .unwrap_or_else(|e| panic!("{WHAT}: send({i}) refused: {e}"));
        receipts.push(receipt);
    }
    drop(clones);
    match timeout(WAIT, producer.end()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{WHAT}: end failed: {e}"),
        Err(_) => panic!("{WHAT}: end() did not return within {WAIT:?}"),
    }
    let mut stored = BTreeSet::new();
    for (i, receipt) in receipts.into_iter().enumerate() {
        match timeout(WAIT, receipt).await {
            Ok(Ok(header)) => {
                assert_eq!(
                    header.stream_key(),
                    &key,
                    "{WHAT}: receipt {i} names another stream"
                );
                let at = (*header.shard_id(), *header.sequence());
                assert!(stored.insert(at), "{WHAT}: two receipts carry {at:?}");
            }
            Ok(Err(e)) => panic!("{WHAT}: message {i} was accepted, then failed: {e}"),
            Err(_) => panic!("{WHAT}: the receipt of message {i} did not resolve within {WAIT:?}"),
        }
    }
    let order = read_until(&consumer, &all(0..n), WHAT).await;
    assert_eq!(
        order.len(),
        n,
        "{WHAT}: a message was delivered twice: {order:?}"
    );
}
