//! Late messages: a message is *late* when its timestamp is earlier than a message the join
//! has already yielded, so the output cannot be in timestamp order any more. Upstream yields
//! it silently; here it is counted and, if the caller asks, handed to a handler first.

use sea_streamer_types::Timestamp;

/// What [`StreamJoin::on_late`](crate::StreamJoin::on_late) takes: called with each late
/// message; return `Some(message)` to have it yielded anyway (as upstream does), `None` to
/// take it out of the joined stream.
pub(crate) type LateHandler<M> = Box<dyn FnMut(M) -> Option<M> + Send + Sync>;

/// The newest timestamp yielded so far, the number of late messages, and the handler.
pub(crate) struct LateTracker<M> {
    newest_yielded: Option<Timestamp>,
    count: u64,
    handler: Option<LateHandler<M>>,
}

impl<M> LateTracker<M> {
    pub(crate) fn new() -> Self {
        Self {
            newest_yielded: None,
            count: 0,
            handler: None,
        }
    }

    pub(crate) fn set_handler(&mut self, handler: LateHandler<M>) {
        self.handler = Some(handler);
    }

    pub(crate) fn has_handler(&self) -> bool {
        self.handler.is_some()
    }

    /// Late messages seen so far.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Note that a message stamped `ts` was yielded.
    pub(crate) fn yielded(&mut self, ts: Timestamp) {
        if self.newest_yielded.is_none_or(|newest| ts > newest) {
            self.newest_yielded = Some(ts);
        }
    }

    /// Whether a message stamped `ts` arrives late: strictly earlier than a yielded one
    /// (an equal timestamp still fits the output's timestamp order).
    pub(crate) fn is_late(&self, ts: Timestamp) -> bool {
        self.newest_yielded.is_some_and(|newest| ts < newest)
    }

    /// Count a late message and pass it through the handler, if any.
    pub(crate) fn handle(&mut self, message: M) -> Option<M> {
        self.count += 1;
        match self.handler.as_mut() {
            Some(handler) => handler(message),
            None => Some(message),
        }
    }
}
