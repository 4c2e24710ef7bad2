//! One read of a reader thread: up to [`FRAMES_PER_BATCH`] frames decoded together, whose
//! payloads share one buffer (one allocation per batch, handed to consumers as
//! `SharedMessage::from_shared` slices of it).
//!
//! A slice's offset must fit in `u32` (`SharedMessage` stores offsets and lengths as `u32`), so
//! a batch stops taking frames once its buffer holds more than [`CHUNK_CAP`] bytes: the next
//! frame starts the next batch in a new buffer. Every payload of a batch therefore starts at an
//! offset `<= CHUNK_CAP`, and its length fits in `u32` by the format. (Without the cap, 256
//! frames totalling more than 4 GiB would make the reader thread panic.)

use crate::error::FileErr;
use crate::format::window::Frame;
use crate::read::reader::Reader;
use std::ops::Range;

/// Frames decoded per batch at most.
pub(crate) const FRAMES_PER_BATCH: usize = 256;
/// A batch takes no further frame once its buffer is larger than this.
pub(crate) const CHUNK_CAP: usize = u32::MAX as usize;

/// What one read produced.
pub(crate) struct Batch {
    /// Complete frames, their payloads as ranges of `chunk`.
    pub frames: Vec<Frame<Range<usize>>>,
    /// The payloads of `frames`.
    pub chunk: Vec<u8>,
    /// The read failed after `frames`.
    pub error: Option<FileErr>,
    /// An EOS frame followed `frames`.
    pub eos: bool,
    /// No complete frame followed `frames`: wait for the file to grow.
    pub idle: bool,
}

/// Decode up to [`FRAMES_PER_BATCH`] frames into one buffer (preallocated with `capacity`),
/// taking no frame once the buffer holds more than `cap` bytes. A replaying reader at the end of
/// the data gets `NotEnoughBytes` (or `Corrupted`); a following one is told to wait.
pub(crate) fn read_batch(reader: &mut Reader, replay: bool, capacity: usize, cap: usize) -> Batch {
    let mut batch = Batch {
        frames: Vec::with_capacity(FRAMES_PER_BATCH),
        chunk: Vec::with_capacity(capacity),
        error: None,
        eos: false,
        idle: false,
    };
    for _ in 0..FRAMES_PER_BATCH {
        if batch.chunk.len() > cap {
            break;
        }
        match reader.next_frame_into(&mut batch.chunk) {
            Ok(Some(f)) if f.is_eos_in(&batch.chunk) => {
                batch.eos = true;
                break;
            }
            Ok(Some(f)) => batch.frames.push(f),
            Ok(None) => {
                batch.idle = true;
                batch.error = at_end(reader, replay);
                break;
            }
            Err(e) => {
                batch.error = Some(e);
                break;
            }
        }
    }
    batch
}

/// No complete frame at the reader's position: why, as an error to deliver (or `None`: wait).
fn at_end(reader: &mut Reader, replay: bool) -> Option<FileErr> {
    if replay {
        // corruption followed by valid data is not the end of the data
        return Some(match reader.incomplete_is_corrupt() {
            Ok(Some(e)) | Err(e) => e,
            Ok(None) => FileErr::NotEnoughBytes,
        });
    }
    if reader.is_removed() {
        return Some(FileErr::FileRemoved);
    }
    reader.forget_tail();
    if reader.file_size().is_ok_and(|size| size < reader.offset()) {
        // cut below us (a writer recovered the file): go to its new end
        log::warn!("{}: file shrank; continuing at its end", reader.file_id());
        return reader.goto_end().err();
    }
    // stuck at a frame that cannot complete while valid data follows it: corruption, not a
    // frame still being written
    match reader.stalled_is_corrupt() {
        Ok(Some(e)) | Err(e) => Some(e),
        Ok(None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file_id::FileId;
    use crate::write::message_sink::MessageSink;
    use sea_streamer_types::{Buffer, MessageHeader, ShardId, SharedMessage, StreamKey, Timestamp};
    use std::sync::Arc;

    /// A replayable file of `n` frames with 8-byte payloads.
    fn file_of(n: u64) -> FileId {
        let path = std::env::temp_dir().join(format!(
            "sea-streamer-batch-{}-{}.ss",
            std::process::id(),
            Timestamp::now_utc().unix_timestamp_nanos()
        ));
        let id = FileId::new(path.to_string_lossy().into_owned());
        let mut sink = MessageSink::new_sync(id.clone(), 1024, u64::MAX).expect("sink");
        let key = StreamKey::new("batch").expect("key");
        for seq in 0..n {
            let header =
                MessageHeader::new(key.clone(), ShardId::new(0), seq, Timestamp::now_utc());
            sink.write_parts(&header, format!("payload{seq}").as_bytes())
                .expect("write");
        }
        let done = sink.begin_end(false).expect("end");
        done.recv().expect("reply").expect("written");
        id
    }

    /// The cap ends a batch once its buffer is past it: every payload starts at an offset
    /// within the cap, so each is a valid `SharedMessage` slice, and the next batch continues
    /// with the next frame. (The real cap is `u32::MAX`; 10 bytes shows the rule.)
    #[test]
    fn a_batch_stops_past_the_cap_and_the_next_continues() {
        let id = file_of(5);
        let mut reader = Reader::open(&id).expect("open");
        let mut seqs = Vec::new();
        let mut sizes = Vec::new();
        loop {
            let batch = read_batch(&mut reader, true, 0, 10);
            let chunk = Arc::new(batch.chunk);
            for f in &batch.frames {
                assert!(f.payload.start <= 10, "{:?} starts past the cap", f.payload);
                let header = f.header().expect("header");
                let msg = SharedMessage::try_from_shared(
                    header,
                    chunk.clone(),
                    f.payload.start,
                    f.payload.len(),
                )
                .expect("a valid slice");
                assert_eq!(
                    sea_streamer_types::Message::message(&msg).as_bytes(),
                    format!("payload{}", f.seq).as_bytes()
                );
                seqs.push(f.seq);
            }
            sizes.push(batch.frames.len());
            if batch.idle {
                assert!(matches!(batch.error, Some(FileErr::NotEnoughBytes)));
                break;
            }
        }
        // 8-byte payloads: frames at offsets 0 and 8 fit, the third (at 16) starts a new batch
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(seqs, [0, 1, 2, 3, 4]);
        // without a binding cap, one batch takes them all
        let mut reader = Reader::open(&id).expect("open");
        let batch = read_batch(&mut reader, true, 0, CHUNK_CAP);
        assert_eq!(batch.frames.len(), 5);
        std::fs::remove_file(id.path()).ok();
    }
}
