//! `sea` observed from outside (issue #13): `--metrics-addr` scraped over HTTP while a real
//! relay runs (file to file, Redis to Redis: the counters reach the number of messages and
//! the lag gauge returns to 0), and a trace joining two processes over Redis
//! (`sea produce --trace` and `sea consume --trace`, their `--trace-events` collected).

mod common;
use common::*;
use sea_streamer_conformance::prometheus::{free_addr, poll_until, sample};
use std::process::{Child, Command, Stdio};

fn redis() -> Option<String> {
    sea_streamer_conformance::service_url("SEA_STREAMER_TEST_REDIS")
        .map(|u| u.trim_end_matches('/').to_owned())
}

/// A `sea` process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_sea(args: &[&str]) -> Running {
    Running(
        Command::new(env!("CARGO_BIN_EXE_sea"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn sea"),
    )
}

#[test]
fn relay_file_to_file_serves_its_counters() {
    let dir = tempfile::tempdir().unwrap();
    let n = 500;
    let input = format!("file://{}/in.ss/events", dir.path().display());
    let output = format!("file://{}/out.ss/copied", dir.path().display());
    let count = n.to_string();
    ok(
        &[
            "produce",
            &input,
            "--payload",
            "hello",
            "--count",
            &count,
            "-q",
        ],
        b"",
    );
    let addr = free_addr();
    let _relay = spawn_sea(&["relay", &input, &output, "-q", "--metrics-addr", &addr]);
    let want = n as f64;
    poll_until(&addr, "file relay counters", |text| {
        let consumed = sample(
            text,
            "sea_streamer_consumer_messages_total",
            &[("backend", "file"), ("stream", "events")],
        );
        let produced = sample(
            text,
            "sea_streamer_producer_messages_total",
            &[("backend", "file"), ("stream", "copied")],
        );
        let bytes = sample(
            text,
            "sea_streamer_consumer_bytes_total",
            &[("backend", "file"), ("stream", "events")],
        );
        let lag = sample(
            text,
            "sea_streamer_consumer_lag",
            &[("backend", "file"), ("stream", "events")],
        );
        consumed == Some(want)
            && produced == Some(want)
            && bytes == Some(want * 5.0)
            && lag == Some(0.0)
    });
}

#[test]
fn relay_redis_to_redis_serves_counters_and_lag_back_to_zero() {
    let Some(r) = redis() else { return };
    let (from, to) = (key("cli-observe-in"), key("cli-observe-out"));
    let (input, output) = (format!("{r}/{from}"), format!("{r}/{to}"));
    let n = 1000;
    let count = n.to_string();
    // a backlog first: the relay starts behind it
    ok(
        &[
            "produce",
            &input,
            "--payload",
            "hello",
            "--count",
            &count,
            "-q",
        ],
        b"",
    );
    let addr = free_addr();
    let _relay = spawn_sea(&["relay", &input, &output, "-q", "--metrics-addr", &addr]);
    let want = n as f64;
    let text = poll_until(&addr, "redis relay counters and lag 0", |text| {
        let consumed = sample(
            text,
            "sea_streamer_consumer_messages_total",
            &[("backend", "redis"), ("stream", &from)],
        );
        let produced = sample(
            text,
            "sea_streamer_producer_messages_total",
            &[("backend", "redis"), ("stream", &to)],
        );
        let lag = sample(
            text,
            "sea_streamer_consumer_lag",
            &[("backend", "redis"), ("stream", &from)],
        );
        consumed == Some(want) && produced == Some(want) && lag == Some(0.0)
    });
    assert_eq!(
        sample(
            &text,
            "sea_streamer_producer_in_flight",
            &[("backend", "redis"), ("stream", &to)]
        ),
        Some(0.0),
        "every receipt arrived"
    );
}

/// The `sea_streamer.*` events a run printed with `--trace-events`.
fn events(stderr: &str, name: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == name)
        .collect()
}

#[test]
fn a_trace_joins_producer_and_consumer_processes_over_redis() {
    let Some(r) = redis() else { return };
    let url = format!("{r}/{}", key("cli-trace"));
    let produced = ok(
        &["produce", &url, "--trace", "--trace-events", "-q"],
        b"one\ntwo\n",
    );
    let sent = events(&produced.stderr, "sea_streamer.produce");
    assert_eq!(sent.len(), 2, "{}", produced.stderr);
    let consumed = ok(
        &[
            "consume",
            &url,
            "-e",
            "--trace",
            "--trace-events",
            "--format",
            "raw",
            "-q",
        ],
        b"",
    );
    assert_eq!(consumed.stdout, "one\ntwo\n");
    let received = events(&consumed.stderr, "sea_streamer.consume");
    assert_eq!(received.len(), 2, "{}", consumed.stderr);
    for (p, c) in sent.iter().zip(&received) {
        assert_eq!(p["parent_id"], "", "a new trace: {p}");
        assert_eq!(p["trace_id"].as_str().unwrap().len(), 32, "{p}");
        assert_eq!(c["trace_id"], p["trace_id"], "{c} continues {p}");
        assert_eq!(c["parent_id"], p["span_id"], "{c} is a child of {p}");
    }
    assert_ne!(
        sent[0]["trace_id"], sent[1]["trace_id"],
        "one trace per message"
    );
    // without --trace: no header, no event
    let plain = ok(&["consume", &url, "-e", "--trace-events", "-q"], b"");
    assert!(events(&plain.stderr, "sea_streamer.consume").is_empty());
}
