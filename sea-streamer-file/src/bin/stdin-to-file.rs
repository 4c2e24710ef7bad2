//! `stdin-to-file`: copy at most 10 lines of stdin to a file, through a `FileSink`.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{AsyncFile, FileId, FileSink, DEFAULT_FILE_SIZE_LIMIT};
use std::io::{BufRead, Write};

/// How many lines are copied.
const MAX_LINES: usize = 10;

/// Copy the first 10 lines of stdin to a file, byte for byte (the file is overwritten).
///
/// Stops earlier at the end of input. The lines go through a `FileSink` (the background writer
/// of the `.ss` backend) via its `std::io::Write` handle.
#[derive(Debug, Parser)]
#[command(name = "stdin-to-file", version)]
struct Args {
    /// The file to write (created or truncated).
    #[arg(long, value_name = "PATH", default_value = "output.log")]
    file: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("stdin-to-file", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let file = AsyncFile::new_ow(FileId::new(args.file.clone()))
        .await
        .with_context(|| format!("cannot write {}", args.file))?;
    let mut sink = FileSink::new(file, DEFAULT_FILE_SIZE_LIMIT)?;
    let mut writer = sink.as_writer();
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    for _ in 0..MAX_LINES {
        line.clear();
        if stdin.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        writer.write_all(&line)?;
    }
    writer.end()?;
    sink.end()
        .await
        .with_context(|| format!("cannot finish {}", args.file))?;
    Ok(())
}
