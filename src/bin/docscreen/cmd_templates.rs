//! `docscreen templates`: what templates a screening would use.

use crate::cmd_screen::build_screener;
use crate::table::{self, Colour};
use crate::{EXIT_OK, EXIT_USAGE};
use docscreen::template::Template;
use std::io::Write;
use std::path::PathBuf;

/// List templates and check template packs
///
/// `templates list` shows the built-in ICAO format templates and the issuer
/// templates given with --templates.
///
/// Examples:
///   docscreen templates list
///   docscreen templates list --templates examples/templates
///   docscreen templates list --json -t examples/templates/uto-p-2024.toml
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    // No doc comment: it would replace the long help below.
    List(ListArgs),
}

/// List the templates a screening would apply
///
/// Lists what `docscreen screen` would load with the same --templates: id,
/// issuer, format, accepted document codes, zone count, SHA-256 digest
/// (over the file and its reference data; reports record it) and source.
/// Loading verifies each template's reference data, so this is also the way
/// to check a template pack.
///
/// With --json one object per template: {"id", "issuer", "format",
/// "document_codes", "zones", "digest", "builtin", "source", "specimens",
/// "description"}.
///
/// Exit status: 0 listed, 1 a template could not be loaded.
///
/// Examples:
///   docscreen templates list --templates examples/templates
///   docscreen templates list --json -t my-templates/ | jq -r .digest
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct ListArgs {
    /// Issuer template: a .toml file or a directory of them; repeatable.
    /// Example: --templates examples/templates
    #[arg(long = "templates", short = 't', value_name = "DIR|FILE")]
    templates: Vec<PathBuf>,
    /// One JSON object per template (JSON Lines) instead of a table.
    /// Example: --json
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> u8 {
    match a.command {
        Sub::List(l) => list(l),
    }
}

fn list(a: ListArgs) -> u8 {
    let screener = match crate::batch::pool(None).and_then(|pool| build_screener(&a.templates, &pool)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("docscreen templates: {e}");
            return EXIT_USAGE;
        }
    };
    let templates: Vec<&Template> = screener.templates().all().collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = if a.json { write_json(&mut out, &templates) } else { write_table(&mut out, &templates) };
    EXIT_OK
}

fn source(t: &Template) -> String {
    match &t.source {
        Some(p) => p.display().to_string(),
        None if t.builtin => "built-in".into(),
        None => "-".into(),
    }
}

fn write_json(out: &mut impl Write, templates: &[&Template]) -> std::io::Result<()> {
    for t in templates {
        let f = &t.file;
        let v = serde_json::json!({
            "id": f.id,
            "issuer": f.issuer,
            "format": f.format.as_str(),
            "document_codes": f.document_codes,
            "zones": f.zones.len(),
            "digest": t.digest,
            "builtin": t.builtin,
            "source": t.source.as_ref().map(|p| p.display().to_string()),
            "specimens": f.calibration.as_ref().map(|c| c.specimens),
            "description": f.description,
        });
        writeln!(out, "{v}")?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, templates: &[&Template]) -> std::io::Result<()> {
    let colour = table::stdout_colour();
    let id_w = templates.iter().map(|t| t.file.id.len()).max().unwrap_or(2).max(2);
    let header = format!("{:<id_w$}  {:<6}  {:<6}  {:<6}  {:>5}  {:<16}  SOURCE", "ID", "ISSUER", "FORMAT", "CODES", "ZONES", "DIGEST");
    writeln!(out, "{}", table::paint(&header, 0, Some(Colour::Dim), colour))?;
    for t in templates {
        let f = &t.file;
        let issuer = if f.issuer.is_empty() { "any" } else { f.issuer.as_str() };
        let codes = if f.document_codes.is_empty() { "any".to_string() } else { f.document_codes.join(",") };
        let digest: String = t.digest.chars().take(16).collect();
        writeln!(out, "{:<id_w$}  {issuer:<6}  {:<6}  {codes:<6}  {:>5}  {digest:<16}  {}", f.id, f.format.as_str(), f.zones.len(), source(t))?;
    }
    Ok(())
}
