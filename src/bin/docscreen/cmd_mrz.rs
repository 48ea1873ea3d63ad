//! `docscreen mrz`: validate MRZ text.

use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::mrz::{self, Format, Validation};
use std::io::{BufRead, Read, Write};

/// Validate MRZ text: every ICAO 9303 check digit and field rule.
///
/// Lines come from the arguments or, without arguments, from stdin; lines are
/// separated by newlines or `|`.
///
/// Examples:
///   docscreen mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
///   docscreen mrz --json --format TD3 < mrz.txt
///   cut -f4 vectors.tsv | docscreen mrz --batch --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print one JSON object per MRZ (JSON Lines) instead of a table.
    #[arg(long)]
    json: bool,
    /// Check the text as this format (TD1, TD2, TD3, MRVA, MRVB, FRA_ID)
    /// instead of detecting it; e.g. a visa checked as TD3 fails document_type.
    #[arg(long, value_name = "F")]
    format: Option<String>,
    /// Read one MRZ per stdin line, its lines joined by `|`.
    #[arg(long)]
    batch: bool,
    /// MRZ lines (or one argument with lines joined by `|`).
    #[arg(value_name = "LINE")]
    lines: Vec<String>,
}

pub fn run(a: Args) -> u8 {
    let format = match a.format.as_deref().map(str::parse::<Format>).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("docscreen mrz: {e}");
            return EXIT_USAGE;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = EXIT_OK;
    if a.batch {
        if !a.lines.is_empty() {
            eprintln!("docscreen mrz: --batch reads stdin; give no LINE arguments");
            return EXIT_USAGE;
        }
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else {
                eprintln!("docscreen mrz: stdin is not UTF-8 text");
                return EXIT_INPUT;
            };
            if line.trim().is_empty() {
                continue;
            }
            if !emit(&mut out, &line, format, a.json) {
                status = EXIT_INPUT;
            }
        }
    } else {
        let text = if a.lines.is_empty() {
            let mut s = String::new();
            if std::io::stdin().read_to_string(&mut s).is_err() {
                eprintln!("docscreen mrz: stdin is not UTF-8 text");
                return EXIT_INPUT;
            }
            s
        } else {
            a.lines.join("\n")
        };
        if !emit(&mut out, &text, format, a.json) {
            status = EXIT_INPUT;
        }
    }
    let _ = out.flush();
    status
}

/// Prints one result; false when the text is not an MRZ at all.
fn emit(out: &mut impl Write, text: &str, format: Option<Format>, json: bool) -> bool {
    match mrz::validate(text, format) {
        Ok(v) => {
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string(&v).unwrap_or_default());
            } else {
                print_table(out, &v);
            }
            true
        }
        Err(e) => {
            if json {
                let _ = writeln!(out, "{}", serde_json::json!({ "valid": false, "error": e.to_string() }));
            } else {
                let _ = writeln!(out, "error: {e}");
            }
            false
        }
    }
}

fn print_table(out: &mut impl Write, v: &Validation) {
    let _ = writeln!(out, "{} {}", if v.is_valid() { "VALID" } else { "INVALID" }, v.format());
    for l in v.lines() {
        let _ = writeln!(out, "  {l}");
    }
    for c in v.checks() {
        let mut extra = String::new();
        if let (Some(p), Some(e)) = (c.printed, c.expected) {
            if !c.ok {
                extra = format!(" (printed {}, computes {})", p as char, e as char);
            }
        }
        let at = c.span.map(|s| format!(" line {} cols {}-{}", s.line + 1, s.start + 1, s.end())).unwrap_or_default();
        let _ = writeln!(out, "  {:4} {:15} {}{}{}", if c.ok { "ok" } else { "FAIL" }, c.name.as_str(), c.detail, at, extra);
    }
    if v.is_parsed() {
        let f = v.fields();
        let _ = writeln!(
            out,
            "  name: {} / {}   number: {}   born: {}   sex: {}   expires: {}",
            f.primary_identifier,
            f.secondary_identifier,
            f.document_number,
            f.birth_date,
            f.sex,
            f.expiry_date.as_deref().unwrap_or("-")
        );
    }
}
