//! How the Kafka binaries start and end: warnings shown unless `RUST_LOG` says otherwise;
//! exit 0 on success or when stdout was closed by its reader (`consumer ... | head -3`: a
//! normal end, nothing printed), exit 1 with a one-line message (the chain of causes) on a
//! runtime error. Usage errors exit 2 through clap.

#![allow(dead_code)] // each binary includes this file and uses part of it

use sea_streamer_types::StreamUrl;
use std::io::Write;
use std::process::ExitCode;

/// Logs to stderr at `warn` and above, or as `RUST_LOG` says.
pub fn init_logger() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
}

/// Stdout was closed by its reader.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `line` and a line break to `out`; a closed pipe becomes [`StdoutClosed`].
pub fn print_line(out: &mut impl Write, line: &str) -> anyhow::Result<()> {
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        result => Ok(result?),
    }
}

/// The servers of a stream URL as text for messages: `kafka://a:9092,kafka://b:9092`.
pub fn servers(url: &StreamUrl) -> String {
    let nodes: Vec<&str> = url
        .streamer_ref()
        .nodes()
        .iter()
        .map(|n| n.as_str())
        .collect();
    nodes.join(",")
}

/// The exit status of a program named `name` that ended with `result`; prints the error once.
pub fn exit(name: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<StdoutClosed>().is_some() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
