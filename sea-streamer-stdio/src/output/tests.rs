//! Unit tests of `output.rs`.

use super::*;
use futures::executor::block_on;
use sea_streamer_types::{Buffer, Message};

fn key(name: &str) -> StreamKey {
    StreamKey::new(name).unwrap()
}

fn send(queue: &Queue, k: &str, payload: &str, loopback: bool) -> SendFuture {
    queue
        .send(
            &key(k),
            payload.as_bytes(),
            loopback,
            &QueueLimits::default(),
        )
        .unwrap()
}

/// Splits `[ts | key | seq] payload` lines, checking the timestamp's shape.
fn lines(out: &[u8]) -> Vec<(String, String, String)> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|line| {
            let (meta, payload) = line.split_once("] ").unwrap();
            let parts: Vec<&str> = meta[1..].split(" | ").collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert!(crate::parser::parse_timestamp(parts[0]).is_some(), "{line}");
            assert_eq!(parts[0].len(), 19);
            (parts[1].to_owned(), parts[2].to_owned(), payload.to_owned())
        })
        .collect()
}

#[test]
fn prints_format_counters_and_receipts() {
    let queue = Queue::new();
    let a0 = send(&queue, "a", "x0", false);
    let b0 = send(&queue, "b", "{\"y\":1}", false);
    let empty = send(&queue, "a", "", false);
    let a1 = send(&queue, "a", "x1", true);
    queue.shutdown();
    // Sends after the shutdown fail.
    let late = queue.send(&key("a"), b"late", false, &QueueLimits::default());
    let mut counters = HashMap::new();
    let mut out = Vec::new();
    let mut looped = Vec::new();
    Printer::new(&mut out, &mut counters).run(&queue, |batch| {
        looped.append(batch);
    });
    assert_eq!(
        lines(&out),
        vec![
            ("a".into(), "0".into(), "x0".into()),
            ("b".into(), "0".into(), "{\"y\":1}".into()),
            ("a".into(), "1".into(), "x1".into()),
        ]
    );
    let a0 = block_on(a0).unwrap();
    assert_eq!((a0.stream_key().name(), *a0.sequence()), ("a", 0));
    assert_eq!(*block_on(b0).unwrap().sequence(), 0);
    assert_eq!(*block_on(empty).unwrap().sequence(), 0);
    let a1 = block_on(a1).unwrap();
    assert_eq!(*a1.sequence(), 1);
    assert_eq!(a1.shard_id().id(), 0);
    assert!(matches!(
        late,
        Err(sea_streamer_types::StreamErr::Backend(
            StdioErr::Disconnected
        ))
    ));
    assert_eq!(looped.len(), 1);
    assert_eq!(looped[0].header(), &a1);
    assert_eq!(looped[0].message().as_str().unwrap(), "x1");
    assert_eq!(counters.get(&key("a")), Some(&2));
}

/// A stopped printer (a blocked stdout) fills the queue up to its limits; the next send
/// is refused with a typed error, nothing of it is printed, and once the printer has
/// taken the queue the full limit is available again.
#[test]
fn a_full_queue_refuses_sends_until_it_is_printed() {
    let limits = QueueLimits {
        max_messages: 5,
        max_bytes: 1000,
    };
    let queue = Queue::new();
    let try_send = |payload: &str| queue.send(&key("k"), payload.as_bytes(), false, &limits);
    let accepted: Vec<_> = (0..5)
        .map(|i| try_send(&format!("m{i}")).unwrap())
        .collect();
    let refused = try_send("m5").unwrap_err();
    match &refused {
        StreamErr::Backend(StdioErr::IoError(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
            let full = e.get_ref().unwrap().downcast_ref::<QueueFull>().unwrap();
            assert_eq!((full.messages, full.bytes), (5, 10));
        }
        other => panic!("{other:?}"),
    }
    // The printer takes the queue: the limit is free again (the printed batch no longer counts).
    let mut counters = HashMap::new();
    let mut out = Vec::new();
    let mut requests = Requests::default();
    let (batch, _) = queue.take(&mut requests);
    let more: Vec<_> = (5..10)
        .map(|i| try_send(&format!("m{i}")).unwrap())
        .collect();
    assert!(try_send("m10").is_err());
    let mut printer = Printer::new(&mut out, &mut counters);
    printer.print_batch(&mut requests, &batch);
    drop(printer);
    queue.shutdown();
    Printer::new(&mut out, &mut counters).run(&queue, |_| {});
    for (i, f) in accepted.into_iter().chain(more).enumerate() {
        assert_eq!(*block_on(f).unwrap().sequence(), i as u64);
    }
    let printed: Vec<String> = lines(&out).into_iter().map(|(_, _, p)| p).collect();
    let expected: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    assert_eq!(printed, expected);
    // Byte limit: a message that would pass it is refused, one that fits is not.
    let queue = Queue::new();
    let small = QueueLimits {
        max_messages: 100,
        max_bytes: 8,
    };
    let big = "x".repeat(20);
    assert!(
        queue.send(&key("k"), big.as_bytes(), false, &small).is_ok(),
        "an empty queue takes any size"
    );
    assert!(queue.send(&key("k"), b"y", false, &small).is_err());
}

#[test]
fn counters_continue_across_printers() {
    let mut counters = HashMap::new();
    for round in 0..2 {
        let queue = Queue::new();
        let f = send(&queue, "k", "p", false);
        queue.shutdown();
        let mut out = Vec::new();
        Printer::new(&mut out, &mut counters).run(&queue, |_| {});
        assert_eq!(*block_on(f).unwrap().sequence(), round);
    }
}

struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

#[test]
fn write_errors_fail_the_receipts() {
    let queue = Queue::new();
    let f = send(&queue, "k", &"z".repeat(100_000), false);
    let g = send(&queue, "k", "small", false);
    queue.shutdown();
    let mut counters = HashMap::new();
    Printer::new(Broken, &mut counters).run(&queue, |_| {});
    for f in [f, g] {
        match block_on(f) {
            Err(sea_streamer_types::StreamErr::Backend(StdioErr::IoError(e))) => {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn receipts_of_later_batches_and_dropped_receipts() {
    let queue = Queue::new();
    // Dropped at once: the batch skips its receipts.
    drop(send(&queue, "k", "p0", false));
    let mut counters = HashMap::new();
    let mut out = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| Printer::new(&mut out, &mut counters).run(&queue, |_| {}));
        let f1 = send(&queue, "k", "p1", false);
        let f2 = send(&queue, "j", "p2", false);
        let h1 = block_on(f1).unwrap();
        let h2 = block_on(f2).unwrap();
        assert_eq!((h1.stream_key().name(), *h1.sequence()), ("k", 1));
        assert_eq!((h2.stream_key().name(), *h2.sequence()), ("j", 0));
        queue.shutdown();
    });
    assert_eq!(lines(&out).len(), 3);
}

#[test]
fn an_exited_printer_disconnects_what_was_queued() {
    let queue = Arc::new(Queue::new());
    let f = send(&queue, "k", "p", false);
    drop(CloseOnExit(queue.clone()));
    assert!(matches!(
        block_on(f),
        Err(sea_streamer_types::StreamErr::Backend(
            StdioErr::Disconnected
        ))
    ));
    assert!(queue
        .send(&key("k"), b"p", false, &QueueLimits::default())
        .is_err());
}
