//! Crash tests of `sql-sink`: killed with SIGKILL at three seeded random points while it
//! stores the inputs, restarted each time; in the end the table holds exactly one row per
//! spread (none missing, none twice), and every message that is not a spread is in the
//! dead-letter stream. On files, Kafka (`SEA_STREAMER_TEST_KAFKA`) and Redis
//! (`SEA_STREAMER_TEST_REDIS`).
//!
//! The kill points are row counts (read from the database while the sink writes it):
//! `SEA_STREAMER_CRASH_SEED` picks them, `SEA_STREAMER_CRASH_MESSAGES` sets the number of
//! inputs.

mod crash_common;

use crash_common::{
    finish, kill9, kill_target, messages, seed, spawn, spawn_ready, terminate, Rng, WAIT,
};
use sea_streamer::file::{FileId, MessageSource, StreamMode};
use sea_streamer::{Buffer, Message, Producer, StreamUrl, Timestamp};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_examples::{
    cli::StartFrom,
    endpoint::{next_or_end, open_consumer, open_producer},
    spread::Spread,
    sql_sink::open_database,
};
use sea_streamer_processor::DeadLetter;
use sqlx::SqlitePool;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const SQL_SINK: &str = env!("CARGO_BIN_EXE_sql-sink");
const KILLS: usize = 3;
/// Every this many inputs one is not a spread.
const BAD_EVERY: u64 = 997;

fn is_bad(i: u64) -> bool {
    i % BAD_EVERY == BAD_EVERY - 1
}

/// Sends `n` messages to `url`: spreads whose bid is their number, and every
/// [`BAD_EVERY`]-th a payload that is not a spread; a file stream is ended. Returns the
/// number of spreads.
async fn produce_spreads(url: &StreamUrl, n: u64) -> u64 {
    let (_streamer, producer) = open_producer(url).await.unwrap();
    let at = Timestamp::from_unix_timestamp(1_700_000_000).unwrap();
    for i in 0..n {
        let payload = if is_bad(i) {
            format!("not a spread {i}")
        } else {
            Spread {
                pair: "XBT/USD".to_owned(),
                timestamp: at,
                bid: i as f64,
                ask: i as f64 + 0.5,
                bid_vol: 1.0,
                ask_vol: 2.0,
            }
            .to_json()
        };
        drop(producer.send(payload.as_str()).unwrap());
    }
    producer.end().await.unwrap();
    (0..n).filter(|&i| !is_bad(i)).count() as u64
}

async fn rows(pool: &SqlitePool) -> u64 {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event")
        .fetch_one(pool)
        .await
        .unwrap();
    n as u64
}

/// Waits until the table has at least `k` rows (polling the database the sink writes).
async fn reach(pool: &SqlitePool, k: u64) {
    let start = Instant::now();
    loop {
        let n = rows(pool).await;
        if n >= k {
            return;
        }
        assert!(start.elapsed() < WAIT, "{k} rows not reached: {n}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn sink_args(input: &str, database: &Path, dead: &str) -> Vec<String> {
    let database = database.to_str().unwrap();
    [
        "--input",
        input,
        "--database",
        database,
        "--dead-letter",
        dead,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The bids stored, checked to be exactly one row per spread.
async fn check_rows(pool: &SqlitePool, n: u64, spreads: u64) {
    let total = rows(pool).await;
    let bids: Vec<f64> = sqlx::query_scalar("SELECT bid FROM event")
        .fetch_all(pool)
        .await
        .unwrap();
    let distinct: BTreeSet<u64> = bids.iter().map(|b| *b as u64).collect();
    let expected: BTreeSet<u64> = (0..n).filter(|&i| !is_bad(i)).collect();
    let missing: Vec<&u64> = expected.difference(&distinct).take(20).collect();
    eprintln!(
        "  {total} rows, {} distinct, {} duplicates, {} missing",
        distinct.len(),
        total - distinct.len() as u64,
        expected.len() - expected.intersection(&distinct).count()
    );
    assert!(missing.is_empty(), "spreads without a row: {missing:?}");
    assert_eq!(total, spreads, "one row per spread, no duplicates");
    assert_eq!(distinct, expected);
}

/// The input number of a dead letter, checking its error and attempts.
fn bad_number(letter: &DeadLetter) -> u64 {
    let payload = String::from_utf8(letter.payload_bytes().unwrap()).unwrap();
    assert!(letter.error.contains("is not a spread"), "{}", letter.error);
    assert_eq!(letter.attempts, 1, "a parse error is not retried");
    payload.trim_start_matches("not a spread ").parse().unwrap()
}

/// Checks that every bad input is in the dead-letter streams (at least once): files are read
/// to their last complete message, a server stream until all are there.
async fn check_dead_letters(urls: &[String], n: u64) {
    let expected: BTreeSet<u64> = (0..n).filter(|&i| is_bad(i)).collect();
    let mut seen = BTreeSet::new();
    let mut letters = 0;
    for url in urls {
        if let Some(rest) = url.strip_prefix("file://") {
            let path = rest.rsplit_once('/').unwrap().0;
            let Ok(mut source) = MessageSource::new(FileId::new(path), StreamMode::Replay).await
            else {
                continue;
            };
            while let Ok(message) = source.next().await {
                let text = message.message.message().as_str().unwrap().to_owned();
                if let Ok(letter) = DeadLetter::from_json(&text) {
                    seen.insert(bad_number(&letter));
                    letters += 1;
                }
            }
            continue;
        }
        let (_streamer, consumer) = open_consumer(&url.parse().unwrap(), StartFrom::Earliest)
            .await
            .unwrap();
        while seen != expected {
            let message = tokio::time::timeout(WAIT, next_or_end(&consumer))
                .await
                .expect("dead letters in time")
                .unwrap()
                .unwrap_or_else(|| panic!("dead letters end early: {seen:?}"));
            let letter = DeadLetter::from_json(message.message().as_str().unwrap()).unwrap();
            seen.insert(bad_number(&letter));
            letters += 1;
        }
    }
    eprintln!("  {letters} dead letters for {} bad inputs", expected.len());
    assert_eq!(seen, expected, "every bad input is dead-lettered");
}

/// The scenario: kills at row counts, then a last run that ends by itself (file) or by
/// SIGTERM once every row is there.
async fn crash_sink(
    backend: &str,
    input: String,
    dead: impl Fn(usize) -> String,
    n: u64,
    ends: bool,
) {
    let input_url: StreamUrl = input.parse().unwrap();
    let spreads = produce_spreads(&input_url, n).await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("spreads.db");
    let pool = open_database(&database).await.unwrap();
    let args = |run: usize| sink_args(&input, &database, &dead(run));
    let points = Rng::new(seed()).kill_points(spreads, KILLS);
    for (run, point) in points.iter().enumerate() {
        let mut child = spawn(SQL_SINK, &args(run));
        reach(&pool, kill_target(*point, rows(&pool).await, spreads)).await;
        kill9(&mut child);
        eprintln!("killed at {} rows", rows(&pool).await);
    }
    let mut child = tokio::task::block_in_place(|| spawn_ready(SQL_SINK, &args(KILLS)));
    if ends {
        tokio::task::block_in_place(|| finish(&mut child));
    } else {
        reach(&pool, spreads).await;
        tokio::task::block_in_place(|| terminate(&mut child));
    }
    eprintln!("crash test, sql-sink on {backend}: {n} inputs ({spreads} spreads), killed at {points:?} rows");
    check_rows(&pool, n, spreads).await;
    let mut dead_urls: Vec<String> = (0..=KILLS).map(dead).collect();
    dead_urls.dedup();
    check_dead_letters(&dead_urls, n).await;
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_sink_exactly_once_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("file://{}/spreads.ss/spreads", dir.path().display());
    // a .ss file has one writer at a time, and a killed writer leaves no end mark: each run
    // writes its dead letters to a file of its own
    let dead = |run: usize| format!("file://{}/dead{run}.ss/dead", dir.path().display());
    let n = messages(20_000);
    crash_sink("file", input, dead, n, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_sink_exactly_once_on_redis() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let n = messages(20_000);
    let input = format!("{redis}/{}", random_key("sink-in"));
    let dead = format!("{redis}/{}", random_key("sink-dead"));
    crash_sink("redis", input, |_| dead.clone(), n, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_sink_exactly_once_on_kafka() {
    let Some(kafka) = service_url("SEA_STREAMER_TEST_KAFKA") else {
        return;
    };
    let n = messages(20_000);
    let input = format!("{kafka}/{}", random_key("sink-in"));
    let dead = format!("{kafka}/{}", random_key("sink-dead"));
    crash_sink("kafka", input, |_| dead.clone(), n, false).await;
}
