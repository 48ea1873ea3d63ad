//! `docscreen screen`: screen document images for forgery.

use crate::annotate::{self, Annotator};
use crate::batch::{self, Options, Tally};
use crate::inputs::{self, Failure, Input};
use crate::table::{self, Colour};
use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::report::{Report, Severity, Verdict};
use docscreen::screen::{Screener, decode_with_limits};
use docscreen::template::Template;
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

/// Screen document images for forgery
///
/// Reads and validates the MRZ, then checks the page against the ICAO format
/// and against any issuer template for the claimed document (issuer,
/// document code and format from the MRZ).
///
/// Verdicts: pass; fail (evidence of forgery); inconclusive (the capture does
/// not allow a decision: MRZ unreadable, too small, page not visible).
///
/// Output: a table (file, verdict, document, template and score; warnings and
/// failures indented underneath), or with --json one object per input on one
/// line, in input order:
///   {"file", "verdict", "mrz": {...}|null, "template": {"id", "digest", "score"}|null,
///    "findings": [{"code", "severity", "zone", "score", "threshold", "message", ...}],
///    "image_sha256", "library_version", "image", "px_per_mm", "rotation_deg",
///    "document_polygon_px", "timings"}
/// An input that cannot be processed gets {"file", "error", "error_kind"}
/// (limits, image, io, invalid_argument); the run goes on.
/// A summary (verdict and finding counts, images per second) ends the run on
/// stderr.
///
/// Exit status: 0 every input was processed (whatever the verdicts), 1 usage
/// error (bad flag, unloadable template), 2 an input could not be processed.
///
/// Examples:
///   docscreen screen --templates examples/templates examples/data/synth
///   docscreen screen --json --templates t/uto-p-2024.toml scans/ > reports.jsonl
///   docscreen screen --annotate out/annotated --jobs 2 passport.jpg
///   cat scan.png | docscreen screen --json -
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Issuer template: a .toml file (its reference images beside it) or a
    /// directory of them; repeatable. The built-in ICAO format templates
    /// always apply. Example: --templates examples/templates
    #[arg(long = "templates", short = 't', value_name = "DIR|FILE")]
    templates: Vec<PathBuf>,
    /// Print one JSON object per input (JSON Lines) instead of a table.
    /// Example: docscreen screen --json scans/ | jq -r 'select(.verdict=="fail") | .file'
    #[arg(long)]
    json: bool,
    /// Write for each input DIR/<name>.annotated.png: the verdict banner, the
    /// page outline, the MRZ band, the template's zones and each finding's
    /// region in its severity's colour (created if missing; keep it outside
    /// the input directories). Example: --annotate out/annotated
    #[arg(long, value_name = "DIR")]
    annotate: Option<PathBuf>,
    /// Images screened in parallel (default: one per core). Output stays in
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

/// Loads the templates into a screener (an error message otherwise), the
/// files in parallel on `pool`: loading decodes and prepares each reference
/// image, a serial start that would otherwise cap a batch's speed-up.
pub fn build_screener(templates: &[PathBuf], pool: &rayon::ThreadPool) -> Result<Screener, String> {
    let mut files = Vec::new();
    for t in templates {
        if !t.exists() {
            return Err(format!("template {} does not exist", t.display()));
        }
        if t.is_dir() {
            // As `Template::load_path`: the directory's *.toml files, by name.
            let mut found: Vec<PathBuf> = std::fs::read_dir(t)
                .map_err(|e| format!("cannot list {}: {e}", t.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(t.clone());
        }
    }
    let loaded: Vec<Result<Template, docscreen::Error>> = pool.install(|| files.par_iter().map(|f| Template::load(f)).collect());
    let mut b = Screener::builder();
    for t in loaded {
        b = b.template(t.map_err(|e| e.to_string())?);
    }
    b.build().map_err(|e| e.to_string())
}

/// What screening one input gave.
struct Screened {
    report: Report,
    /// The annotated image written, or why not.
    annotation: Option<Result<PathBuf, String>>,
}

type Outcome = Result<Screened, Failure>;

pub fn run(a: Args) -> u8 {
    let usage = |e: String| {
        eprintln!("docscreen screen: {e}");
        EXIT_USAGE
    };
    let pool = match batch::pool(a.jobs) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let screener = match build_screener(&a.templates, &pool) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let inputs = match inputs::collect(&a.inputs) {
        Ok(i) => i,
        Err(e) => return usage(e),
    };
    let annotator = match &a.annotate {
        None => None,
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(dir) {
                return usage(format!("cannot create {}: {e}", dir.display()));
            }
            match Annotator::new() {
                Ok(an) => Some((an, dir.clone(), annotation_names(&inputs))),
                Err(e) => return usage(e),
            }
        }
    };

    let limits = *screener.limits();
    let work = |k: usize, input: &Input| -> Outcome {
        let bytes = input.read(limits.max_encoded_bytes)?;
        let report = screener.screen_encoded(&bytes)?;
        let annotation = annotator.as_ref().map(|(an, dir, names)| {
            // Decoded a second time: the screener keeps no pixels, and the
            // report must come from `screen_encoded` (digest of the bytes).
            let img = decode_with_limits(&bytes, &limits).map_err(|e| e.to_string())?;
            let template = report.template.as_ref().and_then(|u| screener.templates().all().find(|t| t.id() == u.id));
            let path = dir.join(&names[k]);
            annotate::write_png(&an.draw(&img, &report, template), &path)?;
            Ok(path)
        });
        Ok(Screened { report, annotation })
    };

    let colour = !a.json && table::stdout_colour();
    let width = table::file_width(inputs.iter().map(|i| match i {
        Input::File(p) => p.to_str().unwrap_or(""),
        Input::Stdin => "-",
    }));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if !a.json {
        let header = format!("{}  {}  {}  {}", table::paint("FILE", width, None, false), table::paint("VERDICT", 12, None, false), table::paint("DOCUMENT", 24, None, false), "TEMPLATE (SCORE)");
        if writeln!(out, "{}", table::paint(header.trim_end(), 0, Some(Colour::Dim), colour)).is_err() {
            return EXIT_OK;
        }
    }
    let mut tally = Tally::with_outcomes(&["pass", "fail", "inconclusive"]);
    let mut status = EXIT_OK;
    let emit = |_k: usize, input: &Input, r: Outcome| -> std::io::Result<()> {
        let name = input.name();
        match &r {
            Ok(s) => {
                tally.outcome(s.report.verdict.as_str());
                for f in s.report.findings.iter().filter(|f| f.severity >= Severity::Warning) {
                    tally.code(f.code.as_str());
                }
                if let Some(Err(_)) = &s.annotation {
                    tally.errors += 1;
                    status = EXIT_INPUT;
                }
            }
            Err(_) => {
                tally.errors += 1;
                status = EXIT_INPUT;
            }
        }
        if a.json {
            writeln!(out, "{}", json_line(&name, &r))?;
        } else {
            write_rows(&mut out, &name, &r, width, colour)?;
        }
        out.flush()
    };
    let opts = Options { pool, quiet: a.quiet };
    let run = batch::run(&inputs, opts, work, || Err(Failure::new("internal", "internal error while screening this input (please report it)")), emit);
    if !a.quiet {
        eprintln!("{}", tally.line("screen", &run, "findings"));
    }
    status
}

/// File names for the annotated images, one per input: the input's stem,
/// made unique with `-2`, `-3`, … when inputs share it.
fn annotation_names(inputs: &[Input]) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    inputs
        .iter()
        .map(|i| {
            let stem = match i {
                Input::File(p) => p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "image".into()),
                Input::Stdin => "stdin".into(),
            };
            let mut name = format!("{stem}.annotated.png");
            let mut n = 1;
            while !used.insert(name.clone()) {
                n += 1;
                name = format!("{stem}-{n}.annotated.png");
            }
            name
        })
        .collect()
}

/// The JSON line of one input: `file` first, then the report's own keys in
/// their declared order (`verdict`, `mrz`, `template`, `findings`, …); with
/// --annotate, `annotation` (the PNG written); on failure `error`.
fn json_line(file: &str, r: &Outcome) -> String {
    let file_json = serde_json::Value::String(file.to_string()).to_string();
    let error_line = |e: &str, kind: &str| serde_json::json!({ "file": file, "error": e, "error_kind": kind }).to_string();
    let s = match r {
        Err(e) => return error_line(&e.message, e.kind),
        Ok(s) => s,
    };
    let body = match serde_json::to_string(&s.report) {
        Ok(b) if b.len() > 2 && b.starts_with('{') => b,
        Ok(_) | Err(_) => return error_line("cannot serialise the report", "internal"),
    };
    let extra = match &s.annotation {
        None => String::new(),
        Some(Ok(p)) => format!("\"annotation\":{},", serde_json::Value::String(p.display().to_string())),
        Some(Err(e)) => format!("\"error\":{},", serde_json::Value::String(e.clone())),
    };
    format!("{{\"file\":{file_json},{extra}{}", &body[1..])
}

fn verdict_colour(v: Verdict) -> Colour {
    match v {
        Verdict::Pass => Colour::Green,
        Verdict::Fail => Colour::Red,
        Verdict::Inconclusive => Colour::Yellow,
    }
}

/// One table row, then the warnings and failures underneath.
fn write_rows(out: &mut impl Write, name: &str, r: &Outcome, width: usize, colour: bool) -> std::io::Result<()> {
    let file = table::paint(name, width, None, false);
    let s = match r {
        Err(e) => return writeln!(out, "{file}  {}  {e}", table::paint("ERROR", 12, Some(Colour::Red), colour)),
        Ok(s) => s,
    };
    let rep = &s.report;
    let document = match &rep.mrz {
        Some(m) => match &m.fields {
            Some(f) => format!("{} {} {} {}", m.format, f.document_code.trim_end_matches('<'), f.issuing_state, f.document_number),
            None => m.format.to_string(),
        },
        None => "-".into(),
    };
    let template = rep.template.as_ref().map(|t| format!("{} ({:.2})", t.id, t.score)).unwrap_or_else(|| "-".into());
    let verdict = table::paint(rep.verdict.as_str(), 12, Some(verdict_colour(rep.verdict)), colour);
    writeln!(out, "{file}  {verdict}  {}  {template}", table::paint(&document, 24, None, false))?;
    for f in rep.findings_at_least(Severity::Warning) {
        let sev = table::paint(f.severity.as_str(), 7, Some(if f.severity == Severity::Fail { Colour::Red } else { Colour::Yellow }), colour);
        writeln!(out, "    {sev}  {:<18}  {}", f.code.as_str(), f.message)?;
    }
    match &s.annotation {
        Some(Ok(p)) => writeln!(out, "    {}", table::paint(&format!("annotated: {}", p.display()), 0, Some(Colour::Dim), colour)),
        Some(Err(e)) => writeln!(out, "    {}  {e}", table::paint("ERROR", 7, Some(Colour::Red), colour)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_names_are_unique() {
        let inputs = vec![Input::File("a/0001.jpg".into()), Input::File("0001-2.jpg".into()), Input::File("b/0001.png".into()), Input::Stdin];
        assert_eq!(annotation_names(&inputs), ["0001.annotated.png", "0001-2.annotated.png", "0001-3.annotated.png", "stdin.annotated.png"]);
    }

    #[test]
    fn error_lines_have_file_error_and_kind() {
        let v: serde_json::Value = serde_json::from_str(&json_line("x \"y\".jpg", &Err(Failure::new("image", "bad")))).unwrap();
        assert_eq!(v, serde_json::json!({"file": "x \"y\".jpg", "error": "bad", "error_kind": "image"}));
    }
}
