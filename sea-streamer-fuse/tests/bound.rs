//! The opt-in bound on buffered messages, on constructed timelines: back-pressure with
//! forced release.

mod common;

use common::*;
use sea_streamer_fuse::JoinOptions;
use std::num::NonZeroUsize;

fn bounded(aligned: &[&str], script: &str, max: usize) -> (Join, Probe) {
    let (mut join, probe) = join(aligned, script);
    let mut options = JoinOptions::new();
    options.set_max_buffered(NonZeroUsize::new(max).unwrap());
    join.set_options(options);
    (join, probe)
}

#[test]
fn full_buffer_releases_its_earliest_message_and_stops_pulling() {
    // b lags behind five messages of a; the bound is 3
    let script = "a1 a2 a3 a4 a5 b2";
    let (mut join, probe) = bounded(&["a", "b"], script, 3);
    let mut most = 0;
    let mut steps = Vec::new();
    let out = trace_with(&mut join, &probe, |join| {
        most = most.max(join.buffered_len());
        steps.push((probe.pulled(), join.buffered_len()));
    });
    // a1 a2 a3 are released without b; b2 then comes after a3: late, and kept (default)
    assert_eq!(out, "a1 a2 a3 b2 a4 a5 end");
    // (inside a poll the buffer reaches the bound, then yields one)
    assert_eq!(most, 2, "never more than the bound");
    // back-pressure: the first release came after exactly 3 pulls, and from then on one
    // message out for each message in
    assert_eq!(steps[0], (3, 2));
    assert_eq!(steps[1], (4, 2));
    assert_eq!(steps[2], (5, 2));
    assert_eq!(join.late_count(), 1);

    // the same timeline without the bound: everything is held for b, in order
    let (mut join, probe) = common::join(&["a", "b"], script);
    let mut most = 0;
    let out = trace_with(&mut join, &probe, |join| {
        most = most.max(join.buffered_len())
    });
    assert_eq!(out, "a1 a2 b2 a3 a4 a5 end");
    assert_eq!(most, 5);
    assert_eq!(join.late_count(), 0);
}

#[test]
fn bound_of_one_passes_through_despite_a_silent_aligned_key() {
    let (mut join, probe) = bounded(&["a", "silent"], "a1 a2 | a3 ...", 1);
    assert_eq!(trace(&mut join, &probe), "a1 a2 | a3 ...");
    // without it the silent key holds everything
    assert_eq!(run(&["a", "silent"], "a1 a2 | a3 ..."), "| ...");
}

#[test]
fn a_bound_that_is_never_reached_changes_nothing() {
    let script = "a1 a3 a5 a7 a9 c5 b2 b4 b6 b8 b10";
    let (mut join, probe) = bounded(&["a", "b", "c"], script, 11);
    assert_eq!(
        trace(&mut join, &probe),
        "a1 b2 a3 b4 a5 c5 b6 a7 b8 a9 b10 end"
    );
}

#[test]
fn the_bound_holds_while_draining_after_an_error() {
    let (mut join, probe) = bounded(&["a", "b"], "a1 a2 a3 ! a4", 2);
    let mut most = 0;
    let out = trace_with(&mut join, &probe, |join| {
        most = most.max(join.buffered_len())
    });
    assert_eq!(out, "a1 a2 a3 ! end");
    assert!(most <= 2);
}
