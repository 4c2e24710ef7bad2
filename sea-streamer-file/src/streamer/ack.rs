//! [`Acknowledge`] for [`FileConsumer`]: a `Resumable` consumer commits to its group's commit
//! file only the byte offset before its first delivered message that is not processed.
//!
//! A file is one log: a group's durable position on a stream is a byte offset, and every
//! message of the stream before it counts as processed (the commit file keeps one offset per
//! stream; a consumer commits for the streams it subscribes to). Each message a consumer delivers is remembered with the
//! offset where its frame starts (the end of the message delivered before it); an
//! [`AckTracker`] keeps, per `(stream, shard)`, the contiguous prefix of processed messages.
//! The offset a consumer may commit is the start of its first tracked message that no shard
//! prefix covers yet, or, with none, the end of the last message it delivered. The members of
//! one group on the same streams in one process share a reader and their commits, so a commit
//! takes the smallest of the members' offsets: a member never commits past a message another
//! member still holds.

use crate::error::FileResult;
use crate::file_id::FileId;
use crate::streamer::commit::write_commit;
use crate::streamer::consumer::FileConsumer;
use sea_streamer_types::{
    AckTracker, Acknowledge, ConsumerGroup, ConsumerMode, MessageHeader, SeqNo, ShardId, StreamErr,
    StreamKey,
};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// How many delivered messages a consumer remembers for a later `track` (beyond its prefetch).
const RECENT: usize = 4096;

/// One delivered message: where its frame starts (`None`: unknown, right after a seek or for
/// a message dealt again out of file order) and its delivery number.
#[derive(Debug, Clone)]
struct Delivered {
    stream: StreamKey,
    shard: ShardId,
    seq: SeqNo,
    start: Option<u64>,
    n: u64,
}

/// What one consumer knows about the messages it delivered.
#[derive(Debug, Default)]
struct Ledger {
    tracker: AckTracker,
    /// The last delivered messages, oldest first (for `track`, which only has the header).
    recent: VecDeque<Delivered>,
    /// Tracked messages no shard prefix covers yet, in delivery order.
    open: VecDeque<Delivered>,
    /// Delivery number of the next message.
    next_n: u64,
    /// The end of the last delivered message (or the start position); `None` after a seek
    /// until a message is delivered.
    position: Option<u64>,
    /// Capacity of `recent`.
    remember: usize,
}

impl Ledger {
    fn delivered(&mut self, header: &MessageHeader, end: u64) {
        if self.recent.len() >= self.remember {
            self.recent.pop_front();
        }
        // A message from earlier in the file than the last one (dealt again after another
        // member of the group closed) starts at an unknown offset before that one's end.
        let start = self.position.filter(|&p| p < end);
        self.recent.push_back(Delivered {
            stream: header.stream_key().clone(),
            shard: *header.shard_id(),
            seq: *header.sequence(),
            start,
            n: self.next_n,
        });
        self.next_n += 1;
        self.position = Some(end);
    }

    /// Drops the open messages at the front that their shard's prefix covers.
    fn prune(&mut self) {
        while let Some(front) = self.open.front() {
            match self.tracker.position(&front.stream, front.shard) {
                Some(p) if front.seq < p => {
                    self.open.pop_front();
                }
                _ => break,
            }
        }
    }

    /// The offset this consumer may commit: `Err(())` while it is unknown.
    fn safe_offset(&mut self) -> Result<u64, ()> {
        self.prune();
        match self.open.front() {
            Some(first) => first.start.ok_or(()),
            None => self.position.ok_or(()),
        }
    }
}

/// The commit state shared by the members of one group of one file in this process.
#[derive(Debug, Default)]
struct GroupAcks {
    members: Vec<Weak<Mutex<Ledger>>>,
    /// The last offset `commit_acked` wrote for the group.
    committed: Option<u64>,
}

/// Per (file path, group name, the members' sorted stream keys).
type Groups = Mutex<HashMap<(String, String, String), Arc<Mutex<GroupAcks>>>>;

fn groups() -> &'static Groups {
    static GROUPS: OnceLock<Groups> = OnceLock::new();
    GROUPS.get_or_init(Default::default)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The acknowledgement state of one file consumer (`None` inside: acknowledging is a no-op).
#[derive(Debug)]
pub(crate) struct Acks(Option<Enabled>);

#[derive(Debug)]
struct Enabled {
    file_id: FileId,
    streams: Vec<StreamKey>,
    group: ConsumerGroup,
    ledger: Arc<Mutex<Ledger>>,
    shared: Arc<Mutex<GroupAcks>>,
}

impl Acks {
    /// The state of a consumer of `mode` starting at byte `position`: only `Resumable`
    /// consumers (which have a group) keep one.
    pub(crate) fn new(
        file_id: &FileId,
        streams: &[StreamKey],
        group: Option<&ConsumerGroup>,
        mode: ConsumerMode,
        position: u64,
        prefetch: usize,
    ) -> Self {
        let group = match (group, mode) {
            (Some(g), ConsumerMode::Resumable) => g,
            _ => return Self(None),
        };
        let ledger = Arc::new(Mutex::new(Ledger {
            position: Some(position),
            remember: RECENT.saturating_add(prefetch),
            ..Default::default()
        }));
        let mut names: Vec<&str> = streams.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        // members on the same streams share a reader and commit together
        let key = (
            file_id.path().to_owned(),
            group.name().to_owned(),
            names.join(" "),
        );
        let shared = lock(groups()).entry(key).or_default().clone();
        {
            let mut shared = lock(&shared);
            shared.members.retain(|m| m.strong_count() > 0);
            shared.members.push(Arc::downgrade(&ledger));
        }
        Self(Some(Enabled {
            file_id: file_id.clone(),
            streams: streams.to_vec(),
            group: group.clone(),
            ledger,
            shared,
        }))
    }

    /// Called for every message `next()` returns, with the offset after its frame.
    pub(crate) fn delivered(&self, header: &MessageHeader, end: u64) {
        if let Some(e) = &self.0 {
            lock(&e.ledger).delivered(header, end);
        }
    }

    /// Called after the consumer moved (seek / rewind): where the next message starts is
    /// unknown until one is delivered, and the messages delivered before are forgotten.
    pub(crate) fn moved(&self) {
        if let Some(e) = &self.0 {
            let mut ledger = lock(&e.ledger);
            let remember = ledger.remember;
            let next_n = ledger.next_n;
            *ledger = Ledger {
                remember,
                next_n,
                ..Default::default()
            };
        }
    }

    fn track(&self, header: &MessageHeader) -> FileResult<()> {
        let Some(e) = &self.0 else { return Ok(()) };
        let mut ledger = lock(&e.ledger);
        let (stream, shard, seq) = (header.stream_key(), *header.shard_id(), *header.sequence());
        let found = ledger
            .recent
            .iter()
            .rev()
            .find(|d| d.seq == seq && d.shard == shard && &d.stream == stream)
            .cloned();
        let Some(delivered) = found else {
            return Err(StreamErr::Unsupported(format!(
                "track: message {stream}/{shard}/{seq} is not among the last {} messages this \
                 file consumer delivered; track each message when it is received",
                ledger.remember
            )));
        };
        if !ledger.tracker.track(stream, shard, seq) {
            return Ok(()); // covered already, or tracked twice
        }
        // `open` is in delivery order: a binary search finds the place (the end, when
        // messages are tracked in the order they were received) and a duplicate
        let at = ledger.open.partition_point(|d| d.n < delivered.n);
        if ledger.open.get(at).is_some_and(|d| d.n == delivered.n) {
            return Ok(());
        }
        ledger.open.insert(at, delivered);
        Ok(())
    }

    fn ack(&self, header: &MessageHeader) {
        if let Some(e) = &self.0 {
            let mut ledger = lock(&e.ledger);
            ledger.tracker.ack_header(header);
            ledger.prune();
        }
    }

    async fn commit(&self) -> FileResult<()> {
        let Some(e) = &self.0 else { return Ok(()) };
        let mut shared = lock(&e.shared);
        shared.members.retain(|m| m.strong_count() > 0);
        let mut offset: Option<u64> = None;
        for member in shared.members.iter().filter_map(Weak::upgrade) {
            match lock(&member).safe_offset() {
                Ok(o) => offset = Some(offset.map_or(o, |m| m.min(o))),
                Err(()) => {
                    log::debug!(
                        "commit_acked: a member of {} holds a message whose offset is \
                         unknown (after a seek, or dealt again); nothing to commit",
                        e.group.name()
                    );
                    return Ok(());
                }
            }
        }
        let Some(offset) = offset else { return Ok(()) };
        if shared.committed.is_some_and(|c| c >= offset) {
            return Ok(());
        }
        write_commit(&e.file_id, &e.group, &e.streams, offset).map_err(StreamErr::Backend)?;
        shared.committed = Some(offset);
        log::debug!(
            "committed offset {offset} of {} for {}",
            e.file_id,
            e.group.name()
        );
        Ok(())
    }
}

/// Acknowledging messages of a file consumer.
///
/// - `Resumable` consumers: [`track`](Acknowledge::track) and [`ack`](Acknowledge::ack) are
///   in memory; [`commit_acked`](Acknowledge::commit_acked) writes the group's commit file
///   (`<file>.<group>.commit`, as [`FileConsumer::commit`]; for the consumer's streams only)
///   with the offset before the first
///   tracked message that is not processed (per `(stream, shard)`, only a contiguous prefix
///   of processed messages counts), or after the last delivered message when every tracked
///   one is processed. A consumer of the group created later resumes there: a message that
///   finished late is delivered again, never skipped by one that finished early. With
///   several members of the group on the same streams in this process, the commit is the
///   smallest of their
///   positions (a member's messages still buffered or in flight hold the commit back). The
///   committed offset only moves forward.
/// - `track` must be called for a message soon after `next()` returned it (it is looked up
///   among the last few thousand messages delivered; an older one fails with
///   `StreamErr::Unsupported`). After a `seek` / `rewind`, nothing is committed until a
///   message was delivered at the new position.
/// - `RealTime` and `LoadBalanced` consumers have no durable position (the file backend
///   does not resume them): every call is a no-op that returns `Ok`.
///
/// ```no_run
/// use sea_streamer_file::{AutoStreamReset, FileConsumerOptions, FileStreamer};
/// use sea_streamer_types::{
///     Acknowledge, Consumer, ConsumerGroup, ConsumerMode, ConsumerOptions, Message, StreamKey,
///     Streamer,
/// };
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let streamer = FileStreamer::connect("file:///tmp/jobs.ss".parse()?, Default::default()).await?;
/// let mut options = FileConsumerOptions::new(ConsumerMode::Resumable);
/// options.set_consumer_group(ConsumerGroup::new("workers"))?;
/// options.set_auto_stream_reset(AutoStreamReset::Earliest);
/// let consumer = streamer.create_consumer(&[StreamKey::new("jobs")?], options).await?;
/// let header = consumer.next().await?.header().clone();
/// consumer.track(&header)?;
/// // ... process ...
/// consumer.ack(&header)?;
/// consumer.commit_acked().await?; // the group resumes after this message
/// # Ok(())
/// # }
/// ```
impl Acknowledge for FileConsumer {
    fn track(&self, header: &MessageHeader) -> FileResult<()> {
        self.acks().track(header)
    }

    fn ack(&self, header: &MessageHeader) -> FileResult<()> {
        self.acks().ack(header);
        Ok(())
    }

    async fn commit_acked(&self) -> FileResult<()> {
        self.acks().commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer_types::Timestamp;

    fn header(seq: SeqNo) -> MessageHeader {
        let key = StreamKey::new("k").expect("key");
        MessageHeader::new(key, ShardId::new(0), seq, Timestamp::now_utc())
    }

    /// A message dealt again after another member closed comes from earlier in the file than
    /// the last one delivered: while it is tracked and not processed, the ledger offers no
    /// offset (its own start is unknown, and the last end would skip it).
    #[test]
    fn a_message_dealt_again_holds_the_commit_back() {
        let mut ledger = Ledger {
            position: Some(10),
            remember: 16,
            ..Default::default()
        };
        ledger.delivered(&header(4), 100);
        ledger.delivered(&header(6), 200);
        // sequence 5 (frame ending at 150) comes back from a closed member
        ledger.delivered(&header(5), 150);
        let back = ledger.recent.back().cloned().expect("delivered");
        assert_eq!(back.start, None);
        ledger
            .tracker
            .track(&StreamKey::new("k").expect("key"), ShardId::new(0), 5);
        ledger.open.push_back(back);
        assert_eq!(ledger.safe_offset(), Err(()));
        ledger.tracker.ack_header(&header(5));
        assert_eq!(ledger.safe_offset(), Ok(150));
    }
}
