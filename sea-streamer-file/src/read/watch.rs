//! File-change notification for live following.
//!
//! One [`notify`] watcher per followed file (inotify on Linux), shared by every reader thread of
//! that file in this process. A change event (write, truncate, removal, rename; not mere opens
//! or reads) calls each registered reader's wake-up (e.g. a message on its control channel), so
//! a reader waiting for the file to grow resumes at once. The watcher is dropped (and its inotify watch removed)
//! when the last reader of the file lets go of its [`WatchHandle`].
//!
//! Notification is an accelerator, never a requirement: where no watcher can be created (inotify
//! limits, an unsupported file system, a platform whose only backend would poll anyway) readers
//! poll as before, and even with a watcher they keep polling at a bounded interval, a safety net
//! for events that never come (e.g. a file appended from another host over a network file
//! system).

use crate::file_id::FileId;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher, WatcherKind};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A reader registered with a watcher.
struct Waiter {
    id: u64,
    wake: Box<dyn Fn() + Send + Sync>,
    /// Set while a wake-up is queued and not yet taken: one pending wake-up per reader at most,
    /// however many events arrive.
    pending: Arc<AtomicBool>,
}

type Waiters = Arc<Mutex<Vec<Waiter>>>;

/// A watcher of one file and the readers it wakes.
struct FileWatch {
    waiters: Waiters,
    // dropped with the last handle: stops watching
    _watcher: RecommendedWatcher,
}

type WatchRegistry = Mutex<HashMap<FileId, Weak<FileWatch>>>;

fn watches() -> &'static WatchRegistry {
    static WATCHES: OnceLock<WatchRegistry> = OnceLock::new();
    WATCHES.get_or_init(Default::default)
}

fn next_waiter_id() -> u64 {
    static ID: AtomicU64 = AtomicU64::new(1);
    ID.fetch_add(1, Ordering::Relaxed)
}

/// A reader's registration with the watcher of its file; unregisters on drop.
pub(crate) struct WatchHandle {
    id: u64,
    pending: Arc<AtomicBool>,
    watch: Arc<FileWatch>,
}

impl std::fmt::Debug for WatchHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WatchHandle {{ id: {} }}", self.id)
    }
}

impl WatchHandle {
    /// Register a reader (its wake-up) with the watcher of `file_id`, creating the watcher if
    /// this is the file's first reader. `None` if no watcher can be had: the reader then polls.
    pub fn register(file_id: &FileId, wake: impl Fn() + Send + Sync + 'static) -> Option<Self> {
        if RecommendedWatcher::kind() == WatcherKind::PollWatcher {
            // no native backend here: a polling watcher would only add a thread that polls
            return None;
        }
        let watch = {
            let mut map = watches().lock().ok()?;
            match map.get(file_id).and_then(Weak::upgrade) {
                Some(w) => w,
                None => {
                    let w = Arc::new(new_watch(file_id)?);
                    map.retain(|_, w| w.strong_count() > 0);
                    map.insert(file_id.clone(), Arc::downgrade(&w));
                    w
                }
            }
        };
        let id = next_waiter_id();
        let pending = Arc::new(AtomicBool::new(false));
        watch.waiters.lock().ok()?.push(Waiter {
            id,
            wake: Box::new(wake),
            pending: pending.clone(),
        });
        Some(Self { id, pending, watch })
    }

    /// Called by the reader when it takes a wake-up, before it reads again: an event after this
    /// point sends a new wake-up.
    pub fn rearm(&self) {
        self.pending.store(false, Ordering::SeqCst);
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        if let Ok(mut w) = self.watch.waiters.lock() {
            w.retain(|w| w.id != self.id);
        }
        // dropping `self.watch` drops the watcher if this was the last reader of the file
    }
}

fn new_watch(file_id: &FileId) -> Option<FileWatch> {
    let waiters: Waiters = Default::default();
    let wake = waiters.clone();
    let handler = move |event: notify::Result<notify::Event>| {
        if let Ok(e) = &event {
            // opening or reading the file (our own readers do) is no change
            if matches!(e.kind, EventKind::Access(_)) {
                return;
            }
        }
        // a change, or an error of the watcher (e.g. a lost event): wake every reader
        if let Ok(w) = wake.lock() {
            for w in w.iter() {
                if !w.pending.swap(true, Ordering::SeqCst) {
                    (w.wake)();
                }
            }
        }
    };
    let mut watcher = match RecommendedWatcher::new(handler, notify::Config::default()) {
        Ok(w) => w,
        Err(e) => {
            log::debug!("{file_id}: no file watcher ({e}); polling");
            return None;
        }
    };
    if let Err(e) = watcher.watch(Path::new(file_id.path()), RecursiveMode::NonRecursive) {
        log::debug!("{file_id}: cannot watch the file ({e}); polling");
        return None;
    }
    log::debug!("{file_id}: watching for changes");
    Some(FileWatch {
        waiters,
        _watcher: watcher,
    })
}

/// Whether a watcher of the file exists in this process (for tests).
#[cfg(test)]
pub(crate) fn is_watched(file_id: &FileId) -> bool {
    watches()
        .lock()
        .map(|m| m.get(file_id).is_some_and(|w| w.strong_count() > 0))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_wakes_the_reader_and_the_watcher_goes_with_the_last_reader() {
        let path = std::env::temp_dir().join(format!(
            "sea-streamer-watch-{}-{}.ss",
            std::process::id(),
            next_waiter_id()
        ));
        std::fs::write(&path, b"head").unwrap();
        let file_id = FileId::new(path.to_str().unwrap());
        let (tx, rx) = flume::unbounded();
        let waker = |tx: flume::Sender<()>| move || tx.send(()).expect("test alive");
        let Some(first) = WatchHandle::register(&file_id, waker(tx.clone())) else {
            let _ = std::fs::remove_file(&path);
            // CI (scripts/test.sh) requires the watcher; elsewhere the test is skipped
            assert!(
                std::env::var_os("SEA_STREAMER_REQUIRE_SERVICES").is_none(),
                "no file watcher on this system"
            );
            log::warn!("skipped: no file watcher on this system");
            return;
        };
        let second = WatchHandle::register(&file_id, waker(tx)).unwrap();
        // one watcher, shared
        assert!(Arc::ptr_eq(&first.watch, &second.watch));
        assert!(is_watched(&file_id));

        // a write through another handle wakes both readers, once each until they re-arm
        let mut out = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut out, b"more").unwrap();
        for _ in 0..2 {
            rx.recv().expect("a wake-up");
        }
        first.rearm();
        std::io::Write::write_all(&mut out, b"again").unwrap();
        rx.recv().expect("a wake-up");
        assert!(rx.try_recv().is_err(), "the second reader did not re-arm");

        drop(first);
        assert!(is_watched(&file_id));
        drop(second);
        assert!(!is_watched(&file_id));
        let _ = std::fs::remove_file(&path);
    }
}
