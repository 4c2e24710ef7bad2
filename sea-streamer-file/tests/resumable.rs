//! Resumable consumers: commit durably, restart after the last commit (not in upstream).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileStreamer};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer, StreamErr,
    StreamKey, Streamer,
};
use util::*;

fn resumable(group: &str) -> FileConsumerOptions {
    let mut o = FileConsumerOptions::new(ConsumerMode::Resumable);
    o.set_auto_stream_reset(AutoStreamReset::Earliest);
    o.set_consumer_group(ConsumerGroup::new(group)).unwrap();
    o
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn resume_after_commit() {
    let file = temp_file("resumable");
    let mut options = FileConnectOptions::default();
    options.set_beacon_interval(1024).unwrap();
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), options)
        .await
        .unwrap();
    let key = StreamKey::new("jobs").unwrap();
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    for i in 1..=50 {
        producer.send(format!("job-{i}")).unwrap();
    }
    producer.flush().await.unwrap();

    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), resumable("workers"))
        .await
        .unwrap();
    for i in 1..=20u64 {
        let m = consumer.next().await.unwrap();
        assert_eq!(m.sequence(), i);
    }
    consumer.commit().await.unwrap();
    // read more without committing: these are delivered again after a restart
    for i in 21..=25u64 {
        assert_eq!(consumer.next().await.unwrap().sequence(), i);
    }
    drop(consumer);
    assert!(std::path::Path::new(&format!("{}.workers.commit", file.path())).exists());

    // "restart": a new consumer of the group resumes after the commit
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&key), resumable("workers"))
        .await
        .unwrap();
    for i in 21..=50u64 {
        let m = consumer.next().await.unwrap();
        assert_eq!(m.sequence(), i);
        assert_eq!(m.message().as_str().unwrap(), format!("job-{i}"));
    }
    consumer.commit().await.unwrap();
    // live: new messages keep coming
    producer.send("job-51").unwrap();
    producer.flush().await.unwrap();
    assert_eq!(consumer.next().await.unwrap().sequence(), 51);
    consumer.commit().await.unwrap();
    drop(consumer);

    // another group starts from its own reset position
    let other = streamer
        .create_consumer(std::slice::from_ref(&key), resumable("auditors"))
        .await
        .unwrap();
    assert_eq!(other.next().await.unwrap().sequence(), 1);
    drop(other);

    let again = streamer
        .create_consumer(std::slice::from_ref(&key), resumable("workers"))
        .await
        .unwrap();
    producer.send("job-52").unwrap();
    producer.flush().await.unwrap();
    assert_eq!(again.next().await.unwrap().sequence(), 52);

    // commits are only for resumable consumers
    let plain = streamer
        .create_consumer(&[key], Default::default())
        .await
        .unwrap();
    assert!(matches!(
        plain.commit().await,
        Err(StreamErr::CommitNotAllowed)
    ));
}

/// A group's commit is per stream: a commit on `a` does not move the group on `b`, and a
/// consumer of both starts at the earlier commit without delivering `a`'s committed messages
/// again.
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn commits_are_per_stream() {
    let file = temp_file("per-stream");
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let [a, b] = ["a", "b"].map(|k| StreamKey::new(k).unwrap());
    let mut pa = streamer
        .create_producer(a.clone(), Default::default())
        .await
        .unwrap();
    let pb = streamer
        .create_producer(b.clone(), Default::default())
        .await
        .unwrap();
    // file order: a1 b1 a2 b2 a3 b3
    for i in 1..=3 {
        pa.send(format!("a{i}")).unwrap();
        pb.send(format!("b{i}")).unwrap();
    }
    pa.flush().await.unwrap();
    let payload = |m: &sea_streamer_types::SharedMessage| m.message().as_str().unwrap().to_owned();

    let on_a = streamer
        .create_consumer(std::slice::from_ref(&a), resumable("g"))
        .await
        .unwrap();
    assert_eq!(payload(&on_a.next().await.unwrap()), "a1");
    assert_eq!(payload(&on_a.next().await.unwrap()), "a2");
    on_a.commit().await.unwrap();
    drop(on_a);

    // the commit on `a` does not move the group on `b`
    let on_b = streamer
        .create_consumer(std::slice::from_ref(&b), resumable("g"))
        .await
        .unwrap();
    assert_eq!(payload(&on_b.next().await.unwrap()), "b1");
    on_b.commit().await.unwrap();
    drop(on_b);

    // both: from after b1 (the earlier commit), a2 skipped (committed on `a`)
    let both = streamer
        .create_consumer(&[a.clone(), b.clone()], resumable("g"))
        .await
        .unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(payload(&both.next().await.unwrap()));
    }
    assert_eq!(got, ["b2", "a3", "b3"]);
}
