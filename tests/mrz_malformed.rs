//! Malformed MRZ text: every input gives a specific `MrzError` or an invalid
//! `Validation` naming the failing check, and never panics (serialisation,
//! fields, blind spots and repair included).

use docscreen::mrz::{self, CheckName, Format, MrzError, Validation};
use proptest::prelude::*;

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<|7408122F1204159UTO<<<<<<<<<<<6|ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<|D231458907UTO7408122F1204159<<<<<<<6";

/// Names of the failed checks, in order.
fn failed(v: &Validation) -> Vec<CheckName> {
    v.failed().map(|c| c.name).collect()
}

/// Everything a caller might do with a result must work on any input.
fn exercise(v: &Validation) {
    let json = serde_json::to_value(v).unwrap();
    assert_eq!(json["valid"], v.is_valid());
    assert_eq!(json["checks"].as_array().unwrap().len(), v.checks().len());
    if !v.is_parsed() {
        assert!(json["fields"].is_null());
        assert!(v.blind_spots().is_empty());
    }
    let _ = v.fields();
    let _ = v.unchecked_fields();
    let _ = format!("{v:?}");
}

/// `text` validates to an invalid result whose failed checks are exactly `expect`.
#[track_caller]
fn assert_fails(text: &str, format: Option<Format>, expect: &[CheckName]) -> Validation {
    let v = mrz::validate(text, format).unwrap_or_else(|e| panic!("{text:?}: error {e}"));
    assert!(!v.is_valid());
    assert_eq!(failed(&v), expect, "{text:?}");
    exercise(&v);
    v
}

#[track_caller]
fn assert_error(text: &str, expect: MrzError) {
    assert_eq!(mrz::validate(text, None).unwrap_err(), expect, "{:?}", text.chars().take(60).collect::<String>());
    // A requested format changes nothing about text that is no MRZ.
    assert_eq!(mrz::validate(text, Some(Format::Td3)).unwrap_err(), expect);
}

#[test]
fn baselines_are_valid() {
    for t in [TD3, TD1, TD2] {
        assert!(mrz::validate(t, None).unwrap().is_valid());
    }
}

#[test]
fn empty_and_blank_inputs_are_empty() {
    for t in ["", " ", "\n", "\r\n\r\n", " \t \n \t", "|", "||||", " | \n | ", "\u{3000}\u{2003}"] {
        assert_error(t, MrzError::Empty);
    }
    assert_eq!(mrz::validate_lines::<&str>(&[], None).unwrap_err(), MrzError::Empty);
}

#[test]
fn four_or_more_lines_are_a_line_count_error() {
    assert_error("A|B|C|D", MrzError::LineCount(4));
    assert_error(&format!("{TD1}|{TD1}"), MrzError::LineCount(6));
    assert_error(&format!("{TD3}\n{TD3}"), MrzError::LineCount(4));
    // Blank lines between do not count.
    assert_error("A\n\n|B||C\n \nD\nE", MrzError::LineCount(5));
    let lines = ["A"; 4];
    assert_eq!(mrz::validate_lines(&lines, None).unwrap_err(), MrzError::LineCount(4));
}

#[test]
fn wrong_lengths_fail_the_length_check_only() {
    // One character short / long on line 2.
    let short = TD3.strip_suffix('0').unwrap();
    let v = assert_fails(short, None, &[CheckName::Length]);
    assert_eq!(v.format(), Format::Td3);
    assert_eq!(v.checks().len(), 1, "no field can be read from text of the wrong shape");
    assert_fails(&format!("{TD3}<"), None, &[CheckName::Length]);
    // Lines of different formats.
    assert_fails(&format!("{}|{}", &TD3[..44], &TD2[37..]), None, &[CheckName::Length]);
    // One line only, or two lines of a TD1.
    let v = assert_fails(&TD3[..44], None, &[CheckName::Length]);
    assert_eq!(v.lines().count(), 1);
    assert_fails(&TD1[..61], None, &[CheckName::Length]);
    // Three TD3 lines.
    assert_fails(&format!("{TD3}|{}", &TD3[..44]), None, &[CheckName::Length]);
    // Right text, wrong requested format.
    assert_fails(TD3, Some(Format::Td1), &[CheckName::Length]);
    assert_fails(TD1, Some(Format::Td3), &[CheckName::Length]);
    assert_fails(TD2, Some(Format::MrvA), &[CheckName::Length]);
    // Very short lines.
    assert_fails("P|L", None, &[CheckName::Length]);
}

#[test]
fn overlong_lines_are_an_error() {
    let line = "<".repeat(mrz::MAX_LINE_CHARS + 1);
    assert_error(&line, MrzError::LineTooLong { line: 1, chars: 201 });
    assert_error(&format!("{}|{line}", &TD3[..44]), MrzError::LineTooLong { line: 2, chars: 201 });
    // The limit counts characters, not bytes: 200 four-byte characters pass
    // the limit (and fail the length check), 201 do not.
    let emoji = "😀".repeat(200);
    assert_fails(&format!("{emoji}|{emoji}"), None, &[CheckName::Length]);
    assert_error(&"😀".repeat(201), MrzError::LineTooLong { line: 1, chars: 201 });
}

#[test]
fn ten_megabytes_of_text() {
    let ten_mb = 10 * 1024 * 1024;
    // One enormous line.
    let one_line = "A".repeat(ten_mb);
    assert_error(&one_line, MrzError::LineTooLong { line: 1, chars: ten_mb });
    // Many MRZ-sized lines.
    let mut many = String::with_capacity(ten_mb + 64);
    let mut n = 0;
    while many.len() < ten_mb {
        many.push_str(&TD3[..44]);
        many.push('\n');
        n += 1;
    }
    assert_error(&many, MrzError::LineCount(n));
    // Separators only, and whitespace only.
    assert_error(&"|".repeat(ten_mb), MrzError::Empty);
    assert_error(&" \n".repeat(ten_mb / 2), MrzError::Empty);
    // Multi-byte text without separators.
    let wide = "é".repeat(ten_mb / 2);
    assert_error(&wide, MrzError::LineTooLong { line: 1, chars: ten_mb / 2 });
}

#[test]
fn lower_case_fails_the_charset_check() {
    let v = assert_fails(&TD3.to_lowercase(), None, &[CheckName::Charset]);
    // Shape is right, alphabet is not: no field is read.
    assert!(!v.is_parsed());
    assert_eq!(v.checks().iter().map(|c| c.name).collect::<Vec<_>>(), [CheckName::Length, CheckName::Charset]);
    // One lower-case letter in a name.
    assert_fails(&TD3.replacen("ERIKSSON", "ERIKsSON", 1), None, &[CheckName::Charset]);
    // Lower case in TD1 and TD2.
    assert_fails(&TD1.to_lowercase(), None, &[CheckName::Charset]);
    assert_fails(&TD2.replacen("UTO", "uto", 1), None, &[CheckName::Charset]);
}

#[test]
fn unicode_is_counted_in_characters() {
    // Same character count, non-MRZ characters: charset.
    for (from, to) in [
        ("<", "«"),                 // OCR guillemet (2 bytes)
        ("ERIKSSON", "ЕRIKSSON"),   // Cyrillic Е (2 bytes)
        ("ANNA", "ÄNNA"),           // precomposed umlaut
        ("MARIA", "مARIA"),         // Arabic letter (right to left)
        ("UTO", "ＵTO"),            // full-width U (3 bytes)
        ("ERIKSSON", "😀RIKSSON"),  // emoji (4 bytes)
        ("L898902C3", "L8989０2C3"), // full-width digit zero
    ] {
        let t = TD3.replacen(from, to, 1);
        assert_eq!(t.chars().filter(|&c| c == '|').count(), 1);
        assert_fails(&t, None, &[CheckName::Charset]);
    }
    // An extra code point makes a line one character too long: length.
    for (from, to) in [
        ("ANNA", "A\u{0308}NNA"),    // combining diaeresis
        ("MARIA", "\u{200F}MARIA"),  // right-to-left mark
        ("MARIA", "\u{202E}MARIA"),  // right-to-left override
        ("ANNA", "ANNA\u{200B}"),    // zero-width space
    ] {
        assert_fails(&TD3.replacen(from, to, 1), None, &[CheckName::Length]);
    }
    // A byte-order mark is not whitespace: it is an extra character.
    assert_fails(&format!("\u{FEFF}{TD3}"), None, &[CheckName::Length]);
    // A whole line of Arabic with the right length.
    let arabic = "م".repeat(44);
    assert_fails(&format!("{arabic}|{}", &TD3[45..]), None, &[CheckName::Charset]);
}

#[test]
fn nul_and_control_bytes_fail_the_charset_check() {
    assert_fails(&TD3.replacen('<', "\0", 1), None, &[CheckName::Charset]);
    assert_fails(&format!("{0}|{0}", "\0".repeat(44)), None, &[CheckName::Charset]);
    assert_fails(&TD3.replacen('<', "\t", 3), None, &[CheckName::Charset]);
    assert_fails(&TD3.replacen('<', "\u{7f}", 1), None, &[CheckName::Charset]);
    // A space inside a line (OCR) is a character outside the alphabet.
    assert_fails(&TD3.replacen("ANNA<", "ANNA ", 1), None, &[CheckName::Charset]);
    // A NUL-only text is a line, not nothing.
    assert_fails("\0", None, &[CheckName::Length]);
}

#[test]
fn surrounding_whitespace_and_line_endings_are_tolerated() {
    for t in [
        format!("  {TD3}  "),
        TD3.replace('|', "\r\n"),
        format!("\n\n{}\n\n", TD3.replace('|', "\n")),
        TD3.replace('|', " | "),
        format!("{}\r\n", TD1.replace('|', "\r\n")),
    ] {
        let v = mrz::validate(&t, None).unwrap();
        assert!(v.is_valid(), "{t:?}: {:?}", failed(&v));
    }
}

#[test]
fn unknown_format_names_are_an_error() {
    assert_eq!("td3".parse::<Format>().unwrap(), Format::Td3);
    assert_eq!("MRV-A".parse::<Format>().unwrap(), Format::MrvA);
    assert_eq!("fra_id".parse::<Format>().unwrap(), Format::FrenchId);
    assert_eq!("TD4".parse::<Format>().unwrap_err(), MrzError::UnknownFormatName("TD4".into()));
    // A huge name is not echoed back whole.
    match "X".repeat(1_000_000).parse::<Format>() {
        Err(MrzError::UnknownFormatName(s)) => assert_eq!(s.len(), 32),
        other => panic!("{other:?}"),
    }
}

#[test]
fn repair_of_malformed_text_changes_nothing_or_errors() {
    assert_eq!(mrz::repair("", None).unwrap_err(), MrzError::Empty);
    assert_eq!(mrz::repair("A|B|C|D", None).unwrap_err(), MrzError::LineCount(4));
    let r = mrz::repair(&TD3.to_lowercase(), None).unwrap();
    assert!(r.changes.is_empty());
    let r = mrz::repair(&TD3[..50], None).unwrap();
    assert!(r.changes.is_empty());
}

/// Characters an OCR or a careless caller may produce.
fn noisy_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => prop::sample::select(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<".to_vec()).prop_map(char::from),
        1 => prop::sample::select(vec!['|', '\n', ' ', '\0', 'a', 'z', '«', 'é', '\u{301}', 'م', '😀', '\r', '\t']),
        1 => any::<char>(),
    ]
}

proptest! {
    /// Arbitrary text: an error of a known kind, or a result whose failures
    /// start with the shape or alphabet check when no field could be read.
    #[test]
    fn arbitrary_text_never_panics(text in prop::collection::vec(noisy_char(), 0..200).prop_map(|v| v.into_iter().collect::<String>()),
                                   format in prop::option::of(prop::sample::select(Format::ALL.to_vec()))) {
        match mrz::validate(&text, format) {
            Ok(v) => {
                exercise(&v);
                if !v.is_parsed() {
                    let first = failed(&v);
                    prop_assert!(first == [CheckName::Length] || first == [CheckName::Charset], "{:?}", first);
                }
                let _ = mrz::repair(&text, format);
            }
            Err(MrzError::Empty) => prop_assert!(mrz::split_lines(&text).next().is_none()),
            Err(MrzError::LineCount(n)) => prop_assert!(n > 3 && n == mrz::split_lines(&text).count()),
            Err(MrzError::LineTooLong { chars, .. }) => prop_assert!(chars > mrz::MAX_LINE_CHARS),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// MRZ-shaped text with random MRZ characters: always parsed (no panic
    /// in any field rule), in every format.
    #[test]
    fn random_mrz_alphabet_text_is_parsed(format in prop::sample::select(Format::ALL.to_vec()), seed in prop::collection::vec(0usize..37, 132)) {
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
        let lines: Vec<String> = (0..format.line_count())
            .map(|i| (0..format.line_len()).map(|j| alphabet[seed[i * 44 + j]] as char).collect())
            .collect();
        let v = mrz::validate_lines(&lines, Some(format)).unwrap();
        prop_assert!(v.is_parsed());
        exercise(&v);
    }
}
