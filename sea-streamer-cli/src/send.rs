//! Sending to the output of `produce`, `relay` and `bench`, with an optional timestamp and
//! shard where the backend's public API takes them.
//!
//! | Backend | timestamp | shard |
//! |---|---|---|
//! | Redis | entry id `{ms}-*` (`RedisProducer::send_with_ts`; must be newer than the last id) | ignored (warning) |
//! | Kafka | the record's timestamp (`FutureRecord::timestamp`) | the partition |
//! | file, stdio | not supported: messages are stamped by the producer | ignored (warning) |
//!
//! A sequence number given by the input is never kept: every backend assigns its own.

use crate::{
    connect::show,
    stdout::{closed_by_backend, Closed},
};
use anyhow::{anyhow, Result};
use futures::{future::LocalBoxFuture, FutureExt};
use sea_streamer_kafka::FutureRecord;
use sea_streamer_socket::{BackendErr, Scheme, SeaProducer, SeaStreamerBackend, SendFuture};
use sea_streamer_types::{MessageHeader, Producer, StreamErr, StreamKey, StreamUrl, Timestamp};

/// A receipt: the header of the stored message, or why it was not stored.
pub type Receipt = LocalBoxFuture<'static, Result<MessageHeader>>;

/// What a send did.
pub enum Sent {
    /// Handed to the producer; the receipt tells the rest.
    Receipt(Receipt),
    /// Not sendable to this output (a stdio output cannot print it); skipped with a warning.
    Skipped,
}

/// The producer of an output and what it can carry.
pub struct Sender {
    producer: SeaProducer,
    scheme: Scheme,
    name: String,
    warned_shard: bool,
}

impl Sender {
    /// Wraps the producer of `url`.
    pub fn new(producer: SeaProducer, scheme: Scheme, url: &StreamUrl) -> Self {
        Self {
            producer,
            scheme,
            name: show(url),
            warned_shard: false,
        }
    }

    /// Whether this output keeps a timestamp given with a message.
    pub fn keeps_timestamps(&self) -> bool {
        matches!(self.scheme, Scheme::Redis | Scheme::Kafka)
    }

    /// The output, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `payload` to `key`, with `timestamp` and `shard` where supported.
    pub fn send(
        &mut self,
        key: &StreamKey,
        payload: &[u8],
        timestamp: Option<Timestamp>,
        shard: Option<u64>,
    ) -> Result<Sent> {
        let result = match (self.scheme, timestamp, shard) {
            (Scheme::Redis, Some(ts), _) => {
                self.warn_shard(shard);
                let redis = self.producer.get_redis().expect("a Redis producer");
                redis
                    .send_with_ts(key, ts, payload)
                    .map(SendFuture::Redis)
                    .map_err(|e| anyhow!("{e}"))
            }
            (Scheme::Kafka, ts, shard) if ts.is_some() || shard.is_some() => {
                let kafka = self.producer.get_kafka().expect("a Kafka producer");
                let mut record = FutureRecord::<(), [u8]>::to(key.name()).payload(payload);
                if let Some(ts) = ts {
                    let ms = ts.unix_timestamp_nanos() / 1_000_000;
                    record = record.timestamp(ms as i64);
                }
                if let Some(p) = shard {
                    let p = i32::try_from(p)
                        .map_err(|_| anyhow!("shard {p} is not a Kafka partition"))?;
                    record = record.partition(p);
                }
                kafka
                    .send_record(record)
                    .map(SendFuture::Kafka)
                    .map_err(|e| anyhow!("{e}"))
            }
            _ => {
                self.warn_shard(shard);
                match self.producer.send_to(key, payload) {
                    Ok(f) => Ok(f),
                    Err(e) if closed_by_backend(&e) => return Err(Closed.into()),
                    Err(e) if self.scheme == Scheme::Stdio && unprintable(&e) => {
                        log::warn!(
                            "skipping a message: the output {} cannot print it: {e}",
                            self.name
                        );
                        return Ok(Sent::Skipped);
                    }
                    Err(e) => Err(anyhow!("{e}")),
                }
            }
        };
        let future = result.map_err(|e| e.context(format!("writing to {}", self.name)))?;
        let name = self.name.clone();
        Ok(Sent::Receipt(
            async move {
                future.await.map_err(|e| {
                    if closed_by_backend(&e) {
                        anyhow::Error::new(Closed)
                    } else {
                        anyhow!("writing to {name}: {e}")
                    }
                })
            }
            .boxed_local(),
        ))
    }

    fn warn_shard(&mut self, shard: Option<u64>) {
        if shard.is_some() && !self.warned_shard {
            self.warned_shard = true;
            log::warn!(
                "the shard given with a message is ignored by the {} output {}",
                self.scheme.name(),
                self.name
            );
        }
    }

    /// Flushes and closes the output.
    pub async fn end(self) -> Result<()> {
        match self.producer.end().await {
            Err(e) if closed_by_backend(&e) => Err(Closed.into()),
            Err(e) => Err(anyhow!("flushing {}: {e}", self.name)),
            Ok(()) => Ok(()),
        }
    }
}

/// Whether a stdio send error means the payload cannot be printed.
fn unprintable(e: &StreamErr<BackendErr>) -> bool {
    match e {
        StreamErr::Utf8Error(_) => true,
        StreamErr::Backend(BackendErr::Stdio(sea_streamer_stdio::StdioErr::IoError(e))) => {
            e.kind() == std::io::ErrorKind::InvalidInput
        }
        _ => false,
    }
}
