//! The blocking reader core: a file, a read-ahead buffer and a [`Window`] parser.
//!
//! Used by consumer reader threads, [`crate::MessageSource`], the producer's recovery scan and the
//! verify tool. Reads are large (1 MiB) and frames are parsed straight out of the buffer.

use crate::error::{ConfigErr, FileErr, SeekErr};
use crate::file_id::FileId;
use crate::format::beacon::{Beacon, Marker};
use crate::format::header::{Header, HEADER_SIZE};
use crate::format::window::{parse_beacon, Frame, KeyCache, Window};
use crate::read::seek::Target;
use crate::read::surveyor::{SurveyResult, SurveyState};
use sea_streamer_types::SeqPos;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

pub(crate) mod resync;

const CHUNK: u64 = 1024 * 1024;

/// Blocking `.ss` reader.
pub(crate) struct Reader {
    file: File,
    file_id: FileId,
    header: Header,
    interval: u32,
    buf: Vec<u8>,
    base: u64,
    pos: u64,
    file_pos: u64,
    keys: KeyCache,
    beacon: (u32, Vec<Marker>),
    /// Last stall of a following reader: ((offset, file size), whether it was scanned).
    stall: Option<((u64, u64), bool)>,
}

impl Reader {
    /// Open and parse the header. A file shorter than the header → `NotEnoughBytes`.
    pub fn open(file_id: &FileId) -> Result<Self, FileErr> {
        let mut file = File::open(file_id.path())?;
        let mut head = Vec::with_capacity(HEADER_SIZE);
        (&mut file)
            .take(HEADER_SIZE as u64)
            .read_to_end(&mut head)?;
        let header = Header::parse(&head)?;
        if header.beacon_interval < HEADER_SIZE as u32 {
            return Err(FileErr::ConfigErr(ConfigErr::InvalidBeaconInterval));
        }
        Ok(Self {
            file,
            file_id: file_id.clone(),
            interval: header.beacon_interval,
            header,
            buf: Vec::new(),
            base: HEADER_SIZE as u64,
            pos: HEADER_SIZE as u64,
            file_pos: HEADER_SIZE as u64,
            keys: KeyCache::default(),
            beacon: (0, Vec::new()),
            stall: None,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn interval(&self) -> u32 {
        self.interval
    }

    pub fn file_id(&self) -> &FileId {
        &self.file_id
    }

    /// Current byte offset (a frame boundary after `next_frame`).
    pub fn offset(&self) -> u64 {
        self.pos
    }

    /// Most recently crossed beacon.
    pub fn beacon(&self) -> (u32, &[Marker]) {
        (self.beacon.0, &self.beacon.1)
    }

    /// Current size of the file.
    pub fn file_size(&self) -> Result<u64, FileErr> {
        Ok(self.file.metadata()?.len())
    }

    /// Whether the path no longer names a file.
    pub fn is_removed(&self) -> bool {
        matches!(std::fs::metadata(self.file_id.path()), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
    }

    /// Move to a byte offset (keeps buffered bytes when possible).
    pub fn set_pos(&mut self, offset: u64) {
        let end = self.base + self.buf.len() as u64;
        if offset < self.base || offset > end {
            self.buf.clear();
            self.base = offset;
        }
        self.pos = offset;
    }

    /// Read up to 1 MiB more into the buffer; returns the number of bytes read (0 at end of file).
    fn read_more(&mut self) -> Result<usize, FileErr> {
        let consumed = (self.pos - self.base) as usize;
        if consumed > 0 && consumed >= self.buf.len() / 2 {
            self.buf.drain(..consumed);
            self.base = self.pos;
        }
        let want = self.base + self.buf.len() as u64;
        if self.file_pos != want {
            self.file.seek(SeekFrom::Start(want))?;
            self.file_pos = want;
        }
        let n = (&mut self.file).take(CHUNK).read_to_end(&mut self.buf)?;
        self.file_pos += n as u64;
        Ok(n)
    }

    /// Forget buffered bytes after the cursor, so they are read again (the file may have been
    /// truncated and rewritten by a recovering producer).
    pub fn forget_tail(&mut self) {
        let keep = (self.pos - self.base) as usize;
        self.buf.truncate(keep);
    }

    fn remember_beacon(&mut self, crossed: Vec<crate::format::window::Crossed>) {
        if let Some(last) = crossed.into_iter().last() {
            self.beacon = (last.index, last.beacon.items);
        }
    }

    /// Decode the next frame. `Ok(None)`: not enough bytes yet (position unchanged).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FileErr> {
        let mut payload = Vec::new();
        Ok(self
            .next_frame_into(&mut payload)?
            .map(|f| f.with_payload(payload)))
    }

    /// Like [`Reader::next_frame`], but the payload is appended to `out` (the frame records where):
    /// many frames can share one buffer.
    pub fn next_frame_into(
        &mut self,
        out: &mut Vec<u8>,
    ) -> Result<Option<Frame<std::ops::Range<usize>>>, FileErr> {
        loop {
            let mut w = Window::new(&self.buf, self.base, self.interval, self.pos);
            match w.frame_into(&mut self.keys, out)? {
                Some(frame) => {
                    self.pos = w.pos;
                    if !w.crossed.is_empty() {
                        let crossed = std::mem::take(&mut w.crossed);
                        self.remember_beacon(crossed);
                    }
                    return Ok(Some(frame));
                }
                None => {
                    if self.read_more()? == 0 {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Read `n` bytes of frame data (beacons skipped). `Ok(None)`: not enough bytes yet.
    pub fn read_bytes(&mut self, n: u64) -> Result<Option<Vec<u8>>, FileErr> {
        loop {
            let mut w = Window::new(&self.buf, self.base, self.interval, self.pos);
            match w.read_vec(n)? {
                Some(v) if w.pos >= self.pos => {
                    self.pos = w.pos;
                    let crossed = std::mem::take(&mut w.crossed);
                    self.remember_beacon(crossed);
                    return Ok(Some(v));
                }
                _ => {
                    if self.read_more()? == 0 {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Align at beacon point `offset` (parse beacons, skip the interrupted frame). `Ok(false)`: incomplete.
    fn align(&mut self, offset: u64) -> Result<bool, FileErr> {
        self.set_pos(offset);
        loop {
            let mut w = Window::new(&self.buf, self.base, self.interval, offset);
            match w.align(offset)? {
                Some(()) => {
                    self.pos = w.pos;
                    let crossed = std::mem::take(&mut w.crossed);
                    self.remember_beacon(crossed);
                    return Ok(true);
                }
                None => {
                    if self.read_more()? == 0 {
                        return Ok(false);
                    }
                }
            }
        }
    }

    /// Align at the highest beacon `<= k` that can be aligned; returns the index used (0 = header end).
    fn align_at_or_below(&mut self, mut k: u64) -> Result<u64, FileErr> {
        let interval = self.interval as u64;
        while k > 0 {
            match self.align(k * interval) {
                Ok(true) => return Ok(k),
                Ok(false) => (),
                Err(e) => log::warn!("{}: beacon {k} unreadable: {e}", self.file_id),
            }
            k -= 1;
        }
        self.beacon = (0, Vec::new());
        self.set_pos(HEADER_SIZE as u64);
        Ok(0)
    }

    /// Coarse move by beacon index (see `MessageSource::rewind`); returns offset / interval.
    pub fn rewind(&mut self, target: SeqPos) -> Result<u32, FileErr> {
        let interval = self.interval as u64;
        let size = self.file_size()?;
        match target {
            SeqPos::Beginning | SeqPos::At(0) => {
                self.beacon = (0, Vec::new());
                self.set_pos(HEADER_SIZE as u64);
            }
            SeqPos::At(n) => {
                #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
                let n = u64::try_from(n).unwrap_or(u64::MAX);
                let k = if n.saturating_mul(interval) < size {
                    n
                } else {
                    size / interval
                };
                self.align_at_or_below(k)?;
            }
            SeqPos::End => {
                self.goto_end()?;
            }
        }
        Ok((self.pos / interval) as u32)
    }

    /// Skip to the first beacon after the current position and align there (to continue after a
    /// corrupt frame). `NotEnoughBytes` if there is no later beacon.
    pub fn resync(&mut self) -> Result<u32, FileErr> {
        let interval = self.interval as u64;
        let size = self.file_size()?;
        let mut k = self.pos / interval + 1;
        while k * interval < size {
            match self.align(k * interval) {
                Ok(true) => return Ok((self.pos / interval) as u32),
                Ok(false) => break,
                Err(e) => log::warn!("{}: beacon {k} unreadable: {e}", self.file_id),
            }
            k += 1;
        }
        Err(FileErr::NotEnoughBytes)
    }

    /// Move after the last complete, valid frame.
    pub fn goto_end(&mut self) -> Result<(), FileErr> {
        let size = self.file_size()?;
        self.align_at_or_below(size / self.interval as u64)?;
        self.skip_to_last_good()?;
        Ok(())
    }

    /// Advance frame by frame until a frame is incomplete or invalid; returns the last good frame.
    pub fn skip_to_last_good(&mut self) -> Result<Option<Frame>, FileErr> {
        let mut last = None;
        loop {
            let at = self.pos;
            match self.next_frame() {
                Ok(Some(f)) => last = Some(f),
                Ok(None) => break,
                Err(e) => {
                    log::warn!("{}: stopping at offset {at}: {e}", self.file_id);
                    self.set_pos(at);
                    break;
                }
            }
        }
        self.forget_tail();
        Ok(last)
    }

    /// Read the beacon at index `k` (without moving the cursor).
    pub fn read_beacon(&mut self, k: u32) -> Result<Beacon, FileErr> {
        let at = k as u64 * self.interval as u64;
        let len = (self.interval as u64).min(80 * 1024);
        let mut bytes = Vec::with_capacity(len as usize);
        self.file.seek(SeekFrom::Start(at))?;
        (&mut self.file).take(len).read_to_end(&mut bytes)?;
        self.file_pos = at + bytes.len() as u64;
        let w = Window::new(&bytes, at, self.interval, at);
        match parse_beacon(&w, at)? {
            Some((b, _)) => Ok(b),
            None => Err(FileErr::NotEnoughBytes),
        }
    }

    /// Number of beacons in the file.
    pub fn max_beacons(&self) -> Result<u32, FileErr> {
        Ok((self.file_size()? / self.interval as u64).min(u32::MAX as u64) as u32)
    }

    /// Position at the first frame hitting `target`, using the beacons to skip ahead.
    /// Past the data → `SeekErr::OutOfBound` with the position restored.
    pub fn seek(&mut self, target: &Target) -> Result<(), FileErr> {
        let saved = self.pos;
        let saved_beacon = self.beacon.clone();
        let result = self.seek_inner(target);
        if result.is_err() {
            self.set_pos(saved);
            self.beacon = saved_beacon;
        }
        result
    }

    fn seek_inner(&mut self, target: &Target) -> Result<(), FileErr> {
        let mut survey = SurveyState::new(self.max_beacons()?);
        while let Some(n) = survey.next_probe() {
            let verdict = match self.read_beacon(n) {
                Ok(b) => target.judge(&b),
                Err(e) => {
                    log::debug!("{}: beacon {n} unreadable during seek: {e}", self.file_id);
                    SurveyResult::Undecided
                }
            };
            survey.record(n, verdict)?;
        }
        let (left, _) = survey.result();
        self.align_at_or_below(left as u64)?;
        loop {
            let at = self.pos;
            match self.next_frame()? {
                Some(f) if f.is_eos() => return Err(SeekErr::OutOfBound.into()),
                Some(f) if target.frame_hits(&f) => {
                    self.set_pos(at);
                    return Ok(());
                }
                Some(_) => (),
                None => return Err(SeekErr::OutOfBound.into()),
            }
        }
    }
}
