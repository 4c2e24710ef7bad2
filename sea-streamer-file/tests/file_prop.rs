//! Property tests of whole `.ss` files through the public readers (issue #16.4): valid files
//! written by [`MessageSink`], the same files mutated (bits flipped, bytes set, inserted,
//! deleted, the tail cut, random bytes after a valid header), and random bytes.
//!
//! For every file, [`MessageSource`] (Replay, read to the end, resyncing after errors, and
//! rewound to a beacon), [`verify_file`] and [`repair_file`] (on a copy):
//! - never panic and always finish (each runs on its own thread; a run that has not finished
//!   after [`hang`] is reported as a hang: a liveness guard, not a speed limit);
//! - return typed errors; decode at most one frame per 32 bytes of file (the smallest frame),
//!   each frame's payload no longer than the file; `verify_file` reports offsets inside the file
//!   and resumes only forward; a repaired file verifies without problems (except a known false
//!   torn tail, see `tests/beacon_edges.rs`);
//! - allocate at most [`ALLOC_FACTOR`] × the file size + [`ALLOC_SLACK`] bytes at peak on the
//!   decoding thread, whatever a length field claims. Measured by the counting global allocator
//!   of this test binary ([`Counting`]): it keeps per-thread counters of live heap bytes and
//!   their peak (every `alloc`/`realloc`/`dealloc` of the thread), reset before each decode.
//!   `SS_PROP_PEAKS=1` prints each file's size and peak (to check the bound against reality).
//!
//! Unmutated files also round-trip: the frames read back are the messages written, and
//! `verify_file` finds the file clean.
//!
//! Cases: proptest's default (256 per property), or `PROPTEST_CASES` (1,000,000 in
//! `scripts/fuzz.sh`). Failing inputs are kept in `tests/file_prop.proptest-regressions`.
#![cfg(feature = "runtime-tokio")]
// The counting allocator implements `GlobalAlloc`, an unsafe trait; it only forwards to `System`.
#![allow(unsafe_code)]

use proptest::prelude::*;
use sea_streamer_file::verify::{repair_file, verify_file};
use sea_streamer_file::{
    FileErr, FileId, MessageSink, MessageSource, StreamMode, DEFAULT_FILE_SIZE_LIMIT,
};
use sea_streamer_types::{
    Buffer, Message as _, MessageHeader, OwnedMessage, SeqPos, ShardId, StreamKey, Timestamp,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A global allocator that counts, per thread, the live bytes and their peak.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: during thread teardown the counters may be gone; then nothing is counted.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `System` with the same arguments; the counters are plain
// thread-local cells with constant initialisers (no allocation, no destructor).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result with the peak of extra live heap bytes on this thread.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get) - base;
    (out, peak.max(0) as usize)
}

/// Peak heap use allowed while decoding a file of `n` bytes: `ALLOC_FACTOR * n + ALLOC_SLACK`.
/// (The reader buffers the file in chunks, a `Vec` may have twice the capacity it uses, and a
/// frame's payload is copied out once.)
const ALLOC_FACTOR: usize = 4;
const ALLOC_SLACK: usize = 256 * 1024;

/// A decode that has not finished after this long is reported as a hang (`SS_PROP_HANG_SECS`
/// overrides it); the file is then saved to `CARGO_TARGET_TMPDIR` for a closer look.
fn hang() -> Duration {
    let secs = std::env::var("SS_PROP_HANG_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    Duration::from_secs(secs.unwrap_or(120))
}

/// Runs a future whose reads are all ready (Replay readers of a finished file never wait).
fn now<T>(future: impl Future<Output = T>) -> T {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a Replay read of a finished file waited"),
    }
}

/// Where the test files go: memory-backed `/dev/shm` when there is one.
fn scratch(name: &str) -> FileId {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::path::Path::new("/dev/shm");
    let dir = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("ss-prop-{}-{name}-{n}.ss", std::process::id()));
    FileId::new(path.to_str().expect("a UTF-8 temp path"))
}

/// Removes a file when dropped.
struct Scratch(FileId);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.0.path());
        let _ = std::fs::remove_file(format!("{}.repair", self.0.path()));
    }
}

/// A message as written and as read back: key, shard, sequence, ms timestamp, payload.
type Written = (String, u64, u64, i64, Vec<u8>);

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos(ms as i128 * 1_000_000).expect("in range")
}

/// Writes `messages` with a [`MessageSink`] of beacon interval `interval`; returns the bytes.
fn write_file(interval: u32, messages: &[Written], eos: bool) -> Vec<u8> {
    let file = Scratch(scratch("w"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let mut sink = MessageSink::new(file.0.clone(), interval, DEFAULT_FILE_SIZE_LIMIT)
            .await
            .expect("a sink");
        for (key, shard, seq, ms, payload) in messages {
            let header = MessageHeader::new(
                StreamKey::new(key).expect("valid key"),
                ShardId::new(*shard),
                *seq,
                ts(*ms),
            );
            sink.write(OwnedMessage::new(header, payload.clone()))
                .expect("written");
        }
        sink.end(eos).await.expect("ended");
    });
    std::fs::read(file.0.path()).expect("read back")
}

/// A deterministic message list for the pool of base files.
fn messages(n: usize, keys: usize, payload: usize) -> Vec<Written> {
    (0..n)
        .map(|i| {
            let key = format!("k{}", i % keys);
            let len = (i * 37) % (payload + 1);
            let bytes = (0..len).map(|j| (i * 7 + j) as u8).collect();
            (
                key,
                (i % 3) as u64,
                i as u64,
                1_700_000_000_000 + i as i64,
                bytes,
            )
        })
        .collect()
}

/// A base file: its bytes and, for a file written here, its messages.
type Base = (Vec<u8>, Option<Vec<Written>>);

/// Valid files to mutate: written here with several beacon intervals (frames cut by one or
/// several beacons, beacons with markers), with and without EOS, plus the checked-in vectors.
fn pool() -> &'static [Base] {
    static POOL: OnceLock<Vec<Base>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = Vec::new();
        for (interval, n, keys, payload, eos) in [
            (128, 6, 1, 40, true),
            (256, 12, 2, 300, false),
            (640, 20, 3, 100, true),
            (1024, 8, 2, 3000, true),
            (1024, 40, 5, 20, false),
            (4096, 30, 4, 500, true),
        ] {
            let m = messages(n, keys, payload);
            pool.push((write_file(interval, &m, eos), Some(m)));
        }
        for vector in ["sample-1.ss", "consumer.ss", "quicksort.ss"] {
            let path = format!("{}/tests/{vector}", env!("CARGO_MANIFEST_DIR"));
            pool.push((std::fs::read(path).expect("test vector"), None));
        }
        pool
    })
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    Cut(prop::sample::Index),
    /// A big-endian u32 written at a position (length fields, remaining-bytes counts).
    Word(prop::sample::Index, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    use prop::sample::Index;
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, v)| Mutation::Insert(i, v)),
        1 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Cut),
        1 => (any::<Index>(), prop_oneof![any::<u32>(), Just(u32::MAX), 0u32..4096]).prop_map(|(i, w)| Mutation::Word(i, w)),
    ]
}

fn mutate(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    let len = bytes.len();
    match m {
        Mutation::Flip(i, bit) => bytes[i.index(len)] ^= 1 << bit,
        Mutation::Set(i, b) => bytes[i.index(len)] = *b,
        Mutation::Insert(i, v) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, v.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Mutation::Cut(i) => bytes.truncate(i.index(len)),
        Mutation::Word(i, w) => {
            let at = i.index(len);
            for (k, b) in w.to_be_bytes().into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + k) {
                    *slot = b;
                }
            }
        }
    }
    bytes
}

/// What the readers made of a file.
#[derive(Debug, Default)]
struct Outcome {
    /// Frames read by the first pass of `MessageSource`, until its first error.
    frames: Vec<Written>,
    /// Whether `verify_file` found the file clean.
    clean: bool,
    /// Peak extra heap bytes while decoding (source passes and verify).
    peak: usize,
}

fn written(m: &OwnedMessage) -> Written {
    let h = m.header();
    (
        h.stream_key().name().to_owned(),
        h.shard_id().id(),
        *h.sequence(),
        (h.timestamp().unix_timestamp_nanos() / 1_000_000) as i64,
        m.message().as_bytes().to_vec(),
    )
}

/// Reads `file` with every reader, checking the per-file invariants; `Err` describes a failure.
fn read_all(file: &FileId, rewind_to: u32) -> Result<Outcome, String> {
    let size = std::fs::metadata(file.path())
        .map_err(|e| e.to_string())?
        .len();
    // Frames are at least 32 bytes; beacons add one resync point per 128 bytes at most.
    let max_steps = size / 32 + size / 128 + 4;
    let mut out = Outcome::default();
    let ((), peak) = peak_of(|| {
        let Ok(mut source) = now(MessageSource::new(file.clone(), StreamMode::Replay)) else {
            return;
        };
        let mut first_error = false;
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > max_steps {
                out.frames.clear();
                out.clean = false;
                return;
            }
            match now(source.next()) {
                Ok(frame) => {
                    if !first_error {
                        out.frames.push(written(&frame.message));
                    }
                }
                Err(_) => {
                    first_error = true;
                    if now(source.resync()).is_err() {
                        break;
                    }
                }
            }
        }
        // A second pass from a beacon.
        if now(source.rewind(SeqPos::At(rewind_to.into()))).is_ok() {
            for _ in 0..max_steps {
                if now(source.next()).is_err() {
                    break;
                }
            }
        }
    });
    out.peak = peak;
    let (report, verify_peak) = peak_of(|| verify_file(file));
    out.peak = out.peak.max(verify_peak);
    if let Ok(report) = &report {
        if report.valid_until > size || report.frames > max_steps {
            return Err(format!("verify report out of bounds: {report:?}"));
        }
        for p in &report.problems {
            if p.offset > size || p.resume_at.is_some_and(|q| q <= p.offset || q > size) {
                return Err(format!("verify problem out of bounds: {p:?}"));
            }
            if p.error.to_string().is_empty() {
                return Err("an error without a message".to_owned());
            }
        }
        out.clean = report.is_clean();
    }
    Ok(out)
}

/// Checks a file's bytes with every reader on a separate thread (see [`hang`]).
fn check_bytes(bytes: Vec<u8>, rewind_to: u32) -> Result<Outcome, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let size = bytes.len();
    let saved = bytes.clone();
    std::thread::spawn(move || {
        let file = Scratch(scratch("m"));
        let result = std::fs::write(file.0.path(), &bytes)
            .map_err(|e| e.to_string())
            .and_then(|()| read_all(&file.0, rewind_to))
            .and_then(|outcome| {
                // Repair a copy; the result must verify without problems.
                let copy = Scratch(scratch("r"));
                std::fs::write(copy.0.path(), &bytes).map_err(|e| e.to_string())?;
                if repair_file(&copy.0).is_ok() {
                    match verify_file(&copy.0) {
                        // a trailing beacon is no problem either (`tests/beacon_edges.rs`)
                        Ok(r) if !r.problems.is_empty() => {
                            return Err(format!("a repaired file has problems: {:?}", r.problems))
                        }
                        Ok(_) | Err(FileErr::NotEnoughBytes) => {}
                        Err(e) if size < 128 => drop(e),
                        Err(e) => return Err(format!("a repaired file does not verify: {e}")),
                    }
                }
                Ok(outcome)
            });
        let _ = tx.send(result);
    });
    let outcome = match rx.recv_timeout(hang()) {
        Ok(result) => result.map_err(TestCaseError::fail)?,
        Err(_) => {
            static HANGS: AtomicU64 = AtomicU64::new(0);
            let n = HANGS.fetch_add(1, Ordering::Relaxed);
            let path = format!(
                "{}/hang-{}-{n}.ss",
                env!("CARGO_TARGET_TMPDIR"),
                std::process::id()
            );
            let _ = std::fs::write(&path, &saved);
            return Err(TestCaseError::fail(format!(
                "no answer after {:?}: a hang (file saved as {path})",
                hang()
            )));
        }
    };
    if std::env::var_os("SS_PROP_PEAKS").is_some() {
        // For measuring the bound: one line per file.
        eprintln!("peak {} bytes for a file of {size} bytes", outcome.peak);
    }
    let bound = ALLOC_FACTOR * size + ALLOC_SLACK;
    prop_assert!(
        outcome.peak <= bound,
        "decoding {} bytes peaked at {} heap bytes (bound {})",
        size,
        outcome.peak,
        bound
    );
    Ok(outcome)
}

proptest! {
    /// Mutated valid files: no panic, no hang, bounded work and memory, sound reports.
    #[test]
    fn mutated_files_decode_safely(
        base in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        rewind_to in 0u32..8,
    ) {
        let pool = pool();
        let (bytes, _) = &pool[base.index(pool.len())];
        let bytes = mutations.iter().fold(bytes.clone(), mutate);
        check_bytes(bytes, rewind_to)?;
    }

    /// Random bytes, bare or after a valid header: the same guarantees.
    #[test]
    fn random_files_decode_safely(
        base in any::<prop::sample::Index>(),
        header in any::<bool>(),
        tail in prop::collection::vec(any::<u8>(), 0..1500),
        rewind_to in 0u32..8,
    ) {
        let mut bytes = Vec::new();
        if header {
            let pool = pool();
            bytes.extend_from_slice(&pool[base.index(pool.len())].0[..128]);
        }
        bytes.extend_from_slice(&tail);
        check_bytes(bytes, rewind_to)?;
    }

    /// Valid files read back exactly what was written, and verify clean. (Sequence numbers and
    /// timestamps rise per stream, as `verify_file` expects of a clean file.)
    #[test]
    fn written_files_read_back(
        interval in prop::sample::select(vec![128u32, 256, 1024]),
        parts in prop::collection::vec(
            ("[a-c]{1,2}", 0u64..3, prop::collection::vec(any::<u8>(), 0..400)),
            0..12,
        ),
        first in (any::<u32>(), 0i64..4_000_000_000_000),
        eos in any::<bool>(),
    ) {
        let messages: Vec<Written> = parts
            .into_iter()
            .enumerate()
            .map(|(i, (key, shard, payload))| {
                (key, shard, u64::from(first.0) + i as u64, first.1 + i as i64, payload)
            })
            .collect();
        let bytes = write_file(interval, &messages, eos);
        let outcome = check_bytes(bytes, 0)?;
        let n = messages.len();
        prop_assert_eq!(outcome.frames.len(), n + usize::from(eos));
        prop_assert_eq!(&outcome.frames[..n], &messages[..]);
        if eos {
            prop_assert_eq!(outcome.frames[n].0.as_str(), sea_streamer_types::SEA_STREAMER_INTERNAL);
        }
        prop_assert!(outcome.clean);
    }
}

/// The pool's own files read back as written and verify clean (also checks the pool itself).
#[test]
fn pool_files_read_back() {
    for (bytes, messages) in pool() {
        let outcome = check_bytes(bytes.clone(), 1).expect("a valid file reads");
        if let Some(messages) = messages {
            assert_eq!(&outcome.frames[..messages.len()], &messages[..]);
        }
        assert!(outcome.clean);
    }
}
