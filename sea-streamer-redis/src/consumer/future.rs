//! `NextFuture` (one message) and `RedisMessageStream` (an endless stream of them).

use super::shared::{Ctrl, Delivery, PendingAck, Shared};
use crate::{RedisErr, RedisMessageId, RedisResult};
use futures::Stream;
use sea_streamer_types::{Message, SharedMessage, StreamErr};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Instant;

/// What `next()` reads from: a consumer handle's end of its task's channels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub shared: &'a Shared,
    pub ctrl: &'a flume::Sender<Ctrl>,
    pub batches: &'a flume::Receiver<Delivery>,
    /// `AutoCommit::Delayed` in a group: record an ack for every message taken.
    pub ack_on_take: bool,
    /// The task reads ahead (else it reads when a `next()` asks).
    pub pre_fetch: bool,
}

/// The future of [`sea_streamer_types::Consumer::next`]; resolves to the next message.
pub struct NextFuture<'a> {
    con: Source<'a>,
    recv: Option<flume::r#async::RecvFut<'a, Delivery>>,
    demanded: bool,
}

impl std::fmt::Debug for NextFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextFuture")
            .field("demanded", &self.demanded)
            .finish()
    }
}

impl<'a> NextFuture<'a> {
    pub(crate) fn new(con: Source<'a>) -> Self {
        Self {
            con,
            recv: None,
            demanded: false,
        }
    }

    fn undemand(&mut self) {
        if self.demanded {
            self.demanded = false;
            self.con.shared.demand.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn take(&mut self) -> Option<SharedMessage> {
        let mut inner = self.con.shared.lock();
        let msg = inner.queue.pop_front()?;
        inner.taken(&msg);
        if self.con.ack_on_take {
            inner.acks.push(PendingAck {
                stream_key: msg.stream_key(),
                shard_id: msg.shard_id(),
                id: msg.message_id(),
                at: Instant::now(),
            });
        }
        Some(msg)
    }
}

impl Future for NextFuture<'_> {
    type Output = RedisResult<SharedMessage>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            if let Some(msg) = self.take() {
                self.undemand();
                return Poll::Ready(Ok(msg));
            }
            if !self.con.pre_fetch && !self.demanded {
                self.demanded = true;
                self.con.shared.demand.fetch_add(1, Ordering::AcqRel);
                let _ = self.con.ctrl.send(Ctrl::Demand);
            }
            let con = self.con;
            let recv = self.recv.get_or_insert_with(|| con.batches.recv_async());
            match Pin::new(recv).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(received) => {
                    self.recv = None;
                    match received {
                        Ok(Delivery::Messages { epoch, messages }) => {
                            // the task counted this delivery against the demand
                            self.demanded = false;
                            let mut inner = self.con.shared.lock();
                            if epoch >= inner.epoch {
                                inner.queue.extend(messages);
                            }
                        }
                        Ok(Delivery::Error(e)) => {
                            self.undemand();
                            return Poll::Ready(Err(e));
                        }
                        Err(_) => {
                            self.undemand();
                            return Poll::Ready(Err(StreamErr::Backend(RedisErr::ConsumerDied)));
                        }
                    }
                }
            }
        }
    }
}

impl Drop for NextFuture<'_> {
    fn drop(&mut self) {
        self.undemand();
    }
}

/// An endless stream of messages from a [`RedisConsumer`](crate::RedisConsumer).
pub struct StreamFuture<'a> {
    con: Source<'a>,
    fut: Option<NextFuture<'a>>,
}

/// The stream type of [`RedisConsumer`](crate::RedisConsumer) (upstream name: `StreamFuture`).
pub type RedisMessageStream<'a> = StreamFuture<'a>;

impl std::fmt::Debug for StreamFuture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisMessageStream")
    }
}

impl<'a> StreamFuture<'a> {
    /// A stream reading from `con` (see `StreamFuture::new`).
    pub(crate) fn from_source(con: Source<'a>) -> Self {
        Self { con, fut: None }
    }
}

impl Stream for StreamFuture<'_> {
    type Item = RedisResult<SharedMessage>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let con = self.con;
        let fut = self.fut.get_or_insert_with(|| NextFuture::new(con));
        match Pin::new(fut).poll(cx) {
            Poll::Ready(item) => {
                self.fut = None;
                Poll::Ready(Some(item))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
