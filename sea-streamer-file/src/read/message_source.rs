//! [`MessageSource`]: an async frame reader that hides beacons, can follow a growing file and seek.

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::format::beacon::Beacon;
use crate::format::beacon::Marker;
use crate::format::header::Header;
use crate::format::message::Message;
use crate::io::backoff::Backoff;
use crate::io::bytes::{ByteSource, Bytes};
use crate::io::dyn_file::FileSourceType;
use crate::read::mode::StreamMode;
use crate::read::reader::Reader;
use crate::read::seek::SeekTarget;
use crate::read::seek::Target;
use crate::read::surveyor::BeaconReader;
use sea_streamer_types::{
    export::futures::future::BoxFuture, OwnedMessage, SeqPos, ShardId, StreamKey,
};
use std::future::{ready, Ready};
use std::num::NonZeroU32;

/// Reads frames from a `.ss` file; beacons are parsed and hidden.
///
/// ```no_run
/// use sea_streamer_file::{FileId, MessageSource, StreamMode};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut source = MessageSource::new(FileId::new("tests/sample-1.ss"), StreamMode::Replay).await?;
/// let frame = source.next().await?;
/// println!("{:?}", frame.message.header());
/// # Ok(())
/// # }
/// ```
pub struct MessageSource {
    reader: Reader,
    stype: FileSourceType,
}

impl std::fmt::Debug for MessageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageSource")
            .field("file_id", self.reader.file_id())
            .field("offset", &self.reader.offset())
            .field("stype", &self.stype)
            .finish()
    }
}

/// Wait until the header of a file is complete (following readers) or fail.
pub(crate) async fn open_reader(file_id: &FileId, follow: bool) -> Result<Reader, FileErr> {
    let mut backoff = Backoff::polling();
    loop {
        match Reader::open(file_id) {
            Err(FileErr::NotEnoughBytes) if follow => backoff.sleep().await,
            other => return other,
        }
    }
}

impl MessageSource {
    /// Open a file: `Replay` reads it bounded from the start, `LiveReplay` follows it from the start,
    /// `Live` follows it from after the last complete frame.
    pub async fn new(file_id: FileId, mode: StreamMode) -> Result<Self, FileErr> {
        let follow = mode != StreamMode::Replay;
        let mut reader = open_reader(&file_id, follow).await?;
        if mode == StreamMode::Live {
            reader.goto_end()?;
        }
        Ok(Self {
            reader,
            stype: if follow {
                FileSourceType::FileSource
            } else {
                FileSourceType::FileReader
            },
        })
    }

    /// The file header.
    pub fn file_header(&self) -> &Header {
        self.reader.header()
    }

    /// Move to a beacon: `Beginning`/`At(0)` → first frame; `At(n)` → beacon `n` (or the last one);
    /// `End` → after the last complete frame. Returns the beacon index reached (offset / interval).
    pub async fn rewind(&mut self, target: SeqPos) -> Result<u32, FileErr> {
        self.reader.rewind(target)
    }

    /// Position so that the next frame is the first of `(stream_key, shard_id)` hitting `to`.
    pub async fn seek(
        &mut self,
        stream_key: &StreamKey,
        shard_id: &ShardId,
        to: SeekTarget,
    ) -> Result<(), FileErr> {
        match Target::new(Some(stream_key.clone()), Some(*shard_id), &to)? {
            Some(t) => self.reader.seek(&t),
            None => {
                let pos = match to {
                    SeekTarget::End => SeqPos::End,
                    _ => SeqPos::Beginning,
                };
                self.reader.rewind(pos).map(|_| ())
            }
        }
    }

    /// Skip to the next beacon after the current position (to continue after a corrupt frame).
    /// Returns the beacon index reached; `NotEnoughBytes` if there is no later beacon yet.
    pub async fn resync(&mut self) -> Result<u32, FileErr> {
        self.reader.resync()
    }

    /// Switch between the bounded and the following reader.
    pub async fn switch_to(&mut self, stype: FileSourceType) -> Result<(), FileErr> {
        self.stype = stype;
        Ok(())
    }

    /// The next frame (EOS frames included). Bounded readers at the end → `NotEnoughBytes`;
    /// following readers wait. Checksum mismatch → `FormatErr(ChecksumErr)`. A frame that cannot
    /// complete although valid data follows it (a corrupt length field) → `FileErr::Corrupted`,
    /// for following readers once the file stopped growing (a frame being written is waited for).
    pub async fn next(&mut self) -> Result<Message, FileErr> {
        let mut backoff = Backoff::polling();
        loop {
            if let Some(f) = self.reader.next_frame()? {
                let checksum = f.checksum;
                let header = f.header()?;
                return Ok(Message {
                    message: OwnedMessage::new(header, f.payload),
                    checksum,
                });
            }
            let corrupt = if self.stype == FileSourceType::FileReader {
                self.reader.incomplete_is_corrupt()?
            } else {
                self.reader.stalled_is_corrupt()?
            };
            if let Some(e) = corrupt {
                return Err(e);
            }
            self.wait(&mut backoff).await?;
        }
    }

    async fn wait(&mut self, backoff: &mut Backoff) -> Result<(), FileErr> {
        if self.stype == FileSourceType::FileReader {
            return Err(FileErr::NotEnoughBytes);
        }
        if self.reader.is_removed() {
            return Err(FileErr::FileRemoved);
        }
        self.reader.forget_tail();
        backoff.sleep().await;
        Ok(())
    }

    /// The most recently crossed beacon: (index, markers); index 0 = none yet.
    pub fn beacon(&self) -> (u32, &[Marker]) {
        self.reader.beacon()
    }

    /// The byte offset.
    pub fn offset(&self) -> u64 {
        self.reader.offset()
    }

    async fn read_bytes(&mut self, size: usize) -> Result<Bytes, FileErr> {
        let mut backoff = Backoff::polling();
        loop {
            if let Some(v) = self.reader.read_bytes(size as u64)? {
                return Ok(Bytes::from_bytes(v));
            }
            self.wait(&mut backoff).await?;
        }
    }
}

impl ByteSource for MessageSource {
    type Future<'a> = BoxFuture<'a, Result<Bytes, FileErr>>;

    fn request_bytes(&mut self, size: usize) -> Self::Future<'_> {
        Box::pin(self.read_bytes(size))
    }
}

impl BeaconReader for MessageSource {
    type Future<'a> = Ready<Result<Beacon, FileErr>>;

    fn survey(&mut self, at: NonZeroU32) -> Self::Future<'_> {
        ready(self.reader.read_beacon(at.get()))
    }

    fn max_beacons(&self) -> u32 {
        self.reader.max_beacons().unwrap_or(0)
    }
}
