//! Event-time windows against constructed timelines: a scripted input polled step by step,
//! and what each poll gave written down. Messages carry a number; windows sum them.

mod window_common;

use futures::stream::FusedStream;
use futures::task::noop_waker_ref;
use futures::{stream, Stream, StreamExt};
use sea_streamer_fuse::{
    fold, Aggregator, Push, WindowErr, WindowSpec, WindowStream, WindowStreamErr, Windows,
};
use sea_streamer_types::{Message, OwnedMessage, StreamKey, Timestamp};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use window_common::{at, message, render, sum, value_of, InputErr};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// One step of a script.
enum Step {
    Message(OwnedMessage),
    Error,
    Pending,
}

/// Parses `a3:5` (a message of key `a` at second 3 carrying 5; `a3` carries 1), `!` (an
/// error) and `|` (one `Pending`, the waker woken at once).
fn steps(script: &str) -> VecDeque<Step> {
    script
        .split_whitespace()
        .map(|step| match step {
            "!" => Step::Error,
            "|" => Step::Pending,
            _ => {
                let (head, value) = step.split_once(':').unwrap_or((step, "1"));
                let at = head.find(|c: char| c.is_ascii_digit() || c == '-').unwrap();
                Step::Message(message(
                    &head[..at],
                    head[at..].parse().unwrap(),
                    value.parse().unwrap(),
                ))
            }
        })
        .collect()
}

/// What a test sees of its script while the window stream owns it.
#[derive(Clone, Default)]
struct Probe {
    pulled: Arc<AtomicUsize>,
    remaining: Arc<AtomicUsize>,
}

/// The scripted input; after its last step it ends, or stays open (`Pending`) if `open`.
struct Script {
    steps: VecDeque<Step>,
    open: bool,
    probe: Probe,
}

impl Stream for Script {
    type Item = Result<OwnedMessage, InputErr>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let step = self.steps.pop_front();
        let left = self.steps.len();
        self.probe.remaining.store(left, Ordering::SeqCst);
        match step {
            Some(Step::Message(m)) => {
                self.probe.pulled.fetch_add(1, Ordering::SeqCst);
                Poll::Ready(Some(Ok(m)))
            }
            Some(Step::Error) => {
                self.probe.pulled.fetch_add(1, Ordering::SeqCst);
                Poll::Ready(Some(Err(InputErr)))
            }
            Some(Step::Pending) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None if self.open => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

/// A scripted input and its probe.
fn script(script: &str, open: bool) -> (Script, Probe) {
    let steps = steps(script);
    let probe = Probe::default();
    probe.remaining.store(steps.len(), Ordering::SeqCst);
    let input = Script {
        steps,
        open,
        probe: probe.clone(),
    };
    (input, probe)
}

/// Polls until the end, or `...` when the open input is played out and the stream is
/// `Pending`: each window rendered with `@n`, the number of input items pulled when it
/// came out; `!` an input error, `?` a window error, `|` a `Pending`, `end` for `None`
/// (checked to repeat).
fn trace<A>(
    ws: &mut WindowStream<Script, OwnedMessage, InputErr, StreamKey, A>,
    probe: &Probe,
) -> String
where
    A: Aggregator<Input = OwnedMessage, Value = i64>,
{
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut out = Vec::new();
    for _ in 0..10_000 {
        match ws.poll_next_unpin(&mut cx) {
            Poll::Ready(Some(Ok(w))) => out.push(format!(
                "{}@{}",
                render(&w),
                probe.pulled.load(Ordering::SeqCst)
            )),
            Poll::Ready(Some(Err(WindowStreamErr::Input(InputErr)))) => out.push("!".into()),
            Poll::Ready(Some(Err(WindowStreamErr::Window(_)))) => out.push("?".into()),
            Poll::Ready(None) => {
                assert!(matches!(ws.poll_next_unpin(&mut cx), Poll::Ready(None)));
                assert!(ws.is_terminated());
                out.push("end".into());
                return out.join(" ");
            }
            Poll::Pending => {
                if probe.remaining.load(Ordering::SeqCst) == 0 {
                    out.push("...".into());
                    return out.join(" ");
                }
                out.push("|".into());
            }
        }
    }
    panic!("the stream did not end: {}", out.join(" "));
}

/// Trace a run over `text` (an input that ends) with `spec`, keyed by stream key, summing.
fn run(spec: WindowSpec, text: &str) -> String {
    let (input, probe) = script(text, false);
    let mut ws = WindowStream::by_stream_key(input, spec, sum::<OwnedMessage>());
    trace(&mut ws, &probe)
}

fn tumbling(size: u64) -> WindowSpec {
    WindowSpec::tumbling(secs(size)).unwrap()
}

fn sliding(size: u64, slide: u64) -> WindowSpec {
    WindowSpec::sliding(secs(size), secs(slide)).unwrap()
}

#[test]
fn a_message_at_a_boundary_opens_the_next_window_and_closes_the_previous() {
    // [0, 10) closes when a10 is pulled (the 3rd item), not before; a10 is not in it
    assert_eq!(
        run(tumbling(10), "a0:1 a9:2 a10:4 a19:8 a20:16"),
        "a[0,10)=3/2@3 a[10,20)=12/2@5 a[20,30)=16/1@5 end"
    );
}

#[test]
fn equal_timestamps_are_all_counted() {
    assert_eq!(
        run(tumbling(10), "a5:1 b5:2 a5:4 b5:8 a10"),
        "a[0,10)=5/2@5 b[0,10)=10/2@5 a[10,20)=1/1@5 end"
    );
}

#[test]
fn out_of_order_within_the_allowed_lateness_is_included() {
    // lateness 3: after a12 the watermark is 9, so [0, 10) is still open for a8
    let spec = tumbling(10).with_allowed_lateness(secs(3));
    assert_eq!(
        run(spec, "a1:1 a12:2 a8:4 a13:8"),
        "a[0,10)=5/2@4 a[10,20)=10/2@4 end"
    );
    // exactly the lateness behind the newest: still included
    let spec = tumbling(10).with_allowed_lateness(secs(3));
    assert_eq!(
        run(spec, "a1 a12 a9 a13"),
        "a[0,10)=2/2@4 a[10,20)=2/2@4 end"
    );
}

#[test]
fn beyond_the_allowed_lateness_is_late_counted_and_handed_over() {
    // lateness 1: after a12 the watermark is 11 and [0, 10) is closed: a8 is late
    let spec = tumbling(10).with_allowed_lateness(secs(1));
    let (input, probe) = script("a1:1 a12:2 a8:4 b3:5 a13:8", false);
    let mut ws = WindowStream::by_stream_key(input, spec, sum::<OwnedMessage>());
    let late = Arc::new(Mutex::new(Vec::new()));
    let seen = late.clone();
    ws.on_late(move |m: OwnedMessage| {
        seen.lock().unwrap().push(format!(
            "{}{}:{}",
            m.stream_key(),
            m.timestamp().unix_timestamp(),
            value_of(&m)
        ))
    });
    assert_eq!(trace(&mut ws, &probe), "a[0,10)=1/1@2 a[10,20)=10/2@5 end");
    assert_eq!(*late.lock().unwrap(), ["a8:4", "b3:5"]);
    assert_eq!(ws.late_count(), 2);
}

#[test]
fn late_without_a_handler_is_counted_and_dropped() {
    let (input, probe) = script("a1 a10 a2 a3", false);
    let mut ws = WindowStream::by_stream_key(input, tumbling(10), sum::<OwnedMessage>());
    assert_eq!(trace(&mut ws, &probe), "a[0,10)=1/1@2 a[10,20)=1/1@4 end");
    assert_eq!(ws.late_count(), 2);
}

#[test]
fn keys_interleaved_close_in_end_then_key_order() {
    // lateness 8: c3 still fits [0, 10); b21 closes the windows ending at 10 (a, then c),
    // a31 those ending at 20 (a, b, c); the rest is flushed at the end, by end
    let spec = tumbling(10).with_allowed_lateness(secs(8));
    assert_eq!(
        run(spec, "c1:1 a2:2 b11:4 c12:8 a13:16 c3:32 b21:64 a31:128"),
        "a[0,10)=2/1@7 c[0,10)=33/2@7 a[10,20)=16/1@8 b[10,20)=4/1@8 c[10,20)=8/1@8 \
         b[20,30)=64/1@8 a[30,40)=128/1@8 end"
    );
}

#[test]
fn empty_input_gives_no_window() {
    let (input, probe) = script("", false);
    let mut ws = WindowStream::by_stream_key(input, tumbling(10), sum::<OwnedMessage>());
    assert_eq!(trace(&mut ws, &probe), "end");
    assert_eq!(ws.late_count(), 0);
    assert_eq!(ws.watermark(), None);
}

#[test]
fn input_error_flushes_then_errors_once_then_ends() {
    // the items after the error are never pulled
    let (input, probe) = script("a1:1 b3:2 a11:4 ! a50 a60", false);
    let mut ws = WindowStream::by_stream_key(input, tumbling(10), sum::<OwnedMessage>());
    assert_eq!(
        trace(&mut ws, &probe),
        "a[0,10)=1/1@3 b[0,10)=2/1@3 a[10,20)=4/1@4 ! end"
    );
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 4);
    // a flushed window's end is past the watermark; closed ones are not
    assert_eq!(ws.watermark(), Some(at(11)));
}

#[test]
fn input_end_flushes_in_end_order() {
    assert_eq!(
        run(sliding(10, 5), "b1 a2"),
        "a[-5,5)=1/1@2 b[-5,5)=1/1@2 a[0,10)=1/1@2 b[0,10)=1/1@2 end"
    );
}

#[test]
fn sliding_windows_hold_each_message_size_over_slide_times() {
    // a7 is in [0,10) and [5,15); a12 in [5,15) and [10,20)
    assert_eq!(
        run(sliding(10, 5), "a7:1 a12:2"),
        "a[0,10)=1/1@2 a[5,15)=3/2@2 a[10,20)=2/1@2 end"
    );
    // a slide that does not divide the size: 3 windows for second 9, 2 for second 10
    assert_eq!(
        run(sliding(10, 4), "a9:1 a10:2"),
        "a[0,10)=1/1@2 a[4,14)=3/2@2 a[8,18)=3/2@2 end"
    );
}

#[test]
fn a_late_sliding_message_goes_in_none_of_its_windows() {
    // a6 closes [-5, 5); a4 belongs to it and to the open [0, 10): late, in neither
    let (input, probe) = script("a1:1 a6:2 a4:4 a10:8", false);
    let mut ws = WindowStream::by_stream_key(input, sliding(10, 5), sum::<OwnedMessage>());
    assert_eq!(
        trace(&mut ws, &probe),
        "a[-5,5)=1/1@2 a[0,10)=3/2@4 a[5,15)=10/2@4 a[10,20)=8/1@4 end"
    );
    assert_eq!(ws.late_count(), 1);
}

#[test]
fn an_open_input_yields_closed_windows_only() {
    let (input, probe) = script("a1 | a2 a12 | b25", true);
    let mut ws = WindowStream::by_stream_key(input, tumbling(10), sum::<OwnedMessage>());
    assert_eq!(
        trace(&mut ws, &probe),
        "| a[0,10)=2/2@3 | a[10,20)=1/1@4 ..."
    );
    assert_eq!(ws.open_len(), 1);
    assert_eq!(ws.watermark(), Some(at(25)));
}

#[test]
fn pending_steps_do_not_change_the_windows() {
    // a replay at another pace gives the same windows
    let plain = "a1:1 b2:2 a11:4 b9:8 c15:16 a21:32 b22:64";
    let paced = "| a1:1 | | b2:2 a11:4 | b9:8 c15:16 | a21:32 | b22:64";
    let spec = tumbling(10).with_allowed_lateness(secs(2));
    let strip = |t: String| -> Vec<String> {
        t.split(' ')
            .filter(|s| *s != "|")
            .map(|s| s.split('@').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(strip(run(spec, plain)), strip(run(spec, paced)));
}

#[test]
fn a_window_outside_the_timestamp_range_is_an_error_and_the_stream_goes_on() {
    let last_day = Timestamp::from_unix_timestamp(253_402_300_000).unwrap();
    let header = |t: Timestamp| {
        sea_streamer_types::MessageHeader::new(
            StreamKey::new("a").unwrap(),
            sea_streamer_types::ShardId::new(0),
            0,
            t,
        )
    };
    let input = stream::iter(vec![
        Ok::<_, InputErr>(OwnedMessage::new(header(at(1)), b"1".to_vec())),
        Ok(OwnedMessage::new(header(last_day), b"2".to_vec())),
        Ok(OwnedMessage::new(header(at(2)), b"4".to_vec())),
    ]);
    let spec = WindowSpec::tumbling(secs(86_400)).unwrap();
    let ws = WindowStream::by_stream_key(input, spec, sum::<OwnedMessage>());
    let out: Vec<String> = futures::executor::block_on(ws.collect::<Vec<_>>())
        .into_iter()
        .map(|r| match r {
            Ok(w) => render(&w),
            Err(WindowStreamErr::Window(WindowErr::OutOfRange { timestamp })) => {
                format!("out of range {}", timestamp.unix_timestamp())
            }
            Err(e) => panic!("{e}"),
        })
        .collect();
    assert_eq!(out, ["out of range 253402300000", "a[0,86400)=5/2"]);
}

#[test]
fn a_key_of_the_callers_choice() {
    // key: the number's parity, across stream keys
    let (input, probe) = script("a1:1 b2:2 a3:3 b4:4 c11:5", false);
    let ws = WindowStream::by_key(
        input,
        tumbling(10),
        |m: &OwnedMessage| if value_of(m) % 2 == 0 { "even" } else { "odd" },
        sum::<OwnedMessage>(),
    );
    let out: Vec<String> = futures::executor::block_on(ws.collect::<Vec<_>>())
        .into_iter()
        .map(|w| render(&w.unwrap()))
        .collect();
    assert_eq!(out, ["even[0,10)=6/2", "odd[0,10)=4/2", "odd[10,20)=5/1"]);
    assert_eq!(probe.pulled.load(Ordering::SeqCst), 5);
}

#[test]
fn the_core_without_a_stream() {
    let mut windows = Windows::new(
        sliding(4, 2).with_allowed_lateness(secs(1)),
        fold(Vec::new, |v: &mut Vec<i64>, x: &i64| v.push(*x)),
    );
    assert_eq!(windows.push('x', at(3), &3), Ok(Push::Added(2))); // [0,4) [2,6)
    assert_eq!(windows.push('x', at(5), &5), Ok(Push::Added(2))); // [2,6) [4,8)
    let w = windows.pop_closed().unwrap(); // watermark 4
    assert_eq!(
        (w.start, w.end, w.value, w.count),
        (at(0), at(4), vec![3], 1)
    );
    assert!(windows.pop_closed().is_none());
    assert_eq!(windows.push('x', at(2), &2), Ok(Push::Late)); // [0,4) closed
    assert_eq!(windows.push('x', at(4), &4), Ok(Push::Added(2))); // [2,6) [4,8)
    let rest: Vec<Vec<i64>> = std::iter::from_fn(|| windows.pop_open())
        .map(|w| w.value)
        .collect();
    assert_eq!(rest, [vec![3, 5, 4], vec![5, 4]]);
    assert_eq!(windows.late_count(), 1);
    assert_eq!(windows.open_len(), 0);
}
