//! `ss-decode`: print the frames (and beacons) of a `.ss` file as log lines or ndjson.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{bail, Context, Result};
use clap::Parser;
use sea_streamer_file::{
    format::{Header, Marker, MessageJson},
    FileErr, FileId, MessageSource, StreamMode,
};
use sea_streamer_types::{Buffer, Message, TIMESTAMP_FORMAT};
use std::io::{BufWriter, Write};

/// Decode a SeaStreamer `.ss` file.
///
/// Prints the header, then one line per frame, and the markers of every beacon crossed.
/// A truncated tail (an incomplete last frame with nothing valid after it) is reported as a
/// warning (exit 0); corruption (bytes that do not decode, followed by valid data) and other
/// errors exit 1. A closed stdout (`ss-decode ... | head -3`) ends it quietly (exit 0).
///
/// `--format ndjson` prints one JSON object per line: `{"file_header":{...}}` first, then
/// `{"header":{...},"payload":...}` per frame, and `{"beacon":N,"markers":[...]}` after a
/// frame that crossed beacon N.
#[derive(Debug, Parser)]
#[command(name = "ss-decode", version)]
struct Args {
    /// The `.ss` file to decode.
    #[arg(long, value_name = "PATH")]
    file: String,
    /// Output format: `log` (`[ts | key | seq | shard] payload`) or `ndjson` (one JSON object
    /// per line).
    #[arg(long, value_enum, default_value_t = Format::Log)]
    format: Format,
    /// Print message headers only (no payloads).
    #[arg(long)]
    header_only: bool,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// `[timestamp | key | sequence | shard] payload`, with `# ` lines for the header and
    /// beacons.
    Log,
    /// One JSON object per line.
    Ndjson,
}

fn payload_json(bytes: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => v,
            Err(_) => serde_json::Value::String(text.to_owned()),
        },
        Err(_) => serde_json::Value::Array(bytes.iter().map(|b| (*b).into()).collect()),
    }
}

fn print_header(out: &mut impl Write, format: Format, header: &Header) -> Result<()> {
    let json = serde_json::to_string(header)?;
    match format {
        Format::Log => writeln!(out, "# {json}")?,
        Format::Ndjson => writeln!(out, "{{\"file_header\":{json}}}")?,
    }
    Ok(())
}

fn print_markers(
    out: &mut impl Write,
    format: Format,
    beacon: u32,
    markers: &[Marker],
) -> Result<()> {
    let json = serde_json::to_string(markers)?;
    match format {
        Format::Log => writeln!(out, "# {json}")?,
        Format::Ndjson => writeln!(out, "{{\"beacon\":{beacon},\"markers\":{json}}}")?,
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("ss-decode", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let format = args.format;
    let mut source = MessageSource::new(FileId::new(args.file.clone()), StreamMode::Replay)
        .await
        .with_context(|| format!("cannot open {}", args.file))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    print_header(&mut out, format, source.file_header())?;
    let mut beacon = 0;
    loop {
        let frame = match source.next().await {
            Ok(f) => f,
            Err(FileErr::NotEnoughBytes) => {
                log::warn!(
                    "{}: the file ends here (no EOS); it might be truncated",
                    args.file
                );
                break;
            }
            Err(e @ FileErr::Corrupted { .. }) => {
                out.flush()?;
                bail!(
                    "{e}\n(`ss-verify --file {} --repair` drops the corrupt bytes and keeps the rest)",
                    args.file
                );
            }
            Err(e) => {
                out.flush()?;
                bail!("{}: at offset {}: {e}", args.file, source.offset());
            }
        };
        let m = &frame.message;
        match format {
            Format::Log => {
                let ts = m.timestamp().format(&TIMESTAMP_FORMAT)?;
                write!(
                    out,
                    "[{ts} | {} | {} | {}]",
                    m.stream_key(),
                    m.sequence(),
                    m.shard_id().id()
                )?;
                if !args.header_only {
                    match m.message().as_str() {
                        Ok(text) => write!(out, " {text}")?,
                        Err(_) => write!(out, " <BINARY BLOB>")?,
                    }
                }
                writeln!(out)?;
            }
            Format::Ndjson => {
                let payload = if args.header_only {
                    None
                } else {
                    Some(payload_json(m.message().as_bytes()))
                };
                let json = MessageJson {
                    header: m.header(),
                    payload,
                };
                writeln!(out, "{}", serde_json::to_string(&json)?)?;
            }
        }
        let (index, markers) = source.beacon();
        if index != beacon {
            beacon = index;
            print_markers(&mut out, format, index, markers)?;
        }
        if sea_streamer_file::is_end_of_stream(m) {
            break;
        }
    }
    out.flush()?;
    Ok(())
}
