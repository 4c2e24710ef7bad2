//! The `new_consumer_earliest` scenario: a consumer created after messages were produced,
//! starting from the earliest message, receives the old messages, then the new ones.
//!
//! Checked for a RealTime consumer and (unless the backend opts out) a Resumable and a
//! LoadBalanced consumer of groups that never consumed the stream before. A backend that
//! keeps no history (a pipe) opts out through `Capabilities::replay`.

use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::read_in_order;
use super::{connect_consumer, new_key, opt_out, produce};
use crate::backend::Backend;
use crate::service::random_key;

/// `n` messages produced (and stored: receipts awaited) before any consumer exists, `n`
/// more after the consumers were created.
pub async fn new_consumer_earliest<B: Backend>(b: &B, n: usize) {
    const WHAT: &str = "new_consumer_earliest";
    let caps = b.capabilities();
    if let Err(why) = caps.replay {
        opt_out(WHAT, why);
        return;
    }
    let streamer = b.connect().await;
    let key = new_key("earliest");
    b.prepare_stream(&streamer, &key).await;
    let mut producer = streamer
        .create_producer(key.clone(), b.producer_options())
        .await
        .expect("create_producer failed");
    produce(&mut producer, 0..n).await;

    let mut modes = vec![(ConsumerMode::RealTime, None)];
    match caps.resumable {
        Ok(()) => modes.push((
            ConsumerMode::Resumable,
            Some(ConsumerGroup::new(random_key("group"))),
        )),
        Err(why) => opt_out("new_consumer_earliest (Resumable)", why),
    }
    match caps.load_balanced {
        Ok(()) => modes.push((
            ConsumerMode::LoadBalanced,
            Some(ConsumerGroup::new(random_key("group"))),
        )),
        Err(why) => opt_out("new_consumer_earliest (LoadBalanced)", why),
    }
    let mut consumers = Vec::with_capacity(modes.len());
    for (mode, group) in modes {
        consumers.push((
            mode,
            connect_consumer(b, &streamer, &key, mode, group).await,
        ));
    }
    produce(&mut producer, n..2 * n).await;
    for (mode, consumer) in &consumers {
        let what = format!("{WHAT} ({mode:?})");
        read_in_order(consumer, 0..2 * n, &what).await;
    }
    producer.end().await.expect("end failed");
}
