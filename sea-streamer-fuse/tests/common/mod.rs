//! Constructed timelines for the join's tests: a scripted input stream and a tracer that
//! polls the join step by step and writes down what each poll gave.
#![allow(dead_code)]

use futures::task::noop_waker_ref;
use futures::{Stream, StreamExt};
use sea_streamer_fuse::StreamJoin;
use sea_streamer_types::{Message, MessageHeader, OwnedMessage, ShardId, StreamKey, Timestamp};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// The input's error.
#[derive(Debug, PartialEq, Eq)]
pub struct InputErr;

impl std::fmt::Display for InputErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input failed")
    }
}

impl std::error::Error for InputErr {}

/// A message of `key` stamped `t` seconds after the epoch.
pub fn message(key: &str, t: i64) -> OwnedMessage {
    let ts = Timestamp::from_unix_timestamp(t).unwrap();
    let header = MessageHeader::new(StreamKey::new(key).unwrap(), ShardId::new(0), 0, ts);
    OwnedMessage::new(header, Vec::new())
}

/// `a12` for a message of key `a` at second 12.
pub fn token<M: Message>(m: &M) -> String {
    format!("{}{}", m.stream_key(), m.timestamp().unix_timestamp())
}

enum Step {
    Message(OwnedMessage),
    Error,
    Pending,
}

/// An input stream played from a script of space-separated steps: `a12` a message of key
/// `a` at second 12, `!` an error, `|` one `Pending` (the waker is woken at once). After the
/// last step the stream ends, unless the script ends with `...`: then it stays open
/// (`Pending` forever).
pub struct Script {
    steps: VecDeque<Step>,
    open: bool,
    probe: Probe,
}

/// What a test can see of its script while the join owns it.
#[derive(Clone, Default)]
pub struct Probe {
    pulled: Arc<AtomicUsize>,
    remaining: Arc<AtomicUsize>,
}

impl Probe {
    /// Items (messages and errors) the script has given so far.
    pub fn pulled(&self) -> usize {
        self.pulled.load(Ordering::SeqCst)
    }

    /// Whether every step was played.
    pub fn played_out(&self) -> bool {
        self.remaining.load(Ordering::SeqCst) == 0
    }
}

impl Script {
    pub fn new(script: &str) -> Self {
        let mut open = false;
        let mut steps = VecDeque::new();
        for step in script.split_whitespace() {
            match step {
                "..." => open = true,
                "!" => steps.push_back(Step::Error),
                "|" => steps.push_back(Step::Pending),
                _ => {
                    let at = step.find(|c: char| c.is_ascii_digit()).unwrap();
                    steps.push_back(Step::Message(message(
                        &step[..at],
                        step[at..].parse().unwrap(),
                    )))
                }
            }
        }
        let probe = Probe::default();
        probe.remaining.store(steps.len(), Ordering::SeqCst);
        Self { steps, open, probe }
    }

    /// A view of this script for the test.
    pub fn probe(&self) -> Probe {
        self.probe.clone()
    }
}

impl Stream for Script {
    type Item = Result<OwnedMessage, InputErr>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let step = self.steps.pop_front();
        self.probe
            .remaining
            .store(self.steps.len(), Ordering::SeqCst);
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

/// The join type of these tests.
pub type Join = StreamJoin<Script, OwnedMessage, InputErr>;

/// A join over `script` with `aligned` keys, and the script's probe.
pub fn join(aligned: &[&str], script: &str) -> (Join, Probe) {
    let script = Script::new(script);
    let probe = script.probe();
    let mut join = StreamJoin::muxed(script);
    for key in aligned {
        join.align(StreamKey::new(key).unwrap());
    }
    (join, probe)
}

/// Poll `join` until it ends, writing down each poll's result: a message's token, `!` for
/// an error, `|` for `Pending`, and `...` when it is `Pending` with its open input's script
/// played out (where the trace stops). `end` marks `None`; one more poll must give `None`
/// again. `check` runs after every poll.
pub fn trace_with(join: &mut Join, probe: &Probe, mut check: impl FnMut(&Join)) -> String {
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let poll = join.poll_next_unpin(&mut cx);
        check(join);
        match poll {
            Poll::Ready(Some(Ok(m))) => out.push(token(&m)),
            Poll::Ready(Some(Err(InputErr))) => out.push("!".to_owned()),
            Poll::Ready(None) => {
                assert!(
                    matches!(join.poll_next_unpin(&mut cx), Poll::Ready(None)),
                    "None, then None"
                );
                out.push("end".to_owned());
                return out.join(" ");
            }
            Poll::Pending => {
                if probe.played_out() {
                    out.push("...".to_owned());
                    return out.join(" ");
                }
                out.push("|".to_owned());
            }
        }
    }
    panic!("the join did not end: {}", out.join(" "));
}

/// [`trace_with`] without a check.
pub fn trace(join: &mut Join, probe: &Probe) -> String {
    trace_with(join, probe, |_| {})
}

/// The trace of a join over `script` with `aligned` keys and default options.
pub fn run(aligned: &[&str], script: &str) -> String {
    let (mut join, probe) = join(aligned, script);
    trace(&mut join, &probe)
}
