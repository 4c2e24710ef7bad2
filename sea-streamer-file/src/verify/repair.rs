//! [`repair_file`]: remove corrupt bytes and a torn tail, keep every valid frame.

use super::{verify_file, Dropped, VerifyReport};
use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::file_lock::WriteLock;
use crate::read::reader::Reader;
use crate::write::message_sink::MessageSink;
use crate::write::recover::scan_streams;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};

/// Verify, then remove what does not decode and keep the rest. Returns the report of the file as
/// it was before the repair, with [`VerifyReport::dropped`] listing the byte ranges removed.
///
/// * Only a torn or corrupt tail (nothing valid after it): the file is cut there.
/// * Corrupt bytes followed by valid data: the file is rewritten (through a temporary file
///   `<file>.repair`, then renamed over it) as its bytes before the first problem followed by
///   every valid frame after each problem, re-encoded so beacons stay at their fixed offsets.
///
/// Header inconsistencies ([`VerifyReport::inconsistencies`]) are reported, not repaired. The
/// file's write lock is held meanwhile; do not repair a file other processes are reading.
pub fn repair_file(file_id: &FileId) -> Result<VerifyReport, FileErr> {
    let _lock = WriteLock::acquire(file_id)?;
    let mut report = verify_file(file_id)?;
    let Some(first) = report.problems.first() else {
        return Ok(report);
    };
    if first.resume_at.is_none() {
        // only a tail to cut
        let at = first.offset;
        report.dropped.push(Dropped {
            offset: at,
            len: report.file_size - at,
        });
        let file = OpenOptions::new().write(true).open(file_id.path())?;
        file.set_len(at)?;
        file.sync_all()?;
        log::warn!(
            "{file_id}: cut {} bytes at offset {at}",
            report.file_size - at
        );
        return Ok(report);
    }
    // kept ranges: [resume_at, next problem) after each problem that has a resume point
    let mut kept = Vec::new();
    for (i, p) in report.problems.iter().enumerate() {
        let end = report
            .problems
            .get(i + 1)
            .map(|n| n.offset)
            .unwrap_or(report.file_size);
        let (dropped_end, keep) = match p.resume_at {
            Some(q) => (q, Some((q, end))),
            None => (report.file_size, None),
        };
        report.dropped.push(Dropped {
            offset: p.offset,
            len: dropped_end - p.offset,
        });
        kept.extend(keep);
    }
    rewrite(file_id, &report, first.offset, &kept)?;
    for d in &report.dropped {
        log::warn!(
            "{file_id}: dropped {} corrupt bytes at offset {}",
            d.len,
            d.offset
        );
    }
    Ok(report)
}

fn rewrite(
    file_id: &FileId,
    report: &VerifyReport,
    prefix: u64,
    kept: &[(u64, u64)],
) -> Result<(), FileErr> {
    let tmp = FileId::new(format!("{}.repair", file_id.path()));
    {
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(tmp.path())?;
        let mut src = File::open(file_id.path())?;
        std::io::copy(&mut (&mut src).take(prefix), &mut out)?;
        out.flush()?;
    }
    let result = (|| {
        let mut sink =
            MessageSink::append_sync(tmp.clone(), report.header.beacon_interval, u64::MAX)?;
        // markers of the re-encoded beacons continue the streams of the prefix
        sink.seed(scan_streams(&tmp, sink.started_from())?);
        let mut reader = Reader::open(file_id)?;
        for &(from, to) in kept {
            reader.set_pos(from);
            while reader.offset() < to {
                match reader.next_frame()? {
                    Some(f) => {
                        let header = f.header()?;
                        sink.write_parts(&header, &f.payload)?;
                    }
                    None => break,
                }
            }
        }
        sink.begin_end(false)?
            .recv()
            .unwrap_or(Err(FileErr::TaskDead("writer")))
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(tmp.path());
        return Err(e);
    }
    std::fs::rename(tmp.path(), file_id.path())?;
    Ok(())
}
