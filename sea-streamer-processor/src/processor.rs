//! [`Processor`]: the run loop (fetch, schedule per shard, acknowledge, commit, stop).

use crate::attempt::{after_failure, Outcome, Shared};
use crate::dead_letter::DeadLetterSink;
use crate::end::InputEnd;
use crate::event::Event;
use crate::flush::{flush_all, Flush};
use crate::lanes::Lanes;
use crate::observe::{timed, Labels, Observed, StreamMetrics};
use crate::slot::InSlot;
use crate::summary::Count;
use crate::{Handler, Outbox, ProcessorErr, ProcessorOptions, Progress, Summary};
use futures::future::{BoxFuture, Fuse, FusedFuture};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use sea_streamer_types::{Acknowledge, Consumer, Message, MessageHeader, SharedMessage};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

/// At most this many messages the consumer already holds are taken per wake of the run loop.
const BATCH: usize = 64;

/// Runs a [`Handler`] over the messages of a consumer that implements [`Acknowledge`].
///
/// - At most `concurrency` messages are handled at a time, and the messages of one
///   `(stream key, shard)` one after the other, in order (a message being retried holds
///   back the later ones of its shard, and only those).
/// - A message is acknowledged once the handler returned `Ok` and every receipt of what it
///   sent through its [`Outbox`](crate::Outbox) arrived; what is acknowledged is committed
///   at most every `commit_interval`, and at the end.
/// - A failed attempt is retried after an exponential back-off with jitter, up to
///   `max_attempts`, unless the error is [permanent](crate::HandlerErr::permanent). Then the
///   message goes to the [dead-letter destination](Self::dead_letter) as a
///   [`DeadLetter`](crate::DeadLetter) and is acknowledged; without one, the processor
///   stops with [`ProcessorErr::Failed`] (the message is not acknowledged).
/// - When the `shutdown` future resolves (or on an error), it stops fetching, lets the
///   messages in flight finish within `shutdown_deadline` (the rest are abandoned, not
///   acknowledged), commits, flushes the producers it knows, and returns a [`Summary`].
///   (Messages the consumer already holds are taken up to 64 at a time without waiting; the
///   `shutdown` future is polled between such batches.)
/// - With [`max_messages`](ProcessorOptions::set_max_messages), it stops fetching after
///   that many messages and returns once they are finished and committed.
/// - A finite input ([`end_of_input`](Self::end_of_input), [`end_on_error`](Self::end_on_error))
///   ends the run normally: fetching stops, every message in flight is finished (no
///   deadline), committed and flushed, and `run` returns `Ok`.
/// - Back-pressure: at most `max_in_flight` messages are fetched and not finished, and
///   each handler leaves at most `max_pending_sends` receipts pending.
///
/// ```no_run
/// use sea_streamer_processor::{HandlerErr, Outbox, Processor, ProcessorOptions};
/// use sea_streamer_types::{Acknowledge, Buffer, Message, Producer, SharedMessage, StreamKey};
///
/// async fn upper<C, P>(consumer: &C, producer: P, dead: P) -> Result<(), Box<dyn std::error::Error>>
/// where
///     C: Acknowledge,
///     C::Error: 'static,
///     P: Producer + 'static,
///     P::SendFuture: Send + 'static,
/// {
///     let output = StreamKey::new("upper")?;
///     let handler = |message: SharedMessage, outbox: Outbox| {
///         let (producer, output) = (producer.clone(), output.clone());
///         async move {
///             let text = message.message().as_str().map_err(HandlerErr::permanent)?.to_uppercase();
///             outbox.send(&producer, &output, text.as_str()).await
///         }
///     };
///     let mut options = ProcessorOptions::default();
///     options.set_concurrency(8).set_max_attempts(3);
///     let summary = Processor::new(consumer, handler, options)
///         .dead_letter(dead, StreamKey::new("upper-dead")?)
///         .run(async { /* e.g. wait for Ctrl-C */ })
///         .await?;
///     log::info!("{summary:?}");
///     Ok(())
/// }
/// ```
pub struct Processor<'c, C: Consumer, H> {
    pub(crate) consumer: &'c C,
    pub(crate) handler: H,
    pub(crate) options: ProcessorOptions,
    pub(crate) dead_letter: Option<Box<dyn DeadLetterSink + 'c>>,
    pub(crate) flush: Vec<Box<dyn Flush + 'c>>,
    pub(crate) progress: Progress,
    pub(crate) end: InputEnd<'c, C::Error>,
    pub(crate) labels: Labels,
}

impl<C: Consumer, H> std::fmt::Debug for Processor<'_, C, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("options", &self.options)
            .field("dead_letter", &self.dead_letter.is_some())
            .field("progress", &self.progress.snapshot())
            .finish()
    }
}

impl<'c, C, H> Processor<'c, C, H>
where
    C: Acknowledge,
    H: Handler,
{
    /// Runs until `shutdown` resolves or an error stops it; see [`Processor`].
    pub async fn run<S>(self, shutdown: S) -> Result<Summary, ProcessorErr<C::Error>>
    where
        S: Future<Output = ()>,
    {
        self.options.validate()?;
        let Self {
            consumer,
            handler,
            options,
            dead_letter,
            mut flush,
            progress,
            mut end,
            labels,
        } = self;
        let shared = Shared {
            handler: Observed::new(handler, labels),
            options: &options,
            dead_letter: dead_letter.as_deref(),
        };
        let mut stream_metrics = StreamMetrics::default();
        let mut lanes = Lanes::new(options.concurrency());
        // Empty slots and outboxes of finished messages, for the next ones.
        let mut slots = Vec::new();
        let mut outboxes: Vec<Outbox> = Vec::new();
        let mut running = FuturesUnordered::new();
        // Messages whose first attempt failed: the rest of their handling, boxed.
        let mut retrying = FuturesUnordered::new();
        // The consumer's `next()` future while a fetch waits (polled where it is, never dropped
        // while waiting, except at the end of the input or when stopping).
        let mut fetching = pin!(None::<C::NextFuture<'c>>);
        let signal = end.signal.take();
        let mut end_signal = pin!(signal.map_or_else(Fuse::terminated, FutureExt::fuse));
        // The input has ended (fetch only what is at hand); and nothing is left of it.
        let (mut ended, mut drained) = (false, false);
        let mut shutdown = pin!(shutdown.fuse());
        let mut deadline = pin!(Fuse::<BoxFuture<'static, ()>>::terminated());
        let mut stop: Option<ProcessorErr<C::Error>> = None;
        let mut stopping = false;
        let mut in_flight = 0usize;
        let mut acked_since_commit = false;
        let mut last_commit = Instant::now();
        let mut deadline_passed = false;
        let mut taken = 0u64;
        // Fetched and processed messages not added to `progress` yet (it is updated before the
        // run loop waits: two atomic additions per message were a hot spot of their own).
        let (mut fetched_since, mut processed_since) = (0u64, 0u64);
        let limit_reached = |taken: u64| options.max_messages().is_some_and(|max| taken >= max);

        // Adds the fetched and processed messages counted since the last time to `progress`
        // (before any other count, so that its `in_flight` never goes below zero).
        macro_rules! publish {
            () => {{
                if fetched_since > 0 {
                    progress.add(Count::Fetched, std::mem::take(&mut fetched_since));
                }
                if processed_since > 0 {
                    progress.add(Count::Processed, std::mem::take(&mut processed_since));
                }
            }};
        }

        // Stops fetching and starts the deadline; keeps the first error.
        macro_rules! begin_stop {
            ($error:expr) => {{
                let error: Option<ProcessorErr<C::Error>> = $error;
                if let (None, Some(e)) = (&stop, error) {
                    // The error is returned from `run`; logging it here too would print it twice.
                    log::debug!("stopping: {e}");
                    stop = Some(e);
                }
                if !stopping {
                    stopping = true;
                    fetching.set(None);
                    let sleep = sea_streamer_runtime::sleep(options.shutdown_deadline());
                    deadline.set(sleep.boxed().fuse());
                }
            }};
        }

        // Keeps the outbox of a message whose first attempt is over (the runner's clone; the
        // attempt's future is dropped) for another message, unless a clone of it is left.
        macro_rules! recycle {
            ($outbox:expr) => {{
                if let Some(outbox) = Outbox::reuse($outbox) {
                    if outboxes.len() < options.concurrency() {
                        outboxes.push(outbox);
                    }
                }
            }};
        }

        // A message (this header) is done after `attempts`: free its lane (`held`: marked
        // busy), count it, acknowledge it (committed at the top of the run loop, when due).
        macro_rules! on_finished {
            ($header:expr, $attempts:expr, $outcome:expr, $held:expr) => {{
                let header: MessageHeader = $header;
                let attempts: u32 = $attempts;
                let outcome: Outcome = $outcome;
                in_flight -= 1;
                lanes.finish(&header, $held);
                if attempts > 1 {
                    publish!();
                    progress.add(Count::Retried, u64::from(attempts - 1));
                }
                stream_metrics.finished(&shared.handler, header.stream_key(), attempts, &outcome);
                let ack = match outcome {
                    Outcome::Processed => {
                        processed_since += 1;
                        true
                    }
                    Outcome::DeadLettered => {
                        publish!();
                        progress.add(Count::DeadLettered, 1);
                        true
                    }
                    Outcome::Failed(error) => {
                        publish!();
                        progress.add(Count::Failed, 1);
                        begin_stop!(Some(ProcessorErr::Failed {
                            header: header.clone(),
                            attempts,
                            error: error.into()
                        }));
                        false
                    }
                    Outcome::DeadLetterFailed(error) => {
                        publish!();
                        progress.add(Count::Failed, 1);
                        begin_stop!(Some(ProcessorErr::DeadLetter {
                            header: header.clone(),
                            error: error.into()
                        }));
                        false
                    }
                };
                if ack {
                    match consumer.ack(&header) {
                        Ok(()) => acked_since_commit = true,
                        Err(e) => begin_stop!(Some(ProcessorErr::Consumer(e))),
                    }
                }
            }};
        }

        // Starts a message: its first attempt (the handler, given `message`) in a spare slot
        // (or a new one), with a spare outbox (or a new one) of which the runner keeps a
        // clone. Polled once here, with this task's waker: a message whose work completes at
        // once (e.g. sends to a file) is finished without a round through `running`, and
        // acknowledged by its header; one that waits (for its attempt or its receipts) is
        // moved there with a copy of `original` (the same message: the consumer's, for a
        // fetched one, so that the handler's is the only copy made when it finishes at once);
        // one whose attempt failed goes on in `retrying`. `held`: its lane is marked busy
        // (started from the lanes); otherwise it is marked only if it does not finish at once.
        macro_rules! start {
            ($message:expr, $original:expr, $held:expr) => {{
                let message: SharedMessage = $message;
                let original = $original;
                let held: bool = $held;
                let header = message.header().clone();
                let outbox = outboxes
                    .pop()
                    .unwrap_or_else(|| Outbox::new(options.max_pending_sends()));
                let mut slot = slots.pop().unwrap_or_else(|| Box::pin(None));
                let timing = stream_metrics.timing(&shared.handler, header.stream_key());
                slot.set(Some(shared.handler.first(message, outbox.clone())));
                let polled = match slot.as_mut().as_pin_mut() {
                    Some(attempt) => futures::poll!(attempt),
                    None => Poll::Pending,
                };
                match polled {
                    Poll::Ready(Ok(())) if outbox.settled() => {
                        timed(timing);
                        slot.set(None);
                        slots.push(slot);
                        recycle!(outbox);
                        drop(original);
                        on_finished!(header, 1, Outcome::Processed, held);
                    }
                    Poll::Ready(result) => {
                        timed(timing);
                        slot.set(None);
                        slots.push(slot);
                        if !held {
                            lanes.hold(&header);
                        }
                        let message = Message::to_owned(&original);
                        match result {
                            // its receipts wait
                            Ok(()) => running.push(InSlot::settling(outbox, message)),
                            Err(error) => {
                                recycle!(outbox);
                                retrying.push(Box::pin(after_failure(&shared, message, error)));
                            }
                        }
                    }
                    Poll::Pending => {
                        if !held {
                            lanes.hold(&header);
                        }
                        let message = Message::to_owned(&original);
                        running.push(InSlot::new(slot, outbox, message, timing));
                    }
                }
            }};
        }

        // A fetch resolved: track and start (or queue) the message, or note the end of the
        // input, or stop on an error.
        macro_rules! on_fetched {
            ($fetched:expr) => {{
                match $fetched {
                    Some(Ok(original)) => {
                        let message = Message::to_owned(&original);
                        fetched_since += 1;
                        taken += 1;
                        match consumer.track(message.header()) {
                            Ok(()) => {
                                in_flight += 1;
                                // straight to work when its lane and a place are free
                                if lanes.start_now(&message, options.concurrency()) {
                                    start!(message, original, false);
                                } else {
                                    lanes.push(message);
                                }
                            }
                            Err(e) => {
                                publish!();
                                progress.add(Count::Abandoned, 1);
                                begin_stop!(Some(ProcessorErr::Consumer(e)));
                            }
                        }
                    }
                    Some(Err(e)) if end.is_end(&e) => {
                        log::info!("end of input: finishing {in_flight} message(s) in flight");
                        drained = true;
                    }
                    Some(Err(e)) => begin_stop!(Some(ProcessorErr::Consumer(e))),
                    None => {
                        log::info!("end of input: finishing {in_flight} message(s) in flight");
                        drained = true;
                    }
                }
            }};
        }

        loop {
            publish!();
            // Once per wake of this loop (or batch of held messages), not per acknowledgement:
            // reading the clock per message was a tenth of the runner's own work on a file.
            if acked_since_commit && last_commit.elapsed() >= options.commit_interval() {
                acked_since_commit = false;
                last_commit = Instant::now();
                // What the handlers sent is written out before the input position moves past
                // it: a receipt may resolve once the message is queued (the file backend's
                // does), and a crash between a commit and the write would lose the output of
                // a committed input.
                match flush_all(&mut flush).await {
                    Ok(()) => {
                        if let Err(e) = consumer.commit_acked().await {
                            begin_stop!(Some(ProcessorErr::Consumer(e)));
                        }
                    }
                    Err(e) => begin_stop!(Some(ProcessorErr::Flush(e))),
                }
            }
            while lanes.waiting() > 0 && running.len() + retrying.len() < options.concurrency() {
                let Some(message) = lanes.start() else { break };
                start!(message.clone(), message, true);
            }
            debug_assert_eq!(lanes.waiting() + lanes.running(), in_flight);
            if (stopping || drained || limit_reached(taken)) && in_flight == 0 {
                break;
            }
            if !stopping
                && !drained
                && !limit_reached(taken)
                && in_flight < options.max_in_flight()
                && fetching.is_none()
            {
                fetching.set(Some(consumer.next()));
            }
            // the counters are up to date whenever the run loop waits
            publish!();
            // The first source ready, in order of priority.
            let event = poll_fn(|cx| {
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::DeadlinePassed);
                }
                if let Poll::Ready(Some(done)) = running.poll_next_unpin(cx) {
                    return Poll::Ready(Event::Finished(done));
                }
                if let Poll::Ready(Some(finished)) = retrying.poll_next_unpin(cx) {
                    return Poll::Ready(Event::Retried(finished));
                }
                if end_signal.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::InputEnded);
                }
                if shutdown.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Event::Shutdown);
                }
                if let Some(next) = fetching.as_mut().as_pin_mut() {
                    match next.poll(cx) {
                        Poll::Ready(fetched) => {
                            fetching.set(None);
                            return Poll::Ready(Event::Fetched(Some(fetched)));
                        }
                        // once the input has ended, only what the consumer holds is taken
                        Poll::Pending if ended => {
                            fetching.set(None);
                            return Poll::Ready(Event::Fetched(None));
                        }
                        Poll::Pending => {}
                    }
                }
                if deadline.is_terminated()
                    && running.is_empty()
                    && retrying.is_empty()
                    && end_signal.is_terminated()
                    && shutdown.is_terminated()
                    && fetching.is_none()
                {
                    return Poll::Ready(Event::Idle);
                }
                Poll::Pending
            })
            .await;
            match event {
                Event::DeadlinePassed => {
                    deadline_passed = true;
                    break;
                }
                Event::Finished((result, slot, outbox, message)) => {
                    slots.extend(slot);
                    recycle!(outbox);
                    match result {
                        Ok(()) => on_finished!(message.take_header(), 1, Outcome::Processed, true),
                        Err(error) => {
                            retrying.push(Box::pin(after_failure(&shared, message, error)));
                        }
                    }
                }
                Event::Retried(finished) => {
                    let header = finished.message.take_header();
                    on_finished!(header, finished.attempts, finished.outcome, true);
                }
                Event::InputEnded => {
                    log::info!("end of input: taking what the consumer holds");
                    ended = true;
                    // a fetch waiting for more is replaced by one that does not wait
                    fetching.set(None);
                }
                Event::Shutdown => {
                    log::info!("shutdown requested: finishing {in_flight} message(s) in flight");
                    begin_stop!(None);
                }
                Event::Fetched(fetched) => {
                    on_fetched!(fetched);
                    // Messages the consumer already holds (a buffered consumer's next ones)
                    // are taken without a round through this loop, up to a bound: one poll of
                    // a fetch each, with this task's waker. A fetch that waits stays in
                    // `fetching` (the same future, never dropped) for the next round. The
                    // shutdown future was polled just before this batch: a shutdown is seen
                    // at most `BATCH` messages later.
                    let mut batch = 1;
                    while batch < BATCH
                        && !stopping
                        && !drained
                        && !limit_reached(taken)
                        && in_flight < options.max_in_flight()
                        && lanes.waiting() == 0
                    {
                        fetching.set(Some(consumer.next()));
                        let polled = match fetching.as_mut().as_pin_mut() {
                            Some(next) => futures::poll!(next),
                            None => break,
                        };
                        let fetched = match polled {
                            Poll::Ready(fetched) => Some(fetched),
                            // the input has ended and the consumer holds nothing more
                            Poll::Pending if ended => None,
                            Poll::Pending => break,
                        };
                        fetching.set(None);
                        on_fetched!(fetched);
                        batch += 1;
                    }
                }
                Event::Idle => break,
            }
        }
        drop(running);
        drop(retrying);
        drop(slots);
        publish!();
        if deadline_passed {
            log::warn!("shutdown deadline passed: {in_flight} message(s) abandoned");
            progress.add(Count::Abandoned, in_flight as u64);
        }
        // Flushed before the commit, for the reason given at the periodic commit; nothing is
        // committed if a flush failed (those inputs are processed again on the next start).
        match flush_all(&mut flush).await {
            Ok(()) => {
                if let Err(e) = consumer.commit_acked().await {
                    stop.get_or_insert(ProcessorErr::Consumer(e));
                }
            }
            Err(e) => {
                stop.get_or_insert(ProcessorErr::Flush(e));
            }
        }
        let summary = progress.snapshot();
        log::info!("processor stopped: {summary:?}");
        match stop {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_streamer_file::{FileConsumer, FileProducer};
    use sea_streamer_types::StreamKey;

    /// The run future can be spawned on a multi-threaded runtime (a compile-time check).
    #[allow(dead_code)]
    fn run_is_send(consumer: &FileConsumer, producer: FileProducer, output: StreamKey) {
        fn send<T: Send>(_: T) {}
        let handler = move |message: SharedMessage, outbox: Outbox| {
            let (producer, output) = (producer.clone(), output.clone());
            async move { outbox.send(&producer, &output, message.message()).await }
        };
        send(Processor::new(consumer, handler, ProcessorOptions::default()).run(async {}));
    }
}
