//! `tail`: follow a file like `tail -f`, printing the bytes appended to it.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{FileId, FileSource, ReadFrom};
use std::io::Write;

/// Follow a file like `tail -f`: print the bytes appended to it from now on, as UTF-8.
///
/// Starts at the current end of the file and prints new bytes as they arrive (a character split
/// between two appends is printed whole; invalid UTF-8 is shown as U+FFFD). On start it reports
/// the starting offset on stderr. Ends with an error when the file is removed.
#[derive(Debug, Parser)]
#[command(name = "tail", version)]
struct Args {
    /// The file to follow (any file, not only `.ss`).
    #[arg(long, value_name = "PATH")]
    file: String,
}

/// Decode as much of `pending` as possible, keeping an incomplete trailing character.
fn decode(pending: &mut Vec<u8>, out: &mut String) {
    let mut at = 0;
    loop {
        match std::str::from_utf8(&pending[at..]) {
            Ok(s) => {
                out.push_str(s);
                at = pending.len();
                break;
            }
            Err(e) => {
                let valid = at + e.valid_up_to();
                out.push_str(std::str::from_utf8(&pending[at..valid]).expect("checked valid"));
                match e.error_len() {
                    Some(n) => {
                        out.push(char::REPLACEMENT_CHARACTER);
                        at = valid + n;
                    }
                    None => {
                        at = valid; // incomplete: wait for the rest
                        break;
                    }
                }
            }
        }
    }
    pending.drain(..at);
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    exit::init_logger();
    let args = Args::parse();
    exit::exit("tail", run(args).await)
}

async fn run(args: Args) -> Result<()> {
    let mut source = FileSource::new(FileId::new(args.file.clone()), ReadFrom::End)
        .await
        .with_context(|| format!("cannot open {}", args.file))?;
    eprintln!(
        "tail: following {} from byte {}",
        args.file,
        source.offset()
    );
    let mut pending = Vec::new();
    let mut text = String::new();
    let mut stdout = std::io::stdout();
    loop {
        let bytes = source
            .stream_bytes()
            .await
            .with_context(|| format!("stopped following {}", args.file))?;
        pending.extend_from_slice(&bytes.bytes());
        decode(&mut pending, &mut text);
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        text.clear();
    }
}
