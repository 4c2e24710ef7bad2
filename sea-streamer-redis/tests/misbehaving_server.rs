//! Servers that misbehave, faked on loopback: one announces a 500 MB bulk string and closes
//! the connection mid-way (the consumer reconnects and goes on; the buffer growth itself is
//! unit-tested in `consumer::reply_buf`), one answers every read with nothing at once or
//! after a short delay, before the read's block time (the consumer backs off instead of
//! re-reading in a tight loop).
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::connect;
use common::fake::{Action, FakeRedis};
use sea_streamer_redis::{AutoStreamReset, RedisConnectOptions, RedisConsumerOptions};
use sea_streamer_types::{
    Buffer, Consumer, ConsumerMode, ConsumerOptions, Message, StreamKey, Streamer,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The start of an `XREAD` reply of one entry `{id}` on key `k`, up to its payload.
fn entry_head(id: &str) -> Vec<u8> {
    format!(
        "*1\r\n*2\r\n$1\r\nk\r\n*1\r\n*2\r\n${}\r\n{id}\r\n*2\r\n$3\r\nmsg\r\n",
        id.len()
    )
    .into_bytes()
}

fn options(mode: ConsumerMode) -> RedisConsumerOptions {
    let mut options = RedisConsumerOptions::new(mode);
    options.set_auto_stream_reset(AutoStreamReset::Earliest);
    options
}

/// The first read's reply announces a 500 MB payload, sends 64 KiB of it and the server
/// closes the connection; the consumer reconnects, reads again and delivers the next reply.
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn huge_announced_reply_then_close() {
    let conns = Arc::new(Mutex::new(Vec::new()));
    let seen = conns.clone();
    let server = FakeRedis::start(Arc::new(move |read, conn, _: &[Vec<u8>]| {
        seen.lock().unwrap().push(conn);
        match read {
            0 => {
                let mut bytes = entry_head("1-0");
                bytes.extend_from_slice(b"$500000000\r\n");
                bytes.resize(bytes.len() + 64 * 1024, b'x');
                Action::ReplyAndClose(bytes)
            }
            1 => {
                let mut bytes = entry_head("1-1");
                bytes.extend_from_slice(b"$2\r\nok\r\n");
                Action::Reply(bytes)
            }
            _ => Action::Hold,
        }
    }));
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let consumer = streamer
        .create_consumer(
            &[StreamKey::new("k").unwrap()],
            options(ConsumerMode::RealTime),
        )
        .await
        .expect("consumer");
    let msg = sea_streamer_runtime::timeout(Duration::from_secs(60), consumer.next())
        .await
        .expect("a message after reconnecting")
        .expect("next()");
    assert_eq!(msg.message().as_str().unwrap(), "ok");
    assert_eq!(msg.sequence() as u64, (1 << 16) | 1);
    let conns = conns.lock().unwrap().clone();
    assert_ne!(conns[0], conns[1], "the second read is on a new connection");
}

/// Every read is answered with nothing (`*-1`) after `delay` (at once, or late, as a slow
/// proxy or a loaded machine makes it, but long before the read's `BLOCK` time), `EMPTY`
/// times; the server records when each read arrives. The pauses between reads must grow:
/// each at least 10 ms × 2^(i-1) (capped at 1 s) for the i-th gap from the second on (a
/// group consumer's first read, of its pending list, is allowed to be followed at once). A
/// lower bound on sleeps cannot flake.
async fn empty_replies(mode: ConsumerMode, delay: Duration) {
    const EMPTY: usize = 8;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = flume::bounded(1);
    let seen = arrivals.clone();
    let server = FakeRedis::start(Arc::new(move |read, _, _: &[Vec<u8>]| {
        seen.lock().unwrap().push(Instant::now());
        if read < EMPTY {
            std::thread::sleep(delay);
            Action::Reply(b"*-1\r\n".to_vec())
        } else {
            let _ = done_tx.try_send(());
            Action::Hold
        }
    }));
    let streamer = connect(&server.url(), RedisConnectOptions::default()).await;
    let consumer = streamer
        .create_consumer(&[StreamKey::new("k").unwrap()], options(mode))
        .await
        .expect("consumer");
    sea_streamer_runtime::timeout(Duration::from_secs(60), done_rx.recv_async())
        .await
        .expect("the consumer keeps reading")
        .expect("signal");
    let arrivals = arrivals.lock().unwrap().clone();
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    for (i, gap) in gaps.iter().enumerate().skip(1) {
        let floor = (Duration::from_millis(10) * (1 << (i - 1))).min(Duration::from_secs(1));
        assert!(
            *gap >= floor,
            "{mode:?}: gap {i} is {gap:?}, below {floor:?}: {gaps:?}"
        );
    }
    drop(consumer);
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn empty_replies_back_off_realtime() {
    empty_replies(ConsumerMode::RealTime, Duration::ZERO).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn empty_replies_back_off_resumable() {
    empty_replies(ConsumerMode::Resumable, Duration::ZERO).await;
}

/// An empty reply that takes 30 ms still came long before the read's `BLOCK` time: the
/// server did not block, and the consumer backs off all the same. (A fixed "it took 20 ms, so
/// it blocked" rule let it re-read at once, also whenever load delayed the consumer itself.)
#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn slow_empty_replies_back_off_realtime() {
    empty_replies(ConsumerMode::RealTime, SLOW).await;
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn slow_empty_replies_back_off_resumable() {
    empty_replies(ConsumerMode::Resumable, SLOW).await;
}

/// How long the server of the `slow_` tests takes to answer a read with nothing.
const SLOW: Duration = Duration::from_millis(30);
