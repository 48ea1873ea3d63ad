//! MRZ glyph conformity with OCR-B: the reader scores each glyph against the
//! OCR-B reference of the character it chose; an MRZ printed in another font
//! (or with pasted characters) scores low.

use crate::read::MrzReading;
use crate::report::{Finding, FindingCode, Severity};

/// Median OCR-B similarity of the MRZ's non-filler glyphs below which the
/// font is reported as not conforming (a warning). Calibrated on a synthetic
/// calibration set (`docscreen synth --seed 2 --count 240`): the lowest
/// median among 214 OCR-B documents of every kind and capture was 0.920;
/// 16 of 26 look-alike font documents scored below 0.915.
pub const MIN_MEDIAN_SCORE: f32 = 0.915;
/// Below this the font fails the document. Real passports print OCR-B
/// variants: genuine public specimens score down to 0.76 (see
/// `../shared/data/real`), so only a font far from OCR-B is evidence.
pub const FAIL_MEDIAN_SCORE: f32 = 0.70;

/// The median OCR-B score of the non-filler glyphs.
pub fn median_score(reading: &MrzReading) -> Option<f32> {
    let mut s: Vec<f32> = reading.chars.iter().flatten().filter(|c| c.ch != '<').map(|c| c.ocrb_score).collect();
    if s.len() < 8 {
        return None;
    }
    s.sort_by(f32::total_cmp);
    Some(s[s.len() / 2])
}

pub fn check(reading: &MrzReading) -> Vec<Finding> {
    let Some(m) = median_score(reading) else { return Vec::new() };
    if m < MIN_MEDIAN_SCORE {
        let severity = if m < FAIL_MEDIAN_SCORE { Severity::Fail } else { Severity::Warning };
        let mut f = Finding::new(
            FindingCode::MrzFont,
            severity,
            format!("MRZ glyphs match OCR-B with median similarity {m:.2} (OCR-B prints ≥ {MIN_MEDIAN_SCORE:.2}; a failure below {FAIL_MEDIAN_SCORE:.2})"),
        )
        .zone("mrz")
        .score(m as f64, MIN_MEDIAN_SCORE as f64);
        f.polygon_px = Some(reading.quad.to_vec());
        return vec![f];
    }
    Vec::new()
}
