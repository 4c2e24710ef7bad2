//! `--metrics-addr` of the example programs, scraped over HTTP while they run on a real
//! Redis (issue #13): the processor's runner, consumer and producer counters reach the
//! number of messages, with the labels of its input (backend, stream, group).

use sea_streamer_conformance::prometheus::{free_addr, poll_until, sample};
use sea_streamer_conformance::{random_key, service_url};
use std::process::{Child, Command, Stdio};

/// A program killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn processor_on_redis_serves_its_counters() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let redis = redis.trim_end_matches('/');
    let (input_key, output_key) = (random_key("metrics-in"), random_key("metrics-out"));
    let input = format!("{redis}/{input_key}");
    let output = format!("{redis}/{output_key}");
    let n: u64 = 300;
    let produced = Command::new(env!("CARGO_BIN_EXE_tick-producer"))
        .args([
            "--output",
            &input,
            "--count",
            &n.to_string(),
            "--interval",
            "0s",
        ])
        .output()
        .unwrap();
    assert!(
        produced.status.success(),
        "{}",
        String::from_utf8_lossy(&produced.stderr)
    );
    let addr = free_addr();
    let _processor = Running(
        Command::new(env!("CARGO_BIN_EXE_processor"))
            .args(["--input", &input, "--output", &output, "--group", "metrics"])
            .args(["--concurrency", "4", "--metrics-addr", &addr])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let want = n as f64;
    let text = poll_until(&addr, "processor counters", |text| {
        let handled = sample(
            text,
            "sea_streamer_processor_handled_total",
            &[
                ("backend", "redis"),
                ("stream", &input_key),
                ("group", "metrics"),
            ],
        );
        let consumed = sample(
            text,
            "sea_streamer_consumer_messages_total",
            &[("backend", "redis"), ("stream", &input_key)],
        );
        let sent = sample(
            text,
            "sea_streamer_producer_messages_total",
            &[("backend", "redis"), ("stream", &output_key)],
        );
        handled == Some(want) && consumed == Some(want) && sent == Some(want)
    });
    // every message handled at its first attempt: no retry, no dead letter
    let labels = [("stream", input_key.as_str())];
    for name in [
        "sea_streamer_processor_retried_total",
        "sea_streamer_processor_dead_lettered_total",
    ] {
        assert_eq!(sample(&text, name, &labels).unwrap_or(0.0), 0.0, "{name}");
    }
    // the durations of one attempt in 8, the first included
    let timed = n.div_ceil(8) as f64;
    assert_eq!(
        sample(
            &text,
            "sea_streamer_processor_handler_seconds_count",
            &labels
        ),
        Some(timed),
        "one handler duration per 8 attempts:\n{text}"
    );
}
