//! `sea verify FILE [--repair]`: check every frame and beacon of a `.ss` file with
//! `sea_streamer_file::verify`; `--repair` removes corrupt bytes and a torn tail, keeping
//! every valid frame. Exit 0 when the file is clean (or was repaired), 1 when problems
//! remain (header inconsistencies are reported, never repaired).

use crate::stdout::Out;
use anyhow::{bail, Context, Result};
use sea_streamer_file::{
    verify::{repair_file, verify_file},
    FileId,
};

/// Check (and optionally repair) a .ss file.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  sea verify /tmp/data.ss || sea verify /tmp/data.ss --repair")]
pub struct Args {
    /// The .ss file
    #[arg(value_name = "FILE")]
    file: String,
    /// Remove corrupt bytes (keeping every valid frame after them) and a torn tail
    #[arg(long)]
    repair: bool,
}

/// Runs `sea verify`.
pub fn run(args: Args, quiet: bool) -> Result<()> {
    let file = &args.file;
    let id = FileId::new(file.clone());
    let report = if args.repair {
        repair_file(&id).with_context(|| format!("repairing {file}"))?
    } else {
        verify_file(&id).with_context(|| format!("verifying {file}"))?
    };
    let mut text = String::new();
    let mut say = |s: String| {
        text.push_str(&s);
        text.push('\n');
    };
    say(format!("file:            {file}"));
    say(format!("file name:       {}", report.header.file_name));
    say(format!(
        "beacon interval: {}",
        report.header.beacon_interval
    ));
    say(format!("size:            {} bytes", report.file_size));
    say(format!("frames:          {}", report.frames));
    say(format!("beacons:         {}", report.beacons));
    say(format!(
        "ends with EOS:   {}",
        if report.eos { "yes" } else { "no" }
    ));
    for p in &report.problems {
        match p.resume_at {
            Some(at) => say(format!(
                "problem at byte {}: {} (valid data resumes at {at})",
                p.offset, p.error
            )),
            None => say(format!("problem at byte {}: {}", p.offset, p.error)),
        }
    }
    for i in &report.inconsistencies {
        say(format!(
            "inconsistent at byte {}: {}",
            i.offset, i.inconsistency
        ));
    }
    for d in &report.dropped {
        say(format!("dropped {} bytes at byte {}", d.len, d.offset));
    }
    let clean = report.is_clean();
    let repaired = args.repair && !report.problems.is_empty();
    if clean {
        say("OK".into());
    } else if repaired {
        say("repaired".into());
    }
    let _ = quiet;
    let mut out = Out::new();
    out.write(text.as_bytes())?;
    out.flush()?;
    if !report.inconsistencies.is_empty() {
        bail!(
            "{file}: {} header inconsistencies (not covered by the checksum; not repairable)",
            report.inconsistencies.len()
        );
    }
    if !clean && !repaired {
        bail!(
            "{file}: {} problems; valid up to byte {} (`sea verify {file} --repair` drops the bad bytes and keeps the rest)",
            report.problems.len(),
            report.valid_until
        );
    }
    Ok(())
}
