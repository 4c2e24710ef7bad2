//! `ss-verify`: check every frame and beacon of a `.ss` file; `--repair` removes corrupt bytes and a
//! torn tail and keeps every valid frame.

#[path = "common/exit.rs"]
mod exit;

use anyhow::{Context, Result};
use clap::Parser;
use sea_streamer_file::{
    verify::{repair_file, verify_file},
    FileId,
};
use std::io::Write;
use std::process::ExitCode;

/// Verify a SeaStreamer `.ss` file.
///
/// Decodes every frame (payload checksum, agreement with the beacons that interrupt it) and every
/// beacon, continuing at the next valid frame after a problem, checks the consistency of frame
/// headers (which the checksum does not cover), and prints a summary. Bytes that do not decode
/// but are followed by valid data are corruption; at the end of the file with nothing valid after
/// them they are a torn tail (an incomplete last write).
///
/// Exit status: 0 = the file is clean (or was repaired), 1 = problems found (or header
/// inconsistencies, which `--repair` does not change), 2 = cannot read the file (or a usage
/// error), as `diff` and `cmp` do. A closed stdout ends it quietly.
#[derive(Debug, Parser)]
#[command(name = "ss-verify", version)]
struct Args {
    /// The `.ss` file to verify.
    #[arg(long, value_name = "PATH")]
    file: String,
    /// Remove corrupt bytes (keeping every valid frame after them) and a torn tail.
    #[arg(long)]
    repair: bool,
}

fn run(args: &Args) -> Result<bool> {
    let file_id = FileId::new(args.file.clone());
    let report = if args.repair {
        repair_file(&file_id)
    } else {
        verify_file(&file_id)
    }
    .with_context(|| format!("cannot verify {}", args.file))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "file:            {}", args.file)?;
    writeln!(out, "file name:       {}", report.header.file_name)?;
    writeln!(out, "beacon interval: {}", report.header.beacon_interval)?;
    writeln!(out, "size:            {} bytes", report.file_size)?;
    writeln!(out, "frames:          {}", report.frames)?;
    writeln!(out, "beacons:         {}", report.beacons)?;
    writeln!(out, "ends with EOS:   {}", report.eos)?;
    for p in &report.problems {
        match p.resume_at {
            Some(q) => writeln!(
                out,
                "problem at {}: {} (valid data resumes at {q})",
                p.offset, p.error
            )?,
            None => writeln!(out, "problem at {}: {}", p.offset, p.error)?,
        }
    }
    for i in &report.inconsistencies {
        writeln!(out, "inconsistent at {}: {}", i.offset, i.inconsistency)?;
    }
    if report.is_clean() {
        writeln!(out, "OK")?;
        return Ok(true);
    }
    if args.repair && !report.problems.is_empty() {
        for d in &report.dropped {
            writeln!(out, "dropped {} bytes at offset {}", d.len, d.offset)?;
        }
        writeln!(out, "repaired")?;
    } else if !report.problems.is_empty() {
        writeln!(
            out,
            "valid up to byte {} (use --repair to drop the bad bytes and keep the rest)",
            report.valid_until
        )?;
    }
    if !report.inconsistencies.is_empty() {
        writeln!(
            out,
            "{} header inconsistencies (not covered by the checksum; not repairable)",
            report.inconsistencies.len()
        )?;
        return Ok(false);
    }
    Ok(args.repair)
}

fn main() -> ExitCode {
    exit::init_logger();
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        // `ss-verify ... | head -1`: the reader has what it wanted
        Err(e) if exit::is_closed_stdout(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ss-verify: {e:#}");
            ExitCode::from(2)
        }
    }
}
