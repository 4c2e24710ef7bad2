//! Beacon search: find the two beacons bracketing a target without reading the whole file.
//!
//! The search keeps an open interval `(left, right)` of beacon indices. Each probed beacon is judged
//! by a predicate: [`SurveyResult::Left`] (the target is after it), [`SurveyResult::Right`] (the target
//! is at or before it) or [`SurveyResult::Undecided`] (the beacon says nothing about the target).
//! Probes go to the unvisited index nearest the middle of the interval, so with informative beacons
//! the cost is logarithmic in the number of beacons.

use crate::error::FileErr;
use crate::error::SeekErr;
use crate::format::beacon::Beacon;
use std::collections::BTreeSet;
use std::future::{ready, Future, Ready};
use std::num::NonZeroU32;

/// Reads beacons by index.
pub trait BeaconReader {
    /// The future returned by [`BeaconReader::survey`].
    type Future<'a>: Future<Output = Result<Beacon, FileErr>>
    where
        Self: 'a;

    /// Read the beacon at `at` × interval.
    fn survey(&mut self, at: NonZeroU32) -> Self::Future<'_>;

    /// Number of beacons available (file size / interval).
    fn max_beacons(&self) -> u32;
}

/// The verdict of the search predicate on one beacon.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum SurveyResult {
    /// The target lies after this beacon.
    Left,
    /// The target lies at or before this beacon.
    Right,
    /// This beacon does not tell.
    Undecided,
}

/// The bookkeeping of a beacon search, shared by the async [`Surveyor`] and the internal blocking reader.
#[derive(Debug, Clone)]
pub(crate) struct SurveyState {
    left: u32,
    right: u32,
    max: u32,
    visited: BTreeSet<u32>,
    steps: u32,
}

impl SurveyState {
    pub fn new(max: u32) -> Self {
        Self {
            left: 0,
            right: u32::MAX,
            max,
            visited: BTreeSet::new(),
            steps: 0,
        }
    }

    /// The next beacon index to probe, or `None` when the bracket is final.
    pub fn next_probe(&self) -> Option<u32> {
        let lo = self.left.saturating_add(1).max(1);
        let hi = self.right.saturating_sub(1).min(self.max);
        if lo > hi {
            return None;
        }
        let mid = lo + (hi - lo) / 2;
        // nearest unvisited index to `mid` within [lo, hi]
        let up = (mid..=hi).find(|i| !self.visited.contains(i));
        let down = (lo..mid).rev().find(|i| !self.visited.contains(i));
        match (up, down) {
            (Some(u), Some(d)) => Some(if u - mid <= mid - d { u } else { d }),
            (Some(u), None) => Some(u),
            (None, Some(d)) => Some(d),
            (None, None) => None,
        }
    }

    /// Record the verdict on beacon `n`.
    pub fn record(&mut self, n: u32, result: SurveyResult) -> Result<(), FileErr> {
        self.steps += 1;
        if self.steps > self.max.saturating_add(1) {
            return Err(SeekErr::Exhausted.into());
        }
        self.visited.insert(n);
        match result {
            SurveyResult::Left => self.left = self.left.max(n),
            SurveyResult::Right => self.right = self.right.min(n),
            SurveyResult::Undecided => (),
        }
        Ok(())
    }

    pub fn result(&self) -> (u32, u32) {
        (self.left, self.right)
    }
}

/// Searches beacons for the bracket `(left, right)` around a target.
///
/// ```
/// use sea_streamer_file::{format::Beacon, MockBeacon, SurveyResult, Surveyor};
/// # async fn example() -> Result<(), sea_streamer_file::FileErr> {
/// let mut beacons = MockBeacon::new(10);
/// for i in 1..=10 {
///     beacons.add(i, Beacon { remaining_messages_bytes: i, items: vec![] });
/// }
/// let surveyor = Surveyor::new(&mut beacons, |b: &Beacon| {
///     if b.remaining_messages_bytes <= 3 { SurveyResult::Left } else { SurveyResult::Right }
/// })
/// .await?;
/// assert_eq!(surveyor.run().await?, (3, 4));
/// # Ok(())
/// # }
/// ```
pub struct Surveyor<'a, B: BeaconReader, F: Fn(&Beacon) -> SurveyResult> {
    reader: &'a mut B,
    func: F,
    state: SurveyState,
}

impl<'a, B: BeaconReader, F: Fn(&Beacon) -> SurveyResult> Surveyor<'a, B, F> {
    /// Prepare a search over the beacons of `reader`.
    pub async fn new(reader: &'a mut B, func: F) -> Result<Self, FileErr> {
        let max = reader.max_beacons();
        Ok(Self {
            reader,
            func,
            state: SurveyState::new(max),
        })
    }

    /// Run to completion; returns `(left, right)` (`0` / `u32::MAX` when unbounded).
    pub async fn run(mut self) -> Result<(u32, u32), FileErr> {
        while self.step().await? {}
        Ok(self.result())
    }

    /// Probe one beacon; returns `false` once the search is finished.
    pub async fn step(&mut self) -> Result<bool, FileErr> {
        let Some(n) = self.state.next_probe() else {
            return Ok(false);
        };
        let at = NonZeroU32::new(n).expect("probes start at 1");
        let beacon = self.reader.survey(at).await?;
        let verdict = (self.func)(&beacon);
        self.state.record(n, verdict)?;
        Ok(true)
    }

    /// The current bracket.
    pub fn result(&self) -> (u32, u32) {
        self.state.result()
    }
}

/// An in-memory [`BeaconReader`] for tests: beacons `1..=size`, missing ones are [`Beacon::empty`].
#[derive(Clone)]
pub struct MockBeacon {
    beacons: Vec<Beacon>,
}

impl MockBeacon {
    /// `size` empty beacons.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn new(size: usize) -> Self {
        assert!(size > 0, "MockBeacon needs at least one beacon");
        Self {
            beacons: vec![Beacon::empty(); size],
        }
    }

    /// Set beacon `n` (1-based).
    pub fn add(&mut self, n: u32, b: Beacon) {
        if let Some(slot) = self.beacons.get_mut((n as usize).wrapping_sub(1)) {
            *slot = b;
        }
    }
}

impl BeaconReader for MockBeacon {
    type Future<'a> = Ready<Result<Beacon, FileErr>>;

    fn survey(&mut self, at: NonZeroU32) -> Self::Future<'_> {
        ready(
            self.beacons
                .get(at.get() as usize - 1)
                .cloned()
                .ok_or(FileErr::NotEnoughBytes),
        )
    }

    fn max_beacons(&self) -> u32 {
        self.beacons.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_middle_then_skips_visited() {
        let mut s = SurveyState::new(10);
        assert_eq!(s.next_probe(), Some(5));
        s.record(5, SurveyResult::Undecided).unwrap();
        let p = s.next_probe().unwrap();
        assert!(p == 4 || p == 6);
        s.record(p, SurveyResult::Right).unwrap();
        assert_eq!(s.result(), (0, p));
    }

    #[test]
    fn eliminates_to_bracket() {
        let mut s = SurveyState::new(4);
        while let Some(n) = s.next_probe() {
            let v = if n <= 2 {
                SurveyResult::Left
            } else {
                SurveyResult::Right
            };
            s.record(n, v).unwrap();
        }
        assert_eq!(s.result(), (2, 3));
    }

    #[test]
    fn empty_is_unbounded() {
        let s = SurveyState::new(0);
        assert_eq!(s.next_probe(), None);
        assert_eq!(s.result(), (0, u32::MAX));
    }
}
