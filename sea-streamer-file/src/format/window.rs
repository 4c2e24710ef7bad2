//! Synchronous, allocation-light frame parser over a contiguous window of file bytes.
//!
//! The window knows the file offset of its first byte and the beacon interval, so it parses (and
//! hides) beacons as it crosses beacon points, exactly like the format's reader rule. A parse that
//! runs out of bytes reports `Ok(None)` and leaves the caller's position untouched.

use super::beacon::{Beacon, Marker};
use super::layout::{
    beacon_head, check_payload, frame_fields, frame_size, marker_fields, parse_key,
    trailer_checksum, BEACON_HEAD, FRAME_FIELDS, FRAME_TRAILER, MARKER_FIELDS,
};
use super::primitives::millis_to_timestamp;
use crate::error::format::FormatErr;
use crate::error::FileErr;
use sea_streamer_types::{MessageHeader, SeqNo, ShardId, StreamKey, Timestamp};

/// A frame decoded from the file, with its byte range.
#[derive(Debug, Clone)]
pub(crate) struct Frame<P = Vec<u8>> {
    pub key: StreamKey,
    pub shard: u64,
    pub seq: u64,
    pub ts_ms: u64,
    pub ts: Timestamp,
    /// The payload, or (`Range<usize>`) where it was appended in the caller's buffer.
    pub payload: P,
    pub checksum: u16,
    /// File offset of the first byte of the frame.
    pub start: u64,
    /// File offset just after the frame (beacons inside it included).
    pub end: u64,
}

impl<P> Frame<P> {
    /// The same frame with another payload representation.
    pub fn with_payload<Q>(self, payload: Q) -> Frame<Q> {
        Frame {
            key: self.key,
            shard: self.shard,
            seq: self.seq,
            ts_ms: self.ts_ms,
            ts: self.ts,
            payload,
            checksum: self.checksum,
            start: self.start,
            end: self.end,
        }
    }

    /// The message header (timestamp out of range → format error).
    pub fn header(&self) -> Result<MessageHeader, FileErr> {
        Ok(MessageHeader::new(
            self.key.clone(),
            ShardId::new(self.shard),
            SeqNo::from(self.seq),
            self.ts,
        ))
    }

    /// Whether this is an end-of-stream frame.
    fn is_eos_payload(&self, payload: &[u8]) -> bool {
        self.key.name() == sea_streamer_types::SEA_STREAMER_INTERNAL && payload == b"EOS"
    }
}

impl Frame {
    /// Whether this is the end-of-stream frame.
    pub fn is_eos(&self) -> bool {
        self.is_eos_payload(&self.payload)
    }
}

impl Frame<std::ops::Range<usize>> {
    /// Whether this is the end-of-stream frame (its payload lives in `buf`).
    pub fn is_eos_in(&self, buf: &[u8]) -> bool {
        self.is_eos_payload(buf.get(self.payload.clone()).unwrap_or_default())
    }
}

/// Reuses `StreamKey` values for keys seen before (no allocation per frame).
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    keys: Vec<StreamKey>,
    /// The timestamp of the start of the last second decoded.
    second: Option<(u64, Timestamp)>,
    /// The last timestamp decoded (consecutive frames often share their millisecond).
    last: Option<(u64, Timestamp)>,
}

impl KeyCache {
    /// Decode a millisecond timestamp (cheap for frames within the same second as the last one).
    fn timestamp(&mut self, ms: u64) -> Result<Timestamp, FormatErr> {
        if let Some((last, ts)) = self.last {
            if last == ms {
                return Ok(ts);
            }
        }
        let ts = self.timestamp_of(ms)?;
        self.last = Some((ms, ts));
        Ok(ts)
    }

    fn timestamp_of(&mut self, ms: u64) -> Result<Timestamp, FormatErr> {
        let (secs, milli) = (ms / 1000, (ms % 1000) as u16);
        if let Some((s, base)) = self.second {
            if s == secs {
                if let Ok(ts) = base.replace_millisecond(milli) {
                    return Ok(ts);
                }
            }
        }
        let base = millis_to_timestamp(secs * 1000)?;
        self.second = Some((secs, base));
        Ok(base.replace_millisecond(milli).unwrap_or(base))
    }

    fn get(&mut self, bytes: &[u8]) -> Result<StreamKey, FormatErr> {
        if let Some(k) = self.keys.iter().find(|k| k.name().as_bytes() == bytes) {
            return Ok(k.clone());
        }
        let key = parse_key(bytes)?;
        if self.keys.len() >= 64 {
            self.keys.remove(0);
        }
        self.keys.push(key.clone());
        Ok(key)
    }
}

/// A beacon crossed while parsing: (index, file offset, beacon, logical offset within the frame).
pub(crate) struct Crossed {
    pub index: u32,
    pub offset: u64,
    pub beacon: Beacon,
    pub frame_offset: u64,
}

/// A window of file bytes `[base, base + data.len())` with a cursor.
pub(crate) struct Window<'a> {
    pub data: &'a [u8],
    pub base: u64,
    pub interval: u64,
    pub pos: u64,
    /// Beacons crossed since the window was created (or last cleared).
    pub crossed: Vec<Crossed>,
    /// Logical bytes read in the current frame.
    frame_read: u64,
}

/// Outcome of a step that may run out of bytes.
type Step<T> = Result<Option<T>, FileErr>;

impl<'a> Window<'a> {
    pub fn new(data: &'a [u8], base: u64, interval: u32, pos: u64) -> Self {
        Self {
            data,
            base,
            interval: interval as u64,
            pos,
            crossed: Vec::new(),
            frame_read: 0,
        }
    }

    fn end(&self) -> u64 {
        self.base + self.data.len() as u64
    }

    fn slice(&self, from: u64, len: u64) -> Option<&'a [u8]> {
        if from < self.base || from + len > self.end() {
            return None;
        }
        let s = (from - self.base) as usize;
        Some(&self.data[s..s + len as usize])
    }

    /// If the cursor sits on a beacon point, parse that beacon and move past it.
    fn cross_beacon(&mut self) -> Step<()> {
        while self.pos >= self.interval && self.pos.is_multiple_of(self.interval) {
            let Some((beacon, size)) = parse_beacon(self, self.pos)? else {
                return Ok(None);
            };
            if size as u64 >= self.interval {
                return Err(FormatErr::TooManyBeacon.into());
            }
            self.crossed.push(Crossed {
                index: (self.pos / self.interval) as u32,
                offset: self.pos,
                beacon,
                frame_offset: self.frame_read,
            });
            self.pos += size as u64;
        }
        Ok(Some(()))
    }

    /// Read `n` logical bytes (beacons skipped), feeding each contiguous chunk to `f`.
    fn read_with(&mut self, mut n: u64, mut f: impl FnMut(&'a [u8])) -> Step<()> {
        while n > 0 {
            if self.cross_beacon()?.is_none() {
                return Ok(None);
            }
            let room = self.interval - self.pos % self.interval;
            let take = n.min(room);
            let Some(chunk) = self.slice(self.pos, take) else {
                return Ok(None);
            };
            f(chunk);
            self.pos += take;
            self.frame_read += take;
            n -= take;
        }
        Ok(Some(()))
    }

    /// Read exactly `N` bytes into an array.
    fn read_array<const N: usize>(&mut self) -> Step<[u8; N]> {
        let mut out = [0u8; N];
        let mut at = 0;
        let r = self.read_with(N as u64, |c| {
            out[at..at + c.len()].copy_from_slice(c);
            at += c.len();
        })?;
        Ok(r.map(|_| out))
    }

    /// Read `n` logical bytes into a new vector.
    pub fn read_vec(&mut self, n: u64) -> Step<Vec<u8>> {
        // Cheap lower bound first: never allocate for bytes that are not there.
        if self.pos + n > self.end() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(n as usize);
        let r = self.read_with(n, |c| out.extend_from_slice(c))?;
        Ok(r.map(|_| out))
    }

    /// Parse the next frame, appending its payload to `out` (nothing is appended if the frame is
    /// incomplete or invalid); the frame records where.
    pub fn frame_into(
        &mut self,
        keys: &mut KeyCache,
        out: &mut Vec<u8>,
    ) -> Step<Frame<std::ops::Range<usize>>> {
        if let Some(frame) = self.frame_fast(keys, out)? {
            return Ok(Some(frame));
        }
        let at = out.len();
        let r = self.frame_slow(keys, out);
        if !matches!(r, Ok(Some(_))) {
            out.truncate(at);
        }
        r
    }

    /// Fast path: the whole frame is buffered and lies before the next beacon point, so it is
    /// decoded straight from the slice. `Ok(None)` = take the general path.
    fn frame_fast(
        &mut self,
        keys: &mut KeyCache,
        out: &mut Vec<u8>,
    ) -> Step<Frame<std::ops::Range<usize>>> {
        let into_region = self.pos % self.interval;
        if into_region == 0 && self.pos >= self.interval {
            return Ok(None); // a beacon comes first
        }
        let limit = (self.pos - into_region + self.interval).min(self.end());
        let Some(data) = self.slice(self.pos, limit.saturating_sub(self.pos)) else {
            return Ok(None);
        };
        let Some(&klen) = data.first() else {
            return Ok(None);
        };
        let k = klen as usize;
        let Some(fields) = data.get(1 + k..1 + k + FRAME_FIELDS) else {
            return Ok(None);
        };
        let (fields, len) = frame_fields(fields.try_into().expect("frame fields"));
        let len = len as usize;
        let size = frame_size(k, len);
        if data.len() < size {
            return Ok(None);
        }
        let key = keys.get(&data[1..1 + k])?;
        let ts = keys.timestamp(fields.ts_ms)?;
        let payload = &data[1 + k + FRAME_FIELDS..1 + k + FRAME_FIELDS + len];
        let trailer = &data[size - FRAME_TRAILER..size];
        let received = check_payload(
            trailer_checksum(trailer.try_into().expect("trailer")),
            payload,
        )?;
        let (shard, seq, ts_ms) = (fields.shard, fields.seq, fields.ts_ms);
        let start = self.pos;
        self.pos += size as u64;
        let at = out.len();
        out.extend_from_slice(payload);
        Ok(Some(Frame {
            key,
            shard,
            seq,
            ts_ms,
            ts,
            payload: at..at + len,
            checksum: received,
            start,
            end: self.pos,
        }))
    }

    /// General path: fields are read one by one, crossing beacons as needed.
    fn frame_slow(
        &mut self,
        keys: &mut KeyCache,
        out: &mut Vec<u8>,
    ) -> Step<Frame<std::ops::Range<usize>>> {
        self.frame_read = 0;
        let first_crossed = self.crossed.len();
        let start = self.pos;
        let Some([klen]) = self.read_array::<1>()? else {
            return Ok(None);
        };
        // Beacons right at the start belong before the frame.
        let start = match self.crossed.get(first_crossed..) {
            Some(c) if !c.is_empty() && c.iter().all(|c| c.frame_offset == 0) => self.pos - 1,
            _ => start,
        };
        let mut key_bytes = [0u8; 255];
        let mut at = 0;
        if self
            .read_with(klen as u64, |c| {
                key_bytes[at..at + c.len()].copy_from_slice(c);
                at += c.len();
            })?
            .is_none()
        {
            return Ok(None);
        }
        let key = keys.get(&key_bytes[..klen as usize])?;
        let Some(fields) = self.read_array::<FRAME_FIELDS>()? else {
            return Ok(None);
        };
        let (fields, len) = frame_fields(&fields);
        let (shard, seq, ts_ms) = (fields.shard, fields.seq, fields.ts_ms);
        let ts = keys.timestamp(ts_ms)?;
        let len = len as u64;
        let size = frame_size(klen as usize, len as usize) as u64;
        // The length is known now: the beacons crossed so far, and the next beacon if it is
        // already there, must agree with it (catches corrupt length fields early).
        for c in &self.crossed[first_crossed..] {
            let expected = if c.frame_offset == 0 {
                0
            } else {
                size.saturating_sub(c.frame_offset)
            };
            check_remaining(c.offset, c.beacon.remaining_messages_bytes, expected)?;
        }
        // A cursor on a beacon point has that beacon next (not yet crossed), not the one after.
        let to_next = match self.pos % self.interval {
            0 if self.pos >= self.interval => 0,
            into => self.interval - into,
        };
        let left = size - self.frame_read;
        if left >= to_next {
            let at = self.pos + to_next;
            if let Some((beacon, _)) = parse_beacon(self, at)? {
                check_remaining(at, beacon.remaining_messages_bytes, left - to_next)?;
            }
        }
        if self.pos + len > self.end() {
            return Ok(None);
        }
        let at = out.len();
        if self.read_with(len, |c| out.extend_from_slice(c))?.is_none() {
            return Ok(None);
        }
        let Some(tail) = self.read_array::<FRAME_TRAILER>()? else {
            return Ok(None);
        };
        let payload = at..out.len();
        let received = check_payload(trailer_checksum(&tail), &out[payload.clone()])?;
        Ok(Some(Frame {
            key,
            shard,
            seq,
            ts_ms,
            ts,
            payload,
            checksum: received,
            start,
            end: self.pos,
        }))
    }

    /// Jump to beacon point `offset`, parse the beacon(s) there and skip the rest of the interrupted
    /// frame, landing on a frame boundary.
    pub fn align(&mut self, offset: u64) -> Step<()> {
        self.pos = offset;
        loop {
            let Some((beacon, size)) = parse_beacon(self, self.pos)? else {
                return Ok(None);
            };
            if size as u64 >= self.interval {
                return Err(FormatErr::TooManyBeacon.into());
            }
            let skip = (beacon.remaining_messages_bytes as u64).min(self.interval - size as u64);
            if self.pos + size as u64 + skip > self.end() {
                // the interrupted frame is not complete (yet)
                return Ok(None);
            }
            self.crossed.push(Crossed {
                index: (self.pos / self.interval) as u32,
                offset: self.pos,
                beacon,
                frame_offset: 0,
            });
            self.pos += size as u64 + skip;
            if !self.pos.is_multiple_of(self.interval) {
                return Ok(Some(()));
            }
        }
    }
}

fn check_remaining(offset: u64, claimed: u32, expected: u64) -> Result<(), FileErr> {
    if claimed as u64 != expected {
        return Err(FormatErr::BeaconMismatch {
            offset,
            claimed,
            expected,
        }
        .into());
    }
    Ok(())
}

/// Parse a beacon at file offset `at` (no beacon skipping inside). Returns the beacon and its size.
pub(crate) fn parse_beacon(w: &Window<'_>, at: u64) -> Step<(Beacon, usize)> {
    let Some(head) = w.slice(at, BEACON_HEAD as u64) else {
        return Ok(None);
    };
    let (remaining, count) = beacon_head(head.try_into().expect("beacon head"));
    let mut p = at + BEACON_HEAD as u64;
    let mut items = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let Some(k) = w.slice(p, 1) else {
            return Ok(None);
        };
        let klen = k[0] as u64;
        let Some(m) = w.slice(p + 1, klen + MARKER_FIELDS as u64) else {
            return Ok(None);
        };
        let key = parse_key(&m[..klen as usize])?;
        let (fields, running_checksum) =
            marker_fields(m[klen as usize..].try_into().expect("marker fields"));
        items.push(Marker {
            header: MessageHeader::new(
                key,
                ShardId::new(fields.shard),
                SeqNo::from(fields.seq),
                millis_to_timestamp(fields.ts_ms)?,
            ),
            running_checksum,
        });
        p += 1 + klen + MARKER_FIELDS as u64;
    }
    if w.slice(p, 1).is_none() {
        return Ok(None);
    }
    p += 1;
    Ok(Some((
        Beacon {
            remaining_messages_bytes: remaining,
            items,
        },
        (p - at) as usize,
    )))
}
