//! Property check, seeded (a splitmix64 sequence, no extra dependency): for random inputs
//! (keys interleaved, out of order by random amounts, across the epoch) and random window
//! specs, the windows a `WindowStream` yields equal a brute-force grouping, each at the
//! moment the brute force says the watermark closed it; late messages are exactly the
//! brute force's; open windows stay within the documented bound.

mod window_common;

use futures::{executor::block_on, stream, StreamExt};
use sea_streamer_fuse::{Push, WindowSpec, WindowStream, Windows};
use sea_streamer_types::{Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use window_common::{sum, value_of, InputErr, Rng};

const MS: i128 = 1_000_000;

/// A message of `key` at `ms` milliseconds after the epoch carrying `value`.
fn message(key: &str, ms: i64, value: i64) -> OwnedMessage {
    let ts = Timestamp::from_unix_timestamp_nanos(ms as i128 * MS).unwrap();
    let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
    OwnedMessage::new(header, value.to_string().into_bytes())
}

fn ms_of(ts: Timestamp) -> i64 {
    (ts.unix_timestamp_nanos() / MS) as i64
}

/// One random case: the spec (in ms) and the input as (key, ms, value).
struct Case {
    size: i64,
    slide: i64,
    lateness: i64,
    input: Vec<(String, i64, i64)>,
}

fn random_case(seed: u64, tumbling: bool) -> Case {
    let mut rng = Rng::new(seed);
    let size = 1 + rng.below(200) as i64;
    let slide = if tumbling {
        size
    } else {
        1 + rng.below(size as u64) as i64
    };
    let lateness = [0, rng.below(30) as i64, rng.below(300) as i64][rng.below(3) as usize];
    let n = rng.below(300) as usize;
    let keys = 1 + rng.below(4);
    let mut base = rng.below(2_000) as i64 - 1_000; // across the epoch
    let jitter = 1 + rng.below(150) as i64;
    let mut input = Vec::new();
    for i in 0..n {
        base += rng.below(40) as i64;
        // mostly in order, sometimes late by up to `jitter`
        let ms = if rng.below(4) == 0 {
            base - rng.below(jitter as u64) as i64
        } else {
            base
        };
        let key = format!("k{}", rng.below(keys));
        input.push((key, ms, i as i64 + 1));
    }
    Case {
        size,
        slide,
        lateness,
        input,
    }
}

/// One expected window: (end, key) -> (start, sum, count, items pulled when it closed).
type Expected = BTreeMap<(i64, String), (i64, i64, u64, usize)>;

/// A window as compared: (key, start, end, sum, count, items pulled when it came out).
type Row = (String, i64, i64, i64, u64, usize);

/// The brute force: for each message in arrival order, its windows are every multiple of
/// the slide `s` with `s <= t < s + size` (found by scanning); it is late if any of them
/// ended at or before the watermark (largest timestamp so far minus the lateness);
/// otherwise it is added to all of them. A window closes at the first message after which
/// the watermark reaches its end, or at the input's end.
fn brute_force(case: &Case) -> (Vec<Row>, Vec<i64>) {
    let mut open: Expected = BTreeMap::new();
    let mut closed = Vec::new();
    let mut late = Vec::new();
    let mut newest: Option<i64> = None;
    for (i, (key, t, value)) in case.input.iter().enumerate() {
        let mut starts = Vec::new();
        let mut s = (t - case.size - 2 * case.slide) / case.slide * case.slide;
        while s <= t + case.slide {
            if s <= *t && *t < s + case.size {
                starts.push(s);
            }
            s += case.slide;
        }
        assert!(!starts.is_empty());
        let watermark = newest.map(|n| n - case.lateness);
        if starts
            .iter()
            .any(|s| watermark.is_some_and(|w| s + case.size <= w))
        {
            late.push(*value);
            continue;
        }
        for s in starts {
            let w = open
                .entry((s + case.size, key.clone()))
                .or_insert((s, 0, 0, 0));
            w.1 += value;
            w.2 += 1;
        }
        newest = Some(newest.map_or(*t, |n| n.max(*t)));
        let watermark = newest.unwrap() - case.lateness;
        let ready: Vec<(i64, String)> = open
            .keys()
            .filter(|(end, _)| *end <= watermark)
            .cloned()
            .collect();
        for k in ready {
            let (start, total, count, _) = open.remove(&k).unwrap();
            closed.push((k.1, start, k.0, total, count, i + 1));
        }
    }
    let n = case.input.len();
    for ((end, key), (start, total, count, _)) in open {
        closed.push((key, start, end, total, count, n));
    }
    (closed, late)
}

fn check(seed: u64, tumbling: bool) {
    let case = random_case(seed, tumbling);
    let spec = WindowSpec::sliding(
        Duration::from_millis(case.size as u64),
        Duration::from_millis(case.slide as u64),
    )
    .unwrap()
    .with_allowed_lateness(Duration::from_millis(case.lateness as u64));
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let input = stream::iter(
        case.input
            .iter()
            .map(|(k, t, v)| Ok::<_, InputErr>(message(k, *t, *v)))
            .collect::<Vec<_>>(),
    )
    .inspect(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut ws = WindowStream::by_stream_key(input, spec, sum::<OwnedMessage>());
    let late = Arc::new(Mutex::new(Vec::new()));
    let seen = late.clone();
    ws.on_late(move |m: OwnedMessage| seen.lock().unwrap().push(value_of(&m)));
    let got: Vec<Row> = block_on(
        (&mut ws)
            .map(|w| {
                let w = w.unwrap();
                (
                    w.key.name().to_owned(),
                    ms_of(w.start),
                    ms_of(w.end),
                    w.value,
                    w.count,
                    pulled.load(Ordering::SeqCst),
                )
            })
            .collect(),
    );
    let (expected, expected_late) = brute_force(&case);
    let what = format!(
        "seed {seed} tumbling {tumbling}: size {} slide {} lateness {} input {:?}",
        case.size, case.slide, case.lateness, case.input
    );
    assert_eq!(got, expected, "{what}");
    assert_eq!(*late.lock().unwrap(), expected_late, "{what}");
    assert_eq!(ws.late_count(), expected_late.len() as u64, "{what}");
}

#[test]
fn tumbling_windows_equal_a_brute_force_grouping() {
    for seed in 0..400 {
        check(seed, true);
    }
}

#[test]
fn sliding_windows_equal_a_brute_force_grouping() {
    for seed in 1_000..1_400 {
        check(seed, false);
    }
}

#[test]
fn open_windows_stay_within_the_bound() {
    for seed in 2_000..2_200 {
        let case = random_case(seed, seed % 2 == 0);
        let spec = WindowSpec::sliding(
            Duration::from_millis(case.size as u64),
            Duration::from_millis(case.slide as u64),
        )
        .unwrap()
        .with_allowed_lateness(Duration::from_millis(case.lateness as u64));
        let mut windows = Windows::new(spec, sum::<OwnedMessage>());
        let mut keys = BTreeSet::new();
        for (k, t, v) in &case.input {
            let m = message(k, *t, *v);
            if let Push::Added(n) = windows.push(m.stream_key(), m.timestamp(), &m).unwrap() {
                assert!(n <= spec.windows_per_message(), "seed {seed}");
                keys.insert(k.clone());
            }
            while windows.pop_closed().is_some() {}
            assert!(
                windows.open_len() as u64 <= keys.len() as u64 * spec.max_open_per_key(),
                "seed {seed}: {} open for {} keys, bound {} per key",
                windows.open_len(),
                keys.len(),
                spec.max_open_per_key()
            );
        }
    }
}
