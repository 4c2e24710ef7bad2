//! Helpers of the `relay` binary's tests: writing `.ss` input files, running the relay with
//! a bounded wait, and reading back what it stored.
#![allow(dead_code)] // each test file uses a part

use std::{
    path::Path,
    process::{Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

use sea_streamer_file::{FileConnectOptions, FileStreamer};
use sea_streamer_types::{Producer, StreamKey, Streamer, StreamerUri};

/// The relay binary of this crate.
pub const RELAY: &str = env!("CARGO_BIN_EXE_relay");

/// How long a relay run may take before the test calls it a hang.
pub const HANG: Duration = Duration::from_secs(180);

/// The payload of message `i` of an input file.
pub fn payload(i: usize) -> String {
    format!("relayed-{i:06}")
}

/// The `file://` streamer URI of a path (as the tests spell it: not percent-encoded).
pub fn file_uri(path: &Path) -> StreamerUri {
    format!("file://{}", path.display())
        .parse()
        .expect("file URI")
}

/// Writes a new `.ss` file of `payloads` on stream `key` with the file crate's producer,
/// ended with an end-of-stream mark ([`Producer::end`]).
pub async fn write_ss_file<I, P>(path: &Path, key: &str, payloads: I)
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    let mut options = FileConnectOptions::default();
    options.set_create_only(true).set_end_with_eos(true);
    let streamer = FileStreamer::connect(file_uri(path), options)
        .await
        .expect("create the input file");
    let producer = streamer
        .create_producer(StreamKey::new(key).unwrap(), Default::default())
        .await
        .expect("file producer");
    let mut receipts = Vec::new();
    for p in payloads {
        receipts.push(producer.send(p.as_ref()).expect("send to the input file"));
    }
    for r in receipts {
        r.await.expect("written to the input file");
    }
    producer.end().await.expect("end the input file");
}

/// Runs the relay with `args` and stdin closed, waiting at most [`HANG`]; a relay that
/// does not exit by then is killed and the test fails.
pub fn run_relay(args: &[&str]) -> Output {
    run_relay_with_stdin(args, None)
}

/// Like [`run_relay`], feeding `stdin` (then closing it) if given.
pub fn run_relay_with_stdin(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    run_relay_piped(args, stdin, false)
}

/// [`run_relay_with_stdin`], with the relay's stdout closed at once if `close_stdout`
/// (a reader that went away, as `relay ... | head -n 0` would).
pub fn run_relay_piped(args: &[&str], stdin: Option<Vec<u8>>, close_stdout: bool) -> Output {
    let mut child = Command::new(RELAY)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .env_remove("RUST_LOG")
        .spawn()
        .expect("spawn relay");
    if close_stdout {
        drop(child.stdout.take());
    }
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            use std::io::Write;
            // The relay may exit (e.g. on an error) before reading everything.
            let _ = pipe.write_all(&bytes);
        });
    }
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(HANG) {
        Ok(output) => output.expect("wait for relay"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("relay {args:?} did not exit within {HANG:?}");
        }
    }
}

/// The relay's stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
