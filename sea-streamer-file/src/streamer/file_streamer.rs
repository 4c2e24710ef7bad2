//! [`FileStreamer`]: connects to a file and creates producers and consumers for it.

use crate::error::{ConfigErr, FileErr, FileResult};
use crate::file_id::path_of_uri_text;
use crate::file_id::FileId;
use crate::format::header::HEADER_SIZE;
use crate::read::mode::StreamMode;
use crate::read::reader::Reader;
use crate::streamer::commit::{read_commit, Commits};
use crate::streamer::consumer::ConsumerParts;
use crate::streamer::consumer::FileConsumer;
use crate::streamer::dispatch::control::{ReaderKind, Start};
use crate::streamer::dispatch::queue::Subscriber;
use crate::streamer::dispatch::registry::next_sid;
use crate::streamer::dispatch::subscribe;
use crate::streamer::dispatch::thread::NewReader;
use crate::streamer::observe::connect_span;
use crate::streamer::options::{
    AutoStreamReset, FileConnectOptions, FileConsumerOptions, FileProducerOptions,
    SEA_STREAMER_WILDCARD,
};
use crate::streamer::producer::FileProducer;
use crate::streamer::producer::WriterSlot;
use sea_streamer_types::{ConsumerMode, StreamErr, StreamKey, StreamUrlErr, Streamer, StreamerUri};
use std::fs::OpenOptions;

/// A streamer over one `.ss` file (`file://path`).
///
/// ```no_run
/// use sea_streamer_file::{FileConnectOptions, FileStreamer};
/// use sea_streamer_types::Streamer;
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let mut options = FileConnectOptions::default();
/// options.set_create_only(true); // fail if the file exists
/// let streamer = FileStreamer::connect("file:///tmp/new.ss".parse()?, options).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct FileStreamer {
    file_id: FileId,
    options: FileConnectOptions,
}

impl FileStreamer {
    /// The file.
    pub fn file_id(&self) -> &FileId {
        &self.file_id
    }
}

/// The file path of a streamer URI's first node, percent-decoded.
fn path_of(uri: &StreamerUri) -> FileResult<String> {
    let node = uri
        .nodes()
        .first()
        .ok_or(StreamErr::StreamUrlErr(StreamUrlErr::ZeroNode))?;
    let s = node.as_str();
    let s = s.strip_prefix("file://").unwrap_or(s);
    // URL parsing percent-encoded the path (a space became `%20`): decode it, once.
    path_of_uri_text(s.trim_end_matches('/')).map_err(|e| {
        StreamErr::Backend(FileErr::IoError(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("the path of {s} is not UTF-8 once percent-decoded: {e}"),
        )))
    })
}

impl FileStreamer {
    /// Where a Resumable consumer of `streams` starts, given its group's commits: the smallest
    /// position among its streams (a stream without a commit starts at its `reset` position),
    /// and per stream whose position lies further, that position (the reader skips the stream's
    /// frames ending at or before it). `None`: none of the streams has a commit.
    #[allow(clippy::type_complexity)]
    fn resume_at(
        &self,
        commits: &Commits,
        streams: &[StreamKey],
        reset: AutoStreamReset,
        size: u64,
    ) -> FileResult<(Option<u64>, Vec<(StreamKey, u64)>)> {
        if streams.iter().all(|s| commits.of(s).is_none()) {
            return Ok((None, Vec::new()));
        }
        let mut floors = Vec::with_capacity(streams.len());
        for s in streams {
            let floor = match (commits.of(s), reset) {
                (Some(offset), _) if offset > size => {
                    return Err(StreamErr::Backend(FileErr::InvalidCommit(format!(
                        "committed offset {offset} of stream {s} is beyond the end of {} \
                         ({size} bytes)",
                        self.file_id
                    ))))
                }
                (Some(offset), _) => offset,
                (None, AutoStreamReset::Earliest) => HEADER_SIZE as u64,
                (None, AutoStreamReset::Latest) => size,
            };
            floors.push((s.clone(), floor));
        }
        let start = floors.iter().map(|(_, f)| *f).min().unwrap_or(size);
        floors.retain(|(_, f)| *f > start);
        Ok((Some(start), floors))
    }
}

impl Streamer for FileStreamer {
    type Error = FileErr;
    type Producer = FileProducer;
    type Consumer = FileConsumer;
    type ConnectOptions = FileConnectOptions;
    type ConsumerOptions = FileConsumerOptions;
    type ProducerOptions = FileProducerOptions;

    /// Check that the file can be opened (or create it, by option). Nothing is written.
    async fn connect(uri: StreamerUri, options: FileConnectOptions) -> FileResult<Self> {
        let path = path_of(&uri)?;
        let _span = connect_span(&path).entered();
        let mut open = OpenOptions::new();
        if options.create_only() {
            open.write(true).create_new(true);
        } else if options.create_if_not_exists() {
            open.read(true).write(true).create(true).truncate(false);
        } else {
            open.read(true);
        }
        open.open(&path)
            .map_err(|e| StreamErr::Backend(FileErr::IoError(e)))?;
        Ok(Self {
            file_id: FileId::new(path),
            options,
        })
    }

    /// End the file's shared writer like `FileProducer::end`; no producer alive → `ProducerEnded`.
    async fn disconnect(self) -> FileResult<()> {
        match WriterSlot::get(&self.file_id) {
            Some(slot) => slot.end().await.map_err(StreamErr::Backend),
            None => Err(StreamErr::Backend(FileErr::ProducerEnded)),
        }
    }

    async fn create_generic_producer(&self, _: FileProducerOptions) -> FileResult<FileProducer> {
        let slot = WriterSlot::get_or_open(
            &self.file_id,
            self.options.beacon_interval(),
            self.options.file_size_limit(),
            self.options.end_with_eos(),
            self.options.queue_limits(),
        )
        .map_err(StreamErr::Backend)?;
        Ok(FileProducer::new(self.file_id.clone(), slot))
    }

    async fn create_consumer(
        &self,
        streams: &[StreamKey],
        options: FileConsumerOptions,
    ) -> FileResult<FileConsumer> {
        if streams.is_empty() {
            return Err(StreamErr::StreamKeyEmpty);
        }
        let group = options.group().cloned();
        let mode = options.consumer_mode();
        match mode {
            ConsumerMode::RealTime if group.is_some() => return Err(StreamErr::ConsumerGroupIsSet),
            ConsumerMode::LoadBalanced | ConsumerMode::Resumable if group.is_none() => {
                return Err(StreamErr::ConsumerGroupNotSet)
            }
            _ => (),
        }
        if group.is_some() && streams.iter().any(|s| s.name() == SEA_STREAMER_WILDCARD) {
            return Err(StreamErr::Backend(ConfigErr::NoWildcardInGroup.into()));
        }
        let live = *options.live_streaming();
        let reset = *options.auto_stream_reset();
        if reset == AutoStreamReset::Latest && !live && mode != ConsumerMode::Resumable {
            return Err(StreamErr::Backend(ConfigErr::LatestButNotLive.into()));
        }
        let commits = match (&group, mode) {
            (Some(g), ConsumerMode::Resumable) => {
                read_commit(&self.file_id, g).map_err(StreamErr::Backend)?
            }
            _ => None,
        };

        // open now: a missing file or a bad header fails here
        let reader = match Reader::open(&self.file_id) {
            Ok(r) => Some(r),
            Err(FileErr::NotEnoughBytes) if live => None,
            Err(e) => return Err(StreamErr::Backend(e)),
        };
        let size = match &reader {
            Some(r) => r.file_size().map_err(StreamErr::Backend)?,
            None => 0,
        };
        let (committed, floors) = match commits {
            Some(c) => self.resume_at(&c, streams, reset, size)?,
            None => (None, Vec::new()),
        };
        // An ungrouped `Earliest` consumer of a header-only file is `Live` (as upstream), but it
        // starts right after the header: frames appended between the size check and the start of
        // the reader must not be skipped (upstream jumped to the end). It shares the `Live`
        // reader only if that one has not dispatched any frame yet.
        let mut from_header = false;
        let smode = match (committed, reset, live) {
            (Some(_), _, true) => StreamMode::LiveReplay,
            (Some(_), _, false) => StreamMode::Replay,
            (None, AutoStreamReset::Latest, true) => StreamMode::Live,
            (None, AutoStreamReset::Earliest, true) => {
                if group.is_none() && size <= HEADER_SIZE as u64 {
                    from_header = true;
                    StreamMode::Live
                } else {
                    StreamMode::LiveReplay
                }
            }
            (None, AutoStreamReset::Earliest, false) => StreamMode::Replay,
            (None, AutoStreamReset::Latest, false) => {
                return Err(StreamErr::Backend(ConfigErr::LatestButNotLive.into()))
            }
        };
        let (start, reader) = match (committed, smode, reader) {
            (Some(offset), _, reader) => (Start::Offset(offset), reader),
            (None, StreamMode::Live, reader) if from_header => {
                (Start::Offset(HEADER_SIZE as u64), reader)
            }
            (None, StreamMode::Live, Some(mut r)) => {
                r.goto_end().map_err(StreamErr::Backend)?;
                (Start::Offset(r.offset()), Some(r))
            }
            (None, StreamMode::Live, None) => (Start::Beginning, None),
            (None, _, reader) => (Start::Beginning, reader),
        };
        let position = match start {
            Start::Offset(o) => o,
            _ => HEADER_SIZE as u64,
        };

        let prefetch = self.options.prefetch_message().max(1);
        let notify = self.options.file_notification();
        let sid = next_sid();
        let (mut sub, rx) = Subscriber::new(sid, streams.to_vec(), group.clone(), prefetch);
        sub.floors = floors;
        let kind = match (&group, smode) {
            // Resumable members start at their streams' commits: only members of the same
            // streams share a reader (at one position)
            (Some(g), _) if mode == ConsumerMode::Resumable => {
                let mut keys = streams.to_vec();
                keys.sort_by(|a, b| a.name().cmp(b.name()));
                keys.dedup();
                ReaderKind::Group(g.clone(), mode, keys)
            }
            (Some(g), _) => ReaderKind::Group(g.clone(), mode, Vec::new()),
            (None, StreamMode::Live) => ReaderKind::SharedLive,
            (None, _) => ReaderKind::Solo,
        };
        let new = NewReader {
            file_id: self.file_id.clone(),
            kind,
            mode: smode,
            reader,
            start,
            notify,
        };
        let (entry, joined) = subscribe(new, sub, from_header).map_err(StreamErr::Backend)?;
        if let Some(joined) = joined {
            // Joined a running reader (a group's, or the shared live one): it is a member once
            // the reader thread has added it, which it does between two batches. Disconnected:
            // the thread ended, and the consumer's queue says why.
            let _ = joined.recv_async().await;
        }
        Ok(FileConsumer::new(ConsumerParts {
            file_id: self.file_id.clone(),
            sid,
            streams: streams.to_vec(),
            group,
            mode,
            replay: smode == StreamMode::Replay,
            prefetch,
            entry,
            rx,
            position,
        }))
    }
}
