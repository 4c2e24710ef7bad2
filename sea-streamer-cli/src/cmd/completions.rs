//! `sea completions SHELL`: print a completion script (clap_complete) for bash, zsh, fish,
//! elvish or powershell.

use crate::stdout::Out;
use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  sea completions bash > ~/.local/share/bash-completion/completions/sea"
)]
pub struct Args {
    /// The shell
    #[arg(value_name = "SHELL")]
    shell: Shell,
}

/// Runs `sea completions`.
pub fn run(args: Args) -> Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut crate::Cli::command(), "sea", &mut script);
    let mut out = Out::new();
    out.write(&script)?;
    out.flush()
}
