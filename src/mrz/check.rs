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

/// Sentinel in [`VALUES`] for bytes outside the MRZ alphabet.
const NOT_MRZ: u8 = 0xff;

/// [`char_value`] for every byte, so the hot loop is one load per character.
static VALUES: [u8; 256] = {
    let mut t = [NOT_MRZ; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(v) = char_value(i as u8) {
            t[i] = v as u8;
        }
        i += 1;
    }
    t
};

/// Weighted sum of `data` with the weights 7, 3, 1 starting at weight
/// `phase` (0 = 7); `None` for a byte outside the alphabet. Works on whole
/// triples so the weights need no `% 3` per character.
#[inline]
pub(crate) fn weighted_sum(data: &[u8], phase: usize) -> Option<u32> {
    let w = [WEIGHTS[phase % 3], WEIGHTS[(phase + 1) % 3], WEIGHTS[(phase + 2) % 3]];
    let mut sum = 0u32;
    let mut bad = 0u8;
    let mut chunks = data.chunks_exact(3);
    for t in &mut chunks {
        let (a, b, c) = (VALUES[t[0] as usize], VALUES[t[1] as usize], VALUES[t[2] as usize]);
        // Accumulate the sentinel test instead of branching per byte.
        bad |= (a == NOT_MRZ) as u8 | (b == NOT_MRZ) as u8 | (c == NOT_MRZ) as u8;
        sum += a as u32 * w[0] + b as u32 * w[1] + c as u32 * w[2];
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        let v = VALUES[c as usize];
        bad |= (v == NOT_MRZ) as u8;
        sum += v as u32 * w[i];
    }
    if bad != 0 { None } else { Some(sum) }
}

/// [`weighted_sum`] of text already known to be in the MRZ alphabet (the
/// validator checks the charset first): no sentinel test per character.
#[inline(always)]
pub(crate) fn weighted_sum_mrz(data: &[u8], phase: usize) -> u32 {
    let w = [WEIGHTS[phase % 3], WEIGHTS[(phase + 1) % 3], WEIGHTS[(phase + 2) % 3]];
    let mut sum = 0u32;
    let mut chunks = data.chunks_exact(3);
    for t in &mut chunks {
        sum += VALUES[t[0] as usize] as u32 * w[0] + VALUES[t[1] as usize] as u32 * w[1] + VALUES[t[2] as usize] as u32 * w[2];
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        sum += VALUES[c as usize] as u32 * w[i];
    }
    sum
}

/// Check digit (0–9) over `data`, or `None` when `data` holds a byte outside
/// the MRZ alphabet.
#[inline]
pub fn check_digit(data: &[u8]) -> Option<u8> {
    weighted_sum(data, 0).map(|s| (s % 10) as u8)
}

/// Check digit over several pieces taken as one sequence (the composite check
/// digit spans non-contiguous ranges; weights continue across pieces).
#[inline]
pub fn check_digit_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> Option<u8> {
    let mut sum = 0u32;
    let mut i = 0usize;
    for part in parts {
        sum += weighted_sum(part, i % 3)?;
        i += part.len();
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
        assert_eq!(check_digit(b""), Some(0));
        assert_eq!(check_digit(b"L898902C3\0"), None);
    }

    /// The table-driven sum equals the textbook definition, at every phase
    /// and length (remainders of 0, 1 and 2 characters).
    #[test]
    fn weighted_sum_matches_definition() {
        let data = b"L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        for len in 0..data.len() {
            for phase in 0..3 {
                let naive: u32 = data[..len].iter().enumerate().map(|(i, &c)| char_value(c).unwrap() * WEIGHTS[(i + phase) % 3]).sum();
                assert_eq!(weighted_sum(&data[..len], phase), Some(naive));
            }
        }
        let parts: [&[u8]; 3] = [b"D23145890", b"7408122", b"1204159"];
        let joined: Vec<u8> = parts.concat();
        assert_eq!(check_digit_parts(parts), check_digit(&joined));
    }

    #[test]
    fn blind_confusions_really_are_blind() {
        for &(a, b) in BLIND_CONFUSIONS {
            assert_eq!(char_value(a).unwrap() % 10, char_value(b).unwrap() % 10);
            assert!(same_residue(a).any(|x| x == b));
        }
    }
}
