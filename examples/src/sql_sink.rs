//! From a stream of spreads into SQLite: the `sql-sink` example.
//!
//! Each spread becomes one row of the table `event`, created if missing:
//!
//! | Column | Type |
//! |---|---|
//! | `id` | `INTEGER PRIMARY KEY AUTOINCREMENT` |
//! | `timestamp` | `TEXT` ([`TIMESTAMP_FORMAT`](sea_streamer::TIMESTAMP_FORMAT), UTC) |
//! | `bid`, `ask`, `bid_vol`, `ask_vol` | `REAL` |
//! | `pair` | `TEXT` |
//!
//! Messages are consumed in batches ([`crate::batch`]) and each batch is inserted in one
//! transaction: one disk sync per batch instead of one per row.

use crate::batch::next_batch;
use crate::endpoint::Limit;
use crate::spread::{format_timestamp, Spread};
use anyhow::Context;
use sea_streamer::{Buffer, Message, SeaConsumer};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::path::Path;
use std::time::Duration;

/// The schema of the table `event`.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    bid REAL NOT NULL,
    ask REAL NOT NULL,
    bid_vol REAL NOT NULL,
    ask_vol REAL NOT NULL,
    pair TEXT NOT NULL
)";

/// Opens (creating it if missing) the SQLite database at `path` and creates the table
/// `event` if missing. One connection: SQLite has a single writer anyway.
pub async fn open_database(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    sqlx::query(SCHEMA).execute(&pool).await?;
    Ok(pool)
}

/// Inserts `spreads` in one transaction: all rows or none.
pub async fn insert_batch(pool: &SqlitePool, spreads: &[Spread]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for spread in spreads {
        sqlx::query(
            "INSERT INTO event (timestamp, bid, ask, bid_vol, ask_vol, pair) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(format_timestamp(&spread.timestamp))
        .bind(spread.bid)
        .bind(spread.ask)
        .bind(spread.bid_vol)
        .bind(spread.ask_vol)
        .bind(&spread.pair)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Consumes [`Spread`] messages and inserts them in batches of at most `batch_size`, each
/// batch closed after `linger` at the latest. Stops after `count` messages (`None`: no
/// limit) or at the end of the input. A message that is not a spread is an error (nothing
/// of its batch is inserted). Returns the number of rows inserted.
pub async fn run_sql_sink(
    consumer: &SeaConsumer,
    pool: &SqlitePool,
    batch_size: usize,
    linger: Duration,
    count: Option<u64>,
) -> anyhow::Result<u64> {
    anyhow::ensure!(batch_size > 0, "the batch size must be at least 1");
    let mut limit = Limit::new(count);
    while !limit.reached() {
        let max = match limit.remaining() {
            Some(left) => batch_size.min(usize::try_from(left).unwrap_or(usize::MAX)),
            None => batch_size,
        };
        let batch = next_batch(consumer, max, linger).await?;
        let spreads = batch
            .messages
            .iter()
            .map(|m| {
                let text = m.message().as_str()?.to_owned();
                Spread::from_json(&text).with_context(|| {
                    format!(
                        "message {} of {} is not a spread: {text}",
                        m.sequence(),
                        m.stream_key()
                    )
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !spreads.is_empty() {
            insert_batch(pool, &spreads).await?;
            log::info!("inserted {} row(s)", spreads.len());
            limit.add(spreads.len() as u64);
        }
        if batch.ended {
            break;
        }
    }
    Ok(limit.done())
}
