//! `sea` without services: help, version, completions, usage and runtime exit codes, .ss
//! files (produce, consume in every format and from every position, decode, verify, info,
//! relay, bench, trim refusal, groups), stdio pipes and a closed stdout.

mod common;
use common::*;

fn file_url(dir: &tempfile::TempDir, file: &str, key: &str) -> String {
    format!("file://{}/{file}/{key}", dir.path().display())
}

#[test]
fn help_of_every_subcommand_mentions_its_options() {
    let cases: &[(&str, &[&str])] = &[
        (
            "produce",
            &[
                "--payload",
                "--count",
                "--interval",
                "--raw",
                "--max-in-flight",
                "--kafka-option",
            ],
        ),
        (
            "consume",
            &[
                "--from",
                "--count",
                "--exit-at-end",
                "--group",
                "--format",
                "ndjson",
                "{payload}",
            ],
        ),
        (
            "relay",
            &[
                "--keep-timestamps",
                "--from",
                "--exit-at-end",
                "--max-in-flight",
            ],
        ),
        ("decode", &["--format", "FILE"]),
        ("verify", &["--repair", "FILE"]),
        ("info", &["URL", "--kafka-option"]),
        ("trim", &["--maxlen"]),
        ("bench", &["--count", "--size"]),
        ("completions", &["SHELL", "bash"]),
    ];
    for (cmd, options) in cases {
        let run = ok(&[cmd, "--help"], b"");
        for option in *options {
            assert!(
                run.stdout.contains(option),
                "`sea {cmd} --help` lacks {option}:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("--quiet"), "{cmd}: --quiet is global");
    }
    let top = ok(&["--help"], b"");
    for cmd in [
        "produce",
        "consume",
        "relay",
        "decode",
        "verify",
        "info",
        "trim",
        "bench",
        "completions",
    ] {
        assert!(top.stdout.contains(cmd));
    }
}

#[test]
fn version_and_completions() {
    assert!(ok(&["--version"], b"").stdout.starts_with("sea "));
    let bash = ok(&["completions", "bash"], b"");
    assert!(bash.stdout.contains("consume") && bash.stdout.contains("--exit-at-end"));
    assert_eq!(sea(&["completions", "tcsh"], b"").code, 2);
}

#[test]
fn usage_errors_exit_2_and_list_valid_values() {
    assert_eq!(sea(&["consume"], b"").code, 2);
    assert_eq!(sea(&["frobnicate"], b"").code, 2);
    let run = sea(&["consume", "stdio:///k", "--format", "csv"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("log, ndjson, raw"), "{}", run.stderr);
    let run = sea(&["consume", "stdio:///k", "--from", "yesterday"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);
    let run = sea(&["produce", "stdio:///", "--payload", "x"], b"");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("names no stream"), "{}", run.stderr);
    let dir = tempfile::tempdir().unwrap();
    let run = sea(
        &[
            "relay",
            "stdio:///a",
            &file_url(&dir, "o.ss", "k"),
            "--keep-timestamps",
        ],
        b"x\n",
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run
        .stderr
        .contains("--keep-timestamps is not supported by the file output"));
    let run = sea(&["produce", "stdio:///k", "--interval", "5"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ns, us, ms, s, m"));
}

#[test]
fn runtime_errors_exit_1_once_with_the_address_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let missing = file_url(&dir, "missing.ss", "k");
    let run = sea(&["consume", &missing, "-e"], b"");
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "printed once: {}",
        run.stderr
    );
    assert!(run.stderr.starts_with("sea: error: "));
    assert!(
        run.stderr.contains(&dir.path().display().to_string()),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(" { "),
        "no Debug forms: {}",
        run.stderr
    );
    let run = sea(
        &["trim", &file_url(&dir, "a.ss", "k"), "--maxlen", "1"],
        b"",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("trim is not supported by file"),
        "{}",
        run.stderr
    );
    let run = sea(&["info", "stdio:///k"], b"");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("not supported by stdio"));
}

#[test]
fn file_round_trip_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "a.ss", "k");
    let produced = ok(&["produce", &url], b"one\ntwo\n[other] three\n");
    assert!(
        produced.stderr.contains("produced 3 messages"),
        "{}",
        produced.stderr
    );
    let both = file_url(&dir, "a.ss", "k,other");
    let nd = ok(&["consume", &both, "-e", "--format", "ndjson", "-q"], b"");
    let values = ndjson(&nd.stdout);
    assert_eq!(values.len(), 3);
    assert_eq!(values[0]["key"], "k");
    assert_eq!(values[0]["payload"], "one");
    assert_eq!(values[2]["key"], "other");
    assert!(values[0]["seq"].is_u64() && values[0]["shard"].is_u64());
    assert!(values[0]["timestamp"].as_str().unwrap().ends_with('Z'));
    let raw = ok(&["consume", &url, "-e", "--format", "raw", "-q"], b"");
    assert_eq!(raw.stdout, "one\ntwo\n");
    let log = ok(&["consume", &url, "-e", "-q"], b"");
    let lines: Vec<&str> = log.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with('[') && lines[0].ends_with("| k | 1 | 0] one"),
        "{}",
        lines[0]
    );
    let t = ok(
        &[
            "consume",
            &url,
            "-e",
            "--format",
            "{key}/{shard}/{seq}: {payload} {{}}",
            "-q",
        ],
        b"",
    );
    assert_eq!(t.stdout, "k/0/1: one {}\nk/0/2: two {}\n");
    let ts = ok(
        &["consume", &url, "-e", "--format", "{timestamp}", "-q"],
        b"",
    );
    assert_eq!(ts.stdout.lines().next(), values[0]["timestamp"].as_str());
    // The log format is the stdio input grammar: it feeds back into produce.
    let copy = file_url(&dir, "b.ss", "k");
    ok(&["produce", &copy, "-q"], log.stdout.as_bytes());
    assert_eq!(
        ok(&["consume", &copy, "-e", "--format", "raw", "-q"], b"").stdout,
        "one\ntwo\n"
    );
}

#[test]
fn ndjson_of_a_binary_payload_is_base64() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "bin.ss", "k");
    ok(&["produce", &url, "-q"], b"\xff\xfe\n");
    let nd = ok(&["consume", &url, "-e", "--format", "ndjson", "-q"], b"");
    let v = &ndjson(&nd.stdout)[0];
    assert!(v.get("payload").is_none());
    assert_eq!(v["payload_base64"], "//4=");
    let log = ok(&["consume", &url, "-e", "-q"], b"");
    assert!(log.stdout.contains("<2 bytes, not UTF-8>"));
}

#[test]
fn every_from_form_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "f.ss", "k");
    ok(&["produce", &url, "-q"], b"a\nb\nc\nd\n");
    let raw = |from: &str| {
        ok(
            &[
                "consume", &url, "-e", "--from", from, "--format", "raw", "-q",
            ],
            b"",
        )
        .stdout
    };
    assert_eq!(raw("start"), "a\nb\nc\nd\n");
    assert_eq!(raw("end"), "");
    assert_eq!(raw("3"), "c\nd\n");
    // A time before every message, and one after.
    assert_eq!(raw("2000-01-01T00:00:00Z"), "a\nb\nc\nd\n");
    assert_eq!(raw("2999-01-01T00:00:00Z"), "");
    let counted = ok(
        &[
            "consume", &url, "-e", "--count", "2", "--format", "raw", "-q",
        ],
        b"",
    );
    assert_eq!(counted.stdout, "a\nb\n");
}

#[test]
fn a_group_resumes_where_it_committed() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "g.ss", "k");
    ok(&["produce", &url, "-q"], b"1\n2\n3\n4\n5\n");
    let read = |n: &str| {
        ok(
            &[
                "consume", &url, "--group", "g", "--count", n, "--format", "raw", "-q",
            ],
            b"",
        )
        .stdout
    };
    assert_eq!(read("2"), "1\n2\n");
    assert_eq!(read("2"), "3\n4\n");
}

#[test]
fn stdio_input_ends_at_eof() {
    let run = ok(
        &["consume", "stdio:///k", "--format", "{key} {payload}", "-q"],
        b"[k] x\nplain\n",
    );
    assert_eq!(run.stdout, "k x\nbroadcast plain\n");
    // produce to stdout: the stdio output prints `[ts | key | seq] payload`
    let run = ok(&["produce", "stdio:///out", "-q"], b"hello\n");
    assert!(
        run.stdout.trim_end().ends_with("| out | 0] hello"),
        "{}",
        run.stdout
    );
    let run = ok(
        &[
            "produce",
            "stdio:///out",
            "--payload",
            "p",
            "--count",
            "3",
            "-q",
        ],
        b"",
    );
    assert_eq!(run.stdout.lines().count(), 3);
}

#[test]
fn relay_ends_with_a_finite_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = file_url(&dir, "r.ss", "k");
    let run = ok(&["relay", "stdio:///in", &out], b"x\ny\n");
    assert!(run.stderr.contains("relayed 2 messages"), "{}", run.stderr);
    let copy = file_url(&dir, "r2.ss", "k");
    ok(&["relay", &out, &copy, "-e", "-q"], b"");
    assert_eq!(
        ok(&["consume", &copy, "-e", "--format", "raw", "-q"], b"").stdout,
        "x\ny\n"
    );
    let to_stdout = ok(&["relay", &out, "stdio:///o", "-e", "-q"], b"");
    assert_eq!(to_stdout.stdout.lines().count(), 2);
    let run = sea(&["relay", &out, &out], b"");
    assert_eq!(run.code, 2);
}

#[test]
fn decode_verify_and_repair() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "d.ss", "k");
    let lines: String = (0..50).map(|i| format!("message number {i}\n")).collect();
    ok(&["produce", &url, "-q"], lines.as_bytes());
    let path = dir.path().join("d.ss");
    let path = path.to_str().unwrap();
    let nd = ok(&["decode", path, "--format", "ndjson", "-q"], b"");
    assert_eq!(payloads(&nd.stdout)[49], "message number 49");
    let raw = ok(&["decode", path, "--format", "raw"], b"");
    assert_eq!(raw.stdout, lines);
    assert!(raw.stderr.contains("decoded 50 messages"));
    let log = ok(&["decode", path, "-q"], b"");
    assert!(log.stdout.lines().all(|l| l.starts_with('[')));
    let v = ok(&["verify", path], b"");
    assert!(
        v.stdout.contains("frames:          50") && v.stdout.contains("OK"),
        "{}",
        v.stdout
    );
    let info = ok(&["info", &format!("file://{path}")], b"");
    assert!(
        info.stdout
            .contains("stream k shard 0: 50 messages, seq 1..50"),
        "{}",
        info.stdout
    );
    // Corrupt a payload byte in the middle: a checksum error, then valid frames.
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes
        .windows(17)
        .position(|w| w == b"message number 20")
        .unwrap();
    bytes[at] = b'M';
    std::fs::write(path, &bytes).unwrap();
    let bad = sea(&["verify", path], b"");
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stdout.contains("problem at byte"), "{}", bad.stdout);
    assert!(bad.stderr.contains("--repair"));
    let dec = sea(&["decode", path, "-q"], b"");
    assert_eq!(dec.code, 1, "{dec:?}");
    let fixed = ok(&["verify", path, "--repair"], b"");
    assert!(fixed.stdout.contains("repaired"), "{}", fixed.stdout);
    ok(&["verify", path], b"");
}

#[test]
fn bench_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "bench.ss", "b");
    let run = ok(&["bench", &url, "--count", "500", "--size", "64"], b"");
    assert!(
        run.stdout.contains("produce: 500 messages of 64 bytes"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("consume: 500 messages") && run.stdout.contains("MB/s"));
    assert_eq!(sea(&["bench", "stdio:///x"], b"").code, 2);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir, "p.ss", "k");
    let lines: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    ok(&["produce", &url, "-q"], lines.as_bytes());
    let path = format!("{}/p.ss", dir.path().display());
    for args in [
        vec!["consume", url.as_str(), "-e"],
        vec!["consume", url.as_str()],
        vec!["decode", path.as_str()],
        vec!["relay", url.as_str(), "stdio:///o", "-e"],
        vec![
            "produce",
            "stdio:///o",
            "--payload",
            "x",
            "--count",
            "1000000",
        ],
    ] {
        let (code, stderr) = close_stdout_after_one_line(&args);
        assert_eq!(code, 0, "sea {args:?}: {stderr}");
        assert_eq!(stderr, "", "sea {args:?}");
    }
}
