//! ICAO 9303-3 §4.9 check digits (weights 7, 3, 1) and the substitutions they
//! cannot see.

/// Value of an MRZ character for check-digit computation: digits 0–9, letters
/// A=10 … Z=35, filler `<` = 0. `None` for any other byte.
#[inline]
pub const fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u32),
        b'A'..=b'Z' => Some((c - b'A') as u32 + 10),
        b'<' => Some(0),
        _ => None,
    }
}

const WEIGHTS: [u32; 3] = [7, 3, 1];

/// Check digit (0–9) over `data`, or `None` when `data` holds a byte outside
/// the MRZ alphabet.
#[inline]
pub fn check_digit(data: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in data.iter().enumerate() {
        sum += char_value(c)? * WEIGHTS[i % 3];
    }
    Some((sum % 10) as u8)
}

/// Check digit over several pieces taken as one sequence (the composite check
/// digit spans non-contiguous ranges; weights continue across pieces).
#[inline]
pub fn check_digit_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Option<u8> {
    let mut sum = 0u32;
    let mut i = 0usize;
    for part in parts {
        for &c in part {
            sum += char_value(c)? * WEIGHTS[i % 3];
            i += 1;
        }
    }
    Some((sum % 10) as u8)
}

/// Characters whose values differ from `c`'s by a multiple of 10: substituting
/// any of them for `c` at one position leaves every check digit unchanged,
/// because each weight (7, 3, 1) is coprime with 10.
pub fn same_residue(c: u8) -> impl Iterator<Item = u8> {
    let v = char_value(c);
    crate::font::MRZ_ALPHABET
        .iter()
        .copied()
        .filter(move |&o| o != c && v.is_some() && char_value(o).map(|x| x % 10) == v.map(|x| x % 10))
}

/// Pairs an OCR of the OCR-B font confuses in practice *and* that no check digit
/// can tell apart (same value modulo 10). `<`↔`K` is the notorious one:
/// Tesseract reads fillers as `K`.
pub const BLIND_CONFUSIONS: &[(u8, u8)] = &[(b'<', b'K'), (b'1', b'L'), (b'6', b'G'), (b'8', b'S'), (b'0', b'U')];

/// The blind confusion partner of `c`, if any.
pub fn blind_partner(c: u8) -> Option<u8> {
    BLIND_CONFUSIONS.iter().find_map(|&(a, b)| {
        if a == c {
            Some(b)
        } else if b == c {
            Some(a)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_examples() {
        // Doc 9303-3 App A example 1: 520727 → 3; document number AB2134<<< → 5.
        assert_eq!(check_digit(b"520727"), Some(3));
        assert_eq!(check_digit(b"AB2134<<<"), Some(5));
        assert_eq!(check_digit(b"L898902C3"), Some(6));
        assert_eq!(check_digit(b"740812"), Some(2));
        assert_eq!(check_digit(b"a"), None);
    }

    #[test]
    fn blind_confusions_really_are_blind() {
        for &(a, b) in BLIND_CONFUSIONS {
            assert_eq!(char_value(a).unwrap() % 10, char_value(b).unwrap() % 10);
            assert!(same_residue(a).any(|x| x == b));
        }
    }
}
