//! `sea` against a real Redis (`SEA_STREAMER_TEST_REDIS`): produce with meta timestamps and
//! keys, consume from every position, groups, info, an exact trim, a refused receipt, a
//! refused connection, relay with kept timestamps, and bench.

mod common;
use common::*;

fn redis() -> Option<String> {
    sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS")
        .map(|u| u.trim_end_matches('/').to_owned())
}

#[test]
fn produce_and_consume_with_meta_and_every_from_form() {
    let Some(r) = redis() else { return };
    let k = key("cli-redis");
    let url = format!("{r}/{k}");
    let input = format!(
        "[2024-01-01T00:00:01 | {k}] a\n[2024-01-01T00:00:02 | {k}] b\n[2024-01-01T00:00:03 | {k}] c\n"
    );
    let run = ok(&["produce", &url], input.as_bytes());
    assert!(run.stderr.contains("produced 3 messages"), "{}", run.stderr);
    let nd = ok(&["consume", &url, "-e", "--format", "ndjson", "-q"], b"");
    let values = ndjson(&nd.stdout);
    assert_eq!(payloads(&nd.stdout), ["a", "b", "c"]);
    assert_eq!(values[1]["timestamp"], "2024-01-01T00:00:02Z");
    let raw = |from: &str| {
        ok(
            &[
                "consume", &url, "-e", "--from", from, "--format", "raw", "-q",
            ],
            b"",
        )
        .stdout
    };
    assert_eq!(raw("start"), "a\nb\nc\n");
    assert_eq!(raw("end"), "");
    assert_eq!(raw("2024-01-01T00:00:02Z"), "b\nc\n");
    let seq_b = values[1]["seq"].as_u64().unwrap().to_string();
    assert_eq!(raw(&seq_b), "b\nc\n");
    let t = ok(
        &[
            "consume",
            &url,
            "-e",
            "--format",
            "{key}|{shard}|{payload}",
            "--count",
            "1",
            "-q",
        ],
        b"",
    );
    assert_eq!(t.stdout, format!("{k}|0|a\n"));
    // A missing key has nothing to wait for.
    let empty = format!("{r}/{}", key("cli-none"));
    assert_eq!(ok(&["consume", &empty, "-e", "-q"], b"").stdout, "");
}

#[test]
fn a_refused_receipt_exits_1_naming_the_url() {
    let Some(r) = redis() else { return };
    let k = key("cli-back");
    let url = format!("{r}/{k}");
    let input = "[2024-01-01T00:00:05] later\n[2024-01-01T00:00:01] earlier\n";
    let run = sea(&["produce", &url], input.as_bytes());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(&url), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn a_refused_connection_names_the_address() {
    let run = sea(&["consume", "redis://127.0.0.1:1/k", "-e"], b"");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("127.0.0.1:1"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn group_info_trim() {
    let Some(r) = redis() else { return };
    let k = key("cli-group");
    let url = format!("{r}/{k}");
    let lines: String = (0..10).map(|i| format!("m{i}\n")).collect();
    ok(&["produce", &url, "-q"], lines.as_bytes());
    let read = || {
        ok(
            &[
                "consume", &url, "--group", "g", "--count", "3", "--format", "raw", "-q",
            ],
            b"",
        )
        .stdout
    };
    assert_eq!(read(), "m0\nm1\nm2\n");
    assert_eq!(read(), "m3\nm4\nm5\n");
    let info = ok(&["info", &url], b"");
    assert!(
        info.stdout.contains(&format!("stream {k}: 10 entries")),
        "{}",
        info.stdout
    );
    assert!(
        info.stdout.contains("group g: 1 consumers, 0 pending"),
        "{}",
        info.stdout
    );
    let all = ok(&["info", &r], b"");
    assert!(
        all.stdout.contains(&format!("stream {k}:")),
        "{}",
        all.stdout
    );
    let trimmed = ok(&["trim", &url, "--maxlen", "4"], b"");
    assert!(
        trimmed.stdout.contains("removed 6 entries, 4 left"),
        "{}",
        trimmed.stdout
    );
    let left = ok(&["consume", &url, "-e", "--format", "raw", "-q"], b"");
    assert_eq!(left.stdout, "m6\nm7\nm8\nm9\n");
}

#[test]
fn trim_of_a_key_that_is_not_a_stream_fails() {
    let Some(r) = redis() else { return };
    let k = key("cli-str");
    // Make `k` a string through the stream API's neighbour: XADD on it fails after SET.
    let set = redis_cmd(&r, &["SET", &k, "x"]);
    assert!(set, "SET failed");
    let run = sea(&["trim", &format!("{r}/{k}"), "--maxlen", "1"], b"");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("WRONGTYPE"), "{}", run.stderr);
    let info = ok(&["info", &format!("{r}/{k}")], b"");
    assert!(
        info.stdout.contains("not a stream (type string)"),
        "{}",
        info.stdout
    );
}

/// Sends one command with redis-cli's wire format over a plain TCP socket.
fn redis_cmd(url: &str, args: &[&str]) -> bool {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("redis://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    let mut cmd = format!("*{}\r\n", args.len());
    for a in args {
        cmd.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(cmd.as_bytes()).unwrap();
    let mut reply = [0u8; 64];
    let n = s.read(&mut reply).unwrap();
    reply[..n].starts_with(b"+OK")
}

#[test]
fn relay_keeps_timestamps_into_redis_and_bench() {
    let Some(r) = redis() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = format!("file://{}/in.ss/k", dir.path().display());
    ok(&["produce", &file, "-q"], b"x\ny\nz\n");
    let source = ok(
        &["consume", &file, "-e", "--format", "{timestamp}", "-q"],
        b"",
    );
    let out = format!("{r}/{}", key("cli-relay"));
    ok(
        &["relay", &file, &out, "-e", "--keep-timestamps", "-q"],
        b"",
    );
    let copied = ok(
        &["consume", &out, "-e", "--format", "{timestamp}", "-q"],
        b"",
    );
    assert_eq!(copied.stdout, source.stdout);
    let back = ok(&["relay", &out, "stdio:///o", "-e", "-q"], b"");
    assert_eq!(back.stdout.lines().count(), 3);
    let bench = ok(&["bench", &r, "--count", "300", "--size", "32"], b"");
    assert!(
        bench.stdout.contains("consume: 300 messages of 32 bytes"),
        "{}",
        bench.stdout
    );
}

#[test]
fn foreign_entries_are_skipped_with_a_warning_or_delivered_as_json() {
    let Some(r) = redis() else { return };
    let k = key("cli-foreign");
    let url = format!("{r}/{k}");
    let mut admin = redis::Client::open(r.as_str())
        .and_then(|c| c.get_connection())
        .expect("admin connection");
    let mut xadd = |fields: &[(&str, &str)]| {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&k).arg("*");
        for (name, value) in fields {
            cmd.arg(*name).arg(*value);
        }
        let _: String = cmd.query(&mut admin).expect("XADD");
    };
    xadd(&[("id", "1"), ("amount", "20")]);
    ok(&["produce", &url, "--payload", "ours"], b"");
    // the last entry is foreign: -e must still end
    xadd(&[("id", "2")]);
    let skipped = ok(&["consume", &url, "-e", "--format", "raw", "-q"], b"");
    assert_eq!(skipped.stdout, "ours\n");
    assert_eq!(
        skipped.stderr.matches("without the `msg` field").count(),
        1,
        "one warning: {}",
        skipped.stderr
    );
    let json = ok(
        &[
            "consume",
            &url,
            "-e",
            "--foreign-as-json",
            "--format",
            "raw",
            "-q",
        ],
        b"",
    );
    assert_eq!(
        json.stdout,
        "{\"id\":\"1\",\"amount\":\"20\"}\nours\n{\"id\":\"2\"}\n"
    );
    assert!(!json.stderr.contains("without the"), "{}", json.stderr);
}
