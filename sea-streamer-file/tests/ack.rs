//! `Acknowledge` for file consumers: a `Resumable` group commits only the offset before its
//! first unprocessed message, so a restart resumes exactly there (not in upstream).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumer, FileConsumerOptions, FileStreamer,
};
use sea_streamer_types::{
    Acknowledge, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message,
    MessageHeader, Producer, StreamErr, StreamKey, Streamer,
};
use util::*;

fn options(mode: ConsumerMode, group: Option<&str>) -> FileConsumerOptions {
    let mut o = FileConsumerOptions::new(mode);
    o.set_auto_stream_reset(AutoStreamReset::Earliest);
    if let Some(g) = group {
        o.set_consumer_group(ConsumerGroup::new(g)).unwrap();
    }
    o
}

/// A streamer on a fresh file holding `count` messages `"{key}-{i}"` of each key, interleaved.
async fn setup(name: &str, keys: &[&str], count: u64) -> (FileStreamer, String) {
    let file = temp_file(name);
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    for i in 1..=count {
        for key in keys {
            let key = StreamKey::new(*key).unwrap();
            producer
                .send_to(&key, format!("{}-{i}", key.name()))
                .unwrap();
        }
    }
    producer.flush().await.unwrap();
    (streamer, file.path().to_owned())
}

async fn consumer(streamer: &FileStreamer, keys: &[&str], group: &str) -> FileConsumer {
    let keys: Vec<_> = keys.iter().map(|k| StreamKey::new(*k).unwrap()).collect();
    streamer
        .create_consumer(&keys, options(ConsumerMode::Resumable, Some(group)))
        .await
        .unwrap()
}

/// Takes `n` messages, tracking each as received; returns their headers and payloads.
async fn take(consumer: &FileConsumer, n: usize) -> Vec<(MessageHeader, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let m = consumer.next().await.unwrap();
        consumer.track(m.header()).unwrap();
        out.push((m.header().clone(), m.message().as_str().unwrap().to_owned()));
    }
    out
}

async fn first_payloads(consumer: &FileConsumer, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let m = consumer.next().await.unwrap();
        out.push(m.message().as_str().unwrap().to_owned());
    }
    out
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn out_of_order_acks_commit_the_processed_prefix() {
    let (streamer, _) = setup("ack-prefix", &["jobs"], 30).await;
    let c = consumer(&streamer, &["jobs"], "workers").await;
    let taken = take(&c, 10).await;
    // everything but job-4 finishes, latest first
    for (header, _) in taken.iter().rev().filter(|(_, p)| p != "jobs-4") {
        c.ack(header).unwrap();
    }
    c.commit_acked().await.unwrap();
    drop(c);

    // a restart resumes at the unprocessed job-4; 5..=10 come again (at-least-once)
    let c = consumer(&streamer, &["jobs"], "workers").await;
    assert_eq!(first_payloads(&c, 3).await, ["jobs-4", "jobs-5", "jobs-6"]);
    drop(c);

    // once job-4 is processed too, the commit covers all ten
    let c = consumer(&streamer, &["jobs"], "workers").await;
    let taken = take(&c, 7).await;
    assert_eq!(taken[0].1, "jobs-4");
    for (header, _) in taken.iter().rev() {
        c.ack(header).unwrap();
    }
    c.commit_acked().await.unwrap();
    drop(c);
    let c = consumer(&streamer, &["jobs"], "workers").await;
    assert_eq!(first_payloads(&c, 1).await, ["jobs-11"]);
}

/// Messages tracked in another order than delivered (and one twice) still hold the commit at
/// the first unprocessed one in delivery order.
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn tracked_out_of_delivery_order_commits_the_processed_prefix() {
    let (streamer, _) = setup("ack-track-order", &["jobs"], 5).await;
    let c = consumer(&streamer, &["jobs"], "workers").await;
    let mut headers = Vec::new();
    for _ in 0..3 {
        headers.push(c.next().await.unwrap().header().clone());
    }
    for i in [2, 0, 1, 1] {
        c.track(&headers[i]).unwrap();
    }
    // jobs-1 and jobs-3 are processed, jobs-2 is not
    c.ack(&headers[0]).unwrap();
    c.ack(&headers[2]).unwrap();
    c.commit_acked().await.unwrap();
    drop(c);
    let c = consumer(&streamer, &["jobs"], "workers").await;
    assert_eq!(first_payloads(&c, 2).await, ["jobs-2", "jobs-3"]);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn an_unprocessed_message_of_one_stream_holds_back_the_others() {
    // delivery order: a-1 b-1 a-2 b-2 a-3 b-3 ...
    let (streamer, _) = setup("ack-streams", &["a", "b"], 10).await;
    let c = consumer(&streamer, &["a", "b"], "g").await;
    let taken = take(&c, 12).await;
    for (header, payload) in &taken {
        if payload != "b-2" {
            c.ack(header).unwrap();
        }
    }
    c.commit_acked().await.unwrap();
    drop(c);
    let c = consumer(&streamer, &["a", "b"], "g").await;
    assert_eq!(first_payloads(&c, 3).await, ["b-2", "a-3", "b-3"]);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn commits_only_move_forward_and_repeat_harmlessly() {
    let (streamer, path) = setup("ack-forward", &["jobs"], 10).await;
    let commit_file = format!("{path}.w.commit");
    let c = consumer(&streamer, &["jobs"], "w").await;
    let taken = take(&c, 5).await;
    c.commit_acked().await.unwrap(); // nothing processed: commits the start
    let at_start = std::fs::read_to_string(&commit_file).unwrap();
    for (header, _) in &taken[..3] {
        c.ack(header).unwrap();
        c.ack(header).unwrap(); // twice: harmless
    }
    c.commit_acked().await.unwrap();
    let after_three = std::fs::read_to_string(&commit_file).unwrap();
    assert_ne!(at_start, after_three);
    c.commit_acked().await.unwrap();
    assert_eq!(std::fs::read_to_string(&commit_file).unwrap(), after_three);
    drop(c);
    let c = consumer(&streamer, &["jobs"], "w").await;
    assert_eq!(first_payloads(&c, 1).await, ["jobs-4"]);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_members_never_commit_past_each_others_messages() {
    let file = temp_file("ack-members");
    let streamer = FileStreamer::connect(
        file.to_streamer_uri().unwrap(),
        FileConnectOptions::default(),
    )
    .await
    .unwrap();
    let key = StreamKey::new("jobs").unwrap();
    let mut producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    producer.flush().await.unwrap();
    let mut live = options(ConsumerMode::Resumable, Some("pool"));
    live.set_live_streaming(true);
    let one = streamer
        .create_consumer(std::slice::from_ref(&key), live.clone())
        .await
        .unwrap();
    let two = streamer
        .create_consumer(std::slice::from_ref(&key), live)
        .await
        .unwrap();
    for i in 1..=20 {
        producer.send(format!("jobs-{i}")).unwrap();
    }
    producer.flush().await.unwrap();
    // the group's reader hands even sequence numbers to `one`, odd ones to `two`
    let mine = take(&one, 5).await;
    let theirs = take(&two, 5).await;
    assert_eq!(mine[0].1, "jobs-2");
    assert_eq!(theirs[2].1, "jobs-5");
    for (header, _) in &mine {
        one.ack(header).unwrap();
    }
    for (header, payload) in &theirs {
        if payload != "jobs-5" {
            two.ack(header).unwrap();
        }
    }
    // `one` is done with jobs-10, but jobs-5 of `two` is not processed
    one.commit_acked().await.unwrap();
    drop(one);
    drop(two);
    let c = consumer(&streamer, &["jobs"], "pool").await;
    assert_eq!(first_payloads(&c, 2).await, ["jobs-4", "jobs-5"]);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn untracked_messages_acknowledged_one_by_one() {
    let (streamer, _) = setup("ack-untracked", &["jobs"], 10).await;
    let c = consumer(&streamer, &["jobs"], "solo").await;
    for _ in 0..6 {
        let m = c.next().await.unwrap();
        c.ack(m.header()).unwrap();
    }
    c.commit_acked().await.unwrap();
    drop(c);
    let c = consumer(&streamer, &["jobs"], "solo").await;
    assert_eq!(first_payloads(&c, 1).await, ["jobs-7"]);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn tracking_a_message_never_delivered_is_an_error() {
    let (streamer, _) = setup("ack-unknown", &["jobs"], 3).await;
    let c = consumer(&streamer, &["jobs"], "x").await;
    let m = c.next().await.unwrap();
    let mut header = m.header().clone();
    header = MessageHeader::new(
        header.stream_key().clone(),
        *header.shard_id(),
        99,
        *header.timestamp(),
    );
    assert!(matches!(c.track(&header), Err(StreamErr::Unsupported(_))));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn real_time_and_load_balanced_are_no_ops() {
    let (streamer, path) = setup("ack-noop", &["jobs"], 3).await;
    let key = StreamKey::new("jobs").unwrap();
    for (mode, group) in [
        (ConsumerMode::RealTime, None),
        (ConsumerMode::LoadBalanced, Some("lb")),
    ] {
        let c = streamer
            .create_consumer(std::slice::from_ref(&key), options(mode, group))
            .await
            .unwrap();
        let m = c.next().await.unwrap();
        c.track(m.header()).unwrap();
        c.ack(m.header()).unwrap();
        c.commit_acked().await.unwrap();
    }
    assert!(!std::path::Path::new(&format!("{path}.lb.commit")).exists());
}
