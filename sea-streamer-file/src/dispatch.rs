//! Reader threads and the process-wide reader registry.
//!
//! A reader thread owns a blocking [`Reader`], decodes frames and hands them to its subscribers'
//! bounded queues (capacity = prefetch). Ungrouped subscribers get every frame of their keys;
//! a group gets each frame once, at member `members[sequence % len]`. The thread keeps reading
//! while any subscriber has room; when all are full it waits for space (or a control message).

use crate::reader::Reader;
use crate::seek::Target;
use crate::watch::WatchHandle;
use crate::{FileErr, FileId, StreamMode, SEA_STREAMER_WILDCARD};
use sea_streamer_types::{
    ConsumerGroup, ConsumerMode, MessageHeader, SeqNo, SeqPos, ShardId, SharedMessage, StreamKey,
    SEA_STREAMER_INTERNAL,
};
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// One delivery: a message and the file offset right after its frame (or an error).
pub(crate) type Entry = Result<(SharedMessage, u64), FileErr>;
/// What a subscriber queue carries: a batch of deliveries (fewer channel operations and wake-ups).
pub(crate) type Item = Vec<Entry>;

/// Batch size and queue capacity (in batches) for a prefetch depth in messages.
pub(crate) fn queue_shape(prefetch: usize) -> (usize, usize) {
    let batch = prefetch.clamp(1, 64);
    (batch, prefetch.div_ceil(batch).max(1))
}

/// Longest wait between two polls of a followed file that has no change notification.
const MAX_BACKOFF: Duration = Duration::from_millis(64);
/// Longest wait between two polls of a watched file: changes wake the reader at once, so polling
/// is only the safety net for an event that never comes.
const MAX_BACKOFF_WATCHED: Duration = Duration::from_millis(256);
/// First wait for queue space: a consumer making room sends a wake-up, so this is only a safety
/// net (short timeouts cost a context switch each).
const SPACE_BACKOFF: Duration = Duration::from_micros(500);

/// Which consumers a reader serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReaderKind {
    /// Ungrouped `Live` consumers share one reader per file.
    SharedLive,
    /// One reader per consumer group.
    Group(ConsumerGroup, ConsumerMode),
    /// A reader of its own.
    Solo,
}

/// Where a new reader starts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start {
    Beginning,
    Offset(u64),
}

/// A seek request.
#[derive(Debug)]
pub(crate) enum SeekCmd {
    Rewind(SeqPos),
    Target(Target),
}

pub(crate) enum Control {
    /// A consumer made room in its queue while the reader was waiting for space.
    Wake,
    /// The file watcher saw the file change.
    FileChanged,
    Subscribe(Subscriber),
    Unsubscribe(u32),
    Seek {
        sid: u32,
        cmd: SeekCmd,
        reply: flume::Sender<Result<(), FileErr>>,
    },
}

/// A subscriber as the reader thread sees it.
pub(crate) struct Subscriber {
    pub sid: u32,
    pub keys: Vec<StreamKey>,
    pub group: Option<ConsumerGroup>,
    pub tx: flume::Sender<Item>,
    pub rx: flume::Receiver<Item>,
    overflow: VecDeque<Item>,
    pending: Vec<Entry>,
    batch: usize,
    wildcard: bool,
}

impl Subscriber {
    /// A subscriber and the receiving end of its queue.
    pub fn new(
        sid: u32,
        keys: Vec<StreamKey>,
        group: Option<ConsumerGroup>,
        prefetch: usize,
    ) -> (Self, flume::Receiver<Item>) {
        let wildcard = keys.iter().any(|k| k.name() == SEA_STREAMER_WILDCARD);
        let (batch, capacity) = queue_shape(prefetch);
        let (tx, rx) = flume::bounded(capacity);
        let sub = Self {
            sid,
            keys,
            group,
            tx,
            rx: rx.clone(),
            overflow: VecDeque::new(),
            pending: Vec::new(),
            batch,
            wildcard,
        };
        (sub, rx)
    }

    fn wants(&self, key: &StreamKey) -> bool {
        if self.wildcard && key.name() != SEA_STREAMER_INTERNAL {
            return true;
        }
        self.keys.iter().any(|k| k == key)
    }

    /// Queue a delivery; `false` if the consumer is gone.
    fn push(&mut self, entry: Entry) -> bool {
        self.pending.push(entry);
        if self.pending.len() >= self.batch {
            return self.ship();
        }
        true
    }

    /// Send the pending deliveries as one batch; `false` if the consumer is gone.
    fn ship(&mut self) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let item = std::mem::replace(&mut self.pending, Vec::with_capacity(self.batch));
        if !self.overflow.is_empty() {
            self.overflow.push_back(item);
            return true;
        }
        match self.tx.try_send(item) {
            Ok(()) => true,
            Err(flume::TrySendError::Full(item)) => {
                self.overflow.push_back(item);
                true
            }
            Err(flume::TrySendError::Disconnected(_)) => false,
        }
    }

    /// Whether the queue drained to half its capacity (or the consumer is gone).
    fn has_room(&self) -> bool {
        let cap = self.tx.capacity().unwrap_or(usize::MAX);
        self.tx.len() <= cap / 2 || self.tx.is_disconnected()
    }

    /// Move overflow into the queue while there is room; `false` if the consumer is gone.
    fn drain_overflow(&mut self) -> bool {
        while let Some(item) = self.overflow.pop_front() {
            match self.tx.try_send(item) {
                Ok(()) => (),
                Err(flume::TrySendError::Full(item)) => {
                    self.overflow.push_front(item);
                    return true;
                }
                Err(flume::TrySendError::Disconnected(_)) => return false,
            }
        }
        true
    }
}

/// Public view of a reader (see [`crate::query_streamer`]).
pub mod info {
    use super::*;

    /// A reader of a file.
    #[derive(Debug, Clone)]
    pub struct StreamerInfo {
        /// How the reader moves through the file.
        pub mode: StreamMode,
        /// Its subscribers.
        pub subscribers: Vec<SubscriberInfo>,
    }

    /// A consumer subscribed to a reader.
    #[derive(Debug, Clone)]
    pub struct SubscriberInfo {
        /// Subscriber id.
        pub sid: u32,
        /// Consumer group, if any.
        pub group: Option<ConsumerGroup>,
        /// First subscribed stream key.
        pub stream_key: StreamKey,
    }
}

use info::{StreamerInfo, SubscriberInfo};

/// A registered reader.
#[derive(Debug)]
pub(crate) struct ReaderEntry {
    pub id: u64,
    pub kind: ReaderKind,
    pub mode: Mutex<StreamMode>,
    pub control: flume::Sender<Control>,
    pub subscribers: Mutex<Vec<SubscriberInfo>>,
    /// Set while the reader waits for a consumer to make room.
    pub waiting: AtomicBool,
    /// Set once the reader has dispatched a frame.
    pub dispatched: AtomicBool,
    /// Whether the reader may watch the file for changes (else it only polls).
    pub notify: bool,
}

impl ReaderEntry {
    /// Called by a consumer after taking a batch: wake the reader if it waits for room.
    pub fn made_room(&self, rx: &flume::Receiver<Item>) {
        if self.waiting.load(Ordering::SeqCst) {
            let cap = rx.capacity().unwrap_or(usize::MAX);
            if rx.len() <= cap / 2 && self.waiting.swap(false, Ordering::SeqCst) {
                let _ = self.control.send(Control::Wake);
            }
        }
    }
}

type Registry = Mutex<HashMap<FileId, Vec<Arc<ReaderEntry>>>>;

fn registry() -> &'static Registry {
    static READERS: OnceLock<Registry> = OnceLock::new();
    READERS.get_or_init(Default::default)
}

/// A new subscriber id.
pub(crate) fn next_sid() -> u32 {
    static SID: AtomicU32 = AtomicU32::new(1);
    SID.fetch_add(1, Ordering::Relaxed)
}

fn next_reader_id() -> u64 {
    static ID: AtomicU64 = AtomicU64::new(1);
    ID.fetch_add(1, Ordering::Relaxed)
}

/// Introspection: the readers of a file.
pub async fn query_streamer(file_id: &FileId) -> Option<Vec<StreamerInfo>> {
    let map = registry().lock().ok()?;
    let readers = map.get(file_id)?;
    Some(
        readers
            .iter()
            .map(|r| StreamerInfo {
                mode: r.mode.lock().map(|m| *m).unwrap_or(StreamMode::Live),
                subscribers: r.subscribers.lock().map(|s| s.clone()).unwrap_or_default(),
            })
            .collect(),
    )
}

/// Find a shared reader of `kind` for the file and subscribe to it (under the registry lock, so a
/// reader cannot exit in between). Returns `None` if there is none; `Err` if the group exists in
/// another mode. With `fresh_only`, only a reader that has not dispatched any frame yet is joined.
pub(crate) fn join_shared(
    file_id: &FileId,
    kind: &ReaderKind,
    sub: Subscriber,
    fresh_only: bool,
) -> Result<Result<Arc<ReaderEntry>, Subscriber>, FileErr> {
    let map = registry()
        .lock()
        .map_err(|_| FileErr::TaskDead("registry"))?;
    let Some(readers) = map.get(file_id) else {
        return Ok(Err(sub));
    };
    for r in readers {
        let same = match (&r.kind, kind) {
            (ReaderKind::SharedLive, ReaderKind::SharedLive) => true,
            (ReaderKind::Group(g1, m1), ReaderKind::Group(g2, m2)) if g1 == g2 => {
                if m1 != m2 {
                    return Err(crate::ConfigErr::SameGroupSameMode.into());
                }
                true
            }
            _ => false,
        };
        if same && fresh_only && r.dispatched.load(Ordering::Acquire) {
            continue;
        }
        if same {
            add_info(r, &sub);
            return match r.control.send(Control::Subscribe(sub)) {
                Ok(()) => Ok(Ok(r.clone())),
                Err(flume::SendError(Control::Subscribe(sub))) => Ok(Err(sub)),
                Err(_) => Err(FileErr::TaskDead("reader")),
            };
        }
    }
    Ok(Err(sub))
}

/// A consumer leaves its reader. Done under the registry lock: when the last subscriber leaves,
/// the reader is unregistered at once, so a consumer created right after (e.g. a restarted member
/// of a resumable group) starts a fresh reader instead of joining one that is shutting down.
pub(crate) fn leave(entry: &ReaderEntry, sid: u32) {
    if let Ok(mut map) = registry().lock() {
        let empty = match entry.subscribers.lock() {
            Ok(mut s) => {
                s.retain(|s| s.sid != sid);
                s.is_empty()
            }
            Err(_) => true,
        };
        if empty {
            map.retain(|_, v| {
                v.retain(|r| r.id != entry.id);
                !v.is_empty()
            });
        }
    }
    let _ = entry.control.send(Control::Unsubscribe(sid));
}

fn add_info(r: &ReaderEntry, sub: &Subscriber) {
    if let Ok(mut s) = r.subscribers.lock() {
        s.push(SubscriberInfo {
            sid: sub.sid,
            group: sub.group.clone(),
            stream_key: sub.keys[0].clone(),
        });
    }
}

/// Start a reader thread with a first subscriber.
pub(crate) fn spawn_reader(
    file_id: FileId,
    kind: ReaderKind,
    mode: StreamMode,
    reader: Option<Reader>,
    start: Start,
    sub: Subscriber,
    notify: bool,
) -> Result<Arc<ReaderEntry>, FileErr> {
    let (control, control_rx) = flume::unbounded();
    let entry = Arc::new(ReaderEntry {
        id: next_reader_id(),
        kind,
        mode: Mutex::new(mode),
        control,
        subscribers: Mutex::new(Vec::new()),
        waiting: AtomicBool::new(false),
        dispatched: AtomicBool::new(false),
        notify,
    });
    add_info(&entry, &sub);
    {
        let mut map = registry()
            .lock()
            .map_err(|_| FileErr::TaskDead("registry"))?;
        map.entry(file_id.clone()).or_default().push(entry.clone());
    }
    let e = entry.clone();
    let spawned = std::thread::Builder::new()
        .name("sea-streamer-file-reader".into())
        .spawn(move || {
            // a replaying reader never waits for the file to grow
            let watch = if notify && mode != StreamMode::Replay {
                WatchHandle::register(&file_id, e.control.clone())
            } else {
                None
            };
            let mut t = ReaderThread {
                file_id,
                entry: e,
                mode,
                reader,
                start: Some(start),
                subs: vec![sub],
                control_rx,
                ended: false,
                chunk_hint: 0,
                targets: Vec::new(),
                watch,
            };
            t.run();
            t.deregister();
        });
    if let Err(e) = spawned {
        deregister(&entry.id);
        return Err(e.into());
    }
    Ok(entry)
}

fn deregister(id: &u64) {
    if let Ok(mut map) = registry().lock() {
        map.retain(|_, v| {
            v.retain(|r| r.id != *id);
            !v.is_empty()
        });
    }
}

struct ReaderThread {
    file_id: FileId,
    entry: Arc<ReaderEntry>,
    mode: StreamMode,
    reader: Option<Reader>,
    start: Option<Start>,
    subs: Vec<Subscriber>,
    control_rx: flume::Receiver<Control>,
    ended: bool,
    /// Capacity to allocate for the next payload chunk (the largest seen, capped).
    chunk_hint: usize,
    /// Scratch list of the subscribers a frame goes to.
    targets: Vec<usize>,
    /// Registration with the file's change watcher; `None`: poll only.
    watch: Option<WatchHandle>,
}

/// Frames decoded per batch (their payloads share one buffer).
const FRAMES_PER_BATCH: usize = 256;
/// Cap of the preallocated chunk size (a larger chunk still grows as needed).
const MAX_CHUNK_HINT: usize = 4 << 20;

impl ReaderThread {
    fn deregister(&self) {
        deregister(&self.entry.id);
    }

    fn handle(&mut self, c: Control) {
        match c {
            Control::Wake => (),
            Control::FileChanged => {
                if let Some(w) = &self.watch {
                    w.rearm();
                }
            }
            Control::Subscribe(sub) => self.subs.push(sub),
            Control::Unsubscribe(sid) => {
                self.subs.retain(|s| s.sid != sid);
                if let Ok(mut s) = self.entry.subscribers.lock() {
                    s.retain(|s| s.sid != sid);
                }
            }
            Control::Seek { sid, cmd, reply } => {
                let r = self.seek(sid, cmd);
                let _ = reply.send(r);
            }
        }
    }

    fn seek(&mut self, sid: u32, cmd: SeekCmd) -> Result<(), FileErr> {
        let reader = self.ensure_reader()?.ok_or(FileErr::NotEnoughBytes)?;
        match cmd {
            SeekCmd::Rewind(pos) => {
                reader.rewind(pos)?;
            }
            SeekCmd::Target(t) => reader.seek(&t)?,
        }
        if self.mode == StreamMode::Live {
            self.mode = StreamMode::LiveReplay;
            if let Ok(mut m) = self.entry.mode.lock() {
                *m = StreamMode::LiveReplay;
            }
        }
        self.ended = false;
        if let Some(s) = self.subs.iter_mut().find(|s| s.sid == sid) {
            s.overflow.clear();
            s.pending.clear();
            while s.rx.try_recv().is_ok() {}
        }
        Ok(())
    }

    /// Open the file if not yet open (a live reader waits for a complete header).
    fn ensure_reader(&mut self) -> Result<Option<&mut Reader>, FileErr> {
        if self.reader.is_none() {
            match Reader::open(&self.file_id) {
                Ok(r) => self.reader = Some(r),
                Err(FileErr::NotEnoughBytes) if self.mode != StreamMode::Replay => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let reader = self.reader.as_mut().expect("opened");
        if let Some(start) = self.start.take() {
            match start {
                Start::Beginning => {
                    reader.rewind(SeqPos::Beginning)?;
                }
                Start::Offset(o) => reader.set_pos(o),
            }
        }
        Ok(Some(reader))
    }

    /// Deliver an error to every subscriber and end.
    fn fail(&mut self, e: FileErr) {
        for s in self.subs.iter_mut() {
            s.push(Err(e.duplicate()));
            s.ship();
        }
        self.ended = true;
    }

    /// Move overflow into queues that have drained to half their capacity.
    fn flush_overflows(&mut self) {
        self.subs
            .retain_mut(|s| !s.has_room() || s.drain_overflow());
    }

    /// Wait until some subscriber's queue has drained to half its capacity (hysteresis: the
    /// reader then refills it in one go instead of waking up for every single message), or a
    /// control message arrives.
    fn wait_for_space(&mut self, backoff: &mut Duration) {
        self.entry.waiting.store(true, Ordering::SeqCst);
        // checked after raising the flag, so a consumer making room now sends a wake-up
        if self
            .subs
            .iter()
            .any(|s| !s.overflow.is_empty() && s.has_room())
        {
            self.entry.waiting.store(false, Ordering::Release);
            *backoff = SPACE_BACKOFF;
            return;
        }
        match self.control_rx.recv_timeout(*backoff) {
            Ok(c) => self.handle(c),
            Err(_) => *backoff = (*backoff * 2).min(Duration::from_millis(10)),
        }
        self.entry.waiting.store(false, Ordering::Release);
    }

    /// Whether the thread should exit (no subscribers left), decided under the registry lock.
    fn should_exit(&mut self) -> bool {
        let Ok(mut map) = registry().lock() else {
            return true;
        };
        while let Ok(c) = self.control_rx.try_recv() {
            self.handle(c);
        }
        if !self.subs.is_empty() {
            return false;
        }
        map.retain(|_, v| {
            v.retain(|r| r.id != self.entry.id);
            !v.is_empty()
        });
        true
    }

    /// Hand one frame to its subscriber(s); its payload lives in the shared `chunk`. The frame's
    /// key moves into the message and the last receiver gets the message itself, so a frame
    /// with one receiver costs no extra reference count traffic.
    fn dispatch(&mut self, frame: crate::window::Frame<Range<usize>>, chunk: &Arc<Vec<u8>>) {
        let grouped = matches!(self.entry.kind, ReaderKind::Group(..));
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        for (i, s) in self.subs.iter().enumerate() {
            if s.wants(&frame.key) {
                targets.push(i);
            }
        }
        if grouped && !targets.is_empty() {
            let pick = targets[(frame.seq % targets.len() as u64) as usize];
            targets.clear();
            targets.push(pick);
        }
        let Some((&last, others)) = targets.split_last() else {
            self.targets = targets;
            return;
        };
        let end = frame.end;
        let header = MessageHeader::new(
            frame.key,
            ShardId::new(frame.shard),
            SeqNo::from(frame.seq),
            frame.ts,
        );
        let msg = SharedMessage::from_shared(
            header,
            chunk.clone(),
            frame.payload.start,
            frame.payload.len(),
        );
        let mut gone = Vec::new();
        for &i in others {
            if !self.subs[i].push(Ok((msg.clone(), end))) {
                gone.push(i);
            }
        }
        if !self.subs[last].push(Ok((msg, end))) {
            gone.push(last);
        }
        // indices are ascending: remove from the back
        for i in gone.into_iter().rev() {
            self.subs.remove(i);
        }
        self.targets = targets;
    }

    fn run(&mut self) {
        let mut backoff = Duration::from_millis(1);
        let mut space_backoff = SPACE_BACKOFF;
        loop {
            while let Ok(c) = self.control_rx.try_recv() {
                self.handle(c);
            }
            if self.subs.is_empty() && self.should_exit() {
                return;
            }
            self.flush_overflows();
            if self.ended {
                // deliver what is queued, then stop (dropping the queues ends the consumers)
                self.deregister();
                if self.subs.iter().all(|s| s.overflow.is_empty()) {
                    return;
                }
                self.wait_for_space(&mut space_backoff);
                continue;
            }
            if !self.subs.is_empty() && self.subs.iter().all(|s| !s.overflow.is_empty()) {
                self.wait_for_space(&mut space_backoff);
                continue;
            }
            let mut idle = false;
            let replay = self.mode == StreamMode::Replay;
            let chunk_hint = self.chunk_hint;
            let reader = match self.ensure_reader() {
                Ok(Some(r)) => r,
                Ok(None) => {
                    self.idle_wait(&mut backoff);
                    continue;
                }
                Err(e) => {
                    self.fail(e);
                    continue;
                }
            };
            // the payloads of a batch of frames share one buffer (one allocation per batch)
            let mut frames = Vec::with_capacity(FRAMES_PER_BATCH);
            let mut chunk = Vec::with_capacity(chunk_hint);
            let mut error = None;
            let mut eos = false;
            for _ in 0..FRAMES_PER_BATCH {
                match reader.next_frame_into(&mut chunk) {
                    Ok(Some(f)) if f.is_eos_in(&chunk) => {
                        eos = true;
                        break;
                    }
                    Ok(Some(f)) => frames.push(f),
                    Ok(None) => {
                        idle = true;
                        if replay {
                            // corruption followed by valid data is not the end of the data
                            error = Some(match reader.incomplete_is_corrupt() {
                                Ok(Some(e)) | Err(e) => e,
                                Ok(None) => FileErr::NotEnoughBytes,
                            });
                        } else if reader.is_removed() {
                            error = Some(FileErr::FileRemoved);
                        } else {
                            reader.forget_tail();
                            if reader.file_size().is_ok_and(|size| size < reader.offset()) {
                                // cut below us (a writer recovered the file): go to its new end
                                log::warn!(
                                    "{}: file shrank; continuing at its end",
                                    reader.file_id()
                                );
                                if let Err(e) = reader.goto_end() {
                                    error = Some(e);
                                }
                            } else {
                                // stuck at a frame that cannot complete while valid data
                                // follows it: corruption, not a frame still being written
                                match reader.stalled_is_corrupt() {
                                    Ok(Some(e)) | Err(e) => error = Some(e),
                                    Ok(None) => (),
                                }
                            }
                        }
                        break;
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            if !frames.is_empty() {
                if !self.entry.dispatched.load(Ordering::Relaxed) {
                    self.entry.dispatched.store(true, Ordering::Release);
                }
                backoff = Duration::from_millis(1);
                space_backoff = SPACE_BACKOFF;
            }
            self.chunk_hint = self.chunk_hint.max(chunk.len()).min(MAX_CHUNK_HINT);
            let chunk = Arc::new(chunk);
            for f in frames {
                self.dispatch(f, &chunk);
            }
            self.subs.retain_mut(|s| s.ship());
            if let Some(e) = error {
                self.fail(e);
            } else if eos {
                self.ended = true;
            } else if idle {
                self.idle_wait(&mut backoff);
            }
        }
    }

    /// Wait for the file to grow: until a control message (a change notification among them)
    /// arrives, or the poll interval elapses. The interval doubles from 1 ms up to a bound.
    fn idle_wait(&mut self, backoff: &mut Duration) {
        if let Ok(c) = self.control_rx.recv_timeout(*backoff) {
            self.handle(c);
            *backoff = Duration::from_millis(1);
        } else {
            let max = if self.watch.is_some() {
                MAX_BACKOFF_WATCHED
            } else {
                MAX_BACKOFF
            };
            *backoff = (*backoff * 2).min(max);
        }
    }
}
