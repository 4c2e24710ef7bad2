//! The idle timeout's clock: a watermark made of the messages' own timestamps, so the join
//! needs no runtime timer and behaves the same on every replay of the same input.

use sea_streamer_types::{StreamKey, Timestamp};
use std::collections::BTreeMap;
use std::time::Duration;

/// What the join has seen of time: the first and the newest timestamp of any key, and the
/// newest timestamp of each key it was asked about.
#[derive(Debug, Default)]
pub(crate) struct Watermark {
    first: Option<Timestamp>,
    newest: Option<Timestamp>,
    newest_of: BTreeMap<StreamKey, Timestamp>,
}

impl Watermark {
    /// Note a message of `key` stamped `ts`; `track` says whether the key's own newest
    /// timestamp is needed (it is for aligned keys only).
    pub(crate) fn observe(&mut self, key: &StreamKey, ts: Timestamp, track: bool) {
        self.first.get_or_insert(ts);
        if self.newest.is_none_or(|newest| ts > newest) {
            self.newest = Some(ts);
        }
        if track {
            match self.newest_of.get_mut(key) {
                Some(newest) if ts > *newest => *newest = ts,
                Some(_) => {}
                None => {
                    self.newest_of.insert(key.clone(), ts);
                }
            }
        }
    }

    /// The newest timestamp of `key` seen (tracked keys only).
    pub(crate) fn newest_of(&self, key: &StreamKey) -> Option<Timestamp> {
        self.newest_of.get(key).copied()
    }

    /// Whether `key` has been silent for more than `timeout` of message time: the newest
    /// timestamp seen is more than `timeout` after the key's newest message (or after the
    /// first message seen, for a key never seen).
    pub(crate) fn is_idle(&self, key: &StreamKey, timeout: Duration) -> bool {
        let (Some(first), Some(newest)) = (self.first, self.newest) else {
            return false;
        };
        let since = self.newest_of.get(key).copied().unwrap_or(first);
        let gap = newest - since;
        gap.is_positive() && gap.unsigned_abs() > timeout
    }
}
