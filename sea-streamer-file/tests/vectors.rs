//! The three test vectors decode exactly as the format specification lists, and our writer
//! reproduces their bytes.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    format::{Header, HeaderV1, Message as Frame},
    FileErr, MessageSink, MessageSource, StreamMode, DEFAULT_FILE_SIZE_LIMIT,
};
use sea_streamer_types::{Buffer, Message, TIMESTAMP_FORMAT};
use std::collections::BTreeMap;
use util::*;

async fn read_all(name: &str) -> (Header, Vec<Frame>, FileErr) {
    let mut source = MessageSource::new(vector(name), StreamMode::Replay)
        .await
        .unwrap();
    let header = source.file_header().clone();
    let mut frames = Vec::new();
    loop {
        match source.next().await {
            Ok(f) => frames.push(f),
            Err(e) => return (header, frames, e),
        }
    }
}

fn fmt_ts(m: &Frame) -> String {
    m.message.timestamp().format(&TIMESTAMP_FORMAT).unwrap()
}

fn counts(frames: &[Frame]) -> BTreeMap<(String, u64), (usize, u64, u64)> {
    let mut out: BTreeMap<(String, u64), (usize, u64, u64)> = BTreeMap::new();
    for f in frames {
        let m = &f.message;
        let e = out
            .entry((m.stream_key().name().to_owned(), m.shard_id().id()))
            .or_insert((0, u64::MAX, 0));
        e.0 += 1;
        e.1 = e.1.min(m.sequence());
        e.2 = e.2.max(m.sequence());
    }
    out
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn sample_1() {
    let (header, frames, end) = read_all("sample-1.ss").await;
    assert_eq!(header.file_name, "vec_map-1694767177436.firedbg.ss");
    assert_eq!(
        header.created_at.format(&TIMESTAMP_FORMAT).unwrap(),
        "2023-09-15T08:39:37.437"
    );
    assert_eq!(header.beacon_interval, 1048576);
    assert_eq!(frames.len(), 28);
    assert!(matches!(end, FileErr::NotEnoughBytes));
    let c = counts(&frames);
    assert_eq!(c[&("file".into(), 0)], (1, 1, 1));
    assert_eq!(c[&("breakpoint".into(), 0)], (4, 1, 4));
    assert_eq!(c[&("event".into(), 0)], (22, 1, 22));
    assert_eq!(c[&("SEA_STREAMER_INTERNAL".into(), 0)], (1, 0, 0));
    assert_eq!(fmt_ts(&frames[0]), "2023-09-15T08:39:37.912");
    assert_eq!(fmt_ts(&frames[26]), "2023-09-15T08:39:38.564");
    assert_eq!(fmt_ts(&frames[27]), "2023-09-15T08:39:38.569");
    assert_eq!(
        frames[0].message.message().as_str().unwrap(),
        r#"{"id":1,"path":"testcases/vec_map.rs","crate_name":"vec_map","modified":{"secs_since_epoch":1693814866,"nanos_since_epoch":661434645}}"#
    );
    assert_eq!(frames[0].checksum, 0xEFF5);
    assert_eq!(frames[1].checksum, 0x0174);
    assert!(sea_streamer_file::is_end_of_stream(&frames[27].message));
    assert_eq!(frames[27].checksum, 0xED7C);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn consumer_ss() {
    let mut source = MessageSource::new(vector("consumer.ss"), StreamMode::Replay)
        .await
        .unwrap();
    let header = source.file_header().clone();
    assert_eq!(header.file_name, "consumer-1691686154741");
    assert_eq!(header.beacon_interval, 1024);
    let mut beacons = Vec::new();
    let mut last = 0;
    for i in 0..100u64 {
        let f = source.next().await.unwrap();
        assert_eq!(f.message.stream_key().name(), "hello");
        assert_eq!(f.message.shard_id().id(), 1);
        assert_eq!(f.message.sequence(), i);
        assert_eq!(f.message.message().as_str().unwrap(), format!("hello-{i}"));
        if i == 0 {
            assert_eq!(fmt_ts(&f), "2023-08-10T16:49:14.745");
        }
        if i == 99 {
            assert_eq!(fmt_ts(&f), "2023-08-10T16:49:14.908");
        }
        let (index, markers) = source.beacon();
        if index != last {
            last = index;
            assert_eq!(markers.len(), 1);
            beacons.push((
                i,
                *markers[0].header.sequence(),
                markers[0].running_checksum.0,
            ));
        }
    }
    assert_eq!(
        beacons,
        vec![
            (20, 20, 2887),
            (42, 42, 0xF128),
            (63, 63, 0x59EA),
            (85, 85, 0xF53D)
        ]
    );
    let eos = source.next().await.unwrap();
    assert!(sea_streamer_file::is_end_of_stream(&eos.message));
    assert_eq!(fmt_ts(&eos), "2023-08-10T16:49:14.921");
    assert!(matches!(source.next().await, Err(FileErr::NotEnoughBytes)));
    assert_eq!(source.offset(), 4830);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn quicksort() {
    let (header, frames, end) = read_all("quicksort.ss").await;
    assert_eq!(header.file_name, "quicksort-1691735325895");
    assert_eq!(
        header.created_at.format(&TIMESTAMP_FORMAT).unwrap(),
        "2023-08-11T06:28:45.896"
    );
    assert_eq!(frames.len(), 42);
    assert!(matches!(end, FileErr::NotEnoughBytes));
    let c = counts(&frames);
    assert_eq!(c.len(), 1);
    assert_eq!(c[&("quicksort".into(), 0)], (42, 1, 42));
    assert_eq!(fmt_ts(&frames[0]), "2023-08-11T06:28:50.44");
    assert_eq!(fmt_ts(&frames[41]), "2023-08-11T06:28:50.659");
    let text = frames
        .iter()
        .filter(|f| f.message.message().as_str().is_ok())
        .count();
    assert_eq!(text, 22);
}

/// Re-encode every frame of a vector with our writer: same bytes after the header, and the
/// header encodes to the same 128 bytes.
async fn reencode(name: &str) {
    let original = std::fs::read(vector(name).path()).unwrap();
    let (header, frames, _) = read_all(name).await;
    let mut bytes = Vec::new();
    HeaderV1::clone(&header).write_to(&mut bytes).unwrap();
    assert_eq!(&bytes[..], &original[..128], "{name}: header");

    let out = temp_file("reencode");
    let mut sink = MessageSink::new(out.clone(), header.beacon_interval, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for f in frames {
        let crc = sink.write(f.message).unwrap();
        assert_eq!(crc.0, f.checksum);
    }
    sink.end(false).await.unwrap();
    let written = std::fs::read(out.path()).unwrap();
    assert_eq!(written.len(), original.len(), "{name}: size");
    assert!(
        written[128..] == original[128..],
        "{name}: frames and beacons"
    );
    std::fs::remove_file(out.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn writer_agrees_byte_for_byte() {
    reencode("sample-1.ss").await;
    reencode("consumer.ss").await;
    reencode("quicksort.ss").await;
}
