//! Property tests of the MRZ engine.
//!
//! 1. Generator → parser round trips: random field values in every format
//!    (TD1, TD2, TD3, MRV-A, MRV-B, French ID) build a valid MRZ that is
//!    detected as its own format and parses back to the same fields.
//! 2. Single-character changes: in a valid MRZ, every substitution at a
//!    position covered by a check digit is detected, except substitutions
//!    by a character of the same check-digit value modulo 10
//!    (`check::same_residue`); and for the OCR confusions of
//!    `check::BLIND_CONFUSIONS`, `Validation::blind_spots` lists exactly the
//!    ones that go unnoticed.

use docscreen::mrz::check::{blind_partner, char_value, same_residue};
use docscreen::mrz::codes::CODES;
use docscreen::mrz::{self, Format, Layout, MrzBuilder, Span};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// `cases` test cases, or `PROPTEST_CASES` when set (for long local runs).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, ..Config::default() }
}

const ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// Field values with the expected parse of each.
#[derive(Clone, Debug)]
struct Case {
    builder: MrzBuilder,
    /// The document number in MRZ characters (spaces already fillers).
    number: String,
    optional: String,
    optional_2: String,
}

/// A name: 1–5 words of letters, joined by spaces or hyphens; sometimes with
/// an apostrophe (dropped by the builder). Long enough to need truncation
/// in every format now and then.
fn name_strategy(max_words: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(("[A-Z]{1,12}", prop::sample::select(vec![" ", "-", " "]), any::<bool>()), 1..=max_words).prop_map(
        |words| {
            let mut s = String::new();
            for (i, (w, sep, apostrophe)) in words.iter().enumerate() {
                if i > 0 {
                    s.push_str(sep);
                }
                if *apostrophe && w.len() > 1 {
                    // O'CONNOR: the apostrophe vanishes, the letters join.
                    s.push_str(&w[..1]);
                    s.push('\'');
                    s.push_str(&w[1..]);
                } else {
                    s.push_str(w);
                }
            }
            // Mixed case: the builder upper-cases.
            if s.len() % 3 == 0 { s.to_lowercase() } else { s }
        },
    )
}

/// The name as the MRZ spells it, words separated by single spaces.
fn mrz_words(name: &str) -> String {
    name.to_ascii_uppercase().replace('\'', "").replace('-', " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn days_in(month: u32, year: Option<u32>) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // YY 00 may be 2000 (leap): the 29th is accepted for every YY % 4 == 0.
        _ if year.is_none_or(|y| y % 4 == 0) => 29,
        _ => 28,
    }
}

/// A YYMMDD calendar date; with `unknown`, any part may be `<<`.
fn date_strategy(unknown: bool) -> impl Strategy<Value = String> {
    (0u32..100, 1u32..=12, 0u32..31, prop::array::uniform3(prop::bool::weighted(if unknown { 0.25 } else { 0.0 }))).prop_map(
        |(y, m, d, unk)| {
            let year = (!unk[0]).then_some(y);
            let month = (!unk[1]).then_some(m);
            let day = 1 + d % month.map_or(31, |m| days_in(m, year));
            let part = |v: Option<u32>| v.map_or("<<".to_string(), |v| format!("{v:02}"));
            format!("{}{}{}", part(year), part(month), part((!unk[2]).then_some(day)))
        },
    )
}

/// An ICAO code; `D` (Germany, printed `D<<`), stateless/refugee and UN codes
/// come up more often than their share of the table.
fn code_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(CODES).prop_map(String::from),
        1 => prop::sample::select(vec!["D", "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "GBD", "UTO"]).prop_map(String::from),
    ]
}

fn alnum(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&ALPHABET[..36]), len).prop_map(|v| String::from_utf8(v).unwrap())
}

/// Optional data: letters, digits and internal fillers (personal numbers
/// such as `12345<67` exist), never ending in a filler.
fn optional_strategy(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&ALPHABET[..]), 0..=max).prop_map(|v| {
        let s = String::from_utf8(v).unwrap();
        s.trim_end_matches('<').to_string()
    })
}

fn document_code_strategy(format: Format) -> impl Strategy<Value = String> {
    let second = prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ<".to_vec());
    match format {
        Format::Td3 => (Just(b'P'), second).boxed(),
        Format::MrvA | Format::MrvB => (Just(b'V'), second).boxed(),
        // Doc 9303-5/6: A, C or I; never V second; never AI.
        Format::Td1 | Format::Td2 => (prop::sample::select(b"ACI".to_vec()), second)
            .prop_filter("V second and AI are forbidden", |&(a, b)| b != b'V' && !(a == b'A' && b == b'I'))
            .boxed(),
        Format::FrenchId => (Just(b'I'), Just(b'D')).boxed(),
    }
    .prop_map(|(a, b)| String::from_utf8(vec![a, b]).unwrap().trim_end_matches('<').to_string())
}

/// Random field values for `format` that the generator must accept.
fn case_strategy(format: Format) -> impl Strategy<Value = Case> {
    let name_len = format.layout().name.len as usize;
    let opt_len = format.layout().optional_data.map_or(0, |s| s.len as usize);
    let dn_len = format.layout().document_number.len as usize;
    let long = format.layout().long_number;
    let number = if long {
        // Long numbers (up to what the optional data can hold: the rest of
        // the number and its check digit) are as common as short ones.
        prop_oneof![alnum(1..=dn_len), alnum(dn_len + 1..=dn_len + opt_len - 1)].boxed()
    } else {
        alnum(1..=dn_len).boxed()
    };
    (
        document_code_strategy(format),
        code_strategy(),
        code_strategy(),
        name_strategy(if name_len > 30 { 5 } else { 3 }),
        prop_oneof![1 => Just(String::new()), 4 => name_strategy(4)],
        number,
        date_strategy(true),
        date_strategy(false),
        prop::sample::select(vec!['M', 'F', 'X', '<', 'm', 'f']),
        optional_strategy(opt_len),
        optional_strategy(11),
    )
        .prop_map(move |(code, state, nat, primary, secondary, number, birth, expiry, sex, opt, opt2)| {
            let mut b = MrzBuilder::new(format)
                .document_code(&code)
                .issuing_state(&state)
                .names(&primary, &secondary)
                .document_number(&number)
                .nationality(&nat)
                .birth_date(&birth)
                .sex(sex)
                .expiry_date(&expiry);
            let mut opt = opt;
            if format == Format::FrenchId {
                b = b.issuing_state("FRA");
                // The administrative code is letters and digits.
                opt.retain(|c| c != '<');
            }
            if format == Format::Td2 && code == "ID" && b.issuing_state == "FRA" {
                // That is the French card's header: use another issuer.
                b = b.issuing_state("UTO");
            }
            if number.len() > dn_len {
                // The rest of the number, its check digit and a filler come
                // first in the optional data.
                let room = opt_len - (number.len() - dn_len + 1);
                opt.truncate(room.saturating_sub(1));
                opt = opt.trim_end_matches('<').to_string();
            }
            let opt2 = if format == Format::Td1 { opt2 } else { String::new() };
            b = b.optional_data(&opt).optional_data_2(&opt2);
            Case { builder: b, number, optional: opt, optional_2: opt2 }
        })
}

fn any_case() -> impl Strategy<Value = Case> {
    prop::sample::select(Format::ALL.to_vec()).prop_flat_map(case_strategy)
}

/// Checks the parsed name against the names given, allowing for the
/// truncation Doc 9303-3 4.6 prescribes when they do not fit.
fn assert_name(case: &Case, f: &mrz::Fields) -> Result<(), TestCaseError> {
    let b = &case.builder;
    let l = b.format.layout();
    let primary = mrz_words(&b.primary_identifier);
    let secondary = mrz_words(&b.secondary_identifier);
    let (fits, truncated_secondary) = match l.given_names {
        // French card: separate surname and given-name fields; given names
        // are separated by `<<`.
        Some(g) => {
            let given_len = secondary.len() + secondary.matches(' ').count();
            (primary.len() <= l.name.len as usize, given_len > g.len as usize)
        }
        None if secondary.is_empty() => (primary.len() <= l.name.len as usize, false),
        None => (primary.len() + 2 + secondary.len() <= l.name.len as usize, false),
    };
    if fits && !truncated_secondary {
        prop_assert_eq!(&f.primary_identifier, &primary);
        prop_assert_eq!(&f.secondary_identifier, &secondary);
    } else {
        // Truncated: components are cut or dropped, never invented; a
        // secondary identifier keeps at least its initial.
        prop_assert!(!f.primary_identifier.is_empty());
        prop_assert!(components_cut_from(&f.primary_identifier, &primary), "{} vs {}", f.primary_identifier, primary);
        prop_assert!(components_cut_from(&f.secondary_identifier, &secondary), "{} vs {}", f.secondary_identifier, secondary);
        prop_assert_eq!(f.secondary_identifier.is_empty(), secondary.is_empty());
        if l.given_names.is_none() {
            // Doc 9303-3 4.6.5: a cut name ends with a letter in the last
            // cell, so a reader knows it may be truncated.
            prop_assert!(f.name_truncated, "a cut name fills its field");
        }
    }
    Ok(())
}

/// Whether each word of `cut` is a prefix of the same word of `full`, with
/// no more words than `full` has.
fn components_cut_from(cut: &str, full: &str) -> bool {
    let (cut, full): (Vec<&str>, Vec<&str>) = (cut.split(' ').filter(|w| !w.is_empty()).collect(), full.split(' ').collect());
    cut.len() <= full.len() && cut.iter().zip(&full).all(|(c, f)| f.starts_with(c))
}

fn round_trip(case: &Case) -> Result<(), TestCaseError> {
    let b = &case.builder;
    let format = b.format;
    let lines = match b.build() {
        Ok(l) => l,
        Err(e) => return Err(TestCaseError::fail(format!("generator refused {b:?}: {e}"))),
    };
    prop_assert_eq!(lines.len(), format.line_count());
    for l in &lines {
        prop_assert_eq!(l.len(), format.line_len());
    }
    let text = lines.join("\n");
    let v = mrz::validate(&text, None).unwrap();
    prop_assert_eq!(v.format(), format, "detected as another format: {:?}", lines);
    prop_assert!(v.is_valid(), "{:?}\n{:?}", lines, v.failed().collect::<Vec<_>>());
    let as_format = mrz::validate(&text, Some(format)).unwrap();
    prop_assert_eq!(as_format.format(), format);
    prop_assert!(as_format.is_valid());

    let f = v.fields();
    prop_assert_eq!(&f.document_code, &b.document_code);
    prop_assert_eq!(&f.issuing_state, &b.issuing_state);
    prop_assert_eq!(&f.document_number, &case.number);
    prop_assert_eq!(&f.birth_date, &b.birth_date);
    prop_assert_eq!(f.sex.chars().next(), Some(b.sex.to_ascii_uppercase()));
    if format == Format::FrenchId {
        prop_assert_eq!(&f.nationality, &None);
        prop_assert_eq!(&f.expiry_date, &None);
    } else {
        prop_assert_eq!(f.nationality.as_deref(), Some(b.nationality.as_str()));
        prop_assert_eq!(f.expiry_date.as_deref(), Some(b.expiry_date.as_str()));
    }
    prop_assert_eq!(f.optional_data.as_deref(), Some(case.optional.as_str()));
    prop_assert_eq!(f.optional_data_2.as_deref(), (format == Format::Td1).then_some(case.optional_2.as_str()));
    assert_name(case, &f)?;
    Ok(())
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn generator_round_trips_in_every_format(case in any_case()) {
        round_trip(&case)?;
    }
}

/// A few hundred cases per format on top of the mixed run, so that rare
/// formats get their share whatever the seed.
macro_rules! per_format {
    ($($name:ident => $format:expr),* $(,)?) => {$(
        proptest! {
            #![proptest_config(config(300))]
            #[test]
            fn $name(case in case_strategy($format)) {
                round_trip(&case)?;
            }
        }
    )*};
}

per_format! {
    round_trip_td1 => Format::Td1,
    round_trip_td2 => Format::Td2,
    round_trip_td3 => Format::Td3,
    round_trip_mrva => Format::MrvA,
    round_trip_mrvb => Format::MrvB,
    round_trip_french_id => Format::FrenchId,
}

/// Every cell some check digit covers: the checked data and the check-digit
/// cells themselves.
fn checked_cells(l: &Layout) -> Vec<(usize, usize)> {
    let digits = [Some(l.document_number_cd), Some(l.birth_date_cd), l.expiry_date_cd, l.optional_data_cd, l.composite_cd];
    let mut cells: Vec<(usize, usize)> = l
        .checked_spans()
        .chain(digits.into_iter().flatten())
        // TD1/TD2: the optional data may hold the rest of a long number.
        .chain(l.long_number.then_some(l.optional_data).flatten())
        .flat_map(|s: Span| (s.start..s.end()).map(move |c| (s.line as usize, c as usize)))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    cells
}

fn single_changes(case: &Case) -> Result<(), TestCaseError> {
    let format = case.builder.format;
    let lines = case.builder.build().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let original = mrz::validate(&lines.join("\n"), Some(format)).unwrap();
    prop_assert!(original.is_valid());
    let spots = original.blind_spots();
    let mut undetected_confusions = Vec::new();
    for (line, col) in checked_cells(format.layout()) {
        let was = lines[line].as_bytes()[col];
        for &now in ALPHABET {
            if now == was {
                continue;
            }
            let mut changed = lines.clone();
            changed[line].replace_range(col..col + 1, &(now as char).to_string());
            let v = mrz::validate(&changed.join("\n"), Some(format)).unwrap();
            prop_assert_eq!(v.format(), format);
            if v.is_valid() {
                // Undetected: only a character of the same value mod 10.
                prop_assert!(
                    same_residue(was).any(|c| c == now),
                    "{}→{} at line {} col {} went unnoticed: {:?}",
                    was as char, now as char, line + 1, col + 1, changed
                );
                prop_assert_eq!(char_value(was).unwrap() % 10, char_value(now).unwrap() % 10);
                if blind_partner(was) == Some(now) {
                    undetected_confusions.push((line as u8, col as u8, was, now));
                }
            }
        }
    }
    // blind_spots lists exactly the OCR confusions that go unnoticed.
    let mut reported: Vec<_> = spots.iter().map(|s| (s.line, s.col, s.printed, s.confusable)).collect();
    reported.sort_unstable();
    undetected_confusions.sort_unstable();
    prop_assert_eq!(
        &reported, &undetected_confusions,
        "blind spots reported vs found for {:?}", lines
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    /// Any single-character change in a checked field is detected unless its
    /// value is congruent mod 10 to the original (a blind spot).
    #[test]
    fn single_character_changes_are_detected_unless_blind(case in any_case()) {
        single_changes(&case)?;
    }
}

/// The ICAO specimens themselves, exhaustively (no randomness).
#[test]
fn icao_specimens_single_changes() {
    let specimens = [
        (Format::Td3, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
        (Format::Td1, "I<UTOD231458907<<<<<<<<<<<<<<<|7408122F1204159UTO<<<<<<<<<<<6|ERIKSSON<<ANNA<MARIA<<<<<<<<<<"),
        (Format::Td2, "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<|D231458907UTO7408122F1204159<<<<<<<6"),
    ];
    for (format, text) in specimens {
        let lines: Vec<String> = text.split('|').map(String::from).collect();
        let original = mrz::validate(text, Some(format)).unwrap();
        assert!(original.is_valid());
        let mut unnoticed = 0;
        for (line, col) in checked_cells(format.layout()) {
            let was = lines[line].as_bytes()[col];
            for &now in ALPHABET.iter().filter(|&&c| c != was) {
                let mut changed = lines.clone();
                changed[line].replace_range(col..col + 1, &(now as char).to_string());
                let v = mrz::validate(&changed.join("|"), Some(format)).unwrap();
                if v.is_valid() {
                    unnoticed += 1;
                    assert_eq!(char_value(was).unwrap() % 10, char_value(now).unwrap() % 10, "{format} {changed:?}");
                }
            }
        }
        // Each cell has at most 3 congruent characters (e.g. 8, I, S for 8),
        // minus those the field rules reject, so most changes are caught.
        assert!(unnoticed > 0, "{format}: some blind spots exist (e.g. < vs K)");
        println!("{format}: {unnoticed} undetectable single substitutions");
    }
}
