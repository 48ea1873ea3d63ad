//! `docscreen synth`: write a labelled synthetic data set.

use crate::{EXIT_INPUT, EXIT_OK, EXIT_USAGE};
use docscreen::synth::{self, CaptureKind, DatasetSpec, Kind};
use std::path::PathBuf;
use std::time::Instant;

/// Generate synthetic travel documents, genuine and forged, with labels
///
/// Writes DIR/images/NNNN.jpg|png, DIR/labels.jsonl (keys file, model, format,
/// kind, genuine, mrz_true, mrz_printed, dpi, capture, detail, plus extras
/// such as doc_quad, mrz_quad and doc_to_image) and DIR/specimens/<model>/
/// (clean genuine documents for enrollment). The same seed gives the same
/// bytes whatever the thread count.
///
/// Examples:
///   docscreen synth --out out/set --seed 1 --count 1000
///   docscreen synth --out out/td3 --seed 2 --count 50 --models uto-p-2024 --kinds genuine,mrz_font --dpi 300
///   docscreen synth --out out/photos --count 20 --capture photo --genuine-share 0.5 --threads 2
///   docscreen synth --out out/enroll --count 0 --specimens 5 --models uto-p-2024,uto-i-2021
///   docscreen synth --list-models
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Output directory (created if missing). Example: --out out/set
    #[arg(long, value_name = "DIR", required_unless_present = "list_models")]
    out: Option<PathBuf>,
    /// Seed of the set: the same seed and options give the same files.
    /// Example: --seed 7
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Number of images in DIR/images (0: specimens only). Example: --count 50
    #[arg(long, value_name = "K", default_value_t = 100)]
    count: usize,
    /// Kinds to draw from, comma-separated (genuine, mrz_digit, mrz_recomputed,
    /// photo_swap, wrong_template, zone_tamper, mrz_font, mrz_shift); default all.
    /// Example: --kinds genuine,photo_swap
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    kinds: Vec<String>,
    /// Model ids to draw from, comma-separated; default all (see --list-models).
    /// Example: --models uto-p-2024,zza-i-2018
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    models: Vec<String>,
    /// Captures to draw from: scan, photo, clean; default scan,photo.
    /// Example: --capture photo
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    capture: Vec<String>,
    /// Resolutions (dpi) to draw from, comma-separated. Example: --dpi 300
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "150,200,300,400,600")]
    dpi: Vec<u32>,
    /// Share of genuine documents among the kinds drawn. Example: --genuine-share 0.5
    #[arg(long, value_name = "F", default_value_t = 0.3)]
    genuine_share: f64,
    /// Clean genuine specimens per model, in DIR/specimens/<model>/ (for
    /// `docscreen enroll`). Example: --specimens 5
    #[arg(long, value_name = "N", default_value_t = 3)]
    specimens: usize,
    /// Worker threads (default: all cores). Does not change the output.
    /// Example: --threads 2
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// List the models (id, issuer, format, document code) and exit.
    /// Example: docscreen synth --list-models
    #[arg(long)]
    list_models: bool,
}

pub fn run(a: Args) -> u8 {
    if a.list_models {
        for m in &synth::MODELS {
            println!("{}\t{}\t{}\t{}", m.id, m.issuer, m.format, m.doc_code);
        }
        return EXIT_OK;
    }
    let Some(out) = a.out else { return usage("--out DIR is required") };
    let kinds = match a.kinds.iter().map(|k| k.parse::<Kind>()).collect::<Result<Vec<_>, _>>() {
        Ok(k) => k,
        Err(e) => return usage(&e),
    };
    let captures = match a.capture.iter().map(|c| c.parse::<CaptureKind>()).collect::<Result<Vec<_>, _>>() {
        Ok(c) => c,
        Err(e) => return usage(&e),
    };
    let spec = DatasetSpec {
        seed: a.seed,
        count: a.count,
        models: a.models.iter().map(|s| s.trim().to_string()).collect(),
        kinds,
        genuine_share: a.genuine_share,
        captures,
        dpi: a.dpi,
        specimens: a.specimens,
        ..DatasetSpec::default()
    };
    if let Err(e) = spec.validate() {
        return usage(&e.to_string());
    }
    if a.threads == Some(0) {
        return usage("--threads must be at least 1");
    }
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(a.threads.unwrap_or(0)).build() {
        Ok(p) => p,
        Err(e) => return usage(&format!("cannot start {} threads: {e}", a.threads.unwrap_or(0))),
    };
    let total = spec.count + spec.specimens * if spec.models.is_empty() { synth::MODELS.len() } else { spec.models.len() };
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let t0 = Instant::now();
    let r = pool.install(|| synth::write_dataset_with_progress(&out, &spec, &|| bar.inc(1)));
    bar.finish_and_clear();
    match r {
        Ok(s) => {
            eprintln!(
                "docscreen synth: {} images and {} specimens in {:.1} s -> {}",
                s.images,
                s.specimens,
                t0.elapsed().as_secs_f64(),
                s.labels.display()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("docscreen synth: {e}");
            EXIT_INPUT
        }
    }
}

fn usage(msg: &str) -> u8 {
    eprintln!("docscreen synth: {msg}");
    EXIT_USAGE
}
