//! The `continue_after_handler_error` scenario: a message whose handler failed is not
//! acknowledged; the consumer goes on with the next ones, and the failed message is
//! delivered again to the group's next start (at-least-once), while nothing acknowledged
//! before it is.
//!
//! Acknowledgement goes through `sea_streamer_types::Acknowledge` (the backend's
//! [`track`](crate::Backend::track), [`ack`](crate::Backend::ack) and
//! [`commit_acked`](crate::Backend::commit_acked) hooks). A backend whose consumer does not
//! implement it opts out through `Capabilities::acknowledge`; one without Resumable
//! consumers runs only the first half (going on after the error).

use std::collections::BTreeSet;

use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::{commit_acked, connect_acking, handle};
use super::{index_of, new_key, next_owned, opt_out, payload, produce, text};
use crate::backend::Backend;
use crate::service::random_key;

/// `n` messages; the handler of message `n / 3` fails. Then `n / 2` more messages.
pub async fn continue_after_handler_error<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "continue_after_handler_error";
    assert!(n >= 3, "{WHAT} needs at least three messages");
    let caps = b.capabilities();
    if let Err(why) = caps.acknowledge {
        opt_out(WHAT, why);
        return;
    }
    let streamer = b.connect().await;
    let key = new_key("handler");
    b.prepare_stream(&streamer, &key).await;
    let group = ConsumerGroup::new(random_key("group"));
    let (mode, group) = match caps.resumable {
        Ok(()) => (ConsumerMode::Resumable, Some(group)),
        Err(_) => (ConsumerMode::RealTime, None),
    };
    let consumer = connect_acking(b, &streamer, &key, mode, group.clone()).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let failed = n / 3;
    for i in 0..n {
        let m = next_owned(&consumer, WHAT).await;
        assert_eq!(
            text(&m),
            payload(i),
            "{WHAT}: message {i} (the handler of {failed} failed)"
        );
        handle(b, &consumer, m.header(), i == failed, WHAT);
    }
    commit_acked(b, &consumer, WHAT).await;
    drop(consumer);
    if let Err(why) = caps.resumable {
        opt_out("continue_after_handler_error (redelivery)", why);
        producer.end().await.expect("end failed");
        return;
    }

    let second = connect_acking(b, &streamer, &key, mode, group).await;
    let more = n..n + n / 2;
    produce(&mut producer, more.clone()).await;
    let mut want: BTreeSet<usize> = more.collect();
    want.insert(failed);
    let mut seen = BTreeSet::new();
    let mut first = true;
    while !want.is_subset(&seen) {
        let m = next_owned(&second, WHAT).await;
        let body = text(&m);
        let i = index_of(&body);
        assert_eq!(body, payload(i), "{WHAT}: payload {i} corrupted");
        assert!(
            i >= failed,
            "{WHAT}: message {i}, acknowledged and committed before the failure, came again"
        );
        if first {
            assert_eq!(
                i, failed,
                "{WHAT}: the next start did not begin with the failed message"
            );
            first = false;
        }
        handle(b, &second, m.header(), false, WHAT);
        seen.insert(i);
    }
    commit_acked(b, &second, WHAT).await;
    producer.end().await.expect("end failed");
}
