//! Where each field sits in each format (Doc 9303 parts 4–7; the French
//! identity card from its national specification). Columns are 0-based.

use super::Format;
use serde::Serialize;

/// A run of characters on one MRZ line: `line` (0-based), columns
/// `start..start + len` (0-based, end exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    pub line: u8,
    pub start: u8,
    pub len: u8,
}

impl Span {
    pub const fn new(line: u8, start: u8, len: u8) -> Self {
        Self { line, start, len }
    }
    /// Exclusive end column.
    pub const fn end(&self) -> u8 {
        // Saturating: spans may come from callers (`Validation::slice`).
        self.start.saturating_add(self.len)
    }
    const fn at(line: u8, col: u8) -> Self {
        Self::new(line, col, 1)
    }
}

/// Field positions of one format.
#[derive(Debug)]
pub struct Layout {
    pub format: Format,
    pub document_code: Span,
    pub issuing_state: Span,
    /// The whole name field (for the French card: the surname field).
    pub name: Span,
    /// French card only: the given-names field.
    pub given_names: Option<Span>,
    pub document_number: Span,
    pub document_number_cd: Span,
    /// Absent on the French card (nationality is French by definition).
    pub nationality: Option<Span>,
    pub birth_date: Span,
    pub birth_date_cd: Span,
    pub sex: Span,
    /// Absent on the French card.
    pub expiry_date: Option<Span>,
    pub expiry_date_cd: Option<Span>,
    /// TD1 line 1 optional data, TD2/MRV optional data, TD3 personal number,
    /// French card administrative code.
    pub optional_data: Option<Span>,
    /// TD3 only: check digit of the personal number.
    pub optional_data_cd: Option<Span>,
    /// TD1 only: optional data of line 2.
    pub optional_data_2: Option<Span>,
    pub composite_cd: Option<Span>,
    /// The ranges the composite check digit covers, in order.
    pub composite_ranges: &'static [Span],
    /// Whether a document number longer than 9 characters may continue in the
    /// optional data (TD1, TD2: Doc 9303-5/6 §4.2.4, note j).
    pub long_number: bool,
}

impl Layout {
    pub fn of(format: Format) -> &'static Layout {
        match format {
            Format::Td1 => &TD1,
            Format::Td2 => &TD2,
            Format::Td3 => &TD3,
            Format::MrvA => &MRVA,
            Format::MrvB => &MRVB,
            Format::FrenchId => &FRENCH_ID,
        }
    }

    /// Spans covered by some check digit (for blind-spot reporting), with the
    /// check they belong to.
    pub fn checked_spans(&self) -> impl Iterator<Item = Span> + '_ {
        [Some(self.document_number), Some(self.birth_date), self.expiry_date, self.optional_data_cd.and(self.optional_data)]
            .into_iter()
            .flatten()
            .chain(self.composite_cd.map(|_| self.composite_ranges.iter().copied()).into_iter().flatten())
    }
}

pub(crate) static TD1: Layout = Layout {
    format: Format::Td1,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    document_number: Span::new(0, 5, 9),
    document_number_cd: Span::at(0, 14),
    optional_data: Some(Span::new(0, 15, 15)),
    birth_date: Span::new(1, 0, 6),
    birth_date_cd: Span::at(1, 6),
    sex: Span::at(1, 7),
    expiry_date: Some(Span::new(1, 8, 6)),
    expiry_date_cd: Some(Span::at(1, 14)),
    nationality: Some(Span::new(1, 15, 3)),
    optional_data_2: Some(Span::new(1, 18, 11)),
    composite_cd: Some(Span::at(1, 29)),
    composite_ranges: &[Span::new(0, 5, 25), Span::new(1, 0, 7), Span::new(1, 8, 7), Span::new(1, 18, 11)],
    name: Span::new(2, 0, 30),
    given_names: None,
    optional_data_cd: None,
    long_number: true,
};

pub(crate) static TD2: Layout = Layout {
    format: Format::Td2,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    name: Span::new(0, 5, 31),
    given_names: None,
    document_number: Span::new(1, 0, 9),
    document_number_cd: Span::at(1, 9),
    nationality: Some(Span::new(1, 10, 3)),
    birth_date: Span::new(1, 13, 6),
    birth_date_cd: Span::at(1, 19),
    sex: Span::at(1, 20),
    expiry_date: Some(Span::new(1, 21, 6)),
    expiry_date_cd: Some(Span::at(1, 27)),
    optional_data: Some(Span::new(1, 28, 7)),
    optional_data_cd: None,
    optional_data_2: None,
    composite_cd: Some(Span::at(1, 35)),
    composite_ranges: &[Span::new(1, 0, 10), Span::new(1, 13, 7), Span::new(1, 21, 14)],
    long_number: true,
};

pub(crate) static TD3: Layout = Layout {
    format: Format::Td3,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    name: Span::new(0, 5, 39),
    given_names: None,
    document_number: Span::new(1, 0, 9),
    document_number_cd: Span::at(1, 9),
    nationality: Some(Span::new(1, 10, 3)),
    birth_date: Span::new(1, 13, 6),
    birth_date_cd: Span::at(1, 19),
    sex: Span::at(1, 20),
    expiry_date: Some(Span::new(1, 21, 6)),
    expiry_date_cd: Some(Span::at(1, 27)),
    optional_data: Some(Span::new(1, 28, 14)),
    optional_data_cd: Some(Span::at(1, 42)),
    optional_data_2: None,
    composite_cd: Some(Span::at(1, 43)),
    composite_ranges: &[Span::new(1, 0, 10), Span::new(1, 13, 7), Span::new(1, 21, 22)],
    long_number: false,
};

pub(crate) static MRVA: Layout = Layout {
    format: Format::MrvA,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    name: Span::new(0, 5, 39),
    given_names: None,
    document_number: Span::new(1, 0, 9),
    document_number_cd: Span::at(1, 9),
    nationality: Some(Span::new(1, 10, 3)),
    birth_date: Span::new(1, 13, 6),
    birth_date_cd: Span::at(1, 19),
    sex: Span::at(1, 20),
    expiry_date: Some(Span::new(1, 21, 6)),
    expiry_date_cd: Some(Span::at(1, 27)),
    optional_data: Some(Span::new(1, 28, 16)),
    optional_data_cd: None,
    optional_data_2: None,
    composite_cd: None,
    composite_ranges: &[],
    long_number: false,
};

pub(crate) static MRVB: Layout = Layout {
    format: Format::MrvB,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    name: Span::new(0, 5, 31),
    given_names: None,
    document_number: Span::new(1, 0, 9),
    document_number_cd: Span::at(1, 9),
    nationality: Some(Span::new(1, 10, 3)),
    birth_date: Span::new(1, 13, 6),
    birth_date_cd: Span::at(1, 19),
    sex: Span::at(1, 20),
    expiry_date: Some(Span::new(1, 21, 6)),
    expiry_date_cd: Some(Span::at(1, 27)),
    optional_data: Some(Span::new(1, 28, 8)),
    optional_data_cd: None,
    optional_data_2: None,
    composite_cd: None,
    composite_ranges: &[],
    long_number: false,
};

// Line 1: ID FRA surname(25) administrative code(6).
// Line 2: number(12: issue YYMM, department, office, sequence) cd,
// given names(14), birth date, cd, sex, composite over everything before it.
pub(crate) static FRENCH_ID: Layout = Layout {
    format: Format::FrenchId,
    document_code: Span::new(0, 0, 2),
    issuing_state: Span::new(0, 2, 3),
    name: Span::new(0, 5, 25),
    optional_data: Some(Span::new(0, 30, 6)),
    document_number: Span::new(1, 0, 12),
    document_number_cd: Span::at(1, 12),
    given_names: Some(Span::new(1, 13, 14)),
    birth_date: Span::new(1, 27, 6),
    birth_date_cd: Span::at(1, 33),
    sex: Span::at(1, 34),
    composite_cd: Some(Span::at(1, 35)),
    composite_ranges: &[Span::new(0, 0, 36), Span::new(1, 0, 35)],
    nationality: None,
    expiry_date: None,
    expiry_date_cd: None,
    optional_data_cd: None,
    optional_data_2: None,
    long_number: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field lies inside its line, and no two fields overlap.
    #[test]
    fn layouts_tile_their_lines() {
        for f in Format::ALL {
            let l = Layout::of(f);
            let mut used = vec![vec![0u8; f.line_len()]; f.line_count()];
            let spans = [
                Some(l.document_code),
                Some(l.issuing_state),
                Some(l.name),
                l.given_names,
                Some(l.document_number),
                Some(l.document_number_cd),
                l.nationality,
                Some(l.birth_date),
                Some(l.birth_date_cd),
                Some(l.sex),
                l.expiry_date,
                l.expiry_date_cd,
                l.optional_data,
                l.optional_data_cd,
                l.optional_data_2,
                l.composite_cd,
            ];
            for s in spans.into_iter().flatten() {
                for c in s.start..s.end() {
                    used[s.line as usize][c as usize] += 1;
                }
            }
            for (i, line) in used.iter().enumerate() {
                assert!(line.iter().all(|&u| u == 1), "{f:?} line {i}: {line:?}");
            }
        }
    }
}
