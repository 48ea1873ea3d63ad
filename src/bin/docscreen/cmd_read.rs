//! `docscreen read`: read the MRZ from images (no template checks).

use crate::batch::{self, Options, Tally};
use crate::inputs::{self, Failure, Input};
use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::read::{MrzReading, Reader};
use docscreen::screen::{Limits, decode_with_limits};
use std::io::Write;
use std::path::PathBuf;

/// Read the MRZ from document images (no template checks)
///
/// The built-in OCR-B reader locates the MRZ, reads it and validates it.
/// Prints per image its format, lines, the lowest character confidence of
/// each line and whether the MRZ passes every ICAO 9303 check. With --json,
/// one object per image (JSON Lines):
///   {"file", "found", "format", "lines", "confidence", "valid", "notes"}
/// An image that cannot be decoded gets {"file", "error", "error_kind"}
/// (limits, image, io, invalid_argument); the run goes on.
/// A summary (valid, invalid, not found, errors, images per second) ends the
/// run on stderr.
///
/// Exit status: 0 every input was processed (MRZ found or not), 1 usage
/// error, 2 an input could not be read or decoded.
///
/// Examples:
///   docscreen read examples/data/synth/mrz_digit.jpg
///   docscreen read --json --jobs 2 scans/ > readings.jsonl
///   cat photo.jpg | docscreen read --json -q -
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print one JSON object per input (JSON Lines) instead of a table.
    /// Example: docscreen read --json scans/ | jq -r 'select(.valid | not) | .file'
    #[arg(long)]
    json: bool,
    /// Images read in parallel (default: one per core). Output stays in
    /// input order. Example: --jobs 2
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// No progress bar and no summary line on stderr. Example: -q
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Images (PNG, JPEG, TIFF, WebP, BMP, GIF, PNM) or directories, walked
    /// recursively in name order (hidden entries skipped); `-` reads one
    /// image's bytes from stdin. Example: scans/ extra.jpg
    #[arg(value_name = "IMAGE|DIR", required = true)]
    inputs: Vec<PathBuf>,
}

/// Whether the lines pass every check of their format.
fn is_valid(r: &MrzReading) -> bool {
    r.found && docscreen::mrz::validate_lines(&r.lines, r.format).is_ok_and(|v| v.is_valid())
}

fn round3(v: f32) -> f64 {
    (v as f64 * 1000.0).round() / 1000.0
}

/// The reading as the CLI's JSON line.
pub fn json_line(file: &str, r: &MrzReading) -> String {
    serde_json::json!({
        "file": file,
        "found": r.found,
        "format": r.format.map(|f| f.as_str()),
        "lines": r.lines,
        "confidence": r.line_confidence().into_iter().map(round3).collect::<Vec<_>>(),
        "valid": is_valid(r),
        "notes": r.notes,
    })
    .to_string()
}

fn print_row(out: &mut impl Write, name: &str, r: &MrzReading) -> std::io::Result<()> {
    if !r.found {
        let why = r.notes.first().map(String::as_str).unwrap_or("no MRZ found");
        return writeln!(out, "{name:<40} NOT FOUND  {why}");
    }
    let fmt = r.format.map(|f| f.as_str()).unwrap_or("-");
    let conf = r.line_confidence().into_iter().fold(1.0f32, f32::min);
    let valid = if is_valid(r) { "valid" } else { "INVALID" };
    writeln!(out, "{name:<40} {fmt:<6} {valid:<8} min conf {conf:.2}")?;
    for l in &r.lines {
        writeln!(out, "    {l}")?;
    }
    Ok(())
}

pub fn run(a: Args) -> u8 {
    let usage = |e: String| {
        eprintln!("docscreen read: {e}");
        EXIT_USAGE
    };
    let pool = match batch::pool(a.jobs) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let inputs = match inputs::collect(&a.inputs) {
        Ok(i) => i,
        Err(e) => return usage(e),
    };
    let reader = Reader::new();
    let limits = Limits::default();
    let work = |_k: usize, i: &Input| -> Result<MrzReading, Failure> {
        let bytes = i.read(limits.max_encoded_bytes)?;
        let img = decode_with_limits(&bytes, &limits)?;
        Ok(reader.read_image(&img))
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = EXIT_OK;
    let mut tally = Tally::with_outcomes(&["valid", "invalid", "not found"]);
    let emit = |_k: usize, input: &Input, r: Result<MrzReading, Failure>| -> std::io::Result<()> {
        match &r {
            Ok(reading) => {
                tally.outcome(if !reading.found {
                    "not found"
                } else if is_valid(reading) {
                    "valid"
                } else {
                    "invalid"
                });
                if a.json {
                    writeln!(out, "{}", json_line(&input.name(), reading))?;
                } else {
                    print_row(&mut out, &input.name(), reading)?;
                }
            }
            Err(e) => {
                status = EXIT_INPUT;
                tally.errors += 1;
                if a.json {
                    writeln!(out, "{}", serde_json::json!({ "file": input.name(), "error": e.message, "error_kind": e.kind }))?;
                } else {
                    writeln!(out, "{:<40} ERROR {e}", input.name())?;
                }
            }
        }
        out.flush()
    };
    let opts = Options { pool, quiet: a.quiet };
    let run = batch::run(&inputs, opts, work, || Err(Failure::new("internal", "internal error while reading this input (please report it)")), emit);
    if !a.quiet {
        eprintln!("{}", tally.line("read", &run, "notes"));
    }
    status
}
