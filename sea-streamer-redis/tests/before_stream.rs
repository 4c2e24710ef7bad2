//! Consumers created before their stream exists (workers started before producers): they wait
//! inside `next()` without an error, and once the stream appears they get every entry from
//! the first one, once each and in order, whatever `AutoStreamReset` says. Streams of which
//! only some keys exist are read normally meanwhile. Single node and Redis Cluster.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::cluster::PrivateCluster;
use common::{connect, key, next, num, range, url};
use futures::future::{select, Either};
use sea_streamer_redis::{
    AutoCommit, AutoStreamReset, RedisConnectOptions, RedisConsumer, RedisConsumerOptions,
    RedisProducer, RedisStreamer,
};
use sea_streamer_types::{
    Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, StreamKey, Streamer,
};
use std::future::Future;
use std::pin::Pin;

const N: usize = 20;

fn options(mode: ConsumerMode, reset: AutoStreamReset, commit: AutoCommit) -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(mode);
    options.set_auto_stream_reset(reset).set_auto_commit(commit);
    options
}

/// Every mode, start point and hand-off style (pre-fetch and on demand).
fn all_options() -> Vec<RedisConsumerOptions> {
    use AutoCommit::*;
    use AutoStreamReset::*;
    use ConsumerMode::*;
    let mut all = Vec::new();
    for reset in [Earliest, Latest] {
        all.push(options(RealTime, reset, Delayed));
        for mode in [Resumable, LoadBalanced] {
            for commit in [Delayed, Disabled, Immediate] {
                all.push(options(mode, reset, commit));
            }
        }
    }
    all
}

/// Send `items` to `stream`; every receipt must resolve.
async fn produce(producer: &RedisProducer, stream: &StreamKey, items: std::ops::Range<usize>) {
    let receipts: Vec<_> = items
        .map(|i| producer.send_to(stream, i.to_string()).expect("send"))
        .collect();
    for receipt in receipts {
        receipt.await.expect("receipt");
    }
}

/// `n` messages as `(stream, number)`.
async fn collect(consumer: &RedisConsumer, n: usize) -> Vec<(String, usize)> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let msg = next(consumer).await;
        out.push((msg.stream_key().name().to_owned(), num(&msg)));
    }
    out
}

/// Poll `fut` once: the consumer is then inside `next()` (its read is requested).
async fn started<F: Future>(fut: F) -> Pin<Box<F>> {
    let mut fut = Box::pin(fut);
    assert!(
        futures::poll!(fut.as_mut()).is_pending(),
        "nothing was produced yet"
    );
    fut
}

/// The numbers received from `stream`, in arrival order.
fn of(got: &[(String, usize)], stream: &StreamKey) -> Vec<usize> {
    got.iter()
        .filter(|(s, _)| s == stream.name())
        .map(|(_, n)| *n)
        .collect()
}

/// One consumer per option set, each created on a key nobody has written to and already
/// inside `next()` when the first message is produced.
async fn each_mode_waits(streamer: &RedisStreamer) {
    for options in all_options() {
        let what = format!("{options:?}");
        let stream = key("before");
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&stream), options)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let waiting = started(collect(&consumer, N)).await;
        let producer = streamer
            .create_producer(stream.clone(), Default::default())
            .await
            .expect("producer");
        produce(&producer, &stream, 0..N).await;
        let got = waiting.await;
        assert_eq!(of(&got, &stream), range(0, N), "{what}");
        // nothing was delivered twice: the next message is the next one sent
        produce(&producer, &stream, N..N + 1).await;
        assert_eq!(num(&next(&consumer).await), N, "{what}");
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn every_mode_waits_for_its_stream() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    each_mode_waits(&streamer).await;
}

/// Two LoadBalanced consumers of one group, both waiting: they split the stream, every entry
/// delivered once.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn load_balanced_pair_waits() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("before-pair");
    let mut opts = options(
        ConsumerMode::LoadBalanced,
        AutoStreamReset::Latest,
        AutoCommit::Delayed,
    );
    opts.set_consumer_group(ConsumerGroup::new(stream.name().to_owned()))
        .expect("group")
        .set_batch_size(3);
    let a = streamer
        .create_consumer(std::slice::from_ref(&stream), opts.clone())
        .await
        .expect("a");
    let b = streamer
        .create_consumer(std::slice::from_ref(&stream), opts)
        .await
        .expect("b");
    let (mut fa, mut fb) = (Box::pin(a.next()), Box::pin(b.next()));
    assert!(futures::poll!(fa.as_mut()).is_pending());
    assert!(futures::poll!(fb.as_mut()).is_pending());
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .expect("producer");
    produce(&producer, &stream, 0..N).await;
    let mut got = Vec::new();
    let (mut from_a, mut from_b) = (0, 0);
    while got.len() < N {
        match select(fa, fb).await {
            Either::Left((msg, rest)) => {
                got.push(num(&msg.expect("a.next()")));
                from_a += 1;
                fa = Box::pin(a.next());
                fb = rest;
            }
            Either::Right((msg, rest)) => {
                got.push(num(&msg.expect("b.next()")));
                from_b += 1;
                fb = Box::pin(b.next());
                fa = rest;
            }
        }
    }
    got.sort();
    assert_eq!(got, range(0, N), "a got {from_a}, b got {from_b}");
}

/// A consumer of two keys, `here` (exists, with old entries) and `later` (no writer yet):
/// `here` is read normally while `later` does not exist; once it does, all of it arrives.
async fn some_keys_exist(streamer: &RedisStreamer, options: RedisConsumerOptions) {
    let what = format!("{options:?}");
    let earliest = *options.auto_stream_reset() == AutoStreamReset::Earliest;
    let (here, later) = (key("here"), key("later"));
    let producer = streamer
        .create_producer(here.clone(), Default::default())
        .await
        .expect("producer");
    produce(&producer, &here, 0..5).await;
    let consumer = streamer
        .create_consumer(&[here.clone(), later.clone()], options)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    if earliest {
        assert_eq!(
            of(&collect(&consumer, 5).await, &here),
            range(0, 5),
            "{what}"
        );
    }
    // the existing key is read while the other one is missing
    let waiting = started(collect(&consumer, 5)).await;
    produce(&producer, &here, 5..10).await;
    assert_eq!(of(&waiting.await, &here), range(5, 10), "{what}");

    let waiting = started(collect(&consumer, 2 * N)).await;
    for i in 0..N {
        produce(&producer, &later, i..i + 1).await;
        produce(&producer, &here, 10 + i..11 + i).await;
    }
    let got = waiting.await;
    assert_eq!(of(&got, &later), range(0, N), "{what}");
    assert_eq!(of(&got, &here), range(10, 10 + N), "{what}");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn only_some_keys_exist() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    use AutoStreamReset::*;
    use ConsumerMode::*;
    for reset in [Earliest, Latest] {
        some_keys_exist(&streamer, options(RealTime, reset, AutoCommit::Delayed)).await;
        some_keys_exist(&streamer, options(Resumable, reset, AutoCommit::Delayed)).await;
        some_keys_exist(
            &streamer,
            options(LoadBalanced, reset, AutoCommit::Disabled),
        )
        .await;
    }
}

/// With `mkstream` the group consumer creates the (empty) stream itself, at creation, and
/// receives everything written to it afterwards.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn mkstream_keeps_its_meaning() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    for reset in [AutoStreamReset::Earliest, AutoStreamReset::Latest] {
        let stream = key("mkstream");
        let mut opts = options(ConsumerMode::Resumable, reset, AutoCommit::Delayed);
        opts.set_mkstream(true);
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&stream), opts)
            .await
            .expect("consumer");
        // MKSTREAM created the (empty) stream at once
        let mut admin = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .expect("admin connection");
        let exists: bool = redis::cmd("EXISTS")
            .arg(stream.name())
            .query(&mut admin)
            .expect("EXISTS");
        assert!(exists, "mkstream creates the stream");
        let waiting = started(collect(&consumer, N)).await;
        let producer = streamer
            .create_producer(stream.clone(), Default::default())
            .await
            .expect("producer");
        produce(&producer, &stream, 0..N).await;
        assert_eq!(of(&waiting.await, &stream), range(0, N));
    }
}

/// A key that exists but is not a stream is still an error, not something to wait for.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn wrong_type_is_an_error() {
    let Some(url) = url() else { return };
    let streamer = connect(&url, RedisConnectOptions::default()).await;
    let stream = key("not-a-stream");
    let mut admin = redis::Client::open(url.as_str())
        .and_then(|c| c.get_connection())
        .expect("admin connection");
    redis::cmd("SET")
        .arg(stream.name())
        .arg("x")
        .query::<()>(&mut admin)
        .expect("SET");
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&stream),
            options(
                ConsumerMode::Resumable,
                AutoStreamReset::Earliest,
                AutoCommit::Delayed,
            ),
        )
        .await
        .expect("consumer");
    let result = sea_streamer_runtime::timeout(std::time::Duration::from_secs(60), consumer.next())
        .await
        .expect("an answer");
    assert!(result.is_err(), "{result:?}");
}

/// The same in a Redis Cluster: keys on other nodes than the seed, some existing.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn cluster_waits_for_streams() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let _ = env_logger::builder().is_test(true).try_init();
    let mut conn = RedisConnectOptions::default();
    conn.set_enable_cluster(true);
    let streamer = connect(&cluster.seed_url(), conn).await;
    use AutoStreamReset::*;
    use ConsumerMode::*;
    for (mode, reset, commit) in [
        (RealTime, Latest, AutoCommit::Delayed),
        (RealTime, Earliest, AutoCommit::Delayed),
        (Resumable, Latest, AutoCommit::Delayed),
        (LoadBalanced, Earliest, AutoCommit::Disabled),
    ] {
        let what = format!("{mode:?} {reset:?}");
        // `here` exists on node 0; `b` and `c` (no writer yet) live on nodes 1 and 2
        let here = StreamKey::new(cluster.key_on(0, "here")).expect("key");
        let b = StreamKey::new(cluster.key_on(1, "b")).expect("key");
        let c = StreamKey::new(cluster.key_on(2, "c")).expect("key");
        let producer = streamer
            .create_producer(here.clone(), Default::default())
            .await
            .expect("producer");
        produce(&producer, &here, 0..5).await;
        let consumer = streamer
            .create_consumer(
                &[here.clone(), b.clone(), c.clone()],
                options(mode, reset, commit),
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        if reset == Earliest {
            assert_eq!(
                of(&collect(&consumer, 5).await, &here),
                range(0, 5),
                "{what}"
            );
        }
        let waiting = started(collect(&consumer, 3 * N)).await;
        for i in 0..N {
            for key in [&b, &here, &c] {
                produce(&producer, key, 5 + i..6 + i).await;
            }
        }
        let got = waiting.await;
        for key in [&b, &here, &c] {
            assert_eq!(of(&got, key), range(5, 5 + N), "{what}: {key}");
        }
        consumer.end().await.expect("end");
    }
}

/// A single-key cluster consumer of each group mode, waiting on a key away from the seed.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn cluster_single_key_waits() {
    let Some(cluster) = PrivateCluster::start() else {
        return;
    };
    let mut conn = RedisConnectOptions::default();
    conn.set_enable_cluster(true);
    let streamer = connect(&cluster.seed_url(), conn).await;
    for options in all_options() {
        let what = format!("{options:?}");
        let stream = StreamKey::new(cluster.key_on(2, "away")).expect("key");
        let consumer = streamer
            .create_consumer(std::slice::from_ref(&stream), options)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let waiting = started(collect(&consumer, N)).await;
        let producer = streamer
            .create_producer(stream.clone(), Default::default())
            .await
            .expect("producer");
        produce(&producer, &stream, 0..N).await;
        assert_eq!(of(&waiting.await, &stream), range(0, N), "{what}");
    }
}
