//! Pacing reads that come back empty at once.
//!
//! A blocking read returns nothing only after its `BLOCK` time. A server (or proxy) that
//! answers a read with nothing before that would otherwise have the consumer re-issue it in a
//! tight loop (thousands of reads a second). After such a read the task pauses: 10 ms, then
//! twice as long each time, at most 1 s ([`Backoff::empty_reads`]); the pause is back to
//! 10 ms once a read returns entries, or blocks as it should.
//!
//! Whether a read blocked is judged against its own `BLOCK` time, counted from when it was
//! sent ([`Pace::sent`], [`Pace::sent_ahead`]): an empty reply that came sooner did not block,
//! however long the step took. (A fixed threshold on the step's duration would take a slow
//! empty reply, or a consumer delayed by a loaded machine, for a read that blocked, and
//! re-read at once.)

use crate::policy::Backoff;
use std::time::{Duration, Instant};

/// The first pause after a read came back empty at once.
#[cfg(test)]
pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);
/// Redis times blocked reads out on a millisecond clock: a read can come back empty up to
/// this much before its `BLOCK` time has passed on ours and still have blocked.
const CLOCK_GRAIN: Duration = Duration::from_millis(1);

/// Back-off state of a consumer task's reads.
#[derive(Debug)]
pub(crate) struct Pace {
    backoff: Backoff,
    /// Entries (or a change of position) were seen since [`Pace::start`].
    progressed: bool,
    /// An empty reply to this step's read before this instant did not block (`None`: the
    /// step sent no blocking read).
    blocked_at: Option<Instant>,
    /// The same for the read sent ahead for the next step.
    ahead: Option<Instant>,
    warned: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            backoff: Backoff::empty_reads(),
            progressed: false,
            blocked_at: None,
            ahead: None,
            warned: false,
        }
    }
}

/// When a read sent now that asks to block `block` may come back empty, at the earliest.
fn blocked_at(block: Duration) -> Instant {
    Instant::now() + block.saturating_sub(CLOCK_GRAIN)
}

impl Pace {
    /// A read (or claim, or wait) begins.
    pub fn start(&mut self) {
        self.progressed = false;
        self.blocked_at = None;
    }

    /// The step's read is sent now, asking the server to block `block` (or the step waits
    /// that long for a key to be written).
    pub fn sent(&mut self, block: Duration) {
        self.blocked_at = Some(blocked_at(block));
    }

    /// The next step's read is sent now, ahead of time, asking to block `block`.
    pub fn sent_ahead(&mut self, block: Duration) {
        self.ahead = Some(blocked_at(block));
    }

    /// The step waits for the reply of the read sent ahead.
    pub fn awaits_ahead(&mut self) {
        self.blocked_at = self.ahead.take();
    }

    /// The read returned entries, or moved a position on: reading goes on at full speed.
    pub fn progress(&mut self) {
        self.progressed = true;
        self.backoff.reset();
    }

    /// The step delivered nothing: how long to pause before the next read.
    pub fn after_empty(&mut self) -> Option<Duration> {
        if self.progressed {
            return None;
        }
        if self.blocked_at.is_some_and(|at| Instant::now() >= at) {
            // it blocked: the server behaves
            self.backoff.reset();
            return None;
        }
        let pause = self.backoff.next_delay().unwrap_or(MAX_PAUSE);
        if !self.warned && pause >= Duration::from_millis(100) {
            self.warned = true;
            log::warn!(
                "Reads return nothing without blocking; pausing between reads (up to {MAX_PAUSE:?})"
            );
        }
        Some(pause)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// A block time no test step outlasts.
    const LONG: Duration = Duration::from_secs(3600);

    #[test]
    fn pauses_grow_are_bounded_and_reset_on_data() {
        let mut pace = Pace::default();
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pace.start();
            pace.sent(LONG);
            pauses.push(pace.after_empty().expect("a pause"));
        }
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert!(pauses.windows(2).all(|w| w[1] == (w[0] * 2).min(MAX_PAUSE)));
        assert_eq!(*pauses.last().unwrap(), MAX_PAUSE);

        pace.start();
        pace.sent(LONG);
        pace.progress();
        assert_eq!(pace.after_empty(), None, "entries: no pause");
        pace.start();
        pace.sent(LONG);
        assert_eq!(pace.after_empty(), Some(FIRST_PAUSE), "reset");

        pace.start();
        pace.sent(Duration::ZERO);
        assert_eq!(pace.after_empty(), None, "it blocked");
        pace.start();
        pace.sent(LONG);
        assert_eq!(pace.after_empty(), Some(FIRST_PAUSE), "reset");
    }

    #[test]
    fn blocking_is_judged_by_the_read_s_own_block_time() {
        let mut pace = Pace::default();
        // a read asking to block 1 ms may come back at once on Redis' millisecond clock
        pace.start();
        pace.sent(Duration::from_millis(1));
        assert_eq!(pace.after_empty(), None);
        // a step that took long but whose read asked to block longer did not
        pace.start();
        pace.sent(LONG);
        assert_eq!(pace.after_empty(), Some(FIRST_PAUSE));
        // a step that sent no blocking read (a claim, an error) did not block either
        pace.start();
        assert_eq!(pace.after_empty(), Some(FIRST_PAUSE * 2));
        // a read sent ahead counts from when it was sent, once
        pace.sent_ahead(Duration::ZERO);
        pace.start();
        pace.awaits_ahead();
        assert_eq!(pace.after_empty(), None);
        pace.start();
        pace.awaits_ahead();
        assert_eq!(pace.after_empty(), Some(FIRST_PAUSE));
    }
}
