//! The `docscreen` command-line tool. See `docscreen --help`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod cmd_enroll;
mod cmd_mrz;
mod cmd_read;
mod cmd_screen;
mod inputs;
#[cfg(feature = "synth")]
mod cmd_synth;

#[derive(Parser)]
#[command(name = "docscreen", version, about = "Screen travel-document images for forgery: MRZ reading and ICAO 9303 validation, template checks.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // No doc comments on the variants: they would replace each command's
    // own long help (flags, examples) with one line.
    Mrz(cmd_mrz::Args),
    Read(cmd_read::Args),
    Screen(cmd_screen::Args),
    Enroll(cmd_enroll::Args),
    #[cfg(feature = "synth")]
    Synth(cmd_synth::Args),
}

/// Exit status: every input processed (whatever the verdicts).
pub const EXIT_OK: u8 = 0;
/// Exit status: usage error.
pub const EXIT_USAGE: u8 = 1;
/// Exit status: at least one input could not be processed.
pub const EXIT_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let code = match cli.command {
        Command::Mrz(a) => cmd_mrz::run(a),
        Command::Read(a) => cmd_read::run(a),
        Command::Screen(a) => cmd_screen::run(a),
        Command::Enroll(a) => cmd_enroll::run(a),
        #[cfg(feature = "synth")]
        Command::Synth(a) => cmd_synth::run(a),
    };
    ExitCode::from(code)
}
