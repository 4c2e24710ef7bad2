//! The order scenario on any backend: at concurrency 8, the messages of one lane
//! (a stream key, or a partition) are handled one after the other, lanes concurrently. What
//! is committed, each backend checks its own way.

use super::{number, until, WAIT};
use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions};
use sea_streamer_runtime::timeout;
use sea_streamer_types::{Acknowledge, SharedMessage};
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Processes `total` messages of `consumer` at concurrency 8, each taking 0-4 ms (from its
/// number, so that lanes finish in a scrambled order). Checks that no two messages of one
/// lane (`lane`) ran at once, that at most 8 and more than 1 ran at once, and returns what
/// was handled per lane, in the order handled (`value` of each message).
pub async fn handle_at_concurrency_eight<C, K>(
    consumer: &C,
    total: u64,
    lane: fn(&SharedMessage) -> K,
    value: fn(&SharedMessage) -> u64,
) -> HashMap<K, Vec<u64>>
where
    C: Acknowledge,
    C::Error: 'static,
    K: Hash + Eq + Clone + Debug + Send + 'static,
{
    let seen: Arc<Mutex<HashMap<K, Vec<u64>>>> = Default::default();
    let busy: Arc<Mutex<HashSet<K>>> = Default::default();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let handler = {
        let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
        move |message: SharedMessage, _: Outbox| {
            let (seen, busy, now, max) = (seen.clone(), busy.clone(), now.clone(), max.clone());
            async move {
                let key = lane(&message);
                assert!(
                    busy.lock().unwrap().insert(key.clone()),
                    "two messages of lane {key:?} at once"
                );
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(running, Ordering::SeqCst);
                // finish in a scrambled order across lanes
                let n = number(&message);
                sea_streamer_runtime::sleep(Duration::from_millis(n * 7 % 5)).await;
                seen.lock()
                    .unwrap()
                    .entry(key.clone())
                    .or_default()
                    .push(value(&message));
                now.fetch_sub(1, Ordering::SeqCst);
                busy.lock().unwrap().remove(&key);
                Ok::<(), HandlerErr>(())
            }
        }
    };
    let mut options = ProcessorOptions::default();
    options.set_concurrency(8);
    let processor = Processor::new(consumer, handler, options);
    let progress = processor.progress();
    let shutdown = until(progress, |s| s.processed == total);
    let summary = timeout(WAIT, processor.run(shutdown))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.processed, total);

    let max = max.load(Ordering::SeqCst);
    assert!(max <= 8, "at most 8 at a time, saw {max}");
    assert!(max > 1, "lanes were handled concurrently");
    let seen = seen.lock().unwrap().clone();
    seen
}
