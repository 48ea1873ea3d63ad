//! Synthetic documents and forgeries for tests, benchmarks and research.
//!
//! Fictional document models ([`models::MODELS`]: issuers `UTO` and `ZZA`,
//! TD1, TD2, TD3, MRV-A and MRV-B) are rendered with random personal data and
//! an MRZ built by [`crate::mrz::MrzBuilder`] in OCR-B at the ICAO geometry,
//! optionally forged ([`Kind`]), then captured as a flatbed scan or a phone
//! photo ([`CaptureKind`]). Every sample is a pure function of the data set's
//! seed and its index, so a set is byte-identical whatever the thread count.
//!
//! ```no_run
//! use docscreen::synth::{DatasetSpec, render, write_dataset};
//! let spec = DatasetSpec { seed: 7, count: 100, ..DatasetSpec::default() };
//! let sample = render(&spec, 0).unwrap();            // one image + its label
//! println!("{}", serde_json::to_string(&sample.label).unwrap());
//! write_dataset("out/set".as_ref(), &spec).unwrap(); // images/, specimens/, labels.jsonl
//! ```
//!
//! For a clean genuine document of one model (template tests):
//! [`genuine_document`].

pub mod capture;
pub mod draw;
pub mod face;
mod forge;
pub mod models;
pub mod person;
pub mod render;
pub mod rng;

pub use capture::{CaptureKind, CaptureParams, Homography, apply as apply_homography};
pub use forge::{Forgery, Kind, MRZ_FORGERY_FONTS};
pub use models::{MODELS, Model, model, model_ids};
pub use render::{DocumentPlan, MrzStyle, RenderedDoc, Zone, zones};

use std::io::Write;
use std::path::{Path, PathBuf};

use image::RgbImage;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::geometry::RectMm;
use capture::{round2, round3};
use face::Face;
use person::Person;
use rng::{Rng, hash_str, mix};

/// Largest `count` accepted (a guard against typos, not a technical limit).
pub const MAX_COUNT: usize = 10_000_000;
/// Accepted resolutions.
pub const DPI_RANGE: std::ops::RangeInclusive<u32> = 72..=1200;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetSpec {
    pub seed: u64,
    /// Number of images in `images/`.
    pub count: usize,
    /// Model ids to draw from (empty: every model).
    pub models: Vec<String>,
    /// Kinds to draw from (empty: every kind).
    pub kinds: Vec<Kind>,
    /// Share of genuine documents when `kinds` holds genuine and forgeries;
    /// the forgery kinds share the rest equally.
    pub genuine_share: f64,
    /// Captures to draw from (empty: scan and photo).
    pub captures: Vec<CaptureKind>,
    /// Resolutions (dpi) to draw from.
    pub dpi: Vec<u32>,
    /// Clean genuine specimens per model in `specimens/<model>/`.
    pub specimens: usize,
    /// Resolution of the specimens.
    pub specimen_dpi: u32,
}

impl Default for DatasetSpec {
    fn default() -> Self {
        DatasetSpec {
            seed: 0,
            count: 100,
            models: Vec::new(),
            kinds: Vec::new(),
            genuine_share: 0.3,
            captures: vec![CaptureKind::Scan, CaptureKind::Photo],
            dpi: vec![150, 200, 300, 400, 600],
            specimens: 3,
            specimen_dpi: 300,
        }
    }
}

impl DatasetSpec {
    /// Checks every field; the error says which one is wrong.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.count > MAX_COUNT {
            return bad(format!("count {} exceeds {MAX_COUNT}", self.count));
        }
        for id in &self.models {
            if model(id).is_none() {
                return bad(format!("unknown model {id:?} (known: {})", model_ids().join(", ")));
            }
        }
        if !(0.0..=1.0).contains(&self.genuine_share) {
            return bad(format!("genuine_share {} is not within 0..1", self.genuine_share));
        }
        if self.dpi.is_empty() {
            return bad("no dpi given".into());
        }
        for &d in self.dpi.iter().chain(std::iter::once(&self.specimen_dpi)) {
            if !DPI_RANGE.contains(&d) {
                return bad(format!("dpi {d} is outside {}..={}", DPI_RANGE.start(), DPI_RANGE.end()));
            }
        }
        if self.specimens > 1000 {
            return bad(format!("{} specimens per model is more than 1000", self.specimens));
        }
        Ok(())
    }

    fn model_list(&self) -> Vec<&'static Model> {
        if self.models.is_empty() { MODELS.iter().collect() } else { self.models.iter().filter_map(|id| model(id)).collect() }
    }

    fn kind_list(&self) -> Vec<Kind> {
        if self.kinds.is_empty() { Kind::ALL.to_vec() } else { self.kinds.clone() }
    }

    fn capture_list(&self) -> Vec<CaptureKind> {
        if self.captures.is_empty() { vec![CaptureKind::Scan, CaptureKind::Photo] } else { self.captures.clone() }
    }
}

/// The values printed in the visual zone (for VIZ↔MRZ checks).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VizText {
    pub surname: String,
    pub given_names: String,
    pub nationality: String,
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: String,
    pub document_number: String,
}

/// One line of `labels.jsonl`. The first ten keys are the shared schema;
/// the rest are extras.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Label {
    pub file: String,
    /// The model the document claims to be (its MRZ issuer and layout).
    pub model: String,
    pub format: String,
    pub kind: String,
    pub genuine: bool,
    /// The MRZ of the holder's real data (what a genuine document would carry).
    pub mrz_true: Vec<String>,
    /// The MRZ as printed on the image.
    pub mrz_printed: Vec<String>,
    /// Resolution of the document in the image (pixels per inch of document).
    pub dpi: u32,
    pub capture: String,
    /// Forgery parameters, `zone_mm` ([x, y, w, h], document frame) and
    /// `zone_quad` (image pixels); `{}` for genuine documents.
    pub detail: Map<String, Value>,
    /// Rotation of the document's top edge in the image, degrees
    /// counter-clockwise.
    pub angle: f64,
    /// Gaussian blur sigma, pixels.
    pub blur: f64,
    /// Noise sigma, grey levels.
    pub noise: f64,
    /// JPEG quality; `null` for PNG.
    pub jpeg_q: Option<u8>,
    /// 0, 90, 180, 270.
    pub orientation: u32,
    pub perspective: f64,
    pub light: f64,
    pub background: String,
    /// Image width and height.
    pub size: [u32; 2],
    /// Document corners in image pixels: top-left, top-right, bottom-right,
    /// bottom-left of the upright document.
    pub doc_quad: [[f64; 2]; 4],
    /// The printed MRZ's character cells in image pixels, same corner order:
    /// x from the first cell's left edge to the last cell's right edge
    /// (pitch × characters), y from the top line's cap top to the bottom
    /// line's baseline.
    pub mrz_quad: [[f64; 2]; 4],
    /// Homography (row-major 3×3) from document millimetres (origin top-left)
    /// to image pixels.
    pub doc_to_image: [f64; 9],
    /// The visual-zone values as printed.
    pub viz: VizText,
    /// The sample's own seed (derived from the set's seed and the index).
    pub seed: u64,
}

/// One generated sample.
pub struct Sample {
    /// The captured image before encoding.
    pub image: RgbImage,
    /// The encoded file (JPEG or PNG, as `label.file` says).
    pub bytes: Vec<u8>,
    pub label: Label,
}

/// A clean genuine document and its geometric truth.
pub struct CleanDocument {
    pub model: &'static Model,
    pub image: RgbImage,
    pub dpi: u32,
    pub px_per_mm: f64,
    pub mrz: Vec<String>,
    pub person: Person,
    /// The MRZ character cells (mm); see [`Label::mrz_quad`].
    pub mrz_box_mm: RectMm,
    /// The model's layout zones (mm).
    pub zones: Vec<Zone>,
}

/// Renders a clean genuine document of `model_id` at `dpi` in the document
/// frame (no capture effects); a different `seed` gives a different person.
pub fn genuine_document(model_id: &str, dpi: u32, seed: u64) -> Result<CleanDocument, Error> {
    let m = model(model_id).ok_or_else(|| Error::InvalidArgument(format!("unknown model {model_id:?} (known: {})", model_ids().join(", "))))?;
    if !DPI_RANGE.contains(&dpi) {
        return Err(Error::InvalidArgument(format!("dpi {dpi} is outside {}..={}", DPI_RANGE.start(), DPI_RANGE.end())));
    }
    let mut rng = Rng::new(mix(&[seed, hash_str(m.id), 0x5EC1]));
    let plan = genuine_plan(m, &mut rng)?;
    let doc = render::render_document(&plan, dpi);
    Ok(CleanDocument {
        model: m,
        px_per_mm: doc.canvas.ppm,
        image: doc.canvas.img,
        dpi,
        mrz: plan.mrz,
        person: plan.person,
        mrz_box_mm: doc.mrz_box_mm,
        zones: zones(m),
    })
}

/// The pre-printed blank of a model (no personal data) at `dpi`.
pub fn blank_document(model_id: &str, dpi: u32) -> Result<RgbImage, Error> {
    let m = model(model_id).ok_or_else(|| Error::InvalidArgument(format!("unknown model {model_id:?}")))?;
    if !DPI_RANGE.contains(&dpi) {
        return Err(Error::InvalidArgument(format!("dpi {dpi} is outside {}..={}", DPI_RANGE.start(), DPI_RANGE.end())));
    }
    Ok((*render::static_layer(m, dpi)).clone())
}

fn genuine_plan(m: &'static Model, rng: &mut Rng) -> Result<DocumentPlan, Error> {
    let mut prng = rng.fork("person");
    let person = Person::random(&mut prng, m);
    let face = Face::random(&mut rng.fork("face"));
    let mrz = person.mrz(m)?;
    Ok(DocumentPlan { claimed: m, layout: m, person, face, mrz, mrz_style: MrzStyle::default() })
}

/// The seed of sample `index` of a set seeded `seed`.
pub fn sample_seed(seed: u64, index: usize) -> u64 {
    mix(&[seed, index as u64, 0xDA7A])
}

/// File name of image `index` in a set of `count` (at least four digits).
pub fn file_stem(index: usize, count: usize) -> String {
    let width = count.saturating_sub(1).to_string().len().max(4);
    format!("{index:0width$}")
}

/// Renders sample `index` of `spec`: plan, forgery, render, capture, encode.
pub fn render(spec: &DatasetSpec, index: usize) -> Result<Sample, Error> {
    spec.validate()?;
    let seed = sample_seed(spec.seed, index);
    let mut rng = Rng::new(seed);
    // Choices first, each from its own stream, so that e.g. widening the dpi
    // list does not change who is on the document.
    let mut choose = rng.fork("choose");
    let kinds = spec.kind_list();
    let weights: Vec<f64> = {
        let forgeries = kinds.iter().filter(|k| **k != Kind::Genuine).count();
        kinds
            .iter()
            .map(|k| match (*k == Kind::Genuine, forgeries) {
                (true, 0) => 1.0,
                (true, _) => spec.genuine_share,
                (false, n) => (1.0 - if kinds.contains(&Kind::Genuine) { spec.genuine_share } else { 0.0 }) / n as f64,
            })
            .collect()
    };
    let kind = kinds[choose.weighted(&weights)];
    let mut models = spec.model_list();
    if kind == Kind::WrongTemplate {
        models.retain(|m| m.wrong_template_partner().is_some());
    }
    if models.is_empty() {
        return Err(Error::InvalidArgument("no model fits the requested kinds".into()));
    }
    let m = *choose.pick(&models);
    let captures = spec.capture_list();
    let cap_kind = *choose.pick(&captures);
    let dpi = *choose.pick(&spec.dpi);

    let mut plan = genuine_plan(m, &mut rng)?;
    let mrz_true = plan.mrz.clone();
    let mut frng = rng.fork("forge");
    let mut forgery = match kind {
        Kind::MrzDigit => forge::mrz_digit(&mut plan, &mut frng),
        Kind::MrzRecomputed => forge::mrz_recomputed(&mut plan, &mut frng),
        Kind::WrongTemplate => forge::wrong_template(&mut plan),
        Kind::MrzFont => forge::mrz_font(&mut plan, &mut frng),
        Kind::MrzShift => forge::mrz_shift(&mut plan, &mut frng),
        _ => Forgery::default(),
    };
    let mut doc = render::render_document(&plan, dpi);
    match kind {
        Kind::PhotoSwap => forgery = forge::photo_swap(&mut doc.canvas, plan.layout, &mut frng),
        Kind::ZoneTamper => forgery = forge::zone_tamper(&mut doc.canvas, plan.layout, &mut frng),
        Kind::MrzFont | Kind::MrzShift => forgery.zone_mm = Some(doc.mrz_box_mm),
        _ => {}
    }

    let mut crng = rng.fork("capture");
    let params = capture::draw_params(&mut crng, cap_kind);
    let cap = capture::capture(&doc.canvas.img, &params, &mut crng);
    let ppm = doc.canvas.ppm;
    let mm_to_px = [ppm, 0.0, 0.0, 0.0, ppm, 0.0, 0.0, 0.0, 1.0];
    let h = capture::compose(&cap.doc_px_to_image, &mm_to_px);
    let quad = |r: &RectMm| -> [[f64; 2]; 4] {
        [(r.x, r.y), (r.right(), r.y), (r.right(), r.bottom()), (r.x, r.bottom())].map(|(x, y)| {
            let (u, v) = capture::apply(&h, x, y);
            [round2(u), round2(v)]
        })
    };
    let (wm, hm) = (plan.layout.width_mm(), plan.layout.height_mm());
    let mut detail = forgery.detail;
    if kind != Kind::Genuine {
        if let Some(z) = forgery.zone_mm {
            detail.insert("zone_mm".into(), json!([round3(z.x), round3(z.y), round3(z.w), round3(z.h)]));
            detail.insert("zone_quad".into(), json!(quad(&z)));
        }
    }
    let (bytes, ext) = encode(&cap.image, params.jpeg_q)?;
    let p = &plan.person;
    let viz_of = |k| p.viz_value(k, plan.layout, plan.claimed);
    use models::FieldKey as F;
    let label = Label {
        file: format!("{}.{ext}", file_stem(index, spec.count)),
        model: m.id.to_string(),
        format: m.format.as_str().to_string(),
        kind: kind.as_str().to_string(),
        genuine: kind == Kind::Genuine,
        mrz_true,
        mrz_printed: plan.mrz.clone(),
        dpi,
        capture: cap_kind.as_str().to_string(),
        detail,
        angle: params.angle,
        blur: params.blur,
        noise: params.noise,
        jpeg_q: params.jpeg_q,
        orientation: params.orientation,
        perspective: params.perspective,
        light: params.light,
        background: params.background.to_string(),
        size: [cap.image.width(), cap.image.height()],
        doc_quad: quad(&RectMm::new(0.0, 0.0, wm, hm)),
        mrz_quad: quad(&doc.mrz_box_mm),
        doc_to_image: h.map(|v| (v * 1e9).round() / 1e9),
        viz: VizText {
            surname: viz_of(F::Surname),
            given_names: viz_of(F::GivenNames),
            nationality: viz_of(F::Nationality),
            birth_date: viz_of(F::BirthDate),
            sex: viz_of(F::Sex),
            expiry_date: viz_of(F::ExpiryDate),
            document_number: viz_of(F::DocNumber),
        },
        seed,
    };
    Ok(Sample { image: cap.image, bytes, label })
}

/// Encodes as JPEG at `q`, or PNG when `q` is `None`.
fn encode(img: &RgbImage, q: Option<u8>) -> Result<(Vec<u8>, &'static str), Error> {
    let mut out = Vec::new();
    match q {
        Some(q) => {
            // jpeg-encoder is several times faster than image's encoder, and
            // JPEG encoding was a third of the time per sample.
            let enc = jpeg_encoder::Encoder::new(&mut out, q.clamp(1, 100));
            enc.encode(img.as_raw(), img.width().min(65535) as u16, img.height().min(65535) as u16, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| Error::InvalidArgument(format!("JPEG encoding: {e}")))?;
            Ok((out, "jpg"))
        }
        None => {
            let enc = image::codecs::png::PngEncoder::new_with_quality(&mut out, image::codecs::png::CompressionType::Fast, image::codecs::png::FilterType::Sub);
            image::ImageEncoder::write_image(enc, img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)?;
            Ok((out, "png"))
        }
    }
}

/// What [`write_dataset`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub images: usize,
    pub specimens: usize,
    pub labels: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Writes `images/NNNN.{jpg,png}`, `labels.jsonl` and
/// `specimens/<model>/<model>-specimen-K.png` under `dir` (created if
/// missing). Work is spread over rayon's pool; the bytes do not depend on it.
pub fn write_dataset(dir: &Path, spec: &DatasetSpec) -> Result<Summary, Error> {
    write_dataset_with_progress(dir, spec, &|| {})
}

/// [`write_dataset`], calling `tick` after each image or specimen.
pub fn write_dataset_with_progress(dir: &Path, spec: &DatasetSpec, tick: &(dyn Fn() + Sync)) -> Result<Summary, Error> {
    spec.validate()?;
    let images = dir.join("images");
    std::fs::create_dir_all(&images).map_err(io_err(&images))?;
    let labels: Vec<Label> = (0..spec.count)
        .into_par_iter()
        .map(|i| {
            let s = render(spec, i)?;
            let path = images.join(&s.label.file);
            std::fs::write(&path, &s.bytes).map_err(io_err(&path))?;
            tick();
            Ok(s.label)
        })
        .collect::<Result<_, Error>>()?;
    let lp = dir.join("labels.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&lp).map_err(io_err(&lp))?);
    for l in &labels {
        let line = serde_json::to_string(l).map_err(|e| Error::InvalidArgument(format!("label serialisation: {e}")))?;
        writeln!(f, "{line}").map_err(io_err(&lp))?;
    }
    f.flush().map_err(io_err(&lp))?;
    let jobs: Vec<(&'static Model, usize)> = spec.model_list().into_iter().flat_map(|m| (0..spec.specimens).map(move |k| (m, k))).collect();
    jobs.par_iter()
        .map(|&(m, k)| {
            let d = dir.join("specimens").join(m.id);
            std::fs::create_dir_all(&d).map_err(io_err(&d))?;
            let doc = genuine_document(m.id, spec.specimen_dpi, mix(&[spec.seed, k as u64, 0x5BEC]))?;
            let (bytes, _) = encode(&doc.image, None)?;
            let path = d.join(format!("{}-specimen-{k}.png", m.id));
            std::fs::write(&path, bytes).map_err(io_err(&path))?;
            tick();
            Ok(())
        })
        .collect::<Result<Vec<()>, Error>>()?;
    Ok(Summary { images: spec.count, specimens: jobs.len(), labels: lp })
}
