//! `docscreen screen`: screen document images for forgery.

use crate::inputs::{self, Input};
use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::report::{Report, Severity};
use docscreen::screen::Screener;
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

/// Screen document images: read and validate the MRZ, check the page against
/// the ICAO format template and any issuer templates for the claimed document.
///
/// Verdicts: pass, fail (evidence of forgery), inconclusive (the capture does
/// not allow a decision). Exit status: 0 when every input was processed
/// (whatever the verdicts), 1 on usage errors, 2 when an input could not be
/// processed (its JSON line has an "error" message and an "error_kind":
/// limits, image, invalid_argument, io).
///
/// Examples:
///   docscreen screen --templates examples/templates examples/data/images
///   docscreen screen --json passport.jpg > report.jsonl
///   cat scan.png | docscreen screen --json -
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Issuer template file (TOML) or directory of templates; repeatable.
    #[arg(long = "templates", value_name = "DIR|FILE")]
    templates: Vec<PathBuf>,
    /// Print one JSON object per input (JSON Lines) instead of a table.
    #[arg(long)]
    json: bool,
    /// Parallel jobs (default: all cores). Output stays in input order.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Images or directories (recursive); `-` reads image bytes from stdin.
    #[arg(value_name = "IMAGE|DIR", required = true)]
    inputs: Vec<PathBuf>,
}

pub fn build_screener(templates: &[PathBuf]) -> Result<Screener, String> {
    let mut b = Screener::builder();
    for t in templates {
        b = b.templates_path(t).map_err(|e| e.to_string())?;
    }
    b.build().map_err(|e| e.to_string())
}

pub fn run(a: Args) -> u8 {
    let screener = match build_screener(&a.templates) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("docscreen screen: {e}");
            return EXIT_USAGE;
        }
    };
    let inputs = match inputs::collect(&a.inputs) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("docscreen screen: {e}");
            return EXIT_USAGE;
        }
    };
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(a.jobs.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("docscreen screen: {e}");
            return EXIT_USAGE;
        }
    };
    let max = screener.limits().max_encoded_bytes;
    let results: Vec<(Input, Result<Report, docscreen::Error>)> =
        pool.install(|| inputs.into_par_iter().map(|i| {
            let r = i.read(max).and_then(|bytes| screener.screen_encoded(&bytes));
            (i, r)
        }).collect());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = EXIT_OK;
    for (input, r) in &results {
        match r {
            Ok(rep) => {
                if a.json {
                    let _ = writeln!(out, "{}", json_line(&input.name(), rep));
                } else {
                    print_row(&mut out, &input.name(), rep);
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

/// The report as the CLI's JSON line, with the input's name under `file`.
pub fn json_line(file: &str, rep: &Report) -> String {
    let mut v = serde_json::to_value(rep).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("file".into(), serde_json::Value::String(file.into()));
    }
    v.to_string()
}

fn print_row(out: &mut impl Write, name: &str, rep: &Report) {
    let fmt = rep.mrz.as_ref().map(|m| m.format.as_str()).unwrap_or("-");
    let _ = writeln!(out, "{name:<40} {:<12} {fmt:<6} {:.0} ms", rep.verdict.as_str().to_uppercase(), rep.timings.total_ms);
    for f in rep.findings_at_least(Severity::Warning) {
        let _ = writeln!(out, "    {:<7} {:<18} {}", f.severity.as_str(), f.code.as_str(), f.message);
    }
}
