//! The `concurrent_streams` scenario: many streams produced and consumed at the same time.
//!
//! Each stream has its own producer, a RealTime consumer and (unless the backend opts out of
//! Resumable) a Resumable consumer of its own group; all of them run concurrently, and each
//! consumer receives exactly its stream's messages, in order.

use futures::future::{join, join_all};
use sea_streamer_types::{ConsumerGroup, ConsumerMode, Producer, Streamer};

use super::support::read_in_order;
use super::{connect_consumer, new_key, opt_out, produce};
use crate::backend::Backend;
use crate::service::random_key;

/// `streams` streams of `n` messages each, all produced and consumed concurrently.
pub async fn concurrent_streams<B: Backend>(b: &B, streams: usize, n: usize) {
    let resumable = b.capabilities().resumable;
    if let Err(why) = resumable {
        opt_out("concurrent_streams (Resumable)", why);
    }
    let streamer = b.connect().await;
    let mut lanes = Vec::with_capacity(streams);
    for _ in 0..streams {
        let key = new_key("many");
        b.prepare_stream(&streamer, &key).await;
        let watcher = connect_consumer(b, &streamer, &key, ConsumerMode::RealTime, None).await;
        let member = match resumable {
            Ok(()) => {
                let group = Some(ConsumerGroup::new(random_key("group")));
                let mode = ConsumerMode::Resumable;
                Some(connect_consumer(b, &streamer, &key, mode, group).await)
            }
            Err(_) => None,
        };
        let producer = streamer
            .create_producer(key.clone(), b.producer_options())
            .await
            .expect("create_producer failed");
        lanes.push((key, watcher, member, producer));
    }

    join_all(lanes.iter_mut().map(|(key, watcher, member, producer)| {
        let what = format!("concurrent_streams ({key})");
        async move {
            let reading = join(read_in_order(watcher, 0..n, &what), async {
                if let Some(member) = member {
                    read_in_order(member, 0..n, &what).await;
                }
            });
            join(reading, produce(producer, 0..n)).await;
        }
    }))
    .await;
    // Every receipt was awaited. Some backends share one writer among the producers of a
    // streamer (a file), where `end()` ends them all: end only the last one.
    let mut producers: Vec<_> = lanes.into_iter().map(|(_, _, _, p)| p).collect();
    let last = producers.pop().expect("at least one stream");
    drop(producers);
    last.end().await.expect("end failed");
}
