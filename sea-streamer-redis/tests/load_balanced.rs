//! LoadBalanced consumers: splitting a stream, and failover by claiming an idle consumer's entries.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

mod common;

use common::fixture::{failover as failover_options, load_balanced as options, Fixture};
use common::{consume, consume_and_ack, num, range, url};
use futures::future::{select, Either};
use sea_streamer_types::Consumer;
use std::time::Duration;

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn load_balance() {
    let Some(url) = url() else { return };
    let f = Fixture::new(&url, "lb").await;
    f.send_numbers(0..5).await;

    let a = f.consumer(options()).await;
    let b = f.consumer(options()).await;
    assert!(a.group_id().is_some());
    assert_eq!(a.group_id(), b.group_id());
    assert_ne!(a.consumer_id(), b.consumer_id());

    f.send_numbers(5..10).await;

    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    while got_a.len() + got_b.len() < 10 {
        let next =
            sea_streamer_runtime::timeout(Duration::from_secs(60), select(a.next(), b.next()))
                .await
                .expect("timeout");
        match next {
            Either::Left((msg, _)) => got_a.push(num(&msg.unwrap())),
            Either::Right((msg, _)) => got_b.push(num(&msg.unwrap())),
        }
    }
    assert!(
        !got_a.is_empty() && !got_b.is_empty(),
        "{got_a:?} {got_b:?}"
    );
    let mut all: Vec<usize> = got_a.iter().chain(got_b.iter()).copied().collect();
    all.sort();
    assert_eq!(all, range(0, 10));
}

#[cfg_attr(feature = "runtime-tokio", tokio::test(flavor = "multi_thread"))]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn failover() {
    let Some(url) = url() else { return };
    let f = Fixture::new(&url, "failover").await;
    f.send_numbers(0..10).await;
    let mut options = failover_options(f.stream.name());

    let alpha = f.consumer(options.clone()).await;
    let alpha_id = alpha.consumer_id().unwrap().clone();
    assert_eq!(consume(&alpha, 5).await, range(0, 5));

    let mut beta = f.consumer(options.clone()).await;
    assert_ne!(beta.consumer_id(), Some(&alpha_id));
    assert_eq!(consume_and_ack(&beta, 5).await, range(5, 10));
    beta.commit().unwrap().await.unwrap();

    alpha.end().await.unwrap();
    // alpha's entries are claimed by beta once alpha has been idle for a second
    assert_eq!(consume_and_ack(&beta, 5).await, range(0, 5));
    beta.commit().unwrap().await.unwrap();

    f.send_numbers(10..15).await;
    options.set_consumer_id(alpha_id);
    let mut alpha = f.consumer(options).await;
    assert_eq!(consume_and_ack(&alpha, 2).await, range(10, 12));
    alpha.commit().unwrap().await.unwrap();
    assert_eq!(consume(&beta, 3).await, range(12, 15));
}
