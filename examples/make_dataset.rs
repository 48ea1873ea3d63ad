//! The researcher's path to a labelled synthetic data set.
//!
//!     cargo run --release --example make_dataset -- [OUT] [COUNT] [SEED]
//!
//! Writes OUT (default `out/synth`) with `images/`, `labels.jsonl` and
//! `specimens/<model>/`, the layout of `../shared/data/samples`, then prints
//! how the set is made up. Edit the spec below to focus on a model, a
//! forgery kind, a capture or a resolution; `docscreen synth --help` does the
//! same from the command line.
//!
//!     cargo run --release --example make_dataset -- --gallery examples/data/synth
//!
//! renders the small pictures shown in `docs/synth.md` instead: a clean
//! genuine document of every model, one document per forgery kind, and one
//! scan and one photo capture.

use docscreen::synth::{self, CaptureKind, DatasetSpec, Kind};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--gallery") {
        args.next();
        return gallery(&PathBuf::from(args.next().unwrap_or_else(|| "examples/data/synth".into())));
    }
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out/synth".into()));
    let count: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);

    let spec = DatasetSpec {
        seed,
        count,
        // Every model of both issuers; every kind, 30 % genuine.
        models: Vec::new(),
        kinds: Kind::ALL.to_vec(),
        genuine_share: 0.3,
        captures: vec![CaptureKind::Scan, CaptureKind::Photo],
        dpi: vec![300],
        specimens: 5,
        ..DatasetSpec::default()
    };

    let t0 = Instant::now();
    let summary = synth::write_dataset(&out, &spec)?;
    let secs = t0.elapsed().as_secs_f64();
    println!("{} images + {} specimens in {secs:.1} s ({:.1} images/s) -> {}", summary.images, summary.specimens, summary.images as f64 / secs, out.display());

    // A label is one JSON object per line; the first ten keys are the shared
    // schema, the rest (angle, blur, noise, jpeg_q, doc_quad, mrz_quad,
    // doc_to_image, viz, seed, ...) are geometric and capture truth.
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_model: BTreeMap<String, usize> = BTreeMap::new();
    for line in std::fs::read_to_string(&summary.labels)?.lines() {
        let l: serde_json::Value = serde_json::from_str(line)?;
        *by_kind.entry(l["kind"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        *by_model.entry(l["model"].as_str().unwrap_or("?").to_string()).or_default() += 1;
    }
    println!("kinds:  {by_kind:?}");
    println!("models: {by_model:?}");
    Ok(())
}

/// One picture per model and per forgery kind, small enough for the repo.
fn gallery(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let save = |name: &str, img: &image::RgbImage| -> Result<(), Box<dyn std::error::Error>> {
        let path = dir.join(format!("{name}.jpg"));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path)?);
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut f, 72).encode_image(img)?;
        println!("{}", path.display());
        Ok(())
    };
    let one = |model: &str, kind: Kind, capture: CaptureKind, dpi: u32, seed: u64| {
        let spec = DatasetSpec { seed, count: 1, models: vec![model.into()], kinds: vec![kind], captures: vec![capture], dpi: vec![dpi], specimens: 0, ..DatasetSpec::default() };
        synth::render(&spec, 0)
    };
    for m in &synth::MODELS {
        save(&format!("genuine-{}", m.id), &one(m.id, Kind::Genuine, CaptureKind::Clean, 130, 1)?.image)?;
    }
    let forgeries = [
        (Kind::MrzDigit, "uto-p-2024", 2),
        (Kind::MrzRecomputed, "uto-i-2021", 6),
        (Kind::PhotoSwap, "uto-p-2024", 3),
        (Kind::WrongTemplate, "uto-p-2024", 2),
        (Kind::ZoneTamper, "uto-v-2022", 10),
        (Kind::MrzFont, "uto-p-2024", 2),
        (Kind::MrzShift, "uto-va-2023", 6),
    ];
    for (kind, model, seed) in forgeries {
        let s = one(model, kind, CaptureKind::Clean, 130, seed)?;
        println!("  {kind}: {}", serde_json::to_string(&s.label.detail)?);
        save(kind.as_str(), &s.image)?;
    }
    save("capture-scan", &one("uto-i-2021", Kind::Genuine, CaptureKind::Scan, 150, 5)?.image)?;
    save("capture-photo", &one("uto-p-2024", Kind::Genuine, CaptureKind::Photo, 110, 6)?.image)?;
    Ok(())
}
