//! Generator: builds valid MRZ lines for every format from field values
//! (tests, synthetic documents, and integrators who print MRZs).

use super::check::{check_digit, check_digit_parts};
use super::layout::{Layout, Span};
use super::{Format, MrzError};

/// Field values for [`build`]. Strings are given in plain form ("VAN DER
/// MUELLEN", "ANNA MARIA", "L898902C3", "UTO", "D"); the builder converts
/// spaces and hyphens to fillers, drops apostrophes, pads, truncates names per
/// Doc 9303-3 4.6 and computes every check digit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MrzBuilder {
    pub format: Format,
    /// One or two characters: `P`, `PO`, `I`, `ID`, `AC`, `V`, `VC`…
    pub document_code: String,
    pub issuing_state: String,
    pub primary_identifier: String,
    pub secondary_identifier: String,
    pub document_number: String,
    pub nationality: String,
    /// YYMMDD; `<` for unknown parts.
    pub birth_date: String,
    /// `M`, `F`, `X` or `<`.
    pub sex: char,
    /// YYMMDD.
    pub expiry_date: String,
    /// TD1 line 1 / TD2 / MRV optional data, TD3 personal number, French card
    /// administrative code.
    pub optional_data: String,
    /// TD1 line 2 optional data.
    pub optional_data_2: String,
}

impl MrzBuilder {
    /// A builder with empty fields and the usual document code of `format`.
    pub fn new(format: Format) -> Self {
        let code = match format {
            Format::Td3 => "P",
            Format::Td1 | Format::Td2 => "I",
            Format::MrvA | Format::MrvB => "V",
            Format::FrenchId => "ID",
        };
        MrzBuilder {
            format,
            document_code: code.into(),
            issuing_state: String::new(),
            primary_identifier: String::new(),
            secondary_identifier: String::new(),
            document_number: String::new(),
            nationality: String::new(),
            birth_date: String::new(),
            sex: '<',
            expiry_date: String::new(),
            optional_data: String::new(),
            optional_data_2: String::new(),
        }
    }

    pub fn document_code(mut self, v: &str) -> Self {
        self.document_code = v.into();
        self
    }
    pub fn issuing_state(mut self, v: &str) -> Self {
        self.issuing_state = v.into();
        self
    }
    /// Primary identifier (surnames) and secondary identifier (given names).
    pub fn names(mut self, primary: &str, secondary: &str) -> Self {
        self.primary_identifier = primary.into();
        self.secondary_identifier = secondary.into();
        self
    }
    pub fn document_number(mut self, v: &str) -> Self {
        self.document_number = v.into();
        self
    }
    pub fn nationality(mut self, v: &str) -> Self {
        self.nationality = v.into();
        self
    }
    pub fn birth_date(mut self, v: &str) -> Self {
        self.birth_date = v.into();
        self
    }
    pub fn sex(mut self, v: char) -> Self {
        self.sex = v;
        self
    }
    pub fn expiry_date(mut self, v: &str) -> Self {
        self.expiry_date = v.into();
        self
    }
    pub fn optional_data(mut self, v: &str) -> Self {
        self.optional_data = v.into();
        self
    }
    pub fn optional_data_2(mut self, v: &str) -> Self {
        self.optional_data_2 = v.into();
        self
    }

    /// Builds the lines. See [`build`].
    pub fn build(&self) -> Result<Vec<String>, MrzError> {
        build(self)
    }
}

fn bad(msg: impl Into<String>) -> MrzError {
    MrzError::InvalidField(msg.into())
}

/// How [`to_mrz`] treats a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Names and codes: letters only; a run of separators is one filler.
    Letters,
    /// Numbers and optional data: letters and digits; every separator is
    /// kept (`12<<34` in a personal number means what it says).
    Free,
}

/// Upper-cases and converts to MRZ characters: letters (and digits for
/// [`Kind::Free`]) kept, spaces and hyphens become fillers, apostrophes and
/// dots vanish. Anything else (an un-transliterated letter such as `Ñ`) is an
/// error: transliterate first (Doc 9303-3 section 6). Trailing fillers are
/// padding and dropped; for names leading ones too.
fn to_mrz(what: &str, s: &str, kind: Kind) -> Result<Vec<u8>, MrzError> {
    let mut out = Vec::with_capacity(s.len());
    for ch in s.trim().chars() {
        let c = ch.to_ascii_uppercase();
        match c {
            'A'..='Z' => out.push(c as u8),
            '0'..='9' if kind == Kind::Free => out.push(c as u8),
            '<' | ' ' | '-' => {
                let collapse = kind == Kind::Letters && (out.is_empty() || out.last() == Some(&b'<'));
                if !collapse {
                    out.push(b'<')
                }
            }
            '\'' | '.' | ',' => {}
            _ => return Err(bad(format!("{what}: character {ch:?} is not in the MRZ alphabet (transliterate it first)"))),
        }
    }
    while out.last() == Some(&b'<') {
        out.pop();
    }
    Ok(out)
}

/// Cuts name components (`A<B<C`, single fillers, no filler at either end)
/// to `room` characters so that a cut name ends with a letter in its last
/// cell: Doc 9303-3 4.6.5 lets a reader tell a possibly truncated name by an
/// alphabetic last character, and the Doc 9303-4/5/6 examples all fill the
/// field (e.g. `CHAYAPA<DEJTHAMRONG<K`). When a plain cut would end on a
/// filler, the nearest earlier component of two letters or more gives up
/// its last letter so that the next component's initial fits.
fn fit_components(name: &[u8], room: usize) -> Vec<u8> {
    if name.len() <= room {
        return name.to_vec();
    }
    let mut out = name[..room].to_vec();
    if out.last() != Some(&b'<') {
        return out;
    }
    // name[room] starts the next component (fillers are single).
    let next_initial = name[room];
    out.pop();
    let shortenable = (1..out.len()).rev().find(|&i| {
        let ends_component = i + 1 == out.len() || out[i + 1] == b'<';
        ends_component && out[i] != b'<' && out[i - 1] != b'<'
    });
    if let Some(i) = shortenable {
        out.remove(i);
        out.push(b'<');
        out.push(next_initial);
    }
    // Otherwise every component is an initial already: the cut ends on a
    // filler, which is dropped (the field then cannot flag the truncation).
    out
}

/// The name field: `PRIMARY<<SECONDARY`, truncated to `len` characters per
/// Doc 9303-3 4.6.5: secondary components are cut first (down to one
/// character), then the primary identifier. Never ends a component with a
/// dangling filler and never produces `<<<` inside the name.
fn name_field(primary: &str, secondary: &str, len: usize) -> Result<Vec<u8>, MrzError> {
    let p = to_mrz("primary identifier", primary, Kind::Letters)?;
    let s = to_mrz("secondary identifier", secondary, Kind::Letters)?;
    if p.is_empty() {
        return Err(bad("primary identifier is empty (a single name goes in the primary identifier)"));
    }
    let mut out;
    if s.is_empty() {
        out = fit_components(&p, len);
    } else if p.len() + 3 <= len {
        let room = len - p.len() - 2;
        let mut primary = p.clone();
        let mut secondary = fit_components(&s, room);
        if secondary.len() < room && s.len() > room && p.len() > 1 {
            // The secondary components before the cut are all initials, so
            // the cut cannot end on a letter: give the primary identifier's
            // last cell to the next initial instead.
            let shorter = fit_components(&p, p.len() - 1);
            if shorter.len() == p.len() - 1 {
                primary = shorter;
                secondary = s[..room + 1].to_vec();
            }
        }
        out = primary;
        out.extend_from_slice(b"<<");
        out.extend_from_slice(&secondary);
    } else {
        // Primary too long: keep the secondary identifier's initial.
        out = fit_components(&p, len - 3);
        out.extend_from_slice(b"<<");
        out.push(s[0]);
    }
    out.resize(len, b'<');
    Ok(out)
}

/// French identity card given names: `<<` between given names, `<` inside a
/// compound one (`JEAN<PIERRE<<MARIE`), cut to the field.
fn french_given_names(secondary: &str, len: usize) -> Result<Vec<u8>, MrzError> {
    let mut out = Vec::new();
    for name in secondary.split_whitespace() {
        let n = to_mrz("secondary identifier", name, Kind::Letters)?;
        if n.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.extend_from_slice(b"<<");
        }
        out.extend_from_slice(&n);
    }
    out.truncate(len);
    while out.last() == Some(&b'<') {
        out.pop();
    }
    Ok(out)
}

fn code_field(what: &str, v: &str) -> Result<[u8; 3], MrzError> {
    let c = to_mrz(what, v, Kind::Letters)?;
    if c.is_empty() || c.len() > 3 {
        return Err(bad(format!("{what}: {v:?} is not a 1-3 letter code")));
    }
    let mut out = [b'<'; 3];
    out[..c.len()].copy_from_slice(&c);
    Ok(out)
}

fn date_field(what: &str, v: &str) -> Result<[u8; 6], MrzError> {
    let b = v.trim().as_bytes();
    if b.len() != 6 || !b.iter().all(|c| c.is_ascii_digit() || *c == b'<') {
        return Err(bad(format!("{what}: {v:?} is not YYMMDD")));
    }
    let mut out = [0u8; 6];
    out.copy_from_slice(b);
    Ok(out)
}

fn put(lines: &mut [Vec<u8>], span: Span, data: &[u8]) {
    let line = &mut lines[span.line as usize];
    let n = data.len().min(span.len as usize);
    line[span.start as usize..span.start as usize + n].copy_from_slice(&data[..n]);
}

fn cd(data: &[u8]) -> u8 {
    // Builder data is MRZ-alphabet only, so the digit always computes.
    check_digit(data).map_or(b'<', |d| b'0' + d)
}

/// Builds the MRZ lines for `b`, with every check digit computed.
pub fn build(b: &MrzBuilder) -> Result<Vec<String>, MrzError> {
    let f = b.format;
    let l = Layout::of(f);
    let mut lines = vec![vec![b'<'; f.line_len()]; f.line_count()];

    let code = to_mrz("document code", &b.document_code, Kind::Free)?;
    if code.is_empty() || code.len() > 2 || code[0] == b'<' {
        return Err(bad(format!("document code {:?} must be a letter and an optional second character", b.document_code)));
    }
    put(&mut lines, l.document_code, &code);
    put(&mut lines, l.issuing_state, &code_field("issuing state", &b.issuing_state)?);

    if let Some(g) = l.given_names {
        put(&mut lines, l.name, &name_field(&b.primary_identifier, "", l.name.len as usize)?);
        put(&mut lines, g, &french_given_names(&b.secondary_identifier, g.len as usize)?);
    } else {
        put(&mut lines, l.name, &name_field(&b.primary_identifier, &b.secondary_identifier, l.name.len as usize)?);
    }

    let number = to_mrz("document number", &b.document_number, Kind::Free)?;
    if number.is_empty() {
        return Err(bad("document number is empty"));
    }
    if number[0] == b'<' {
        return Err(bad("document number starts with a filler"));
    }
    let mut optional = to_mrz("optional data", &b.optional_data, Kind::Free)?;
    let dn_len = l.document_number.len as usize;
    if number.len() > dn_len {
        if !l.long_number {
            return Err(bad(format!("document number has {} characters; {} allows {dn_len}", number.len(), f)));
        }
        // Long number: `<` in the check-digit cell, the rest of the number and
        // its check digit lead the optional data, then a filler.
        if number[dn_len..].contains(&b'<') {
            // A reader finds the end of the number at the first filler.
            return Err(bad("a long document number cannot hold a filler after its 9th character"));
        }
        put(&mut lines, l.document_number, &number[..dn_len]);
        put(&mut lines, l.document_number_cd, b"<");
        let mut ext = number[dn_len..].to_vec();
        ext.push(cd(&number));
        if !optional.is_empty() {
            ext.push(b'<');
            ext.extend_from_slice(&optional);
        }
        optional = ext;
    } else {
        let mut padded = number.clone();
        padded.resize(dn_len, b'<');
        put(&mut lines, l.document_number, &padded);
        put(&mut lines, l.document_number_cd, &[cd(&padded)]);
    }

    if let Some(n) = l.nationality {
        put(&mut lines, n, &code_field("nationality", &b.nationality)?);
    }
    let birth = date_field("birth date", &b.birth_date)?;
    put(&mut lines, l.birth_date, &birth);
    put(&mut lines, l.birth_date_cd, &[cd(&birth)]);
    let sex = b.sex.to_ascii_uppercase();
    if !matches!(sex, 'M' | 'F' | 'X' | '<') {
        return Err(bad(format!("sex {:?} must be M, F, X or <", b.sex)));
    }
    put(&mut lines, l.sex, &[sex as u8]);
    if let (Some(e), Some(ecd)) = (l.expiry_date, l.expiry_date_cd) {
        let exp = date_field("expiry date", &b.expiry_date)?;
        put(&mut lines, e, &exp);
        put(&mut lines, ecd, &[cd(&exp)]);
    }

    if let Some(o) = l.optional_data {
        if optional.len() > o.len as usize {
            return Err(bad(format!("optional data needs {} characters; the field has {}", optional.len(), o.len)));
        }
        put(&mut lines, o, &optional);
        if let Some(ocd) = l.optional_data_cd {
            let data = lines[o.line as usize][o.start as usize..o.end() as usize].to_vec();
            let digit = if optional.is_empty() { b'<' } else { cd(&data) };
            put(&mut lines, ocd, &[digit]);
        }
    } else if !optional.is_empty() {
        return Err(bad(format!("{f} has no optional data field")));
    }
    if let Some(o2) = l.optional_data_2 {
        let opt2 = to_mrz("optional data 2", &b.optional_data_2, Kind::Free)?;
        if opt2.len() > o2.len as usize {
            return Err(bad(format!("optional data 2 has {} characters; the field has {}", opt2.len(), o2.len)));
        }
        put(&mut lines, o2, &opt2);
    }

    if let Some(c) = l.composite_cd {
        let digit = check_digit_parts(
            l.composite_ranges.iter().map(|s| &lines[s.line as usize][s.start as usize..s.end() as usize]),
        )
        .map_or(b'<', |d| b'0' + d);
        put(&mut lines, c, &[digit]);
    }

    // Every byte written above is ASCII.
    Ok(lines.into_iter().map(|l| String::from_utf8(l).unwrap_or_default()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::validate;

    #[test]
    fn rebuilds_the_icao_td3_specimen() {
        let lines = MrzBuilder::new(Format::Td3)
            .issuing_state("UTO")
            .names("Eriksson", "Anna Maria")
            .document_number("L898902C3")
            .nationality("UTO")
            .birth_date("740812")
            .sex('F')
            .expiry_date("120415")
            .optional_data("ZE184226B")
            .build()
            .unwrap();
        assert_eq!(lines, ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]);
    }

    #[test]
    fn rebuilds_the_icao_td1_specimen() {
        let lines = MrzBuilder::new(Format::Td1)
            .issuing_state("UTO")
            .names("ERIKSSON", "ANNA MARIA")
            .document_number("D23145890")
            .nationality("UTO")
            .birth_date("740812")
            .sex('F')
            .expiry_date("120415")
            .build()
            .unwrap();
        assert_eq!(
            lines,
            ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
        );
    }

    #[test]
    fn long_td1_number_continues_in_optional_data() {
        let lines = MrzBuilder::new(Format::Td1)
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
        let v = validate(&lines.join("\n"), None).unwrap();
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(v.fields().document_number, "1234567890");
    }

    #[test]
    fn long_names_are_truncated_validly() {
        let lines = MrzBuilder::new(Format::Td2)
            .issuing_state("UTO")
            .names("Bennelong Wooloomooloo Warrandyte Warnambool", "Dingo Potoroo")
            .document_number("D23145890")
            .nationality("XXA")
            .birth_date("74<<<<")
            .sex('X')
            .expiry_date("300101")
            .build()
            .unwrap();
        let v = validate(&lines.join("\n"), None).unwrap();
        assert!(v.is_valid(), "{lines:?} {v:?}");
        assert!(v.fields().name_truncated);
    }

    #[test]
    fn rejects_untransliterated_names() {
        let r = MrzBuilder::new(Format::Td3).issuing_state("ESP").names("Peña", "José").build();
        assert!(matches!(r, Err(MrzError::InvalidField(_))));
    }
}
