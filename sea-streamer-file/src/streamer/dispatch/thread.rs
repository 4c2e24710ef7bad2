//! The reader thread: owns a blocking [`Reader`], decodes frames and hands them to its
//! subscribers' bounded queues (capacity = prefetch). Ungrouped subscribers get every frame of
//! their keys; a group gets each frame once, at member `members[sequence % len]`. The thread keeps
//! reading while any subscriber has room; when all are full it waits for space (or a control
//! message). When the file has no more complete frames, a live reader waits for it to grow.

use super::batch::{read_batch, Batch, CHUNK_CAP};
use super::control::{Control, ReaderEntry, ReaderKind, SeekCmd, Start};
use super::queue::Subscriber;
use super::registry::{self, next_reader_id, Readers};
use crate::error::FileErr;
use crate::file_id::FileId;
use crate::format::window::Frame;
use crate::io::backoff::{Backoff, POLL_MAX};
use crate::read::mode::StreamMode;
use crate::read::reader::Reader;
use crate::read::watch::WatchHandle;
use crate::streamer::observe::read_batch_span;
use sea_streamer_types::{Message, MessageHeader, SeqNo, SeqPos, ShardId, SharedMessage};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Longest wait between two polls of a watched file: changes wake the reader at once, so polling
/// is only the safety net for an event that never comes. (Unwatched: [`POLL_MAX`].)
const MAX_BACKOFF_WATCHED: Duration = Duration::from_millis(256);
/// First wait for queue space: a consumer making room sends a wake-up, so this is only a safety
/// net (short timeouts cost a context switch each).
const SPACE_BACKOFF: Duration = Duration::from_micros(500);
/// Longest wait for queue space.
const SPACE_BACKOFF_MAX: Duration = Duration::from_millis(10);

/// A reader to start.
pub(crate) struct NewReader {
    pub file_id: FileId,
    pub kind: ReaderKind,
    pub mode: StreamMode,
    /// The file, if already open (a live reader may have to wait for a complete header).
    pub reader: Option<Reader>,
    pub start: Start,
    /// Whether the reader may watch the file for changes (else it only polls).
    pub notify: bool,
}

/// Start a reader thread with a first subscriber, registering it in `readers` (the registry,
/// locked by the caller: nobody can look for this reader before it is registered).
pub(crate) fn spawn(
    readers: &mut Readers,
    new: NewReader,
    sub: Subscriber,
) -> Result<Arc<ReaderEntry>, FileErr> {
    let NewReader {
        file_id,
        kind,
        mode,
        reader,
        start,
        notify,
    } = new;
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
        closed: Mutex::new(false),
    });
    readers.insert(&file_id, &entry, &sub);
    let e = entry.clone();
    let spawned = std::thread::Builder::new()
        .name("sea-streamer-file-reader".into())
        .spawn(move || {
            // a replaying reader never waits for the file to grow
            let watch = if notify && mode != StreamMode::Replay {
                let control = e.control.clone();
                WatchHandle::register(&file_id, move || {
                    let _ = control.send(Control::FileChanged);
                })
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
            t.close();
            t.deregister();
        });
    if let Err(e) = spawned {
        readers.remove(entry.id);
        return Err(e.into());
    }
    Ok(entry)
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

/// Cap of the preallocated chunk size (a larger chunk still grows as needed).
const MAX_CHUNK_HINT: usize = 4 << 20;

impl ReaderThread {
    /// Stops taking requests: what was sent and not handled is answered with `TaskDead`,
    /// and later requests are refused by [`ReaderEntry::request`].
    fn close(&mut self) {
        let mut closed = self.entry.closed.lock().unwrap_or_else(|e| e.into_inner());
        *closed = true;
        while let Ok(c) = self.control_rx.try_recv() {
            if let Control::Seek { reply, .. } = c {
                let _ = reply.send(Err(FileErr::TaskDead("reader")));
            }
        }
    }

    fn deregister(&self) {
        registry::deregister(self.entry.id);
    }

    fn handle(&mut self, c: Control) {
        match c {
            Control::Wake => (),
            Control::FileChanged => {
                if let Some(w) = &self.watch {
                    w.rearm();
                }
            }
            Control::Subscribe(sub, joined) => {
                self.subs.push(sub);
                // the subscriber may have stopped waiting (its create_consumer dropped)
                let _ = joined.send(());
            }
            Control::Unsubscribe(sid, returned) => {
                let gone = self.subs.iter().position(|s| s.sid == sid);
                let gone = gone.map(|i| self.subs.remove(i));
                if let Ok(mut s) = self.entry.subscribers.lock() {
                    s.retain(|s| s.sid != sid);
                }
                if let (Some(sub), ReaderKind::Group(..)) = (gone, &self.entry.kind) {
                    self.redeal(sub.take_back(returned));
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
    fn wait_for_space(&mut self, backoff: &mut Backoff) {
        self.entry.waiting.store(true, Ordering::SeqCst);
        // checked after raising the flag, so a consumer making room now sends a wake-up
        if self
            .subs
            .iter()
            .any(|s| !s.overflow.is_empty() && s.has_room())
        {
            self.entry.waiting.store(false, Ordering::Release);
            backoff.reset();
            return;
        }
        if let Ok(c) = self.control_rx.recv_timeout(backoff.next_delay()) {
            self.handle(c);
        }
        self.entry.waiting.store(false, Ordering::Release);
    }

    /// Whether the thread should exit (no subscribers left), decided under the registry lock.
    fn should_exit(&mut self) -> bool {
        let Ok(mut readers) = registry::lock() else {
            return true;
        };
        while let Ok(c) = self.control_rx.try_recv() {
            self.handle(c);
        }
        if !self.subs.is_empty() {
            return false;
        }
        readers.remove(self.entry.id);
        true
    }

    /// Hand one frame to its subscriber(s); its payload lives in the shared `chunk`. The frame's
    /// key moves into the message and the last receiver gets the message itself, so a frame
    /// with one receiver costs no extra reference count traffic.
    fn dispatch(&mut self, frame: Frame<Range<usize>>, chunk: &Arc<Vec<u8>>) {
        let grouped = matches!(self.entry.kind, ReaderKind::Group(..));
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        for (i, s) in self.subs.iter().enumerate() {
            if s.takes(&frame.key, frame.end) {
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

    /// Deal the messages a leaving group member had not received to the members that remain,
    /// in order, each to `members[sequence % len]` of those subscribed to its key (after what
    /// they already hold). With no member left for a key, a message is dropped (the group's
    /// next member starts from its own position in the file) and a debug line says so.
    fn redeal(&mut self, messages: Vec<(SharedMessage, u64)>) {
        let mut dropped = 0usize;
        for (msg, end) in messages {
            let key = msg.header().stream_key();
            let members: Vec<usize> = (0..self.subs.len())
                .filter(|&i| self.subs[i].wants(key))
                .collect();
            if members.is_empty() {
                dropped += 1;
                continue;
            }
            let pick = members[(msg.sequence() % members.len() as u64) as usize];
            self.subs[pick].push(Ok((msg, end)));
        }
        if dropped > 0 {
            log::debug!(
                "{}: {dropped} message(s) of a closed group member have no member left to go to",
                self.file_id
            );
        }
        self.subs.retain_mut(|s| s.ship());
    }

    fn run(&mut self) {
        let max = if self.watch.is_some() {
            MAX_BACKOFF_WATCHED
        } else {
            POLL_MAX
        };
        let mut backoff = Backoff::new(Duration::from_millis(1), max);
        let mut space_backoff = Backoff::new(SPACE_BACKOFF, SPACE_BACKOFF_MAX);
        loop {
            while let Ok(c) = self.control_rx.try_recv() {
                self.handle(c);
            }
            #[cfg(test)]
            super::gate::pass(&self.file_id);
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
            let Batch {
                frames,
                chunk,
                error,
                eos,
                idle,
            } = read_batch(reader, replay, chunk_hint, CHUNK_CAP);
            if !frames.is_empty() {
                if !self.entry.dispatched.load(Ordering::Relaxed) {
                    self.entry.dispatched.store(true, Ordering::Release);
                }
                backoff.reset();
                space_backoff.reset();
            }
            self.chunk_hint = self.chunk_hint.max(chunk.len()).min(MAX_CHUNK_HINT);
            let chunk = Arc::new(chunk);
            let span = if frames.is_empty() {
                None
            } else {
                Some(read_batch_span(self.file_id.path(), frames.len()).entered())
            };
            for f in frames {
                self.dispatch(f, &chunk);
            }
            self.subs.retain_mut(|s| s.ship());
            drop(span);
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
    fn idle_wait(&mut self, backoff: &mut Backoff) {
        if let Ok(c) = self.control_rx.recv_timeout(backoff.next_delay()) {
            self.handle(c);
            backoff.reset();
        }
    }
}
