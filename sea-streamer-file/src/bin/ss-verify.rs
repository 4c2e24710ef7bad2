//! `ss-verify`: check every frame and beacon of a `.ss` file; `--repair` cuts it after the last good frame.

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
/// beacon, continuing at the next beacon after a problem, and prints a summary.
///
/// Exit status: 0 = the file is clean (or was repaired), 1 = problems found, 2 = cannot read the file.
#[derive(Debug, Parser)]
#[command(name = "ss-verify", version)]
struct Args {
    /// The `.ss` file to verify.
    #[arg(long, value_name = "PATH")]
    file: String,
    /// Cut the file right after the last good frame before the first problem (e.g. after a crash).
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
        writeln!(out, "problem at {}: {}", p.offset, p.error)?;
    }
    if report.is_clean() {
        writeln!(out, "OK")?;
        return Ok(true);
    }
    if args.repair {
        writeln!(
            out,
            "repaired: cut {} bytes; the file now ends at {}",
            report.file_size - report.valid_until,
            report.valid_until
        )?;
        return Ok(true);
    }
    writeln!(
        out,
        "valid up to byte {} (use --repair to cut the rest)",
        report.valid_until
    )?;
    Ok(false)
}

fn main() -> ExitCode {
    env_logger::init();
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "ss-verify: {e:#}");
            ExitCode::from(2)
        }
    }
}
