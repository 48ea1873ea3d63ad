//! The `docscreen` command-line tool. See `docscreen --help`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod annotate;
mod batch;
mod cmd_enroll;
mod cmd_mrz;
mod cmd_read;
mod cmd_screen;
#[cfg(feature = "synth")]
mod cmd_synth;
mod cmd_templates;
mod inputs;
mod table;

/// Screen travel-document images for forgery: MRZ reading and ICAO 9303
/// validation, format and issuer-template checks.
#[derive(Parser)]
#[command(name = "docscreen", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // No doc comments on the variants: they would replace each command's
    // own long help (flags, examples) with one line.
    Screen(cmd_screen::Args),
    Read(cmd_read::Args),
    Mrz(cmd_mrz::Args),
    Enroll(cmd_enroll::Args),
    Templates(cmd_templates::Args),
    #[cfg(feature = "synth")]
    Synth(cmd_synth::Args),
}

const AFTER_HELP: &str = "\
Exit status (every command): 0 every input processed, whatever the verdicts;
1 usage error; 2 an input could not be processed (its JSON line has \"error\").

Examples:
  docscreen screen --templates examples/templates examples/data/synth
  docscreen screen --json --annotate out/annotated scans/ > reports.jsonl
  docscreen read --json examples/data/synth
  docscreen mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
  docscreen enroll --id uto-p-2024 -o templates/uto-p-2024.toml specimens/uto-p-2024/
  docscreen templates list --templates templates/
  docscreen synth --out out/set --count 100

'docscreen COMMAND --help' explains every flag of a command, with examples.";

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
        Command::Screen(a) => cmd_screen::run(a),
        Command::Read(a) => cmd_read::run(a),
        Command::Mrz(a) => cmd_mrz::run(a),
        Command::Enroll(a) => cmd_enroll::run(a),
        Command::Templates(a) => cmd_templates::run(a),
        #[cfg(feature = "synth")]
        Command::Synth(a) => cmd_synth::run(a),
    };
    ExitCode::from(code)
}
