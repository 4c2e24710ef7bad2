//! Metrics on against off (issue #13): file and Redis, produce and consume, N messages of
//! 256 bytes, with a Prometheus recorder (metrics-exporter-prometheus, no HTTP listener)
//! recording every producer's and consumer's metrics in the "on" rounds and nothing in the
//! "off" rounds, in the same process and run.
//!
//! One recorder is installed for the whole run: a switch that hands out the Prometheus
//! recorder's handles while on and no-op handles (what the `metrics` facade gives without a
//! recorder) while off. Handles are registered when a producer or consumer is created (or
//! first sees a stream key), so each round creates its own, after setting the switch. Each
//! workload runs rounds of one off and one on run, back to back, alternating which goes
//! first; the table gives the median rates and the median of the rounds' on ÷ off ratios
//! (each ratio compares two runs made under the same machine load; the issue asks for at
//! least 0.97).
//!
//! Run with `cargo bench -p sea-streamer --bench observe -- --messages 100000 --rounds 10`
//! (the defaults); Redis rows need `SEA_STREAMER_TEST_REDIS`.
//!
//! A single-run mode for instruction counting (valgrind's callgrind does not depend on the
//! machine's load): `--only WORKLOAD --metrics on|off` runs just that workload (`file-produce`,
//! `file-consume`, `redis-produce` or `redis-consume`) with recording in that one state, once
//! per round; the other workloads and their set-up are skipped.
#![allow(clippy::print_stdout)]

mod common;

use common::file::Finish;
use common::{rate, service_url, REDIS_VAR};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::runtime::Runtime;

const DEFAULT_MESSAGES: u64 = 100_000;
const DEFAULT_ROUNDS: usize = 10;

/// The run's recorder: Prometheus' handles while on, no-op handles while off.
struct Switch {
    on: AtomicBool,
    prometheus: PrometheusRecorder,
}

impl Recorder for Switch {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.prometheus.describe_counter(key, unit, description)
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.prometheus.describe_gauge(key, unit, description)
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.prometheus.describe_histogram(key, unit, description)
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        if self.on.load(Ordering::SeqCst) {
            self.prometheus.register_counter(key, metadata)
        } else {
            Counter::noop()
        }
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        if self.on.load(Ordering::SeqCst) {
            self.prometheus.register_gauge(key, metadata)
        } else {
            Gauge::noop()
        }
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        if self.on.load(Ordering::SeqCst) {
            self.prometheus.register_histogram(key, metadata)
        } else {
            Histogram::noop()
        }
    }
}

/// Installs the switch (off) and returns it with the Prometheus handle; a thread runs the
/// recorder's upkeep every 5 s, as the exporter's own task does.
fn install() -> (&'static Switch, PrometheusHandle) {
    let prometheus = PrometheusBuilder::new().build_recorder();
    let handle = prometheus.handle();
    let switch: &'static Switch = Box::leak(Box::new(Switch {
        on: AtomicBool::new(false),
        prometheus,
    }));
    metrics::set_global_recorder(switch).expect("the only recorder of this process");
    let upkeep = handle.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(5));
        upkeep.run_upkeep();
    });
    (switch, handle)
}

/// The number after `--name` (or in `--name=N`), or `default`.
fn number_arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = format!("--{name}");
    let found = args.iter().enumerate().find_map(|(i, arg)| {
        if *arg == flag {
            args.get(i + 1).cloned()
        } else {
            arg.strip_prefix(&format!("{flag}=")).map(str::to_owned)
        }
    });
    found.map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{flag} expects a number, got `{v}`"))
    })
}

/// The word after `--name` (or in `--name=WORD`), if given.
fn word_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = format!("--{name}");
    args.iter().enumerate().find_map(|(i, arg)| {
        if *arg == flag {
            args.get(i + 1).cloned()
        } else {
            arg.strip_prefix(&format!("{flag}=")).map(str::to_owned)
        }
    })
}

fn median(mut rates: Vec<f64>) -> f64 {
    if rates.is_empty() {
        return f64::NAN;
    }
    rates.sort_by(f64::total_cmp);
    let mid = rates.len() / 2;
    if rates.len().is_multiple_of(2) {
        (rates[mid - 1] + rates[mid]) / 2.0
    } else {
        rates[mid]
    }
}

/// One row: the median off and on rates of alternating rounds of `round(on)`, and the
/// median of the rounds' on ÷ off ratios.
struct Row {
    what: String,
    off: f64,
    on: f64,
    ratio: f64,
}

/// The bench's settings: messages per run, rounds per workload, and the single-run mode's
/// workload and recording state (`--only`, `--metrics`).
#[derive(Clone)]
struct Settings {
    n: u64,
    rounds: usize,
    only: Option<String>,
    state: Option<bool>,
}

impl Settings {
    /// Whether the workload `what` ("file produce") runs: all do unless `--only` names one.
    fn runs(&self, what: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.replace('-', " ") == what)
    }
}

fn compare<F, Fut>(rt: &Runtime, switch: &Switch, settings: &Settings, what: &str, round: F) -> Row
where
    F: Fn(bool) -> Fut,
    Fut: Future<Output = Duration>,
{
    let n = settings.n;
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for r in 0..settings.rounds {
        let order: &[bool] = match settings.state {
            Some(ref state) => std::slice::from_ref(state),
            None if r % 2 == 0 => &[false, true],
            None => &[true, false],
        };
        for &metrics_on in order {
            switch.on.store(metrics_on, Ordering::SeqCst);
            let elapsed = rt.block_on(round(metrics_on));
            let per_sec = rate(n, elapsed);
            eprintln!(
                "[observe] {what} round {r} metrics {}: {per_sec:.0} msg/s",
                if metrics_on { "on" } else { "off" }
            );
            if metrics_on { &mut on } else { &mut off }.push(per_sec);
        }
    }
    switch.on.store(false, Ordering::SeqCst);
    let ratios = on.iter().zip(&off).map(|(on, off)| on / off).collect();
    Row {
        what: what.to_owned(),
        off: median(off),
        on: median(on),
        ratio: median(ratios),
    }
}

fn main() {
    let settings = Settings {
        n: number_arg("messages", DEFAULT_MESSAGES),
        rounds: number_arg("rounds", DEFAULT_ROUNDS as u64) as usize,
        only: word_arg("only"),
        state: word_arg("metrics").map(|v| match v.as_str() {
            "on" => true,
            "off" => false,
            _ => panic!("--metrics expects on or off, got `{v}`"),
        }),
    };
    let n = settings.n;
    let (switch, handle) = install();
    let rt = common::runtime();
    let dir = tempfile::tempdir().expect("temporary directory");
    let payload = common::payload();
    let mut rows = Vec::new();

    let produced = std::sync::atomic::AtomicU64::new(0);
    if settings.runs("file produce") {
        rows.push(compare(&rt, switch, &settings, "file produce", |_| {
            let path = dir
                .path()
                .join(format!("p{}.ss", produced.fetch_add(1, Ordering::Relaxed)));
            let payload = payload.clone();
            async move { common::file::produce(&path, n, &payload, Finish::Flush).await }
        }));
    }
    if settings.runs("file consume") {
        let filled = dir.path().join("filled.ss");
        rt.block_on(common::file::build(&filled, n, &payload));
        rows.push(compare(&rt, switch, &settings, "file consume", |_| {
            common::file::consume(&filled, n)
        }));
    }

    match service_url(REDIS_VAR) {
        Some(_) if !settings.runs("redis produce") && !settings.runs("redis consume") => (),
        Some(url) => {
            let streamer = rt.block_on(common::redis::connect(&url));
            if settings.runs("redis produce") {
                rows.push(compare(&rt, switch, &settings, "redis produce", |_| {
                    let (streamer, payload, url) = (&streamer, payload.clone(), &url);
                    async move {
                        let key = common::redis::new_key("observe-produce");
                        let mut producer = common::redis::producer(streamer).await;
                        let elapsed =
                            common::redis::produce(&mut producer, &key, n, &payload).await;
                        common::redis::redis_cli_del(url, key.name());
                        elapsed
                    }
                }));
            }
            if settings.runs("redis consume") {
                let key = common::redis::new_key("observe-consume");
                rt.block_on(async {
                    let mut producer = common::redis::producer(&streamer).await;
                    common::redis::produce(&mut producer, &key, n, &payload).await;
                });
                rows.push(compare(&rt, switch, &settings, "redis consume", |_| {
                    common::redis::consume(&streamer, &key, n)
                }));
                common::redis::redis_cli_del(&url, key.name());
            }
        }
        None => eprintln!("[observe] redis: skipped ({REDIS_VAR} is not set)"),
    }

    println!(
        "\nmetrics on vs off, {n} messages of 256 bytes, {} rounds per workload\n",
        settings.rounds
    );
    println!(
        "| workload | off msgs/s (median) | on msgs/s (median) | on ÷ off (median of rounds) |"
    );
    println!("|---|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {:.0} | {:.0} | {:.3} |",
            row.what, row.off, row.on, row.ratio
        );
    }
    // what the "on" rounds recorded (the Prometheus text of the recorder); the single-run
    // mode skips it, so an instruction count holds the workload and not a scrape
    if settings.only.is_some() {
        return;
    }
    let text = handle.render();
    println!("\nrecorded while on:");
    for line in text.lines().filter(|l| l.contains("_messages_total")) {
        println!("    {line}");
    }
}
