//! The screening report: verdict, findings, MRZ result, template used, input
//! digest. Serialises to the JSON of the CLI contract (`../shared/DESIGN.md`).

use crate::geometry::RectMm;
use crate::mrz::{Check, Fields, Format, Validation};
use crate::read::{MrzReading, Point};
use serde::Serialize;

/// The overall outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check ran and none failed.
    Pass,
    /// At least one check found evidence of forgery.
    Fail,
    /// The capture does not allow a decision (MRZ unreadable, too small,
    /// too blurred); never a claim of forgery.
    Inconclusive,
}

impl Verdict {
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    /// Evidence of forgery: the verdict is `fail`.
    Fail,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Fail => "fail",
        }
    }
}

/// Stable finding codes (snake_case in JSON). New codes are appended; the
/// names are a public interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingCode {
    /// A check digit does not match its data.
    MrzCheckDigit,
    /// A field breaks a Doc 9303 rule (unknown code, impossible date, …).
    MrzFieldInvalid,
    /// The MRZ glyphs do not conform to OCR-B.
    MrzFont,
    /// MRZ print geometry out of tolerance (pitch, skew, margins, bands).
    MrzGeometry,
    /// No MRZ could be read: the verdict is inconclusive.
    MrzUnreadable,
    /// Some MRZ characters were read with low confidence.
    MrzLowConfidence,
    /// Issuer templates exist for the claimed document and none matches.
    TemplateMismatch,
    /// A template zone differs from its reference.
    ZoneMismatch,
    /// The portrait zone shows signs of substitution.
    PortraitTampered,
    /// Too few pixels per millimetre for the checks.
    LowResolution,
    /// Too blurred for the checks.
    Blurred,
    /// The document's size, aspect or line count does not fit its claimed format.
    FormatMismatch,
    /// Ink in a zone that must stay blank.
    BlankZoneInk,
    /// Which template was applied (information).
    TemplateUsed,
    /// A check could not run (document partly outside the image, …).
    CheckSkipped,
    /// Issuer templates apply but the page outline is not visible.
    PageNotFound,
}

impl FindingCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::MrzCheckDigit => "mrz_check_digit",
            FindingCode::MrzFieldInvalid => "mrz_field_invalid",
            FindingCode::MrzFont => "mrz_font",
            FindingCode::MrzGeometry => "mrz_geometry",
            FindingCode::MrzUnreadable => "mrz_unreadable",
            FindingCode::MrzLowConfidence => "mrz_low_confidence",
            FindingCode::TemplateMismatch => "template_mismatch",
            FindingCode::ZoneMismatch => "zone_mismatch",
            FindingCode::PortraitTampered => "portrait_tampered",
            FindingCode::LowResolution => "low_resolution",
            FindingCode::Blurred => "blurred",
            FindingCode::FormatMismatch => "format_mismatch",
            FindingCode::BlankZoneInk => "blank_zone_ink",
            FindingCode::TemplateUsed => "template_used",
            FindingCode::CheckSkipped => "check_skipped",
            FindingCode::PageNotFound => "page_not_found",
        }
    }

    /// Whether this finding describes the capture rather than the document:
    /// such findings make the verdict inconclusive, never fail.
    pub fn is_capture_problem(self) -> bool {
        matches!(self, FindingCode::MrzUnreadable | FindingCode::MrzLowConfidence | FindingCode::LowResolution | FindingCode::Blurred | FindingCode::PageNotFound)
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observation about the document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    /// The template zone (or MRZ field) concerned, if any.
    pub zone: Option<String>,
    /// The measured value and the threshold it was compared with, if any.
    pub score: Option<f64>,
    pub threshold: Option<f64>,
    pub message: String,
    /// The zone in the document frame (mm).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_mm: Option<RectMm>,
    /// The zone in input-image pixels (polygon, clockwise from top-left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polygon_px: Option<Vec<Point>>,
}

impl Finding {
    pub fn new(code: FindingCode, severity: Severity, message: impl Into<String>) -> Finding {
        Finding { code, severity, zone: None, score: None, threshold: None, message: message.into(), zone_mm: None, polygon_px: None }
    }
    pub fn zone(mut self, zone: impl Into<String>) -> Self {
        self.zone = Some(zone.into());
        self
    }
    pub fn score(mut self, score: f64, threshold: f64) -> Self {
        self.score = Some(score);
        self.threshold = Some(threshold);
        self
    }
    pub fn at_mm(mut self, rect: RectMm) -> Self {
        self.zone_mm = Some(rect);
        self
    }
    pub fn at_px(mut self, polygon: Vec<Point>) -> Self {
        self.polygon_px = Some(polygon);
        self
    }
}

/// The MRZ part of the report.
#[derive(Clone, Debug, Serialize)]
pub struct MrzSummary {
    pub format: Format,
    pub lines: Vec<String>,
    pub valid: bool,
    pub checks: Vec<Check>,
    pub fields: Option<Fields>,
    /// Lowest character confidence per line (absent for text input).
    pub confidence: Vec<f32>,
    /// Median similarity of the non-filler glyphs to OCR-B (font check).
    pub ocrb_median: Option<f32>,
}

impl MrzSummary {
    pub fn new(v: &Validation, confidence: Vec<f32>) -> Self {
        MrzSummary {
            format: v.format(),
            lines: v.lines().map(str::to_owned).collect(),
            valid: v.is_valid(),
            checks: v.checks().to_vec(),
            fields: v.is_parsed().then(|| v.fields()),
            confidence,
            ocrb_median: None,
        }
    }
}

/// Which template was applied and how well the document matched it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemplateUse {
    pub id: String,
    /// SHA-256 of the template and its reference data (hex).
    pub digest: String,
    /// Overall match score, 0–1 (1 = identical to the reference).
    pub score: f64,
    /// Other templates tried for the same claim, with their scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<(String, f64)>,
}

/// Time spent per stage, milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    pub decode_ms: f64,
    pub read_ms: f64,
    pub checks_ms: f64,
    pub total_ms: f64,
}

/// The input image's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
}

/// Everything the screener found out about one image.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub mrz: Option<MrzSummary>,
    pub template: Option<TemplateUse>,
    pub findings: Vec<Finding>,
    /// SHA-256 (hex) of the input: the encoded bytes as given, or the pixel
    /// rows without stride padding.
    pub image_sha256: String,
    pub library_version: &'static str,
    pub image: ImageInfo,
    /// The MRZ reading with its geometry (band, per-character boxes).
    #[serde(skip)]
    pub reading: MrzReading,
    /// Image pixels per millimetre (from the MRZ pitch), when read.
    pub px_per_mm: Option<f32>,
    /// Document rotation in the image, degrees counter-clockwise, when read.
    pub rotation_deg: Option<f32>,
    /// The document outline in image pixels, when located.
    pub document_polygon_px: Option<Vec<Point>>,
    pub timings: Timings,
}

impl Report {
    /// The verdict the findings imply: any `fail` finding → fail; otherwise any
    /// capture problem → inconclusive; otherwise pass.
    pub fn verdict_of(findings: &[Finding]) -> Verdict {
        if findings.iter().any(|f| f.severity == Severity::Fail) {
            Verdict::Fail
        } else if findings.iter().any(|f| f.code.is_capture_problem()) {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }

    /// The report as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"cannot serialise report: {e}\"}}"))
    }

    /// Findings at or above `severity`.
    pub fn findings_at_least(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity >= severity)
    }
}
