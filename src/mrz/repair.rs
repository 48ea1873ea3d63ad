//! Opt-in repair of OCR text. Validation never changes text; callers who want
//! digit/letter confusions fixed ask for it here and get every change listed.
//!
//! Only fields whose alphabet is fixed are touched: dates and check digits
//! (digits, or `<` where allowed) and the letter-only codes and names.
//! Document numbers and optional data mix letters and digits, so they are
//! never changed: no check digit may be used to "make" a number valid.

use super::layout::{Layout, Span};
use super::{Format, MrzError, validate};
use serde::Serialize;

/// One change made by [`repair`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepairChange {
    pub line: u8,
    pub col: u8,
    pub from: char,
    pub to: char,
    pub reason: &'static str,
}

/// Repaired lines and what changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Repair {
    pub format: Format,
    pub lines: Vec<String>,
    pub changes: Vec<RepairChange>,
}

fn to_digit(c: u8) -> Option<u8> {
    Some(match c {
        b'O' | b'Q' | b'D' | b'U' => b'0',
        b'I' | b'L' => b'1',
        b'Z' => b'2',
        b'S' => b'5',
        b'G' => b'6',
        b'T' => b'7',
        b'B' => b'8',
        _ => return None,
    })
}

fn to_letter(c: u8) -> Option<u8> {
    Some(match c {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'5' => b'S',
        b'6' => b'G',
        b'8' => b'B',
        _ => return None,
    })
}

/// Repairs digit/letter confusions in fields with a fixed alphabet. The text
/// must have the format's shape (see [`validate`]); re-validate the result.
pub fn repair(text: &str, format: Option<Format>) -> Result<Repair, MrzError> {
    let v = validate(text, format)?;
    let mut lines: Vec<Vec<u8>> = v.lines().map(|l| l.as_bytes().to_vec()).collect();
    let mut changes = Vec::new();
    if v.is_parsed() {
        let l = Layout::of(v.format());
        let mut fix = |span: Span, map: fn(u8) -> Option<u8>, keep: fn(u8) -> bool, reason: &'static str| {
            let line = &mut lines[span.line as usize];
            for col in span.start..span.end() {
                let c = line[col as usize];
                if keep(c) {
                    continue;
                }
                if let Some(to) = map(c) {
                    line[col as usize] = to;
                    changes.push(RepairChange { line: span.line, col, from: c as char, to: to as char, reason });
                }
            }
        };
        let digit_or_filler = |c: u8| c.is_ascii_digit() || c == b'<';
        let letter_or_filler = |c: u8| c.is_ascii_uppercase() || c == b'<';
        fix(l.birth_date, to_digit, digit_or_filler, "dates hold digits only");
        if let Some(e) = l.expiry_date {
            fix(e, to_digit, digit_or_filler, "dates hold digits only");
        }
        for cd in [Some(l.birth_date_cd), l.expiry_date_cd, Some(l.document_number_cd), l.optional_data_cd, l.composite_cd]
            .into_iter()
            .flatten()
        {
            fix(cd, to_digit, digit_or_filler, "check digits are digits");
        }
        fix(l.issuing_state, to_letter, letter_or_filler, "codes hold letters only");
        if let Some(n) = l.nationality {
            fix(n, to_letter, letter_or_filler, "codes hold letters only");
        }
        fix(l.name, to_letter, letter_or_filler, "names hold letters only");
        if let Some(g) = l.given_names {
            fix(g, to_letter, letter_or_filler, "names hold letters only");
        }
    }
    Ok(Repair {
        format: v.format(),
        lines: lines.into_iter().map(|l| String::from_utf8_lossy(&l).into_owned()).collect(),
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_dates_and_codes_and_lists_changes() {
        let garbled = "P<UT0ERIK55ON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO740BIZZF12041S9ZE184226B<<<<<1O";
        let r = repair(garbled, None).unwrap();
        assert_eq!(r.lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        assert_eq!(r.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        assert!(r.changes.iter().any(|c| c.from == '0' && c.to == 'O' && c.line == 0));
        assert!(validate(&r.lines.join("\n"), None).unwrap().is_valid());
    }

    #[test]
    fn never_touches_document_numbers() {
        let t = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|P0OOOO0005UTO7408122F1204159<<<<<<<<<<<<<<04";
        let r = repair(t, None).unwrap();
        assert!(r.changes.is_empty(), "{:?}", r.changes);
    }
}
