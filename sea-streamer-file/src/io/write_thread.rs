//! The background writer: a thread that moves encoded bytes from a shared buffer to the file.
//!
//! Encoders append to the shared buffer under a short lock; the thread swaps the buffer out and
//! writes it with one syscall per batch. It wakes when a batch is large, on flush/end requests and
//! on its own every few milliseconds, so idle data never waits long to reach the OS. The storage
//! of a backlog is kept while a producer keeps waking it with full batches and given back on the
//! other wake-ups (see [`crate::io::write_queue`]).

use crate::error::FileErr;
use crate::file_id::FileId;
use crate::io::file_lock::WriteLock;
use crate::io::write_queue::{recycle, shrink_if_large, Pending, BATCH};
use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often an idle writer moves buffered bytes to the OS.
const IDLE_FLUSH: Duration = Duration::from_millis(10);

type Reply = flume::Sender<Result<(), FileErr>>;

enum Cmd {
    Wake,
    Flush(Reply),
    Sync(Reply),
    End { sync: bool, reply: Option<Reply> },
}

/// State shared between encoders and the writer thread.
#[derive(Debug, Default)]
pub(crate) struct WriterShared {
    pub buf: Mutex<Pending>,
    /// Held by a test to keep the thread from writing (a deterministic backlog).
    #[cfg(test)]
    pub hold: Mutex<()>,
    wake_pending: AtomicBool,
    failed: AtomicBool,
    /// Set (under the `buf` lock) when the thread has stopped: later bytes would never be written.
    stopped: AtomicBool,
    error: Mutex<Option<FileErr>>,
}

impl WriterShared {
    /// Queue bytes; `Ok(true)` if a batch is ready (wake the thread). A stopped writer → `TaskDead`.
    pub fn push(&self, bytes: &[u8]) -> Result<bool, FileErr> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        let mut buf = self.buf.lock().map_err(|_| FileErr::TaskDead("writer"))?;
        if self.stopped.load(Ordering::Acquire) {
            return Err(FileErr::TaskDead("writer"));
        }
        buf.bytes.extend_from_slice(bytes);
        Ok(buf.bytes.len() >= BATCH)
    }

    /// The error that stopped the writer, if any.
    pub fn error(&self) -> Option<FileErr> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.error
            .lock()
            .map(|e| e.as_ref().map(|e| e.duplicate()))
            .unwrap_or(Some(FileErr::TaskDead("writer")))
    }
}

/// Handle to a writer thread (clones share the thread).
#[derive(Debug, Clone)]
pub(crate) struct WriterHandle {
    pub shared: Arc<WriterShared>,
    tx: flume::Sender<Cmd>,
}

impl std::fmt::Debug for Cmd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cmd::Wake => "Wake",
            Cmd::Flush(_) => "Flush",
            Cmd::Sync(_) => "Sync",
            Cmd::End { .. } => "End",
        })
    }
}

impl WriterHandle {
    /// Start a writer thread for `file` (positioned where bytes must go). The thread keeps
    /// `lock` (the file's write lock, if any) until it has written its last bytes.
    pub fn spawn(
        file_id: FileId,
        file: File,
        lock: Option<Arc<WriteLock>>,
    ) -> Result<Self, FileErr> {
        let shared = Arc::new(WriterShared::default());
        let (tx, rx) = flume::unbounded();
        let s = shared.clone();
        std::thread::Builder::new()
            .name("sea-streamer-file-writer".into())
            .spawn(move || {
                run(file_id, file, s, rx);
                drop(lock);
            })?;
        Ok(Self { shared, tx })
    }

    /// Tell the thread a batch is ready.
    pub fn wake(&self) {
        if !self.shared.wake_pending.swap(true, Ordering::AcqRel) {
            let _ = self.tx.send(Cmd::Wake);
        }
    }

    /// Ask for everything buffered to be written; returns the receiver of the answer.
    pub fn flush(&self) -> flume::Receiver<Result<(), FileErr>> {
        let (reply, rx) = flume::bounded(1);
        if self.tx.send(Cmd::Flush(reply)).is_err() {
            let (reply, rx2) = flume::bounded(1);
            let _ = reply.send(Err(FileErr::TaskDead("writer")));
            return rx2;
        }
        rx
    }

    /// Ask for everything buffered to be written and fsynced; returns the receiver of the answer.
    pub fn sync(&self) -> flume::Receiver<Result<(), FileErr>> {
        let (reply, rx) = flume::bounded(1);
        if self.tx.send(Cmd::Sync(reply)).is_err() {
            let (reply, rx2) = flume::bounded(1);
            let _ = reply.send(Err(FileErr::TaskDead("writer")));
            return rx2;
        }
        rx
    }

    /// Write everything, optionally fsync, and stop the thread.
    pub fn end(&self, sync: bool) -> flume::Receiver<Result<(), FileErr>> {
        let (reply, rx) = flume::bounded(1);
        if self
            .tx
            .send(Cmd::End {
                sync,
                reply: Some(reply),
            })
            .is_err()
        {
            let (reply, rx2) = flume::bounded(1);
            let _ = reply.send(Err(FileErr::TaskDead("writer")));
            return rx2;
        }
        rx
    }

    /// Stop the thread after writing what is buffered, without waiting.
    pub fn detach(&self) {
        let _ = self.tx.send(Cmd::End {
            sync: false,
            reply: None,
        });
    }
}

/// Await a reply from the writer thread.
pub(crate) async fn wait(rx: flume::Receiver<Result<(), FileErr>>) -> Result<(), FileErr> {
    rx.recv_async()
        .await
        .unwrap_or(Err(FileErr::TaskDead("writer")))
}

fn run(file_id: FileId, mut file: File, shared: Arc<WriterShared>, rx: flume::Receiver<Cmd>) {
    let mut spare = Vec::with_capacity(BATCH);
    // `give_back`: a flush, sync, end or idle tick rather than a full batch (see `recycle`)
    let write_out =
        |file: &mut File, spare: &mut Vec<u8>, give_back: bool| -> Result<(), FileErr> {
            #[cfg(test)]
            let _hold = shared.hold.lock();
            if let Some(e) = shared.error() {
                return Err(e);
            }
            // the queue gets the spare's storage: give back what a backlog left in it
            recycle(spare, give_back);
            let count = {
                let mut buf = shared.buf.lock().map_err(|_| FileErr::TaskDead("writer"))?;
                buf.take_batch(spare);
                shared.wake_pending.store(false, Ordering::Release);
                buf.waiting().messages
            };
            let result = if spare.is_empty() {
                Ok(())
            } else {
                // one span per write (trace level: it runs for every batch)
                let _span = tracing::trace_span!(
                    "sea_streamer.produce_batch",
                    backend = "file",
                    file = file_id.path(),
                    count,
                    bytes = spare.len()
                )
                .entered();
                file.write_all(spare)
            };
            if let Ok(mut buf) = shared.buf.lock() {
                buf.batch_done();
            }
            recycle(spare, give_back);
            if let Err(e) = result {
                let err = FileErr::IoError(e);
                log::error!("{file_id}: write failed: {err}");
                if let Ok(mut slot) = shared.error.lock() {
                    *slot = Some(err.duplicate());
                }
                shared.failed.store(true, Ordering::Release);
                return Err(err);
            }
            Ok(())
        };
    loop {
        match rx.recv_timeout(IDLE_FLUSH) {
            Ok(Cmd::Wake) => {
                let _ = write_out(&mut file, &mut spare, false);
            }
            Err(flume::RecvTimeoutError::Timeout) => {
                let _ = write_out(&mut file, &mut spare, true);
            }
            Ok(Cmd::Flush(reply)) => {
                let mut r = write_out(&mut file, &mut spare, true);
                if r.is_ok() && std::fs::metadata(file_id.path()).is_err() {
                    r = Err(FileErr::FileRemoved);
                }
                let _ = reply.send(r);
            }
            Ok(Cmd::Sync(reply)) => {
                let mut r = write_out(&mut file, &mut spare, true);
                if r.is_ok() {
                    r = file.sync_all().map_err(FileErr::IoError);
                }
                let _ = reply.send(r);
            }
            Ok(Cmd::End { sync, reply }) => {
                let mut r = write_out(&mut file, &mut spare, true);
                let stopped = stop(&shared, &mut spare, &mut file);
                if r.is_ok() {
                    r = stopped;
                }
                if r.is_ok() && sync {
                    r = file.sync_all().map_err(FileErr::IoError);
                }
                if let Some(reply) = reply {
                    let _ = reply.send(r);
                }
                return;
            }
            Err(flume::RecvTimeoutError::Disconnected) => {
                let _ = write_out(&mut file, &mut spare, true);
                let _ = stop(&shared, &mut spare, &mut file);
                return;
            }
        }
    }
}

/// Mark the writer stopped (no more bytes are accepted) and write what was queued meanwhile.
fn stop(shared: &WriterShared, spare: &mut Vec<u8>, file: &mut File) -> Result<(), FileErr> {
    {
        let mut buf = shared.buf.lock().map_err(|_| FileErr::TaskDead("writer"))?;
        shared.stopped.store(true, Ordering::Release);
        buf.take_batch(spare);
        buf.batch_done();
    }
    if shared.failed.load(Ordering::Acquire) {
        shrink_if_large(spare);
        return Ok(());
    }
    let r = file.write_all(spare).map_err(FileErr::IoError);
    shrink_if_large(spare);
    r
}
