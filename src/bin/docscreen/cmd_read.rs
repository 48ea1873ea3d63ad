//! `docscreen read`: read the MRZ from images (no template checks).

use crate::inputs::{self, Input};
use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::read::{MrzReading, Reader};
use docscreen::screen::{Limits, decode_with_limits};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// Read the MRZ from document images with the built-in OCR-B reader.
///
/// Prints per image its format, lines, the lowest character confidence of
/// each line and whether the MRZ passes every ICAO 9303 check. With --json,
/// one object per image (JSON Lines):
///   {"file", "found", "format", "lines", "confidence", "valid", "notes"}
/// An image that cannot be decoded gets {"file", "error", "error_kind"}.
/// Exit status: 0 when every input was processed (found or not), 1 on usage
/// errors, 2 when an input could not be decoded.
///
/// Examples:
///   docscreen read passport.jpg
///   docscreen read --json scans/ > readings.jsonl
///   cat photo.jpg | docscreen read --json -
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Print one JSON object per input (JSON Lines) instead of a table.
    #[arg(long)]
    json: bool,
    /// Parallel jobs (default: all cores). Output stays in input order.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Images or directories (recursive over image extensions); `-` reads
    /// image bytes from stdin.
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

fn print_row(out: &mut impl Write, name: &str, r: &MrzReading) {
    if !r.found {
        let why = r.notes.first().map(String::as_str).unwrap_or("no MRZ found");
        let _ = writeln!(out, "{name:<40} NOT FOUND  {why}");
        return;
    }
    let fmt = r.format.map(|f| f.as_str()).unwrap_or("-");
    let conf = r.line_confidence().into_iter().fold(1.0f32, f32::min);
    let valid = if is_valid(r) { "valid" } else { "INVALID" };
    let _ = writeln!(out, "{name:<40} {fmt:<6} {valid:<8} min conf {conf:.2}");
    for l in &r.lines {
        let _ = writeln!(out, "    {l}");
    }
}

pub fn run(a: Args) -> u8 {
    let inputs = match inputs::collect(&a.inputs) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("docscreen read: {e}");
            return EXIT_USAGE;
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(a.jobs.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("docscreen read: {e}");
            return EXIT_USAGE;
        }
    };
    let reader = Reader::new();
    let limits = Limits::default();
    let results: Vec<(Input, Result<MrzReading, docscreen::Error>)> = pool.install(|| {
        inputs
            .into_par_iter()
            .map(|i| {
                let r = i.read(limits.max_encoded_bytes).and_then(|bytes| decode_with_limits(&bytes, &limits)).map(|img| reader.read_image(&img));
                (i, r)
            })
            .collect()
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = EXIT_OK;
    for (input, r) in &results {
        match r {
            Ok(reading) => {
                if a.json {
                    let _ = writeln!(out, "{}", json_line(&input.name(), reading));
                } else {
                    print_row(&mut out, &input.name(), reading);
                }
            }
            Err(e) => {
                status = EXIT_INPUT;
                if a.json {
                    let _ = writeln!(out, "{}", serde_json::json!({ "file": input.name(), "error": e.to_string(), "error_kind": e.kind() }));
                } else {
                    let _ = writeln!(out, "{:<40} ERROR {e}", input.name());
                }
            }
        }
    }
    let _ = out.flush();
    status
}
