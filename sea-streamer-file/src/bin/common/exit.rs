//! How the file binaries start and end: warnings shown unless `RUST_LOG` says otherwise;
//! exit 0 on success or when stdout was closed by its reader (`ss-decode ... | head -3`: a
//! normal end, nothing printed), exit 1 with a one-line message (the chain of causes) on a
//! runtime error. Usage errors exit 2 through clap.

#![allow(dead_code)] // each binary includes this file and uses part of it

use std::process::ExitCode;

/// Logs to stderr at `warn` and above, or as `RUST_LOG` says.
pub fn init_logger() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
}

/// Whether `err` (or one of its causes) is a write to a pipe whose reader went away. The
/// binaries write no pipe but stdout.
pub fn is_closed_stdout(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit status of a program named `name` that ended with `result`; prints the error once.
pub fn exit(name: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_closed_stdout(&e) => {
            log::debug!("stdout was closed: {e:#}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
