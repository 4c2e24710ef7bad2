//! Shared by the window tests: messages whose payload is a number, a summing aggregator,
//! a compact rendering of windows, and an input error.
#![allow(dead_code)]

use sea_streamer_fuse::{fold, Aggregator, Window};
use sea_streamer_types::{
    Buffer, Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp,
};

/// The input's error.
#[derive(Debug, PartialEq, Eq)]
pub struct InputErr;

impl std::fmt::Display for InputErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input failed")
    }
}

impl std::error::Error for InputErr {}

/// `t` seconds after the epoch.
pub fn at(t: i64) -> Timestamp {
    Timestamp::from_unix_timestamp(t).unwrap()
}

/// A message of `key` stamped `t` seconds, carrying the number `value`.
pub fn message(key: &str, t: i64, value: i64) -> OwnedMessage {
    let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, at(t));
    OwnedMessage::new(header, value.to_string().into_bytes())
}

/// The number a message carries.
pub fn value_of<M: Message>(m: &M) -> i64 {
    m.message().as_str().unwrap().parse().unwrap()
}

/// Sums the messages' numbers.
pub fn sum<M: Message>() -> impl Aggregator<Input = M, Value = i64> {
    fold(|| 0i64, |s: &mut i64, m: &M| *s += value_of(m))
}

/// `a[0,10)=5/2`: key, bounds in seconds, value, count.
pub fn render<K: std::fmt::Display>(w: &Window<K, i64>) -> String {
    format!(
        "{}[{},{})={}/{}",
        w.key,
        w.start.unix_timestamp(),
        w.end.unix_timestamp(),
        w.value,
        w.count
    )
}

/// A deterministic pseudo-random sequence (splitmix64), so a failing case can be replayed
/// from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
