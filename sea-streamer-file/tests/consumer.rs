//! tests-behaviour: `consumer`, `demux`, `group`, `seek`.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    query_streamer, AutoStreamReset, FileConsumerOptions, FileErr, FileId, FileStreamer,
    MessageSink, DEFAULT_FILE_SIZE_LIMIT, SEA_STREAMER_WILDCARD,
};
use sea_streamer_types::{
    export::futures::TryStreamExt, Buffer, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions,
    Message, MessageHeader, OwnedMessage, SeqPos, ShardId, SharedMessage, StreamErr, StreamKey,
    Streamer, Timestamp,
};
use util::*;

fn frame(key: &str, shard: u64, seq: u64, payload: String) -> OwnedMessage {
    OwnedMessage::new(
        MessageHeader::new(
            StreamKey::new(key).unwrap(),
            ShardId::new(shard),
            seq,
            Timestamp::now_utc(),
        ),
        payload.into_bytes(),
    )
}

async fn streamer_of(file: &FileId) -> FileStreamer {
    FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap()
}

fn options(mode: ConsumerMode, reset: AutoStreamReset) -> FileConsumerOptions {
    let mut o = FileConsumerOptions::new(mode);
    o.set_auto_stream_reset(reset);
    o
}

fn check(m: &SharedMessage, key: &str, shard: u64, seq: u64, payload: &str) {
    assert_eq!(m.stream_key().name(), key);
    assert_eq!(m.shard_id().id(), shard);
    assert_eq!(m.sequence(), seq);
    assert_eq!(m.message().as_str().unwrap(), payload);
}

async fn consumer_run(subscribe: &str) {
    let file = temp_file("consumer");
    let streamer = streamer_of(&file).await;
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for i in 0..50 {
        sink.write(frame("hello", 1, i, format!("hello-{i}")))
            .unwrap();
    }
    sink.flush().await.unwrap();
    let key = StreamKey::new(subscribe).unwrap();
    let mut first = streamer
        .create_consumer(
            std::slice::from_ref(&key),
            options(ConsumerMode::RealTime, AutoStreamReset::Earliest),
        )
        .await
        .unwrap();
    for i in 0..25 {
        check(
            &first.next().await.unwrap(),
            "hello",
            1,
            i,
            &format!("hello-{i}"),
        );
    }
    {
        let mut stream = first.stream();
        for i in 25..50 {
            let m = stream.try_next().await.unwrap().unwrap();
            check(&m, "hello", 1, i, &format!("hello-{i}"));
        }
    }
    let second = streamer
        .create_consumer(
            &[key],
            options(ConsumerMode::RealTime, AutoStreamReset::Latest),
        )
        .await
        .unwrap();
    for i in 50..100 {
        sink.write(frame("hello", 1, i, format!("hello-{i}")))
            .unwrap();
    }
    sink.flush().await.unwrap();
    for i in 50..100 {
        check(
            &first.next().await.unwrap(),
            "hello",
            1,
            i,
            &format!("hello-{i}"),
        );
        check(
            &second.next().await.unwrap(),
            "hello",
            1,
            i,
            &format!("hello-{i}"),
        );
    }
    sink.end(true).await.unwrap();
    for c in [&first, &second] {
        assert!(matches!(
            c.next().await,
            Err(StreamErr::Backend(FileErr::StreamEnded))
        ));
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn consumer() {
    consumer_run("hello").await;
    consumer_run(SEA_STREAMER_WILDCARD).await;
}

async fn demux_run(reset: AutoStreamReset) {
    let file = temp_file("demux");
    let streamer = streamer_of(&file).await;
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    sink.flush().await.unwrap();
    let cat = streamer
        .create_consumer(
            &[StreamKey::new("cat").unwrap()],
            options(ConsumerMode::RealTime, reset),
        )
        .await
        .unwrap();
    let dog = streamer
        .create_consumer(
            &[StreamKey::new("dog").unwrap()],
            options(ConsumerMode::RealTime, reset),
        )
        .await
        .unwrap();
    assert_eq!(query_streamer(&file).await.unwrap().len(), 1);
    for i in 0..100 {
        let key = if i % 2 == 0 { "cat" } else { "dog" };
        sink.write(frame(key, 1, i, i.to_string())).unwrap();
    }
    sink.flush().await.unwrap();
    for i in (0..100).step_by(2) {
        check(&cat.next().await.unwrap(), "cat", 1, i, &i.to_string());
        check(
            &dog.next().await.unwrap(),
            "dog",
            1,
            i + 1,
            &(i + 1).to_string(),
        );
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn demux() {
    demux_run(AutoStreamReset::Earliest).await;
    demux_run(AutoStreamReset::Latest).await;
}

async fn group_run(reset: AutoStreamReset) {
    let file = temp_file("group");
    let streamer = streamer_of(&file).await;
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    sink.flush().await.unwrap();
    let key = StreamKey::new("nuts").unwrap();
    let mut opts = options(ConsumerMode::LoadBalanced, reset);
    opts.set_consumer_group(ConsumerGroup::new("friends"))
        .unwrap();
    let chip = streamer
        .create_consumer(std::slice::from_ref(&key), opts.clone())
        .await
        .unwrap();
    let dale = streamer
        .create_consumer(std::slice::from_ref(&key), opts.clone())
        .await
        .unwrap();
    assert_eq!(query_streamer(&file).await.unwrap().len(), 1);
    for i in 0..100 {
        sink.write(frame("nuts", 1, i, i.to_string())).unwrap();
    }
    sink.flush().await.unwrap();
    for i in (0..100).step_by(2) {
        assert_eq!(chip.next().await.unwrap().sequence(), i);
        assert_eq!(dale.next().await.unwrap().sequence(), i + 1);
    }
    let donald = streamer
        .create_consumer(std::slice::from_ref(&key), opts.clone())
        .await
        .unwrap();
    assert_eq!(query_streamer(&file).await.unwrap().len(), 1);
    for i in 100..130 {
        sink.write(frame("nuts", 1, i, i.to_string())).unwrap();
    }
    sink.flush().await.unwrap();
    for i in 100..130u64 {
        let c = match i % 3 {
            0 => &chip,
            1 => &dale,
            _ => &donald,
        };
        assert_eq!(c.next().await.unwrap().sequence(), i);
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group() {
    group_run(AutoStreamReset::Earliest).await;
    group_run(AutoStreamReset::Latest).await;
}

async fn seek_run(grouped: bool) {
    let file = temp_file("seek");
    let streamer = streamer_of(&file).await;
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for i in 0..100 {
        sink.write(frame("stream", 1, i, i.to_string())).unwrap();
    }
    sink.flush().await.unwrap();
    let mut opts = if grouped {
        let mut o = options(ConsumerMode::LoadBalanced, AutoStreamReset::Earliest);
        o.set_consumer_group(ConsumerGroup::new("group")).unwrap();
        o
    } else {
        options(ConsumerMode::RealTime, AutoStreamReset::Earliest)
    };
    opts.set_live_streaming(true);
    let mut consumer = streamer
        .create_consumer(&[StreamKey::new("stream").unwrap()], opts)
        .await
        .unwrap();
    for i in 0..100 {
        assert_eq!(consumer.next().await.unwrap().sequence(), i);
    }
    consumer.rewind(SeqPos::Beginning).await.unwrap();
    for i in 0..100 {
        assert_eq!(consumer.next().await.unwrap().sequence(), i);
    }
    for from in [25u64, 50, 75, 99] {
        consumer.rewind(SeqPos::At(from)).await.unwrap();
        for i in from..100 {
            assert_eq!(consumer.next().await.unwrap().sequence(), i);
        }
    }
    // past the end
    assert!(matches!(
        consumer.rewind(SeqPos::At(100)).await,
        Err(StreamErr::Backend(FileErr::SeekErr(_)))
    ));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn seek() {
    seek_run(true).await;
    seek_run(false).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn seek_by_timestamp() {
    let file = temp_file("seek-ts");
    let streamer = streamer_of(&file).await;
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    let start = 1_700_000_000_000i64;
    for i in 0..200u64 {
        let h = MessageHeader::new(
            StreamKey::new("t").unwrap(),
            ShardId::new(0),
            i,
            ts_ms(start + i as i64 * 10),
        );
        sink.write(OwnedMessage::new(h, vec![b'x'; 40])).unwrap();
    }
    sink.flush().await.unwrap();
    let mut consumer = streamer
        .create_consumer(
            &[StreamKey::new("t").unwrap()],
            options(ConsumerMode::RealTime, AutoStreamReset::Earliest),
        )
        .await
        .unwrap();
    consumer.seek(ts_ms(start + 1000)).await.unwrap();
    assert_eq!(consumer.next().await.unwrap().sequence(), 101);
    consumer.seek(ts_ms(start + 5)).await.unwrap();
    assert_eq!(consumer.next().await.unwrap().sequence(), 1);
    consumer.rewind(SeqPos::End).await.unwrap();
    sink.write(frame("t", 0, 500, "late".into())).unwrap();
    sink.flush().await.unwrap();
    assert_eq!(consumer.next().await.unwrap().sequence(), 500);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn option_errors() {
    let file = temp_file("options");
    let streamer = streamer_of(&file).await;
    let key = StreamKey::new("k").unwrap();
    let mut o = options(ConsumerMode::RealTime, AutoStreamReset::Latest);
    o.set_consumer_group(ConsumerGroup::new("g")).unwrap();
    assert!(matches!(
        streamer
            .create_consumer(std::slice::from_ref(&key), o)
            .await,
        Err(StreamErr::ConsumerGroupIsSet)
    ));
    let o = options(ConsumerMode::LoadBalanced, AutoStreamReset::Latest);
    assert!(matches!(
        streamer
            .create_consumer(std::slice::from_ref(&key), o)
            .await,
        Err(StreamErr::ConsumerGroupNotSet)
    ));
    let mut o = options(ConsumerMode::RealTime, AutoStreamReset::Latest);
    o.set_live_streaming(false);
    assert!(matches!(
        streamer
            .create_consumer(std::slice::from_ref(&key), o)
            .await,
        Err(StreamErr::Backend(FileErr::ConfigErr(_)))
    ));
    let mut o = options(ConsumerMode::LoadBalanced, AutoStreamReset::Latest);
    o.set_consumer_group(ConsumerGroup::new("g")).unwrap();
    assert!(matches!(
        streamer
            .create_consumer(&[StreamKey::new(SEA_STREAMER_WILDCARD).unwrap()], o)
            .await,
        Err(StreamErr::Backend(FileErr::ConfigErr(_)))
    ));
    let mut a = options(ConsumerMode::LoadBalanced, AutoStreamReset::Latest);
    a.set_consumer_group(ConsumerGroup::new("same")).unwrap();
    let _c = streamer
        .create_consumer(std::slice::from_ref(&key), a)
        .await
        .unwrap();
    let mut b = options(ConsumerMode::Resumable, AutoStreamReset::Latest);
    b.set_consumer_group(ConsumerGroup::new("same")).unwrap();
    assert!(matches!(
        streamer
            .create_consumer(std::slice::from_ref(&key), b)
            .await,
        Err(StreamErr::Backend(FileErr::ConfigErr(_)))
    ));
    let mut c = streamer
        .create_consumer(std::slice::from_ref(&key), Default::default())
        .await
        .unwrap();
    assert!(c.assign((key.clone(), ShardId::new(0))).is_err());
    // a Replay consumer of a header-only file ends with NotEnoughBytes
    let mut o = options(ConsumerMode::RealTime, AutoStreamReset::Earliest);
    o.set_live_streaming(false);
    let missing = FileStreamer::connect(
        format!("file://{}.missing", file.path()).parse().unwrap(),
        Default::default(),
    )
    .await;
    assert!(missing.is_err());
    let _ = o;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn corrupt_frame_is_reported_then_ends() {
    let file = temp_file("corrupt");
    let mut sink = MessageSink::new(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for i in 0..10 {
        sink.write(frame("k", 0, i, format!("payload-{i}")))
            .unwrap();
    }
    sink.end(true).await.unwrap();
    let mut bytes = std::fs::read(file.path()).unwrap();
    // frame 0 starts at 128: key_len(1) + "k"(1) + 28 bytes of fields, then the payload
    bytes[128 + 2 + 28 + 3] ^= 0x40;
    std::fs::write(file.path(), &bytes).unwrap();
    let streamer = streamer_of(&file).await;
    let consumer = streamer
        .create_consumer(
            &[StreamKey::new("k").unwrap()],
            options(ConsumerMode::RealTime, AutoStreamReset::Earliest),
        )
        .await
        .unwrap();
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::FormatErr(
            sea_streamer_file::format::FormatErr::ChecksumErr { .. }
        )))
    ));
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::StreamEnded))
    ));
}
