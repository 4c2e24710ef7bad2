//! W3C trace context (`traceparent`) carried in message [`Headers`], and the "current"
//! context of a task ([`TraceContext::current`], [`TraceContext::scope`]).
//!
//! Propagation is opt-in per producer and consumer (each backend's options). With it on, a
//! producer writes a `traceparent` header on every message: a child of the current context
//! if the sending task runs inside [`TraceContext::scope`], a new trace otherwise; and it
//! records a `sea_streamer.produce` tracing event with the `trace_id`, `span_id` and
//! `parent_id` fields. A consumer records a `sea_streamer.consume` event with the
//! message's `trace_id` and `parent_id`. The processor runner runs each handler inside the
//! scope of its message's context, so what the handler sends continues the trace in the
//! next process.

use crate::Headers;
use std::{
    cell::Cell,
    collections::hash_map::RandomState,
    fmt,
    future::Future,
    hash::{BuildHasher, Hasher},
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering},
    task::{Context, Poll},
};
use thiserror::Error;

/// The header name of the W3C trace context.
pub const TRACEPARENT: &str = "traceparent";

/// A `traceparent` value that does not follow the W3C format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid traceparent {value:?}: {reason}")]
pub struct TraceParentErr {
    /// The value as read.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A W3C trace context: trace id, parent (span) id and flags.
///
/// ```
/// use sea_streamer_types::TraceContext;
///
/// let parent: TraceContext = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap();
/// assert_eq!(parent.trace_id(), "0af7651916cd43dd8448eb211c80319c");
/// let child = parent.child();
/// assert_eq!(child.trace_id(), parent.trace_id());
/// assert_ne!(child.span_id(), parent.span_id());
/// assert_eq!(child.to_string().len(), 55);
/// assert!("00-xyz".parse::<TraceContext>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceContext {
    trace_id: u128,
    span_id: u64,
    flags: u8,
}

thread_local! {
    static CURRENT: Cell<Option<TraceContext>> = const { Cell::new(None) };
}

impl TraceContext {
    /// A new trace (random trace and span ids, sampled).
    pub fn new_root() -> Self {
        let trace_id = ((random_u64() as u128) << 64) | random_u64() as u128;
        Self {
            trace_id: trace_id.max(1),
            span_id: random_u64().max(1),
            flags: 1,
        }
    }

    /// A new span of the same trace.
    pub fn child(&self) -> Self {
        Self {
            span_id: random_u64().max(1),
            ..*self
        }
    }

    /// The 32 lower-case hex digits of the trace id.
    pub fn trace_id(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// The 16 lower-case hex digits of the span id.
    pub fn span_id(&self) -> String {
        format!("{:016x}", self.span_id)
    }

    /// True if the sampled flag is set.
    pub fn is_sampled(&self) -> bool {
        self.flags & 1 == 1
    }

    /// The context in the `traceparent` header, if there is a valid one.
    pub fn from_headers(headers: &Headers) -> Option<Self> {
        headers.get_str(TRACEPARENT)?.parse().ok()
    }

    /// Writes this context as the `traceparent` header.
    pub fn write_to(&self, headers: &mut Headers) {
        headers.insert(TRACEPARENT, self.to_string());
    }

    /// The context of the running task, set by [`TraceContext::scope`].
    pub fn current() -> Option<Self> {
        CURRENT.with(|c| c.get())
    }

    /// Runs `future` with this context as [`TraceContext::current`] (set while the future
    /// is polled, on whatever thread polls it).
    ///
    /// ```
    /// use sea_streamer_types::TraceContext;
    ///
    /// use std::{future::Future, pin::pin, task::{Context, Poll, Waker}};
    ///
    /// let ctx = TraceContext::new_root();
    /// let mut scoped = pin!(ctx.scope(async { TraceContext::current() }));
    /// let seen = scoped.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    /// assert_eq!(seen, Poll::Ready(Some(ctx)));
    /// assert_eq!(TraceContext::current(), None);
    /// ```
    pub fn scope<F: Future>(self, future: F) -> Scoped<F> {
        Scoped {
            context: self,
            future: Box::pin(future),
        }
    }
}

impl fmt::Display for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

impl std::str::FromStr for TraceContext {
    type Err = TraceParentErr;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let err = |reason| TraceParentErr {
            value: value.to_owned(),
            reason,
        };
        let parts: Vec<&str> = value.trim().split('-').collect();
        if parts.len() < 4 {
            return Err(err("expected version-traceid-spanid-flags"));
        }
        fn hex(s: &str, len: usize) -> Option<&str> {
            (s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
                .then_some(s)
        }
        let version = hex(parts[0], 2).ok_or_else(|| err("bad version"))?;
        if version == "ff" || (version == "00" && parts.len() != 4) {
            return Err(err("bad version"));
        }
        let trace_id = hex(parts[1], 32)
            .and_then(|s| u128::from_str_radix(s, 16).ok())
            .ok_or_else(|| err("trace id is not 32 lower-case hex digits"))?;
        let span_id = hex(parts[2], 16)
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .ok_or_else(|| err("parent id is not 16 lower-case hex digits"))?;
        let flags = hex(parts[3], 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .ok_or_else(|| err("flags are not 2 hex digits"))?;
        if trace_id == 0 || span_id == 0 {
            return Err(err("all-zero id"));
        }
        Ok(Self {
            trace_id,
            span_id,
            flags,
        })
    }
}

/// The future of [`TraceContext::scope`].
pub struct Scoped<F> {
    context: TraceContext,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let previous = CURRENT.with(|c| c.replace(Some(self.context)));
        let _restore = Restore(previous);
        self.future.as_mut().poll(cx)
    }
}

impl<F> fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scoped")
            .field("context", &self.context)
            .finish_non_exhaustive()
    }
}

/// Puts the previous context back, also when the polled future panics.
struct Restore(Option<TraceContext>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// 64 unpredictable bits: std's randomly keyed hasher over a process-wide counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        let ctx = TraceContext::new_root();
        let parsed: TraceContext = ctx.to_string().parse().unwrap();
        assert_eq!(parsed, ctx);
        for bad in [
            "",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        ] {
            assert!(bad.parse::<TraceContext>().is_err(), "{bad}");
        }
        // A future version may append fields.
        assert!(
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"
                .parse::<TraceContext>()
                .is_ok()
        );
    }

    #[test]
    fn ids_differ() {
        let a = TraceContext::new_root();
        let b = TraceContext::new_root();
        assert_ne!(a.trace_id(), b.trace_id());
        assert_ne!(a.span_id(), a.child().span_id());
    }

    #[test]
    fn headers_carry_the_context() {
        let ctx = TraceContext::new_root();
        let mut headers = Headers::new();
        ctx.write_to(&mut headers);
        assert_eq!(TraceContext::from_headers(&headers), Some(ctx));
    }
}
