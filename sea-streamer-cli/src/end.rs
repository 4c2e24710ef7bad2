//! `-e/--exit-at-end`: what "the end" of a stream is, per backend.
//!
//! * file: the end of the file's data (or its end-of-stream mark) when reading started; the
//!   file is read in replay mode, so frames appended later are not waited for.
//! * stdio: the end of stdin (always, with or without `-e`: a pipe cannot be replayed).
//! * Redis: the last entry of each stream key when the command started (`XREVRANGE`) that a
//!   consumer delivers (one with the `msg` field, unless foreign entries are delivered as
//!   JSON); reading ends once every key has delivered its last entry. An empty or missing key
//!   has nothing to wait for. Only the unsharded key is looked at (`key`, not `key:N`).
//! * Kafka: the high watermark of each partition when the command started; reading ends
//!   once every non-empty partition has delivered the message just below it.
//!
//! With `--from end` there is nothing before the end: the command ends at once. A start
//! after the end (a sequence number past the last message) is the same.

use crate::{from::From, raw_kafka, raw_redis::Raw};
use anyhow::Result;
use sea_streamer_types::{SeqNo, ShardId, StreamKey, StreamUrl};
use std::collections::HashMap;

/// The last sequence number to wait for, per `(stream, shard)`.
#[derive(Debug, Default)]
pub struct Marks {
    left: HashMap<(StreamKey, ShardId), SeqNo>,
}

impl Marks {
    /// Whether every mark has been reached.
    pub fn reached(&self) -> bool {
        self.left.is_empty()
    }

    /// Records a delivered message.
    pub fn see(&mut self, key: &StreamKey, shard: ShardId, seq: SeqNo) {
        let pair = (key.clone(), shard);
        if matches!(self.left.get(&pair), Some(last) if seq >= *last) {
            self.left.remove(&pair);
        }
    }

    /// The marks of a Redis URL: the last entry of each key (with `field`, if given).
    pub async fn redis(url: &StreamUrl, from: From, field: Option<&str>) -> Result<Self> {
        let mut marks = Self::default();
        if from == From::End {
            return Ok(marks);
        }
        let mut raw = Raw::connect(url).await?;
        for key in url.stream_keys() {
            let Some(last) = raw.last_seq(key.name(), field).await? else {
                continue;
            };
            let after_start = match from {
                From::Seq(n) => last >= n,
                From::Time(t) => {
                    let ms = (t.unix_timestamp_nanos() / 1_000_000).max(0) as SeqNo;
                    last >> 16 >= ms
                }
                _ => true,
            };
            if after_start {
                marks.left.insert((key.clone(), ShardId::new(0)), last);
            }
        }
        Ok(marks)
    }

    /// The marks of a Kafka URL: the high watermark of each partition, less one.
    pub async fn kafka(url: &StreamUrl, from: From, topics: &[raw_kafka::Topic]) -> Result<Self> {
        let _ = url;
        let mut marks = Self::default();
        if from == From::End {
            return Ok(marks);
        }
        for t in topics {
            let Ok(key) = StreamKey::new(&t.name) else {
                continue;
            };
            for p in &t.partitions {
                if p.high <= p.low {
                    continue;
                }
                let last = (p.high - 1) as SeqNo;
                if let From::Seq(n) = from {
                    if n > last {
                        continue;
                    }
                }
                marks
                    .left
                    .insert((key.clone(), ShardId::new(p.id as u64)), last);
            }
        }
        Ok(marks)
    }
}
