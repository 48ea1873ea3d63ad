//! MRZ glyph conformity with OCR-B: the reader scores each glyph against the
//! OCR-B reference of the character it chose; an MRZ printed in another font
//! (or with pasted characters) scores low.
//!
//! Statistics of the non-filler glyphs' scores: the median (the font as a
//! whole) and the 25th and 10th percentiles (a look-alike monospace font
//! draws most letters close to OCR-B but digits and a few letters
//! differently, which the median hides; blur lowers all alike).

use crate::read::MrzReading;
use crate::report::{Finding, FindingCode, Severity};
use crate::template::Template;

/// Median OCR-B similarity below which the font is reported as not
/// conforming (a warning). Calibrated on a synthetic calibration set
/// (`docscreen synth --seed 2 --count 240`): the lowest median among 214
/// OCR-B documents of every kind and capture was 0.920; 16 of 23 read
/// look-alike font documents scored below 0.915.
pub const MIN_MEDIAN_SCORE: f32 = 0.915;
/// Below this the font fails the document whatever the issuer. Real
/// passports print OCR-B variants: genuine public specimens score down to
/// 0.76 (see `../shared/data/real`), so only a font far from OCR-B is
/// evidence without the issuer's own specimens.
pub const FAIL_MEDIAN_SCORE: f32 = 0.70;
/// With the issuer's font measured at enrollment, the document fails when a
/// statistic falls below `min(absolute limit, the specimens' lowest value −
/// margin)`: the absolute limits sit just under the lowest values of every
/// OCR-B document (all kinds, scans and photos, 150–600 dpi) in two
/// calibration sets (`docscreen synth --seed 2 --count 240` and `--seed 3
/// --count 400`, 340 documents: median ≥ 0.903, 25th percentile ≥ 0.872,
/// 10th ≥ 0.850), where 56 of the 64 read look-alike font documents fall
/// below one of them. The specimen-relative term lowers them for an issuer
/// whose own OCR-B variant scores lower.
pub const ISSUER_MEDIAN_LIMIT: f32 = 0.89;
pub const ISSUER_P25_LIMIT: f32 = 0.87;
pub const ISSUER_P10_LIMIT: f32 = 0.84;
const MEDIAN_MARGIN: f32 = 0.06;
const PERCENTILE_MARGIN: f32 = 0.07;

/// OCR-B similarity statistics of a reading's non-filler glyphs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FontStats {
    pub median: f32,
    pub p25: f32,
    pub p10: f32,
}

/// The statistics, when at least 8 non-filler glyphs were read.
pub fn stats(reading: &MrzReading) -> Option<FontStats> {
    let mut s: Vec<f32> = reading.chars.iter().flatten().filter(|c| c.ch != '<').map(|c| c.ocrb_score).collect();
    if s.len() < 8 {
        return None;
    }
    s.sort_by(f32::total_cmp);
    Some(FontStats { median: s[s.len() / 2], p25: s[s.len() / 4], p10: s[s.len() / 10] })
}

/// The median OCR-B score of the non-filler glyphs.
pub fn median_score(reading: &MrzReading) -> Option<f32> {
    stats(reading).map(|s| s.median)
}

/// The generic check: any OCR-B variant passes; a warning below
/// [`MIN_MEDIAN_SCORE`], a failure below [`FAIL_MEDIAN_SCORE`].
pub fn check(reading: &MrzReading) -> Vec<Finding> {
    let Some(s) = stats(reading) else { return Vec::new() };
    if s.median >= MIN_MEDIAN_SCORE {
        return Vec::new();
    }
    let severity = if s.median < FAIL_MEDIAN_SCORE { Severity::Fail } else { Severity::Warning };
    let msg = format!(
        "MRZ glyphs match OCR-B with median similarity {:.2} (OCR-B prints ≥ {MIN_MEDIAN_SCORE:.2}; a failure below {FAIL_MEDIAN_SCORE:.2})",
        s.median
    );
    vec![finding(reading, severity, msg, s.median, MIN_MEDIAN_SCORE)]
}

/// The check against the font of `issuer`'s enrolled specimens, for a
/// document placed on that issuer's layout. `None` when the template has no
/// font record (the generic check then stands).
pub fn check_issuer(reading: &MrzReading, issuer: &Template) -> Option<Vec<Finding>> {
    let spec = issuer.mrz_spec();
    let reference = FontStats { median: spec.font_median_min? as f32, p25: spec.font_p25_min? as f32, p10: spec.font_p10_min? as f32 };
    let Some(s) = stats(reading) else { return Some(Vec::new()) };
    let limits = [
        ("median", s.median, ISSUER_MEDIAN_LIMIT.min(reference.median - MEDIAN_MARGIN), reference.median),
        ("25th-percentile", s.p25, ISSUER_P25_LIMIT.min(reference.p25 - PERCENTILE_MARGIN), reference.p25),
        ("10th-percentile", s.p10, ISSUER_P10_LIMIT.min(reference.p10 - PERCENTILE_MARGIN), reference.p10),
    ];
    let Some(&(what, score, limit, specimens)) = limits.iter().find(|l| l.1 < l.2) else { return Some(Vec::new()) };
    let msg = format!(
        "MRZ glyphs do not match the font of the {} specimens: {what} OCR-B similarity {score:.2}, below {limit:.2} (specimens ≥ {specimens:.2})",
        issuer.id()
    );
    Some(vec![finding(reading, Severity::Fail, msg, score, limit)])
}

fn finding(reading: &MrzReading, severity: Severity, msg: String, score: f32, threshold: f32) -> Finding {
    let mut f = Finding::new(FindingCode::MrzFont, severity, msg).zone("mrz").score(score as f64, threshold as f64);
    f.polygon_px = Some(reading.quad.to_vec());
    f
}
