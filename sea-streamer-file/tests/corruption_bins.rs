//! Exit codes and messages of the tools on a corrupt file (issue #15, defects 3 and 4).
#![cfg(feature = "executables")]

mod util;

use sea_streamer_file::{FileId, MessageSink, DEFAULT_BEACON_INTERVAL, DEFAULT_FILE_SIZE_LIMIT};
use sea_streamer_types::{MessageHeader, OwnedMessage, ShardId, StreamKey};
use std::process::Command;
use util::*;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(bin: &str, args: &[&str]) -> Out {
    let out = Command::new(bin).args(args).output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// 50 frames `tick-1..50` of key `clock` and an EOS, no beacons; returns (file, frame starts).
async fn build(name: &str) -> (FileId, Vec<u64>) {
    let file = temp_file(name);
    let mut sink = MessageSink::new(
        file.clone(),
        DEFAULT_BEACON_INTERVAL,
        DEFAULT_FILE_SIZE_LIMIT,
    )
    .await
    .unwrap();
    let mut starts = Vec::new();
    for seq in 1..=50u64 {
        starts.push(sink.offset());
        let h = MessageHeader::new(
            StreamKey::new("clock").unwrap(),
            ShardId::new(0),
            seq,
            ts_ms(1_700_000_000_000 + seq as i64),
        );
        sink.write(OwnedMessage::new(h, format!("tick-{seq}").into_bytes()))
            .unwrap();
    }
    starts.push(sink.offset());
    sink.end(true).await.unwrap();
    (file, starts)
}

/// Defect 3c: the payload length of frame 6 made to run past the end of the file.
async fn corrupt(name: &str) -> (FileId, Vec<u8>, Vec<u64>) {
    let (file, starts) = build(name).await;
    let mut bytes = std::fs::read(file.path()).unwrap();
    bytes[starts[5] as usize + 1 + 5 + 24] ^= 0x01;
    std::fs::write(file.path(), &bytes).unwrap();
    (file, bytes, starts)
}

fn frame_lines(out: &str) -> usize {
    out.lines().filter(|l| l.contains(" | clock | ")).count()
}

#[tokio::test]
async fn decode_exits_non_zero_on_corruption() {
    let (file, _, starts) = corrupt("bins-decode").await;
    let out = run(env!("CARGO_BIN_EXE_ss-decode"), &["--file", file.path()]);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert_eq!(frame_lines(&out.stdout), 5);
    assert!(out.stderr.contains("Corrupted"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&starts[5].to_string()),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--repair"), "{}", out.stderr);

    // a torn tail is still only a warning
    let bytes = std::fs::read(file.path()).unwrap();
    std::fs::write(file.path(), &bytes[..starts[3] as usize + 10]).unwrap();
    let out = run(env!("CARGO_BIN_EXE_ss-decode"), &["--file", file.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(frame_lines(&out.stdout), 3);
    std::fs::remove_file(file.path()).unwrap();
}

#[tokio::test]
async fn verify_reports_corruption_and_repair_keeps_the_rest() {
    let (file, bytes, starts) = corrupt("bins-verify").await;
    let verify = env!("CARGO_BIN_EXE_ss-verify");
    let out = run(verify, &["--file", file.path()]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("Corrupted"), "{}", out.stdout);
    assert!(!out.stdout.contains("Not Enough Bytes"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("valid data resumes at {}", starts[6])),
        "{}",
        out.stdout
    );
    assert_eq!(std::fs::read(file.path()).unwrap(), bytes);

    let out = run(verify, &["--file", file.path(), "--repair"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let dropped = starts[6] - starts[5];
    assert!(
        out.stdout
            .contains(&format!("dropped {dropped} bytes at offset {}", starts[5])),
        "{}",
        out.stdout
    );
    let out = run(verify, &["--file", file.path()]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("ends with EOS:   true"),
        "{}",
        out.stdout
    );
    let out = run(env!("CARGO_BIN_EXE_ss-decode"), &["--file", file.path()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(frame_lines(&out.stdout), 49);
    assert!(!out.stdout.contains("tick-6\n"));
    assert!(out.stdout.contains("tick-50\n"));
    std::fs::remove_file(file.path()).unwrap();
}

#[tokio::test]
async fn clock_refuses_a_corrupt_file() {
    let (file, bytes, starts) = corrupt("bins-clock").await;
    let out = run(
        env!("CARGO_BIN_EXE_clock"),
        &["--file", file.path(), "--interval", "1ms", "--count", "1"],
    );
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("ss-verify") && out.stderr.contains("--repair"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&starts[5].to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(file.path()).unwrap(), bytes, "bytes changed");
    std::fs::remove_file(file.path()).unwrap();
}
