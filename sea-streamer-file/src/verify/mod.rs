//! Verification and repair of `.ss` files (used by the `ss-verify` tool). Not in upstream 0.5.2.
//!
//! [`verify_file`] decodes every frame (checking its checksum and its agreement with the beacons
//! that interrupt it) and every beacon. After a frame that does not decode it looks for the next
//! valid frame or beacon (see [`FileErr::Corrupted`]): if there is one, the bad bytes are
//! *corruption* and decoding resumes there; if not, they are a *torn tail* (an incomplete last
//! write) reported as `NotEnoughBytes`. [`repair_file`] removes corrupt bytes and a torn tail and
//! keeps every valid frame after them.
//!
//! Frame headers (stream key, shard, sequence, timestamp) are not covered by the format's
//! checksum, so a changed header decodes cleanly. [`verify_file`] also checks what it can about
//! them (see [`Inconsistency`]) and lists what it finds in [`VerifyReport::inconsistencies`];
//! those are reported, never repaired.
//!
//! ```no_run
//! use sea_streamer_file::{verify::verify_file, FileId};
//! let report = verify_file(&FileId::new("data.ss")).unwrap();
//! if !report.is_clean() {
//!     eprintln!("{} problem(s); valid up to byte {}", report.problems.len(), report.valid_until);
//! }
//! ```

mod headers;
mod repair;

pub use headers::{Inconsistency, TIMESTAMP_TOLERANCE_MS};
pub use repair::repair_file;

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::format::beacon::Beacon;
use crate::format::header::{Header, HEADER_SIZE};
use crate::read::reader::resync::INCOMPLETE;
use crate::read::reader::Reader;
use headers::HeaderCheck;

/// A problem found in a file.
#[derive(Debug)]
pub struct Problem {
    /// Byte offset where decoding failed (start of the bad frame, or of the truncated tail).
    pub offset: u64,
    /// What is wrong.
    pub error: FileErr,
    /// Where valid data resumes after the bad bytes; `None`: nothing valid follows (a torn tail
    /// or a corrupt tail, which a repair cuts).
    pub resume_at: Option<u64>,
}

/// A frame header or beacon marker that disagrees with the rest of the file.
#[derive(Debug, Clone)]
pub struct HeaderProblem {
    /// Byte offset of the frame (or of the beacon).
    pub offset: u64,
    /// What disagrees.
    pub inconsistency: Inconsistency,
}

/// Bytes that [`repair_file`] removed: corrupt data between a failure and the next valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    /// File offset (in the file before the repair) of the first removed byte.
    pub offset: u64,
    /// Number of bytes removed.
    pub len: u64,
}

/// What [`verify_file`] found.
#[derive(Debug)]
pub struct VerifyReport {
    /// The file header.
    pub header: Header,
    /// Size of the file in bytes.
    pub file_size: u64,
    /// Valid frames decoded (the EOS frame included).
    pub frames: u64,
    /// Beacons crossed while decoding.
    pub beacons: u64,
    /// Whether the data ends with an EOS frame.
    pub eos: bool,
    /// Offset right after the last good frame before the first problem (= file size when clean).
    pub valid_until: u64,
    /// Problems, in file order. A partial frame at the very end is reported with `NotEnoughBytes`;
    /// bytes that do not decode but are followed by valid data are corruption.
    pub problems: Vec<Problem>,
    /// Frame headers and beacon markers that disagree with the rest of the file (the checksum does
    /// not cover headers); in file order. Not repaired.
    pub inconsistencies: Vec<HeaderProblem>,
    /// Byte ranges removed by [`repair_file`] (empty for [`verify_file`]).
    pub dropped: Vec<Dropped>,
}

impl VerifyReport {
    /// Whether no problem and no inconsistency was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.inconsistencies.is_empty()
    }
}

/// Check every frame and beacon of a file.
pub fn verify_file(file_id: &FileId) -> Result<VerifyReport, FileErr> {
    let mut reader = Reader::open(file_id)?;
    let file_size = reader.file_size()?;
    let interval = reader.interval() as u64;
    let mut report = VerifyReport {
        header: reader.header().clone(),
        file_size,
        frames: 0,
        beacons: 0,
        eos: false,
        valid_until: HEADER_SIZE as u64,
        problems: Vec::new(),
        inconsistencies: Vec::new(),
        dropped: Vec::new(),
    };
    let mut checks = HeaderCheck::default();
    let mut last_beacon = 0;
    let mut first_problem = false;
    loop {
        let at = reader.offset();
        let error = match reader.next_frame() {
            Ok(Some(f)) => {
                report.frames += 1;
                let (index, markers) = reader.beacon();
                let new_beacon = index > last_beacon;
                let beacon_at = index as u64 * interval;
                if new_beacon && beacon_at < f.start {
                    // the beacon lies before this frame: its markers do not include it
                    push(&mut report, beacon_at, checks.beacon(index, markers));
                }
                push(&mut report, f.start, checks.frame(&f));
                if new_beacon && beacon_at >= f.start {
                    let (index, markers) = reader.beacon();
                    push(&mut report, beacon_at, checks.beacon(index, markers));
                }
                last_beacon = last_beacon.max(index);
                report.beacons = last_beacon as u64;
                report.eos = f.is_eos();
                if !first_problem {
                    report.valid_until = f.end;
                }
                continue;
            }
            Ok(None) if at >= file_size => break,
            Ok(None) => match trailing_beacon(&mut reader, at, file_size) {
                // A last frame that ends exactly on a beacon point is followed by that point's
                // beacon (a file never ends on a beacon point): the end of the data.
                Some((index, beacon)) => {
                    push(&mut report, at, checks.beacon(index, &beacon.items));
                    report.beacons = report.beacons.max(u64::from(index));
                    break;
                }
                None => None,
            },
            Err(e) => Some(e),
        };
        first_problem = true;
        report.eos = false;
        let resume_at = reader.resume_point(at)?;
        let error = match (error, resume_at) {
            (Some(e), _) => e,
            (None, Some(q)) => reader.corrupted(at, q, INCOMPLETE.to_owned()),
            (None, None) => FileErr::NotEnoughBytes,
        };
        report.problems.push(Problem {
            offset: at,
            error,
            resume_at,
        });
        match resume_at {
            Some(q) => reader.set_pos(q),
            None => break,
        }
    }
    if report.problems.is_empty() {
        report.valid_until = file_size.max(report.valid_until);
    }
    Ok(report)
}

/// The beacon at `at` (a frame boundary) and its index, if the bytes from there to the end of
/// the file are exactly that one complete beacon at a beacon point, interrupting no frame
/// (`remaining_messages_bytes` 0).
fn trailing_beacon(reader: &mut Reader, at: u64, file_size: u64) -> Option<(u32, Beacon)> {
    let interval = reader.interval() as u64;
    if !at.is_multiple_of(interval) {
        return None;
    }
    let index = u32::try_from(at / interval).ok()?;
    let beacon = reader.read_beacon(index).ok()?;
    let whole = at + beacon.size() as u64 == file_size;
    (whole && beacon.remaining_messages_bytes == 0).then_some((index, beacon))
}

fn push(report: &mut VerifyReport, offset: u64, found: Vec<Inconsistency>) {
    report
        .inconsistencies
        .extend(found.into_iter().map(|inconsistency| HeaderProblem {
            offset,
            inconsistency,
        }));
}
