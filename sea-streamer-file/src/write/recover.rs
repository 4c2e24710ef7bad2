//! Continuing an existing file: where an appending writer resumes (after the last complete,
//! valid frame; corruption followed by valid data is refused), and the state of every stream
//! written so far (last sequence, timestamp and running checksum), recovered by one scan.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::format::checksum::{Checksum, RunningChecksum};
use crate::read::reader::resync::INCOMPLETE;
use crate::read::reader::Reader;
use crate::write::encoder::StreamState;
use sea_streamer_types::{SeqPos, ShardId, StreamKey};
use std::collections::HashMap;

/// Per-stream state recovered by scanning a file: last sequence, timestamp and running checksum.
pub(crate) type Recovered = HashMap<(StreamKey, ShardId), StreamState>;

/// Where an appending writer continues: after the last complete, valid frame, or at the start of
/// a trailing EOS frame (it is overwritten). Bytes after that offset may be cut only if they are
/// a torn tail (nothing decodable follows them); corruption followed by valid data is refused
/// with [`FileErr::CorruptForAppend`] and nothing is changed.
pub(crate) fn resume_position(reader: &mut Reader) -> Result<u64, FileErr> {
    let size = reader.file_size()?;
    let interval = reader.interval() as u64;
    // Start from the last beacon; if no complete frame follows it, the frame it interrupts may be
    // the last one (e.g. an EOS to overwrite): start one beacon earlier.
    let mut k = size / interval;
    loop {
        reader.rewind(SeqPos::At(k as _))?;
        let aligned = reader.offset();
        let mut position = aligned;
        let mut found = false;
        let failure = loop {
            let at = reader.offset();
            match reader.next_frame() {
                // an EOS is overwritten only if it is the last frame: keep reading
                Ok(Some(f)) if f.is_eos() => {
                    position = f.start;
                    found = true;
                }
                Ok(Some(f)) => {
                    position = f.end;
                    found = true;
                }
                Ok(None) if at < size => break Some((at, INCOMPLETE.to_owned())),
                Ok(None) => break None,
                Err(e) => break Some((at, e.to_string())),
            }
        };
        // Aligning at beacon k can land past the next beacon point (a frame spanning several):
        // count it as k, so each round steps back (else the same beacon is retried forever).
        let reached = (aligned / interval).min(k);
        if found || reached == 0 {
            if let Some((at, cause)) = failure {
                if let Some(resume_at) = reader.resume_point(at)? {
                    return Err(FileErr::CorruptForAppend {
                        file: reader.file_id().path().to_owned(),
                        offset: at,
                        resume_at,
                        cause,
                    });
                }
                log::warn!(
                    "{}: torn tail at offset {at} ({cause}); nothing decodable follows",
                    reader.file_id()
                );
            }
            return Ok(position);
        }
        k = reached - 1;
    }
}

/// Scan a whole file and collect the last state of every stream (sequence, timestamp, running checksum).
pub(crate) fn scan_streams(file_id: &FileId, until: u64) -> Result<Recovered, FileErr> {
    let mut reader = Reader::open(file_id)?;
    let mut out: Recovered = HashMap::new();
    while reader.offset() < until {
        match reader.next_frame() {
            Ok(Some(f)) if f.is_eos() => (),
            Ok(Some(f)) => {
                let header = f.header()?;
                let entry = out
                    .entry((f.key.clone(), ShardId::new(f.shard)))
                    .or_insert_with(|| StreamState {
                        seq: *header.sequence(),
                        ts: *header.timestamp(),
                        running: RunningChecksum::new(),
                    });
                entry.seq = *header.sequence();
                entry.ts = *header.timestamp();
                entry.running.update(Checksum(f.checksum));
            }
            Ok(None) => break,
            Err(e) => {
                log::warn!("{file_id}: scan stopped at {}: {e}", reader.offset());
                break;
            }
        }
    }
    Ok(out)
}
