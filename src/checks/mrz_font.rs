//! MRZ glyph conformity with OCR-B: the reader scores each glyph against the
//! OCR-B reference of the character it chose; an MRZ printed in another font
//! (or with pasted characters) scores low.
//!
//! Statistics of the non-filler glyphs' scores: the median (the font as a
//! whole) and the 25th and 10th percentiles (a look-alike monospace font
//! draws most letters close to OCR-B but digits and a few letters
//! differently, which the median hides; blur lowers all alike). The
//! fillers' median is held apart, against the issuer's specimens only: a
//! look-alike's `<` is its most telling glyph.

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

/// The fillers' median: a look-alike font's `<` (smaller and lower than
/// OCR-B's) differs from OCR-B even where its capitals, the bulk of the
/// names, pass for OCR-B. Sharp captures match the blurred references less
/// well, so the limit falls with resolution: over the OCR-B documents of
/// four calibration sets (seeds 2, 3, 12, 13; 758 read) the lowest filler
/// median was 0.931 at 150 dpi, 0.940 at 200, 0.929 at 300, 0.915 at 400
/// and 0.902 at 600.
const FILLER_LIMIT_SOFT: f32 = 0.915;
const FILLER_LIMIT_SHARP: f32 = 0.89;
/// Image pixels per millimetre where the limit starts to fall (200 dpi) and
/// where it reaches [`FILLER_LIMIT_SHARP`] (400 dpi).
const SOFT_PX_PER_MM: f32 = 8.0;
const SHARP_PX_PER_MM: f32 = 16.0;
/// The filler limit assumes the issuer prints OCR-B's `<`: the lowest
/// specimen filler median of every enrolled synthetic model was ≥ 0.923
/// (seeds 2, 3, 12, 13; sharp renders score lowest). An issuer whose
/// specimens score below this has the limit lowered by the shortfall.
const OCRB_SPECIMEN_FILLER_MEDIAN: f32 = 0.92;
/// Fewest fillers for their median to be recorded.
const MIN_FILLERS: usize = 5;

/// The limit on the fillers' median at `px_per_mm` (see [`FILLER_LIMIT_SOFT`]).
pub fn filler_limit(px_per_mm: f32) -> f32 {
    let t = ((px_per_mm - SOFT_PX_PER_MM) / (SHARP_PX_PER_MM - SOFT_PX_PER_MM)).clamp(0.0, 1.0);
    FILLER_LIMIT_SOFT + t * (FILLER_LIMIT_SHARP - FILLER_LIMIT_SOFT)
}

/// OCR-B similarity statistics of a reading's glyphs: the median and
/// percentiles over non-filler glyphs, and the fillers' median.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FontStats {
    pub median: f32,
    pub p25: f32,
    pub p10: f32,
    pub filler_median: Option<f32>,
}

/// The statistics, when at least 8 non-filler glyphs were read.
pub fn stats(reading: &MrzReading) -> Option<FontStats> {
    let sorted_scores = |fillers: bool| -> Vec<f32> {
        let mut s: Vec<f32> = reading.chars.iter().flatten().filter(|c| (c.ch == '<') == fillers).map(|c| c.ocrb_score).collect();
        s.sort_by(f32::total_cmp);
        s
    };
    let s = sorted_scores(false);
    if s.len() < 8 {
        return None;
    }
    let fillers = sorted_scores(true);
    Some(FontStats {
        median: s[s.len() / 2],
        p25: s[s.len() / 4],
        p10: s[s.len() / 10],
        filler_median: (fillers.len() >= MIN_FILLERS).then(|| fillers[fillers.len() / 2]),
    })
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
    check_issuer_with(reading, stats(reading), issuer)
}

/// [`check_issuer`] with the reading's [`stats`] given, for checks against
/// several templates.
fn check_issuer_with(reading: &MrzReading, stats: Option<FontStats>, issuer: &Template) -> Option<Vec<Finding>> {
    let spec = issuer.mrz_spec();
    let (median, p25, p10) = (spec.font_median_min? as f32, spec.font_p25_min? as f32, spec.font_p10_min? as f32);
    let Some(s) = stats else { return Some(Vec::new()) };
    let mut limits = vec![
        ("median", s.median, ISSUER_MEDIAN_LIMIT.min(median - MEDIAN_MARGIN), median),
        ("25th-percentile", s.p25, ISSUER_P25_LIMIT.min(p25 - PERCENTILE_MARGIN), p25),
        ("10th-percentile", s.p10, ISSUER_P10_LIMIT.min(p10 - PERCENTILE_MARGIN), p10),
    ];
    // Absent from templates enrolled before the fillers were recorded.
    if let (Some(score), Some(reference)) = (s.filler_median, spec.font_filler_median_min) {
        let reference = reference as f32;
        let shortfall = (OCRB_SPECIMEN_FILLER_MEDIAN - reference).max(0.0);
        limits.push(("filler median", score, filler_limit(reading.px_per_mm) - shortfall, reference));
    }
    let Some(&(what, score, limit, specimens)) = limits.iter().find(|l| l.1 < l.2) else { return Some(Vec::new()) };
    let msg = format!(
        "MRZ glyphs do not match the font of the {} specimens: {what} OCR-B similarity {score:.2}, below {limit:.2} (specimens ≥ {specimens:.2})",
        issuer.id()
    );
    Some(vec![finding(reading, Severity::Fail, msg, score, limit)])
}

/// For a document whose claim no enrolled model covers (its code or format),
/// from an issuer with enrolled models: the font is the issuer's, whatever
/// the model, so the document fails when its glyphs fail the font record of
/// every one of `issuer_models`. `None` when any passes or none has a record.
pub fn check_issuer_wide<'a>(reading: &MrzReading, issuer: &str, issuer_models: impl IntoIterator<Item = &'a Template>) -> Option<Finding> {
    let stats = stats(reading);
    let mut failed = 0;
    let mut first = None;
    for t in issuer_models {
        let Some(mut found) = check_issuer_with(reading, stats, t) else { continue };
        if found.is_empty() {
            return None;
        }
        failed += 1;
        first.get_or_insert(found.remove(0));
    }
    let mut f = first?;
    f.message = format!("no enrolled {issuer} model covers this document's code and format, and its glyphs match the font of none of the {failed} that do exist: {}", f.message);
    Some(f)
}

fn finding(reading: &MrzReading, severity: Severity, msg: String, score: f32, threshold: f32) -> Finding {
    let mut f = Finding::new(FindingCode::MrzFont, severity, msg).zone("mrz").score(score as f64, threshold as f64);
    f.polygon_px = Some(reading.quad.to_vec());
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::Format;
    use crate::read::{CharReading, Point};

    /// A TD3-like reading: 20 letters and 24 fillers at the given scores.
    fn reading(letters: f32, fillers: f32, px_per_mm: f32) -> MrzReading {
        let glyph = |ch, ocrb_score| CharReading {
            ch,
            confidence: 1.0,
            runner_up: 'X',
            runner_up_confidence: 0.0,
            ocrb_score,
            centre: Point::default(),
            quad: [Point::default(); 4],
        };
        let mut line: Vec<CharReading> = (0..20).map(|_| glyph('A', letters)).collect();
        line.extend((0..24).map(|_| glyph('<', fillers)));
        MrzReading { found: true, chars: vec![line], px_per_mm, ..Default::default() }
    }

    fn issuer(filler_median_min: Option<f64>) -> Template {
        let mut file = Template::icao(Format::Td3).file;
        (file.id, file.issuer) = ("uto-p-test".into(), "UTO".into());
        let mrz = file.mrz.get_or_insert_with(|| crate::template::MrzSpec::icao(Format::Td3));
        (mrz.font_median_min, mrz.font_p25_min, mrz.font_p10_min) = (Some(0.96), Some(0.95), Some(0.94));
        mrz.font_filler_median_min = filler_median_min;
        Template::from_file(file, |_| unreachable!("no reference data")).unwrap()
    }

    #[test]
    fn the_filler_limit_falls_with_resolution() {
        assert_eq!(filler_limit(5.9), FILLER_LIMIT_SOFT);
        assert_eq!(filler_limit(23.6), FILLER_LIMIT_SHARP);
        let mid = filler_limit(11.8);
        assert!(FILLER_LIMIT_SHARP < mid && mid < FILLER_LIMIT_SOFT);
    }

    #[test]
    fn look_alike_fillers_fail_where_the_letters_pass() {
        let fake = reading(0.95, 0.89, 6.0);
        let s = stats(&fake).unwrap();
        assert_eq!((s.median, s.filler_median), (0.95, Some(0.89)));
        let found = check_issuer(&fake, &issuer(Some(0.95))).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("filler median"), "{}", found[0].message);
        // OCR-B fillers pass; so does a sharp capture's lower filler score.
        assert!(check_issuer(&reading(0.95, 0.93, 6.0), &issuer(Some(0.95))).unwrap().is_empty());
        assert!(check_issuer(&reading(0.95, 0.90, 23.6), &issuer(Some(0.95))).unwrap().is_empty());
        // An issuer whose own `<` is not OCR-B's lowers the limit.
        assert!(check_issuer(&fake, &issuer(Some(0.85))).unwrap().is_empty());
        assert_eq!(check_issuer(&reading(0.95, 0.80, 6.0), &issuer(Some(0.85))).unwrap().len(), 1);
        // A claim no model covers is held to the issuer's font, if every
        // model's record rejects it.
        let wide = check_issuer_wide(&fake, "UTO", [&issuer(Some(0.95)), &issuer(Some(0.93))]).expect("fails every model");
        assert_eq!(wide.severity, Severity::Fail);
        assert!(wide.message.contains("none of the 2"), "{}", wide.message);
        assert!(check_issuer_wide(&fake, "UTO", [&issuer(Some(0.95)), &issuer(Some(0.85))]).is_none(), "one model's font passes");
        assert!(check_issuer_wide(&fake, "UTO", []).is_none());
        // Templates without the filler record judge the letters only.
        assert!(check_issuer(&fake, &issuer(None)).unwrap().is_empty());
    }
}
