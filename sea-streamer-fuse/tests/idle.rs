//! The opt-in idle timeout, on constructed timelines: the watermark is the newest timestamp
//! seen, and an aligned key more than the timeout behind it stops holding output back.

mod common;

use common::*;
use sea_streamer_fuse::JoinOptions;
use std::time::Duration;

fn with_idle(aligned: &[&str], script: &str, seconds: u64) -> (Join, Probe) {
    let (mut join, probe) = join(aligned, script);
    let mut options = JoinOptions::new();
    options.set_idle_timeout(Duration::from_secs(seconds));
    join.set_options(options);
    (join, probe)
}

#[test]
fn a_silent_key_stops_holding_output_once_it_is_the_timeout_behind() {
    // b's last word is b2; a goes on. At a12 b is exactly 10 behind (not more): held; a13
    // makes it idle. While idle the join yields on Pending input too. b10 then comes after
    // a13 was yielded: late. Once b has a message again it holds output (a14 waits).
    let script = "a1 b2 a3 a5 a8 a12 a13 | | | | | b10 a14 ...";
    let (mut join, probe) = with_idle(&["a", "b"], script, 10);
    let late = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = late.clone();
    join.on_late(move |m| {
        seen.lock().unwrap().push(token(&m));
        Some(m)
    });
    assert_eq!(trace(&mut join, &probe), "a1 b2 a3 a5 a8 a12 a13 | b10 ...");
    assert_eq!(*late.lock().unwrap(), ["b10"]);
    assert_eq!(join.buffered_len(), 1, "a14 is held for b again");

    // without the timeout b holds a3 onwards
    assert_eq!(run(&["a", "b"], script), "a1 b2 | | | | | a3 a5 a8 b10 ...");
}

#[test]
fn a_key_never_seen_counts_from_the_first_message() {
    let (mut join, probe) = with_idle(&["a", "b"], "a1 a3 a6 a7 ...", 5);
    assert_eq!(trace(&mut join, &probe), "a1 a3 a6 a7 ...");
    assert_eq!(run(&["a", "b"], "a1 a3 a6 a7 ..."), "...");
}

#[test]
fn a_heartbeat_key_moves_the_watermark() {
    // `hb` is not aligned; its message alone makes b idle
    let (mut join, probe) = with_idle(&["a", "b"], "a1 b1 a2 hb20 ...", 5);
    assert_eq!(trace(&mut join, &probe), "a1 b1 a2 hb20 ...");
    assert_eq!(run(&["a", "b"], "a1 b1 a2 hb20 ..."), "a1 b1 ...");
}

#[test]
fn idle_keys_do_not_reorder_what_is_buffered() {
    // c is idle from a9 on; what is released still comes out in timestamp order
    let script = "c1 b2 b4 a3 a9 | b10 ...";
    let (mut join, probe) = with_idle(&["a", "b", "c"], script, 5);
    assert_eq!(trace(&mut join, &probe), "c1 b2 a3 b4 a9 ...");
    assert_eq!(run(&["a", "b", "c"], script), "c1 | ...");
}

#[test]
fn a_quiet_key_does_not_hold_messages_older_than_its_newest() {
    // a and b are quiet at 9 but not idle (timeout 100); b9 and the old c0 cannot be
    // overtaken by a's next messages (at 9 or later), so they come out; b12 can be: held
    let script = "a1 b1 a9 b9 | c0 b12 ...";
    let (mut join, probe) = with_idle(&["a", "b"], script, 100);
    assert_eq!(trace(&mut join, &probe), "a1 b1 a9 b9 c0 ...");
    assert_eq!(join.buffered_len(), 1);
    assert_eq!(join.late_count(), 1, "c0");
    // upstream holds b9 for a, and c0 and b12 with it
    let (mut plain, probe) = common::join(&["a", "b"], script);
    assert_eq!(trace(&mut plain, &probe), "a1 b1 a9 | ...");
    assert_eq!(plain.buffered_len(), 3);
}
