//! The `ss-decode` and `ss-verify` binaries (feature `executables`).
#![cfg(feature = "executables")]

use std::process::Command;

fn vector(name: &str) -> String {
    format!("{}/tests/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(bin: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(bin).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn ss_decode_matches_spec() {
    let bin = env!("CARGO_BIN_EXE_ss-decode");
    let (code, out) = run(bin, &["--file", &vector("sample-1.ss")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 29);
    assert_eq!(
        lines[0],
        r#"# {"file_name":"vec_map-1694767177436.firedbg.ss","created_at":"2023-09-15T08:39:37.437","beacon_interval":1048576}"#
    );
    assert!(lines[1].starts_with("[2023-09-15T08:39:37.912 | file | 1 | 0] {\"id\":1,"));
    assert_eq!(
        lines[28],
        "[2023-09-15T08:39:38.569 | SEA_STREAMER_INTERNAL | 0 | 0] EOS"
    );

    let (code, out) = run(
        bin,
        &["--file", &vector("sample-1.ss"), "--format", "ndjson"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().nth(1).unwrap(),
        r#"{"header":{"stream_key":"file","shard_id":0,"sequence":1,"timestamp":"2023-09-15T08:39:37.912"},"payload":{"crate_name":"vec_map","id":1,"modified":{"nanos_since_epoch":661434645,"secs_since_epoch":1693814866},"path":"testcases/vec_map.rs"}}"#
    );

    let (code, out) = run(bin, &["--file", &vector("consumer.ss")]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("| hello | 20 | 1]"))
        .unwrap();
    assert_eq!(
        lines[at + 1],
        r#"# [{"header":{"stream_key":"hello","shard_id":1,"sequence":20,"timestamp":"2023-08-10T16:49:14.773"},"running_checksum":2887}]"#
    );

    let (code, out) = run(bin, &["--file", &vector("quicksort.ss"), "--header-only"]);
    assert_eq!(code, 0, "a missing EOS is only a warning");
    assert_eq!(out.lines().count(), 43);
    assert!(out
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("[2023-08-11T06:28:50.44 | quicksort | 1 | 0]"));

    let (code, _) = run(bin, &["--file", &vector("quicksort.ss"), "--format", "xml"]);
    assert_ne!(code, 0);
}

#[test]
fn ss_verify_and_repair() {
    let bin = env!("CARGO_BIN_EXE_ss-verify");
    let (code, out) = run(bin, &["--file", &vector("consumer.ss")]);
    assert_eq!(code, 0);
    assert!(out.contains("frames:          101"));

    let tmp = std::env::temp_dir().join(format!("ss-verify-{}.ss", std::process::id()));
    let bytes = std::fs::read(vector("consumer.ss")).unwrap();
    std::fs::write(&tmp, &bytes[..3000]).unwrap();
    let path = tmp.to_str().unwrap();
    let (code, _) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    let (code, _) = run(bin, &["--file", path, "--repair"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::metadata(&tmp).unwrap().len(), 2986);
    let (code, _) = run(bin, &["--file", path]);
    assert_eq!(code, 0);

    // a flipped payload bit is found; the reader resynchronises at the next beacon
    let mut flipped = bytes.clone();
    flipped[0x444] ^= 0x10;
    std::fs::write(&tmp, &flipped).unwrap();
    let (code, out) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    assert!(out.contains("Checksum error"), "{out}");
    assert!(out.contains("frames:          100"), "{out}");

    // a flipped bit in a length field is caught by the beacon that interrupts the frame
    let mut flipped = bytes.clone();
    flipped[0x440] ^= 0x10;
    std::fs::write(&tmp, &flipped).unwrap();
    let (code, out) = run(bin, &["--file", path]);
    assert_eq!(code, 1);
    assert!(out.contains("Beacon mismatch"), "{out}");
    std::fs::remove_file(&tmp).unwrap();
}
