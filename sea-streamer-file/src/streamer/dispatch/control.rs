//! How consumers talk to a reader thread: the [`Control`] messages of its channel and the
//! [`ReaderEntry`] that consumers (and the registry) hold for a running reader.

use super::info::SubscriberInfo;
use super::queue::{Entry, Item, Subscriber};
use crate::error::FileErr;
use crate::read::mode::StreamMode;
use crate::read::seek::Target;
use sea_streamer_types::{ConsumerGroup, ConsumerMode, SeqPos, StreamKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Which consumers a reader serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReaderKind {
    /// Ungrouped `Live` consumers share one reader per file.
    SharedLive,
    /// One reader per consumer group (and, for a Resumable group, per set of streams: sorted,
    /// empty for other modes).
    Group(ConsumerGroup, ConsumerMode, Vec<StreamKey>),
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
#[derive(Debug, Clone)]
pub(crate) enum SeekCmd {
    Rewind(SeqPos),
    Target(Target),
}

/// Resolves once a reader thread has added a subscriber that joined it (see
/// [`Control::Subscribe`]); disconnected if the thread ended first.
pub(crate) type Joined = flume::Receiver<()>;

pub(crate) enum Control {
    /// A consumer made room in its queue while the reader was waiting for space.
    Wake,
    /// The file watcher saw the file change.
    FileChanged,
    /// A new subscriber of a running reader, and where the thread says that it has joined:
    /// every frame read after that is dispatched to it too (a group member created while the
    /// reader was busy would otherwise miss its share of the frames written meanwhile).
    Subscribe(Subscriber, flume::Sender<()>),
    /// A consumer leaves, giving back the deliveries it had taken but not returned from
    /// `next()` (for a group's other members).
    Unsubscribe(u32, Vec<Entry>),
    Seek {
        sid: u32,
        cmd: SeekCmd,
        reply: flume::Sender<Result<(), FileErr>>,
    },
}

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
    /// Set (under this lock) when the reader thread stops taking control messages. A request
    /// that expects an answer is sent under the same lock, so it is either answered by the
    /// thread or refused here: it can never wait in a channel nobody reads any more.
    pub closed: Mutex<bool>,
}

impl ReaderEntry {
    /// Sends a control message that expects an answer; `false` if the reader thread has
    /// stopped (the message is dropped, which answers its reply channel; the caller then
    /// starts a new reader).
    pub fn request(&self, control: Control) -> bool {
        let closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        !*closed && self.control.send(control).is_ok()
    }

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
