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

/// Splits MRZ text into lines: separators are newlines or `|`; surrounding
/// whitespace of each line and empty lines are dropped.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '|']).map(str::trim).filter(|l| !l.is_empty())
}
