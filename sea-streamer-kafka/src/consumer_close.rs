//! Closing a dropped [`KafkaConsumer`](crate::KafkaConsumer): off the caller's thread, after
//! leaving the group, and bounded.
//!
//! librdkafka closes a consumer when the last handle on it is dropped (rdkafka's
//! `BaseConsumer::drop`). A close during a group rebalance serves the pending revoke through
//! rdkafka's rebalance callback, which asks the group for its rebalance protocol
//! (`rd_kafka_rebalance_protocol`, a request answered by the group's op queue, waited for
//! without a timeout). Once the closing group has terminated, librdkafka discards such a
//! request without answering it, and the dropping thread waits forever (seen under
//! `scripts/stress.sh` on tansu; librdkafka #4041, rust-rdkafka #509).
//!
//! So a dropped consumer is closed on a thread of its own, which the drop waits for (as
//! librdkafka's close did: the next consumer of the group starts once this one has left),
//! at most [`CLOSE_BOUND`]. The close has three steps:
//! 1. its assigned partitions are paused, which discards the prefetched messages (so that the
//!    final commit covers only what the application received: crate docs, difference 1);
//! 2. it unsubscribes (and drops a manual assignment) and polls its queue until librdkafka has
//!    served the revoke, while the group is still alive to answer the rebalance callback
//!    (at most [`LEAVE_BOUND`]);
//! 3. the rdkafka consumer is dropped, closing it with nothing left to revoke.
//!
//! A close that has not ended after [`CLOSE_BOUND`] is logged as a warning naming the group
//! and topics, and the drop returns; librdkafka offers no way to cancel the close, so its
//! thread is left behind.

use crate::consumer::RawConsumer;
use futures::Stream;
use rdkafka::consumer::Consumer as _;
use std::pin::pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The rdkafka consumer inside a [`KafkaConsumer`](crate::KafkaConsumer), taken out once, by
/// its `Drop`, to be closed by [`Closing`].
pub(crate) struct Handle(Option<Arc<RawConsumer>>);

impl Handle {
    /// Wraps `consumer`.
    pub(crate) fn new(consumer: Arc<RawConsumer>) -> Self {
        Self(Some(consumer))
    }

    /// Takes the consumer out (for the owner's `Drop`).
    pub(crate) fn take(&mut self) -> Option<Arc<RawConsumer>> {
        self.0.take()
    }
}

impl std::ops::Deref for Handle {
    type Target = Arc<RawConsumer>;

    fn deref(&self) -> &Arc<RawConsumer> {
        // Only the owner's `Drop` takes it, after which no method of the owner runs.
        self.0
            .as_ref()
            .expect("the consumer is taken only when it is dropped")
    }
}

/// How long step 2 polls for the revoke before closing anyway.
pub(crate) const LEAVE_BOUND: Duration = Duration::from_secs(10);
/// How long the whole close may take before a warning is logged.
pub(crate) const CLOSE_BOUND: Duration = Duration::from_secs(15);
/// The pause between two polls of the queue in step 2.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// What a close needs: the consumer and names for the log.
pub(crate) struct Closing {
    /// The rdkafka consumer; the close drops this handle (others may still be alive in
    /// detached blocking tasks: the last one dropped closes).
    pub consumer: Arc<RawConsumer>,
    /// `group.id`, if any.
    pub group: Option<String>,
    /// The subscribed topics.
    pub topics: Vec<String>,
    /// Whether `rewind`/`seek` assigned partitions manually.
    pub manual: bool,
}

impl Closing {
    /// Closes on a thread of its own and waits for it, at most [`CLOSE_BOUND`] (then logs a
    /// warning and returns, leaving that thread behind); without a thread, closes on the
    /// caller's.
    pub(crate) fn run(self) {
        let (group, topics) = (self.group.clone(), self.topics.clone());
        let (done, finished) = mpsc::channel::<()>();
        let closing = Arc::new(std::sync::Mutex::new(Some(self)));
        let job = Arc::clone(&closing);
        let closer = std::thread::Builder::new()
            .name("sea-streamer-kafka-close".into())
            .spawn(move || {
                let taken = job.lock().map(|mut c| c.take()).unwrap_or_default();
                if let Some(closing) = taken {
                    closing.close();
                }
                let _ = done.send(());
            });
        if let Err(e) = closer {
            log::warn!("cannot start a thread to close a Kafka consumer: {e}");
            let taken = closing.lock().map(|mut c| c.take()).unwrap_or_default();
            if let Some(closing) = taken {
                closing.close();
            }
            return;
        }
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(CLOSE_BOUND) {
            log::warn!(
                "closing the Kafka consumer of group {group:?} on topics {topics:?} has not \
                 ended after {CLOSE_BOUND:?} (blocked in librdkafka); it goes on in the background"
            );
        }
    }

    /// Steps 1 to 3 of the module docs.
    fn close(self) {
        let consumer = &self.consumer;
        if self.group.is_some() {
            let paused = pause_assigned(consumer);
            consumer.unsubscribe();
            if self.manual {
                if let Err(e) = consumer.unassign() {
                    log::warn!("cannot drop the manual assignment of a closing consumer: {e}");
                }
            }
            if !leave(consumer, paused) {
                log::warn!(
                    "the Kafka consumer of group {:?} on topics {:?} still had partitions \
                     assigned {LEAVE_BOUND:?} after unsubscribing; closing anyway",
                    self.group,
                    self.topics
                );
            }
        }
        drop(self.consumer);
    }
}

/// Pauses every assigned partition; returns how many there were.
fn pause_assigned(consumer: &RawConsumer) -> usize {
    match consumer.assignment() {
        Ok(assigned) if assigned.count() > 0 => {
            if let Err(e) = consumer.pause(&assigned) {
                log::warn!("cannot pause the partitions of a closing consumer: {e}");
            }
            assigned.count()
        }
        Ok(_) => 0,
        Err(e) => {
            log::warn!("cannot read the assignment of a closing consumer: {e}");
            0
        }
    }
}

/// Polls the consumer queue (serving rebalance callbacks) until nothing is assigned; false
/// after [`LEAVE_BOUND`]. Partitions assigned meanwhile are paused as well.
fn leave(consumer: &RawConsumer, mut paused: usize) -> bool {
    let deadline = Instant::now() + LEAVE_BOUND;
    let mut stream = pin!(consumer.stream());
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    loop {
        match stream.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(m))) => {
                use rdkafka::Message as _;
                // Paused partitions deliver nothing; this is a partition assigned between
                // two polls, re-paused below.
                log::warn!(
                    "a closing consumer received {} [{}] at {}",
                    m.topic(),
                    m.partition(),
                    m.offset()
                );
            }
            Poll::Ready(Some(Err(e))) => log::debug!("while closing a consumer: {e}"),
            Poll::Ready(None) | Poll::Pending => {}
        }
        let assigned = consumer.assignment().map(|a| a.count()).unwrap_or(0);
        if assigned == 0 {
            return true;
        }
        if assigned != paused {
            paused = pause_assigned(consumer);
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
