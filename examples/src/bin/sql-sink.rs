//! `sql-sink`: persists a stream of spreads into SQLite, exactly once.
//!
//! ```sh
//! sql-sink --input file://./spreads.ss/spreads --database spreads.db
//! sql-sink --input redis://localhost:6379/spreads --database spreads.db \
//!   --dead-letter redis://localhost:6379/spreads-dead
//! sqlite3 spreads.db 'SELECT COUNT(*) FROM event'
//! ```

use clap::Parser;
use sea_streamer::{Producer, StreamUrl};
use sea_streamer_examples::{
    cli::StartFrom,
    endpoint::{open_consumer, open_producer},
    runner::{shutdown_signal, RunnerArgs},
    sql_position::resume,
    sql_sink::{open_database, run_sql_sink},
};
use std::path::PathBuf;

/// Consume a stream of spreads (as written by price-feed) and insert each into the SQLite
/// table `event` (id, timestamp, bid, ask, bid_vol, ask_vol), created if missing.
///
/// Exactly once: each row is inserted in one transaction with the position of its message
/// (table `consumed`: stream key, shard, next sequence number), and a restarted sink
/// continues after the stored positions, so a crash at any moment neither loses nor repeats
/// a row. A message that is not a spread goes to --dead-letter with the parse error
/// (without it, the sink stops there).
///
/// Stops after --count messages, when a file:// input has ended, or on SIGINT/SIGTERM
/// (finishing the message in flight).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream of spreads, e.g. file://./spreads.ss/spreads or redis://localhost:6379/spreads
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// SQLite database file (created if missing)
    #[arg(long, value_name = "PATH")]
    database: PathBuf,
    /// Stream (one key) for messages that are not spreads
    #[arg(long, value_name = "URL")]
    dead_letter: Option<StreamUrl>,
    /// Where to start reading the input when the database has no position for it
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
    #[command(flatten)]
    runner: RunnerArgs,
    #[command(flatten)]
    metrics: sea_streamer_examples::observe::MetricsArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let mut args = Args::parse();
    args.metrics.serve()?;
    args.runner.metrics_labels = Some((
        sea_streamer_examples::observe::backend_label(&args.input),
        None,
    ));
    let shutdown = shutdown_signal();
    // (tests wait for this line before they send a signal)
    eprintln!("sql-sink: running, pid {}", std::process::id());
    let pool = open_database(&args.database).await?;
    let (_streamer, mut consumer) = open_consumer(&args.input, args.from).await?;
    let earliest = args.from == StartFrom::Earliest;
    resume(&mut consumer, args.input.stream_keys(), &pool, earliest).await?;
    let dead_letter = match &args.dead_letter {
        Some(url) => {
            let (streamer, producer) = open_producer(url).await?;
            Some((streamer, producer, url.stream_key()?))
        }
        None => None,
    };
    let target = dead_letter.as_ref().map(|(_, p, k)| (p.clone(), k.clone()));
    let summary = sea_streamer_examples::with_ack_consumer!(consumer, |c| {
        run_sql_sink(c, &pool, target, &args.runner, shutdown).await?
    });
    if let Some((_, producer, _)) = dead_letter {
        producer.end().await?;
    }
    pool.close().await;
    eprintln!(
        "sql-sink: inserted {} row(s) into {} ({} already stored, {} dead-lettered)",
        summary.inserted,
        args.database.display(),
        summary.skipped,
        summary.runner.dead_lettered
    );
    Ok(())
}
