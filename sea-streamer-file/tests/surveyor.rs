//! tests-behaviour: `surveyor` — the beacon bracket search on mock beacons.
#![cfg(any(feature = "runtime-tokio", feature = "runtime-async-std"))]

use sea_streamer_file::{format::Beacon, MockBeacon, SurveyResult, Surveyor};

fn judge(b: &Beacon) -> SurveyResult {
    match b.remaining_messages_bytes {
        0 => SurveyResult::Undecided,
        1..=3 => SurveyResult::Left,
        _ => SurveyResult::Right,
    }
}

async fn run(present: &[u32]) -> (u32, u32) {
    let mut mock = MockBeacon::new(10);
    for &i in present {
        mock.add(
            i,
            Beacon {
                remaining_messages_bytes: i,
                items: vec![],
            },
        );
    }
    Surveyor::new(&mut mock, judge)
        .await
        .unwrap()
        .run()
        .await
        .unwrap()
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn surveyor() {
    assert_eq!(run(&[]).await, (0, u32::MAX));
    assert_eq!(run(&(1..=10).collect::<Vec<_>>()).await, (3, 4));
    let all_but = |skip: &[u32]| (1..=10).filter(|i| !skip.contains(i)).collect::<Vec<_>>();
    assert_eq!(run(&all_but(&[4])).await, (3, 5));
    assert_eq!(run(&all_but(&[3, 4])).await, (2, 5));
    assert_eq!(run(&[1, 8, 9]).await, (1, 8));
    assert_eq!(run(&[8, 9]).await, (0, 8));
    assert_eq!(run(&[3]).await, (3, u32::MAX));
    assert_eq!(run(&[8]).await, (0, 8));
}

/// Counts probes: the search is logarithmic when every beacon is informative.
struct Counting {
    inner: MockBeacon,
    probes: u32,
}

impl sea_streamer_file::BeaconReader for Counting {
    type Future<'a> = <MockBeacon as sea_streamer_file::BeaconReader>::Future<'a>;

    fn survey(&mut self, at: std::num::NonZeroU32) -> Self::Future<'_> {
        self.probes += 1;
        self.inner.survey(at)
    }

    fn max_beacons(&self) -> u32 {
        self.inner.max_beacons()
    }
}

#[cfg_attr(feature = "runtime-tokio", tokio::test)]
#[cfg_attr(feature = "runtime-async-std", async_std::test)]
async fn surveyor_is_logarithmic() {
    let n = 100_000u32;
    let mut inner = MockBeacon::new(n as usize);
    for i in 1..=n {
        inner.add(
            i,
            Beacon {
                remaining_messages_bytes: i,
                items: vec![],
            },
        );
    }
    let mut counting = Counting { inner, probes: 0 };
    let target = 76_543;
    let judge = move |b: &Beacon| {
        if b.remaining_messages_bytes <= target {
            SurveyResult::Left
        } else {
            SurveyResult::Right
        }
    };
    let result = Surveyor::new(&mut counting, judge)
        .await
        .unwrap()
        .run()
        .await
        .unwrap();
    assert_eq!(result, (target, target + 1));
    assert!(counting.probes <= 20, "{} probes", counting.probes);
}
