//! Codes accepted for the issuing state/organisation and the nationality.
//!
//! Source: ISO 3166-1 alpha-3 (officially assigned codes, 2024), with the
//! changes and additions of ICAO Doc 9303 Part 3 (8th edition, 2021), section 5:
//! Germany is `D` (never `DEU`); British nationality classes `GBD`, `GBN`,
//! `GBO`, `GBP`, `GBS`; United Nations `UNO`, `UNA`, `UNK`; other issuing
//! organisations `EUE`, `XBA`, `XCC`, `XCE`, `XCO`, `XDC`, `XEC`, `XES`, `XIM`,
//! `XMP`, `XOM`, `XPO`; Kosovo `RKS`; stateless and refugee codes `XXA`, `XXB`,
//! `XXC`, `XXX`; the historic `ANT` and `NTZ`; and `UTO`, the fictitious
//! Utopia of the Doc 9303 specimens. `IAO` (master-list signing only) is not an
//! MRZ code.

/// Every accepted code, as printed without fillers, sorted for binary search.
pub static CODES: &[&str] = CODE_LIST;

const CODE_LIST: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ANT", "ARE", "ARG", "ARM", "ASM", "ATA",
    "ATF", "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR",
    "BHS", "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA",
    "CAF", "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM",
    "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "D", "DJI", "DMA", "DNK", "DOM",
    "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "EUE", "FIN", "FJI", "FLK", "FRA",
    "FRO", "FSM", "GAB", "GBD", "GBN", "GBO", "GBP", "GBR", "GBS", "GEO", "GGY", "GHA", "GIB",
    "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG",
    "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND", "IOT", "IRL", "IRN", "IRQ", "ISL",
    "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR",
    "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA", "MAC",
    "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE",
    "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER",
    "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NTZ", "NZL", "OMN", "PAK", "PAN",
    "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT",
    "REU", "RKS", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB",
    "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ",
    "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO",
    "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "UNA", "UNK", "UNO", "URY", "USA",
    "UTO", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "XBA", "XCC",
    "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
    "YEM", "ZAF", "ZMB", "ZWE",
];

/// Index of a 3-cell code field in base 27 (`A`–`Z` = 0–25, `<` = 26).
#[inline]
const fn cell_index(field: [u8; 3]) -> Option<usize> {
    let mut idx = 0usize;
    let mut i = 0;
    while i < 3 {
        let d = match field[i] {
            b'A'..=b'Z' => field[i] - b'A',
            b'<' => 26,
            _ => return None,
        };
        idx = idx * 27 + d as usize;
        i += 1;
    }
    Some(idx)
}

const TABLE_WORDS: usize = (27usize * 27 * 27).div_ceil(64);

/// One bit per possible 3-cell field: validation looks a code up in O(1)
/// instead of a binary search over strings (it runs twice per MRZ).
static CODE_BITS: [u64; TABLE_WORDS] = {
    let mut bits = [0u64; TABLE_WORDS];
    let mut i = 0;
    while i < CODE_LIST.len() {
        let code = CODE_LIST[i].as_bytes();
        let mut field = [b'<'; 3];
        let mut j = 0;
        while j < code.len() {
            field[j] = code[j];
            j += 1;
        }
        match cell_index(field) {
            Some(idx) => bits[idx / 64] |= 1 << (idx % 64),
            None => panic!("CODE_LIST holds a code that is not 1-3 capital letters"),
        }
        i += 1;
    }
    bits
};

/// Whether a 3-character MRZ code field (fillers included, e.g. `D<<`) holds
/// an accepted code. Fillers may only follow the letters.
#[inline]
pub fn is_valid_code(field: &[u8]) -> bool {
    if let &[a, b, c] = field {
        // Listed codes are letters padded with trailing fillers, so a lookup
        // of the field as printed also enforces where fillers may go.
        return cell_index([a, b, c]).is_some_and(|idx| CODE_BITS[idx / 64] & (1 << (idx % 64)) != 0);
    }
    is_valid_code_slow(field)
}

/// Any field length (not used by the MRZ layouts, whose code fields have 3 cells).
fn is_valid_code_slow(field: &[u8]) -> bool {
    let letters = field.iter().take_while(|&&c| c != b'<').count();
    if letters == 0 || field[letters..].iter().any(|&c| c != b'<') {
        return false;
    }
    let code = &field[..letters];
    if !code.iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    // A code shorter than 3 letters is only valid if it is listed as such (`D`).
    CODES.binary_search_by(|c| c.as_bytes().cmp(code)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in CODES.windows(2) {
            assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
    }

    #[test]
    fn germany_is_d_not_deu() {
        assert!(is_valid_code(b"D<<"));
        assert!(!is_valid_code(b"DEU"));
        assert!(!is_valid_code(b"<<D"));
        assert!(!is_valid_code(b"GB<"));
        assert!(is_valid_code(b"GBR"));
        assert!(!is_valid_code(b"IAO"));
        assert!(!is_valid_code(b"<<<"));
        assert!(!is_valid_code(b"D<A"));
        assert!(!is_valid_code(b"utO"));
    }

    /// The bit table agrees with the list, cell by cell, for every field.
    #[test]
    fn table_agrees_with_list() {
        let cells = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ<0";
        for &a in cells {
            for &b in cells {
                for &c in cells {
                    let f = [a, b, c];
                    assert_eq!(is_valid_code(&f), is_valid_code_slow(&f), "{:?}", std::str::from_utf8(&f));
                }
            }
        }
        assert!(is_valid_code(b"D"));
        assert!(!is_valid_code(b"DE"));
    }
}
