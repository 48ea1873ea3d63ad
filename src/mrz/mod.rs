//! Machine readable zone text: formats, parsing, ICAO 9303 validation and a
//! generator. Pure text, no image code.
//!
//! ```
//! use docscreen::mrz;
//! let v = mrz::validate(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     None,
//! ).unwrap();
//! assert!(v.is_valid());
//! assert_eq!(v.format(), mrz::Format::Td3);
//! assert_eq!(v.fields().primary_identifier, "ERIKSSON");
//! ```

mod build;
pub mod check;
pub mod codes;
mod layout;
mod repair;
mod validate;

pub use build::{MrzBuilder, build};
pub use check::{char_value, check_digit};
pub use layout::{Layout, Span};
pub use repair::{Repair, RepairChange, repair};
pub use validate::{BlindSpot, Check, CheckKind, CheckName, FieldName, Fields, Validation, validate, validate_lines};

use serde::{Deserialize, Serialize};

/// An MRZ format of ICAO Doc 9303 (plus the pre-2021 French identity card).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// ID-1 card, 3 lines × 30 (Doc 9303-5).
    #[serde(rename = "TD1")]
    Td1,
    /// ID-2 card, 2 lines × 36 (Doc 9303-6).
    #[serde(rename = "TD2")]
    Td2,
    /// Passport data page, 2 lines × 44 (Doc 9303-4).
    #[serde(rename = "TD3")]
    Td3,
    /// Full-size visa, 2 lines × 44 (Doc 9303-7).
    #[serde(rename = "MRVA")]
    MrvA,
    /// Small visa, 2 lines × 36 (Doc 9303-7).
    #[serde(rename = "MRVB")]
    MrvB,
    /// French national identity card issued before 2021: 2 lines × 36 with a
    /// national layout (not ICAO TD2).
    #[serde(rename = "FRA_ID")]
    FrenchId,
}

impl Format {
    /// Every format, ICAO ones first.
    pub const ALL: [Format; 6] = [Format::Td1, Format::Td2, Format::Td3, Format::MrvA, Format::MrvB, Format::FrenchId];
    /// The five ICAO formats.
    pub const ICAO: [Format; 5] = [Format::Td1, Format::Td2, Format::Td3, Format::MrvA, Format::MrvB];

    /// Number of MRZ lines.
    pub const fn line_count(self) -> usize {
        match self {
            Format::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub const fn line_len(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 | Format::MrvB | Format::FrenchId => 36,
            Format::Td3 | Format::MrvA => 44,
        }
    }

    /// The name used in JSON and on the command line (`TD1`, `MRVA`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
            Format::MrvA => "MRVA",
            Format::MrvB => "MRVB",
            Format::FrenchId => "FRA_ID",
        }
    }

    /// Whether documents of this format are visas (no composite check digit).
    pub const fn is_visa(self) -> bool {
        matches!(self, Format::MrvA | Format::MrvB)
    }

    /// The field layout of this format.
    pub fn layout(self) -> &'static Layout {
        Layout::of(self)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = MrzError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_uppercase();
        Ok(match norm.as_str() {
            "TD1" => Format::Td1,
            "TD2" => Format::Td2,
            "TD3" => Format::Td3,
            "MRVA" => Format::MrvA,
            "MRVB" => Format::MrvB,
            "FRAID" | "FRENCHID" => Format::FrenchId,
            _ => return Err(MrzError::UnknownFormatName(s.chars().take(32).collect())),
        })
    }
}

/// Longest line accepted before any work is done (the longest MRZ line has 44
/// characters; OCR output may carry some noise).
pub const MAX_LINE_CHARS: usize = 200;

/// MRZ text that cannot be interpreted as any MRZ. Text that has an MRZ's
/// shape but breaks its rules is not an error: it yields an invalid
/// [`Validation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MrzError {
    #[error("no MRZ text (empty input)")]
    Empty,
    #[error("{0} lines: an MRZ has 2 or 3")]
    LineCount(usize),
    #[error("line {line} has {chars} characters: MRZ lines have at most {max}", max = MAX_LINE_CHARS)]
    LineTooLong { line: usize, chars: usize },
    #[error("unknown MRZ format name {0:?} (expected TD1, TD2, TD3, MRVA, MRVB or FRA_ID)")]
    UnknownFormatName(String),
    #[error("invalid field value for the generator: {0}")]
    InvalidField(String),
}

/// Position of the first `\n` or `|`, eight bytes at a time (SWAR: a byte
/// equal to the separator becomes zero after XOR, and `(v - 0x01…) & !v &
/// 0x80…` flags zero bytes; the lowest flag is exact).
#[inline]
fn separator_at(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in (&mut chunks).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let (nl, bar) = (w ^ (LO * b'\n' as u64), w ^ (LO * b'|' as u64));
        let hit = ((nl.wrapping_sub(LO) & !nl) | (bar.wrapping_sub(LO) & !bar)) & HI;
        if hit != 0 {
            return Some(i * 8 + (hit.trailing_zeros() / 8) as usize);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks.remainder().iter().position(|&b| b == b'\n' || b == b'|').map(|p| done + p)
}

/// `str::trim`, with a shortcut for the usual case of a line that starts
/// and ends with a visible ASCII character (nothing to trim).
#[inline]
fn trim(line: &str) -> &str {
    match line.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => line,
        _ => line.trim(),
    }
}

/// Splits MRZ text into lines: separators are newlines or `|`; surrounding
/// whitespace of each line and empty lines are dropped.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    // `\n` and `|` are ASCII, so their byte positions are character
    // boundaries: scanning bytes avoids decoding UTF-8 on the hot path.
    let mut rest = text;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = separator_at(rest.as_bytes()).unwrap_or(rest.len());
            let line = trim(&rest[..end]);
            rest = rest.get(end + 1..).unwrap_or("");
            if !line.is_empty() {
                return Some(line);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separator_search_agrees_with_a_plain_scan() {
        let samples = ["", "|", "\n", "abc", "0123456789abcdef|", "01234567\n", "0123456|", "é|x", "€€€€€€€€€|", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n|"];
        for s in samples {
            for start in 0..s.len() {
                let b = &s.as_bytes()[start..];
                assert_eq!(separator_at(b), b.iter().position(|&c| c == b'\n' || c == b'|'), "{s:?}[{start}..]");
            }
        }
        // Every byte value around the separators, at every offset of a word.
        for v in 0..=255u8 {
            for at in 0..16 {
                let mut b = vec![b'A'; 20];
                b[at] = v;
                let expect = b.iter().position(|&c| c == b'\n' || c == b'|');
                assert_eq!(separator_at(&b), expect, "byte {v} at {at}");
            }
        }
    }

    #[test]
    fn split_lines_trims_and_skips_blank_lines() {
        let lines: Vec<&str> = split_lines(" A \r\n|| B|\n\u{3000}C\u{3000}\n \n").collect();
        assert_eq!(lines, ["A", "B", "C"]);
        assert_eq!(split_lines("").count(), 0);
        assert_eq!(split_lines("|||\n").count(), 0);
    }
}
