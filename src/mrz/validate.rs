//! Validation of MRZ text: every check digit and every field rule, reported
//! check by check. Nothing stops at the first failure, except that text of the
//! wrong shape (line count, line length) or with characters outside the MRZ
//! alphabet cannot be split into fields and is reported as such.
//!
//! The hot path does not allocate: [`Validation`] holds the text and the
//! results in fixed arrays; field strings and JSON are built on request.

use super::check::{blind_partner, check_digit, check_digit_parts};
use super::codes::is_valid_code;
use super::layout::{Layout, Span};
use super::{Format, MAX_LINE_CHARS, MrzError, split_lines};
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
    fn field(name: CheckName, field: FieldName, span: Option<Span>, ok: bool, detail: &'static str) -> Self {
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
const MAX_CHECKS: usize = 20;
const TEXT_CAP: usize = MAX_LINES * MAX_LINE_CHARS * 4;

/// The result of validating one MRZ: the text, the format it was checked as,
/// and every check with its outcome.
#[derive(Clone)]
pub struct Validation {
    format: Format,
    text: [u8; TEXT_CAP],
    line_ends: [u16; MAX_LINES],
    line_count: u8,
    checks: [Check; MAX_CHECKS],
    check_count: u8,
    /// Set when the text has the format's shape and alphabet, so fields exist.
    parsed: bool,
    /// TD1/TD2 long document number: extension length inside the optional data.
    long_number_ext: u8,
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

/// Validates MRZ text (lines separated by newlines or `|`). With `format`
/// `None` the format is detected from the line count, the line lengths and the
/// document code; otherwise the text is checked as that format (a visa checked
/// as a passport fails `document_type`). Checking as [`Format::Td2`] accepts
/// the French identity card's layout, which shares the 2×36 shape.
pub fn validate(text: &str, format: Option<Format>) -> Result<Validation, MrzError> {
    let mut lines: [&str; MAX_LINES] = [""; MAX_LINES];
    let mut n = 0usize;
    for l in split_lines(text) {
        if n == MAX_LINES {
            return Err(MrzError::LineCount(split_lines(text).count()));
        }
        lines[n] = l;
        n += 1;
    }
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
    let mut v = Validation {
        format: Format::Td3,
        text: [0; TEXT_CAP],
        line_ends: [0; MAX_LINES],
        line_count: lines.len() as u8,
        checks: [Check::field(CheckName::Length, FieldName::Lines, None, true, ""); MAX_CHECKS],
        check_count: 0,
        parsed: false,
        long_number_ext: 0,
    };
    let mut end = 0usize;
    for (i, l) in lines.iter().enumerate() {
        let l = l.as_ref();
        let chars = if l.is_ascii() { l.len() } else { l.chars().count() };
        if chars > MAX_LINE_CHARS || l.len() > MAX_LINE_CHARS * 4 {
            return Err(MrzError::LineTooLong { line: i + 1, chars });
        }
        v.text[end..end + l.len()].copy_from_slice(l.as_bytes());
        end += l.len();
        v.line_ends[i] = end as u16;
    }
    v.format = format.map(|f| refine_requested(f, &v)).unwrap_or_else(|| detect(&v));
    v.run();
    Ok(v)
}

/// The format a text of this shape most likely is.
fn detect(v: &Validation) -> Format {
    let first = v.line_bytes(0);
    let longest = (0..v.line_count as usize).map(|i| char_len(v.line_str(i))).max().unwrap_or(0);
    if v.line_count == 3 {
        return Format::Td1;
    }
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

fn char_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().count() }
}

#[inline]
fn is_mrz_char(c: u8) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'<'
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
        &self.checks[..self.check_count as usize]
    }

    /// The failed checks.
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks().iter().filter(|c| !c.ok)
    }

    /// The check named `name` about `field`, if it was run.
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
        let start = if i == 0 { 0 } else { self.line_ends[i - 1] as usize };
        &self.text[start..self.line_ends[i] as usize]
    }

    fn line_str(&self, i: usize) -> &str {
        // Built from &str slices, cut at their boundaries.
        std::str::from_utf8(self.line_bytes(i)).unwrap_or("")
    }

    /// The characters of `span` (only meaningful when parsed: ASCII, right shape).
    pub fn slice(&self, span: Span) -> &[u8] {
        &self.line_bytes(span.line as usize)[span.start as usize..span.end() as usize]
    }

    fn at(&self, span: Span) -> u8 {
        self.line_bytes(span.line as usize)[span.start as usize]
    }

    fn push(&mut self, c: Check) {
        // MAX_CHECKS bounds the fixed list of checks below; exceeding it is a
        // programming error caught by the tests, never input-dependent.
        self.checks[self.check_count as usize] = c;
        self.check_count += 1;
    }

    fn run(&mut self) {
        let f = self.format;
        let shape_ok = self.line_count as usize == f.line_count()
            && (0..self.line_count as usize).all(|i| char_len(self.line_str(i)) == f.line_len());
        self.push(Check::field(
            CheckName::Length,
            FieldName::Lines,
            None,
            shape_ok,
            if shape_ok { "line count and lengths match the format" } else { "line count or line length does not match the format" },
        ));
        if !shape_ok {
            return;
        }
        let charset_ok = self.text[..self.line_ends[self.line_count as usize - 1] as usize].iter().all(|&c| is_mrz_char(c));
        self.push(Check::field(
            CheckName::Charset,
            FieldName::Lines,
            None,
            charset_ok,
            if charset_ok { "only 0-9, A-Z and <" } else { "characters outside 0-9, A-Z and <" },
        ));
        if !charset_ok {
            return;
        }
        self.parsed = true;
        let l = Layout::of(f);
        self.field_rules(l);
        self.check_digits(l);
    }

    fn field_rules(&mut self, l: &Layout) {
        let f = self.format;
        // Document code.
        let code = self.slice(l.document_code);
        let (c0, c1) = (code[0], code[1]);
        let second_ok = c1.is_ascii_uppercase() || c1 == b'<';
        let type_ok = match f {
            Format::Td3 => c0 == b'P' && second_ok,
            Format::MrvA | Format::MrvB => c0 == b'V' && second_ok,
            Format::Td1 | Format::Td2 => {
                matches!(c0, b'A' | b'C' | b'I') && second_ok && c1 != b'V' && !(c0 == b'A' && c1 == b'I')
            }
            Format::FrenchId => code == b"ID",
        };
        self.push(Check::field(
            CheckName::DocumentType,
            FieldName::DocumentCode,
            Some(l.document_code),
            type_ok,
            if type_ok { "document code allowed for this format" } else { "document code not allowed for this format" },
        ));

        let country_ok = is_valid_code(self.slice(l.issuing_state));
        self.push(Check::field(
            CheckName::Country,
            FieldName::IssuingState,
            Some(l.issuing_state),
            country_ok,
            if country_ok { "issuing state is an ICAO code" } else { "issuing state is not an ICAO Doc 9303-3 code" },
        ));
        if let Some(nat) = l.nationality {
            let ok = is_valid_code(self.slice(nat));
            self.push(Check::field(
                CheckName::Nationality,
                FieldName::Nationality,
                Some(nat),
                ok,
                if ok { "nationality is an ICAO code" } else { "nationality is not an ICAO Doc 9303-3 code" },
            ));
        }

        let birth_ok = date_ok(self.slice(l.birth_date), true);
        self.push(Check::field(
            CheckName::Date,
            FieldName::BirthDate,
            Some(l.birth_date),
            birth_ok,
            if birth_ok { "birth date is a calendar date (unknown parts as <<)" } else { "birth date is not a calendar date" },
        ));
        if let Some(exp) = l.expiry_date {
            let ok = date_ok(self.slice(exp), false);
            self.push(Check::field(
                CheckName::Date,
                FieldName::ExpiryDate,
                Some(exp),
                ok,
                if ok { "expiry date is a calendar date" } else { "expiry date is not a complete calendar date" },
            ));
        }

        let sex = self.at(l.sex);
        let sex_ok = matches!(sex, b'M' | b'F' | b'X' | b'<');
        self.push(Check::field(
            CheckName::Sex,
            FieldName::Sex,
            Some(l.sex),
            sex_ok,
            if sex_ok { "sex is M, F, X or <" } else { "sex must be M, F, X or <" },
        ));

        let name_ok = if f == Format::FrenchId {
            french_name_ok(self.slice(l.name), false)
        } else {
            name_ok(self.slice(l.name))
        };
        self.push(Check::field(
            CheckName::Name,
            FieldName::Name,
            Some(l.name),
            name_ok,
            if name_ok { "name follows the Doc 9303-3 4.6 rules" } else { "name breaks the Doc 9303-3 4.6 rules" },
        ));
        if let Some(g) = l.given_names {
            let ok = french_name_ok(self.slice(g), true);
            self.push(Check::field(
                CheckName::Name,
                FieldName::GivenNames,
                Some(g),
                ok,
                if ok { "given names are letters and fillers" } else { "given names must be letters separated by fillers" },
            ));
        }

        let lead_ok = self.at(l.document_number) != b'<';
        self.push(Check::field(
            CheckName::Filler,
            FieldName::DocumentNumber,
            Some(l.document_number),
            lead_ok,
            if lead_ok { "document number does not start with a filler" } else { "document number starts with a filler" },
        ));
    }

    fn digit_check(&mut self, name: CheckName, field: FieldName, span: Span, digit_at: Span, expected: u8, ok_override: Option<bool>) {
        let printed = self.at(digit_at);
        let ok = ok_override.unwrap_or(printed == expected);
        self.push(Check {
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

    fn check_digits(&mut self, l: &Layout) {
        // Charset was verified, so every check digit computes.
        let cd = |data: &[u8]| check_digit(data).map_or(b'?', |d| b'0' + d);

        // Document number, with the TD1/TD2 long-number rule: the number's
        // check-digit cell holds `<` and the number continues in the optional
        // data, ended by its check digit (Doc 9303-5 §4.2.4 note j). The `<`
        // itself is not part of the checked data.
        let dn = l.document_number;
        let dn_cd = l.document_number_cd;
        let opt = l.optional_data;
        let mut handled = false;
        if l.long_number && self.at(dn_cd) == b'<' {
            if let Some(opt) = opt {
                let o = self.slice(opt);
                let ext_len = o.iter().take_while(|&&c| c != b'<').count();
                if ext_len >= 1 {
                    let mut data = [0u8; 32];
                    let base = self.slice(dn);
                    data[..base.len()].copy_from_slice(base);
                    data[base.len()..base.len() + ext_len - 1].copy_from_slice(&o[..ext_len - 1]);
                    let expected = cd(&data[..base.len() + ext_len - 1]);
                    let digit_at = Span::new(opt.line, opt.start + ext_len as u8 - 1, 1);
                    self.long_number_ext = ext_len as u8;
                    self.digit_check(CheckName::DocumentNumber, FieldName::DocumentNumber, dn, digit_at, expected, None);
                    handled = true;
                }
            }
        }
        if !handled {
            let expected = cd(self.slice(dn));
            self.digit_check(CheckName::DocumentNumber, FieldName::DocumentNumber, dn, dn_cd, expected, None);
        }

        let expected = cd(self.slice(l.birth_date));
        self.digit_check(CheckName::BirthDate, FieldName::BirthDate, l.birth_date, l.birth_date_cd, expected, None);

        if let (Some(exp), Some(exp_cd)) = (l.expiry_date, l.expiry_date_cd) {
            let expected = cd(self.slice(exp));
            self.digit_check(CheckName::ExpiryDate, FieldName::ExpiryDate, exp, exp_cd, expected, None);
        }

        if let (Some(opt), Some(opt_cd)) = (l.optional_data, l.optional_data_cd) {
            let data = self.slice(opt);
            let expected = cd(data);
            let printed = self.at(opt_cd);
            // An empty personal number may carry `<` (or 0) as its check digit.
            let empty = data.iter().all(|&c| c == b'<');
            let ok = printed == expected || (empty && printed == b'<');
            self.digit_check(CheckName::OptionalData, FieldName::OptionalData, opt, opt_cd, expected, Some(ok));
        }

        if let Some(comp) = l.composite_cd {
            let expected = check_digit_parts(l.composite_ranges.iter().map(|&s| self.slice(s))).map_or(b'?', |d| b'0' + d);
            self.digit_check(CheckName::Composite, FieldName::Composite, l.composite_ranges[0], comp, expected, None);
        }
    }

    /// Field values, or `None` when the text could not be split into fields.
    pub fn fields(&self) -> Fields {
        Fields::from_validation(self)
    }

    /// Positions covered by a check digit where a common OCR confusion (such
    /// as `<`↔`K`) would not change any check digit. A reader must be
    /// confident at these positions on its own.
    pub fn blind_spots(&self) -> Vec<BlindSpot> {
        let mut out = Vec::new();
        if !self.parsed {
            return out;
        }
        let l = Layout::of(self.format);
        let add = |span: Span, field: FieldName, allow: fn(u8) -> bool, out: &mut Vec<BlindSpot>| {
            for (i, &c) in self.slice(span).iter().enumerate() {
                if let Some(p) = blind_partner(c) {
                    if allow(p) {
                        out.push(BlindSpot { line: span.line, col: span.start + i as u8, printed: c, confusable: p, field });
                    }
                }
            }
        };
        add(l.document_number, FieldName::DocumentNumber, |_| true, &mut out);
        add(l.birth_date, FieldName::BirthDate, |c| c.is_ascii_digit() || c == b'<', &mut out);
        if let Some(e) = l.expiry_date {
            add(e, FieldName::ExpiryDate, |c| c.is_ascii_digit(), &mut out);
        }
        // Optional data is protected only by its own or the composite check digit.
        if l.optional_data_cd.is_some() || l.composite_cd.is_some() {
            if let Some(o) = l.optional_data {
                add(o, FieldName::OptionalData, |_| true, &mut out);
            }
            if let Some(o) = l.optional_data_2 {
                add(o, FieldName::OptionalData2, |_| true, &mut out);
            }
        }
        out
    }

    /// Fields no check digit covers: any OCR error there goes unnoticed by the
    /// check digits (names, codes, sex, and on visas the optional data).
    pub fn unchecked_fields(&self) -> Vec<FieldName> {
        let l = Layout::of(self.format);
        let mut v = vec![FieldName::DocumentCode, FieldName::IssuingState, FieldName::Name, FieldName::Sex];
        if l.given_names.is_some() {
            v.push(FieldName::GivenNames);
        }
        if l.nationality.is_some() {
            v.push(FieldName::Nationality);
        }
        if l.optional_data.is_some() && l.optional_data_cd.is_none() && l.composite_cd.is_none() {
            v.push(FieldName::OptionalData);
        }
        if self.format == Format::FrenchId {
            v.retain(|f| *f != FieldName::IssuingState && *f != FieldName::Name);
        }
        v
    }
}

impl Serialize for Validation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Validation", 7)?;
        st.serialize_field("valid", &self.is_valid())?;
        st.serialize_field("format", &self.format)?;
        st.serialize_field("lines", &self.lines().collect::<Vec<_>>())?;
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
fn date_ok(d: &[u8], unknown_allowed: bool) -> bool {
    fn part(p: &[u8], unknown_allowed: bool) -> Result<Option<u32>, ()> {
        match p {
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Ok(Some(((a - b'0') * 10 + (b - b'0')) as u32)),
            [b'<', b'<'] if unknown_allowed => Ok(None),
            _ => Err(()),
        }
    }
    let (Ok(yy), Ok(mm), Ok(dd)) = (part(&d[0..2], unknown_allowed), part(&d[2..4], unknown_allowed), part(&d[4..6], unknown_allowed))
    else {
        return false;
    };
    if let Some(m) = mm {
        if !(1..=12).contains(&m) {
            return false;
        }
    }
    if let Some(day) = dd {
        let max = mm.map_or(31, |m| days_in_month(m, yy));
        if !(1..=max).contains(&day) {
            return false;
        }
    }
    true
}

/// The trimmed name content: without trailing fillers.
fn trim_fillers(f: &[u8]) -> &[u8] {
    let end = f.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
    &f[..end]
}

/// Doc 9303-3 4.6: primary identifier first (a single name is a primary
/// identifier), components separated by one filler, primary and secondary
/// separated by exactly one `<<`, letters only.
fn name_ok(field: &[u8]) -> bool {
    let c = trim_fillers(field);
    if c.is_empty() || c[0] == b'<' || !c.iter().all(|&b| b.is_ascii_uppercase() || b == b'<') {
        return false;
    }
    let mut separators = 0;
    let mut run = 0;
    for &b in c {
        if b == b'<' {
            run += 1;
        } else {
            match run {
                0 | 1 => {}
                2 => separators += 1,
                _ => return false,
            }
            run = 0;
        }
    }
    separators <= 1
}

/// French identity card names: letters, components separated by fillers
/// (given names by `<<`); the field starts with a letter.
fn french_name_ok(field: &[u8], given: bool) -> bool {
    let c = trim_fillers(field);
    if c.is_empty() || c[0] == b'<' || !c.iter().all(|&b| b.is_ascii_uppercase() || b == b'<') {
        return false;
    }
    let max_run = if given { 2 } else { 1 };
    let mut run = 0;
    for &b in c {
        run = if b == b'<' { run + 1 } else { 0 };
        if run > max_run {
            return false;
        }
    }
    true
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
    }

    #[test]
    fn blind_spots_include_filler_k() {
        let v = validate(TD3, None).unwrap();
        let spots = v.blind_spots();
        assert!(spots.iter().any(|b| b.printed == b'<' && b.confusable == b'K' && b.field == FieldName::OptionalData));
    }

    #[test]
    fn errors_for_text_that_is_no_mrz() {
        assert_eq!(validate("", None).unwrap_err(), MrzError::Empty);
        assert!(matches!(validate("A|B|C|D", None), Err(MrzError::LineCount(4))));
        let long = "A".repeat(10_000);
        assert!(matches!(validate(&long, None), Err(MrzError::LineTooLong { .. })));
    }
}
