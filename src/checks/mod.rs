//! Checks: each a pure function from (image, template, reading) to findings.
//! [`run_all`] runs them in order and assembles the parts of the report.

pub mod mrz_text;

use crate::mrz::{self, Validation};
use crate::read::{MrzReading, Point};
use crate::report::{Finding, FindingCode, MrzSummary, Severity, TemplateUse};
use crate::template::TemplateSet;
use image::{DynamicImage, GrayImage};

/// Below this many pixels per millimetre the MRZ glyphs are ~6 px high and
/// image checks are not meaningful.
pub const MIN_PX_PER_MM: f32 = 2.5;

/// What the checks produce for the report.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub mrz: Option<MrzSummary>,
    pub template: Option<TemplateUse>,
    pub document_polygon_px: Option<Vec<Point>>,
}

/// Runs every check that applies to this image.
pub fn run_all(_img: &DynamicImage, _gray: &GrayImage, reading: &MrzReading, _templates: &TemplateSet) -> Outcome {
    let mut out = Outcome::default();
    if !reading.found {
        let why = reading.notes.first().cloned().unwrap_or_else(|| "no MRZ found".into());
        out.findings.push(Finding::new(FindingCode::MrzUnreadable, Severity::Warning, format!("MRZ not read: {why}")).zone("mrz"));
        return out;
    }
    let validation = match mrz::validate_lines(&reading.lines, reading.format) {
        Ok(v) => v,
        Err(e) => {
            out.findings.push(Finding::new(FindingCode::MrzUnreadable, Severity::Warning, format!("MRZ text unusable: {e}")).zone("mrz"));
            return out;
        }
    };
    out.mrz = Some(MrzSummary::new(&validation, reading.line_confidence()));
    if reading.px_per_mm > 0.0 && reading.px_per_mm < MIN_PX_PER_MM {
        out.findings.push(
            Finding::new(
                FindingCode::LowResolution,
                Severity::Warning,
                format!("{:.1} px/mm is below the {MIN_PX_PER_MM} px/mm the image checks need", reading.px_per_mm),
            )
            .score(reading.px_per_mm as f64, MIN_PX_PER_MM as f64),
        );
    }
    out.findings.extend(mrz_text::check(&validation, reading));
    out
}

/// The validation of a reading, if it has text.
pub fn validation_of(reading: &MrzReading) -> Option<Validation> {
    mrz::validate_lines(&reading.lines, reading.format).ok()
}
