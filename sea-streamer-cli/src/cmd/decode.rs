//! `sea decode FILE`: print every message of a `.ss` file, in any output format, without
//! following it (the file is read in replay mode by `sea_streamer_file::MessageSource`).
//!
//! The end-of-stream mark is not printed. A file that ends without one (still being
//! written, or cut short) ends the output with a warning and exit 0; corruption (bytes that
//! do not decode, followed by valid data) is an error (exit 1) that points to
//! `sea verify --repair`.

use crate::{format::Format, progress::summary, stdout::Out};
use anyhow::{bail, Context, Result};
use sea_streamer_file::{is_end_of_stream, FileErr, FileId, MessageSource, StreamMode};

/// Print the messages of a .ss file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  sea decode /tmp/data.ss --format ndjson | jq .payload")]
pub struct Args {
    /// The .ss file
    #[arg(value_name = "FILE")]
    file: String,
    /// Output format: log, ndjson, raw or a template such as '{key} {payload}'
    #[arg(long, default_value = "log", value_name = "FORMAT")]
    format: Format,
}

/// Runs `sea decode`.
pub async fn run(args: Args, quiet: bool) -> Result<()> {
    let file = &args.file;
    let mut source = MessageSource::new(FileId::new(file.clone()), StreamMode::Replay)
        .await
        .with_context(|| format!("opening {file}"))?;
    let header = source.file_header().clone();
    let mut out = Out::new();
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        let frame = match source.next().await {
            Ok(frame) => frame,
            Err(FileErr::NotEnoughBytes) | Err(FileErr::StreamEnded) => {
                let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                if source.offset() < size {
                    log::warn!(
                        "{file}: an incomplete frame at byte {} (the file is {size} bytes): cut short, or still being written",
                        source.offset()
                    );
                } else {
                    log::info!("{file}: no end-of-stream mark: the file may still be written to");
                }
                break;
            }
            Err(e @ FileErr::Corrupted { .. }) => {
                out.flush()?;
                bail!(
                    "{e} (`sea verify {file} --repair` drops the corrupt bytes and keeps the rest)"
                );
            }
            Err(e) => {
                out.flush()?;
                bail!("{file}: at byte {}: {e}", source.offset());
            }
        };
        if is_end_of_stream(&frame.message) {
            break;
        }
        line.clear();
        args.format.render(&frame.message, &mut line);
        out.write(&line)?;
        n += 1;
    }
    out.flush()?;
    summary(
        quiet,
        &format!(
            "decoded {n} messages from {file} (file name {:?}, beacon interval {})",
            header.file_name, header.beacon_interval
        ),
    );
    Ok(())
}
