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
pub static CODES: &[&str] = &[
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

/// Whether a 3-character MRZ code field (fillers included, e.g. `D<<`) holds
/// an accepted code. Fillers may only follow the letters.
pub fn is_valid_code(field: &[u8]) -> bool {
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
    }
}
