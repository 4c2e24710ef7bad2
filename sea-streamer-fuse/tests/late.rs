//! Late messages on constructed timelines: counted, and shown to a handler that keeps them
//! in the output or takes them out.

mod common;

use common::*;
use std::sync::{Arc, Mutex};

/// A join whose handler records late messages and keeps them if `keep`.
fn watched(aligned: &[&str], script: &str, keep: bool) -> (Join, Probe, Arc<Mutex<Vec<String>>>) {
    let (mut join, probe) = join(aligned, script);
    let late = Arc::new(Mutex::new(Vec::new()));
    let seen = late.clone();
    join.on_late(move |m| {
        seen.lock().unwrap().push(token(&m));
        keep.then_some(m)
    });
    (join, probe, late)
}

#[test]
fn a_key_whose_first_message_comes_late_is_taken_out() {
    // upstream's documented limit: b's first message comes after a2 was yielded
    let (mut join, probe, late) = watched(&["a"], "a1 a2 b0 a3 b1 b4 a5", false);
    assert_eq!(trace(&mut join, &probe), "a1 a2 a3 b4 a5 end");
    assert_eq!(*late.lock().unwrap(), ["b0", "b1"]);
    assert_eq!(join.late_count(), 2);
}

#[test]
fn a_kept_late_message_is_yielded_as_upstream_does() {
    let (mut join, probe, late) = watched(&["a"], "a1 a2 b0 a3", true);
    assert_eq!(trace(&mut join, &probe), "a1 a2 b0 a3 end");
    assert_eq!(*late.lock().unwrap(), ["b0"]);
    // and without a handler: the same output, counted
    let (mut plain, probe) = common::join(&["a"], "a1 a2 b0 a3");
    assert_eq!(trace(&mut plain, &probe), "a1 a2 b0 a3 end");
    assert_eq!(plain.late_count(), 1);
}

#[test]
fn an_equal_timestamp_is_not_late() {
    let (mut join, probe, late) = watched(&[], "b2 a2 a3", false);
    assert_eq!(trace(&mut join, &probe), "b2 a2 a3 end");
    assert!(late.lock().unwrap().is_empty());
    assert_eq!(join.late_count(), 0);
}

#[test]
fn nothing_is_late_while_the_aligned_keys_keep_up() {
    let (mut join, probe, late) = watched(&["a", "b"], "a1 a3 a5 a7 a9 b2 b4 b6 b8 b10", false);
    assert_eq!(
        trace(&mut join, &probe),
        "a1 b2 a3 b4 a5 b6 a7 b8 a9 b10 end"
    );
    assert!(late.lock().unwrap().is_empty());
}

#[test]
fn a_new_handler_replaces_the_old_one() {
    let (mut join, probe, first) = watched(&[], "a5 b1 | b2", false);
    let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
    use futures::StreamExt;
    assert!(join.poll_next_unpin(&mut cx).is_ready()); // a5
    assert!(join.poll_next_unpin(&mut cx).is_pending()); // b1 taken out, then Pending
    let second = Arc::new(Mutex::new(Vec::new()));
    let seen = second.clone();
    join.on_late(move |m| {
        seen.lock().unwrap().push(token(&m));
        None
    });
    assert_eq!(trace(&mut join, &probe), "end");
    assert_eq!(*first.lock().unwrap(), ["b1"]);
    assert_eq!(*second.lock().unwrap(), ["b2"]);
    assert_eq!(join.late_count(), 2);
}
