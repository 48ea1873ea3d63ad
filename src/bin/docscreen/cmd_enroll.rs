//! `docscreen enroll`: build an issuer template from genuine specimens.

use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::read::Reader;
use docscreen::template::enroll::enroll;
use std::path::PathBuf;

/// Build an issuer template from genuine specimen images of one document model.
///
/// Each specimen is read, registered by its page edges and rectified; the
/// per-pixel median becomes the reference, pixels that vary between
/// specimens are masked as personal data, and each zone's threshold is
/// calibrated leave-one-out. Use three or more clean scans showing the whole
/// page on a contrasting background. Writes FILE.toml plus FILE.ref.png and
/// FILE.mask.png beside it.
///
/// Example:
///   docscreen enroll --id uto-p-2024 -o templates/uto-p-2024.toml specimens/uto-p-2024/*.png
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Template id (e.g. uto-p-2024).
    #[arg(long)]
    id: String,
    /// Output template file (.toml).
    #[arg(short = 'o', long = "output", value_name = "TEMPLATE.toml")]
    output: PathBuf,
    /// Genuine specimen images of one model.
    #[arg(value_name = "SPECIMEN", required = true)]
    specimens: Vec<PathBuf>,
}

pub fn run(a: Args) -> u8 {
    let limits = docscreen::screen::Limits::default();
    let mut images = Vec::new();
    for p in &a.specimens {
        match docscreen::screen::read_file_limited(p, limits.max_encoded_bytes).and_then(|b| docscreen::screen::decode_with_limits(&b, &limits)) {
            Ok(i) => images.push(i),
            Err(e) => {
                eprintln!("docscreen enroll: {}: {e}", p.display());
                return EXIT_INPUT;
            }
        }
    }
    let enrolled = match enroll(&a.id, &images, &Reader::new()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("docscreen enroll: {e}");
            return EXIT_INPUT;
        }
    };
    if let Err(e) = enrolled.write(&a.output) {
        eprintln!("docscreen enroll: {e}");
        return EXIT_USAGE;
    }
    for n in &enrolled.notes {
        eprintln!("note: {n}");
    }
    let compared = enrolled.file.zones.iter().filter(|z| z.threshold.is_some()).count();
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
