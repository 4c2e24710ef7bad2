//! Live following of a file appended by someone else (`tail -f`), and file removal; each with
//! file-change notification (the default) and with it disabled (polling only).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileErr, FileStreamer, MessageSink,
    SEA_STREAMER_WILDCARD,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage, ShardId,
    StreamErr, StreamKey, Streamer, Timestamp,
};
use std::io::Write;
use util::*;

fn connect_options(notification: bool) -> FileConnectOptions {
    let mut options = FileConnectOptions::default();
    options.set_file_notification(notification);
    options
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn follows_foreign_appends_in_pieces() {
    follow_foreign_appends_in_pieces(true).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn follows_foreign_appends_in_pieces_polling_only() {
    follow_foreign_appends_in_pieces(false).await;
}

/// Appends come through a file handle of their own (not our producer), from another thread.
async fn follow_foreign_appends_in_pieces(notification: bool) {
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
    let streamer = FileStreamer::connect(
        file.to_streamer_uri().unwrap(),
        connect_options(notification),
    )
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

/// Regression: an ungrouped `Earliest` consumer of a header-only file used to jump to the end of
/// the file after checking its size, so frames appended in between were skipped. It now starts
/// right after the header: every message arrives, from the first one.
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn earliest_on_header_only_file_misses_nothing() {
    earliest_on_header_only_file(true).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn earliest_on_header_only_file_misses_nothing_polling_only() {
    earliest_on_header_only_file(false).await;
}

async fn earliest_on_header_only_file(notification: bool) {
    const N: u64 = 100;
    let source = temp_file("earliest-src");
    let mut sink = MessageSink::new(source.clone(), 1024, 1 << 20)
        .await
        .unwrap();
    for i in 0..N {
        let h = MessageHeader::new(
            StreamKey::new("early").unwrap(),
            ShardId::new(0),
            i,
            Timestamp::now_utc(),
        );
        sink.write(OwnedMessage::new(h, format!("m{i}").into_bytes()))
            .unwrap();
    }
    sink.end(false).await.unwrap();
    let bytes = std::fs::read(source.path()).unwrap();

    for round in 0..40 {
        // a file that holds only the header
        let file = temp_file("earliest");
        std::fs::write(file.path(), &bytes[..128]).unwrap();
        let streamer = FileStreamer::connect(
            file.to_streamer_uri().unwrap(),
            connect_options(notification),
        )
        .await
        .unwrap();
        let mut out = std::fs::OpenOptions::new()
            .append(true)
            .open(file.path())
            .unwrap();
        let data = bytes[128..].to_vec();
        // the writer is released just before the consumer is created and runs while it starts
        let go = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let released = go.clone();
        let writer = std::thread::spawn(move || {
            while !released.load(std::sync::atomic::Ordering::Acquire) {
                std::hint::spin_loop();
            }
            for piece in data.chunks(37) {
                out.write_all(piece).unwrap();
                out.flush().unwrap();
            }
        });
        go.store(true, std::sync::atomic::Ordering::Release);
        let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
        options.set_auto_stream_reset(AutoStreamReset::Earliest);
        let consumer = streamer
            .create_consumer(&[StreamKey::new("early").unwrap()], options)
            .await
            .unwrap();
        for i in 0..N {
            let m = consumer.next().await.unwrap();
            assert_eq!(m.sequence(), i, "round {round}");
            assert_eq!(m.message().as_str().unwrap(), format!("m{i}"));
        }
        writer.join().unwrap();
        drop(consumer);
        let _ = std::fs::remove_file(file.path());
    }
    let _ = std::fs::remove_file(source.path());
}

/// Another OS process (`cat`) appends to the followed file while the consumer waits for it.
#[cfg(unix)]
#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn follows_appends_of_another_process() {
    for notification in [true, false] {
        const N: u64 = 50;
        let source = temp_file("process-src");
        let mut sink = MessageSink::new(source.clone(), 1024, 1 << 20)
            .await
            .unwrap();
        for i in 0..N {
            let h = MessageHeader::new(
                StreamKey::new("proc").unwrap(),
                ShardId::new(0),
                i,
                Timestamp::now_utc(),
            );
            sink.write(OwnedMessage::new(h, format!("p{i}").into_bytes()))
                .unwrap();
        }
        sink.end(false).await.unwrap();
        let bytes = std::fs::read(source.path()).unwrap();
        // the appended part: everything after the header, as a file for `cat`
        let tail = temp_file("process-tail");
        std::fs::write(tail.path(), &bytes[128..]).unwrap();

        let file = temp_file("process");
        std::fs::write(file.path(), &bytes[..128]).unwrap();
        let streamer = FileStreamer::connect(
            file.to_streamer_uri().unwrap(),
            connect_options(notification),
        )
        .await
        .unwrap();
        let consumer = streamer
            .create_consumer(
                &[StreamKey::new("proc").unwrap()],
                FileConsumerOptions::new(ConsumerMode::RealTime),
            )
            .await
            .unwrap();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg("cat \"$1\" >> \"$2\"")
            .arg("sh")
            .arg(tail.path())
            .arg(file.path())
            .status()
            .unwrap();
        assert!(status.success());
        for i in 0..N {
            let m = consumer.next().await.unwrap();
            assert_eq!(m.sequence(), i, "notification {notification}");
            assert_eq!(m.message().as_str().unwrap(), format!("p{i}"));
        }
        drop(consumer);
        for f in [&source, &tail, &file] {
            let _ = std::fs::remove_file(f.path());
        }
    }
}
