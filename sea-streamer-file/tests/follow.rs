//! Live following of a file appended by someone else (`tail -f`), and file removal.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    AutoStreamReset, FileConsumerOptions, FileErr, FileStreamer, MessageSink, SEA_STREAMER_WILDCARD,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage, ShardId,
    StreamErr, StreamKey, Streamer, Timestamp,
};
use std::io::Write;
use util::*;

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn follows_foreign_appends_in_pieces() {
    // encode a file elsewhere, then feed it to the followed file in odd-sized pieces
    let source = temp_file("follow-src");
    let mut sink = MessageSink::new(source.clone(), 1024, 1 << 20)
        .await
        .unwrap();
    for i in 0..200u64 {
        let h = MessageHeader::new(
            StreamKey::new("tail").unwrap(),
            ShardId::new(5),
            i,
            Timestamp::now_utc(),
        );
        sink.write(OwnedMessage::new(
            h,
            format!("line {i} {}", "x".repeat(i as usize % 90)).into_bytes(),
        ))
        .unwrap();
    }
    sink.end(false).await.unwrap();
    let bytes = std::fs::read(source.path()).unwrap();

    let file = temp_file("follow");
    // the header arrives in two pieces: a live consumer waits for it
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(file.path())
        .unwrap();
    out.write_all(&bytes[..60]).unwrap();
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(&[StreamKey::new(SEA_STREAMER_WILDCARD).unwrap()], options)
        .await
        .unwrap();
    let writer = std::thread::spawn(move || {
        let mut at = 60;
        let mut step = 1;
        while at < bytes.len() {
            let end = (at + step).min(bytes.len());
            out.write_all(&bytes[at..end]).unwrap();
            out.flush().unwrap();
            at = end;
            step = step * 7 % 509 + 1;
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    });
    for i in 0..200u64 {
        let m = consumer.next().await.unwrap();
        assert_eq!(m.sequence(), i);
        assert_eq!(m.shard_id().id(), 5);
        assert!(m
            .message()
            .as_str()
            .unwrap()
            .starts_with(&format!("line {i} ")));
    }
    writer.join().unwrap();

    // removal ends the stream
    std::fs::remove_file(file.path()).unwrap();
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::FileRemoved))
    ));
    assert!(matches!(
        consumer.next().await,
        Err(StreamErr::Backend(FileErr::StreamEnded))
    ));
}
