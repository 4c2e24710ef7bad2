//! A test-only gate in the reader thread's loop, between taking its control messages and
//! reading the next batch: a unit test closes it for one file to hold that file's readers
//! exactly where a subscription that arrives is not taken yet (see `tests.rs`). Compiled in
//! `cfg(test)` builds only.

use crate::file_id::FileId;
use std::sync::{Mutex, PoisonError};

/// The closed gate: its file, what opens it (dropped by the test), and where a reader that
/// stops at it says so.
struct Closed {
    file: FileId,
    release: flume::Receiver<()>,
    parked: flume::Sender<()>,
}

static GATE: Mutex<Option<Closed>> = Mutex::new(None);

/// Holds the gate closed until dropped.
pub(crate) struct Held {
    _release: flume::Sender<()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        *GATE.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Closes the gate for the readers of `file`: a message on the receiver each time one of
/// them stops there; they go on once the guard is dropped.
pub(crate) fn close(file: &FileId) -> (flume::Receiver<()>, Held) {
    let (release_tx, release) = flume::bounded(0);
    let (parked, parked_rx) = flume::unbounded();
    *GATE.lock().unwrap_or_else(PoisonError::into_inner) = Some(Closed {
        file: file.clone(),
        release,
        parked,
    });
    (
        parked_rx,
        Held {
            _release: release_tx,
        },
    )
}

/// Where a reader of `file` passes the gate: waits while it is closed for that file.
pub(crate) fn pass(file: &FileId) {
    let closed = {
        let gate = GATE.lock().unwrap_or_else(PoisonError::into_inner);
        match gate.as_ref() {
            Some(c) if &c.file == file => Some((c.release.clone(), c.parked.clone())),
            _ => None,
        }
    };
    if let Some((release, parked)) = closed {
        let _ = parked.send(());
        // nothing is ever sent: returns once the test drops its sender
        let _ = release.recv();
    }
}
