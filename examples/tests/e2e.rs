//! End to end, offline: the local feed server replays the recorded feed -> `price-feed` ->
//! a stream of spreads -> `sql-sink` (SQLite) and `aggregator` (moving averages over sliding
//! windows) -> a stream of averages; on the file backend (temporary `.ss` files) and on Redis
//! (`SEA_STREAMER_TEST_REDIS`, skipped when unset).
//!
//! Everything ends by itself: the server closes after replaying to its one client, the price
//! feed then ends its producer; on the file backend that writes an end-of-stream mark which
//! stops the consumers, on Redis the consumers stop after the number of spreads in the
//! recording.

use sea_streamer::{Producer, StreamUrl};
use sea_streamer_conformance::{random_key, service_url};
use sea_streamer_examples::{
    cli::StartFrom,
    endpoint::{next_or_end, open_consumer, open_producer},
    kraken::{parse_feed_message, FeedMessage},
    moving_average::{run_aggregator, Average, WindowSpec},
    price_feed::{run_price_feed, FeedOptions},
    replay::{load_recording, serve},
    runner::RunnerArgs,
    spread::{format_timestamp, Spread},
    sql_sink::{open_database, run_sql_sink},
};
use sqlx::Row;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

const WINDOW: Duration = Duration::from_secs(4);
const SLIDE: Duration = Duration::from_secs(1);

fn recording() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/spreads.jsonl");
    load_recording(&path).expect("the recorded feed")
}

/// The spreads of the recording, read straight from the file.
fn recorded_spreads(lines: &[String]) -> (Vec<Spread>, u64) {
    let mut spreads = Vec::new();
    let mut heartbeats = 0;
    for line in lines {
        match parse_feed_message(line).expect("a valid recording") {
            FeedMessage::Heartbeat => heartbeats += 1,
            FeedMessage::Spread(s) => spreads.push(s),
            FeedMessage::SystemStatus(_) | FeedMessage::SubscriptionStatus(_) => {}
        }
    }
    (spreads, heartbeats)
}

/// The moving averages computed the plain way: every whole second `k` starts a window
/// `[k, k + 4 s)`; a spread quoted in second `k` is in the windows starting at `k - 3` to
/// `k`. Each window's mid prices are summed in stream order. Sorted by window end, then
/// pair: (pair, start, end, average, samples), times in whole seconds.
fn expected_averages(spreads: &[Spread]) -> Vec<(String, i64, i64, f64, u64)> {
    assert_eq!((WINDOW.as_secs(), SLIDE.as_secs()), (4, 1));
    let mut windows: BTreeMap<(i64, String), Vec<f64>> = BTreeMap::new();
    for s in spreads {
        let second = s.timestamp.unix_timestamp();
        for start in second - 3..=second {
            windows
                .entry((start + 4, s.pair.clone()))
                .or_default()
                .push((s.bid + s.ask) / 2.0);
        }
    }
    windows
        .into_iter()
        .map(|((end, pair), mids)| {
            let sum: f64 = mids.iter().sum();
            (
                pair,
                end - 4,
                end,
                sum / mids.len() as f64,
                mids.len() as u64,
            )
        })
        .collect()
}

/// Runs the whole pipeline from `spreads_url` to `averages_url`; consumers stop after
/// `count` messages, or at the end of the stream when `None`.
async fn pipeline(spreads_url: &str, averages_url: &str, count: Option<u64>) {
    let spreads_url: StreamUrl = spreads_url.parse().unwrap();
    let averages_url: StreamUrl = averages_url.parse().unwrap();
    let lines = recording();
    let (spreads, heartbeats) = recorded_spreads(&lines);
    assert!(heartbeats > 0, "the recording has heartbeats mixed in");
    let n = spreads.len() as u64;
    if let Some(count) = count {
        assert_eq!(count, n);
    }

    // the feed server, on a free loopback port, for one client
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let feed_url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(serve(listener, Arc::new(lines), Duration::ZERO, Some(1)));

    // every consumer exists before the first message is produced
    let (_s1, sink_consumer) = open_consumer(&spreads_url, StartFrom::Earliest)
        .await
        .unwrap();
    let (_s2, aggregator_consumer) = open_consumer(&spreads_url, StartFrom::Earliest)
        .await
        .unwrap();
    let (_s3, averages_consumer) = open_consumer(&averages_url, StartFrom::Earliest)
        .await
        .unwrap();
    let (_s4, averages_producer) = open_producer(&averages_url).await.unwrap();
    let db_dir = tempfile::tempdir().unwrap();
    let pool = open_database(&db_dir.path().join("spreads.db"))
        .await
        .unwrap();

    let sink = {
        let pool = pool.clone();
        let mut sink_consumer = sink_consumer;
        tokio::spawn(async move {
            let args = RunnerArgs {
                count,
                ..RunnerArgs::default()
            };
            let summary = sea_streamer_examples::with_ack_consumer!(sink_consumer, |c| {
                run_sql_sink(c, &pool, None, &args, std::future::pending()).await?
            });
            anyhow::Ok(summary.inserted)
        })
    };
    let spec = WindowSpec::sliding(WINDOW, SLIDE).unwrap();
    let aggregator = tokio::spawn(async move {
        let produced =
            run_aggregator(&aggregator_consumer, &averages_producer, spec, count).await?;
        averages_producer.end().await?;
        anyhow::Ok(produced)
    });

    let (_s5, feed_producer) = open_producer(&spreads_url).await.unwrap();
    let stats = run_price_feed(&FeedOptions::new(feed_url), &feed_producer)
        .await
        .unwrap();
    feed_producer.end().await.unwrap();
    server.await.unwrap().unwrap();
    assert_eq!(stats.spreads, n);
    assert_eq!(stats.heartbeats, heartbeats);

    // SQLite: one row per spread, with the values of the feed
    assert_eq!(sink.await.unwrap().unwrap(), n);
    let count_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count_rows as u64, n);
    let rows =
        sqlx::query("SELECT id, timestamp, bid, ask, bid_vol, ask_vol FROM event ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    for (row, spread) in rows.iter().zip(&spreads) {
        assert_eq!(
            row.get::<String, _>("timestamp"),
            format_timestamp(&spread.timestamp)
        );
        assert_eq!(row.get::<f64, _>("bid"), spread.bid);
        assert_eq!(row.get::<f64, _>("ask"), spread.ask);
        assert_eq!(row.get::<f64, _>("bid_vol"), spread.bid_vol);
        assert_eq!(row.get::<f64, _>("ask_vol"), spread.ask_vol);
    }
    pool.close().await;

    // the averages stream: one average per pair and window, equal to the plain computation
    let expected = expected_averages(&spreads);
    assert_eq!(aggregator.await.unwrap().unwrap(), expected.len() as u64);
    let mut averages = Vec::new();
    while averages.len() < expected.len() {
        let Some(message) = next_or_end(&averages_consumer).await.unwrap() else {
            break;
        };
        use sea_streamer::{Buffer, Message};
        let text = message.message().as_str().unwrap().to_owned();
        averages.push(serde_json::from_str::<Average>(&text).unwrap());
    }
    if count.is_none() {
        // a file ends after the last average
        assert!(next_or_end(&averages_consumer).await.unwrap().is_none());
    }
    assert_eq!(averages.len(), expected.len());
    for (average, (pair, start, end, value, samples)) in averages.iter().zip(&expected) {
        assert_eq!(&average.pair, pair);
        assert_eq!(average.start.unix_timestamp(), *start);
        assert_eq!(average.end.unix_timestamp(), *end);
        assert_eq!(average.average, *value, "average of {pair} at {start}");
        assert_eq!(average.samples, *samples);
    }
    assert!(
        expected.iter().any(|(_, _, _, _, samples)| *samples > 1),
        "a window holds several spreads at times"
    );
    assert_eq!(
        expected.iter().map(|e| e.4).sum::<u64>(),
        4 * n,
        "each spread is in 4 windows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_feed_pipeline_on_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().display();
    pipeline(
        &format!("file://{dir}/spreads.ss/spreads"),
        &format!("file://{dir}/averages.ss/averages"),
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_feed_pipeline_on_redis() {
    let Some(redis) = service_url("SEA_STREAMER_TEST_REDIS") else {
        return;
    };
    let n = recorded_spreads(&recording()).0.len() as u64;
    pipeline(
        &format!("{redis}/{}", random_key("spreads")),
        &format!("{redis}/{}", random_key("averages")),
        Some(n),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_feed_stops_at_a_bad_message() {
    let dir = tempfile::tempdir().unwrap();
    let url: StreamUrl = format!("file://{}/spreads.ss/spreads", dir.path().display())
        .parse()
        .unwrap();
    let good = recording()
        .into_iter()
        .find(|l| l.starts_with('['))
        .unwrap();
    let lines = vec![
        good.clone(),
        r#"{"event":"heartbeat"}"#.to_owned(),
        r#"[352,["oops","1.2","1700000000.1","1","1"],"spread","GBP/USD"]"#.to_owned(),
        good,
    ];
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let feed_url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(serve(listener, Arc::new(lines), Duration::ZERO, Some(1)));

    let (_c, consumer) = open_consumer(&url, StartFrom::Earliest).await.unwrap();
    let (_p, producer) = open_producer(&url).await.unwrap();
    let err = run_price_feed(&FeedOptions::new(feed_url), &producer)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains(r#"["oops","#), "{err:#}");
    producer.end().await.unwrap();
    server.await.unwrap().unwrap();

    // what came before the bad message was streamed, nothing after it
    let mut streamed = 0;
    while next_or_end(&consumer).await.unwrap().is_some() {
        streamed += 1;
    }
    assert_eq!(streamed, 1);
}
