//! [`SeekTarget`] and the beacon / frame predicates used to find it.

use crate::error::FileErr;
use crate::format::beacon::Beacon;
use crate::format::primitives::timestamp_to_millis;
use crate::format::window::Frame;
use crate::read::surveyor::SurveyResult;
use sea_streamer_types::{SeqNo, ShardId, StreamKey, Timestamp};

/// Where to move a reader.
pub enum SeekTarget {
    /// The first frame of the stream with `sequence >= n`.
    SeqNo(SeqNo),
    /// The first frame of the stream with `timestamp > t` (millisecond precision).
    Timestamp(Timestamp),
    /// The first frame of the file.
    Beginning,
    /// After the last complete frame.
    End,
}

impl std::fmt::Debug for SeekTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeekTarget::SeqNo(n) => write!(f, "SeqNo({n})"),
            SeekTarget::Timestamp(t) => write!(f, "Timestamp({t})"),
            SeekTarget::Beginning => f.write_str("Beginning"),
            SeekTarget::End => f.write_str("End"),
        }
    }
}

/// A target resolved to file units: which stream, and a sequence or millisecond bound.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `None` = any key (wildcard).
    pub key: Option<StreamKey>,
    /// `None` = any shard.
    pub shard: Option<ShardId>,
    pub bound: Bound,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    /// sequence >= n
    Seq(u64),
    /// timestamp (ms) > t
    Millis(u64),
}

impl Target {
    pub fn new(
        key: Option<StreamKey>,
        shard: Option<ShardId>,
        to: &SeekTarget,
    ) -> Result<Option<Self>, FileErr> {
        let bound = match to {
            #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
            SeekTarget::SeqNo(n) => Bound::Seq(u64::try_from(*n).unwrap_or(u64::MAX)),
            SeekTarget::Timestamp(t) => match timestamp_to_millis(t) {
                Ok(ms) => Bound::Millis(ms),
                // before 1970: every frame is later
                Err(_) => Bound::Seq(0),
            },
            SeekTarget::Beginning | SeekTarget::End => return Ok(None),
        };
        Ok(Some(Self { key, shard, bound }))
    }

    fn stream_matches(&self, key: &StreamKey, shard: u64) -> bool {
        self.key.as_ref().is_none_or(|k| k == key) && self.shard.is_none_or(|s| s.id() == shard)
    }

    /// Whether `frame` is the target (or after it).
    pub fn frame_hits(&self, frame: &Frame) -> bool {
        if !self.stream_matches(&frame.key, frame.shard) {
            return false;
        }
        match self.bound {
            Bound::Seq(n) => frame.seq >= n,
            Bound::Millis(t) => frame.ts_ms > t,
        }
    }

    /// The verdict of a beacon for the survey.
    ///
    /// With a specific stream, its marker decides both ways. With the wildcard, a marker only proves
    /// `Right` (some frame at or before the beacon already reaches the bound).
    pub fn judge(&self, beacon: &Beacon) -> SurveyResult {
        let mut verdict = SurveyResult::Undecided;
        for m in &beacon.items {
            if !self.stream_matches(m.header.stream_key(), m.header.shard_id().id()) {
                continue;
            }
            let before = match self.bound {
                #[allow(clippy::useless_conversion, clippy::unnecessary_fallible_conversions)]
                Bound::Seq(n) => u64::try_from(*m.header.sequence()).unwrap_or(u64::MAX) < n,
                Bound::Millis(t) => timestamp_to_millis(m.header.timestamp()).unwrap_or(0) <= t,
            };
            if !before {
                return SurveyResult::Right;
            }
            if self.key.is_some() {
                verdict = SurveyResult::Left;
            }
        }
        verdict
    }
}
