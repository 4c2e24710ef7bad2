//! The `restart` scenario: the backend's server is restarted mid-stream (through
//! [`Backend::restart`]) and nothing acknowledged is lost.
//!
//! Before the restart, `n` messages are produced (every receipt `Ok`: acknowledged by the
//! server) and a Resumable consumer commits after message `n / 2 - 1` and is closed; a
//! RealTime consumer keeps reading across the restart. After it, the producer created
//! before the restart sends `n` more messages, which must all be acknowledged; a new
//! streamer's consumer of the same group resumes exactly after the committed message and
//! receives everything after it; the RealTime consumer receives every message (transient
//! errors it reports while the server is away are tolerated); and (unless
//! the backend opts out of replay) a new consumer from the earliest message finds all `2n`.
//! A backend without a restart hook, or without Resumable consumers, opts out.

use sea_streamer_runtime::timeout;
use sea_streamer_types::{Consumer, ConsumerGroup, ConsumerMode, Message, Producer, Streamer};

use std::io::Write;

use super::support::{all, commit, read_in_order};
use super::{connect_consumer, index_of, new_key, opt_out, payload, produce, text, WAIT};
use crate::backend::Backend;
use crate::service::random_key;

/// `n` messages before the restart and `n` after it.
pub async fn restart<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "restart";
    assert!(n >= 2, "{WHAT} needs at least two messages");
    let caps = b.capabilities();
    if let Err(why) = caps.resumable {
        opt_out(WHAT, why);
        return;
    }
    let streamer = b.connect().await;
    let key = new_key("restart");
    let group = ConsumerGroup::new(random_key("group"));
    b.prepare_stream(&streamer, &key).await;
    let watcher = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
    let mode = ConsumerMode::Resumable;
    let mut member = connect_consumer(b, &streamer, &key, mode, Some(group.clone())).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let k = n / 2;
    let headers = read_in_order(&member, 0..k, WHAT).await;
    let last = headers.last().expect("read at least one message");
    commit(b, &mut member, last, WHAT).await;
    drop(member);
    // The RealTime consumer is mid-stream too.
    read_in_order(&watcher, 0..k, WHAT).await;

    match timeout(WAIT, b.restart()).await {
        Ok(Ok(())) => {}
        Ok(Err(why)) => {
            opt_out(WHAT, why);
            producer.end().await.expect("end failed");
            return;
        }
        Err(_) => panic!("{WHAT}: the server did not come back within {WAIT:?}"),
    }

    produce(&mut producer, n..2 * n).await;
    let again = b.connect().await;
    let resumed = connect_consumer(b, &again, &key, mode, Some(group)).await;
    read_in_order(&resumed, k..2 * n, "restart (resumed after the commit)").await;
    across(&watcher, k..2 * n).await;
    match caps.replay {
        Ok(()) => {
            let fresh = connect_consumer(b, &again, &key, ConsumerMode::RealTime, None).await;
            let stored = read_in_order(&fresh, 0..2 * n, "restart (stored)").await;
            assert!(stored.iter().all(|h| h.stream_key() == &key));
        }
        Err(why) => opt_out("restart (replay)", why),
    }
    producer.end().await.expect("end failed");
}

/// Reads until every index of `range` arrived at the RealTime consumer that lived through
/// the restart. Errors from `next()` while the server was away are transient reports
/// (e.g. librdkafka's "all brokers down"), not losses: they are printed and the consumer is
/// asked again, at most [`MAX_ERRORS`] times.
async fn across<C: Consumer>(consumer: &C, range: std::ops::Range<usize>) {
    const WHAT: &str = "restart (RealTime across the restart)";
    let want = all(range);
    let mut seen = std::collections::BTreeSet::new();
    let mut errors = 0;
    while !want.is_subset(&seen) {
        match timeout(WAIT, consumer.next()).await {
            Ok(Ok(m)) => {
                let body = text(&Message::to_owned(&m));
                let i = index_of(&body);
                assert_eq!(body, payload(i), "{WHAT}: payload {i} corrupted");
                seen.insert(i);
            }
            Ok(Err(e)) => {
                errors += 1;
                assert!(errors <= MAX_ERRORS, "{WHAT}: next() keeps failing: {e}");
                let _ = writeln!(
                    std::io::stderr(),
                    "conformance: {WHAT}: next() reported {e}"
                );
            }
            Err(_) => panic!(
                "{WHAT}: {} of {} messages, then none within {WAIT:?}",
                seen.len(),
                want.len()
            ),
        }
    }
}

/// The most errors [`across`] accepts from `next()`.
const MAX_ERRORS: usize = 100;
