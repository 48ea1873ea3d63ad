//! Reading the MRZ from an image with the built-in OCR-B reader.
//!
//! The entry point is [`Reader::read`]: grey pixels in, an [`MrzReading`] out.
//! A reading never errors: an image without a readable MRZ gives
//! `found == false` with the reason in `notes`.

mod adapt;
mod cc;
mod locate;
mod ocr;
mod pipeline;
mod raster;
pub mod testkit;

use crate::mrz::Format;
use image::{DynamicImage, GrayImage};
use serde::Serialize;

/// A point in image pixels (x right, y down).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }
}

/// An affine map `x' = a·x + b·y + c`, `y' = d·x + e·y + f`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Affine {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub e: f64,
    pub f: f64,
}

impl Affine {
    pub const IDENTITY: Affine = Affine { a: 1.0, b: 0.0, c: 0.0, d: 0.0, e: 1.0, f: 0.0 };

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (self.a * x + self.b * y + self.c, self.d * x + self.e * y + self.f)
    }

    /// The inverse map, or `None` when singular.
    pub fn inverse(&self) -> Option<Affine> {
        let det = self.a * self.e - self.b * self.d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (a, b, d, e) = (self.e / det, -self.b / det, -self.d / det, self.a / det);
        Some(Affine { a, b, c: -(a * self.c + b * self.f), d, e, f: -(d * self.c + e * self.f) })
    }
}

/// One character as read.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CharReading {
    /// The character chosen (MRZ alphabet: 0-9, A-Z, `<`).
    pub ch: char,
    /// Confidence of `ch`, 0–1.
    pub confidence: f32,
    /// The runner-up character and its confidence.
    pub runner_up: char,
    pub runner_up_confidence: f32,
    /// Similarity of the glyph to the OCR-B reference of `ch` (normalised
    /// correlation, 0–1), independent of the classifier's confidence: the
    /// font-conformity check uses it.
    pub ocrb_score: f32,
    /// Centre of the character cell in image pixels.
    pub centre: Point,
    /// The ink box of the glyph in image pixels, corners in reading order
    /// (top-left, top-right, bottom-right, bottom-left of the upright glyph).
    pub quad: [Point; 4],
}

/// Where a check digit was used to choose between a character's alternatives.
/// Readers must say so: such a character was not read with confidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckDigitChoice {
    pub line: usize,
    pub col: usize,
    /// What the glyph classifier ranked first, and what was kept.
    pub classified: char,
    pub chosen: char,
}

/// The result of reading an image.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MrzReading {
    /// Whether an MRZ band was located and read into lines of a known format.
    pub found: bool,
    pub format: Option<Format>,
    pub lines: Vec<String>,
    /// Per line, per character.
    pub chars: Vec<Vec<CharReading>>,
    /// Maps the MRZ frame to image pixels. The MRZ frame is in millimetres:
    /// origin at the left edge of the first character cell, on the centre line
    /// of the first MRZ line; x along the lines, y down across them (the
    /// document's upright orientation, whatever the image's rotation).
    pub mrz_to_image: Affine,
    /// The MRZ band in image pixels: corners of the upright band, top-left,
    /// top-right, bottom-right, bottom-left.
    pub quad: [Point; 4],
    /// Rotation of the document in the image, degrees counter-clockwise
    /// (0 = upright, 180 = upside down).
    pub rotation_deg: f32,
    /// Image pixels per millimetre, from the 2.54 mm character pitch.
    pub px_per_mm: f32,
    /// Characters where a check digit chose between alternatives.
    pub check_digit_choices: Vec<CheckDigitChoice>,
    /// Why nothing was found, or what was unusual.
    pub notes: Vec<String>,
}

impl MrzReading {
    /// The lowest character confidence of each line.
    pub fn line_confidence(&self) -> Vec<f32> {
        self.chars.iter().map(|l| l.iter().map(|c| c.confidence).fold(1.0, f32::min)).collect()
    }
}

/// The OCR-B MRZ reader. Build once (reference glyphs are rendered at
/// construction) and share: it is immutable, `Send` and `Sync`.
#[derive(Debug)]
pub struct Reader {
    /// OCR-B references at increasing blur (sharp scans to soft, low
    /// resolution captures); each reading picks the level that fits.
    levels: Vec<ocr::References>,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

/// Blur of the reference sets, in pixels of the normalised frame (cap
/// height 16 px).
const BLUR_LEVELS: [f32; 3] = [0.7, 1.5, 2.4];

/// Images with fewer pixels on a side than this cannot hold a readable MRZ.
const MIN_SIDE: u32 = 16;

impl Reader {
    pub fn new() -> Reader {
        Reader { levels: BLUR_LEVELS.iter().map(|&s| ocr::References::ocrb(s)).collect() }
    }

    /// Reads the MRZ from a grey image.
    pub fn read(&self, image: &GrayImage) -> MrzReading {
        let (w, h) = image.dimensions();
        if w < MIN_SIDE || h < MIN_SIDE {
            return not_found(format!("image is {w}x{h} pixels: too small to hold an MRZ"));
        }
        let cands = locate::locate(image);
        if cands.is_empty() {
            return not_found("no MRZ-like rows of evenly spaced characters found".into());
        }
        let mut best: Option<pipeline::Attempt> = None;
        for c in cands.iter().take(3) {
            if let Some(a) = pipeline::read_candidate(image, &self.levels, c) {
                let better = best.as_ref().is_none_or(|b| a.quality > b.quality);
                if better {
                    best = Some(a);
                }
            }
        }
        match best {
            Some(a) => a.reading,
            None => not_found("MRZ-like rows found but none could be read".into()),
        }
    }

    /// Reads the MRZ from any image (converted to grey).
    pub fn read_image(&self, image: &DynamicImage) -> MrzReading {
        self.read(&crate::raster::gray(image))
    }
}

fn not_found(note: String) -> MrzReading {
    MrzReading { found: false, notes: vec![note], ..Default::default() }
}
