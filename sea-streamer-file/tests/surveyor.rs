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
