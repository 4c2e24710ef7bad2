//! `sql-sink`: persists a stream of spreads into SQLite.
//!
//! ```sh
//! sql-sink --input file://./spreads.ss/spreads --database spreads.db
//! sqlite3 spreads.db 'SELECT COUNT(*) FROM event'
//! ```

use clap::Parser;
use sea_streamer::StreamUrl;
use sea_streamer_examples::{
    cli::{parse_duration, StartFrom},
    endpoint::open_consumer,
    sql_sink::{open_database, run_sql_sink},
};
use std::path::PathBuf;
use std::time::Duration;

/// Consume a stream of spreads (as written by price-feed) and insert each into the SQLite
/// table `event` (id, timestamp, bid, ask, bid_vol, ask_vol, pair), created if missing.
/// Rows are inserted in batches, one transaction per batch.
///
/// Stops after --count messages, or when a file:// input has ended.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Stream of spreads, e.g. file://./spreads.ss/spreads or redis://localhost:6379/spreads
    #[arg(long, value_name = "URL")]
    input: StreamUrl,
    /// SQLite database file (created if missing)
    #[arg(long, value_name = "PATH")]
    database: PathBuf,
    /// Largest batch (rows per transaction)
    #[arg(long, default_value_t = 100)]
    batch_size: usize,
    /// Longest wait for a batch to fill after its first message
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    linger: Duration,
    /// Stop after this many messages (default: no limit)
    #[arg(long)]
    count: Option<u64>,
    /// Where to start reading the input
    #[arg(long, value_enum, default_value_t = StartFrom::Earliest)]
    from: StartFrom,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    env_logger::init();
    let args = Args::parse();
    let pool = open_database(&args.database).await?;
    let (_streamer, consumer) = open_consumer(&args.input, args.from).await?;
    let rows = run_sql_sink(&consumer, &pool, args.batch_size, args.linger, args.count).await?;
    pool.close().await;
    eprintln!(
        "sql-sink: inserted {rows} row(s) into {}",
        args.database.display()
    );
    Ok(())
}
