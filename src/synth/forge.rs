//! Forgeries. Each one changes the plan before rendering (MRZ text, MRZ
//! print, layout) or the clean render afterwards (portrait, pre-printed
//! zones), and reports its parameters and the zone it touched.

use serde_json::{Map, Value, json};

use super::draw::{Canvas, FontId, rgb};
use super::face::{Face, PortraitPrint, draw_portrait};
use super::models::{Emblem, Model};
use super::person::Date;
use super::render::{DocumentPlan, draw_emblem, draw_title, round3, title_box};
use super::rng::Rng;
use crate::geometry::{MRZ_ZONE_HEIGHT_MM, RectMm};
use crate::mrz::{CheckName, validate_lines};

/// What was done to a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Genuine,
    /// One digit of a checked MRZ field changed; check digits left as they were.
    MrzDigit,
    /// MRZ data changed and every check digit recomputed; the visual zone
    /// still shows the old value.
    MrzRecomputed,
    /// Portrait replaced by another person's, pasted.
    PhotoSwap,
    /// The data and MRZ of one model printed on another issuer's layout.
    WrongTemplate,
    /// Emblem or title replaced, a copy-moved patch, or erased background.
    ZoneTamper,
    /// MRZ printed in a monospace font other than OCR-B, at the right geometry.
    MrzFont,
    /// MRZ moved out of its printing band, or printed at the wrong pitch.
    MrzShift,
}

impl Kind {
    pub const ALL: [Kind; 8] =
        [Kind::Genuine, Kind::MrzDigit, Kind::MrzRecomputed, Kind::PhotoSwap, Kind::WrongTemplate, Kind::ZoneTamper, Kind::MrzFont, Kind::MrzShift];
    pub const FORGERIES: [Kind; 7] = [Kind::MrzDigit, Kind::MrzRecomputed, Kind::PhotoSwap, Kind::WrongTemplate, Kind::ZoneTamper, Kind::MrzFont, Kind::MrzShift];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Genuine => "genuine",
            Kind::MrzDigit => "mrz_digit",
            Kind::MrzRecomputed => "mrz_recomputed",
            Kind::PhotoSwap => "photo_swap",
            Kind::WrongTemplate => "wrong_template",
            Kind::ZoneTamper => "zone_tamper",
            Kind::MrzFont => "mrz_font",
            Kind::MrzShift => "mrz_shift",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown kind {s:?} (expected one of {})", Kind::ALL.map(|k| k.as_str()).join(", ")))
    }
}

/// What a forgery reports: parameters, and the zone it touched (mm,
/// document frame).
#[derive(Clone, Debug, Default)]
pub struct Forgery {
    pub detail: Map<String, Value>,
    pub zone_mm: Option<RectMm>,
}

/// The MRZ character cell (mm) of (line, col) at the nominal geometry.
pub fn cell_mm(m: &Model, line: usize, col: usize) -> RectMm {
    let g = m.geometry();
    let cy = g.line_centre_y_mm(line);
    RectMm::new(g.first_char_x_mm + col as f64 * g.char_pitch_mm, cy - 1.6, g.char_pitch_mm, 3.2)
}

fn union(a: &RectMm, b: &RectMm) -> RectMm {
    let x = a.x.min(b.x);
    let y = a.y.min(b.y);
    RectMm::new(x, y, a.right().max(b.right()) - x, a.bottom().max(b.bottom()) - y)
}

// ------------------------------------------------------------- before render

/// `mrz_digit`: changes one digit inside a field protected by a check digit
/// so that exactly that field's check (and the composite, where the field is
/// covered by it) fails and no field rule breaks.
pub fn mrz_digit(plan: &mut DocumentPlan, rng: &mut Rng) -> Forgery {
    let m = plan.claimed;
    let layout = m.format.layout();
    let mut targets = vec![(CheckName::DocumentNumber, layout.document_number), (CheckName::BirthDate, layout.birth_date)];
    if let Some(e) = layout.expiry_date {
        targets.push((CheckName::ExpiryDate, e));
    }
    if let (Some(o), Some(_)) = (layout.optional_data, layout.optional_data_cd) {
        targets.push((CheckName::OptionalData, o));
    }
    let original: Vec<Vec<u8>> = plan.mrz.iter().map(|l| l.as_bytes().to_vec()).collect();
    // Each draw is a (field, position, digit) candidate; keep the first one
    // whose validation fails exactly the intended checks.
    for _ in 0..200 {
        let (check, span) = *rng.pick(&targets);
        let cols: Vec<usize> = (span.start as usize..span.end() as usize).filter(|&c| original[span.line as usize][c].is_ascii_digit()).collect();
        if cols.is_empty() {
            continue;
        }
        let col = *rng.pick(&cols);
        let line = span.line as usize;
        let was = original[line][col];
        let now = b'0' + ((was - b'0') + 1 + rng.below(9) as u8) % 10;
        let mut lines = original.clone();
        lines[line][col] = now;
        let text: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        let Ok(v) = validate_lines(&text, Some(m.format)) else { continue };
        let before = validate_lines(&plan.mrz, Some(m.format)).ok();
        // Checks that already failed on the genuine MRZ (an unassigned issuer
        // code) are not the forgery's doing.
        let failed_before: Vec<CheckName> = before.map(|b| b.failed().map(|c| c.name).collect()).unwrap_or_default();
        let failed: Vec<CheckName> = v.failed().map(|c| c.name).filter(|n| !failed_before.contains(n)).collect();
        let mut expect = vec![check];
        if layout.composite_cd.is_some() && layout.composite_ranges.iter().any(|r| r.line == span.line && r.start <= span.start && r.end() >= span.end()) {
            expect.push(CheckName::Composite);
        }
        let mut f_sorted = failed.clone();
        f_sorted.sort_by_key(|c| c.as_str());
        let mut e_sorted = expect.clone();
        e_sorted.sort_by_key(|c| c.as_str());
        if f_sorted != e_sorted {
            continue;
        }
        plan.mrz = text;
        let mut d = Map::new();
        d.insert("line".into(), json!(line));
        d.insert("col".into(), json!(col));
        d.insert("was".into(), json!((was as char).to_string()));
        d.insert("now".into(), json!((now as char).to_string()));
        d.insert("field".into(), json!(check.as_str()));
        d.insert("fails".into(), json!(expect.iter().map(|c| c.as_str()).collect::<Vec<_>>()));
        return Forgery { detail: d, zone_mm: Some(cell_mm(m, line, col)) };
    }
    // Not reached in practice: every model has digits in its birth date.
    Forgery::default()
}

/// `mrz_recomputed`: a field changed in the MRZ with valid check digits; the
/// visual zone keeps the person's real data.
pub fn mrz_recomputed(plan: &mut DocumentPlan, rng: &mut Rng) -> Forgery {
    let m = plan.claimed;
    let p = &plan.person;
    for _ in 0..20 {
        let mut q = p.clone();
        let field = *rng.pick(&["birth_date", "birth_date", "expiry_date", "document_number", "nationality", "sex"]);
        let (viz, mrz) = match field {
            "birth_date" => {
                if p.birth_unknown_parts {
                    continue;
                }
                // Older or younger by a few years: the classic age fraud.
                let dy = *rng.pick(&[-20, -12, -10, -6, -4, -2, 2, 4, 6, 10]);
                q.birth = Date { year: p.birth.year + dy, ..p.birth };
                if q.birth.month == 2 && q.birth.day == 29 {
                    q.birth.day = 28;
                }
                (p.birth.yymmdd(), q.birth.yymmdd())
            }
            "expiry_date" => {
                q.expiry = Date { year: p.expiry.year + rng.int(2, 10) as i32, ..p.expiry };
                if q.expiry.month == 2 && q.expiry.day == 29 {
                    q.expiry.day = 28;
                }
                (p.expiry.yymmdd(), q.expiry.yymmdd())
            }
            "document_number" => {
                let mut b = p.document_number.clone().into_bytes();
                let i = rng.below(b.len());
                b[i] = if b[i].is_ascii_digit() { b'0' + (b[i] - b'0' + 1 + rng.below(9) as u8) % 10 } else { b'A' + (b[i] - b'A' + 1 + rng.below(25) as u8) % 26 };
                q.document_number = String::from_utf8_lossy(&b).into_owned();
                (p.document_number.clone(), q.document_number.clone())
            }
            "nationality" => {
                let other = *rng.pick(&["UTO", "FRA", "GBR", "CAN", "D", "SWE"]);
                if other == p.nationality {
                    continue;
                }
                q.nationality = other.to_string();
                (p.nationality.clone(), q.nationality.clone())
            }
            _ => {
                q.sex = match p.sex {
                    'M' => 'F',
                    'F' => 'M',
                    _ => 'F',
                };
                (p.sex.to_string(), q.sex.to_string())
            }
        };
        let Ok(lines) = q.mrz(m) else { continue };
        if lines == plan.mrz {
            continue;
        }
        // The zone: the cells that differ.
        let mut zone: Option<RectMm> = None;
        for (i, (a, b)) in plan.mrz.iter().zip(&lines).enumerate() {
            for (j, (x, y)) in a.bytes().zip(b.bytes()).enumerate() {
                if x != y {
                    let c = cell_mm(m, i, j);
                    zone = Some(zone.map_or(c, |z| union(&z, &c)));
                }
            }
        }
        plan.mrz = lines;
        let mut d = Map::new();
        d.insert("field".into(), json!(field));
        d.insert("viz".into(), json!(viz));
        d.insert("mrz".into(), json!(mrz));
        if field == "birth_date" {
            // The keys the shared sample set uses.
            d.insert("viz_birth".into(), json!(viz));
            d.insert("mrz_birth".into(), json!(mrz));
        }
        return Forgery { detail: d, zone_mm: zone };
    }
    Forgery::default()
}

/// `wrong_template`: the claimed model's data on another issuer's layout.
pub fn wrong_template(plan: &mut DocumentPlan) -> Forgery {
    let Some(other) = plan.claimed.wrong_template_partner() else { return Forgery::default() };
    plan.layout = other;
    let mut d = Map::new();
    d.insert("rendered_as".into(), json!(other.id));
    Forgery { detail: d, zone_mm: Some(RectMm::new(0.0, 0.0, other.width_mm(), other.height_mm())) }
}

/// The look-alike fonts of `mrz_font`.
pub const MRZ_FORGERY_FONTS: [FontId; 3] = [FontId::Mono, FontId::MonoBold, FontId::LiberationMono];

/// `mrz_font`: the MRZ in another monospace font at the ICAO geometry.
pub fn mrz_font(plan: &mut DocumentPlan, rng: &mut Rng) -> Forgery {
    let font = *rng.pick(&MRZ_FORGERY_FONTS);
    plan.mrz_style.font = font;
    // Forgers match the size by eye.
    plan.mrz_style.cap_mm *= rng.range(0.95, 1.06);
    let mut d = Map::new();
    d.insert("font".into(), json!(font.file_name()));
    d.insert("cap_mm".into(), json!(round3(plan.mrz_style.cap_mm)));
    Forgery { detail: d, zone_mm: Some(nominal_mrz_box(plan.claimed)) }
}

fn nominal_mrz_box(m: &Model) -> RectMm {
    let g = m.geometry();
    let n = m.format.line_len() as f64;
    let top = g.line_centre_y_mm(0) - 1.6;
    let bottom = g.line_centre_y_mm(m.format.line_count() - 1) + 1.6;
    RectMm::new(g.first_char_x_mm, top, n * g.char_pitch_mm, bottom - top)
}

/// `mrz_shift`: the MRZ moved out of its printing band (vertically beyond the
/// ±2 mm tolerance or horizontally beyond ±1 mm), printed at the wrong pitch,
/// or one line re-typed out of line.
pub fn mrz_shift(plan: &mut DocumentPlan, rng: &mut Rng) -> Forgery {
    let m = plan.claimed;
    let g = m.geometry();
    let n = m.format.line_len() as f64;
    let s = &mut plan.mrz_style;
    let how = *rng.pick(&["dy", "dy", "dx", "pitch", "line"]);
    let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let mut d = Map::new();
    match how {
        "dy" => {
            // Down is limited by the bottom edge: keep the last baseline ≥ 1.5 mm inside.
            let last_from_bottom = g.line_centres_from_bottom_mm[m.format.line_count() - 1];
            let max_down = (last_from_bottom - 1.21 - 1.5).min(4.5);
            s.dy_mm = if sign > 0.0 && max_down > 2.6 { rng.range(2.6, max_down) } else { -rng.range(2.6, 4.5) };
            d.insert("dy_mm".into(), json!(round3(s.dy_mm)));
        }
        "dx" => {
            let max_right = (g.width_mm - 0.8 - g.first_char_x_mm - n * g.char_pitch_mm).min(3.0);
            let max_left = (g.first_char_x_mm - 0.8).min(3.0);
            s.dx_mm = if sign > 0.0 && max_right > 1.6 { rng.range(1.6, max_right) } else { -rng.range(1.6, max_left.max(1.7)) };
            d.insert("dx_mm".into(), json!(round3(s.dx_mm)));
        }
        "pitch" => {
            let max_pitch = (g.width_mm - 0.8 - g.first_char_x_mm) / n;
            s.pitch_mm = if sign > 0.0 && max_pitch > 2.66 { rng.range(2.66, max_pitch.min(2.85)) } else { rng.range(2.25, 2.42) };
            d.insert("pitch_mm".into(), json!(round3(s.pitch_mm)));
        }
        _ => {
            let line = rng.below(m.format.line_count());
            let mut v = vec![0.0; m.format.line_count()];
            v[line] = sign * rng.range(1.0, 2.0);
            d.insert("line".into(), json!(line));
            d.insert("line_dy_mm".into(), json!(round3(v[line])));
            s.line_dy_mm = v;
        }
    }
    d.insert("how".into(), json!(how));
    Forgery { detail: d, zone_mm: None }
}

// -------------------------------------------------------------- after render

/// `photo_swap`: another person's photo pasted over the portrait: larger
/// than the original (it must hide it), offset, hard-edged, no security print
/// over it, sometimes in colour on a grey-portrait model.
pub fn photo_swap(cv: &mut Canvas, m: &Model, rng: &mut Rng) -> Forgery {
    let p = m.portrait;
    let (l, t, r, b) = (rng.range(0.2, 1.8), rng.range(0.2, 1.8), rng.range(0.2, 1.8), rng.range(0.2, 1.8));
    let mut rect = RectMm::new(p.x - l, p.y - t, p.w + l + r, p.h + t + b);
    // Never into the MRZ zone.
    let mrz_top = m.height_mm() - MRZ_ZONE_HEIGHT_MM;
    if rect.bottom() > mrz_top - 0.3 {
        rect.h = mrz_top - 0.3 - rect.y;
    }
    let face = Face::random(rng);
    let grey = if m.grey_portrait { rng.chance(0.6) } else { false };
    let shadow = rng.chance(0.5);
    if shadow {
        // Glue edge / paper thickness: a faint shadow along two sides.
        let sh = RectMm::new(rect.x + 0.25, rect.y + 0.25, rect.w, rect.h);
        cv.fill_rect(&sh, [60.0, 60.0, 60.0], 0.35);
    }
    draw_portrait(cv, &rect, &face, PortraitPrint { opacity: 1.0, fade_mm: 0.0, grey, contrast: rng.range(1.0, 1.15) as f32 });
    let mut d = Map::new();
    d.insert("scale".into(), json!(round3((rect.w / p.w + rect.h / p.h) / 2.0)));
    d.insert("dx_mm".into(), json!(round3(rect.x + rect.w / 2.0 - (p.x + p.w / 2.0))));
    d.insert("dy_mm".into(), json!(round3(rect.y + rect.h / 2.0 - (p.y + p.h / 2.0))));
    d.insert("grey".into(), json!(grey));
    d.insert("edge".into(), json!(if shadow { "shadow" } else { "hard" }));
    Forgery { detail: d, zone_mm: Some(union(&rect, &p)) }
}

/// The average colour of a region (for erasing to "paper").
fn mean_colour(cv: &Canvas, r: &RectMm) -> [f32; 3] {
    let (x0, x1, y0, y1) = cv.px_range(r);
    let mut s = [0.0f64; 3];
    let mut n = 0.0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = cv.img.get_pixel(x, y);
            for k in 0..3 {
                s[k] += p.0[k] as f64;
            }
            n += 1.0;
        }
    }
    if n == 0.0 {
        return [240.0; 3];
    }
    [(s[0] / n) as f32, (s[1] / n) as f32, (s[2] / n) as f32]
}

/// A point of the document's upper part (above the MRZ zone) where a
/// `w`×`h` patch fits.
fn spot(m: &Model, rng: &mut Rng, w: f64, h: f64) -> RectMm {
    let top = m.height_mm() - MRZ_ZONE_HEIGHT_MM;
    let x = rng.range(1.0, (m.width_mm() - w - 1.0).max(1.5));
    let y = rng.range(1.0, (top - h - 0.5).max(1.5));
    RectMm::new(x, y, w, h)
}

/// `zone_tamper`: one of emblem replaced, title replaced, a copy-moved
/// background patch, or an erased background area.
pub fn zone_tamper(cv: &mut Canvas, m: &Model, rng: &mut Rng) -> Forgery {
    let how = *rng.pick(&["emblem", "title", "copy_move", "erase"]);
    let mut d = Map::new();
    d.insert("how".into(), json!(how));
    let zone = match how {
        "emblem" => {
            let b = m.emblem_box;
            let fill = mean_colour(cv, &RectMm::new(b.x - 1.5, b.y, 1.2, b.h));
            cv.fill_rect(&b, fill, 1.0);
            let others: Vec<Emblem> = Emblem::ALL.into_iter().filter(|e| *e != m.emblem).collect();
            let e = *rng.pick(&others);
            let k = rng.range(0.85, 1.0);
            let nb = RectMm::new(b.x + b.w * (1.0 - k) / 2.0, b.y + b.h * (1.0 - k) / 2.0, b.w * k, b.h * k);
            let ink = rgb(m.ink);
            let ink = [ink[0] * 0.8 + 20.0, ink[1] * 0.8 + 10.0, ink[2] * 0.9];
            draw_emblem(cv, e, &nb, ink);
            d.insert("emblem".into(), json!(e.as_str()));
            b
        }
        "title" => {
            let tb = title_box(&m.title);
            let fill = mean_colour(cv, &RectMm::new(tb.x, tb.y - 1.0, tb.w, 0.8));
            cv.fill_rect(&tb, fill, 1.0);
            let alt = *rng.pick(&["UTOPIA", "UTOPIA", "REPUBLIC OF UTOPIA", "ZAZANIA", "UTOPIE"]);
            let mut t = m.title;
            t.text = alt;
            t.serif = !t.serif;
            t.cap_mm *= rng.range(0.85, 1.0);
            draw_title(cv, &t, rgb(m.ink));
            d.insert("text".into(), json!(alt));
            tb
        }
        "copy_move" => {
            let (w, h) = (rng.range(6.0, 16.0), rng.range(5.0, 12.0));
            let from = spot(m, rng, w, h);
            let mut to = spot(m, rng, w, h);
            for _ in 0..10 {
                if (to.x - from.x).abs() > w * 0.6 || (to.y - from.y).abs() > h * 0.6 {
                    break;
                }
                to = spot(m, rng, w, h);
            }
            let (x0, x1, y0, y1) = cv.px_range(&from);
            let (tx, ty) = ((to.x * cv.ppm).floor() as i64, (to.y * cv.ppm).floor() as i64);
            let patch = image::imageops::crop_imm(&cv.img, x0, y0, x1 - x0, y1 - y0).to_image();
            image::imageops::replace(&mut cv.img, &patch, tx, ty);
            d.insert("from_mm".into(), json!([round3(from.x), round3(from.y), round3(from.w), round3(from.h)]));
            to
        }
        _ => {
            let (w, h) = (rng.range(5.0, 14.0), rng.range(4.0, 10.0));
            let r = spot(m, rng, w, h);
            let c = mean_colour(cv, &r);
            // Washed/scraped: lines gone, a lighter smudge with soft edges.
            let wash = [c[0] * 0.6 + 102.0, c[1] * 0.6 + 102.0, c[2] * 0.6 + 102.0];
            let ppm = cv.ppm;
            cv.shade(&r, |x, y| {
                let e = (x - r.x).min(r.right() - x).min(y - r.y).min(r.bottom() - y);
                Some((wash, ((e * ppm / 4.0).clamp(0.0, 1.0) * 0.92) as f32))
            });
            r
        }
    };
    Forgery { detail: d, zone_mm: Some(zone) }
}
