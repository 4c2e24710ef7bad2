//! The `streams_isolated` scenario: what happens on one stream never shows on another.
//!
//! Three streams whose names share a prefix (`k`, `k.a`, `k_a`) are written in interleaved
//! order; a consumer of each receives only its stream's messages, in order, under its own
//! stream key. Then (unless the backend opts out of Resumable) one consumer group commits
//! on the first stream only, and a consumer of the same group on the second stream still
//! starts from that stream's first message (unless the backend opts out through
//! `Capabilities::group_per_stream`).

use futures::future::join_all;
use sea_streamer_types::{ConsumerGroup, ConsumerMode, Message, Producer, StreamKey, Streamer};

use super::support::{commit, read_in_order};
use super::{connect_consumer, new_key, next_owned, opt_out, payload, text, WAIT};
use crate::backend::Backend;
use crate::service::random_key;

/// `n` messages on each of three streams with related names.
pub async fn streams_isolated<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "streams_isolated";
    assert!(n >= 2, "{WHAT} needs at least two messages");
    let streamer = b.connect().await;
    let base = new_key("iso");
    let keys: Vec<StreamKey> = [
        base.name().to_owned(),
        format!("{}.a", base.name()),
        format!("{}_a", base.name()),
    ]
    .into_iter()
    .map(|k| StreamKey::new(k).expect("valid key"))
    .collect();
    let mut consumers = Vec::with_capacity(keys.len());
    let mut producers = Vec::with_capacity(keys.len());
    for key in &keys {
        b.prepare_stream(&streamer, key).await;
        consumers.push(connect_consumer(b, &streamer, key, ConsumerMode::RealTime, None).await);
        producers.push(
            streamer
                .create_producer(key.clone(), b.producer_options())
                .await
                .expect("create_producer failed"),
        );
    }
    // Interleaved: message i of every stream before message i + 1 of any.
    let mut receipts = Vec::with_capacity(n * keys.len());
    for i in 0..n {
        for producer in &producers {
            receipts.push(producer.send(payload(i).as_str()).expect("send failed"));
        }
    }
    for receipt in receipts {
        sea_streamer_runtime::timeout(WAIT, receipt)
            .await
            .expect("receipt did not arrive")
            .expect("send failed");
    }
    join_all(
        consumers
            .iter()
            .zip(&keys)
            .map(|(consumer, key)| async move {
                for i in 0..n {
                    let m = next_owned(consumer, WHAT).await;
                    assert_eq!(&m.stream_key(), key, "{WHAT}: a message of another stream");
                    assert_eq!(text(&m), payload(i), "{WHAT}: {key}, message {i}");
                }
            }),
    )
    .await;

    match b
        .capabilities()
        .resumable
        .and(b.capabilities().group_per_stream)
    {
        Ok(()) => {
            let group = ConsumerGroup::new(random_key("group"));
            let mode = ConsumerMode::Resumable;
            let mut first =
                connect_consumer(b, &streamer, &keys[0], mode, Some(group.clone())).await;
            let headers = read_in_order(&first, 0..n / 2 + 1, WHAT).await;
            let last = headers.last().expect("read at least one");
            commit(b, &mut first, last, WHAT).await;
            drop(first);
            let second = connect_consumer(b, &streamer, &keys[1], mode, Some(group)).await;
            read_in_order(&second, 0..n, WHAT).await;
        }
        Err(why) => opt_out("streams_isolated (Resumable)", why),
    }
    // Every receipt was awaited; end only the last producer (a file's producers share one
    // writer, which `end()` ends for all of them).
    let last = producers.pop().expect("three producers");
    drop(producers);
    last.end().await.expect("end failed");
}
