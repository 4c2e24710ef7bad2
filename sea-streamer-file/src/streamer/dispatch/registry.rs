//! The process-wide registry of reader threads, per file: where a consumer finds a reader to
//! join, what [`query_streamer`] reports, and where a reader thread signs off.

use super::control::{Control, Joined, ReaderEntry, ReaderKind};
use super::info::{StreamerInfo, SubscriberInfo};
use super::queue::{Entry, Subscriber};
use crate::error::{ConfigErr, FileErr};
use crate::file_id::FileId;
use crate::read::mode::StreamMode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

type Map = HashMap<FileId, Vec<Arc<ReaderEntry>>>;

fn registry() -> &'static Mutex<Map> {
    static READERS: OnceLock<Mutex<Map>> = OnceLock::new();
    READERS.get_or_init(Default::default)
}

/// The registry, locked: readers cannot join, start or sign off meanwhile.
pub(crate) struct Readers(MutexGuard<'static, Map>);

/// Lock the registry.
pub(crate) fn lock() -> Result<Readers, FileErr> {
    registry()
        .lock()
        .map(Readers)
        .map_err(|_| FileErr::TaskDead("registry"))
}

impl Readers {
    /// Subscribe to a running reader of `kind` for the file: its entry, and a receiver that
    /// resolves once the reader thread has added the subscriber. `Ok(Err(sub))` gives the
    /// subscriber back if there is none; `Err` if the group exists in another mode. With
    /// `fresh_only`, only a reader that has not dispatched any frame yet is joined.
    pub fn join(
        &self,
        file_id: &FileId,
        kind: &ReaderKind,
        sub: Subscriber,
        fresh_only: bool,
    ) -> Result<Result<(Arc<ReaderEntry>, Joined), Subscriber>, FileErr> {
        let Some(readers) = self.0.get(file_id) else {
            return Ok(Err(sub));
        };
        for r in readers {
            let same = match (&r.kind, kind) {
                (ReaderKind::SharedLive, ReaderKind::SharedLive) => true,
                (ReaderKind::Group(g1, m1, s1), ReaderKind::Group(g2, m2, s2)) if g1 == g2 => {
                    if m1 != m2 {
                        return Err(ConfigErr::SameGroupSameMode.into());
                    }
                    s1 == s2
                }
                _ => false,
            };
            if same && fresh_only && r.dispatched.load(Ordering::Acquire) {
                continue;
            }
            if same {
                add_info(r, &sub);
                let (joined, when) = flume::bounded(1);
                return match r.control.send(Control::Subscribe(sub, joined)) {
                    Ok(()) => Ok(Ok((r.clone(), when))),
                    Err(flume::SendError(Control::Subscribe(sub, _))) => Ok(Err(sub)),
                    Err(_) => Err(FileErr::TaskDead("reader")),
                };
            }
        }
        Ok(Err(sub))
    }

    /// Register a reader that is about to start, with its first subscriber.
    pub fn insert(&mut self, file_id: &FileId, entry: &Arc<ReaderEntry>, first: &Subscriber) {
        add_info(entry, first);
        self.0
            .entry(file_id.clone())
            .or_default()
            .push(entry.clone());
    }

    /// Unregister a reader.
    pub fn remove(&mut self, id: u64) {
        self.0.retain(|_, v| {
            v.retain(|r| r.id != id);
            !v.is_empty()
        });
    }
}

/// A new subscriber id.
pub(crate) fn next_sid() -> u32 {
    static SID: AtomicU32 = AtomicU32::new(1);
    SID.fetch_add(1, Ordering::Relaxed)
}

/// A new reader id.
pub(crate) fn next_reader_id() -> u64 {
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

/// A consumer leaves its reader, giving back the deliveries it had taken and not returned
/// (`returned`: a group's reader deals its messages again to the other members). Done under the
/// registry lock: when the last subscriber leaves, the reader is unregistered at once, so a
/// consumer created right after (e.g. a restarted member of a resumable group) starts a fresh
/// reader instead of joining one that is shutting down.
pub(crate) fn leave(entry: &ReaderEntry, sid: u32, returned: Vec<Entry>) {
    if let Ok(mut readers) = lock() {
        let empty = match entry.subscribers.lock() {
            Ok(mut s) => {
                s.retain(|s| s.sid != sid);
                s.is_empty()
            }
            Err(_) => true,
        };
        if empty {
            readers.remove(entry.id);
        }
    }
    let _ = entry.control.send(Control::Unsubscribe(sid, returned));
}

/// Unregister a reader (its thread is ending).
pub(crate) fn deregister(id: u64) {
    if let Ok(mut readers) = lock() {
        readers.remove(id);
    }
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
