//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sea_streamer_file::FileId;
use sea_streamer_types::Timestamp;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, unique, empty file in the temp directory.
pub fn temp_file(name: &str) -> FileId {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!(
        "ss-test-{name}-{}-{n}-{nanos}.ss",
        std::process::id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .expect("create temp file");
    FileId::new(path.to_str().unwrap())
}

/// A fresh path that does not exist yet.
pub fn temp_path(name: &str) -> FileId {
    let id = temp_file(name);
    std::fs::remove_file(id.path()).unwrap();
    id
}

/// Unix milliseconds of a timestamp.
pub fn millis_of(ts: &Timestamp) -> i64 {
    (ts.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Path of a checked-in test vector.
pub fn vector(name: &str) -> FileId {
    FileId::new(format!("{}/tests/{name}", env!("CARGO_MANIFEST_DIR")))
}

/// A timestamp from unix milliseconds.
pub fn ts_ms(ms: i64) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap()
}
