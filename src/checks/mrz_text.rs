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
    let mut out = chosen_by_check_digits(reading);
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

/// A character the reader kept only because a check digit needed it: the
/// check then passes, but a forged character (a digit changed without its
/// check digit) reads exactly that way, the check digit choosing the
/// forger's value or the confusable letter that satisfies it. The text is
/// not evidence of integrity: a capture problem, re-capture.
fn chosen_by_check_digits(reading: &MrzReading) -> Vec<Finding> {
    // A position may be chosen more than once (a later check undoing an
    // earlier choice): what the classifier ranked first against what was kept.
    let mut net: Vec<(usize, usize, char, char)> = Vec::new();
    for c in &reading.check_digit_choices {
        match net.iter_mut().find(|n| (n.0, n.1) == (c.line, c.col)) {
            Some(n) => n.3 = c.chosen,
            None => net.push((c.line, c.col, c.classified, c.chosen)),
        }
    }
    net.into_iter()
        .filter(|n| n.2 != n.3)
        .map(|(line, col, classified, chosen)| {
            let conf = reading.chars.get(line).and_then(|l| l.get(col)).map_or(0.0, |c| c.confidence);
            Finding::new(
                FindingCode::MrzLowConfidence,
                Severity::Warning,
                format!(
                    "line {} position {}: read as '{chosen}' only because a check digit needs it (the glyph looks more like '{classified}'); a forged character reads the same way: re-capture",
                    line + 1,
                    col + 1
                ),
            )
            .zone("mrz")
            .score(conf as f64, MIN_CONFIDENCE as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{CharReading, CheckDigitChoice, Point};

    const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];

    fn reading(choices: Vec<CheckDigitChoice>) -> MrzReading {
        let chars = TD3
            .iter()
            .map(|l| {
                l.chars()
                    .map(|ch| CharReading { ch, confidence: 0.99, runner_up: '<', runner_up_confidence: 0.0, ocrb_score: 0.9, centre: Point::default(), quad: [Point::default(); 4] })
                    .collect()
            })
            .collect();
        MrzReading { found: true, lines: TD3.iter().map(|l| l.to_string()).collect(), chars, check_digit_choices: choices, ..Default::default() }
    }

    #[test]
    fn a_character_chosen_by_a_check_digit_makes_the_reading_inconclusive() {
        let v = crate::mrz::validate_lines(&TD3, None).unwrap();
        assert!(check(&v, &reading(vec![])).is_empty(), "a clean reading has no findings");
        // The birth date's check digit '2' read as an unsure '7', kept as '2'
        // because the check needs it.
        let found = check(&v, &reading(vec![CheckDigitChoice { line: 1, col: 19, classified: '7', chosen: '2' }]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].code, found[0].severity), (FindingCode::MrzLowConfidence, Severity::Warning));
        assert!(found[0].code.is_capture_problem());
        // Chosen, then chosen back by a later check: the classifier's own reading.
        let undone = vec![CheckDigitChoice { line: 1, col: 19, classified: '2', chosen: '7' }, CheckDigitChoice { line: 1, col: 19, classified: '7', chosen: '2' }];
        assert!(check(&v, &reading(undone)).is_empty());
    }
}
