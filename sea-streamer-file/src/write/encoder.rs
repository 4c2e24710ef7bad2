//! The frame encoder: turns messages into bytes and inserts beacons at every beacon point.
//!
//! Pure and synchronous: it appends to a caller-provided vector and tracks the logical file offset.

use crate::error::FileErr;
use crate::format::beacon::{Beacon, Marker};
use crate::format::checksum::{Checksum, RunningChecksum};
use crate::format::layout::{encode_frame, frame_size};
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, StreamKey, Timestamp};
use std::collections::BTreeMap;

/// What the writer knows about one `(key, shard)`.
#[derive(Debug, Clone)]
pub(crate) struct StreamState {
    pub seq: SeqNo,
    pub ts: Timestamp,
    pub running: RunningChecksum,
}

/// Frame + beacon encoder.
#[derive(Debug)]
pub(crate) struct Encoder {
    interval: u64,
    offset: u64,
    num_markers: usize,
    streams: BTreeMap<StreamKey, BTreeMap<ShardId, StreamState>>,
    num_streams: usize,
    markers_written: u64,
    scratch: Vec<u8>,
}

impl Encoder {
    /// An encoder whose next byte lands at file offset `offset`.
    pub fn new(interval: u32, offset: u64) -> Self {
        Self {
            interval: interval as u64,
            offset,
            num_markers: Beacon::num_markers(interval as usize),
            streams: BTreeMap::new(),
            num_streams: 0,
            markers_written: 0,
            scratch: Vec::new(),
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// If the offset is a beacon point, write an empty beacon (start of a file with interval 128,
    /// or resuming exactly at a beacon point).
    pub fn start(&mut self, out: &mut Vec<u8>) -> Result<(), FileErr> {
        if self.offset >= self.interval && self.offset.is_multiple_of(self.interval) {
            let before = out.len();
            Beacon::empty().encode(out)?;
            self.offset += (out.len() - before) as u64;
        }
        Ok(())
    }

    /// The state of a stream, if written (or seeded) before.
    pub fn stream(&self, key: &StreamKey, shard: ShardId) -> Option<&StreamState> {
        self.streams.get(key).and_then(|m| m.get(&shard))
    }

    /// Seed the state of a stream (recovered from an existing file).
    pub fn seed(&mut self, key: StreamKey, shard: ShardId, state: StreamState) {
        let m = self.streams.entry(key).or_default();
        if m.insert(shard, state).is_none() {
            self.num_streams += 1;
        }
    }

    /// Encode one frame (with any beacons it crosses) into `out`; returns the payload checksum.
    pub fn write(
        &mut self,
        header: &MessageHeader,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Checksum, FileErr> {
        let size = frame_size(header.stream_key().name().len(), payload.len()) as u64;
        let room = self.interval - self.offset % self.interval;
        if size < room {
            // fast path: no beacon point reached
            let crc = encode_frame(header, payload, out)?;
            self.offset += size;
            self.update(header, crc);
            return Ok(crc);
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let crc = encode_frame(header, payload, &mut scratch)?;
        self.update(header, crc);
        let mut at = 0usize;
        while at < scratch.len() {
            let room = (self.interval - self.offset % self.interval) as usize;
            let take = room.min(scratch.len() - at);
            out.extend_from_slice(&scratch[at..at + take]);
            at += take;
            self.offset += take as u64;
            if self.offset.is_multiple_of(self.interval) {
                let remaining = (scratch.len() - at) as u32;
                let beacon = self.beacon(remaining);
                let before = out.len();
                beacon.encode(out)?;
                self.offset += (out.len() - before) as u64;
            }
        }
        self.scratch = scratch;
        Ok(crc)
    }

    fn update(&mut self, header: &MessageHeader, crc: Checksum) {
        let key = header.stream_key();
        let shard = *header.shard_id();
        if let Some(state) = self.streams.get_mut(key).and_then(|m| m.get_mut(&shard)) {
            state.seq = *header.sequence();
            state.ts = *header.timestamp();
            state.running.update(crc);
            return;
        }
        let mut running = RunningChecksum::new();
        running.update(crc);
        self.seed(
            key.clone(),
            shard,
            StreamState {
                seq: *header.sequence(),
                ts: *header.timestamp(),
                running,
            },
        );
    }

    /// A beacon for the current state: round-robin over the streams.
    fn beacon(&mut self, remaining: u32) -> Beacon {
        let total = self.num_streams;
        let n = total.min(self.num_markers);
        let mut items = Vec::with_capacity(n);
        if n > 0 {
            let start = (self.markers_written % total as u64) as usize;
            let all: Vec<_> = self
                .streams
                .iter()
                .flat_map(|(k, m)| m.iter().map(move |(s, st)| (k, s, st)))
                .collect();
            for i in 0..n {
                let (k, s, st) = all[(start + i) % total];
                items.push(Marker {
                    header: MessageHeader::new(k.clone(), *s, st.seq, st.ts),
                    running_checksum: st.running.crc(),
                });
            }
            self.markers_written += n as u64;
        }
        Beacon {
            remaining_messages_bytes: remaining,
            items,
        }
    }
}
