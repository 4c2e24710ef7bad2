//! How the stdio binaries start and end: warnings shown unless `RUST_LOG` says otherwise;
//! exit 0 on success or when stdout was closed by its reader (`clock | head -2`: a normal end,
//! nothing printed), exit 1 with a one-line message (the chain of causes) on a runtime error.
//! Usage errors exit 2 through clap.

use sea_streamer_stdio::StdioErr;
use sea_streamer_types::StreamErr;
use std::process::ExitCode;

/// Logs to stderr at `warn` and above, or as `RUST_LOG` says.
pub fn init_logger() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
}

/// Whether `err` says that stdout was closed by its reader.
pub fn is_closed_stdout(err: &StreamErr<StdioErr>) -> bool {
    matches!(err, StreamErr::Backend(StdioErr::IoError(e)) if e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The exit status of a program named `name` that ended with `result`; prints the error once.
pub fn exit(name: &str, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.chain()
                .any(|c| c.downcast_ref().is_some_and(is_closed_stdout)) =>
        {
            log::debug!("stdout was closed: {e:#}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
