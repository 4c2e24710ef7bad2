//! Upstream 0.5.2's semantics on constructed timelines: the four worked examples of the
//! interface spec, draining on input error and end, `Pending`, no aligned key, and the tie
//! on equal timestamps.

mod common;

use common::*;

#[test]
fn worked_example_1_alternating() {
    assert_eq!(
        run(&["a", "b"], "a1 a3 a5 a7 a9 b2 b4 b6 b8 b10"),
        "a1 b2 a3 b4 a5 b6 a7 b8 a9 b10 end"
    );
}

#[test]
fn worked_example_2_runs() {
    assert_eq!(
        run(&["a", "b"], "a1 a2 a5 a8 a9 b3 b4 b6 b7 b10"),
        "a1 a2 b3 b4 a5 b6 b7 a8 a9 b10 end"
    );
}

#[test]
fn worked_example_3_three_keys() {
    assert_eq!(
        run(&["a", "b", "c"], "a1 a3 a5 a7 a9 c5 b2 b4 b6 b8 b10"),
        "a1 b2 a3 b4 a5 c5 b6 a7 b8 a9 b10 end"
    );
}

#[test]
fn worked_example_4_four_keys() {
    assert_eq!(
        run(&["a", "b", "c", "d"], "a1 a3 d5 b2 b4 c3"),
        "a1 b2 a3 c3 b4 d5 end"
    );
}

#[test]
fn input_error_drains_the_buffer_then_yields_the_error_once() {
    // b never comes: the error ends the input, the buffer drains in order without waiting
    // for b, then the error, then None; what follows the error is never pulled
    let (mut join, probe) = join(&["a", "b"], "a3 c1 a4 c2 ! a5");
    assert_eq!(trace(&mut join, &probe), "c1 c2 a3 a4 ! end");
    assert_eq!(probe.pulled(), 5, "nothing is pulled after the error");
}

#[test]
fn input_error_with_nothing_buffered() {
    assert_eq!(run(&["a"], "!"), "! end");
}

#[test]
fn input_end_drains_the_buffer() {
    // c2 is let out once a and b both have a message; then a has nothing, so b4 b6 b7 are
    // held until the end, which drains them without waiting for a
    assert_eq!(
        run(&["a", "b"], "b4 a1 c2 a3 b6 b7"),
        "a1 c2 a3 b4 b6 b7 end"
    );
}

#[test]
fn empty_input_ends() {
    assert_eq!(run(&["a", "b"], ""), "end");
    assert_eq!(run(&[], ""), "end");
}

#[test]
fn no_align_passes_every_message_through_as_it_arrives() {
    // out of timestamp order on purpose: without aligned keys nothing is held back
    let (mut join, probe) = join(&[], "b5 a1 | c3 a0");
    assert_eq!(trace(&mut join, &probe), "b5 a1 | c3 a0 end");
    // a1 (and a0) came after a later message was yielded: counted, and kept (upstream)
    assert_eq!(join.late_count(), 3);
}

#[test]
fn pending_input_holds_until_every_aligned_key_has_a_message() {
    let (mut join, probe) = join(&["a", "b"], "a1 a2 | | b3 | a4 ...");
    // a1 and a2 wait for b (Pending twice); b3 lets a1 out; at the next Pending a2 and b3
    // are buffered, so the join yields a2 without new input; a4 lets b3 out; then a4
    // waits for b
    assert_eq!(trace(&mut join, &probe), "| | a1 a2 b3 ...");
    assert_eq!(join.buffered_len(), 1, "a4 is held: b has nothing buffered");
}

#[test]
fn equal_timestamps_go_by_key_name_not_arrival() {
    assert_eq!(run(&["m", "x"], "x5 m5 x6 m6"), "m5 x5 m6 x6 end");
    assert_eq!(run(&[], "x5"), "x5 end");
    // while draining too
    assert_eq!(
        run(&["a", "zebra", "b"], "zebra7 b7 a7"),
        "a7 b7 zebra7 end"
    );
}
