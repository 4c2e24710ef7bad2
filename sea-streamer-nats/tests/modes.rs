//! The backend's own tests on the test nats-server: each consumer mode, seek, rewind, a
//! consumer created before its stream, a stream required to exist, and the errors.

mod common;

use std::time::Duration;

use sea_streamer_conformance::random_key;
use sea_streamer_nats::{
    AutoStreamReset, NatsConnectOptions, NatsConsumer, NatsConsumerOptions, NatsErr, NatsProducer,
    NatsStreamer,
};
use sea_streamer_types::{
    Acknowledge, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, Producer,
    SeqPos, StreamErr, StreamKey, Streamer,
};

/// How long a test waits for a message that must come.
const WAIT: Duration = Duration::from_secs(10);

async fn streamer() -> Option<(String, NatsStreamer)> {
    let url = common::url()?;
    let mut options = NatsConnectOptions::default();
    options.set_memory_storage(true);
    let streamer = common::connect(&url, options).await;
    Some((url, streamer))
}

fn key(prefix: &str) -> StreamKey {
    StreamKey::new(random_key(prefix)).expect("valid key")
}

fn options(mode: ConsumerMode, group: Option<&str>) -> NatsConsumerOptions {
    let mut options = NatsConsumerOptions::new(mode);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    if let Some(group) = group {
        options
            .set_consumer_group(ConsumerGroup::new(group))
            .unwrap();
    }
    options
}

async fn produce(producer: &NatsProducer, range: std::ops::Range<usize>) -> Vec<u64> {
    let mut seqs = Vec::new();
    for i in range {
        let receipt = producer
            .send(format!("m{i}"))
            .expect("send")
            .await
            .expect("receipt");
        seqs.push(*receipt.sequence() as u64);
    }
    seqs
}

async fn next_text(consumer: &NatsConsumer) -> (String, u64) {
    let m = tokio::time::timeout(WAIT, consumer.next())
        .await
        .expect("a message within the wait")
        .expect("next");
    (
        m.message().as_str().unwrap().to_owned(),
        m.sequence() as u64,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn receipts_carry_stream_sequences() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("receipts");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let seqs = produce(&producer, 0..5).await;
    assert_eq!(
        seqs,
        vec![1, 2, 3, 4, 5],
        "a new stream's sequences start at 1"
    );
    let consumer = streamer
        .create_consumer(&[stream], options(ConsumerMode::RealTime, None))
        .await
        .unwrap();
    for (i, seq) in seqs.iter().enumerate() {
        assert_eq!(next_text(&consumer).await, (format!("m{i}"), *seq));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn realtime_latest_sees_only_new_messages() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("latest");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..3).await;
    let mut latest = NatsConsumerOptions::new(ConsumerMode::RealTime);
    latest.set_auto_stream_reset(AutoStreamReset::Latest);
    let consumer = streamer
        .create_consumer(std::slice::from_ref(&stream), latest)
        .await
        .unwrap();
    produce(&producer, 3..5).await;
    assert_eq!(next_text(&consumer).await.0, "m3");
    assert_eq!(next_text(&consumer).await.0, "m4");
}

#[tokio::test(flavor = "multi_thread")]
async fn rewind_and_seek() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("rewind");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    let seqs = produce(&producer, 0..10).await;
    let mut consumer = streamer
        .create_consumer(&[stream], options(ConsumerMode::RealTime, None))
        .await
        .unwrap();
    let mut stamps = Vec::new();
    for i in 0..10 {
        let m = tokio::time::timeout(WAIT, consumer.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.message().as_str().unwrap(), format!("m{i}"));
        stamps.push(m.timestamp());
    }
    // Rewind to a sequence: that message comes next (inclusive).
    consumer.rewind(SeqPos::At(seqs[6] as _)).await.unwrap();
    assert_eq!(next_text(&consumer).await, ("m6".into(), seqs[6]));
    consumer.rewind(SeqPos::Beginning).await.unwrap();
    assert_eq!(next_text(&consumer).await.0, "m0");
    // Seek to a time: the first message of that millisecond or later.
    consumer.seek(stamps[4]).await.unwrap();
    let (text, _) = next_text(&consumer).await;
    let first = stamps
        .iter()
        .position(|t| {
            t.unix_timestamp_nanos() / 1_000_000 >= stamps[4].unix_timestamp_nanos() / 1_000_000
        })
        .unwrap();
    assert_eq!(text, format!("m{first}"));
    // Rewind to the end: only new messages.
    consumer.rewind(SeqPos::End).await.unwrap();
    produce(&producer, 10..11).await;
    assert_eq!(next_text(&consumer).await.0, "m10");
}

#[tokio::test(flavor = "multi_thread")]
async fn resumable_resumes_after_acks() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("resume");
    let group = random_key("g");
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..6).await;
    let mode = ConsumerMode::Resumable;
    let first = streamer
        .create_consumer(std::slice::from_ref(&stream), options(mode, Some(&group)))
        .await
        .unwrap();
    for i in 0..4 {
        let m = tokio::time::timeout(WAIT, first.next())
            .await
            .unwrap()
            .unwrap();
        let header = m.header().clone();
        first.track(&header).unwrap();
        // m3 is read but not acknowledged: it must come again.
        if i < 3 {
            first.ack(&header).unwrap();
        }
    }
    first.commit_acked().await.unwrap();
    drop(first);
    let second = streamer
        .create_consumer(&[stream], options(mode, Some(&group)))
        .await
        .unwrap();
    for i in 3..6 {
        assert_eq!(next_text(&second).await.0, format!("m{i}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn load_balanced_members_share_and_hand_over() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("balance");
    let group = random_key("g");
    let mut member = options(ConsumerMode::LoadBalanced, Some(&group));
    // A message in flight to `a` when it is dropped is not among those it gives back: the
    // server redelivers it after the ack wait, kept short here.
    member
        .set_batch_size(1)
        .set_ack_wait(Duration::from_secs(2));
    let a = streamer
        .create_consumer(std::slice::from_ref(&stream), member.clone())
        .await
        .unwrap();
    let b = streamer
        .create_consumer(std::slice::from_ref(&stream), member.clone())
        .await
        .unwrap();
    let producer = streamer
        .create_producer(stream.clone(), Default::default())
        .await
        .unwrap();
    produce(&producer, 0..4).await;
    // a takes one and goes away without acking it; b gets everything else, and a's.
    let (taken, _) = next_text(&a).await;
    drop(a);
    let mut got = vec![taken.clone()];
    while got.len() < 5 {
        let m = tokio::time::timeout(WAIT, b.next()).await.unwrap().unwrap();
        b.ack(m.header()).unwrap();
        got.push(m.message().as_str().unwrap().to_owned());
    }
    b.commit_acked().await.unwrap();
    got.sort();
    let mut want: Vec<String> = (0..4).map(|i| format!("m{i}")).collect();
    want.push(taken);
    want.sort();
    assert_eq!(got, want, "b received every message, and a's again");
}

#[tokio::test(flavor = "multi_thread")]
async fn consumer_before_its_stream() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let stream = key("before");
    for mode in [ConsumerMode::RealTime, ConsumerMode::Resumable] {
        let group = (mode != ConsumerMode::RealTime).then(|| random_key("g"));
        let stream = StreamKey::new(format!("{}-{mode:?}", stream.name())).unwrap();
        let consumer = streamer
            .create_consumer(
                std::slice::from_ref(&stream),
                options(mode, group.as_deref()),
            )
            .await
            .unwrap();
        let producer = streamer
            .create_producer(stream.clone(), Default::default())
            .await
            .unwrap();
        produce(&producer, 0..2).await;
        assert_eq!(next_text(&consumer).await.0, "m0", "{mode:?}");
        assert_eq!(next_text(&consumer).await.0, "m1", "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shared_stream_and_required_stream() {
    let Some((url, _)) = streamer().await else {
        return;
    };
    // One named JetStream stream holds two keys as subjects.
    let shared = random_key("SHARED");
    let mut named = NatsConnectOptions::default();
    named
        .set_memory_storage(true)
        .set_stream_name(Some(shared.clone()));
    let streamer = common::connect(&url, named.clone()).await;
    let (one, two) = (key("one"), key("two"));
    let producer = streamer
        .create_generic_producer(Default::default())
        .await
        .unwrap();
    let r1 = producer.send_to(&one, "a").unwrap().await.unwrap();
    let r2 = producer.send_to(&two, "b").unwrap().await.unwrap();
    assert_eq!(
        (*r1.sequence() as u64, *r2.sequence() as u64),
        (1, 2),
        "one stream, one sequence"
    );
    let consumer = streamer
        .create_consumer(
            std::slice::from_ref(&two),
            options(ConsumerMode::RealTime, None),
        )
        .await
        .unwrap();
    assert_eq!(next_text(&consumer).await, ("b".into(), 2));

    // With creation off, a missing stream is a typed error naming it.
    let mut required = NatsConnectOptions::default();
    required.set_create_stream(false);
    let streamer = common::connect(&url, required).await;
    let missing = key("missing");
    let producer = streamer
        .create_producer(missing.clone(), Default::default())
        .await
        .unwrap();
    let err = producer.send("x").unwrap().await.unwrap_err();
    match err {
        StreamErr::Backend(NatsErr::StreamNotFound { subject, .. }) => {
            assert_eq!(subject, missing.name())
        }
        e => panic!("expected StreamNotFound, got {e}"),
    }
    let err = streamer
        .create_consumer(&[missing], options(ConsumerMode::RealTime, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StreamErr::Backend(NatsErr::StreamNotFound { .. })),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_typed() {
    // A port where no server listens: the error names it.
    let mut connect = NatsConnectOptions::default();
    sea_streamer_types::ConnectOptions::set_timeout(&mut connect, Duration::from_secs(2)).unwrap();
    let err = NatsStreamer::connect("nats://127.0.0.1:1".parse().unwrap(), connect)
        .await
        .unwrap_err();
    match &err {
        StreamErr::Backend(NatsErr::Connect { servers, .. }) => {
            assert_eq!(servers, "nats://127.0.0.1:1")
        }
        e => panic!("expected a connect error, got {e}"),
    }
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let realtime_with_group = streamer
        .create_consumer(&[key("e")], options_with_group())
        .await
        .unwrap_err();
    assert!(matches!(realtime_with_group, StreamErr::ConsumerGroupIsSet));
    let group_without_name = streamer
        .create_consumer(
            &[key("e")],
            NatsConsumerOptions::new(ConsumerMode::Resumable),
        )
        .await
        .unwrap_err();
    assert!(matches!(group_without_name, StreamErr::ConsumerGroupNotSet));
    let mut resumable = streamer
        .create_consumer(
            &[key("e")],
            options(ConsumerMode::Resumable, Some(&random_key("g"))),
        )
        .await
        .unwrap();
    assert!(matches!(
        resumable.rewind(SeqPos::Beginning).await,
        Err(StreamErr::Unsupported(_))
    ));
}

fn options_with_group() -> NatsConsumerOptions {
    let mut options = NatsConsumerOptions::new(ConsumerMode::RealTime);
    options.set_consumer_group(ConsumerGroup::new("g")).unwrap();
    options
}

/// `send` from a thread outside the runtime (the producer's tasks publish it), mixed with
/// sends from inside: every message stored, in call order.
#[tokio::test(flavor = "multi_thread")]
async fn send_from_a_plain_thread() {
    let Some((_, streamer)) = streamer().await else {
        return;
    };
    let key = key("thread");
    let producer = streamer
        .create_producer(key.clone(), Default::default())
        .await
        .unwrap();
    let first = producer.send("m0").unwrap();
    let elsewhere = producer.clone();
    let from_thread = std::thread::spawn(move || elsewhere.send("m1").unwrap())
        .join()
        .expect("the thread sent");
    let last = producer.send("m2").unwrap();
    let mut sequences = Vec::new();
    for future in [first, from_thread, last] {
        sequences.push(*future.await.unwrap().sequence());
    }
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    let consumer = streamer
        .create_consumer(&[key], options(ConsumerMode::RealTime, None))
        .await
        .unwrap();
    for want in ["m0", "m1", "m2"] {
        assert_eq!(next_text(&consumer).await.0, want);
    }
}
