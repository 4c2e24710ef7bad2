//! Consistency checks of frame headers, which the format's checksum does not cover.
//!
//! The CRC of a frame covers its payload only; a changed stream key, shard, sequence or timestamp
//! decodes without error. The format is fixed for compatibility, so `verify` checks what it can:
//! per `(key, shard)` stream, sequences must strictly increase and timestamps must not go back by
//! more than [`TIMESTAMP_TOLERANCE_MS`]; and every beacon marker must agree with the frames before
//! it (last sequence, last timestamp, running checksum of the stream, and the stream must exist).

use crate::format::beacon::Marker;
use crate::format::checksum::{Checksum, RunningChecksum};
use crate::format::window::Frame;
use sea_streamer_types::{StreamKey, SEA_STREAMER_INTERNAL};
use std::collections::HashMap;
use thiserror::Error;

/// How far (in milliseconds) a frame's timestamp may lie before an earlier frame's of the same
/// stream before `verify` reports it (clock adjustments of the writing host).
pub const TIMESTAMP_TOLERANCE_MS: u64 = 1000;

/// A frame header (or a beacon marker) that disagrees with the rest of the file.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum Inconsistency {
    /// A stream's sequence number did not increase.
    #[error("stream {key}/{shard}: sequence {sequence} after {previous} (frame at {previous_at})")]
    SequenceNotIncreasing {
        /// Stream key.
        key: String,
        /// Shard id.
        shard: u64,
        /// Sequence of this frame.
        sequence: u64,
        /// Sequence of the stream's previous frame.
        previous: u64,
        /// Offset of the previous frame.
        previous_at: u64,
    },
    /// A stream's timestamp went back by more than the tolerance.
    #[error("stream {key}/{shard}: timestamp {millis} ms is {by} ms before an earlier frame's")]
    TimestampBackwards {
        /// Stream key.
        key: String,
        /// Shard id.
        shard: u64,
        /// Timestamp of this frame (unix milliseconds).
        millis: u64,
        /// How far before the latest earlier timestamp of the stream.
        by: u64,
    },
    /// A beacon marker disagrees with the frames written before it.
    #[error("beacon {index}: marker of stream {key}/{shard} disagrees with the frames: {what}")]
    MarkerMismatch {
        /// Beacon index.
        index: u32,
        /// Stream key.
        key: String,
        /// Shard id.
        shard: u64,
        /// What disagrees.
        what: String,
    },
}

#[derive(Debug)]
struct Stream {
    seq: u64,
    ts: u64,
    max_ts: u64,
    at: u64,
    running: RunningChecksum,
}

/// Running state of the header checks over a file, in file order.
#[derive(Debug, Default)]
pub(super) struct HeaderCheck {
    streams: HashMap<(StreamKey, u64), Stream>,
}

impl HeaderCheck {
    /// Check a frame against the earlier frames of its stream, then record it.
    pub fn frame<P>(&mut self, f: &Frame<P>) -> Vec<Inconsistency> {
        let mut out = Vec::new();
        let internal = f.key.name() == SEA_STREAMER_INTERNAL;
        match self.streams.get_mut(&(f.key.clone(), f.shard)) {
            Some(s) => {
                if !internal && f.seq <= s.seq {
                    out.push(Inconsistency::SequenceNotIncreasing {
                        key: f.key.name().to_owned(),
                        shard: f.shard,
                        sequence: f.seq,
                        previous: s.seq,
                        previous_at: s.at,
                    });
                }
                if !internal && f.ts_ms + TIMESTAMP_TOLERANCE_MS < s.max_ts {
                    out.push(Inconsistency::TimestampBackwards {
                        key: f.key.name().to_owned(),
                        shard: f.shard,
                        millis: f.ts_ms,
                        by: s.max_ts - f.ts_ms,
                    });
                }
                s.seq = f.seq;
                s.ts = f.ts_ms;
                s.max_ts = s.max_ts.max(f.ts_ms);
                s.at = f.start;
                s.running.update(Checksum(f.checksum));
            }
            None => {
                let mut running = RunningChecksum::new();
                running.update(Checksum(f.checksum));
                self.streams.insert(
                    (f.key.clone(), f.shard),
                    Stream {
                        seq: f.seq,
                        ts: f.ts_ms,
                        max_ts: f.ts_ms,
                        at: f.start,
                        running,
                    },
                );
            }
        }
        out
    }

    /// Check the markers of beacon `index` against the frames recorded so far.
    pub fn beacon(&self, index: u32, markers: &[Marker]) -> Vec<Inconsistency> {
        let mut out = Vec::new();
        for m in markers {
            let key = m.header.stream_key();
            if key.name() == SEA_STREAMER_INTERNAL {
                continue;
            }
            let shard = m.header.shard_id().id();
            let mismatch = |what: String| Inconsistency::MarkerMismatch {
                index,
                key: key.name().to_owned(),
                shard,
                what,
            };
            let Some(s) = self.streams.get(&(key.clone(), shard)) else {
                out.push(mismatch("no frame of this stream precedes it".into()));
                continue;
            };
            #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
            let seq = u64::try_from(*m.header.sequence()).unwrap_or(u64::MAX);
            if seq != s.seq {
                out.push(mismatch(format!("sequence {seq}, last frame {}", s.seq)));
            }
            let ts = (m.header.timestamp().unix_timestamp_nanos() / 1_000_000) as u64;
            if ts != s.ts {
                out.push(mismatch(format!("timestamp {ts}, last frame {}", s.ts)));
            }
            if m.running_checksum != Checksum(s.running.crc().0) {
                out.push(mismatch(format!(
                    "running checksum {}, frames give {}",
                    m.running_checksum.0,
                    s.running.crc().0
                )));
            }
        }
        out
    }
}
