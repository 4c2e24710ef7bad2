//! [`stdin_closed`]: a future that resolves once stdin has ended, for programs (such as a
//! relay) that treat the end of their input as the end of their work.
//!
//! Consumers themselves keep waiting after the end of input, as upstream (loopback messages
//! may still arrive); this is the separate signal that no more lines will come.

use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, Mutex};
use std::task::{Context, Poll, Waker};

/// Whether stdin has ended, and who waits for it.
#[derive(Default)]
struct State {
    closed: bool,
    wakers: Vec<Waker>,
}

static STATE: LazyLock<Mutex<State>> = LazyLock::new(Default::default);

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Called by the stdin thread after it dispatched the last line (end of input, or a read
/// error).
pub(crate) fn mark_stdin_closed() {
    let wakers = {
        let mut state = state();
        state.closed = true;
        std::mem::take(&mut state.wakers)
    };
    for waker in wakers {
        waker.wake();
    }
}

/// Resolves once the process-wide stdin reader has reached the end of stdin (or failed
/// reading it) **and** dispatched every line it read to the consumers' queues: after it
/// resolves, whatever a consumer can still get from stdin is already queued, so a program
/// can take its consumer's ready messages (e.g. with `now_or_never`) and stop.
///
/// Stdin is only read once a consumer asks for a message, so this never resolves in a
/// process that does not consume.
///
/// ```no_run
/// # async fn f() -> sea_streamer_stdio::StdioResult<()> {
/// use futures::FutureExt;
/// use sea_streamer_stdio::{stdin_closed, StdioConsumerOptions, StdioStreamer};
/// use sea_streamer_types::{Consumer, StreamKey, Streamer, StreamerUri};
///
/// let streamer = StdioStreamer::connect(StreamerUri::zero(), Default::default()).await?;
/// let consumer = streamer
///     .create_consumer(&[StreamKey::new("k")?], StdioConsumerOptions::default())
///     .await?;
/// let mut closed = stdin_closed();
/// loop {
///     futures::select! {
///         message = consumer.next().fuse() => { let _ = message?; }
///         _ = closed => break,
///     }
/// }
/// while let Some(message) = consumer.next().now_or_never() {
///     let _ = message?; // lines read before the end
/// }
/// # Ok(()) }
/// ```
pub fn stdin_closed() -> StdinClosed {
    StdinClosed { done: false }
}

/// The future of [`stdin_closed`]; a [`FusedFuture`](futures::future::FusedFuture) that is
/// terminated once it has resolved.
#[derive(Debug)]
pub struct StdinClosed {
    done: bool,
}

impl Future for StdinClosed {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let mut state = state();
        if state.closed {
            drop(state);
            self.done = true;
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl futures::future::FusedFuture for StdinClosed {
    fn is_terminated(&self) -> bool {
        self.done
    }
}
