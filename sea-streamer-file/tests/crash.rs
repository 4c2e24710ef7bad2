//! Crash safety: a file cut at every byte offset, and bit flips (not in upstream).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    format::{FormatErr, Message as Frame},
    FileErr, FileId, MessageSink, MessageSource, StreamMode,
};
use sea_streamer_types::{Message, MessageHeader, OwnedMessage, ShardId, StreamKey};
use util::*;

const INTERVAL: u32 = 1024;

/// A small file with frames of varying sizes (several crossing beacons) and an EOS.
async fn build_sample() -> (Vec<u8>, Vec<(Frame, u64, u64)>) {
    let file = temp_file("crash-sample");
    let mut sink = MessageSink::new(file.clone(), INTERVAL, 1 << 20)
        .await
        .unwrap();
    for i in 0..24u64 {
        let key = if i % 3 == 0 { "alpha" } else { "beta" };
        let len = (i as usize * 37) % 300;
        let payload: Vec<u8> = (0..len)
            .map(|j| (j as u8).wrapping_mul(7).wrapping_add(i as u8))
            .collect();
        let h = MessageHeader::new(
            StreamKey::new(key).unwrap(),
            ShardId::new(i % 2),
            i,
            ts_ms(1_700_000_000_000 + i as i64),
        );
        sink.write(OwnedMessage::new(h, payload)).unwrap();
    }
    sink.end(true).await.unwrap();
    let bytes = std::fs::read(file.path()).unwrap();
    let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    let mut frames = Vec::new();
    let mut start = 128;
    while let Ok(f) = source.next().await {
        let end = source.offset();
        frames.push((f, start, end));
        start = end;
    }
    assert_eq!(frames.len(), 25);
    assert!(bytes.len() > 3 * INTERVAL as usize);
    std::fs::remove_file(file.path()).unwrap();
    (bytes, frames)
}

async fn read_all(file: &FileId) -> (Vec<Frame>, Result<(), FileErr>) {
    let mut source = match MessageSource::new(file.clone(), StreamMode::Replay).await {
        Ok(s) => s,
        Err(e) => return (vec![], Err(e)),
    };
    let mut out = Vec::new();
    loop {
        match source.next().await {
            Ok(f) => out.push(f),
            Err(e) => return (out, Err(e)),
        }
    }
}

fn extra() -> OwnedMessage {
    OwnedMessage::new(
        MessageHeader::new(
            StreamKey::new("after").unwrap(),
            ShardId::new(3),
            7,
            ts_ms(1_800_000_000_000),
        ),
        b"appended after recovery".to_vec(),
    )
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn truncated_at_every_offset() {
    let (bytes, frames) = build_sample().await;
    let file = temp_file("crash-cut");
    for cut in 0..=bytes.len() {
        std::fs::write(file.path(), &bytes[..cut]).unwrap();
        let complete: Vec<&Frame> = frames
            .iter()
            .filter(|(_, _, end)| *end as usize <= cut)
            .map(|(f, _, _)| f)
            .collect();
        let (got, end) = read_all(&file).await;
        assert!(
            matches!(end, Err(FileErr::NotEnoughBytes)),
            "cut {cut}: {end:?}"
        );
        assert_eq!(got.len(), complete.len(), "cut {cut}");
        for (a, b) in got.iter().zip(complete.iter()) {
            assert_eq!(a, *b, "cut {cut}");
        }

        // a writer re-opening the file continues after the last good frame
        let mut sink = MessageSink::append(file.clone(), INTERVAL, 1 << 20)
            .await
            .unwrap();
        sink.write(extra()).unwrap();
        sink.end(false).await.unwrap();
        let (got, end) = read_all(&file).await;
        assert!(
            matches!(end, Err(FileErr::NotEnoughBytes)),
            "append after cut {cut}: {end:?}"
        );
        let kept: Vec<&Frame> = complete
            .iter()
            .copied()
            .filter(|f| !sea_streamer_file::is_end_of_stream(&f.message))
            .collect();
        assert_eq!(got.len(), kept.len() + 1, "append after cut {cut}");
        for (a, b) in got.iter().zip(kept.iter()) {
            assert_eq!(a, *b, "append after cut {cut}");
        }
        assert_eq!(
            got.last().unwrap().message,
            extra(),
            "append after cut {cut}"
        );
    }
    std::fs::remove_file(file.path()).unwrap();
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn bit_flips() {
    let (bytes, frames) = build_sample().await;
    let file = temp_file("crash-flip");
    for at in 128..bytes.len() {
        let mut copy = bytes.clone();
        copy[at] ^= 1 << (at % 8);
        std::fs::write(file.path(), &copy).unwrap();
        let (got, end) = read_all(&file).await;
        // frames wholly before the flipped byte are intact
        let before = frames
            .iter()
            .filter(|(_, _, e)| (*e as usize) <= at)
            .count();
        assert!(got.len() >= before.min(got.len()));
        for (i, g) in got.iter().enumerate().take(before) {
            assert_eq!(g, &frames[i].0, "flip at {at}");
        }
        // a flip inside a payload is reported as a checksum error at that frame
        if let Some((i, (f, start, _))) = frames
            .iter()
            .enumerate()
            .find(|(_, (_, s, e))| (*s as usize) <= at && at < *e as usize)
        {
            let key_len = f.message.stream_key().name().len() as u64;
            let payload_start = start + 1 + key_len + 28;
            let payload_len = f.message.message().as_bytes_len();
            let in_payload = (at as u64) >= payload_start
                && (at as u64) < payload_start + payload_len as u64
                && (at as u64) / INTERVAL as u64 == payload_start / INTERVAL as u64
                && !(at as u64).is_multiple_of(INTERVAL as u64);
            if in_payload
                && (payload_start + payload_len as u64) / INTERVAL as u64
                    == *start / INTERVAL as u64
            {
                assert_eq!(got.len(), i, "flip at {at}");
                assert!(
                    matches!(end, Err(FileErr::FormatErr(FormatErr::ChecksumErr { .. }))),
                    "flip at {at}: {end:?}"
                );
            }
        }
        assert!(end.is_err());
    }
    std::fs::remove_file(file.path()).unwrap();
}

trait PayloadLen {
    fn as_bytes_len(&self) -> usize;
}

impl PayloadLen for sea_streamer_types::Payload<'_> {
    fn as_bytes_len(&self) -> usize {
        use sea_streamer_types::Buffer;
        self.size()
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn resync_after_corruption() {
    let (bytes, frames) = build_sample().await;
    // corrupt the payload of the first frame with a payload
    let (victim, start, _) = frames
        .iter()
        .find(|(f, _, _)| f.message.message().as_bytes_len() > 4)
        .unwrap();
    let at = *start as usize + 1 + victim.message.stream_key().name().len() + 28 + 1;
    let mut copy = bytes.clone();
    copy[at] ^= 0xFF;
    let file = temp_file("crash-resync");
    std::fs::write(file.path(), &copy).unwrap();
    let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
        .await
        .unwrap();
    loop {
        match source.next().await {
            Ok(_) => (),
            Err(FileErr::FormatErr(FormatErr::ChecksumErr { .. })) => break,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    let index = source.resync().await.unwrap();
    assert!(index >= 1);
    // after the beacon, frames are the originals again
    let next = source.next().await.unwrap();
    let original = frames
        .iter()
        .find(|(f, _, _)| f == &next)
        .expect("an original frame");
    assert!(original.1 > *start);
    let mut count = 0;
    while let Ok(f) = source.next().await {
        assert!(frames.iter().any(|(o, _, _)| o == &f));
        count += 1;
    }
    assert!(count > 0);
    std::fs::remove_file(file.path()).unwrap();
}
