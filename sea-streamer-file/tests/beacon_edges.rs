//! Three defects found by the property tests of issue #16.4 (`tests/file_prop.rs`), as fixed
//! examples:
//!
//! 1. A frame whose fixed fields (key, shard, sequence, timestamp, length) end exactly at a beacon
//!    point, and that continues past the next beacon point: the reader checked the *next* beacon's
//!    remaining-bytes count as if the beacon at the cursor were not there (7 bytes off), and
//!    reported a valid file as corrupt (`BeaconMismatch`).
//! 2. A writer resuming a file (`MessageSink::append`, also inside `repair_file`) whose last frame
//!    spans two or more beacon points, or a beacon-interval-128 file without frames: its search
//!    for the last complete frame stepped back to the same beacon forever (a hang).
//!
//! 3. `verify_file` reported the beacon a writer puts after a last frame that ends exactly on a
//!    beacon point (and the first beacon of an empty file of interval 128) as a torn tail
//!    (`NotEnoughBytes`), so `repair_file` cut it.
#![cfg(feature = "runtime-tokio")]

mod util;

use sea_streamer_file::verify::{repair_file, verify_file};
use sea_streamer_file::{FileId, MessageSink, MessageSource, StreamMode, DEFAULT_FILE_SIZE_LIMIT};
use sea_streamer_types::{Buffer, Message, MessageHeader, OwnedMessage, ShardId, StreamKey};
use std::time::Duration;
use util::*;

fn message(key: &str, seq: u64, len: usize) -> OwnedMessage {
    let header = MessageHeader::new(
        StreamKey::new(key).unwrap(),
        ShardId::new(0),
        seq,
        ts_ms(1_700_000_000_000 + seq as i64),
    );
    OwnedMessage::new(header, vec![seq as u8; len])
}

/// Writes frames of the given payload lengths with beacon interval 128.
async fn write(name: &str, lens: &[usize]) -> FileId {
    let file = temp_file(name);
    let mut sink = MessageSink::new(file.clone(), 128, DEFAULT_FILE_SIZE_LIMIT)
        .await
        .unwrap();
    for (i, &len) in lens.iter().enumerate() {
        sink.write(message("bb", i as u64 + 1, len)).unwrap();
    }
    sink.end(false).await.unwrap();
    file
}

/// Runs `f` on its own thread; panics if it has not finished after two minutes (a hang).
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("{what} did not finish: a hang"))
}

/// Defect 1: every placement of a long second frame relative to the beacon points, including
/// its fixed fields ending exactly on one, reads back whole and verifies clean.
#[tokio::test]
async fn frame_fields_ending_at_a_beacon_point() {
    for first in 0..128 {
        let file = write("fields-at-beacon", &[first, 300]).await;
        let report = verify_file(&file).unwrap();
        assert!(
            report.problems.is_empty(),
            "first payload {first}: {:?}",
            report.problems
        );
        assert_eq!(report.frames, 2);
        let mut source = MessageSource::new(file.clone(), StreamMode::Replay)
            .await
            .unwrap();
        for len in [first, 300] {
            let frame = source.next().await.unwrap();
            assert_eq!(frame.message.message().size(), len, "first payload {first}");
        }
        std::fs::remove_file(file.path()).unwrap();
    }
}

/// Defect 2: appending to a file whose last frame spans beacon points finishes, and continues
/// after that frame.
#[test]
fn append_after_a_frame_spanning_beacons() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (name, lens) in [
        ("span", &[300usize][..]),
        ("two-frames", &[10, 298]),
        ("empty", &[]),
    ] {
        let file = rt.block_on(write(name, lens));
        let size = std::fs::metadata(file.path()).unwrap().len();
        let path = file.clone();
        let offset = finishes("MessageSink::append", move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async {
                let sink = MessageSink::append(path, 128, DEFAULT_FILE_SIZE_LIMIT)
                    .await
                    .unwrap();
                sink.offset()
            })
        });
        if !lens.is_empty() {
            assert_eq!(offset, size, "{name}: resumes at the end of the last frame");
        }
        let path = file.clone();
        let report = finishes("repair_file", move || repair_file(&path).unwrap());
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
        std::fs::remove_file(file.path()).unwrap();
    }
}

/// Defect 3: a last frame ending exactly on a beacon point is followed by a beacon (the writer
/// never ends a file on a beacon point), and an empty file of interval 128 holds the beacon at
/// 128; `verify_file` reports such a file clean (it reported that beacon as a torn tail), and
/// `repair_file` leaves it whole (it cut the beacon).
#[tokio::test]
async fn trailing_beacon_is_not_a_torn_tail() {
    // Frame 1 (payload 116) ends at 292; frame 2 (payload 300) ends exactly at 640.
    for lens in [&[116usize, 300][..], &[]] {
        let file = write("trailing-beacon", lens).await;
        let size = std::fs::metadata(file.path()).unwrap().len();
        assert_eq!(
            size % 128,
            7,
            "{lens:?}: the file ends with an empty beacon"
        );
        let report = verify_file(&file).unwrap();
        let repaired = repair_file(&file).unwrap();
        let after = std::fs::metadata(file.path()).unwrap().len();
        std::fs::remove_file(file.path()).unwrap();
        assert!(
            report.problems.is_empty(),
            "{lens:?}: {:?}",
            report.problems
        );
        assert!(report.is_clean(), "{lens:?}: {report:?}");
        assert_eq!(report.valid_until, size);
        assert_eq!(
            report.beacons,
            size / 128,
            "{lens:?}: the trailing beacon counts"
        );
        assert!(
            repaired.dropped.is_empty(),
            "{lens:?}: {:?}",
            repaired.dropped
        );
        assert_eq!(after, size, "{lens:?}: repair_file cut the file");
    }
}
