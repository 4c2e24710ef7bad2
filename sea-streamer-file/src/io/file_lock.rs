//! One writing process per `.ss` file: an advisory, exclusive OS lock (`flock`) held while a
//! [`MessageSink`](crate::MessageSink) writes the file.
//!
//! Two processes appending to one file would interleave their frames and beacons and corrupt
//! it. The first writer takes the lock; a writer in another process then gets an
//! [`FileErr::IoError`] of kind [`std::io::ErrorKind::WouldBlock`] that says so, instead of
//! corrupting the file. Readers never take the lock.
//!
//! Within one process, writers of a file share one lock: producers share one writer anyway, and
//! a writer opened while the previous one is still finishing its last write must not fail. The
//! lock is released when the last writer of the file in this process is gone (its background
//! thread included). A file system without `flock` support is written without the lock (a
//! warning is logged).

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::backoff::Backoff;
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

/// The write lock of one file, held for as long as this value lives.
#[derive(Debug)]
pub(crate) struct WriteLock {
    file_id: FileId,
    /// The handle that holds the lock; `None` where locking is not supported.
    file: Option<File>,
}

type Registry = Mutex<HashMap<FileId, Weak<WriteLock>>>;

/// The locks held by this process. An entry whose lock is no longer alive is being released:
/// its `Drop` closes the handle and then removes the entry.
fn registry() -> MutexGuard<'static, HashMap<FileId, Weak<WriteLock>>> {
    static LOCKS: OnceLock<Registry> = OnceLock::new();
    LOCKS
        .get_or_init(Default::default)
        .lock()
        // the map stays consistent: every change is one insert or remove
        .unwrap_or_else(PoisonError::into_inner)
}

impl WriteLock {
    /// Take the write lock of `file_id` (which must exist), or share this process's.
    pub fn acquire(file_id: &FileId) -> Result<Arc<Self>, FileErr> {
        let mut backoff = Backoff::new(Duration::from_micros(10), Duration::from_millis(1));
        loop {
            let mut map = registry();
            match map.get(file_id).map(Weak::upgrade) {
                Some(Some(lock)) => return Ok(lock),
                Some(None) => {
                    // the last writer is releasing it right now: let it finish
                    drop(map);
                    std::thread::sleep(backoff.next_delay());
                }
                None => {
                    let lock = Arc::new(Self::take(file_id)?);
                    map.insert(file_id.clone(), Arc::downgrade(&lock));
                    return Ok(lock);
                }
            }
        }
    }

    fn take(file_id: &FileId) -> Result<Self, FileErr> {
        let file = OpenOptions::new().read(true).open(file_id.path())?;
        let file = match file.try_lock() {
            Ok(()) => Some(file),
            Err(TryLockError::WouldBlock) => {
                return Err(FileErr::IoError(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    format!(
                        "{file_id}: another process is writing this file (it holds the file's \
                         write lock); a second writer would corrupt it"
                    ),
                )))
            }
            Err(TryLockError::Error(e)) => {
                log::warn!(
                    "{file_id}: cannot lock the file for writing ({e}); writing without the lock"
                );
                None
            }
        };
        Ok(Self {
            file_id: file_id.clone(),
            file,
        })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let mut map = registry();
        // closing the handle releases the lock; only then may another writer look
        drop(self.file.take());
        if map
            .get(&self.file_id)
            .is_some_and(|weak| weak.strong_count() == 0)
        {
            map.remove(&self.file_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> FileId {
        let path = std::env::temp_dir().join(format!(
            "sea-streamer-write-lock-{name}-{}.ss",
            std::process::id()
        ));
        std::fs::write(&path, b"").expect("temp file");
        FileId::new(path.to_string_lossy().into_owned())
    }

    #[test]
    fn shared_within_the_process_and_released_when_dropped() {
        let id = temp_file("shared");
        let first = WriteLock::acquire(&id).expect("first lock");
        let second = WriteLock::acquire(&id).expect("same process shares the lock");
        assert!(Arc::ptr_eq(&first, &second));
        // Another open file description (as another process would have) cannot take it.
        let other = File::open(id.path()).expect("open");
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop((first, second));
        other
            .try_lock()
            .expect("released once the last writer is gone");
        std::fs::remove_file(id.path()).ok();
    }

    #[test]
    fn held_elsewhere_is_a_clear_error() {
        let id = temp_file("held");
        let other = File::open(id.path()).expect("open");
        other.try_lock().expect("lock as another writer");
        let err = WriteLock::acquire(&id).expect_err("the file is locked");
        match err {
            FileErr::IoError(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
                assert!(e.to_string().contains("another process is writing"), "{e}");
            }
            other => panic!("unexpected error {other:?}"),
        }
        drop(other);
        WriteLock::acquire(&id).expect("free again");
        std::fs::remove_file(id.path()).ok();
    }
}
