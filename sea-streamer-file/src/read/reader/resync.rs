//! Telling corruption from a torn tail: after decoding fails (or stalls) at some offset, look
//! for valid data further on.
//!
//! A *torn tail* is an incomplete last write: bytes at the end of the file that do not form a
//! complete frame, with nothing decodable after them. Anything else that fails to decode is
//! *corruption*. The scan tries, in file order, every byte offset after the failure as the start
//! of a frame (skipping the bytes of beacons) and every beacon point as an alignment point.
//!
//! Payload bytes can happen to look like a frame, so a single decodable frame is only taken as
//! evidence when it is hard to fake: it is an EOS frame, it ends exactly at the end of the file,
//! another valid frame follows it, or a beacon (which sits at a fixed offset) led to it.
//! Candidates whose declared length runs past the end of the file are rejected before any payload
//! is read, so the scan is cheap on random bytes.

use super::Reader;
use crate::error::FileErr;
use crate::format::header::HEADER_SIZE;
use crate::format::layout::parse_key;
use crate::format::window::{parse_beacon, Window};

/// Outcome of probing one offset.
enum Probe {
    /// A frame header that may be valid; its declared end is within the file.
    Plausible,
    /// Not a frame.
    No,
    /// More bytes must be buffered to tell.
    NeedMore,
}

impl Reader {
    /// Where valid data resumes after a failure at `at` (the start of the bad frame): the offset
    /// of the next valid frame, or `None` if nothing decodable follows (a torn tail). The cursor
    /// and the last crossed beacon are left as they were.
    pub fn resume_point(&mut self, at: u64) -> Result<Option<u64>, FileErr> {
        let saved = (self.pos, self.beacon.clone());
        let result = self.scan_from(at + 1);
        self.set_pos(saved.0);
        self.beacon = saved.1;
        result
    }

    fn scan_from(&mut self, from: u64) -> Result<Option<u64>, FileErr> {
        let size = self.file_size()?;
        let interval = self.interval as u64;
        let mut p = from.max(HEADER_SIZE as u64);
        while p < size {
            if p >= interval && p.is_multiple_of(interval) {
                if let Some(q) = self.try_beacon(p, size)? {
                    return Ok(Some(q));
                }
                // not usable as an alignment point: skip the beacon's own bytes if it parses
                p += self.beacon_size(p).unwrap_or(1);
                continue;
            }
            match self.probe(p, size)? {
                Probe::Plausible => {
                    if self.confirmed_at(p, size)? {
                        return Ok(Some(p));
                    }
                    p += 1;
                }
                Probe::No => p += 1,
                Probe::NeedMore => {
                    self.set_pos(p);
                    if self.read_more()? == 0 {
                        // cannot happen below `size` unless the file shrank meanwhile
                        return Ok(None);
                    }
                }
            }
        }
        Ok(None)
    }

    /// Size of the beacon at beacon point `at`, if it parses.
    fn beacon_size(&mut self, at: u64) -> Option<u64> {
        loop {
            let w = Window::new(&self.buf, self.base, self.interval, at);
            match parse_beacon(&w, at) {
                Ok(Some((_, size))) => return Some(size as u64),
                Ok(None) => {
                    self.set_pos(at);
                    if !matches!(self.read_more(), Ok(n) if n > 0) {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Align at beacon point `at`; if a valid frame follows the aligned position, return it.
    fn try_beacon(&mut self, at: u64, size: u64) -> Result<Option<u64>, FileErr> {
        match self.align(at) {
            Ok(true) => (),
            Ok(false) | Err(_) => return Ok(None),
        }
        let q = self.pos;
        if q >= size {
            return Ok(None);
        }
        match self.next_frame() {
            Ok(Some(_)) => Ok(Some(q)),
            _ => Ok(None),
        }
    }

    /// Cheap check of the frame header at `p`: a valid key and a declared end within the file.
    fn probe(&mut self, p: u64, size: u64) -> Result<Probe, FileErr> {
        let mut w = Window::new(&self.buf, self.base, self.interval, p);
        let need_more = |w: &Window<'_>| {
            if w.data.len() as u64 + w.base >= size {
                Probe::No // everything up to the end of the file is buffered
            } else {
                Probe::NeedMore
            }
        };
        let klen = match w.read_vec(1) {
            Ok(Some(k)) => k[0] as u64,
            Ok(None) => return Ok(need_more(&w)),
            Err(_) => return Ok(Probe::No),
        };
        match w.read_vec(klen) {
            Ok(Some(key)) if parse_key(&key).is_ok() => (),
            Ok(Some(_)) | Err(_) => return Ok(Probe::No),
            Ok(None) => return Ok(need_more(&w)),
        }
        let fields = match w.read_vec(28) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(need_more(&w)),
            Err(_) => return Ok(Probe::No),
        };
        let len = u32::from_be_bytes(fields[24..28].try_into().expect("4")) as u64;
        if w.pos + len + 3 > size {
            return Ok(Probe::No);
        }
        Ok(Probe::Plausible)
    }

    /// Whether a frame at `p` decodes and is hard to fake (see the module docs).
    fn confirmed_at(&mut self, p: u64, size: u64) -> Result<bool, FileErr> {
        self.set_pos(p);
        let first = match self.next_frame() {
            Ok(Some(f)) => f,
            _ => return Ok(false),
        };
        if first.is_eos() || first.end == size {
            return Ok(true);
        }
        Ok(matches!(self.next_frame(), Ok(Some(_))))
    }

    /// A [`FileErr::Corrupted`] for a failure at `at` with valid data again at `resume_at`.
    pub fn corrupted(&self, at: u64, resume_at: u64, cause: String) -> FileErr {
        FileErr::Corrupted {
            file: self.file_id.path().to_owned(),
            offset: at,
            resume_at,
            cause,
        }
    }

    /// Decoding stopped at the cursor for want of bytes while the file holds more: if valid data
    /// follows, that is corruption (a length field pointing past it), returned as an error.
    pub fn incomplete_is_corrupt(&mut self) -> Result<Option<FileErr>, FileErr> {
        let at = self.pos;
        if at >= self.file_size()? {
            return Ok(None);
        }
        Ok(self
            .resume_point(at)?
            .map(|q| self.corrupted(at, q, INCOMPLETE.to_owned())))
    }

    /// For following readers: like [`Reader::incomplete_is_corrupt`], but scans only once the
    /// reader stalled twice in a row at the same offset with the file not growing in between (a
    /// frame being written is not corruption), and only once per such state.
    pub fn stalled_is_corrupt(&mut self) -> Result<Option<FileErr>, FileErr> {
        let size = self.file_size()?;
        let state = (self.pos, size);
        if size <= self.pos {
            self.stall = None;
            return Ok(None);
        }
        match self.stall {
            Some((s, checked)) if s == state => {
                if checked {
                    return Ok(None);
                }
                self.stall = Some((state, true));
                self.incomplete_is_corrupt()
            }
            _ => {
                self.stall = Some((state, false));
                Ok(None)
            }
        }
    }
}

/// The cause given for a frame that cannot be complete because valid data follows it.
pub(crate) const INCOMPLETE: &str =
    "the frame does not end where valid data follows: a corrupt length field";
