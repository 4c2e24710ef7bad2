//! Two real consumers: two `.ss` files written with different rates (`fast` one message
//! per millisecond, `slow` one per ten), each read by its own `FileStreamer` consumer, the
//! two streams merged with `futures::stream::select` and joined. Which consumer the merge
//! reads next is up to the runtime, so these tests check properties that hold for every
//! interleaving.

use futures::{stream, FutureExt, StreamExt};
use sea_streamer_file::{
    AutoStreamReset, FileConsumer, FileConsumerOptions, FileErr, FileId, FileStreamer, MessageSink,
};
use sea_streamer_fuse::{JoinOptions, StreamJoin};
use sea_streamer_types::{Consumer, StreamErr};
use sea_streamer_types::{
    ConsumerMode, ConsumerOptions, Message, MessageHeader, OwnedMessage, SeqNo, ShardId,
    SharedMessage, StreamKey, Streamer, Timestamp,
};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

const BASE_MS: i128 = 1_700_000_000_000;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_timestamp_nanos((BASE_MS + ms as i128) * 1_000_000).unwrap()
}

fn ms_of(ts: Timestamp) -> i64 {
    (ts.unix_timestamp_nanos() / 1_000_000 - BASE_MS) as i64
}

/// (ms, key, sequence) of a message.
type Id = (i64, String, SeqNo);

fn id<M: Message>(m: &M) -> Id {
    (
        ms_of(m.timestamp()),
        m.stream_key().name().to_owned(),
        m.sequence(),
    )
}

/// A fresh `.ss` file holding `count` messages of `key`, one every `step_ms`, then EOS.
async fn write_stream(key: &str, count: i64, step_ms: i64) -> (FileId, Vec<Id>) {
    write_file(key, count, step_ms, true).await
}

/// A fresh `.ss` file holding `count` messages of `key`, one every `step_ms`; without `eos`
/// the file stays open: a live consumer waits for more.
async fn write_file(key: &str, count: i64, step_ms: i64, eos: bool) -> (FileId, Vec<Id>) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path =
        std::env::temp_dir().join(format!("fuse-join-{key}-{}-{nanos}.ss", std::process::id()));
    let file = FileId::new(path.to_str().unwrap());
    let mut sink = MessageSink::new(file.clone(), 1024, u64::MAX)
        .await
        .unwrap();
    let key = StreamKey::new(key).unwrap();
    let mut ids = Vec::new();
    for i in 0..count {
        let seq = i as SeqNo + 1;
        let header = MessageHeader::new(key.clone(), ShardId::new(0), seq, at(i * step_ms));
        ids.push((i * step_ms, key.name().to_owned(), seq));
        sink.write(OwnedMessage::new(header, i.to_string().into_bytes()))
            .unwrap();
    }
    sink.end(eos).await.unwrap();
    (file, ids)
}

/// A consumer of `key` in `file`, from its start.
async fn consumer(file: &FileId, key: &str) -> (FileStreamer, FileConsumer) {
    let streamer = FileStreamer::connect(file.to_streamer_uri().unwrap(), Default::default())
        .await
        .unwrap();
    let mut options = FileConsumerOptions::new(ConsumerMode::RealTime);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    let consumer = streamer
        .create_consumer(&[StreamKey::new(key).unwrap()], options)
        .await
        .unwrap();
    (streamer, consumer)
}

/// What a joined run gave.
struct Run {
    /// Everything yielded, in order.
    out: Vec<Id>,
    /// How many input messages had been pulled when each was yielded.
    pulled_at: Vec<usize>,
    /// The most messages buffered after a yield.
    most_buffered: usize,
    /// Late messages (seen by the handler, which keeps them).
    late: Vec<Id>,
    late_count: u64,
}

/// Join `fast` (`fast_n` messages) and `slow` (`slow_n`) with `options`, both aligned.
async fn join_files(
    fast: &FileId,
    fast_n: usize,
    slow: &FileId,
    slow_n: usize,
    options: JoinOptions,
) -> Run {
    let (_fs, mut fast_consumer) = consumer(fast, "fast").await;
    let (_ss, mut slow_consumer) = consumer(slow, "slow").await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // each file ends with EOS, which its consumer reports as an error: take what was written
    let merged = stream::select(
        fast_consumer.stream().take(fast_n),
        slow_consumer.stream().take(slow_n),
    )
    .inspect(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let mut join: StreamJoin<_, SharedMessage, StreamErr<FileErr>> =
        StreamJoin::with_options(merged, options);
    join.align(StreamKey::new("fast").unwrap());
    join.align(StreamKey::new("slow").unwrap());
    let late = Arc::new(Mutex::new(Vec::new()));
    let seen = late.clone();
    join.on_late(move |m| {
        seen.lock().unwrap().push(id(&m));
        Some(m)
    });

    let mut run = Run {
        out: Vec::new(),
        pulled_at: Vec::new(),
        most_buffered: 0,
        late: Vec::new(),
        late_count: 0,
    };
    while let Some(m) = join.next().await {
        run.out.push(id(&m.unwrap()));
        run.pulled_at.push(pulled.load(Ordering::SeqCst));
        run.most_buffered = run.most_buffered.max(join.buffered_len());
    }
    run.late = late.lock().unwrap().clone();
    run.late_count = join.late_count();
    run
}

fn remove(files: &[&FileId]) {
    for file in files {
        let _ = std::fs::remove_file(file.path());
    }
}

/// Every message exactly once, each key's in sequence order.
fn assert_complete(out: &[Id], fast: &[Id], slow: &[Id]) {
    let per_key = |key: &str| -> Vec<Id> { out.iter().filter(|i| i.1 == key).cloned().collect() };
    assert_eq!(per_key("fast"), fast);
    assert_eq!(per_key("slow"), slow);
    assert_eq!(out.len(), fast.len() + slow.len());
}

/// Out-of-order yields (earlier than one already yielded) are exactly the late messages,
/// and everything else is in timestamp order. (Not necessarily key order on equal
/// timestamps: after a forced or idle release, a message of the same timestamp may come
/// from a key that sorts first; it is not late, since timestamp order holds.)
fn assert_late_accounted(run: &Run) {
    let mut newest: Option<&Id> = None;
    let mut out_of_order = Vec::new();
    let mut in_order: Vec<&Id> = Vec::new();
    for item in &run.out {
        if newest.is_some_and(|n| item.0 < n.0) {
            out_of_order.push(item.clone());
        } else {
            in_order.push(item);
            newest = Some(item);
        }
    }
    assert_eq!(out_of_order, run.late);
    assert_eq!(run.late_count as usize, run.late.len());
    assert!(in_order.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_file_consumers_come_out_in_timestamp_order() {
    let (fast, fast_ids) = write_stream("fast", 1000, 1).await;
    let (slow, slow_ids) = write_stream("slow", 100, 10).await;
    let run = join_files(&fast, 1000, &slow, 100, JoinOptions::default()).await;
    remove(&[&fast, &slow]);

    assert_complete(&run.out, &fast_ids, &slow_ids);
    // whatever the interleaving, the output is the two streams sorted by (timestamp, key)
    let mut expected: Vec<Id> = fast_ids.iter().chain(&slow_ids).cloned().collect();
    expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    assert_eq!(run.out, expected);
    assert_eq!(run.late_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_join_of_two_file_consumers() {
    let (fast, fast_ids) = write_stream("fast", 1000, 1).await;
    let (slow, slow_ids) = write_stream("slow", 100, 10).await;
    let mut options = JoinOptions::new();
    options.set_max_buffered(NonZeroUsize::new(8).unwrap());
    let run = join_files(&fast, 1000, &slow, 100, options).await;
    remove(&[&fast, &slow]);

    assert!(run.most_buffered < 8, "bound kept: {}", run.most_buffered);
    // the handler keeps late messages, so nothing is lost
    assert_complete(&run.out, &fast_ids, &slow_ids);
    assert_late_accounted(&run);
    // back-pressure: never more than 8 messages pulled ahead of what was yielded
    for (n, pulled) in run.pulled_at.iter().enumerate() {
        assert!(*pulled <= n + 1 + 8, "{pulled} pulled at output {n}");
    }
}

/// Join `fast` (`fast_n` messages, then its end) with `slow` (a file that stays open, so the
/// merged input never ends) until every written message was pulled, then take what the
/// join yields without more input. Returns what came out and the join's late count.
async fn join_with_open_input(
    fast: &FileId,
    fast_n: usize,
    slow: &FileId,
    total: usize,
    options: JoinOptions,
) -> (Vec<Id>, u64) {
    let (_fs, mut fast_consumer) = consumer(fast, "fast").await;
    let (_ss, mut slow_consumer) = consumer(slow, "slow").await;
    let all_pulled = Arc::new(Notify::new());
    let notify = all_pulled.clone();
    let pulled = AtomicUsize::new(0);
    let merged = stream::select(fast_consumer.stream().take(fast_n), slow_consumer.stream())
        .inspect(move |_| {
            if pulled.fetch_add(1, Ordering::SeqCst) + 1 == total {
                notify.notify_one();
            }
        });
    let mut join = StreamJoin::with_options(merged, options);
    join.align(StreamKey::new("fast").unwrap());
    join.align(StreamKey::new("slow").unwrap());

    let mut out = Vec::new();
    loop {
        tokio::select! {
            biased;
            item = join.next() => match item {
                Some(Ok(m)) => out.push(id(&m)),
                other => panic!("the input is open: {other:?}"),
            },
            _ = all_pulled.notified() => break,
        }
    }
    // all input is in; the input is open but has nothing more: what can the join still give?
    while let Some(item) = join.next().now_or_never() {
        out.push(id(&item.unwrap().unwrap()));
    }
    (out, join.late_count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_timeout_with_a_file_consumer_that_falls_silent() {
    // slow stops at 500 ms and its file stays open; fast goes on to 999 ms
    let (fast, fast_ids) = write_stream("fast", 1000, 1).await;
    let (slow, slow_ids) = write_file("slow", 51, 10, false).await;
    let total = 1051;

    // upstream: slow holds everything after its last message, for as long as it is silent
    let (plain, late) =
        join_with_open_input(&fast, 1000, &slow, total, JoinOptions::default()).await;
    let mut expected: Vec<Id> = fast_ids[..=500].iter().chain(&slow_ids).cloned().collect();
    expected.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    assert_eq!(
        plain, expected,
        "up to slow's last message, and nothing after"
    );
    assert_eq!(late, 0);

    // with a 50 ms idle timeout, slow stops holding output back: everything comes out while
    // the input is still open, in timestamp order apart from the late messages (which depend
    // on which consumer the merge read first)
    let mut options = JoinOptions::new();
    options.set_idle_timeout(Duration::from_millis(50));
    let (out, late_count) = join_with_open_input(&fast, 1000, &slow, total, options).await;
    remove(&[&fast, &slow]);
    assert_complete(&out, &fast_ids, &slow_ids);
    let out_of_order = out
        .iter()
        .scan(i64::MIN, |newest, item| {
            let late = item.0 < *newest;
            *newest = (*newest).max(item.0);
            Some(late)
        })
        .filter(|late| *late)
        .count();
    assert_eq!(out_of_order as u64, late_count);
}
