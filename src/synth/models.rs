//! The fictional document models. Each is a small description: format, issuer,
//! titles, emblem, security background, portrait zone, personal-data fields.
//! Everything is in millimetres in the document frame; the MRZ position comes
//! from [`FormatGeometry`], never from here, so every model prints it at the
//! ICAO geometry.

use crate::geometry::{FormatGeometry, RectMm};
use crate::mrz::Format;

/// A personal-data field of the visual inspection zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKey {
    DocType,
    IssuerCode,
    DocNumber,
    Surname,
    GivenNames,
    Nationality,
    BirthDate,
    Sex,
    PlaceOfBirth,
    IssueDate,
    ExpiryDate,
    Authority,
    Entries,
}

impl FieldKey {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKey::DocType => "doc_type",
            FieldKey::IssuerCode => "issuer_code",
            FieldKey::DocNumber => "document_number",
            FieldKey::Surname => "surname",
            FieldKey::GivenNames => "given_names",
            FieldKey::Nationality => "nationality",
            FieldKey::BirthDate => "birth_date",
            FieldKey::Sex => "sex",
            FieldKey::PlaceOfBirth => "place_of_birth",
            FieldKey::IssueDate => "issue_date",
            FieldKey::ExpiryDate => "expiry_date",
            FieldKey::Authority => "authority",
            FieldKey::Entries => "entries",
        }
    }
}

/// One field: caption top-left at (x, y); the value is printed under it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub key: FieldKey,
    pub caption: &'static str,
    pub x: f64,
    pub y: f64,
}

const fn f(key: FieldKey, caption: &'static str, x: f64, y: f64) -> Field {
    Field { key, caption, x, y }
}

/// Pre-printed emblem shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emblem {
    Star,
    Sun,
    Shield,
    Rings,
}

impl Emblem {
    pub const ALL: [Emblem; 4] = [Emblem::Star, Emblem::Sun, Emblem::Shield, Emblem::Rings];
    pub fn as_str(self) -> &'static str {
        match self {
            Emblem::Star => "star",
            Emblem::Sun => "sun",
            Emblem::Shield => "shield",
            Emblem::Rings => "rings",
        }
    }
}

/// One family of guilloche-like lines: the iso-lines of a smooth field.
#[derive(Clone, Copy, Debug)]
pub enum Family {
    /// Wavy concentric rings around (cx, cy): r + amp·sin(waves·θ + twist·r).
    Rings { cx: f64, cy: f64, spacing: f64, amp: f64, waves: f64, twist: f64 },
    /// Wavy parallel lines at `angle` degrees.
    Waves { angle: f64, spacing: f64, amp: f64, period: f64 },
    /// Spiral spokes around (cx, cy).
    Spokes { cx: f64, cy: f64, count: f64, twist: f64 },
}

/// A line family with its ink and line width.
#[derive(Clone, Copy, Debug)]
pub struct Lines {
    pub family: Family,
    pub colour: u32,
    pub width_mm: f64,
    /// Ink strength (0–1).
    pub strength: f32,
}

/// The background: two-tint gradient, line families, micro-text line.
#[derive(Clone, Copy, Debug)]
pub struct Background {
    pub paper: u32,
    pub tint_a: u32,
    pub tint_b: u32,
    /// Gradient direction in degrees.
    pub tint_angle: f64,
    pub lines: &'static [Lines],
    /// Strength of the pattern inside the MRZ zone (kept faint there so the
    /// MRZ stays machine readable, as Doc 9303 asks).
    pub mrz_strength: f32,
    /// Baseline y of a micro-printed line of the issuer's name, if any.
    pub microtext_y: Option<f64>,
}

/// A text item of the pre-printed layout.
#[derive(Clone, Copy, Debug)]
pub struct Title {
    pub text: &'static str,
    pub x: f64,
    pub baseline: f64,
    pub cap_mm: f64,
    pub centred: bool,
    pub serif: bool,
}

/// A document model.
#[derive(Clone, Copy, Debug)]
pub struct Model {
    pub id: &'static str,
    /// Issuing state code printed in the MRZ.
    pub issuer: &'static str,
    pub format: Format,
    /// MRZ document code (`P`, `ID`, `IR`, `V`).
    pub doc_code: &'static str,
    /// Value printed in the VIZ "type" field.
    pub viz_type: &'static str,
    pub title: Title,
    pub subtitle: Title,
    pub emblem: Emblem,
    pub emblem_box: RectMm,
    pub portrait: RectMm,
    pub grey_portrait: bool,
    /// A small, faint second portrait (ghost image), if the model has one.
    pub ghost: Option<RectMm>,
    pub fields: &'static [Field],
    pub caption_mm: f64,
    pub data_mm: f64,
    /// Ink of titles, emblem and captions.
    pub ink: u32,
    pub caption_ink: u32,
    pub background: Background,
    /// Date style: false = `12 APR 2031`, true = `12.04.2031`.
    pub numeric_dates: bool,
    /// Holder nationality is usually the issuer's (passports, ID cards), or
    /// foreign (visas, residence permits).
    pub foreign_holder: bool,
    /// TD1/TD2 models whose document numbers may exceed nine characters.
    pub long_numbers: bool,
}

impl Model {
    pub fn geometry(&self) -> &'static FormatGeometry {
        FormatGeometry::of(self.format)
    }
    pub fn width_mm(&self) -> f64 {
        self.geometry().width_mm
    }
    pub fn height_mm(&self) -> f64 {
        self.geometry().height_mm
    }
    /// The model of the other issuer with the same physical size that
    /// `wrong_template` prints this model's data on.
    pub fn wrong_template_partner(&self) -> Option<&'static Model> {
        let g = self.geometry();
        MODELS
            .iter()
            .filter(|m| m.issuer != self.issuer)
            .filter(|m| {
                let h = m.geometry();
                (h.width_mm - g.width_mm).abs() < 0.01
                    && (h.height_mm - g.height_mm).abs() < 0.01
                    && m.format.line_count() == self.format.line_count()
                    && m.format.line_len() == self.format.line_len()
            })
            // Prefer the same format (a passport on a passport layout).
            .min_by_key(|m| (m.format != self.format) as u8)
    }
}

/// Looks a model up by id.
pub fn model(id: &str) -> Option<&'static Model> {
    MODELS.iter().find(|m| m.id == id)
}

const fn t(text: &'static str, x: f64, baseline: f64, cap_mm: f64, centred: bool, serif: bool) -> Title {
    Title { text, x, baseline, cap_mm, centred, serif }
}

const fn r(x: f64, y: f64, w: f64, h: f64) -> RectMm {
    RectMm::new(x, y, w, h)
}

use FieldKey::*;

// ---- Utopia (UTO): serif titles, portrait left, English/French captions. ----

static UTO_P_LINES: [Lines; 3] = [
    Lines { family: Family::Rings { cx: 82.0, cy: 42.0, spacing: 1.15, amp: 0.55, waves: 9.0, twist: 0.35 }, colour: 0x5A7FA8, width_mm: 0.07, strength: 0.55 },
    Lines { family: Family::Waves { angle: 12.0, spacing: 1.7, amp: 1.4, period: 23.0 }, colour: 0x6E9A8C, width_mm: 0.06, strength: 0.45 },
    Lines { family: Family::Spokes { cx: 82.0, cy: 42.0, count: 72.0, twist: 0.09 }, colour: 0x8FA9C8, width_mm: 0.05, strength: 0.35 },
];
static UTO_I_LINES: [Lines; 2] = [
    Lines { family: Family::Rings { cx: 55.0, cy: 20.0, spacing: 0.95, amp: 0.45, waves: 7.0, twist: 0.5 }, colour: 0xA0705A, width_mm: 0.06, strength: 0.5 },
    Lines { family: Family::Waves { angle: -20.0, spacing: 1.4, amp: 1.1, period: 17.0 }, colour: 0xB58E6A, width_mm: 0.06, strength: 0.4 },
];
static UTO_V_LINES: [Lines; 2] = [
    Lines { family: Family::Rings { cx: 66.0, cy: 30.0, spacing: 1.05, amp: 0.6, waves: 11.0, twist: 0.3 }, colour: 0x7A5AA8, width_mm: 0.06, strength: 0.5 },
    Lines { family: Family::Waves { angle: 80.0, spacing: 1.5, amp: 1.2, period: 19.0 }, colour: 0x9A84C0, width_mm: 0.06, strength: 0.4 },
];
static UTO_VA_LINES: [Lines; 3] = [
    Lines { family: Family::Spokes { cx: 70.0, cy: 34.0, count: 96.0, twist: 0.12 }, colour: 0x5E8F6A, width_mm: 0.05, strength: 0.4 },
    Lines { family: Family::Rings { cx: 70.0, cy: 34.0, spacing: 1.25, amp: 0.7, waves: 6.0, twist: 0.25 }, colour: 0x4F7F8F, width_mm: 0.07, strength: 0.5 },
    Lines { family: Family::Waves { angle: 0.0, spacing: 2.2, amp: 0.8, period: 11.0 }, colour: 0x8FB08A, width_mm: 0.05, strength: 0.35 },
];
static UTO_R_LINES: [Lines; 2] = [
    Lines { family: Family::Waves { angle: 35.0, spacing: 1.3, amp: 1.0, period: 14.0 }, colour: 0x5A8AA0, width_mm: 0.06, strength: 0.45 },
    Lines { family: Family::Waves { angle: -35.0, spacing: 1.3, amp: 1.0, period: 14.0 }, colour: 0x7AA0B5, width_mm: 0.06, strength: 0.45 },
];

pub static MODELS: [Model; 9] = [
    Model {
        id: "uto-p-2024",
        issuer: "UTO",
        format: Format::Td3,
        doc_code: "P",
        viz_type: "P",
        title: t("UTOPIA", 46.0, 10.5, 4.6, false, true),
        subtitle: t("PASSPORT / PASSEPORT / PASAPORTE", 46.0, 15.3, 1.9, false, false),
        emblem: Emblem::Star,
        emblem_box: r(6.0, 2.5, 15.0, 15.0),
        portrait: r(5.0, 21.0, 35.0, 43.0),
        grey_portrait: false,
        ghost: Some(r(104.0, 36.0, 16.0, 20.0)),
        fields: &[
            f(DocType, "Type", 46.0, 19.0),
            f(IssuerCode, "Code", 60.0, 19.0),
            f(DocNumber, "Passport No. / No. du passeport", 80.0, 19.0),
            f(Surname, "Surname / Nom", 46.0, 25.5),
            f(GivenNames, "Given names / Prenoms", 46.0, 32.0),
            f(Nationality, "Nationality / Nationalite", 46.0, 38.5),
            f(BirthDate, "Date of birth / Date de naissance", 46.0, 45.0),
            f(Sex, "Sex / Sexe", 84.0, 45.0),
            f(PlaceOfBirth, "Place of birth / Lieu de naissance", 46.0, 51.5),
            f(Authority, "Authority / Autorite", 84.0, 51.5),
            f(IssueDate, "Date of issue / Date de delivrance", 46.0, 58.0),
            f(ExpiryDate, "Date of expiry / Date d'expiration", 84.0, 58.0),
        ],
        caption_mm: 1.2,
        data_mm: 2.1,
        ink: 0x1F3A6B,
        caption_ink: 0x3A4A5E,
        background: Background {
            paper: 0xF2F4EF,
            tint_a: 0xE3EEF0,
            tint_b: 0xEAF0E0,
            tint_angle: 20.0,
            lines: &UTO_P_LINES,
            mrz_strength: 0.3,
            microtext_y: Some(17.6),
        },
        numeric_dates: false,
        foreign_holder: false,
        long_numbers: false,
    },
    Model {
        id: "uto-i-2021",
        issuer: "UTO",
        format: Format::Td1,
        doc_code: "ID",
        viz_type: "ID",
        title: t("UTOPIA", 24.0, 6.6, 3.2, false, true),
        subtitle: t("IDENTITY CARD / CARTE D'IDENTITE", 24.0, 9.8, 1.25, false, false),
        emblem: Emblem::Rings,
        emblem_box: r(71.0, 2.5, 11.0, 11.0),
        portrait: r(3.0, 3.5, 18.0, 24.0),
        grey_portrait: false,
        ghost: Some(r(73.0, 16.0, 8.0, 10.0)),
        fields: &[
            f(Surname, "Surname / Nom", 24.0, 11.3),
            f(GivenNames, "Given names / Prenoms", 24.0, 15.3),
            f(BirthDate, "Date of birth", 24.0, 19.3),
            f(Sex, "Sex", 45.0, 19.3),
            f(Nationality, "Nationality", 53.0, 19.3),
            f(DocNumber, "Card No.", 24.0, 23.3),
            f(ExpiryDate, "Date of expiry", 50.0, 23.3),
        ],
        caption_mm: 0.9,
        data_mm: 1.6,
        ink: 0x6B2A1F,
        caption_ink: 0x5A4038,
        background: Background {
            paper: 0xF3EFE6,
            tint_a: 0xEFE4D6,
            tint_b: 0xF3EADF,
            tint_angle: -30.0,
            lines: &UTO_I_LINES,
            mrz_strength: 0.3,
            microtext_y: Some(29.6),
        },
        numeric_dates: false,
        foreign_holder: false,
        long_numbers: true,
    },
    Model {
        id: "uto-v-2022",
        issuer: "UTO",
        format: Format::MrvB,
        doc_code: "V",
        viz_type: "C",
        title: t("UTOPIA", 20.0, 9.0, 3.8, false, true),
        subtitle: t("VISA", 20.0, 13.6, 1.8, false, false),
        emblem: Emblem::Star,
        emblem_box: r(4.0, 2.5, 12.0, 12.0),
        portrait: r(4.0, 17.0, 28.0, 33.0),
        grey_portrait: false,
        ghost: None,
        fields: &[
            f(DocType, "Type", 36.0, 16.5),
            f(Entries, "Entries", 55.0, 16.5),
            f(ExpiryDate, "Valid until", 76.0, 16.5),
            f(Surname, "Surname / Nom", 36.0, 21.8),
            f(GivenNames, "Given names / Prenoms", 36.0, 27.1),
            f(Nationality, "Nationality", 36.0, 32.4),
            f(BirthDate, "Date of birth", 36.0, 37.7),
            f(Sex, "Sex", 72.0, 37.7),
            f(DocNumber, "Passport No.", 36.0, 43.0),
            f(IssueDate, "Issued", 72.0, 43.0),
        ],
        caption_mm: 1.05,
        data_mm: 1.9,
        ink: 0x3E2A6B,
        caption_ink: 0x4A4060,
        background: Background {
            paper: 0xF1EEF5,
            tint_a: 0xE6DDF0,
            tint_b: 0xEFE6F2,
            tint_angle: 70.0,
            lines: &UTO_V_LINES,
            mrz_strength: 0.3,
            microtext_y: None,
        },
        numeric_dates: false,
        foreign_holder: true,
        long_numbers: false,
    },
    Model {
        id: "uto-va-2023",
        issuer: "UTO",
        format: Format::MrvA,
        doc_code: "V",
        viz_type: "D",
        title: t("UTOPIA", 6.0, 10.0, 4.2, false, true),
        subtitle: t("VISA / VISA DE LONG SEJOUR", 6.0, 15.0, 1.9, false, false),
        emblem: Emblem::Sun,
        emblem_box: r(100.0, 2.5, 15.0, 15.0),
        portrait: r(5.0, 19.0, 30.0, 36.0),
        grey_portrait: false,
        ghost: Some(r(100.0, 38.0, 14.0, 17.0)),
        fields: &[
            f(DocType, "Type", 40.0, 19.0),
            f(Entries, "Entries", 56.0, 19.0),
            f(DocNumber, "Passport No.", 76.0, 19.0),
            f(Surname, "Surname / Nom", 40.0, 24.5),
            f(GivenNames, "Given names / Prenoms", 40.0, 30.0),
            f(Nationality, "Nationality", 40.0, 35.5),
            f(BirthDate, "Date of birth", 40.0, 41.0),
            f(Sex, "Sex", 76.0, 41.0),
            f(IssueDate, "Valid from", 40.0, 46.5),
            f(ExpiryDate, "Valid until", 76.0, 46.5),
            f(Authority, "Issued at", 40.0, 52.0),
        ],
        caption_mm: 1.1,
        data_mm: 1.95,
        ink: 0x1F5A3A,
        caption_ink: 0x35503E,
        background: Background {
            paper: 0xF0F4EE,
            tint_a: 0xE2EEDF,
            tint_b: 0xEDF2E4,
            tint_angle: 45.0,
            lines: &UTO_VA_LINES,
            mrz_strength: 0.3,
            microtext_y: Some(17.4),
        },
        numeric_dates: false,
        foreign_holder: true,
        long_numbers: false,
    },
    Model {
        id: "uto-r-2020",
        issuer: "UTO",
        format: Format::Td2,
        doc_code: "IR",
        viz_type: "IR",
        title: t("UTOPIA", 34.0, 8.0, 3.6, false, true),
        subtitle: t("RESIDENCE PERMIT / TITRE DE SEJOUR", 34.0, 12.3, 1.4, false, false),
        emblem: Emblem::Rings,
        emblem_box: r(89.0, 2.5, 12.5, 12.5),
        portrait: r(4.0, 5.0, 26.0, 33.0),
        grey_portrait: false,
        ghost: None,
        fields: &[
            f(Surname, "Surname / Nom", 34.0, 16.0),
            f(GivenNames, "Given names / Prenoms", 34.0, 21.5),
            f(Nationality, "Nationality", 34.0, 27.0),
            f(BirthDate, "Date of birth", 34.0, 32.5),
            f(Sex, "Sex", 66.0, 32.5),
            f(DocNumber, "Permit No.", 34.0, 38.0),
            f(ExpiryDate, "Valid until", 66.0, 38.0),
            f(Authority, "Remarks", 4.0, 43.5),
        ],
        caption_mm: 1.05,
        data_mm: 1.9,
        ink: 0x1F4A6B,
        caption_ink: 0x384A58,
        background: Background {
            paper: 0xF0F3F5,
            tint_a: 0xDCE8EF,
            tint_b: 0xEAF0F3,
            tint_angle: -10.0,
            lines: &UTO_R_LINES,
            mrz_strength: 0.3,
            microtext_y: Some(49.0),
        },
        numeric_dates: false,
        foreign_holder: true,
        long_numbers: true,
    },
    // ---- Zazania (ZZA, an unassigned code): sans titles centred, emblem on
    // the other side, numeric dates, warm inks, grey portraits. ----
    Model {
        id: "zza-p-2019",
        issuer: "ZZA",
        format: Format::Td3,
        doc_code: "P",
        viz_type: "P",
        title: t("REPUBLIC OF ZAZANIA", 62.5, 8.2, 3.3, true, false),
        subtitle: t("PASPORTA / PASSPORT", 62.5, 13.2, 1.9, true, false),
        emblem: Emblem::Sun,
        emblem_box: r(107.0, 2.0, 14.0, 14.0),
        portrait: r(6.0, 18.0, 32.0, 41.0),
        grey_portrait: true,
        ghost: None,
        fields: &[
            f(DocType, "Tip / Type", 44.0, 18.0),
            f(IssuerCode, "Kod / Code", 62.0, 18.0),
            f(DocNumber, "Pasporta Nr. / Passport No.", 86.0, 18.0),
            f(Surname, "Familia / Surname", 44.0, 24.0),
            f(GivenNames, "Nomi / Given names", 44.0, 30.0),
            f(BirthDate, "Nasko / Date of birth", 44.0, 36.0),
            f(PlaceOfBirth, "Loko / Place of birth", 86.0, 36.0),
            f(Sex, "Seks / Sex", 44.0, 42.0),
            f(Nationality, "Nacio / Nationality", 62.0, 42.0),
            f(IssueDate, "Emisa / Date of issue", 44.0, 48.0),
            f(ExpiryDate, "Valida / Date of expiry", 86.0, 48.0),
            f(Authority, "Autoritato / Authority", 44.0, 54.0),
        ],
        caption_mm: 1.15,
        data_mm: 2.2,
        ink: 0x8A2E1C,
        caption_ink: 0x6A4030,
        background: Background {
            paper: 0xF6F0E8,
            tint_a: 0xF5DFD0,
            tint_b: 0xF2EBD8,
            tint_angle: 90.0,
            lines: &ZZA_P_LINES,
            mrz_strength: 0.25,
            microtext_y: Some(61.5),
        },
        numeric_dates: true,
        foreign_holder: false,
        long_numbers: false,
    },
    Model {
        id: "zza-i-2018",
        issuer: "ZZA",
        format: Format::Td1,
        doc_code: "I",
        viz_type: "I",
        title: t("ZAZANIA", 42.8, 5.4, 2.6, true, false),
        subtitle: t("NACIA IDENTIGA KARTO / NATIONAL ID CARD", 42.8, 8.6, 1.1, true, false),
        emblem: Emblem::Shield,
        emblem_box: r(3.0, 1.5, 8.5, 9.5),
        portrait: r(64.0, 10.5, 18.0, 19.0),
        grey_portrait: true,
        ghost: None,
        fields: &[
            f(Surname, "Familia / Surname", 4.0, 11.5),
            f(GivenNames, "Nomi / Given names", 4.0, 15.5),
            f(BirthDate, "Nasko / Birth", 4.0, 19.5),
            f(Sex, "Seks", 30.0, 19.5),
            f(Nationality, "Nacio", 40.0, 19.5),
            f(DocNumber, "Karto Nr.", 4.0, 23.8),
            f(ExpiryDate, "Valida / Expiry", 32.0, 23.8),
        ],
        caption_mm: 0.9,
        data_mm: 1.7,
        ink: 0x7A2E2E,
        caption_ink: 0x6A4040,
        background: Background {
            paper: 0xF5EFEA,
            tint_a: 0xF2DCD6,
            tint_b: 0xF5EDE0,
            tint_angle: 0.0,
            lines: &ZZA_I_LINES,
            mrz_strength: 0.25,
            microtext_y: None,
        },
        numeric_dates: true,
        foreign_holder: false,
        long_numbers: true,
    },
    Model {
        id: "zza-v-2020",
        issuer: "ZZA",
        format: Format::MrvB,
        doc_code: "V",
        viz_type: "C",
        title: t("ZAZANIA", 4.0, 7.6, 3.2, false, false),
        subtitle: t("VIZO / VISA", 4.0, 11.8, 1.6, false, false),
        emblem: Emblem::Shield,
        emblem_box: r(55.0, 2.0, 10.0, 11.0),
        portrait: r(72.0, 14.0, 28.0, 34.0),
        grey_portrait: true,
        ghost: None,
        fields: &[
            f(IssueDate, "De / From", 4.0, 15.5),
            f(ExpiryDate, "Gis / Until", 26.0, 15.5),
            f(DocType, "Tip", 50.0, 15.5),
            f(Surname, "Familia / Surname", 4.0, 21.0),
            f(GivenNames, "Nomi / Given names", 4.0, 26.5),
            f(BirthDate, "Nasko / Birth", 4.0, 32.0),
            f(Sex, "Seks", 30.0, 32.0),
            f(Nationality, "Nacio", 42.0, 32.0),
            f(DocNumber, "Pasporta Nr.", 4.0, 37.5),
            f(Entries, "Enirojn", 42.0, 37.5),
            f(Authority, "Emisita en", 4.0, 43.0),
        ],
        caption_mm: 1.0,
        data_mm: 1.9,
        ink: 0x7A3A10,
        caption_ink: 0x6A4A30,
        background: Background {
            paper: 0xF7F2E6,
            tint_a: 0xF3E4C8,
            tint_b: 0xF5EEDC,
            tint_angle: 120.0,
            lines: &ZZA_V_LINES,
            mrz_strength: 0.25,
            microtext_y: Some(48.8),
        },
        numeric_dates: true,
        foreign_holder: true,
        long_numbers: false,
    },
    Model {
        id: "zza-va-2021",
        issuer: "ZZA",
        format: Format::MrvA,
        doc_code: "V",
        viz_type: "D",
        title: t("REPUBLIC OF ZAZANIA", 60.0, 8.0, 3.2, true, false),
        subtitle: t("VIZO / VISA", 60.0, 12.8, 1.8, true, false),
        emblem: Emblem::Shield,
        emblem_box: r(5.0, 2.0, 11.0, 12.5),
        portrait: r(86.0, 17.0, 29.0, 36.0),
        grey_portrait: true,
        ghost: None,
        fields: &[
            f(DocType, "Tip", 5.0, 17.0),
            f(Entries, "Enirojn", 22.0, 17.0),
            f(DocNumber, "Pasporta Nr.", 45.0, 17.0),
            f(Surname, "Familia / Surname", 5.0, 23.0),
            f(GivenNames, "Nomi / Given names", 5.0, 29.0),
            f(Nationality, "Nacio / Nationality", 5.0, 35.0),
            f(BirthDate, "Nasko / Birth", 5.0, 41.0),
            f(Sex, "Seks / Sex", 45.0, 41.0),
            f(IssueDate, "De / From", 5.0, 47.0),
            f(ExpiryDate, "Gis / Until", 45.0, 47.0),
        ],
        caption_mm: 1.1,
        data_mm: 2.0,
        ink: 0x6B2A40,
        caption_ink: 0x5A4050,
        background: Background {
            paper: 0xF6EFF0,
            tint_a: 0xF2DDE2,
            tint_b: 0xF4ECE6,
            tint_angle: 160.0,
            lines: &ZZA_VA_LINES,
            mrz_strength: 0.25,
            microtext_y: Some(54.5),
        },
        numeric_dates: true,
        foreign_holder: true,
        long_numbers: false,
    },
];

static ZZA_P_LINES: [Lines; 3] = [
    Lines { family: Family::Spokes { cx: 62.0, cy: 36.0, count: 120.0, twist: 0.05 }, colour: 0xC07A50, width_mm: 0.05, strength: 0.4 },
    Lines { family: Family::Waves { angle: 90.0, spacing: 1.2, amp: 2.0, period: 31.0 }, colour: 0xB0604A, width_mm: 0.06, strength: 0.45 },
    Lines { family: Family::Waves { angle: 0.0, spacing: 2.4, amp: 0.9, period: 9.0 }, colour: 0xD0A070, width_mm: 0.06, strength: 0.35 },
];
static ZZA_I_LINES: [Lines; 2] = [
    Lines { family: Family::Spokes { cx: 43.0, cy: 18.0, count: 90.0, twist: 0.08 }, colour: 0xB06060, width_mm: 0.05, strength: 0.45 },
    Lines { family: Family::Waves { angle: 90.0, spacing: 1.0, amp: 1.5, period: 21.0 }, colour: 0xC08070, width_mm: 0.05, strength: 0.4 },
];
static ZZA_V_LINES: [Lines; 2] = [
    Lines { family: Family::Waves { angle: 60.0, spacing: 1.1, amp: 1.6, period: 25.0 }, colour: 0xB08040, width_mm: 0.06, strength: 0.45 },
    Lines { family: Family::Spokes { cx: 30.0, cy: 30.0, count: 80.0, twist: 0.1 }, colour: 0xC09A60, width_mm: 0.05, strength: 0.4 },
];
static ZZA_VA_LINES: [Lines; 2] = [
    Lines { family: Family::Rings { cx: 40.0, cy: 30.0, spacing: 1.6, amp: 1.0, waves: 5.0, twist: 0.15 }, colour: 0xA05070, width_mm: 0.07, strength: 0.45 },
    Lines { family: Family::Waves { angle: -60.0, spacing: 1.3, amp: 1.3, period: 18.0 }, colour: 0xC08090, width_mm: 0.06, strength: 0.4 },
];

/// Every model id.
pub fn model_ids() -> Vec<&'static str> {
    MODELS.iter().map(|m| m.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::MRZ_ZONE_HEIGHT_MM;

    #[test]
    fn personal_zones_stay_out_of_the_mrz_zone() {
        for m in &MODELS {
            let top = m.height_mm() - MRZ_ZONE_HEIGHT_MM;
            assert!(m.portrait.bottom() < top, "{}: portrait", m.id);
            for fl in m.fields {
                assert!(fl.y + m.caption_mm + m.data_mm + 0.8 < top, "{}: field {:?}", m.id, fl.key);
            }
            assert!(m.emblem_box.bottom() < top && m.emblem_box.right() < m.width_mm(), "{}: emblem", m.id);
        }
    }

    #[test]
    fn every_model_has_a_wrong_template_partner_of_its_size() {
        for m in &MODELS {
            let p = m.wrong_template_partner().unwrap_or_else(|| panic!("{} has no partner", m.id));
            assert_ne!(p.issuer, m.issuer);
        }
    }
}
