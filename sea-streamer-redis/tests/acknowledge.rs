//! `Acknowledge` on Redis consumers: `XACK` of exactly the processed messages, out of order;
//! the unacknowledged ones stay pending and come back to a restarted or surviving member.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_redis::{
    consumer_id, parse_message_id, AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer,
    RedisConsumerOptions, RedisProducer, RedisStreamer, TimestampFormat,
};
use sea_streamer_types::{
    Acknowledge, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message,
    MessageHeader, Producer, SeqNo, SharedMessage, StreamErr, StreamKey, Streamer,
};
use std::collections::BTreeSet;
use std::time::Duration;

// Own helpers (not tests/common), so that changes there do not touch these tests.
fn url() -> Option<String> {
    service_url("SEA_STREAMER_TEST_REDIS")
}

async fn connect(url: &str, options: RedisConnectOptions) -> RedisStreamer {
    let _ = env_logger::builder().is_test(true).try_init();
    RedisStreamer::connect(url.parse().unwrap(), options)
        .await
        .unwrap()
}

fn key(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).unwrap()
}

/// The next message, failing the test after 60 s.
async fn next(consumer: &RedisConsumer) -> SharedMessage {
    sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
        .await
        .expect("no message within 60 s")
        .expect("next() failed")
}

fn num(msg: &SharedMessage) -> usize {
    msg.message().as_str().unwrap().parse().unwrap()
}

fn options(mode: ConsumerMode, group: &str, commit: AutoCommit) -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(mode);
    options
        .set_consumer_group(ConsumerGroup::new(group))
        .unwrap();
    options
        .set_auto_stream_reset(AutoStreamReset::Earliest)
        .set_auto_commit(commit);
    options
}

async fn produce(producer: &RedisProducer, items: std::ops::Range<usize>) {
    let mut receipts = Vec::new();
    for i in items {
        receipts.push(producer.send(i.to_string()).unwrap());
    }
    for receipt in receipts {
        receipt.await.unwrap();
    }
}

async fn setup(prefix: &str, count: usize) -> (RedisStreamer, StreamKey, RedisProducer) {
    let url = url().expect("checked by the caller");
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key(prefix);
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..count).await;
    (streamer, stream, producer)
}

async fn consumer(
    streamer: &RedisStreamer,
    stream: &StreamKey,
    options: RedisConsumerOptions,
) -> RedisConsumer {
    streamer
        .create_consumer(std::slice::from_ref(stream), options)
        .await
        .unwrap()
}

/// `n` messages, each tracked as received: (payload, header).
async fn take(consumer: &RedisConsumer, n: usize) -> Vec<(usize, MessageHeader)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let m = next(consumer).await;
        consumer.track(m.header()).unwrap();
        out.push((num(&m), m.header().clone()));
    }
    out
}

/// The sequence numbers of the group's pending entries (`XPENDING`).
fn pending(stream: &StreamKey, group: &str) -> BTreeSet<SeqNo> {
    let url = url().unwrap();
    let mut admin = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .expect("admin connection");
    let entries: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(stream.name())
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(1000)
        .query(&mut admin)
        .expect("XPENDING");
    entries
        .iter()
        .map(|(id, ..)| parse_message_id(TimestampFormat::default(), id).unwrap().1)
        .collect()
}

fn seqs<'a>(taken: impl IntoIterator<Item = &'a (usize, MessageHeader)>) -> BTreeSet<SeqNo> {
    taken.into_iter().map(|(_, h)| *h.sequence()).collect()
}

async fn out_of_order(commit: AutoCommit) {
    if url().is_none() {
        return;
    }
    let (streamer, stream, producer) = setup("ack", 20).await;
    let group = format!("{}-g", stream.name());
    let c = consumer(
        &streamer,
        &stream,
        options(ConsumerMode::Resumable, &group, commit),
    )
    .await;
    let taken = take(&c, 20).await;
    let held = [3, 8, 15];
    for (n, header) in taken.iter().rev() {
        if !held.contains(n) {
            Acknowledge::ack(&c, header).unwrap();
            Acknowledge::ack(&c, header).unwrap(); // twice: harmless
        }
    }
    c.commit_acked().await.unwrap();
    let unacked = taken.iter().filter(|(n, _)| held.contains(n));
    assert_eq!(pending(&stream, &group), seqs(unacked));

    // a restarted member (same consumer id) reads its pending entries first
    c.end().await.unwrap();
    let c = consumer(
        &streamer,
        &stream,
        options(ConsumerMode::Resumable, &group, commit),
    )
    .await;
    let again = take(&c, 3).await;
    assert_eq!(again.iter().map(|(n, _)| *n).collect::<Vec<_>>(), held);
    produce(&producer, 20..22).await;
    let fresh = take(&c, 2).await;
    assert_eq!(fresh.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [20, 21]);
    for (_, header) in again.iter().chain(&fresh) {
        Acknowledge::ack(&c, header).unwrap();
    }
    c.commit_acked().await.unwrap();
    assert!(pending(&stream, &group).is_empty());
    c.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn out_of_order_acks_leave_exactly_the_unacked_pending() {
    out_of_order(AutoCommit::Disabled).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn rolling_commit_acked_flushes_now() {
    // `commit()` refuses Rolling consumers (they pre-fetch); `commit_acked` sends at once
    out_of_order(AutoCommit::Rolling).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn a_surviving_member_claims_the_unacked() {
    if url().is_none() {
        return;
    }
    let (streamer, stream, _producer) = setup("ack-claim", 10).await;
    let group = format!("{}-g", stream.name());
    let member = || {
        let mut o = options(ConsumerMode::LoadBalanced, &group, AutoCommit::Disabled);
        o.set_consumer_id(consumer_id())
            .set_auto_claim_idle(Duration::from_millis(500))
            .set_auto_claim_interval(Some(Duration::from_millis(200)));
        o
    };
    let alpha = consumer(&streamer, &stream, member()).await;
    let taken = take(&alpha, 10).await;
    for (n, header) in &taken {
        if n % 2 == 0 {
            Acknowledge::ack(&alpha, header).unwrap();
        }
    }
    alpha.commit_acked().await.unwrap();
    let odd: Vec<_> = taken.iter().filter(|(n, _)| n % 2 == 1).collect();
    assert_eq!(pending(&stream, &group), seqs(odd.iter().copied()));
    alpha.end().await.unwrap();

    // beta takes over alpha's pending entries once alpha has been idle long enough
    let beta = consumer(&streamer, &stream, member()).await;
    let claimed = take(&beta, 5).await;
    let mut numbers: Vec<_> = claimed.iter().map(|(n, _)| *n).collect();
    numbers.sort();
    assert_eq!(numbers, [1, 3, 5, 7, 9]);
    for (_, header) in &claimed {
        Acknowledge::ack(&beta, header).unwrap();
    }
    beta.commit_acked().await.unwrap();
    assert!(pending(&stream, &group).is_empty());
    beta.end().await.unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn real_time_is_a_no_op_and_self_acking_policies_refuse() {
    if url().is_none() {
        return;
    }
    let (streamer, stream, _producer) = setup("ack-modes", 3).await;
    let mut rt = RedisConsumerOptions::new(ConsumerMode::RealTime);
    rt.set_auto_stream_reset(AutoStreamReset::Earliest);
    let c = consumer(&streamer, &stream, rt).await;
    let m = next(&c).await;
    c.track(m.header()).unwrap();
    Acknowledge::ack(&c, m.header()).unwrap();
    c.commit_acked().await.unwrap();
    c.end().await.unwrap();

    for commit in [AutoCommit::Delayed, AutoCommit::Immediate] {
        let group = format!("{}-{commit:?}", stream.name());
        let c = consumer(
            &streamer,
            &stream,
            options(ConsumerMode::Resumable, &group, commit),
        )
        .await;
        let m = next(&c).await;
        assert!(matches!(
            c.track(m.header()),
            Err(StreamErr::Unsupported(_))
        ));
        assert!(matches!(
            Acknowledge::ack(&c, m.header()),
            Err(StreamErr::Unsupported(_))
        ));
        assert!(matches!(
            c.commit_acked().await,
            Err(StreamErr::Unsupported(_))
        ));
        c.end().await.unwrap();
    }
}
