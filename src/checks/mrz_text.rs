//! MRZ check digits and field rules, turned into findings. A check digit that
//! fails where the reader was unsure of a character is a capture problem, not
//! evidence of forgery.

use crate::mrz::{Check, CheckKind, CheckName, Layout, Span, Validation};
use crate::read::MrzReading;
use crate::report::{Finding, FindingCode, Severity};

/// Characters read below this confidence cannot support a `fail`.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// The spans a failed check depends on.
fn involved_spans(v: &Validation, c: &Check) -> Vec<Span> {
    let mut spans: Vec<Span> = c.span.into_iter().chain(c.digit_at).collect();
    if c.name == CheckName::Composite {
        spans.extend(Layout::of(v.format()).composite_ranges.iter().copied());
    }
    spans
}

fn min_confidence(reading: &MrzReading, spans: &[Span]) -> f32 {
    let mut m = 1.0f32;
    for s in spans {
        if let Some(line) = reading.chars.get(s.line as usize) {
            for col in s.start..s.end() {
                if let Some(ch) = line.get(col as usize) {
                    m = m.min(ch.confidence);
                }
            }
        }
    }
    m
}

/// Findings for a validated reading (pass `reading` with no chars for text input).
pub fn check(v: &Validation, reading: &MrzReading) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in v.failed() {
        let conf = min_confidence(reading, &involved_spans(v, c));
        let zone = c.name.as_str();
        if conf < MIN_CONFIDENCE {
            out.push(
                Finding::new(
                    FindingCode::MrzLowConfidence,
                    Severity::Warning,
                    format!("{} check failed where characters were read with low confidence ({conf:.2}); re-capture", c.name),
                )
                .zone(zone)
                .score(conf as f64, MIN_CONFIDENCE as f64),
            );
            continue;
        }
        let (code, severity) = match (c.name.kind(), c.name) {
            (CheckKind::CheckDigit, _) => (FindingCode::MrzCheckDigit, Severity::Fail),
            // An impossible date is never printed by an issuer.
            (_, CheckName::Date) => (FindingCode::MrzFieldInvalid, Severity::Fail),
            // Specimens and some issuers bend the code, name and filler rules
            // (e.g. unassigned specimen codes): worth showing, not a forgery sign.
            _ => (FindingCode::MrzFieldInvalid, Severity::Warning),
        };
        let msg = match (c.printed, c.expected) {
            (Some(p), Some(e)) => format!("{}: printed {}, computes {}", c.detail, p as char, e as char),
            _ => c.detail.to_string(),
        };
        out.push(Finding::new(code, severity, format!("{}: {msg}", c.name)).zone(zone));
    }
    out
}
