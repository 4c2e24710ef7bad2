//! Verification and repair of `.ss` files (used by the `ss-verify` tool). Not in upstream 0.5.2.
//!
//! [`verify_file`] decodes every frame (checking its checksum and its agreement with the beacons
//! that interrupt it) and every beacon, resynchronising at the next beacon after a problem, and
//! reports what it found. [`repair_file`] cuts the file right after the last good frame that
//! precedes the first problem.
//!
//! ```no_run
//! use sea_streamer_file::{verify::verify_file, FileId};
//! let report = verify_file(&FileId::new("data.ss")).unwrap();
//! if !report.is_clean() {
//!     eprintln!("{} problem(s); valid up to byte {}", report.problems.len(), report.valid_until);
//! }
//! ```

use crate::format::{Header, HEADER_SIZE};
use crate::reader::Reader;
use crate::{FileErr, FileId};
use std::fs::OpenOptions;

/// A problem found in a file.
#[derive(Debug)]
pub struct Problem {
    /// Byte offset where decoding failed (start of the bad frame, or of the truncated tail).
    pub offset: u64,
    /// What is wrong.
    pub error: FileErr,
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
    /// Problems, in file order. A partial frame at the very end is reported with `NotEnoughBytes`.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Check every frame and beacon of a file.
pub fn verify_file(file_id: &FileId) -> Result<VerifyReport, FileErr> {
    let mut reader = Reader::open(file_id)?;
    let file_size = reader.file_size()?;
    let mut report = VerifyReport {
        header: reader.header().clone(),
        file_size,
        frames: 0,
        beacons: 0,
        eos: false,
        valid_until: HEADER_SIZE as u64,
        problems: Vec::new(),
    };
    let mut last_beacon = 0;
    let mut first_problem = false;
    loop {
        let at = reader.offset();
        match reader.next_frame() {
            Ok(Some(f)) => {
                report.frames += 1;
                let (index, _) = reader.beacon();
                last_beacon = last_beacon.max(index);
                report.beacons = last_beacon as u64;
                report.eos = f.is_eos();
                if !first_problem {
                    report.valid_until = f.end;
                }
            }
            Ok(None) => {
                if at < file_size {
                    report.problems.push(Problem {
                        offset: at,
                        error: FileErr::NotEnoughBytes,
                    });
                }
                break;
            }
            Err(error) => {
                first_problem = true;
                report.eos = false;
                report.problems.push(Problem { offset: at, error });
                reader.set_pos(at);
                if reader.resync().is_err() {
                    break;
                }
            }
        }
    }
    if report.problems.is_empty() {
        report.valid_until = file_size.max(report.valid_until);
    }
    Ok(report)
}

/// Verify, then cut the file right after the last good frame preceding the first problem.
/// Returns the report of the file as it was before the repair.
pub fn repair_file(file_id: &FileId) -> Result<VerifyReport, FileErr> {
    let report = verify_file(file_id)?;
    if !report.is_clean() {
        let file = OpenOptions::new().write(true).open(file_id.path())?;
        file.set_len(report.valid_until)?;
        file.sync_all()?;
        log::info!(
            "{file_id}: cut from {} to {} bytes",
            report.file_size,
            report.valid_until
        );
    }
    Ok(report)
}
