//! The join's decisions, apart from polling: what to do with a message pulled from the
//! input, when a message may be yielded, and how the buffer drains once the input ended.

use crate::buffer::KeyBuffers;
use crate::late::{LateHandler, LateTracker};
use crate::watermark::Watermark;
use crate::JoinOptions;
use sea_streamer_types::{Message, StreamKey};
use std::collections::BTreeSet;

/// Where the input stands.
#[derive(Debug)]
enum Input<E> {
    /// Still pulled from.
    Open,
    /// Ended (with the error that ended it, to be yielded once the buffer is drained).
    Ended(Option<E>),
    /// Drained, and the error (if any) yielded: only `None` from here on.
    Done,
}

/// Everything of a join but its input stream.
pub(crate) struct JoinCore<M, E> {
    aligned: BTreeSet<StreamKey>,
    buffer: KeyBuffers<M>,
    options: JoinOptions,
    clock: Watermark,
    late: LateTracker<M>,
    input: Input<E>,
}

impl<M: Message, E> JoinCore<M, E> {
    pub(crate) fn new(options: JoinOptions) -> Self {
        Self {
            aligned: BTreeSet::new(),
            buffer: KeyBuffers::new(),
            options,
            clock: Watermark::default(),
            late: LateTracker::new(),
            input: Input::Open,
        }
    }

    pub(crate) fn align(&mut self, key: StreamKey) {
        self.aligned.insert(key);
    }

    pub(crate) fn aligned(&self) -> &BTreeSet<StreamKey> {
        &self.aligned
    }

    pub(crate) fn options(&self) -> &JoinOptions {
        &self.options
    }

    pub(crate) fn set_options(&mut self, options: JoinOptions) {
        self.options = options;
    }

    pub(crate) fn set_late_handler(&mut self, handler: LateHandler<M>) {
        self.late.set_handler(handler);
    }

    pub(crate) fn has_late_handler(&self) -> bool {
        self.late.has_handler()
    }

    pub(crate) fn late_count(&self) -> u64 {
        self.late.count()
    }

    pub(crate) fn buffered_len(&self) -> usize {
        self.buffer.len()
    }

    pub(crate) fn input_open(&self) -> bool {
        matches!(self.input, Input::Open)
    }

    /// Take a message pulled from the input.
    pub(crate) fn receive(&mut self, message: M) {
        let key = message.stream_key();
        let ts = message.timestamp();
        let aligned = self.aligned.contains(&key);
        self.clock.observe(&key, ts, aligned);
        let message = if self.late.is_late(ts) {
            log::debug!("StreamJoin: late message from {key} at {ts}");
            match self.late.handle(message) {
                Some(message) => message,
                None => return,
            }
        } else {
            message
        };
        self.buffer.push(key, message);
    }

    /// Whether a message may be yielded while the input is open: something is buffered and
    /// every aligned key has a buffered message (with an idle timeout: or is idle, or has
    /// seen a message at least as late as the earliest buffered one); or the buffer is full.
    fn can_yield(&self) -> bool {
        if self.buffer.is_empty() {
            return false;
        }
        if self
            .options
            .max_buffered()
            .is_some_and(|max| self.buffer.len() >= max.get())
        {
            return true;
        }
        let Some(timeout) = self.options.idle_timeout() else {
            return self.aligned.iter().all(|key| self.buffer.has(key));
        };
        let earliest = self.buffer.earliest_timestamp();
        self.aligned.iter().all(|key| {
            self.buffer.has(key)
                || self.clock.is_idle(key, timeout)
                // its later messages cannot come before what it already sent
                || self
                    .clock
                    .newest_of(key)
                    .is_some_and(|newest| earliest.is_some_and(|e| e <= newest))
        })
    }

    /// The earliest buffered message, if one may be yielded now.
    pub(crate) fn try_yield(&mut self) -> Option<M> {
        if self.can_yield() {
            self.pop()
        } else {
            None
        }
    }

    /// Yield the earliest buffered message.
    fn pop(&mut self) -> Option<M> {
        let message = self.buffer.pop_earliest()?;
        self.late.yielded(message.timestamp());
        Some(message)
    }

    /// The input ended, by its end (`None`) or by an error.
    pub(crate) fn end_input(&mut self, error: Option<E>) {
        self.input = Input::Ended(error);
    }

    /// After the input ended: the buffered messages in order, then the error once, then
    /// `None` forever.
    pub(crate) fn drain(&mut self) -> Option<Result<M, E>> {
        if !matches!(self.input, Input::Ended(_)) {
            return None;
        }
        if let Some(message) = self.pop() {
            return Some(Ok(message));
        }
        match std::mem::replace(&mut self.input, Input::Done) {
            Input::Ended(error) => error.map(Err),
            _ => None,
        }
    }
}
