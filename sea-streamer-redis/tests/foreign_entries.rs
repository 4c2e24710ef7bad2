//! Entries that sea-streamer did not write (no `msg` field, e.g. `XADD s * id 1 amount 20`),
//! mixed with sea-streamer's own: skipped with one warning per stream by default, delivered in
//! order as JSON objects with `ForeignEntries::AsJson`; on the RealTime read path and the
//! group (`XREADGROUP`) path.
//!
//! This file installs its own logger (the warnings are part of the behaviour), so it is a
//! test binary of its own.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::fixture::{realtime_earliest, resumable, Fixture};
use common::{next, url};
use sea_streamer_redis::{ForeignEntries, RedisConsumerOptions};
use sea_streamer_types::{Buffer, Message};
use std::sync::{Mutex, Once};

/// The warnings logged by this crate so far.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, meta: &log::Metadata<'_>) -> bool {
        meta.level() <= log::Level::Warn
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.level() == log::Level::Warn && record.target().starts_with("sea_streamer_redis") {
            WARNINGS.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

/// Record warnings (before anything else sets a logger).
fn capture() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).expect("the first logger");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

/// The warnings that mention `text`.
fn warnings_about(text: &str) -> Vec<String> {
    let all = WARNINGS.lock().unwrap();
    all.iter().filter(|w| w.contains(text)).cloned().collect()
}

/// Writes, in this order: a foreign entry, `1`, a foreign entry, `2`, a foreign entry with a
/// binary value, `3`. The JSON payloads the foreign entries are delivered as.
async fn mixed_entries(url: &str, f: &Fixture) -> [String; 3] {
    let mut admin = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("admin connection");
    let key = f.stream.name();
    let mut xadd = |fields: &[(&str, &[u8])]| {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(key).arg("*");
        for (name, value) in fields {
            cmd.arg(*name).arg(*value);
        }
        let _: String = cmd.query(&mut admin).expect("XADD");
    };
    xadd(&[("id", b"1"), ("amount", b"20")]);
    f.send_numbers(1..2).await;
    xadd(&[("note", "süß \"quoted\"".as_bytes())]);
    f.send_numbers(2..3).await;
    xadd(&[("blob", b"\xff\x00\x01"), ("n", b"3")]);
    f.send_numbers(3..4).await;
    [
        r#"{"id":"1","amount":"20"}"#.to_owned(),
        r#"{"note":"süß \"quoted\""}"#.to_owned(),
        r#"{"blob":{"base64":"/wAB"},"n":"3"}"#.to_owned(),
    ]
}

async fn skipped_with_one_warning(options: RedisConsumerOptions) {
    capture();
    let Some(url) = url() else { return };
    let f = Fixture::new(&url, "foreign").await;
    mixed_entries(&url, &f).await;
    let consumer = f.consumer(options).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let m = next(&consumer).await;
        got.push(m.message().as_str().expect("utf8").to_owned());
    }
    // the foreign entries came before and between these: delivered, they would be here
    assert_eq!(got, ["1", "2", "3"]);
    let name = format!("`{}`", f.stream.name());
    let warned = warnings_about(&name);
    assert_eq!(warned.len(), 1, "one warning for the stream: {warned:?}");
    assert!(
        warned[0].contains("`msg`"),
        "names the field: {}",
        warned[0]
    );
}

async fn delivered_as_json(mut options: RedisConsumerOptions) {
    capture();
    let Some(url) = url() else { return };
    let f = Fixture::new(&url, "foreign_json").await;
    let json = mixed_entries(&url, &f).await;
    options.set_foreign_entries(ForeignEntries::AsJson);
    let consumer = f.consumer(options).await;
    let mut got = Vec::new();
    let mut sequences = Vec::new();
    for _ in 0..6 {
        let m = next(&consumer).await;
        got.push(m.message().as_str().expect("utf8").to_owned());
        sequences.push(m.sequence());
    }
    let [a, b, c] = json;
    assert_eq!(got, [a, "1".into(), b, "2".into(), c, "3".into()]);
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    assert!(warnings_about(&format!("`{}`", f.stream.name())).is_empty());
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn realtime_skips_foreign_entries_with_one_warning() {
    skipped_with_one_warning(realtime_earliest()).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_skips_foreign_entries_with_one_warning() {
    skipped_with_one_warning(resumable("foreign")).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn realtime_delivers_foreign_entries_as_json() {
    delivered_as_json(realtime_earliest()).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn group_delivers_foreign_entries_as_json() {
    delivered_as_json(resumable("foreign_json")).await;
}
