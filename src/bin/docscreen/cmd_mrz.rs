//! `docscreen mrz`: validate MRZ text.

use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::mrz::{self, Format, Validation};
use std::io::{BufRead, Read, Write};

/// Validate MRZ text: every ICAO 9303 check digit and field rule.
///
/// The MRZ comes from the LINE arguments or, without arguments, from stdin;
/// its lines are separated by newlines or `|`. The format (TD1, TD2, TD3,
/// MRVA, MRVB, FRA_ID) is detected from the line count, the line length and
/// the document code unless --format names it.
///
/// Output: a table of every check (ok/FAIL, what it verified, the columns,
/// printed vs computed check digit) and the fields; with --json one JSON
/// object per MRZ: {"valid", "format", "lines", "checks": [{"name", "ok", ...}],
/// "fields", "blind_spots", "unchecked_fields"}.
///
/// Exit status: 0 every input was processed (valid or not), 1 usage error,
/// 2 an input is no MRZ at all (empty, more than 3 lines, a line over 200
/// characters, not UTF-8); with --json its line is {"valid": false, "error": "..."}.
///
/// Examples (quote the lines: `<` is a shell redirection):
///   docscreen mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10'
///   docscreen mrz 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<' 'L898902C36UTO7408122F1204159ZE184226B<<<<<10'
///   docscreen mrz --json --format TD3 < mrz.txt
///   cut -f4 vectors.tsv | docscreen mrz --batch --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print one JSON object per MRZ (JSON Lines) instead of a table.
    #[arg(long)]
    json: bool,
    /// Check the text as format F (TD1, TD2, TD3, MRVA, MRVB, FRA_ID; case and
    /// dashes ignored) instead of detecting it: a visa checked as TD3 fails
    /// document_type, a TD1 checked as TD3 fails length. TD2 also accepts the
    /// French identity card (IDFRA...).
    #[arg(long, value_name = "F")]
    format: Option<String>,
    /// Read many MRZs from stdin, one per line with its lines joined by `|`;
    /// blank lines are skipped, output keeps the input order.
    /// Example: printf '%s\n' 'LINE1|LINE2' 'LINE1|LINE2|LINE3' | docscreen mrz --batch --json
    #[arg(long)]
    batch: bool,
    /// MRZ lines: one argument per line, or one argument with the lines
    /// joined by `|`. Without LINE, the MRZ is read from stdin.
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
        // Lines as bytes: one line that is not UTF-8 is reported and skipped,
        // not the end of the batch.
        for line in stdin.lock().split(b'\n') {
            let Ok(line) = line else {
                eprintln!("docscreen mrz: cannot read stdin");
                return EXIT_INPUT;
            };
            match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => {
                    if !emit(&mut out, text, format, a.json) {
                        status = EXIT_INPUT;
                    }
                }
                Err(_) => {
                    emit_error(&mut out, "input line is not UTF-8 text", a.json);
                    status = EXIT_INPUT;
                }
            }
        }
    } else {
        let text = if a.lines.is_empty() {
            let mut s = String::new();
            if std::io::stdin().read_to_string(&mut s).is_err() {
                emit_error(&mut out, "stdin is not UTF-8 text", a.json);
                let _ = out.flush();
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
            emit_error(out, &e.to_string(), json);
            false
        }
    }
}

/// Prints the result for an input that is no MRZ at all.
fn emit_error(out: &mut impl Write, message: &str, json: bool) {
    if json {
        let _ = writeln!(out, "{}", serde_json::json!({ "valid": false, "error": message }));
    } else {
        let _ = writeln!(out, "error: {message}");
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
