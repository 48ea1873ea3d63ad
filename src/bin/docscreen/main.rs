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
    /// Validate MRZ text (check digits and field rules).
    Mrz(cmd_mrz::Args),
    /// Read the MRZ from images (no template checks).
    Read(cmd_read::Args),
    /// Screen document images for forgery.
    Screen(cmd_screen::Args),
    /// Build an issuer template from genuine specimens.
    Enroll(cmd_enroll::Args),
    /// Generate a synthetic labelled set of documents and forgeries.
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
