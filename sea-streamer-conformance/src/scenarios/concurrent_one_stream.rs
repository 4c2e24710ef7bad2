//! The `concurrent_consumers` scenario: many consumers of one stream, all reading while the
//! producer writes.
//!
//! Several RealTime consumers each receive every message in order; the members of one
//! LoadBalanced group, polled at the same time, together receive every message (a member
//! that takes over a shard during a rebalance may see a message again: at-least-once).

use futures::future::{join, join_all};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::{all, drain_group, read_in_order};
use super::{connect_consumer, new_key, opt_out, produce};
use crate::backend::Backend;
use crate::service::random_key;

/// RealTime consumers that fan out.
const WATCHERS: usize = 4;
/// Members of the LoadBalanced group.
const MEMBERS: usize = 3;

/// `WATCHERS` (4) RealTime consumers and (unless the backend opts out of LoadBalanced) a
/// group of `MEMBERS` (3) are created on one stream and polled concurrently with the
/// producer of `n` messages.
pub async fn concurrent_consumers<B: Backend>(b: &B, n: usize) {
    let streamer = b.connect().await;
    let key = new_key("concurrent");
    b.prepare_stream(&streamer, &key).await;
    let mut watchers = Vec::with_capacity(WATCHERS);
    for _ in 0..WATCHERS {
        watchers.push(connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await);
    }
    let mut members = Vec::with_capacity(MEMBERS);
    match b.capabilities().load_balanced {
        Ok(()) => {
            let group = ConsumerGroup::new(random_key("group"));
            for _ in 0..MEMBERS {
                let mode = ConsumerMode::LoadBalanced;
                members.push(connect_consumer(b, &streamer, &key, mode, Some(group.clone())).await);
            }
        }
        Err(why) => opt_out("concurrent_consumers (LoadBalanced)", why),
    }
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");

    let fan_out = join_all(
        watchers
            .iter()
            .map(|c| read_in_order(c, 0..n, "concurrent_consumers (RealTime)")),
    );
    let want = all(0..n);
    let group = drain_group(&members, &want, "concurrent_consumers (LoadBalanced)");
    let ((_, shares), _) = join(join(fan_out, group), produce(&mut producer, 0..n)).await;
    if !members.is_empty() {
        let total: usize = shares.iter().map(Vec::len).sum();
        assert!(total >= n, "the group received {total} of {n} messages");
    }
    producer.end().await.expect("end failed");
}
