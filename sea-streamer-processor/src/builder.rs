//! [`Processor`]'s construction and configuration (its run loop is in `processor.rs`).

use crate::dead_letter::ProducerSink;
use crate::end::InputEnd;
use crate::observe::Labels;
use crate::{Handler, Processor, ProcessorOptions, Progress};
use futures::FutureExt;
use sea_streamer_types::{Acknowledge, Producer, StreamErr, StreamKey};
use std::future::Future;

impl<'c, C, H> Processor<'c, C, H>
where
    C: Acknowledge,
    H: Handler,
{
    /// A processor of `consumer`'s messages with `handler`.
    pub fn new(consumer: &'c C, handler: H, options: ProcessorOptions) -> Self {
        Self {
            consumer,
            handler,
            options,
            dead_letter: None,
            flush: Vec::new(),
            progress: Progress::default(),
            end: InputEnd::default(),
            labels: Labels::default(),
        }
    }

    /// The `backend` and `group` labels of the runner's metrics (`backend` is `unknown`
    /// and there is no group unless set): `sea_streamer_processor_handled_total`,
    /// `_retried_total`, `_dead_lettered_total` and `_handler_seconds` (one attempt in 8),
    /// per input stream (see `sea_streamer_types::observe`). Label values come from
    /// configuration, never from messages.
    ///
    /// ```
    /// # use sea_streamer_processor::{Outbox, Processor, ProcessorOptions};
    /// # use sea_streamer_types::{Acknowledge, SharedMessage};
    /// # fn demo<C: Acknowledge>(consumer: &C) {
    /// let handler = |_: SharedMessage, _: Outbox| async { Ok(()) };
    /// let processor = Processor::new(consumer, handler, ProcessorOptions::default())
    ///     .metrics_labels("redis", Some("workers"));
    /// # let _ = processor;
    /// # }
    /// ```
    pub fn metrics_labels(mut self, backend: &'static str, group: Option<&str>) -> Self {
        self.labels = Labels {
            backend,
            group: group.map(str::to_owned),
        };
        self
    }

    /// Marks the input as finite: once `ended` resolves, the processor takes the messages
    /// the consumer already holds (without waiting for more), then ends as at the end of
    /// the input (see [`Processor`]). For a consumer that keeps waiting at the end of its
    /// input, e.g. a stdio consumer with `sea_streamer_stdio::stdin_closed()`. A fetch
    /// waiting when `ended` resolves is dropped: the consumer's `next()` must lose nothing
    /// when its future is dropped.
    pub fn end_of_input<F>(mut self, ended: F) -> Self
    where
        F: Future<Output = ()> + Send + 'c,
    {
        self.end.signal = Some(ended.boxed());
        self
    }

    /// Treats a consumer error for which `is_end` holds as the end of the input (e.g. a file
    /// consumer's `StreamEnded`): the run ends normally (see [`Processor`]) instead of
    /// stopping with [`ProcessorErr::Consumer`](crate::ProcessorErr::Consumer).
    pub fn end_on_error<F>(mut self, is_end: F) -> Self
    where
        F: Fn(&StreamErr<C::Error>) -> bool + Send + Sync + 'c,
    {
        self.end.is_end = Some(Box::new(is_end));
        self
    }

    /// Sends the messages that failed their last attempt to `stream` with `producer` (any
    /// backend), then acknowledges them. The producer is flushed at the end.
    pub fn dead_letter<P>(mut self, producer: P, stream: StreamKey) -> Self
    where
        P: Producer + 'static,
        P::SendFuture: Send + 'static,
    {
        self.flush.push(Box::new(producer.clone()));
        self.dead_letter = Some(Box::new(ProducerSink { producer, stream }));
        self
    }

    /// Flushes `producer` (e.g. the one the handler sends with) before `run` returns.
    pub fn flush_at_end<P: Producer + 'static>(mut self, producer: P) -> Self {
        self.flush.push(Box::new(producer));
        self
    }

    /// Live counters, readable while the processor runs (the fetched and processed counts are
    /// brought up to date on every round of the run loop: after each batch of at most 64
    /// messages, and whenever it waits).
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}
