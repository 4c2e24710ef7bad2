//! From a stream of spreads into SQLite, exactly once: the `sql-sink` example, on the
//! processor runner (`sea-streamer-processor`).
//!
//! Each spread becomes one row of the table `event`, created if missing, with the columns of
//! upstream's tutorial (its SeaORM sink's `event` entity):
//!
//! | Column | Type |
//! |---|---|
//! | `id` | `INTEGER PRIMARY KEY AUTOINCREMENT` |
//! | `timestamp` | `TEXT` ([`TIMESTAMP_FORMAT`](sea_streamer::TIMESTAMP_FORMAT), UTC) |
//! | `bid`, `ask`, `bid_vol`, `ask_vol` | `REAL` |
//!
//! The pair is not a column (as upstream's, whose stream carried one pair): one database per
//! pair's stream, or filter the stream first.
//!
//! **Exactly once.** Each message is stored in one transaction that inserts its row and
//! moves its shard's position in the table `consumed` ([`crate::sql_position`]) past it. A
//! message whose shard's position is already past it is skipped. On start the consumer is
//! moved to the stored positions. So whenever the process dies (`kill -9` included), a
//! restart neither loses nor repeats a row: a transaction either happened, row and position
//! together, or did not. (SQLite runs in WAL mode with `synchronous = NORMAL`: a committed
//! transaction survives the death of the process; an operating-system crash may lose the
//! last ones, rows and positions together.)
//!
//! A payload that is not a spread is a permanent failure: with a dead-letter stream it goes
//! there with the parse error (after a crash it may go there twice), without one the sink
//! stops with that error.

use crate::runner::{FiniteInput, RunnerArgs};
use crate::spread::{format_timestamp, Spread};
use crate::sql_position::{advance, is_stored, Position, POSITIONS_SCHEMA};
use anyhow::Context;
use sea_streamer::{Buffer, Message, SeaProducer, SharedMessage, StreamKey};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, Summary};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The schema of the table `event`.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    bid REAL NOT NULL,
    ask REAL NOT NULL,
    bid_vol REAL NOT NULL,
    ask_vol REAL NOT NULL
)";

/// Opens (creating it if missing) the SQLite database at `path` and creates the table
/// `event` and `consumed` if missing. One connection: SQLite has a single writer anyway.
pub async fn open_database(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening the database {}", path.display()))?;
    sqlx::query(SCHEMA).execute(&pool).await?;
    sqlx::query(POSITIONS_SCHEMA).execute(&pool).await?;
    Ok(pool)
}

/// Inserts one row.
async fn insert_row(tx: &mut Transaction<'_, Sqlite>, spread: &Spread) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO event (timestamp, bid, ask, bid_vol, ask_vol) VALUES (?, ?, ?, ?, ?)")
        .bind(format_timestamp(&spread.timestamp))
        .bind(spread.bid)
        .bind(spread.ask)
        .bind(spread.bid_vol)
        .bind(spread.ask_vol)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts `spreads` in one transaction: all rows or none (no positions: for loading data
/// that does not come from a stream).
pub async fn insert_batch(pool: &SqlitePool, spreads: &[Spread]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for spread in spreads {
        insert_row(&mut tx, spread).await?;
    }
    tx.commit().await
}

/// The spread in a message, or why it is not one.
pub fn parse_spread(message: &SharedMessage) -> anyhow::Result<Spread> {
    let payload = message.message();
    let text = payload.as_str()?;
    Spread::from_json(text).with_context(|| {
        format!(
            "message {} of {} is not a spread: {text}",
            message.sequence(),
            message.stream_key()
        )
    })
}

/// What happened to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Its row was inserted (with its position, in one transaction).
    Inserted,
    /// Its row was stored before (its shard's position is past it): nothing was done.
    Skipped,
}

/// Stores the spread of `message` and its position in one transaction, unless it was
/// stored already. A payload that is not a spread is a permanent error.
pub async fn store(pool: &SqlitePool, message: &SharedMessage) -> Result<Stored, HandlerErr> {
    let spread = parse_spread(message).map_err(|e| HandlerErr::permanent(format!("{e:#}")))?;
    let at = Position::of(
        &message.stream_key(),
        message.shard_id(),
        message.sequence(),
    )
    .map_err(|e| HandlerErr::permanent(format!("{e:#}")))?;
    let mut tx = pool.begin().await?;
    if is_stored(&mut tx, &at).await? {
        log::debug!("{at:?} stored already: skipped");
        return Ok(Stored::Skipped);
    }
    insert_row(&mut tx, &spread).await?;
    advance(&mut tx, &at).await?;
    tx.commit().await?;
    Ok(Stored::Inserted)
}

/// What a run of the sink did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkSummary {
    /// Rows inserted.
    pub inserted: u64,
    /// Messages skipped because their rows were stored before (after a restart that could
    /// not move the consumer exactly).
    pub skipped: u64,
    /// The runner's counters.
    pub runner: Summary,
}

/// Runs the sink on the runner: each [`Spread`] message of `consumer` is stored with
/// [`store`]; messages that are not spreads go to `dead_letter` (if given, else the sink
/// stops with the parse error). Stops when `shutdown` resolves (finishing what is in
/// flight), after `args.count` messages or at the end of a finite input (stdin, a `file://`
/// stream; see [`FiniteInput`]).
///
/// Move the consumer to the stored positions first ([`crate::sql_position::resume`]).
pub async fn run_sql_sink<C>(
    consumer: &C,
    pool: &SqlitePool,
    dead_letter: Option<(SeaProducer, StreamKey)>,
    args: &RunnerArgs,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<SinkSummary>
where
    C: FiniteInput,
    C::Error: Send + Sync + 'static,
{
    let (inserted, skipped) = (AtomicU64::new(0), AtomicU64::new(0));
    let handler = |message: SharedMessage, _outbox: Outbox| {
        let (inserted, skipped) = (&inserted, &skipped);
        async move {
            let counter = match store(pool, &message).await? {
                Stored::Inserted => inserted,
                Stored::Skipped => skipped,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
    };
    let mut processor =
        args.label(consumer.ends(Processor::new(consumer, handler, args.options())));
    if let Some((producer, stream)) = dead_letter {
        processor = processor.dead_letter(producer, stream);
    }
    let runner = processor.run(shutdown).await?;
    let summary = SinkSummary {
        inserted: inserted.load(Ordering::Relaxed),
        skipped: skipped.load(Ordering::Relaxed),
        runner,
    };
    log::info!("{summary:?}");
    Ok(summary)
}
