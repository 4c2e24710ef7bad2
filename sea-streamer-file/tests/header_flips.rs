//! Issue #15, defect 11: frame headers (stream key, shard, sequence, timestamp) are not covered by
//! the checksum. Property-style test with seeded random bit flips in headers: `verify_file`
//! reports each flip as a problem or inconsistency, unless it lies in the documented blind spot.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod util;

use sea_streamer_file::{
    verify::{verify_file, TIMESTAMP_TOLERANCE_MS},
    FileId, MessageSink, MessageSource, StreamMode, DEFAULT_FILE_SIZE_LIMIT,
};
use sea_streamer_types::{Message, MessageHeader, OwnedMessage, ShardId, StreamKey};
use util::*;

const INTERVAL: u64 = 1024;
const FLIPS: usize = 300;

/// SplitMix64: a small seeded generator, so every run tests the same flips.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    key: String,
    shard: u64,
    seq: u64,
    ts: i64,
    start: u64,
    end: u64,
}

/// A file as a producer writes it: 3 streams, sequences from 1, timestamps 1-3 ms apart.
async fn build(file: &FileId, rng: &mut Rng) {
    let mut sink = MessageSink::new(file.clone(), INTERVAL as u32, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    let keys = ["alpha", "beta", "gamma"];
    let mut seqs = [0u64; 3];
    let mut ts = 1_700_000_000_000i64;
    for _ in 0..600 {
        let k = rng.below(3) as usize;
        seqs[k] += 1;
        ts += 1 + rng.below(3) as i64;
        let h = MessageHeader::new(
            StreamKey::new(keys[k]).unwrap(),
            ShardId::new(0),
            seqs[k],
            ts_ms(ts),
        );
        sink.write(OwnedMessage::new(
            h,
            format!("{}-{}", keys[k], seqs[k]).into_bytes(),
        ))
        .unwrap();
    }
    sink.end(false).await.unwrap();
}

async fn decode(file: &FileId) -> Vec<Seen> {
    let mut source = match MessageSource::new(file.clone(), StreamMode::Replay).await {
        Ok(s) => s,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut start = 128;
    while let Ok(f) = source.next().await {
        let m = &f.message;
        out.push(Seen {
            key: m.stream_key().name().to_owned(),
            shard: m.shard_id().id(),
            seq: m.sequence(),
            ts: millis_of(&m.timestamp()),
            start,
            end: source.offset(),
        });
        start = source.offset();
    }
    out
}

/// Offset of the first beacon after `from` whose (only) marker names stream `key`.
fn next_marker_of(bytes: &[u8], key: &str, from: u64) -> Option<u64> {
    let mut b = from.div_ceil(INTERVAL) * INTERVAL;
    while (b as usize) + 7 < bytes.len() {
        let at = b as usize;
        if bytes[at + 5] > 0 {
            let klen = bytes[at + 6] as usize;
            if &bytes[at + 7..at + 7 + klen] == key.as_bytes() {
                return Some(b);
            }
        }
        b += INTERVAL;
    }
    None
}

/// The documented blind spot of the header checks, for frame `i` decoded as `changed` after a
/// flip: evidence against a changed header can only come from later frames of the same stream
/// (sequence order, timestamp order within the tolerance) and from later beacon markers of the
/// stream (last sequence, last timestamp, running checksum).
fn blind_spot(frames: &[Seen], i: usize, changed: &Seen, bytes: &[u8]) -> bool {
    let f = &frames[i];
    let marker = next_marker_of(bytes, &f.key, f.start);
    let next = frames[i + 1..].iter().find(|g| g.key == f.key);
    if changed.key != f.key || changed.shard != f.shard {
        // the frame left its stream: only a later marker of that stream can tell
        return marker.is_none();
    }
    if changed.seq != f.seq {
        // a later frame of the stream or a later marker would contradict it
        return next.is_none() && marker.is_none();
    }
    // a timestamp change: caught beyond the tolerance, or by the marker if it is the stream's
    // last frame before that marker
    let prev = frames[..i]
        .iter()
        .rev()
        .find(|g| g.key == f.key)
        .map(|g| g.ts);
    let tol = TIMESTAMP_TOLERANCE_MS as i64;
    let in_order =
        prev.is_none_or(|p| changed.ts + tol >= p) && next.is_none_or(|n| n.ts + tol >= changed.ts);
    let marker_sees_it = match (marker, next) {
        (Some(m), Some(n)) => m <= n.start,
        (Some(_), None) => true,
        (None, _) => false,
    };
    in_order && !marker_sees_it
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn header_bit_flips_are_reported() {
    let mut rng = Rng(0x5EA_5EED);
    let file = temp_file("header-flips");
    build(&file, &mut rng).await;
    let original = std::fs::read(file.path()).unwrap();
    let report = verify_file(&file).unwrap();
    assert!(report.is_clean(), "{:?}", report.inconsistencies);
    let frames = decode(&file).await;
    assert_eq!(frames.len(), 600);

    let (mut reported, mut blind, mut unchanged) = (0, 0, 0);
    let mut missed = Vec::new();
    for _ in 0..FLIPS {
        // a frame whose header lies within one beacon region
        let (i, f) = loop {
            let i = rng.below(frames.len() as u64) as usize;
            let f = &frames[i];
            let header_end = f.start + 1 + f.key.len() as u64 + 24;
            if f.start / INTERVAL == header_end / INTERVAL {
                break (i, f);
            }
        };
        // a bit of the key, shard, sequence or timestamp
        let span = f.key.len() as u64 + 24;
        let at = (f.start + 1 + rng.below(span)) as usize;
        let bit = rng.below(8);
        let mut bytes = original.clone();
        bytes[at] ^= 1 << bit;
        std::fs::write(file.path(), &bytes).unwrap();
        let report = verify_file(&file).unwrap();
        if !report.is_clean() {
            reported += 1;
            continue;
        }
        let after = decode(&file).await;
        if after == frames {
            unchanged += 1;
        } else if after.len() == frames.len() && blind_spot(&frames, i, &after[i], &original) {
            blind += 1;
        } else {
            missed.push((i, at, bit, after.get(i).cloned()));
        }
    }
    // seeded, so the figures are fixed: 288 reported, 12 in the blind spot
    assert!(
        blind <= FLIPS / 20 && reported + blind + unchanged + missed.len() == FLIPS,
        "{FLIPS} header bit flips: {reported} reported, {blind} in the blind spot, {unchanged} unchanged"
    );
    assert!(
        missed.is_empty(),
        "undetected outside the blind spot: {missed:?}"
    );
    std::fs::remove_file(file.path()).unwrap();
}
