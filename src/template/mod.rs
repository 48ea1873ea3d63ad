//! Document templates: the reference layout of one document model, in
//! millimetres in the document frame.
//!
//! Built-in generic ICAO templates (one per format) encode only what Doc 9303
//! fixes: size and MRZ geometry. Issuer templates are enrolled from genuine
//! specimens ([`enroll`]) and carry reference pixels for their zones; a
//! template file (TOML) names its reference image, which lives beside it and
//! is verified against the SHA-256 the file records.

pub mod enroll;

use crate::error::Error;
use crate::geometry::{FIRST_CHAR_TOLERANCE_MM, FormatGeometry, LINE_CENTRE_TOLERANCE_MM, MAX_SKEW_DEG, RectMm};
use crate::mrz::Format;
use image::RgbImage;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The template file format version this library reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// What a zone holds and so how it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// The machine readable zone (checked by the MRZ checks).
    Mrz,
    /// The holder's portrait: position, size, edges, surrounding background.
    Portrait,
    /// Pre-printed content (emblem, titles, captions): compared with reference pixels.
    Static,
    /// Security background under personal data: compared with personal ink masked out.
    Background,
    /// Personalised text fields: not compared.
    Text,
    /// Must stay free of ink.
    Blank,
    /// Not checked (holograms, windows, laminate features).
    Excluded,
}

impl ZoneKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Mrz => "mrz",
            ZoneKind::Portrait => "portrait",
            ZoneKind::Static => "static",
            ZoneKind::Background => "background",
            ZoneKind::Text => "text",
            ZoneKind::Blank => "blank",
            ZoneKind::Excluded => "excluded",
        }
    }
}

/// One zone of a template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub name: String,
    pub kind: ZoneKind,
    pub rect: RectMm,
    /// Minimum similarity to the reference at each comparison level (fine to
    /// coarse, see [`crate::checks::zones`]), calibrated at enrollment.
    /// Empty: the check's default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<f64>,
    /// Positional tolerance in millimetres for matching the zone.
    #[serde(default = "default_zone_tolerance")]
    pub tolerance_mm: f64,
}

fn default_zone_tolerance() -> f64 {
    1.0
}

/// MRZ print tolerances.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MrzSpec {
    /// Allowed range of the first character's left edge, mm from the left edge.
    pub first_char_x_mm: [f64; 2],
    /// Allowed distance of each line's centre from its nominal position.
    pub line_centre_tolerance_mm: f64,
    /// Allowed relative deviation of the character pitch from 2.54 mm.
    pub pitch_tolerance: f64,
    /// Maximum skew of the lines against the document edge.
    pub max_skew_deg: f64,
    /// Where this issuer prints the line centres, relative to their Doc 9303
    /// nominal positions (mm, positive down); `line_centre_tolerance_mm`
    /// applies around it. Absent: the nominal positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_centre_offset_mm: Option<f64>,
    /// The issuer's MRZ font, measured on the enrolled specimens: the lowest
    /// median, 25th and 10th percentile, over the specimens, of the glyphs'
    /// OCR-B similarity. Absent in the generic templates (any OCR-B
    /// variant) and in templates enrolled before this was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_median_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_p25_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_p10_min: Option<f64>,
    /// The lowest median similarity of the fillers over the specimens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_filler_median_min: Option<f64>,
}

impl MrzSpec {
    /// The Doc 9303 tolerances for `format`.
    pub fn icao(format: Format) -> MrzSpec {
        let g = FormatGeometry::of(format);
        MrzSpec {
            first_char_x_mm: [g.first_char_x_mm - FIRST_CHAR_TOLERANCE_MM, g.first_char_x_mm + FIRST_CHAR_TOLERANCE_MM],
            line_centre_tolerance_mm: LINE_CENTRE_TOLERANCE_MM,
            // Doc 9303-3 4.2.2: 2.54 mm ± 0.1 mm per character over the line.
            pitch_tolerance: 0.04,
            max_skew_deg: MAX_SKEW_DEG,
            line_centre_offset_mm: None,
            font_median_min: None,
            font_p25_min: None,
            font_p10_min: None,
            font_filler_median_min: None,
        }
    }
}

impl Default for MrzSpec {
    fn default() -> Self {
        MrzSpec::icao(Format::Td3)
    }
}

/// Where the reference image is and what it must hash to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// Path of the reference PNG, relative to the template file.
    pub image: String,
    /// SHA-256 (hex) of the reference PNG file.
    pub sha256: String,
    /// Resolution of the reference image.
    pub px_per_mm: f64,
    /// Path of the personal-data mask PNG (white = varies between specimens),
    /// relative to the template file.
    pub mask: String,
    pub mask_sha256: String,
}

/// How the thresholds were obtained.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Calibration {
    pub specimens: u32,
    pub method: String,
    pub notes: Vec<String>,
}

/// A template as stored in TOML.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateFile {
    pub format_version: u32,
    pub id: String,
    /// Issuing state or organisation (ICAO code as in the MRZ, e.g. `UTO`, `D`).
    pub issuer: String,
    /// Document codes this model carries (`P`, `PO`, `ID`, `V`…); a code
    /// matches when the MRZ's code starts with it. Empty: any.
    #[serde(default)]
    pub document_codes: Vec<String>,
    pub format: Format,
    pub width_mm: f64,
    pub height_mm: f64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub mrz: Option<MrzSpec>,
    #[serde(default)]
    pub zones: Vec<Zone>,
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    #[serde(default)]
    pub calibration: Option<Calibration>,
}

/// A loaded, verified template.
#[derive(Clone, Debug)]
pub struct Template {
    pub file: TemplateFile,
    /// Reference pixels at `reference.px_per_mm` (issuer templates).
    pub reference: Option<RgbImage>,
    /// Personal-data mask at the same resolution: 0 stable; 64 fine detail
    /// varies (`zones::MASK_FINE_VARIES`); 192 personal, with the print
    /// between text strokes alike on every specimen
    /// (`zones::MASK_PERSONAL_PRINT`); 255 personal. At or above 128 is
    /// personal.
    pub mask: Option<image::GrayImage>,
    /// The reference prepared for comparison, computed once at load.
    prepared: Option<crate::checks::zones::PreparedReference>,
    /// What alignment uses of the reference, computed on first use.
    align_layout: std::sync::OnceLock<Option<crate::align::Layout>>,
    /// SHA-256 (hex) over the template file and its reference data.
    pub digest: String,
    /// Where it was loaded from (`None` for built-ins and in-memory templates).
    pub source: Option<PathBuf>,
    pub builtin: bool,
}

fn terr(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Template(format!("{}: {msg}", path.display()))
}

/// A TOML error with the line it points at, so that a wrong type names its
/// key: `line 6 (width_mm = "wide"): invalid type: string "wide", expected f64`.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    let Some(span) = e.span() else { return msg.to_string() };
    let start = span.start.min(text.len());
    let Some(line_start) = text.get(..start).map(|t| t.rfind('\n').map_or(0, |i| i + 1)) else { return msg.to_string() };
    let line_no = text[..line_start].matches('\n').count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let line: String = line.chars().take(80).collect();
    format!("line {line_no} ({line}): {msg}")
}

/// Largest template file or reference image accepted.
const MAX_TEMPLATE_BYTES: u64 = 64 * 1024 * 1024;

impl Template {
    /// The built-in generic ICAO template of `format`.
    pub fn icao(format: Format) -> Template {
        let g = FormatGeometry::of(format);
        let zones = vec![Zone {
            name: "mrz".into(),
            kind: ZoneKind::Mrz,
            rect: g.mrz_zone(),
            thresholds: vec![],
            tolerance_mm: LINE_CENTRE_TOLERANCE_MM,
        }];
        let file = TemplateFile {
            format_version: FORMAT_VERSION,
            id: format!("icao-{}", format.as_str().to_ascii_lowercase()),
            issuer: String::new(),
            document_codes: vec![],
            format,
            width_mm: g.width_mm,
            height_mm: g.height_mm,
            description: format!("ICAO Doc 9303 generic {format}: size and MRZ geometry"),
            mrz: Some(MrzSpec::icao(format)),
            zones,
            reference: None,
            calibration: None,
        };
        let digest = crate::screen::hex_sha256(toml::to_string(&file).unwrap_or_default().as_bytes());
        Template { file, reference: None, mask: None, prepared: None, align_layout: Default::default(), digest, source: None, builtin: true }
    }

    /// The reference prepared for comparison (see [`crate::checks::zones`]).
    pub fn prepared(&self) -> Option<&crate::checks::zones::PreparedReference> {
        self.prepared.as_ref()
    }

    /// What alignment uses of the reference (see [`crate::align`]).
    pub(crate) fn align_layout(&self) -> Option<&crate::align::Layout> {
        self.align_layout.get_or_init(|| crate::align::Layout::of(self)).as_ref()
    }

    pub fn id(&self) -> &str {
        &self.file.id
    }

    /// MRZ tolerances (the ICAO ones when the file gives none).
    pub fn mrz_spec(&self) -> MrzSpec {
        self.file.mrz.clone().unwrap_or_else(|| MrzSpec::icao(self.file.format))
    }

    /// Loads and verifies a template file and its reference data.
    pub fn load(path: &Path) -> Result<Template, Error> {
        let bytes = crate::screen::read_file_limited(path, MAX_TEMPLATE_BYTES)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| terr(path, "not UTF-8 text"))?;
        let file: TemplateFile = toml::from_str(text).map_err(|e| terr(path, toml_error(text, &e)))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut t = Template::from_file(file, |name| {
            let p = dir.join(name);
            crate::screen::read_file_limited(&p, MAX_TEMPLATE_BYTES)
        })
        .map_err(|e| match e {
            Error::Template(m) => terr(path, m),
            other => other,
        })?;
        let mut hasher = Sha256::new();
        hasher.update(&bytes);
        if let Some(r) = &t.file.reference {
            hasher.update(r.sha256.as_bytes());
            hasher.update(r.mask_sha256.as_bytes());
        }
        t.digest = hex(&hasher.finalize());
        t.source = Some(path.to_path_buf());
        Ok(t)
    }

    /// Loads one file, or every `*.toml` file of a directory (sorted by name).
    pub fn load_path(path: &Path) -> Result<Vec<Template>, Error> {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|source| Error::Io { path: path.to_path_buf(), source })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            files.iter().map(|p| Template::load(p)).collect()
        } else {
            Ok(vec![Template::load(path)?])
        }
    }

    /// Validates a parsed template and loads its reference data through `read`
    /// (given the relative file name).
    pub fn from_file(file: TemplateFile, read: impl Fn(&str) -> Result<Vec<u8>, Error>) -> Result<Template, Error> {
        validate_file(&file)?;
        let (reference, mask) = match &file.reference {
            None => (None, None),
            Some(r) => {
                let img = load_verified(&read, &r.image, &r.sha256)?;
                let mask = load_verified(&read, &r.mask, &r.mask_sha256)?;
                let img = img.to_rgb8();
                let mask = mask.to_luma8();
                let (ew, eh) = ((file.width_mm * r.px_per_mm).round() as u32, (file.height_mm * r.px_per_mm).round() as u32);
                if img.dimensions() != (ew, eh) || mask.dimensions() != (ew, eh) {
                    return Err(Error::Template(format!(
                        "reference is {:?} and mask {:?}; {} × {} mm at {} px/mm needs {ew}×{eh}",
                        img.dimensions(),
                        mask.dimensions(),
                        file.width_mm,
                        file.height_mm,
                        r.px_per_mm
                    )));
                }
                (Some(img), Some(mask))
            }
        };
        let digest = crate::screen::hex_sha256(toml::to_string(&file).unwrap_or_default().as_bytes());
        let prepared = match (&reference, &mask) {
            (Some(r), Some(m)) => Some(crate::checks::zones::PreparedReference::new(&crate::raster::Planes::from_rgb_image(r), m.as_raw())),
            _ => None,
        };
        Ok(Template { file, reference, mask, prepared, align_layout: Default::default(), digest, source: None, builtin: false })
    }

    /// Whether this template applies to a document claiming `issuer`,
    /// `document_code` and `format`.
    pub fn matches_claim(&self, issuer: &str, document_code: &str, format: Format) -> bool {
        self.file.format == format
            && self.file.issuer == issuer
            && (self.file.document_codes.is_empty()
                || self.file.document_codes.iter().any(|c| document_code.starts_with(c.trim_end_matches('<'))))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn load_verified(read: &impl Fn(&str) -> Result<Vec<u8>, Error>, name: &str, sha256: &str) -> Result<image::DynamicImage, Error> {
    if name.contains("..") || Path::new(name).is_absolute() {
        return Err(Error::Template(format!("reference path {name:?} must be a plain relative path")));
    }
    let bytes = read(name)?;
    let got = crate::screen::hex_sha256(&bytes);
    if !got.eq_ignore_ascii_case(sha256.trim()) {
        return Err(Error::Template(format!("reference data {name} has SHA-256 {got}, the template records {sha256}")));
    }
    let limits = crate::screen::Limits { max_width: 8192, max_height: 8192, max_pixels: 16_000_000, ..Default::default() };
    crate::screen::decode_with_limits(&bytes, &limits).map_err(|e| Error::Template(format!("reference data {name}: {e}")))
}

fn validate_file(f: &TemplateFile) -> Result<(), Error> {
    let bad = |m: String| Err(Error::Template(m));
    if f.format_version != FORMAT_VERSION {
        return bad(format!("format_version {} is not supported (this library reads {FORMAT_VERSION})", f.format_version));
    }
    if f.id.trim().is_empty() || f.id.len() > 128 {
        return bad("id must be 1-128 characters".into());
    }
    if !(1..=3).contains(&f.issuer.len()) || !f.issuer.bytes().all(|c| c.is_ascii_uppercase()) {
        return bad(format!("issuer {:?} must be a 1-3 letter ICAO code", f.issuer));
    }
    for c in &f.document_codes {
        if c.is_empty() || c.len() > 2 || !c.bytes().all(|b| b.is_ascii_uppercase() || b == b'<') {
            return bad(format!("document code {c:?} must be 1-2 MRZ characters"));
        }
    }
    let size_ok = |v: f64| v.is_finite() && (20.0..=400.0).contains(&v);
    if !size_ok(f.width_mm) || !size_ok(f.height_mm) {
        return bad(format!("document size {} × {} mm is not plausible", f.width_mm, f.height_mm));
    }
    if let Some(m) = &f.mrz {
        let vals = [m.first_char_x_mm[0], m.first_char_x_mm[1], m.line_centre_tolerance_mm, m.pitch_tolerance, m.max_skew_deg];
        if vals.iter().any(|v| !v.is_finite() || *v < 0.0) || m.first_char_x_mm[0] > m.first_char_x_mm[1] {
            return bad("mrz tolerances must be finite, non-negative, and first_char_x_mm ordered".into());
        }
        if m.line_centre_offset_mm.is_some_and(|v| !(-10.0..=10.0).contains(&v)) {
            return bad("mrz line_centre_offset_mm must lie within ±10 mm".into());
        }
        let font = [m.font_median_min, m.font_p25_min, m.font_p10_min, m.font_filler_median_min];
        if font.iter().flatten().any(|v| !(0.0..=1.0).contains(v)) {
            return bad("mrz font_median_min, font_p25_min, font_p10_min and font_filler_median_min must lie in 0–1".into());
        }
    }
    if f.zones.len() > 256 {
        return bad(format!("{} zones; at most 256", f.zones.len()));
    }
    for z in &f.zones {
        let r = z.rect;
        let finite = [r.x, r.y, r.w, r.h, z.tolerance_mm].iter().all(|v| v.is_finite());
        if !finite || r.w <= 0.0 || r.h <= 0.0 || r.x < -0.5 || r.y < -0.5 || r.right() > f.width_mm + 0.5 || r.bottom() > f.height_mm + 0.5 {
            return bad(format!("zone {:?} {:?} lies outside the {} × {} mm page or is empty", z.name, r, f.width_mm, f.height_mm));
        }
        if z.tolerance_mm < 0.0 || z.tolerance_mm > 20.0 {
            return bad(format!("zone {:?} tolerance {} mm is not plausible", z.name, z.tolerance_mm));
        }
        if z.thresholds.len() > crate::checks::zones::LEVELS.len() {
            return bad(format!("zone {:?} has {} thresholds; at most {}", z.name, z.thresholds.len(), crate::checks::zones::LEVELS.len()));
        }
        for &t in &z.thresholds {
            if !t.is_finite() || !(-1.0..=1.0).contains(&t) {
                return bad(format!("zone {:?} threshold {t} is outside [-1, 1]", z.name));
            }
        }
    }
    if let Some(r) = &f.reference {
        let want = crate::checks::zones::REF_PX_PER_MM;
        if r.px_per_mm != want {
            return bad(format!("reference px_per_mm {} is not supported (references are stored at {want} px/mm)", r.px_per_mm));
        }
    }
    Ok(())
}

/// The templates a screener applies: the built-in ICAO ones plus issuer templates.
#[derive(Clone, Debug)]
pub struct TemplateSet {
    icao: Vec<Template>,
    issuer: Vec<Template>,
}

impl Default for TemplateSet {
    fn default() -> Self {
        TemplateSet { icao: Format::ALL.iter().map(|&f| Template::icao(f)).collect(), issuer: Vec::new() }
    }
}

impl TemplateSet {
    /// Builds the set; duplicate ids are refused.
    pub fn new(issuer: Vec<Template>) -> Result<TemplateSet, Error> {
        let mut ids = std::collections::HashSet::new();
        for t in &issuer {
            if !ids.insert(t.id().to_owned()) {
                return Err(Error::Template(format!("two templates have the id {:?}", t.id())));
            }
        }
        Ok(TemplateSet { issuer, ..TemplateSet::default() })
    }

    /// The generic template of `format`.
    pub fn icao(&self, format: Format) -> &Template {
        self.icao.iter().find(|t| t.file.format == format).unwrap_or(&self.icao[0])
    }

    /// Issuer templates (in load order).
    pub fn issuer_templates(&self) -> &[Template] {
        &self.issuer
    }

    /// Every template: built-ins first.
    pub fn all(&self) -> impl Iterator<Item = &Template> {
        self.icao.iter().chain(self.issuer.iter())
    }

    /// Issuer templates for a claim.
    pub fn for_claim<'a>(&'a self, issuer: &'a str, code: &'a str, format: Format) -> impl Iterator<Item = &'a Template> + 'a {
        self.issuer.iter().filter(move |t| t.matches_claim(issuer, code, format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> TemplateFile {
        TemplateFile {
            format_version: 1,
            id: "uto-test".into(),
            issuer: "UTO".into(),
            document_codes: vec!["P".into()],
            format: Format::Td3,
            width_mm: 125.0,
            height_mm: 88.0,
            description: String::new(),
            mrz: None,
            zones: vec![],
            reference: None,
            calibration: None,
        }
    }

    #[test]
    fn toml_round_trip() {
        let f = minimal();
        let s = toml::to_string(&f).unwrap();
        let back: TemplateFile = toml::from_str(&s).unwrap();
        assert_eq!(f, back);
    }

    #[test]
    fn refuses_unknown_version_absurd_zones_and_unknown_keys() {
        let mut f = minimal();
        f.format_version = 99;
        assert!(matches!(Template::from_file(f, |_| unreachable!()), Err(Error::Template(m)) if m.contains("format_version")));
        let mut f = minimal();
        f.zones.push(Zone { name: "z".into(), kind: ZoneKind::Static, rect: RectMm::new(-10.0, 0.0, 5.0, 5.0), thresholds: vec![], tolerance_mm: 1.0 });
        assert!(matches!(Template::from_file(f, |_| unreachable!()), Err(Error::Template(m)) if m.contains("outside")));
        let s = toml::to_string(&minimal()).unwrap() + "\nsurprise = 1\n";
        assert!(toml::from_str::<TemplateFile>(&s).is_err());
    }

    #[test]
    fn claim_matching_uses_code_prefixes() {
        let t = Template::from_file(minimal(), |_| unreachable!()).unwrap();
        assert!(t.matches_claim("UTO", "P<", Format::Td3));
        assert!(t.matches_claim("UTO", "PO", Format::Td3));
        assert!(!t.matches_claim("UTO", "V<", Format::Td3));
        assert!(!t.matches_claim("D", "P<", Format::Td3));
    }

    #[test]
    fn builtins_exist_for_every_format() {
        let set = TemplateSet::default();
        for f in Format::ALL {
            assert_eq!(set.icao(f).file.format, f);
        }
    }
}
