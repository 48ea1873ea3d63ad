//! `docscreen enroll`: build an issuer template from genuine specimens.

use crate::inputs::{self, Input};
use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::read::Reader;
use docscreen::screen::{Limits, decode_with_limits};
use docscreen::template::enroll::enroll;
use rayon::prelude::*;
use std::path::PathBuf;

/// Build an issuer template from genuine specimen images
///
/// The specimens are images of one document model. Each is read, registered
/// by its page edges and rectified; the per-pixel median becomes the
/// reference, pixels that vary between specimens are masked as personal
/// data, and each zone's threshold is calibrated leave-one-out. Use three
/// or more clean scans showing the whole page on a contrasting background.
/// Writes TEMPLATE.toml plus TEMPLATE.ref.png and TEMPLATE.mask.png beside
/// it; the issuer, document code and format come from the specimens' MRZ.
///
/// Exit status: 0 written, 1 usage error or the template cannot be written,
/// 2 a specimen cannot be decoded or the specimens do not make a template
/// (nothing is written then).
///
/// Examples:
///   docscreen enroll --id uto-p-2024 -o templates/uto-p-2024.toml specimens/uto-p-2024/
///   docscreen enroll --id zza-i-2018 -o zza-i-2018.toml scan1.png scan2.png scan3.png
///   docscreen templates list --templates templates/      # check the result
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Template id, unique among the templates loaded together; reports name
    /// the template by it. Example: --id uto-p-2024
    #[arg(long)]
    id: String,
    /// Output template file (.toml); its reference images are written beside
    /// it. Example: -o templates/uto-p-2024.toml
    #[arg(short = 'o', long = "output", value_name = "TEMPLATE.toml")]
    output: PathBuf,
    /// Genuine specimen images of one model, or directories of them (walked
    /// recursively in name order). Example: specimens/uto-p-2024/
    #[arg(value_name = "SPECIMEN|DIR", required = true)]
    specimens: Vec<PathBuf>,
}

pub fn run(a: Args) -> u8 {
    let inputs = match inputs::collect(&a.specimens) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("docscreen enroll: {e}");
            return EXIT_USAGE;
        }
    };
    if inputs.contains(&Input::Stdin) {
        eprintln!("docscreen enroll: specimens are files or directories, not `-`");
        return EXIT_USAGE;
    }
    let limits = Limits::default();
    let decoded: Vec<_> = inputs
        .par_iter()
        .map(|i| i.read(limits.max_encoded_bytes).and_then(|b| decode_with_limits(&b, &limits)).map_err(|e| format!("{}: {e}", i.name())))
        .collect();
    // Every bad specimen is named, not only the first.
    let mut images = Vec::new();
    let mut bad = 0;
    for d in decoded {
        match d {
            Ok(img) => images.push(img),
            Err(e) => {
                eprintln!("docscreen enroll: {e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        eprintln!("docscreen enroll: {bad} specimen(s) could not be decoded; nothing written");
        return EXIT_INPUT;
    }
    let enrolled = match enroll(&a.id, &images, &Reader::new()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("docscreen enroll: {e}");
            return EXIT_INPUT;
        }
    };
    if let Some(dir) = a.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("docscreen enroll: cannot create {}: {e}", dir.display());
            return EXIT_USAGE;
        }
    }
    if let Err(e) = enrolled.write(&a.output) {
        eprintln!("docscreen enroll: {e}");
        return EXIT_USAGE;
    }
    for n in &enrolled.notes {
        eprintln!("note: {n}");
    }
    let compared = enrolled.file.zones.iter().filter(|z| !z.thresholds.is_empty()).count();
    eprintln!(
        "wrote {} ({} {} {}, {} zones, {compared} calibrated, from {} specimens)",
        a.output.display(),
        enrolled.file.issuer,
        enrolled.file.document_codes.join(","),
        enrolled.file.format,
        enrolled.file.zones.len(),
        images.len()
    );
    EXIT_OK
}
