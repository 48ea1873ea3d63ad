//! Validation of MRZ text: every check digit and every field rule, reported
//! check by check. Nothing stops at the first failure, except that text of the
//! wrong shape (line count, line length) or with characters outside the MRZ
//! alphabet cannot be split into fields and is reported as such.
//!
//! The hot path does not allocate for well-formed text: [`Validation`] holds
//! the text (up to 96 bytes inline) and the results in fixed arrays; field
//! strings and JSON are built on request.

use super::check::{blind_partner, weighted_sum_mrz};
use super::codes::is_valid_code;
use super::layout::{Layout, Span};
use super::{Format, MAX_LINE_CHARS, MrzError};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// Name of a check. Check-digit checks are named after the field they protect
/// (`document_number`, `birth_date`, `expiry_date`, `optional_data`,
/// `composite`); field rules after the rule (`length`, `charset`,
/// `document_type`, `country`, `nationality`, `date`, `sex`, `name`, `filler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    Length,
    Charset,
    DocumentType,
    Country,
    Nationality,
    Date,
    Sex,
    Name,
    Filler,
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    OptionalData,
    Composite,
}

impl CheckName {
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckName::Length => "length",
            CheckName::Charset => "charset",
            CheckName::DocumentType => "document_type",
            CheckName::Country => "country",
            CheckName::Nationality => "nationality",
            CheckName::Date => "date",
            CheckName::Sex => "sex",
            CheckName::Name => "name",
            CheckName::Filler => "filler",
            CheckName::DocumentNumber => "document_number",
            CheckName::BirthDate => "birth_date",
            CheckName::ExpiryDate => "expiry_date",
            CheckName::OptionalData => "optional_data",
            CheckName::Composite => "composite",
        }
    }

    /// Whether this is a check-digit check (as opposed to a field rule).
    pub const fn kind(self) -> CheckKind {
        match self {
            CheckName::DocumentNumber
            | CheckName::BirthDate
            | CheckName::ExpiryDate
            | CheckName::OptionalData
            | CheckName::Composite => CheckKind::CheckDigit,
            _ => CheckKind::Field,
        }
    }
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a check verifies a check digit or a field rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    CheckDigit,
    Field,
}

/// The MRZ field a check is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Lines,
    DocumentCode,
    IssuingState,
    Name,
    GivenNames,
    DocumentNumber,
    Nationality,
    BirthDate,
    Sex,
    ExpiryDate,
    OptionalData,
    OptionalData2,
    Composite,
}

/// One check and its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: CheckName,
    pub ok: bool,
    pub field: FieldName,
    /// The characters the check is about (the field; for a check digit, the
    /// data it covers; for the composite, its first range). `None` for
    /// whole-text checks (length, charset).
    pub span: Option<Span>,
    /// Check digits: where the check digit is printed.
    pub digit_at: Option<Span>,
    /// Check digits: the character printed in the check-digit cell.
    pub printed: Option<u8>,
    /// Check digits: the digit the data computes to.
    pub expected: Option<u8>,
    /// Why it failed (or what it verified), in a few words.
    pub detail: &'static str,
}

impl Check {
    const fn field(name: CheckName, field: FieldName, span: Option<Span>, ok: bool, detail: &'static str) -> Self {
        Check { name, ok, field, span, digit_at: None, printed: None, expected: None, detail }
    }
}

impl Serialize for Check {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("name", self.name.as_str())?;
        m.serialize_entry("ok", &self.ok)?;
        m.serialize_entry("kind", &self.name.kind())?;
        m.serialize_entry("field", &self.field)?;
        if let Some(sp) = self.span {
            m.serialize_entry("line", &sp.line)?;
            m.serialize_entry("start", &sp.start)?;
            m.serialize_entry("end", &sp.end())?;
        }
        if let Some(d) = self.digit_at {
            m.serialize_entry("digit_line", &d.line)?;
            m.serialize_entry("digit_col", &d.start)?;
        }
        if let Some(p) = self.printed {
            m.serialize_entry("printed", &(p as char).to_string())?;
        }
        if let Some(e) = self.expected {
            m.serialize_entry("expected", &(e as char).to_string())?;
        }
        m.serialize_entry("message", self.detail)?;
        m.end()
    }
}

/// A position where an OCR confusion would go unnoticed by every check digit:
/// `printed` and `confusable` have the same check-digit value modulo 10.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BlindSpot {
    pub line: u8,
    pub col: u8,
    #[serde(serialize_with = "ser_char")]
    pub printed: u8,
    #[serde(serialize_with = "ser_char")]
    pub confusable: u8,
    pub field: FieldName,
}

fn ser_char<S: Serializer>(c: &u8, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_char(*c as char)
}

const MAX_LINES: usize = 3;
/// Checks run on one MRZ: at most 15 (TD3); the tests hold every format to it.
const MAX_CHECKS: usize = 16;
/// Text stored inside the result: the longest well-formed MRZ (TD1,
/// 3 × 30) fits, so only malformed text needs the heap.
const INLINE_TEXT: usize = 96;
/// Longest MRZ line (TD3, MRV-A).
const MAX_MRZ_LINE: usize = 44;

/// The lines as given, one buffer for all lines.
#[derive(Clone)]
enum Text {
    Inline([u8; INLINE_TEXT]),
    Heap(Box<[u8]>),
}

impl Text {
    fn bytes(&self) -> &[u8] {
        match self {
            Text::Inline(b) => b,
            Text::Heap(b) => b,
        }
    }
}

/// Where checks go: the stored list of a [`Validation`], or only their
/// outcomes when blind spots are probed.
trait Sink {
    fn push(&mut self, c: Check);
}

#[derive(Clone)]
struct CheckList {
    items: [Check; MAX_CHECKS],
    len: u8,
}

impl CheckList {
    const EMPTY: Check = Check::field(CheckName::Length, FieldName::Lines, None, true, "");

    fn new() -> Self {
        CheckList { items: [Self::EMPTY; MAX_CHECKS], len: 0 }
    }

    fn as_slice(&self) -> &[Check] {
        &self.items[..self.len as usize]
    }
}

impl Sink for CheckList {
    #[inline]
    fn push(&mut self, c: Check) {
        // The list of checks is fixed per format and MAX_CHECKS covers the
        // longest (tested); never input-dependent.
        debug_assert!((self.len as usize) < MAX_CHECKS);
        if let Some(slot) = self.items.get_mut(self.len as usize) {
            *slot = c;
            self.len += 1;
        }
    }
}

/// Pass/fail of each check, in order.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Outcomes {
    ok: u32,
    len: u8,
}

impl Sink for Outcomes {
    #[inline]
    fn push(&mut self, c: Check) {
        self.ok |= (c.ok as u32) << self.len;
        self.len += 1;
    }
}

/// MRZ lines in fixed-width rows: with a layout known at compile time (see
/// [`evaluate`]) every field access has constant bounds, so the compiler
/// drops the bounds checks and unrolls the loops.
type Grid = [[u8; MAX_MRZ_LINE]; MAX_LINES];

/// The lines of a text that has its format's shape and the MRZ alphabet.
#[derive(Clone, Copy)]
struct Rows<'a>(&'a Grid);

impl<'a> Rows<'a> {
    #[inline]
    fn slice(&self, span: Span) -> &'a [u8] {
        &self.0[span.line as usize][span.start as usize..span.end() as usize]
    }
    #[inline]
    fn at(&self, span: Span) -> u8 {
        self.0[span.line as usize][span.start as usize]
    }
}

/// The result of validating one MRZ: the text, the format it was checked as,
/// and every check with its outcome.
#[derive(Clone)]
pub struct Validation {
    format: Format,
    text: Text,
    /// Byte offset where each line ends in `text`.
    line_ends: [u16; MAX_LINES],
    /// Characters (not bytes) per line.
    line_chars: [u8; MAX_LINES],
    line_count: u8,
    /// Set when the text has the format's shape and alphabet, so fields exist.
    parsed: bool,
    /// TD1/TD2 long document number: extension length inside the optional data.
    long_number_ext: u8,
    checks: CheckList,
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validation")
            .field("format", &self.format)
            .field("lines", &self.lines().collect::<Vec<_>>())
            .field("valid", &self.is_valid())
            .field("failed", &self.failed().map(|c| c.name).collect::<Vec<_>>())
            .finish()
    }
}

/// Splits MRZ text into at most `MAX_LINES` lines; `Err` with the total
/// count when there are more.
#[inline]
fn split_into(text: &str) -> Result<([&str; MAX_LINES], usize), MrzError> {
    let mut lines: [&str; MAX_LINES] = [""; MAX_LINES];
    let mut n = 0usize;
    for l in super::split_lines(text) {
        if n == MAX_LINES {
            return Err(MrzError::LineCount(super::split_lines(text).count()));
        }
        lines[n] = l;
        n += 1;
    }
    Ok((lines, n))
}

/// Validates MRZ text (lines separated by newlines or `|`). With `format`
/// `None` the format is detected from the line count, the line lengths and the
/// document code; otherwise the text is checked as that format (a visa checked
/// as a passport fails `document_type`). Checking as [`Format::Td2`] accepts
/// the French identity card's layout, which shares the 2×36 shape.
pub fn validate(text: &str, format: Option<Format>) -> Result<Validation, MrzError> {
    let (lines, n) = split_into(text)?;
    validate_lines(&lines[..n], format)
}

/// Like [`validate`], with the lines already split.
pub fn validate_lines<S: AsRef<str>>(lines: &[S], format: Option<Format>) -> Result<Validation, MrzError> {
    if lines.is_empty() {
        return Err(MrzError::Empty);
    }
    if lines.len() > MAX_LINES {
        return Err(MrzError::LineCount(lines.len()));
    }
    let mut line_ends = [0u16; MAX_LINES];
    let mut line_chars = [0u8; MAX_LINES];
    let mut total = 0usize;
    for (i, l) in lines.iter().enumerate() {
        let l = l.as_ref();
        let chars = if l.is_ascii() { l.len() } else { l.chars().count() };
        if chars > MAX_LINE_CHARS {
            return Err(MrzError::LineTooLong { line: i + 1, chars });
        }
        // At most 3 lines × 200 characters × 4 bytes: fits u16.
        total += l.len();
        line_ends[i] = total as u16;
        line_chars[i] = chars as u8;
    }
    let mut text = if total <= INLINE_TEXT { Text::Inline([0; INLINE_TEXT]) } else { Text::Heap(vec![0; total].into_boxed_slice()) };
    let buf: &mut [u8] = match &mut text {
        Text::Inline(b) => b,
        Text::Heap(b) => b,
    };
    let mut start = 0;
    for (l, &end) in lines.iter().zip(&line_ends) {
        buf[start..end as usize].copy_from_slice(l.as_ref().as_bytes());
        start = end as usize;
    }
    let mut v = Validation {
        format: Format::Td3,
        text,
        line_ends,
        line_chars,
        line_count: lines.len() as u8,
        parsed: false,
        long_number_ext: 0,
        checks: CheckList::new(),
    };
    v.format = format.map(|f| refine_requested(f, &v)).unwrap_or_else(|| detect(&v));
    v.run();
    Ok(v)
}

/// The format a text of this shape most likely is.
fn detect(v: &Validation) -> Format {
    if v.line_count == 3 {
        return Format::Td1;
    }
    let first = v.line_bytes(0);
    let longest = v.line_chars[..v.line_count as usize].iter().copied().max().unwrap_or(0) as usize;
    let visa = first.first() == Some(&b'V');
    // Nearest line length: 36 or 44 (30-character pairs are a truncated TD1).
    if longest.abs_diff(36) <= longest.abs_diff(44) {
        if visa {
            Format::MrvB
        } else if looks_french(v) {
            Format::FrenchId
        } else {
            Format::Td2
        }
    } else if visa {
        Format::MrvA
    } else {
        Format::Td3
    }
}

fn refine_requested(f: Format, v: &Validation) -> Format {
    if f == Format::Td2 && looks_french(v) { Format::FrenchId } else { f }
}

/// The pre-2021 French identity card: `IDFRA` on a 2×36 MRZ. France issues no
/// ICAO TD2 identity card, so the prefix is decisive.
fn looks_french(v: &Validation) -> bool {
    v.line_count == 2 && v.line_bytes(0).starts_with(b"IDFRA")
}

#[inline]
fn is_mrz_char(c: u8) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'<'
}

#[inline]
fn is_mrz_char_branchless(c: u8) -> bool {
    (c.wrapping_sub(b'0') < 10) | (c.wrapping_sub(b'A') < 26) | (c == b'<')
}

impl Validation {
    /// The format the text was checked as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether every check passed.
    pub fn is_valid(&self) -> bool {
        self.checks().iter().all(|c| c.ok)
    }

    /// Every check, passed or failed, in a stable order.
    pub fn checks(&self) -> &[Check] {
        self.checks.as_slice()
    }

    /// The failed checks.
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks().iter().filter(|c| !c.ok)
    }

    /// The first check named `name`, if it was run (`date` and `name` run
    /// once per field: see [`Validation::checks`] for all of them).
    pub fn check(&self, name: CheckName) -> Option<&Check> {
        self.checks().iter().find(|c| c.name == name)
    }

    /// Whether the text had the format's shape and alphabet, so that fields
    /// could be read.
    pub fn is_parsed(&self) -> bool {
        self.parsed
    }

    /// The MRZ lines as given (after trimming).
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        (0..self.line_count as usize).map(|i| self.line_str(i))
    }

    fn line_bytes(&self, i: usize) -> &[u8] {
        if i >= self.line_count as usize {
            return &[];
        }
        let start = if i == 0 { 0 } else { self.line_ends[i - 1] as usize };
        &self.text.bytes()[start..self.line_ends[i] as usize]
    }

    fn line_str(&self, i: usize) -> &str {
        // Copied from &str lines whole, so each line is UTF-8.
        std::str::from_utf8(self.line_bytes(i)).unwrap_or("")
    }

    /// The characters of `span` (only meaningful when parsed: ASCII, right
    /// shape); empty when `span` lies outside the text.
    pub fn slice(&self, span: Span) -> &[u8] {
        self.line_bytes(span.line as usize).get(span.start as usize..span.end() as usize).unwrap_or(&[])
    }

    fn at(&self, span: Span) -> u8 {
        self.slice(span).first().copied().unwrap_or(b'<')
    }

    fn run(&mut self) {
        let f = self.format;
        let n = self.line_count as usize;
        let shape_ok = n == f.line_count() && self.line_chars[..n].iter().all(|&c| c as usize == f.line_len());
        self.checks.push(Check::field(
            CheckName::Length,
            FieldName::Lines,
            None,
            shape_ok,
            if shape_ok { "line count and lengths match the format" } else { "line count or line length does not match the format" },
        ));
        if !shape_ok {
            return;
        }
        let text = &self.text.bytes()[..self.line_ends[n - 1] as usize];
        // Branch-free over the whole text (vectorises); the position is
        // looked up only on failure.
        let charset_ok = text.iter().fold(0u8, |bad, &c| bad | !is_mrz_char_branchless(c) as u8) == 0;
        let bad_at = if charset_ok { None } else { self.first_non_mrz() };
        self.checks.push(Check::field(
            CheckName::Charset,
            FieldName::Lines,
            bad_at,
            charset_ok,
            if charset_ok { "only 0-9, A-Z and <" } else { "characters outside 0-9, A-Z and <" },
        ));
        if !charset_ok {
            return;
        }
        self.parsed = true;
        let mut grid: Grid = [[b'<'; MAX_MRZ_LINE]; MAX_LINES];
        for (i, row) in grid.iter_mut().enumerate().take(n) {
            let line = self.line_bytes(i);
            row[..line.len()].copy_from_slice(line);
        }
        self.long_number_ext = evaluate(Rows(&grid), f, &mut self.checks);
    }

    /// The first character outside the MRZ alphabet (line, column).
    fn first_non_mrz(&self) -> Option<Span> {
        (0..self.line_count as usize).find_map(|i| {
            // Everything before the first bad byte is ASCII: byte column = character column.
            let col = self.line_bytes(i).iter().position(|&c| !is_mrz_char(c))?;
            Some(Span::new(i as u8, col as u8, 1))
        })
    }

    /// Field values, or `None` when the text could not be split into fields.
    pub fn fields(&self) -> Fields {
        Fields::from_validation(self)
    }

    /// Where substituting a character for one an OCR commonly confuses with
    /// it (`<`↔`K`, `1`↔`L`, `6`↔`G`, `8`↔`S`, `0`↔`U`: equal values modulo
    /// 10, see [`super::check::BLIND_CONFUSIONS`]) in data covered by a check
    /// digit leaves the outcome of every check unchanged. For a valid MRZ
    /// these are exactly the confusions that would go unnoticed; a reader must
    /// be confident at these positions on its own. Sorted by line and column.
    pub fn blind_spots(&self) -> Vec<BlindSpot> {
        let mut out = Vec::new();
        if !self.parsed {
            return out;
        }
        let l = Layout::of(self.format);
        let n = self.line_count as usize;
        let mut buf: Grid = [[b'<'; MAX_MRZ_LINE]; MAX_LINES];
        let len = self.format.line_len();
        for (i, row) in buf.iter_mut().enumerate().take(n) {
            row[..len].copy_from_slice(self.line_bytes(i));
        }
        let outcomes = |buf: &Grid| {
            let mut o = Outcomes { ok: 0, len: 0 };
            evaluate(Rows(buf), self.format, &mut o);
            o
        };
        let base = outcomes(&buf);
        let digit_cells = [Some(l.document_number_cd), Some(l.birth_date_cd), l.expiry_date_cd, l.optional_data_cd, l.composite_cd];
        // Composite ranges overlap the other checked fields: visit each cell once.
        let mut covered = [[false; MAX_MRZ_LINE]; MAX_LINES];
        for s in l.checked_spans() {
            for c in s.start..s.end() {
                covered[s.line as usize][c as usize] = true;
            }
        }
        for d in digit_cells.into_iter().flatten() {
            covered[d.line as usize][d.start as usize] = false;
        }
        for line in 0..n {
            for col in 0..len {
                if !covered[line][col] {
                    continue;
                }
                let printed = buf[line][col];
                let Some(confusable) = blind_partner(printed) else { continue };
                buf[line][col] = confusable;
                let same = outcomes(&buf) == base;
                buf[line][col] = printed;
                if same {
                    let field = self.field_at(l, line as u8, col as u8);
                    out.push(BlindSpot { line: line as u8, col: col as u8, printed, confusable, field });
                }
            }
        }
        out
    }

    /// The field a cell belongs to (a long number's continuation counts as
    /// the document number).
    fn field_at(&self, l: &Layout, line: u8, col: u8) -> FieldName {
        let inside = |s: Span| s.line == line && s.start <= col && col < s.end();
        if let Some(o) = l.optional_data {
            if self.long_number_ext > 0 && inside(Span::new(o.line, o.start, self.long_number_ext)) {
                return FieldName::DocumentNumber;
            }
        }
        let fields = [
            (FieldName::DocumentCode, Some(l.document_code)),
            (FieldName::IssuingState, Some(l.issuing_state)),
            (FieldName::Name, Some(l.name)),
            (FieldName::GivenNames, l.given_names),
            (FieldName::DocumentNumber, Some(l.document_number)),
            (FieldName::Nationality, l.nationality),
            (FieldName::BirthDate, Some(l.birth_date)),
            (FieldName::Sex, Some(l.sex)),
            (FieldName::ExpiryDate, l.expiry_date),
            (FieldName::OptionalData, l.optional_data),
            (FieldName::OptionalData2, l.optional_data_2),
        ];
        fields.into_iter().find(|(_, s)| s.is_some_and(inside)).map_or(FieldName::Composite, |(f, _)| f)
    }

    /// Fields no check digit covers: any OCR error there goes unnoticed by the
    /// check digits (names, codes, sex, and on visas the optional data; on
    /// the French card the composite covers everything).
    pub fn unchecked_fields(&self) -> Vec<FieldName> {
        let l = Layout::of(self.format);
        let covered = |s: Span| l.checked_spans().any(|c| c.line == s.line && c.start <= s.start && s.end() <= c.end());
        [
            (FieldName::DocumentCode, Some(l.document_code)),
            (FieldName::IssuingState, Some(l.issuing_state)),
            (FieldName::Name, Some(l.name)),
            (FieldName::Sex, Some(l.sex)),
            (FieldName::GivenNames, l.given_names),
            (FieldName::Nationality, l.nationality),
            (FieldName::OptionalData, l.optional_data),
        ]
        .into_iter()
        .filter_map(|(f, s)| s.filter(|&s| !covered(s)).map(|_| f))
        .collect()
    }
}

/// Field rules, then check digits, of a text with the format's shape and
/// the MRZ alphabet. Returns the length of a TD1/TD2 long number's
/// continuation in the optional data (0 when none).
///
/// One copy per format: with the layout a constant, field positions are
/// constants too (no bounds checks, unrolled loops, folded weights).
fn evaluate(rows: Rows<'_>, format: Format, out: &mut impl Sink) -> u8 {
    use super::layout::{FRENCH_ID, MRVA, MRVB, TD1, TD2, TD3};
    match format {
        Format::Td1 => evaluate_with(rows, &TD1, out),
        Format::Td2 => evaluate_with(rows, &TD2, out),
        Format::Td3 => evaluate_with(rows, &TD3, out),
        Format::MrvA => evaluate_with(rows, &MRVA, out),
        Format::MrvB => evaluate_with(rows, &MRVB, out),
        Format::FrenchId => evaluate_with(rows, &FRENCH_ID, out),
    }
}

#[inline(always)]
fn evaluate_with(rows: Rows<'_>, l: &'static Layout, out: &mut impl Sink) -> u8 {
    field_rules(rows, l, out);
    check_digits(rows, l, out)
}

#[inline(always)]
fn field_rules(rows: Rows<'_>, l: &Layout, out: &mut impl Sink) {
    let f = l.format;
    let code = rows.slice(l.document_code);
    let (c0, c1) = (code[0], code[1]);
    let second_ok = c1.is_ascii_uppercase() || c1 == b'<';
    let type_ok = match f {
        Format::Td3 => c0 == b'P' && second_ok,
        Format::MrvA | Format::MrvB => c0 == b'V' && second_ok,
        // Doc 9303-5/6 note k: A, C or I; V never second; AI forbidden.
        Format::Td1 | Format::Td2 => matches!(c0, b'A' | b'C' | b'I') && second_ok && c1 != b'V' && !(c0 == b'A' && c1 == b'I'),
        Format::FrenchId => code == b"ID",
    };
    out.push(Check::field(
        CheckName::DocumentType,
        FieldName::DocumentCode,
        Some(l.document_code),
        type_ok,
        if type_ok { "document code allowed for this format" } else { "document code not allowed for this format" },
    ));

    let country_ok = is_valid_code(rows.slice(l.issuing_state));
    out.push(Check::field(
        CheckName::Country,
        FieldName::IssuingState,
        Some(l.issuing_state),
        country_ok,
        if country_ok { "issuing state is an ICAO code" } else { "issuing state is not an ICAO Doc 9303-3 code" },
    ));
    if let Some(nat) = l.nationality {
        let ok = is_valid_code(rows.slice(nat));
        out.push(Check::field(
            CheckName::Nationality,
            FieldName::Nationality,
            Some(nat),
            ok,
            if ok { "nationality is an ICAO code" } else { "nationality is not an ICAO Doc 9303-3 code" },
        ));
    }

    let birth_ok = date_ok(rows.slice(l.birth_date), true);
    out.push(Check::field(
        CheckName::Date,
        FieldName::BirthDate,
        Some(l.birth_date),
        birth_ok,
        if birth_ok { "birth date is a calendar date (unknown parts as <<)" } else { "birth date is not a calendar date" },
    ));
    if let Some(exp) = l.expiry_date {
        let ok = date_ok(rows.slice(exp), false);
        out.push(Check::field(
            CheckName::Date,
            FieldName::ExpiryDate,
            Some(exp),
            ok,
            if ok { "expiry date is a calendar date" } else { "expiry date is not a complete calendar date" },
        ));
    }

    let sex_ok = matches!(rows.at(l.sex), b'M' | b'F' | b'X' | b'<');
    out.push(Check::field(
        CheckName::Sex,
        FieldName::Sex,
        Some(l.sex),
        sex_ok,
        if sex_ok { "sex is M, F, X or <" } else { "sex must be M, F, X or <" },
    ));

    let names_ok = if f == Format::FrenchId { french_name_ok(rows.slice(l.name), false) } else { name_ok(rows.slice(l.name)) };
    out.push(Check::field(
        CheckName::Name,
        FieldName::Name,
        Some(l.name),
        names_ok,
        if names_ok { "name follows the Doc 9303-3 4.6 rules" } else { "name breaks the Doc 9303-3 4.6 rules" },
    ));
    if let Some(g) = l.given_names {
        let ok = french_name_ok(rows.slice(g), true);
        out.push(Check::field(
            CheckName::Name,
            FieldName::GivenNames,
            Some(g),
            ok,
            if ok { "given names are letters and fillers" } else { "given names must be letters separated by fillers" },
        ));
    }

    let lead_ok = rows.at(l.document_number) != b'<';
    out.push(Check::field(
        CheckName::Filler,
        FieldName::DocumentNumber,
        Some(l.document_number),
        lead_ok,
        if lead_ok { "document number does not start with a filler" } else { "document number starts with a filler" },
    ));
}

/// A weighted sum as its check-digit character.
#[inline]
fn as_digit(sum: u32) -> u8 {
    b'0' + (sum % 10) as u8
}

#[inline]
#[allow(clippy::too_many_arguments)]
fn digit_check(out: &mut impl Sink, rows: Rows<'_>, name: CheckName, field: FieldName, span: Span, digit_at: Span, expected: u8, ok_override: Option<bool>) {
    let printed = rows.at(digit_at);
    let ok = ok_override.unwrap_or(printed == expected);
    out.push(Check {
        name,
        ok,
        field,
        span: Some(span),
        digit_at: Some(digit_at),
        printed: Some(printed),
        expected: Some(expected),
        detail: if ok { "check digit matches" } else { "check digit does not match the data" },
    });
}

#[inline(always)]
fn check_digits(rows: Rows<'_>, l: &Layout, out: &mut impl Sink) -> u8 {
    // Document number, with the TD1/TD2 long-number rule: the number's
    // check-digit cell holds `<` and the number continues in the optional
    // data, ended by its check digit (Doc 9303-5 §4.2.4 note j). The `<`
    // itself is not part of the checked data.
    let dn = l.document_number;
    let mut long_ext = 0u8;
    let long = match l.optional_data {
        Some(opt) if l.long_number && rows.at(l.document_number_cd) == b'<' => {
            let o = rows.slice(opt);
            let ext_len = o.iter().take_while(|&&c| c != b'<').count();
            (ext_len >= 1).then_some((opt, o, ext_len))
        }
        _ => None,
    };
    if let Some((opt, o, ext_len)) = long {
        // Weights continue from the 9 characters in the number field.
        let sum = weighted_sum_mrz(rows.slice(dn), 0) + weighted_sum_mrz(&o[..ext_len - 1], dn.len as usize);
        let digit_at = Span::new(opt.line, opt.start + ext_len as u8 - 1, 1);
        long_ext = ext_len as u8;
        digit_check(out, rows, CheckName::DocumentNumber, FieldName::DocumentNumber, dn, digit_at, as_digit(sum), None);
    } else {
        let expected = as_digit(weighted_sum_mrz(rows.slice(dn), 0));
        digit_check(out, rows, CheckName::DocumentNumber, FieldName::DocumentNumber, dn, l.document_number_cd, expected, None);
    }

    let expected = as_digit(weighted_sum_mrz(rows.slice(l.birth_date), 0));
    digit_check(out, rows, CheckName::BirthDate, FieldName::BirthDate, l.birth_date, l.birth_date_cd, expected, None);

    if let (Some(exp), Some(exp_cd)) = (l.expiry_date, l.expiry_date_cd) {
        let expected = as_digit(weighted_sum_mrz(rows.slice(exp), 0));
        digit_check(out, rows, CheckName::ExpiryDate, FieldName::ExpiryDate, exp, exp_cd, expected, None);
    }

    if let (Some(opt), Some(opt_cd)) = (l.optional_data, l.optional_data_cd) {
        let data = rows.slice(opt);
        let expected = as_digit(weighted_sum_mrz(data, 0));
        let printed = rows.at(opt_cd);
        // An empty personal number may carry `<` (or 0) as its check digit.
        let empty = data.iter().all(|&c| c == b'<');
        let ok = printed == expected || (empty && printed == b'<');
        digit_check(out, rows, CheckName::OptionalData, FieldName::OptionalData, opt, opt_cd, expected, Some(ok));
    }

    if let Some(comp) = l.composite_cd {
        // Weights continue across the ranges.
        let (mut sum, mut i) = (0u32, 0usize);
        for &s in l.composite_ranges {
            sum += weighted_sum_mrz(rows.slice(s), i % 3);
            i += s.len as usize;
        }
        let expected = as_digit(sum);
        digit_check(out, rows, CheckName::Composite, FieldName::Composite, l.composite_ranges[0], comp, expected, None);
    }
    long_ext
}

/// `lines` as a JSON array without collecting them first.
struct LinesSer<'a>(&'a Validation);

impl Serialize for LinesSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.lines())
    }
}

impl Serialize for Validation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Validation", 7)?;
        st.serialize_field("valid", &self.is_valid())?;
        st.serialize_field("format", &self.format)?;
        st.serialize_field("lines", &LinesSer(self))?;
        st.serialize_field("checks", self.checks())?;
        st.serialize_field("fields", &if self.parsed { Some(self.fields()) } else { None })?;
        st.serialize_field("blind_spots", &self.blind_spots())?;
        st.serialize_field("unchecked_fields", &self.unchecked_fields())?;
        st.end()
    }
}

/// Days in `month` (1–12); `year` `None` when unknown.
fn days_in_month(month: u32, yy: Option<u32>) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // YY 00 is 2000 (leap) or 1900 (not): accept the 29th.
        _ => match yy {
            Some(y) if y % 4 != 0 => 28,
            _ => 29,
        },
    }
}

/// A YYMMDD date. With `unknown_allowed`, any of YY, MM, DD may be `<<`
/// (Doc 9303-3 4.7: unknown parts of a birth date).
#[inline]
fn date_ok(d: &[u8], unknown_allowed: bool) -> bool {
    let &[y0, y1, m0, m1, d0, d1] = d else { return false };
    /// `Some(Some(v))` two digits, `Some(None)` an allowed `<<`, `None` invalid.
    #[inline]
    fn part(a: u8, b: u8, unknown_allowed: bool) -> Option<Option<u32>> {
        let (da, db) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
        if da < 10 && db < 10 {
            Some(Some(da as u32 * 10 + db as u32))
        } else if unknown_allowed && a == b'<' && b == b'<' {
            Some(None)
        } else {
            None
        }
    }
    let (Some(yy), Some(mm), Some(dd)) = (part(y0, y1, unknown_allowed), part(m0, m1, unknown_allowed), part(d0, d1, unknown_allowed))
    else {
        return false;
    };
    let month_ok = mm.is_none_or(|m| (1..=12).contains(&m));
    let day_ok = dd.is_none_or(|day| day >= 1 && day <= mm.map_or(31, |m| days_in_month(m, yy)));
    month_ok && day_ok
}

/// The trimmed name content: without trailing fillers.
fn trim_fillers(f: &[u8]) -> &[u8] {
    let end = f.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
    &f[..end]
}

/// Bit masks of a name field of at most 64 characters already in the MRZ
/// alphabet: bit `i` of `.0` is set when character `i` is a filler, of `.1`
/// when it is a letter (in the alphabet, exactly the bytes with bit 6 set),
/// and `.2` has a bit for every character. Eight characters at a time.
#[inline]
fn name_masks(field: &[u8]) -> (u64, u64, u64) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Gathers the low bit of each byte into one byte (bit i = byte i).
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let (mut fillers, mut letters) = (0u64, 0u64);
    for (k, chunk) in field.chunks(8).enumerate().take(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // Exact per-byte test for `<`: a byte of `t` is zero iff it was `<`.
        let t = w ^ (LO * b'<' as u64);
        let zero = !(((t & LOW7) + LOW7) | t | LOW7) >> 7;
        let letter = (w >> 6) & LO;
        fillers |= (zero.wrapping_mul(GATHER) >> 56) << (8 * k);
        letters |= (letter.wrapping_mul(GATHER) >> 56) << (8 * k);
    }
    let all = if field.len() >= 64 { u64::MAX } else { (1u64 << field.len()) - 1 };
    (fillers & all, letters & all, all)
}

/// The fillers of a name field that lie before its last letter (trailing
/// fillers are padding).
#[inline]
fn inner_fillers(fillers: u64, letters: u64) -> u64 {
    if letters == 0 {
        return 0;
    }
    let last = 63 - letters.leading_zeros();
    fillers & (u64::MAX >> (63 - last))
}

/// Doc 9303-3 4.6: primary identifier first (a single name is a primary
/// identifier), components separated by one filler, primary and secondary
/// separated by exactly one `<<`, letters only. `field` is in the MRZ
/// alphabet (the charset check runs first).
#[inline]
fn name_ok(field: &[u8]) -> bool {
    let (fillers, letters, all) = name_masks(field);
    let inner = inner_fillers(fillers, letters);
    // Digits; an empty name or primary identifier (leading filler); a run
    // of three fillers or more.
    let bad = (fillers | letters) != all || letters & 1 == 0 || inner & (inner >> 1) & (inner >> 2) != 0;
    // Letters right after two fillers: with no longer runs, each is a `<<`.
    let separators = (letters & (inner << 1) & (inner << 2)).count_ones();
    !bad && separators <= 1
}

/// French identity card names: letters, components separated by fillers
/// (given names by `<<`); the field starts with a letter. An empty
/// given-names field is allowed (someone without a given name). `field` is
/// in the MRZ alphabet.
#[inline]
fn french_name_ok(field: &[u8], given: bool) -> bool {
    let (fillers, letters, all) = name_masks(field);
    if (fillers | letters) != all {
        return false;
    }
    if letters == 0 {
        return given;
    }
    let inner = inner_fillers(fillers, letters);
    let too_long = if given { inner & (inner >> 1) & (inner >> 2) } else { inner & (inner >> 1) };
    letters & 1 != 0 && too_long == 0
}

/// Field values of a parsed MRZ, fillers turned into spaces where they
/// separate words and trimmed where they pad.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fields {
    pub document_code: String,
    pub issuing_state: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
    /// Whether the name fills its field to the last column, so that it may have
    /// been truncated (Doc 9303-3 4.6.5).
    pub name_truncated: bool,
    /// The full document number (long numbers joined, fillers trimmed).
    pub document_number: String,
    pub nationality: Option<String>,
    /// YYMMDD as printed (`<` for unknown parts).
    pub birth_date: String,
    pub sex: String,
    pub expiry_date: Option<String>,
    /// Optional data (TD3: personal number), without a long number's extension.
    pub optional_data: Option<String>,
    /// TD1 line 2 optional data.
    pub optional_data_2: Option<String>,
}

fn words(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(trim_fillers(b)).into_owned();
    s.replace('<', " ")
}

fn trimmed(b: &[u8]) -> String {
    String::from_utf8_lossy(trim_fillers(b)).into_owned()
}

impl Fields {
    fn from_validation(v: &Validation) -> Fields {
        if !v.parsed {
            return Fields::default();
        }
        let l = Layout::of(v.format);
        let name = v.slice(l.name);
        let (primary, secondary) = if let Some(g) = l.given_names {
            (words(name), String::from_utf8_lossy(trim_fillers(v.slice(g))).replace("<<", " ").replace('<', " "))
        } else {
            let c = trim_fillers(name);
            match c.windows(2).position(|w| w == b"<<") {
                Some(p) => (words(&c[..p]), words(&c[p + 2..])),
                None => (words(c), String::new()),
            }
        };
        let name_truncated = *name.last().unwrap_or(&b'<') != b'<';
        let mut document_number = trimmed(v.slice(l.document_number));
        let mut optional_data = l.optional_data.map(|o| trimmed(v.slice(o)));
        if v.long_number_ext > 0 {
            if let Some(o) = l.optional_data {
                let o = v.slice(o);
                let ext = v.long_number_ext as usize;
                document_number = format!("{}{}", String::from_utf8_lossy(v.slice(l.document_number)), String::from_utf8_lossy(&o[..ext - 1]));
                optional_data = Some(trimmed(o.get(ext + 1..).unwrap_or(&[])));
            }
        }
        let code = v.slice(l.document_code);
        Fields {
            document_code: trimmed(code),
            issuing_state: trimmed(v.slice(l.issuing_state)),
            primary_identifier: primary,
            secondary_identifier: secondary,
            name_truncated,
            document_number,
            nationality: l.nationality.map(|n| trimmed(v.slice(n))),
            birth_date: String::from_utf8_lossy(v.slice(l.birth_date)).into_owned(),
            sex: (v.at(l.sex) as char).to_string(),
            expiry_date: l.expiry_date.map(|e| String::from_utf8_lossy(v.slice(e)).into_owned()),
            optional_data,
            optional_data_2: l.optional_data_2.map(|o| trimmed(v.slice(o))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn icao_td3_specimen_is_valid() {
        let v = validate(TD3, None).unwrap();
        assert_eq!(v.format(), Format::Td3);
        assert!(v.is_valid(), "{v:?}");
        let f = v.fields();
        assert_eq!(f.primary_identifier, "ERIKSSON");
        assert_eq!(f.secondary_identifier, "ANNA MARIA");
        assert_eq!(f.document_number, "L898902C3");
        assert_eq!(f.optional_data.as_deref(), Some("ZE184226B"));
    }

    #[test]
    fn failing_check_digit_names_expected_and_printed() {
        let v = validate(&TD3.replace("7408122", "7408123"), None).unwrap();
        let c = v.check(CheckName::BirthDate).unwrap();
        assert!(!c.ok);
        assert_eq!(c.printed, Some(b'3'));
        assert_eq!(c.expected, Some(b'2'));
        assert_eq!(c.digit_at, Some(Span::new(1, 19, 1)));
        let failed: Vec<_> = v.failed().map(|c| c.name).collect();
        assert_eq!(failed, [CheckName::BirthDate, CheckName::Composite]);
    }

    #[test]
    fn dates() {
        assert!(date_ok(b"740812", false));
        assert!(!date_ok(b"741312", false));
        assert!(!date_ok(b"740000", true));
        assert!(date_ok(b"74<<<<", true));
        assert!(!date_ok(b"74<<<<", false));
        assert!(date_ok(b"000229", false));
        assert!(!date_ok(b"010229", false));
        assert!(!date_ok(b"300150", false));
    }

    #[test]
    fn names() {
        assert!(name_ok(b"ERIKSSON<<ANNA<MARIA<<<<"));
        assert!(name_ok(b"ARKFREITH<<<<<"));
        assert!(!name_ok(b"<<ANNA<<<"));
        assert!(!name_ok(b"AA<<BB<<CC<<<"));
        assert!(!name_ok(b"ERIKSSON<<<ANNA<<"));
        assert!(!name_ok(b"<<<<<<<<"));
        assert!(!name_ok(b"5M1TH<<J0HN<<"));
        assert!(!name_ok(b""));
        assert!(name_ok(b"A"));
        assert!(name_ok(b"PAPANDROPOULOUS<<JONATHON<WARREN<TREVOR"));
        assert!(name_ok(b"NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K"));
        assert!(!name_ok(b"NILAVADHANANANDA<<CHAYAPA<<DEJTHAMRONGK"));
        assert!(french_name_ok(b"MALO<<ALAIN<<J", true));
        assert!(french_name_ok(b"<<<<<<<<<<<<<<", true));
        assert!(!french_name_ok(b"<<<<<<<<<<<<<<<<<<<<<<<<<", false));
        assert!(!french_name_ok(b"MALO<<<ALAIN<<", true));
        assert!(!french_name_ok(b"DE<<GAULLE<<<<<<<<<<<<<<<", false));
        assert!(french_name_ok(b"DE<GAULLE<<<<<<<<<<<<<<<<", false));
    }

    /// The bit-mask name rules agree with a plain reading of Doc 9303-3 4.6
    /// on every field over a small alphabet.
    #[test]
    fn name_rules_agree_with_reference() {
        fn reference(field: &[u8], max_run: usize, max_separators: usize, empty_ok: bool) -> bool {
            let c = trim_fillers(field);
            if c.is_empty() {
                return empty_ok;
            }
            if c[0] == b'<' || !c.iter().all(|&b| b.is_ascii_uppercase() || b == b'<') {
                return false;
            }
            let runs: Vec<usize> = c.split(|&b| b != b'<').map(<[u8]>::len).filter(|&n| n > 0).collect();
            runs.iter().all(|&n| n <= max_run) && runs.iter().filter(|&&n| n == 2).count() <= max_separators
        }
        let alphabet = [b'A', b'<', b'1'];
        for len in 0..=9usize {
            for code in 0..3usize.pow(len as u32) {
                let field: Vec<u8> = (0..len).map(|i| alphabet[code / 3usize.pow(i as u32) % 3]).collect();
                assert_eq!(name_ok(&field), reference(&field, 2, 1, false), "{:?}", std::str::from_utf8(&field));
                assert_eq!(french_name_ok(&field, false), reference(&field, 1, 0, false), "{:?}", std::str::from_utf8(&field));
                assert_eq!(french_name_ok(&field, true), reference(&field, 2, usize::MAX, true), "{:?}", std::str::from_utf8(&field));
            }
        }
    }

    #[test]
    fn blind_spots_include_filler_k() {
        let v = validate(TD3, None).unwrap();
        let spots = v.blind_spots();
        assert!(spots.iter().any(|b| b.printed == b'<' && b.confusable == b'K' && b.field == FieldName::OptionalData));
    }

    /// Every format's list of checks fits the fixed array (the longest is TD3's).
    #[test]
    fn check_lists_fit() {
        for f in Format::ALL {
            let lines = crate::mrz::MrzBuilder::new(f)
                .issuing_state(if f == Format::FrenchId { "FRA" } else { "UTO" })
                .names("A", "B")
                .document_number("1")
                .nationality("UTO")
                .birth_date("000101")
                .expiry_date("000101")
                .build()
                .unwrap();
            let v = validate_lines(&lines, Some(f)).unwrap();
            assert!(v.is_valid(), "{f}: {v:?}");
            assert!(v.checks().len() <= MAX_CHECKS);
            assert_eq!(v.checks().len(), if f == Format::Td3 { 15 } else { v.checks().len() });
        }
    }

    #[test]
    fn charset_failure_points_at_the_first_bad_character() {
        let v = validate(&TD3.replacen("ANNA", "ANnA", 1), None).unwrap();
        let c = v.check(CheckName::Charset).unwrap();
        assert!(!c.ok);
        assert_eq!(c.span, Some(Span::new(0, 17, 1)));
        assert!(validate(TD3, None).unwrap().check(CheckName::Charset).unwrap().span.is_none());
    }

    #[test]
    fn french_card_composite_covers_every_field() {
        let v = validate("IDFRAMEYER<<<<<<<<<<<<<<<<<<<<675034|1305675007505MALO<<ALAIN<<J1212031M1", None).unwrap();
        assert_eq!(v.format(), Format::FrenchId);
        assert!(v.is_valid());
        assert_eq!(v.unchecked_fields(), []);
        let td3 = validate(TD3, None).unwrap();
        assert_eq!(td3.unchecked_fields(), [FieldName::DocumentCode, FieldName::IssuingState, FieldName::Name, FieldName::Sex, FieldName::Nationality]);
    }

    #[test]
    fn blind_spots_are_exact_for_long_numbers() {
        // TD1 with a long number: the continuation's check digit and the
        // filler after it are not blind (changing them breaks the number).
        let lines = crate::mrz::MrzBuilder::new(Format::Td1)
            .document_code("ID")
            .issuing_state("UTO")
            .names("SPECIMEN", "JANE")
            .document_number("1234567890")
            .nationality("UTO")
            .birth_date("860101")
            .sex('M')
            .expiry_date("300101")
            .build()
            .unwrap();
        assert_eq!(lines[0], "IDUTO123456789<07<<<<<<<<<<<<<");
        let v = validate_lines(&lines, None).unwrap();
        assert!(v.is_valid(), "{v:?}");
        let spots = v.blind_spots();
        assert!(spots.iter().any(|s| (s.line, s.col, s.field) == (0, 15, FieldName::DocumentNumber)), "{spots:?}");
        assert!(!spots.iter().any(|s| s.line == 0 && (s.col == 16 || s.col == 17)), "{spots:?}");
        assert!(spots.iter().any(|s| (s.line, s.col, s.printed, s.confusable) == (0, 18, b'<', b'K')));
    }

    #[test]
    fn slice_outside_the_text_is_empty() {
        let v = validate(TD3, None).unwrap();
        assert_eq!(v.slice(Span::new(0, 0, 2)), b"P<");
        assert_eq!(v.slice(Span::new(2, 0, 2)), b"");
        assert_eq!(v.slice(Span::new(1, 250, 10)), b"");
    }

    #[test]
    fn errors_for_text_that_is_no_mrz() {
        assert_eq!(validate("", None).unwrap_err(), MrzError::Empty);
        assert!(matches!(validate("A|B|C|D", None), Err(MrzError::LineCount(4))));
        let long = "A".repeat(10_000);
        assert!(matches!(validate(&long, None), Err(MrzError::LineTooLong { .. })));
    }
}
