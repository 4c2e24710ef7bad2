//! Pacing reads that come back empty at once.
//!
//! A blocking read returns nothing only after its `BLOCK` time. A server (or proxy) that
//! answers a read with nothing at once would otherwise have the consumer re-issue it in a
//! tight loop (thousands of reads a second). After such a read the task pauses: 10 ms, then
//! twice as long each time, at most 1 s ([`Backoff::empty_reads`]); the pause is back to
//! 10 ms once a read returns entries, or blocks as it should.

use crate::policy::Backoff;
use std::time::Duration;

/// The first pause after a read came back empty at once.
#[cfg(test)]
pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);
/// An empty read that took less than this did not block.
const IMMEDIATE: Duration = Duration::from_millis(20);

/// Back-off state of a consumer task's reads.
#[derive(Debug)]
pub(crate) struct Pace {
    backoff: Backoff,
    /// Entries (or a change of position) were seen since [`Pace::start`].
    progressed: bool,
    warned: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            backoff: Backoff::empty_reads(),
            progressed: false,
            warned: false,
        }
    }
}

impl Pace {
    /// A read (or claim, or wait) begins.
    pub fn start(&mut self) {
        self.progressed = false;
    }

    /// The read returned entries, or moved a position on: reading goes on at full speed.
    pub fn progress(&mut self) {
        self.progressed = true;
        self.backoff.reset();
    }

    /// The read delivered nothing after `elapsed`: how long to pause before the next one.
    pub fn after_empty(&mut self, elapsed: Duration) -> Option<Duration> {
        if self.progressed {
            return None;
        }
        if elapsed >= IMMEDIATE {
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

    #[test]
    fn pauses_grow_are_bounded_and_reset_on_data() {
        let mut pace = Pace::default();
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pace.start();
            pauses.push(pace.after_empty(Duration::ZERO).expect("a pause"));
        }
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert!(pauses.windows(2).all(|w| w[1] == (w[0] * 2).min(MAX_PAUSE)));
        assert_eq!(*pauses.last().unwrap(), MAX_PAUSE);

        pace.start();
        pace.progress();
        assert_eq!(pace.after_empty(Duration::ZERO), None, "entries: no pause");
        pace.start();
        assert_eq!(pace.after_empty(Duration::ZERO), Some(FIRST_PAUSE), "reset");

        pace.start();
        assert_eq!(pace.after_empty(Duration::from_secs(1)), None, "it blocked");
        pace.start();
        assert_eq!(pace.after_empty(Duration::ZERO), Some(FIRST_PAUSE), "reset");
    }
}
