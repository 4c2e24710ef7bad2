//! `--from`: where a consumer starts: `start`, `end`, an RFC 3339 time or a sequence number.
//!
//! * `start`: the oldest message still stored; `end`: only messages produced from now on.
//! * a time, e.g. `2024-05-01T12:00:00Z`: the first message at or after it (Redis: after
//!   it, at millisecond precision; Kafka: the broker's timestamp lookup).
//! * a sequence number `N`: the first message whose sequence is at least `N` (Redis
//!   sequences are the entry id `ms-n` packed as `ms << 16 | n`; Kafka: the offset of every
//!   partition; file: the first message of the stream's key with sequence `>= N`).
//!
//! stdio cannot be replayed: only `start` (the default) and `end` make sense for it, and both
//! read what arrives on stdin.

use sea_streamer_types::{SeqNo, Timestamp};
use std::str::FromStr;
use time::format_description::well_known::Rfc3339;

/// Where to start reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// The oldest message.
    Start,
    /// New messages only.
    End,
    /// The first message at or after a time.
    Time(Timestamp),
    /// The first message with a sequence at least this.
    Seq(SeqNo),
}

impl FromStr for From {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "start" | "beginning" | "earliest" => return Ok(Self::Start),
            "end" | "latest" => return Ok(Self::End),
            _ => {}
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse::<SeqNo>()
                .map(Self::Seq)
                .map_err(|e| format!("sequence number `{s}`: {e}"));
        }
        Timestamp::parse(s, &Rfc3339).map(Self::Time).map_err(|e| {
            format!(
                "`{s}` is not `start`, `end`, a sequence number or an RFC 3339 time such as 2024-05-01T12:00:00Z ({e})"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!("start".parse::<From>(), Ok(From::Start));
        assert_eq!("end".parse::<From>(), Ok(From::End));
        assert_eq!("42".parse::<From>(), Ok(From::Seq(42)));
        let t = "2024-05-01T12:00:00Z".parse::<From>().unwrap();
        assert!(matches!(t, From::Time(ts) if ts.unix_timestamp() == 1_714_564_800));
        assert!("yesterday"
            .parse::<From>()
            .unwrap_err()
            .contains("RFC 3339"));
    }
}
