//! The producer's bounded queue: requests go from the handles to the background task, and a
//! budget caps the messages (and payload bytes) sent and not yet answered by Redis.
//!
//! A message counts against the budget from `send` until its receipt is resolved (stored or
//! failed), so a stalled or unreachable Redis cannot make the producer's memory grow without
//! bound: once `max_queued_messages` or `max_queued_bytes` is reached, `send` returns
//! [`RedisErr::QueueFull`] and queues nothing. A single message larger than the byte bound
//! is accepted when nothing else is queued (it could never be sent otherwise).
//!
//! The queue's own storage is released once it drains after a backlog.

#[cfg(test)]
use super::budget::Budget;
use super::request::Request;
use crate::{RedisErr, RedisResult};
use sea_streamer_types::StreamErr;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

/// Default `max_queued_bytes`: 64 MiB of payloads.
pub(crate) const DEFAULT_MAX_QUEUED_BYTES: usize = 64 * 1024 * 1024;
/// Default `max_queued_messages`.
pub(crate) const DEFAULT_MAX_QUEUED_MESSAGES: usize = 100_000;
/// A drained queue whose storage exceeds this many slots gives it back.
const SHRINK_ABOVE: usize = 1024;

#[derive(Default)]
struct Inner {
    requests: VecDeque<Request>,
    /// Live producer handles; the task ends once there are none and the queue is empty.
    handles: usize,
    /// The task has ended: nothing is accepted any more.
    closed: bool,
    waker: Option<Waker>,
}

/// The queue between the producer handles and the task.
#[derive(Default)]
pub(crate) struct Queue {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Queue")
    }
}

/// Why [`Queue::try_recv`] returned nothing.
pub(crate) enum Empty {
    /// Nothing queued right now.
    Now,
    /// Nothing queued and every handle is gone.
    ForGood,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panic while holding the lock leaves consistent data: recover it
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue a request for the task; `Err` gives it back if the task has ended.
    pub fn push(&self, request: Request) -> Result<(), Request> {
        let waker = {
            let mut inner = self.lock();
            if inner.closed {
                return Err(request);
            }
            inner.requests.push_back(request);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Take the next request without waiting.
    pub fn try_recv(&self) -> Result<Request, Empty> {
        let mut inner = self.lock();
        match inner.requests.pop_front() {
            Some(request) => {
                shrink_if_drained(&mut inner.requests);
                Ok(request)
            }
            None if inner.handles == 0 => Err(Empty::ForGood),
            None => Err(Empty::Now),
        }
    }

    /// The next request; `None` once every handle is gone and the queue is empty.
    pub fn recv(&self) -> impl Future<Output = Option<Request>> + '_ {
        std::future::poll_fn(move |cx| {
            let mut inner = self.lock();
            match inner.requests.pop_front() {
                Some(request) => {
                    shrink_if_drained(&mut inner.requests);
                    Poll::Ready(Some(request))
                }
                None if inner.handles == 0 => Poll::Ready(None),
                None => {
                    // registered under the lock: a push after this wakes us
                    inner.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }

    /// The task has ended: refuse new requests; drop the queued ones (their receipts report
    /// `ProducerDied`).
    pub fn close(&self) {
        let dropped = {
            let mut inner = self.lock();
            inner.closed = true;
            std::mem::take(&mut inner.requests)
        };
        drop(dropped);
    }

    fn handle_added(&self) {
        self.lock().handles += 1;
    }

    fn handle_dropped(&self) {
        let waker = {
            let mut inner = self.lock();
            inner.handles -= 1;
            if inner.handles == 0 {
                inner.waker.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Give a drained queue's storage back after a backlog.
fn shrink_if_drained(requests: &mut VecDeque<Request>) {
    if requests.is_empty() && requests.capacity() > SHRINK_ABOVE {
        *requests = VecDeque::new();
    }
}

/// A producer handle's end of the [`Queue`]: counts the live handles.
#[derive(Debug)]
pub(crate) struct Handle(Arc<Queue>);

impl Handle {
    pub fn new(queue: Arc<Queue>) -> Self {
        queue.handle_added();
        Self(queue)
    }

    /// Queue a request; `ProducerDied` if the task has ended.
    pub fn send(&self, request: Request) -> RedisResult<()> {
        self.0
            .push(request)
            .map_err(|_| StreamErr::Backend(RedisErr::ProducerDied))
    }
}

impl Clone for Handle {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.handle_dropped();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn budget_bounds_messages_and_bytes() {
        let budget = Budget::new(3, 100);
        let a = budget.reserve(60).expect("room");
        let full = budget.reserve(60).expect_err("bytes over the limit");
        assert!(matches!(
            full,
            StreamErr::Backend(RedisErr::QueueFull {
                messages: 1,
                bytes: 60
            })
        ));
        let b = budget.reserve(20).expect("room");
        let c = budget.reserve(0).expect("room");
        assert!(budget.reserve(0).is_err(), "messages over the limit");
        drop((a, b, c));
        assert_eq!(budget.messages(), 0);
        // one message larger than the byte limit passes alone
        let big = budget.reserve(1000).expect("alone");
        assert!(budget.reserve(1).is_err());
        drop(big);
        assert!(budget.reserve(1).is_ok());
    }

    #[test]
    fn queue_gives_storage_back_once_drained() {
        let queue = Arc::new(Queue::default());
        let handle = Handle::new(queue.clone());
        for _ in 0..5000 {
            handle
                .send(Request::Flush {
                    reply: futures::channel::oneshot::channel().0,
                })
                .expect("open");
        }
        assert!(queue.lock().requests.capacity() >= 5000);
        while queue.try_recv().is_ok() {}
        assert_eq!(queue.lock().requests.capacity(), 0);
        assert!(matches!(queue.try_recv(), Err(Empty::Now)));
        drop(handle);
        assert!(matches!(queue.try_recv(), Err(Empty::ForGood)));
        queue.close();
        let handle = Handle::new(queue.clone());
        assert!(handle
            .send(Request::Flush {
                reply: futures::channel::oneshot::channel().0
            })
            .is_err());
    }
}
