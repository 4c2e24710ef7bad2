//! Mid-file corruption versus a torn tail (issue #15, defects 3 and 4; not in upstream).
//!
//! A writer may cut only a torn tail (an incomplete last write with nothing decodable after
//! it). Corruption followed by valid frames must be refused by writers, reported as corruption
//! (not truncation) by readers and consumers, and skipped (not cut) by `repair_file`.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    verify::{repair_file, verify_file},
    AutoStreamReset, FileConsumerOptions, FileErr, FileId, FileStreamer, MessageSink,
    MessageSource, StreamMode, DEFAULT_BEACON_INTERVAL, DEFAULT_FILE_SIZE_LIMIT,
};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage,
    Producer, ShardId, StreamErr, StreamKey, Streamer,
};
use std::time::Duration;
use util::*;

/// A frame as it lies in the file.
#[derive(Debug, Clone)]
struct Placed {
    payload: String,
    seq: u64,
    start: u64,
    end: u64,
}

/// Write `n` frames of key `clock` (seq 1.., payload `tick-{seq}`), optionally an EOS, and
/// return the bytes and where every frame lies.
async fn build(name: &str, interval: u32, n: u64, eos: bool) -> (FileId, Vec<u8>, Vec<Placed>) {
    let file = temp_file(name);
    let mut sink = MessageSink::new(file.clone(), interval, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for seq in 1..=n {
        let h = MessageHeader::new(
            StreamKey::new("clock").unwrap(),
            ShardId::new(0),
            seq,
            ts_ms(1_700_000_000_000 + seq as i64),
        );
        sink.write(OwnedMessage::new(h, format!("tick-{seq}").into_bytes()))
            .unwrap();
    }
    sink.end(eos).await.unwrap();
    let bytes = std::fs::read(file.path()).unwrap();
    let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    let mut placed = Vec::new();
    let mut start = 128;
    while let Ok(f) = source.next().await {
        let end = source.offset();
        placed.push(Placed {
            payload: f.message.message().as_str().unwrap().to_owned(),
            seq: f.message.sequence(),
            start,
            end,
        });
        start = end;
    }
    assert_eq!(placed.len() as u64, n + eos as u64);
    (file, bytes, placed)
}

/// Offset of the first byte of the payload-length field of a `clock` frame starting at `start`
/// (assumes no beacon inside its header).
fn length_field(start: u64) -> usize {
    (start + 1 + 5 + 24) as usize
}

/// Defect 3c: 50 frames + EOS, no beacons, the length of frame 6 made to run past the end.
async fn file_3c(name: &str) -> (FileId, Vec<u8>, Vec<Placed>) {
    let (file, mut bytes, placed) = build(name, DEFAULT_BEACON_INTERVAL, 50, true).await;
    bytes[length_field(placed[5].start)] ^= 0x01; // + 16 MiB
    std::fs::write(file.path(), &bytes).unwrap();
    (file, bytes, placed)
}

fn is_corruption(e: &FileErr) -> bool {
    matches!(e, FileErr::Corrupted { .. })
}

fn assert_refused(file: &FileId, before: &[u8], result: Result<MessageSink, FileErr>) {
    let e = match result {
        Ok(_) => panic!("a writer opened a corrupt file"),
        Err(e) => e,
    };
    assert!(matches!(e, FileErr::CorruptForAppend { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("ss-verify") && text.contains("--repair"),
        "{text}"
    );
    assert!(text.contains(file.path()), "{text}");
    assert_eq!(std::fs::read(file.path()).unwrap(), before, "bytes changed");
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn writer_refuses_bad_length_after_last_beacon_3a() {
    // beacons every 1024 bytes; flip one bit of the length of a frame after the last beacon,
    // with many good frames after it
    for bit in [0x80u8, 0x01] {
        let mut n = 400;
        let (file, mut bytes, placed, victim) = loop {
            let (file, bytes, placed) = build("3a", 1024, n, false).await;
            let last_beacon = (bytes.len() as u64 / 1024) * 1024;
            let victim = placed
                .iter()
                .position(|p| p.start > last_beacon)
                .expect("frames after the last beacon");
            if placed.len() - victim > 10 {
                break (file, bytes, placed, victim);
            }
            std::fs::remove_file(file.path()).unwrap();
            n += 5;
        };
        // the least significant byte: 0x80 = +128 (checksum fails), 0x01 = +1
        bytes[length_field(placed[victim].start) + 3] ^= bit;
        std::fs::write(file.path(), &bytes).unwrap();
        let r = MessageSink::append(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT).await;
        assert_refused(&file, &bytes, r);
        std::fs::remove_file(file.path()).unwrap();
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn writer_refuses_bad_beacon_3b() {
    let (file, mut bytes, _) = build("3b", 1024, 400, false).await;
    let last_beacon = (bytes.len() / 1024) * 1024;
    bytes[last_beacon + 1..last_beacon + 5].copy_from_slice(&[0xFF; 4]);
    std::fs::write(file.path(), &bytes).unwrap();
    let r = MessageSink::append(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT).await;
    assert_refused(&file, &bytes, r);
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn writer_refuses_bad_length_no_beacon_3c() {
    let (file, bytes, _) = file_3c("3c").await;
    let r = MessageSink::append(
        file.clone(),
        DEFAULT_BEACON_INTERVAL,
        DEFAULT_FILE_SIZE_LIMIT,
    )
    .await;
    assert_refused(&file, &bytes, r);

    // the same through a producer (what `clock` does)
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let sent = match streamer
        .create_producer(StreamKey::new("clock").unwrap(), Default::default())
        .await
    {
        Ok(p) => match p.send("more") {
            Ok(fut) => fut.await.map(|_| ()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match sent {
        Err(StreamErr::Backend(e)) => {
            assert!(matches!(e, FileErr::CorruptForAppend { .. }), "{e:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(file.path()).unwrap(), bytes, "bytes changed");
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn torn_tail_is_still_cut() {
    // an incomplete last frame with nothing after it: a writer cuts it and continues
    let (file, bytes, placed) = build("torn", 1024, 100, false).await;
    let last = placed.last().unwrap();
    let cut = (last.start + last.end) / 2;
    std::fs::write(file.path(), &bytes[..cut as usize]).unwrap();
    let sink = MessageSink::append(file.clone(), 1024, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    assert_eq!(sink.started_from(), last.start);
    sink.end(false).await.unwrap();
    assert_eq!(std::fs::metadata(file.path()).unwrap().len(), last.start);
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn source_reports_corruption_not_truncation_4() {
    let (file, _, placed) = file_3c("4-source").await;
    let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    for p in &placed[..5] {
        let f = source.next().await.unwrap();
        assert_eq!(f.message.message().as_str().unwrap(), p.payload);
    }
    let e = source.next().await.unwrap_err();
    assert!(is_corruption(&e), "{e:?}");
    let text = e.to_string();
    assert!(text.contains(&placed[5].start.to_string()), "{text}");
    assert!(text.contains(file.path()), "{text}");
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn verify_and_repair_keep_what_follows_4() {
    let (file, bytes, placed) = file_3c("4-verify").await;
    let report = verify_file(&file).unwrap();
    assert!(!report.is_clean());
    let p = &report.problems[0];
    assert_eq!(p.offset, placed[5].start);
    assert!(is_corruption(&p.error), "{:?}", p.error);
    assert!(!matches!(p.error, FileErr::NotEnoughBytes));
    // everything after the bad frame is still counted
    assert_eq!(report.frames, 50);
    assert!(report.eos);

    let report = repair_file(&file).unwrap();
    assert_eq!(report.dropped.len(), 1);
    assert_eq!(report.dropped[0].offset, placed[5].start);
    assert_eq!(report.dropped[0].len, placed[5].end - placed[5].start);
    assert_eq!(
        std::fs::metadata(file.path()).unwrap().len(),
        bytes.len() as u64 - (placed[5].end - placed[5].start)
    );
    let after = verify_file(&file).unwrap();
    assert!(after.is_clean(), "{:?}", after.problems);
    // every frame but the corrupt one, in order, and the EOS
    let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Ok(f) = source.next().await {
        got.push(f.message.message().as_str().unwrap().to_owned());
    }
    let want: Vec<String> = placed
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, p)| p.payload.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(placed[5].seq, 6);
    std::fs::remove_file(file.path()).unwrap();
}

async fn consume_until_error(file: &FileId, live: bool) -> (Vec<String>, FileErr) {
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options.set_live_streaming(live);
    let consumer = streamer
        .create_consumer(&[StreamKey::new("clock").unwrap()], options)
        .await
        .unwrap();
    let mut got = Vec::new();
    loop {
        match consumer.next().await {
            Ok(m) => got.push(m.message().as_str().unwrap().to_owned()),
            Err(StreamErr::Backend(e)) => return (got, e),
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// Guard against the old behaviour (a live consumer waited forever at the bad frame).
async fn within_a_minute<T>(f: impl std::future::Future<Output = T>) -> T {
    sea_streamer_runtime::timeout(Duration::from_secs(60), f)
        .await
        .expect("the consumer hangs at the corrupt frame")
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn consumers_get_a_typed_error_4() {
    let (file, _, placed) = file_3c("4-consumer").await;
    for live in [false, true] {
        let (got, e) = within_a_minute(consume_until_error(&file, live)).await;
        let want: Vec<String> = placed[..5].iter().map(|p| p.payload.clone()).collect();
        assert_eq!(got, want, "live {live}");
        assert!(is_corruption(&e), "live {live}: {e:?}");
    }
    std::fs::remove_file(file.path()).unwrap();
}
