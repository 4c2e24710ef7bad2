//! The crash tests' harness: a seeded random source for the kill points, running and killing
//! the example binaries, and watching their progress.

#![allow(dead_code)]

pub mod watch;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The longest a crash test waits for progress before it fails.
pub const WAIT: Duration = Duration::from_secs(300);

/// The seed of the kill points: `SEA_STREAMER_CRASH_SEED`, or a fixed default (printed, so a
/// failing run can be repeated).
pub fn seed() -> u64 {
    let seed = std::env::var("SEA_STREAMER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5ea5_7ea3);
    eprintln!("crash seed: {seed} (set SEA_STREAMER_CRASH_SEED to repeat another)");
    seed
}

/// The number of input messages: `SEA_STREAMER_CRASH_MESSAGES`, or `default`.
pub fn messages(default: u64) -> u64 {
    std::env::var("SEA_STREAMER_CRASH_MESSAGES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: small, seeded, good enough to pick kill points.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced: xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// `kills` increasing points in `[n / 20, n * 19 / 20]`.
    pub fn kill_points(&mut self, n: u64, kills: usize) -> Vec<u64> {
        let (low, high) = (n / 20, n * 19 / 20);
        let mut points: Vec<u64> = (0..kills)
            .map(|_| low + self.next_u64() % (high - low).max(1))
            .collect();
        points.sort_unstable();
        points
    }
}

/// Starts `bin` with `args`; its stdout is dropped, its stderr shown.
pub fn spawn(bin: &str, args: &[String]) -> Child {
    Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"))
}

/// Starts `bin` with `args` and waits until it says it is running (its signal handlers are
/// installed); the rest of its stderr is copied to the test's.
pub fn spawn_ready(bin: &str, args: &[String]) -> Child {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("{bin} ended before it said it runs"))
            .unwrap();
        eprintln!("{line}");
        if line.contains(": running") {
            break;
        }
    }
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("{line}");
        }
    });
    child
}

/// The output count at which to kill the next run: the seeded `point`, but at least
/// `n / 50` beyond `now` (so every killed run makes progress of its own), below `n`.
pub fn kill_target(point: u64, now: u64, n: u64) -> u64 {
    point.max(now + n / 50).min(n.saturating_sub(1))
}

/// Kills `child` with SIGKILL and reaps it.
pub fn kill9(child: &mut Child) {
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "a killed process does not succeed");
}

/// Asks `child` to stop with SIGTERM and waits for a successful exit (graceful shutdown).
pub fn terminate(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -TERM failed");
    let status = child.wait().expect("reaped");
    assert!(
        status.success(),
        "after SIGTERM the process exits cleanly: {status}"
    );
}

/// Waits for `child` to exit by itself, successfully.
pub fn finish(child: &mut Child) {
    let status = child.wait().expect("reaped");
    assert!(status.success(), "the process exits cleanly: {status}");
}

/// What the outputs of a crash test were.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Output messages, duplicates included.
    pub total: u64,
    /// Distinct inputs that have an output.
    pub distinct: u64,
    /// Inputs without an output.
    pub missing: Vec<u64>,
}

impl Tally {
    /// The tally of `seen` (outputs per input number).
    pub fn of(seen: &[u32]) -> Self {
        Self {
            total: seen.iter().map(|&c| u64::from(c)).sum(),
            distinct: seen.iter().filter(|&&c| c > 0).count() as u64,
            missing: (0..seen.len() as u64)
                .filter(|&i| seen[i as usize] == 0)
                .take(20)
                .collect(),
        }
    }

    /// Output messages beyond one per input.
    pub fn duplicates(&self) -> u64 {
        self.total - self.distinct
    }
}
