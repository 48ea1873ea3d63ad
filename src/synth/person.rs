//! Random but plausible personal data, and the MRZ built from it with the
//! MRZ engine's generator.

use super::models::{FieldKey, Model};
use super::rng::Rng;
use crate::mrz::{Format, MrzBuilder, MrzError};

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    pub fn random(rng: &mut Rng, y0: i32, y1: i32) -> Date {
        let year = rng.int(y0 as i64, y1 as i64) as i32;
        let month = rng.int(1, 12) as u32;
        let day = rng.int(1, days_in_month(year, month) as i64) as u32;
        Date { year, month, day }
    }

    /// YYMMDD.
    pub fn yymmdd(&self) -> String {
        format!("{:02}{:02}{:02}", self.year.rem_euclid(100), self.month, self.day)
    }

    /// The date `years` later, the day before (a document valid for N years).
    pub fn plus_years_minus_day(&self, years: i32) -> Date {
        let mut d = Date { year: self.year + years, month: self.month, day: self.day.min(days_in_month(self.year + years, self.month)) };
        if d.day > 1 {
            d.day -= 1;
        } else if d.month > 1 {
            d.month -= 1;
            d.day = days_in_month(d.year, d.month);
        } else {
            d.year -= 1;
            d.month = 12;
            d.day = 31;
        }
        d
    }

    pub fn plus_months(&self, months: u32) -> Date {
        let m0 = self.month - 1 + months;
        let year = self.year + (m0 / 12) as i32;
        let month = m0 % 12 + 1;
        Date { year, month, day: self.day.min(days_in_month(year, month)) }
    }

    pub fn viz(&self, numeric: bool) -> String {
        if numeric {
            format!("{:02}.{:02}.{}", self.day, self.month, self.year)
        } else {
            format!("{:02} {} {}", self.day, MONTHS[(self.month - 1) as usize], self.year)
        }
    }
}

/// The holder and document data, as printed in the visual zone. The MRZ is
/// derived from it ([`Person::mrz`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    /// As printed (may contain spaces, hyphens, apostrophes).
    pub surname: String,
    pub given_names: String,
    pub nationality: String,
    pub birth: Date,
    /// Birth date with unknown day/month (`74<<<<` in the MRZ).
    pub birth_unknown_parts: bool,
    pub sex: char,
    pub place_of_birth: String,
    pub issue: Date,
    pub expiry: Date,
    pub document_number: String,
    /// MRZ optional data (TD3 personal number, TD1/TD2/MRV optional data).
    pub optional_data: String,
    pub authority: String,
    pub entries: String,
}

const ONSETS: &[&str] = &[
    "B", "D", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "T", "V", "W", "Z", "CH", "SH", "TR", "BR", "KR", "ST", "GR", "PL", "TH", "",
];
const VOWELS: &[&str] = &["A", "E", "I", "O", "U", "AI", "EI", "OU", "IA", "Y"];
const CODAS: &[&str] = &["", "", "", "N", "R", "S", "L", "M", "K", "NT", "RD", "SK"];
const PARTICLES: &[&str] = &["VAN DER", "DE LA", "DI", "O'", "MAC", "AL", "VON", "DOS"];
const CITIES: &[&str] = &["UTOPOLIS", "NEW MORE", "AMAUROT", "PORTO NERO", "KASTELO", "VERDANT BAY", "LIRA", "STAROGRAD", "OSTHAVEN", "MIRAFLOR"];
/// Nationalities of visa and permit holders: real codes, Germany's `D`, and
/// the stateless/refugee codes.
const FOREIGN: &[&str] = &[
    "D", "FRA", "ITA", "GBR", "SWE", "POL", "IND", "BRA", "JPN", "NGA", "CAN", "MEX", "EGY", "CHN", "TUR", "XXA", "XXB", "XXC", "XXX", "UTO",
];

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut s = String::new();
    for i in 0..syllables {
        s.push_str(*rng.pick(ONSETS));
        s.push_str(*rng.pick(VOWELS));
        if i + 1 == syllables || rng.chance(0.25) {
            s.push_str(*rng.pick(CODAS));
        }
    }
    s
}

fn name_parts(rng: &mut Rng, max_parts: usize) -> String {
    let n = 1 + rng.below(max_parts);
    (0..n)
        .map(|_| {
            let k = 1 + rng.below(3);
            word(rng, k)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn alnum(rng: &mut Rng, n: usize, letter_share: f64) -> String {
    // No O/I in document numbers: issuers avoid them next to 0/1.
    const L: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    (0..n)
        .map(|_| if rng.chance(letter_share) { *rng.pick(L) as char } else { (b'0' + rng.below(10) as u8) as char })
        .collect()
}

impl Person {
    /// Random data for a document of `model`.
    pub fn random(rng: &mut Rng, model: &Model) -> Person {
        // Names: mostly short, some long enough to need truncation in the MRZ.
        let long = rng.chance(0.15);
        let syl = 1 + rng.below(3);
        let mut surname = if long { name_parts(rng, 3) + " " + &word(rng, 3) } else { word(rng, syl) };
        if rng.chance(0.08) {
            surname = format!("{}{}{}", rng.pick(PARTICLES), if rng.chance(0.5) { " " } else { "" }, surname);
            surname = surname.replace("O' ", "O'");
        }
        if rng.chance(0.07) {
            surname = format!("{}-{}", surname, word(rng, 2));
        }
        let given_names = if long { name_parts(rng, 4) + " " + &word(rng, 3) } else { name_parts(rng, 2) };
        let nationality = if model.foreign_holder {
            rng.pick(FOREIGN).to_string()
        } else if rng.chance(0.9) {
            model.issuer.to_string()
        } else {
            // Citizens' documents for stateless persons and refugees exist too
            // (travel documents), but keep the issuer most of the time.
            rng.pick(&["XXA", "XXB", "D", "FRA"]).to_string()
        };
        let birth = Date::random(rng, 1938, 2021);
        let birth_unknown_parts = rng.chance(0.02);
        let sex = *rng.pick(&['M', 'F', 'M', 'F', 'M', 'F', 'X']);
        let issue = Date::random(rng, 2016.max(birth.year + 1), 2025);
        let expiry = match model.format {
            Format::MrvA | Format::MrvB => issue.plus_months(1 + rng.below(36) as u32),
            _ => issue.plus_years_minus_day(*rng.pick(&[5, 10, 10])),
        };
        let long_number = model.long_numbers && rng.chance(0.3);
        let (n_long, n_short) = (10 + rng.below(3), 6 + rng.below(3));
        let document_number = if long_number {
            alnum(rng, n_long, 0.3)
        } else {
            match rng.below(3) {
                0 => format!("{}{}", alnum(rng, 2, 1.0), alnum(rng, 7, 0.0)),
                1 => alnum(rng, 9, 0.4),
                _ => format!("{}{}", alnum(rng, 1, 1.0), alnum(rng, n_short, 0.2)),
            }
        };
        let (n_td3, n_td1) = (6 + rng.below(8), 5 + rng.below(6));
        let optional_data = match model.format {
            Format::Td3 if rng.chance(0.5) => alnum(rng, n_td3, 0.2),
            Format::Td1 if rng.chance(0.3) && !long_number => alnum(rng, n_td1, 0.1),
            _ => String::new(),
        };
        let authority = if model.foreign_holder { rng.pick(CITIES).to_string() } else { format!("{} {}", rng.pick(&["PREFECTURE", "MINISTRY", "OFFICE"]), rng.pick(CITIES)) };
        Person {
            surname,
            given_names,
            nationality,
            birth,
            birth_unknown_parts,
            sex,
            place_of_birth: rng.pick(CITIES).to_string(),
            issue,
            expiry,
            document_number,
            optional_data,
            authority,
            entries: rng.pick(&["1", "2", "MULT"]).to_string(),
        }
    }

    pub fn birth_yymmdd(&self) -> String {
        if self.birth_unknown_parts {
            format!("{:02}<<<<", self.birth.year.rem_euclid(100))
        } else {
            self.birth.yymmdd()
        }
    }

    /// The MRZ lines for this person on a document of `model`.
    pub fn mrz(&self, model: &Model) -> Result<Vec<String>, MrzError> {
        MrzBuilder::new(model.format)
            .document_code(model.doc_code)
            .issuing_state(model.issuer)
            .names(&self.surname, &self.given_names)
            .document_number(&self.document_number)
            .nationality(&self.nationality)
            .birth_date(&self.birth_yymmdd())
            .sex(self.sex)
            .expiry_date(&self.expiry.yymmdd())
            .optional_data(&self.optional_data)
            .build()
    }

    /// The text printed in a VIZ field.
    pub fn viz_value(&self, key: FieldKey, model: &Model, claimed: &Model) -> String {
        let nd = model.numeric_dates;
        match key {
            FieldKey::DocType => claimed.viz_type.to_string(),
            FieldKey::IssuerCode => claimed.issuer.to_string(),
            FieldKey::DocNumber => self.document_number.clone(),
            FieldKey::Surname => self.surname.clone(),
            FieldKey::GivenNames => self.given_names.clone(),
            FieldKey::Nationality => self.nationality.clone(),
            FieldKey::BirthDate => {
                if self.birth_unknown_parts {
                    if nd { format!("XX.XX.{}", self.birth.year) } else { format!("XX XXX {}", self.birth.year) }
                } else {
                    self.birth.viz(nd)
                }
            }
            FieldKey::Sex => self.sex.to_string(),
            FieldKey::PlaceOfBirth => self.place_of_birth.clone(),
            FieldKey::IssueDate => self.issue.viz(nd),
            FieldKey::ExpiryDate => self.expiry.viz(nd),
            FieldKey::Authority => self.authority.clone(),
            FieldKey::Entries => self.entries.clone(),
        }
    }
}
