//! Rendering a clean document: the pre-printed layer of a model (cached per
//! model and resolution, identical for every document of the model, as a
//! printed blank is) and the personal layer on top (portrait, data, MRZ).

use std::collections::HashMap;
use std::f64::consts::TAU;
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::Font;
use image::RgbImage;
use serde::Serialize;

use super::draw::{Align, Canvas, Colour, FontId, draw_glyph, draw_text, in_polygon, lerp, rgb, text_width_mm};
use super::face::{Face, PortraitPrint, draw_portrait};
use super::models::{Background, Emblem, Family, FieldKey, Model, Title};
use super::person::Person;
use crate::font::MRZ_CAP_HEIGHT_MM;
use crate::geometry::{MRZ_ZONE_HEIGHT_MM, RectMm};

/// Near-black MRZ and data ink.
pub const INK: u32 = 0x151518;

/// How the MRZ is printed. The default is the genuine print: OCR-B at the
/// ICAO geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct MrzStyle {
    pub font: FontId,
    /// Offset of the whole MRZ from its nominal place.
    pub dx_mm: f64,
    pub dy_mm: f64,
    /// Character pitch (2.54 mm nominal).
    pub pitch_mm: f64,
    /// Extra vertical offset per line (a single re-typed line).
    pub line_dy_mm: Vec<f64>,
    /// Cap height (2.42 mm nominal, OCR-B size 1).
    pub cap_mm: f64,
}

impl Default for MrzStyle {
    fn default() -> Self {
        MrzStyle { font: FontId::OcrB, dx_mm: 0.0, dy_mm: 0.0, pitch_mm: crate::geometry::CHAR_PITCH_MM, line_dy_mm: Vec::new(), cap_mm: MRZ_CAP_HEIGHT_MM as f64 }
    }
}

/// Everything that decides how one document looks before capture.
#[derive(Clone, Debug)]
pub struct DocumentPlan {
    /// The model the document claims to be (its MRZ and data).
    pub claimed: &'static Model,
    /// The model whose pre-printed layout is drawn (differs for `wrong_template`).
    pub layout: &'static Model,
    pub person: Person,
    pub face: Face,
    /// The MRZ as printed.
    pub mrz: Vec<String>,
    pub mrz_style: MrzStyle,
}

/// A clean rendered document and the truth about where things were drawn.
#[derive(Clone)]
pub struct RenderedDoc {
    pub canvas: Canvas,
    /// The printed MRZ's character cells: x from the first cell's left edge to
    /// the last cell's right edge, y from the top line's cap top to the bottom
    /// line's baseline. Millimetres, document frame.
    pub mrz_box_mm: RectMm,
}

/// A named rectangle of a model's layout (document frame, mm), for template
/// building and for labelling what a forgery touched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Zone {
    pub name: String,
    /// `mrz`, `portrait`, `static`, `text`, `ghost`, `background`.
    pub kind: &'static str,
    pub rect: [f64; 4],
}

fn rect_arr(r: &RectMm) -> [f64; 4] {
    [round3(r.x), round3(r.y), round3(r.w), round3(r.h)]
}

pub(crate) fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Bounding box of a title.
pub fn title_box(t: &Title) -> RectMm {
    let font = if t.serif { FontId::SerifBold } else { FontId::SansBold };
    let w = text_width_mm(font, t.text, t.cap_mm);
    let x = if t.centred { t.x - w / 2.0 } else { t.x };
    RectMm::new(x - 0.3, t.baseline - t.cap_mm * 1.15, w + 0.6, t.cap_mm * 1.45)
}

/// Where a field's caption and value sit.
pub fn field_boxes(m: &Model, key: FieldKey) -> Option<(RectMm, RectMm)> {
    let f = m.fields.iter().find(|f| f.key == key)?;
    let cap_w = text_width_mm(FontId::Sans, f.caption, m.caption_mm);
    let caption = RectMm::new(f.x - 0.2, f.y - 0.25, cap_w + 0.4, m.caption_mm * 1.45);
    let value = RectMm::new(f.x - 0.2, value_baseline(m, f.y) - m.data_mm * 1.2, value_room(m, f.x, f.y) + 0.4, m.data_mm * 1.45);
    Some((caption, value))
}

fn value_baseline(m: &Model, y: f64) -> f64 {
    y + m.caption_mm + 0.6 + m.data_mm
}

/// Width available to a value: up to the next field on its row, the ghost
/// image, the emblem, the portrait or the document edge.
fn value_room(m: &Model, x: f64, y: f64) -> f64 {
    let mut right = m.width_mm() - 3.0;
    for f in m.fields {
        if (f.y - y).abs() < 0.5 && f.x > x + 0.1 {
            right = right.min(f.x - 1.5);
        }
    }
    let row = RectMm::new(x, y, 0.0, m.caption_mm + m.data_mm + 0.8);
    for b in [Some(m.portrait), m.ghost, Some(m.emblem_box)].into_iter().flatten() {
        if b.x > x && b.y < row.bottom() && b.bottom() > row.y {
            right = right.min(b.x - 1.0);
        }
    }
    (right - x).max(5.0)
}

/// The zones of a model's layout.
pub fn zones(m: &Model) -> Vec<Zone> {
    let mut z = vec![
        Zone { name: "document".into(), kind: "background", rect: [0.0, 0.0, m.width_mm(), m.height_mm()] },
        Zone { name: "mrz".into(), kind: "mrz", rect: rect_arr(&m.geometry().mrz_zone()) },
        Zone { name: "portrait".into(), kind: "portrait", rect: rect_arr(&m.portrait) },
        Zone { name: "emblem".into(), kind: "static", rect: rect_arr(&m.emblem_box) },
        Zone { name: "title".into(), kind: "static", rect: rect_arr(&title_box(&m.title)) },
        Zone { name: "subtitle".into(), kind: "static", rect: rect_arr(&title_box(&m.subtitle)) },
    ];
    if let Some(g) = m.ghost {
        z.push(Zone { name: "ghost".into(), kind: "ghost", rect: rect_arr(&g) });
    }
    for f in m.fields {
        if let Some((c, v)) = field_boxes(m, f.key) {
            z.push(Zone { name: format!("caption:{}", f.key.as_str()), kind: "static", rect: rect_arr(&c) });
            z.push(Zone { name: format!("field:{}", f.key.as_str()), kind: "text", rect: rect_arr(&v) });
        }
    }
    z
}

// ---------------------------------------------------------------- background

/// Distance from `v` to the nearest integer (a cast instead of `round`,
/// which is a libm call on baseline x86-64 and dominated the blank render).
#[inline]
fn frac_dist(v: f64) -> f64 {
    let f = (v - (v as i64) as f64).abs();
    f.min(1.0 - f)
}

/// Distance (mm) from (x, y) to the nearest line of a family.
fn family_distance(f: &Family, x: f64, y: f64) -> f64 {
    match *f {
        Family::Rings { cx, cy, spacing, amp, waves, twist } => {
            let (dx, dy) = (x - cx, y - cy);
            let r = (dx * dx + dy * dy).sqrt().max(1e-6);
            let th = dy.atan2(dx);
            let arg = waves * th + twist * r;
            let phi = r + amp * arg.sin();
            let dr = 1.0 + amp * twist * arg.cos();
            let dt = amp * waves * arg.cos() / r;
            let g = (dr * dr + dt * dt).sqrt().max(0.2);
            let k = phi / spacing;
            frac_dist(k) * spacing / g
        }
        Family::Waves { angle, spacing, amp, period } => {
            let a = angle.to_radians();
            let (c, s) = (a.cos(), a.sin());
            let u = x * c + y * s;
            let v = -x * s + y * c;
            let w = TAU / period;
            let phi = v + amp * (w * u).sin() + 0.35 * amp * (2.3 * w * u + 1.0).sin();
            let dphi = amp * w * (w * u).cos() + 0.35 * amp * 2.3 * w * (2.3 * w * u + 1.0).cos();
            let g = (1.0 + dphi * dphi).sqrt();
            let k = phi / spacing;
            frac_dist(k) * spacing / g
        }
        Family::Spokes { cx, cy, count, twist } => {
            let (dx, dy) = (x - cx, y - cy);
            let r = (dx * dx + dy * dy).sqrt().max(1e-6);
            let th = dy.atan2(dx);
            let phi = (th + twist * r) * count / TAU;
            let g = count / TAU * (twist * twist + 1.0 / (r * r)).sqrt();
            frac_dist(phi) / g
        }
    }
}

fn draw_background(cv: &mut Canvas, m: &Model) {
    let bg: &Background = &m.background;
    let (w, h) = (m.width_mm(), m.height_mm());
    let ppm = cv.ppm;
    let paper = rgb(bg.paper);
    let (ta, tb) = (rgb(bg.tint_a), rgb(bg.tint_b));
    let ang = bg.tint_angle.to_radians();
    let (ca, sa) = (ang.cos(), ang.sin());
    let span = (w * ca.abs() + h * sa.abs()).max(1.0);
    let off = if ca < 0.0 { -w * ca } else { 0.0 } + if sa < 0.0 { -h * sa } else { 0.0 };
    let mrz_top = h - MRZ_ZONE_HEIGHT_MM;
    // Lines are drawn a little wider and stronger than their nominal values so
    // the pattern survives 150 dpi captures (templates compare it).
    let inks: Vec<(Colour, f64, f32)> = bg.lines.iter().map(|l| (rgb(l.colour), l.width_mm * 1.3, (l.strength * 1.3).min(1.0))).collect();
    let px = 1.0 / ppm;
    let (iw, ih) = cv.img.dimensions();
    for yy in 0..ih {
        let y = (yy as f64 + 0.5) * px;
        let in_mrz = y > mrz_top;
        for xx in 0..iw {
            let x = (xx as f64 + 0.5) * px;
            let t = (((x * ca + y * sa) + off) / span).clamp(0.0, 1.0) as f32;
            let mut c = lerp(ta, tb, t);
            if in_mrz {
                // A light band behind the MRZ.
                c = lerp(c, paper, 0.65);
            }
            for (l, (ink, width, strength)) in bg.lines.iter().zip(&inks) {
                let d = family_distance(&l.family, x, y);
                // Lines thinner than a pixel keep their average ink: widen
                // to one pixel and lighten in proportion.
                let weff = width.max(px);
                let cover = ((weff / 2.0 - d) * ppm + 0.5).clamp(0.0, 1.0) * (width / weff);
                if cover > 0.0 {
                    let mut a = cover as f32 * strength;
                    if in_mrz {
                        a *= bg.mrz_strength;
                    }
                    for k in 0..3 {
                        c[k] -= (c[k] - c[k] * ink[k] / 255.0) * a;
                    }
                }
            }
            let p = cv.img.get_pixel_mut(xx, yy);
            p.0 = [(c[0].clamp(0.0, 255.0) + 0.5) as u8, (c[1].clamp(0.0, 255.0) + 0.5) as u8, (c[2].clamp(0.0, 255.0) + 0.5) as u8];
        }
    }
    if let Some(y) = bg.microtext_y {
        let name = if m.issuer == "UTO" { "UTOPIA " } else { "ZAZANIA " };
        let text: String = name.repeat((w / (name.len() as f64 * 0.42)).ceil() as usize + 2);
        draw_text(cv, FontId::Sans, &text, 1.0, y, 0.5, lerp(rgb(m.ink), paper, 0.35), Align::Left, 0.0);
    }
}

// -------------------------------------------------------------------- emblem

/// Draws an emblem of `kind` in `b`.
pub fn draw_emblem(cv: &mut Canvas, kind: Emblem, b: &RectMm, ink: Colour) {
    let (cx, cy) = (b.x + b.w / 2.0, b.y + b.h / 2.0);
    let rad = b.w.min(b.h) / 2.0;
    let n = 3;
    match kind {
        Emblem::Star => {
            let lw = rad * 0.07;
            cv.fill_region(b, ink, 1.0, n, |x, y| {
                let r = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
                (r - rad * 0.93).abs() < lw
            });
            let star = star_points(cx, cy + rad * 0.05, rad * 0.75, rad * 0.32, 5);
            let inner = star_points(cx, cy + rad * 0.05, rad * 0.6, rad * 0.24, 5);
            cv.fill_region(b, ink, 1.0, n, |x, y| in_polygon(&star, x, y) && !in_polygon(&inner, x, y));
        }
        Emblem::Sun => {
            cv.fill_region(b, ink, 1.0, n, |x, y| {
                let (dx, dy) = (x - cx, y - cy);
                let r = (dx * dx + dy * dy).sqrt();
                let th = dy.atan2(dx);
                let ray = (16.0 * th).cos();
                let disc = r < rad * 0.42 && r > rad * 0.34 || r < rad * 0.22;
                disc || (r > rad * 0.5 && r < rad * (0.72 + 0.26 * ray.max(0.0)) && ray > 0.55)
            });
        }
        Emblem::Shield => {
            let shield = shield_points(b);
            let inner: Vec<(f64, f64)> = shield.iter().map(|&(x, y)| (cx + (x - cx) * 0.85, b.y + b.h * 0.08 + (y - b.y - b.h * 0.08) * 0.86)).collect();
            cv.fill_region(b, ink, 1.0, n, |x, y| in_polygon(&shield, x, y) && !in_polygon(&inner, x, y));
            // A chevron and three dots inside.
            cv.fill_region(b, ink, 1.0, n, |x, y| {
                let u = (x - cx) / rad;
                let v = (y - b.y) / b.h;
                let chev = (v - (0.62 - 0.45 * u.abs())).abs() < 0.06 && u.abs() < 0.55;
                let dot = [(-0.3, 0.3), (0.3, 0.3), (0.0, 0.7)].iter().any(|&(du, dv)| (u - du).powi(2) + ((v - dv) * b.h / rad).powi(2) < 0.018);
                chev || dot
            });
        }
        Emblem::Rings => {
            cv.fill_region(b, ink, 1.0, n, |x, y| {
                let (dx, dy) = (x - cx, y - cy);
                let r = (dx * dx + dy * dy).sqrt() / rad;
                let ring = [0.93, 0.7, 0.47].iter().any(|q| (r - q).abs() < 0.05);
                let cross = r < 0.93 && (dx.abs() < rad * 0.035 || dy.abs() < rad * 0.035);
                ring || cross || r < 0.16
            });
        }
    }
}

fn star_points(cx: f64, cy: f64, ro: f64, ri: f64, k: usize) -> Vec<(f64, f64)> {
    (0..2 * k)
        .map(|i| {
            let a = -TAU / 4.0 + i as f64 * TAU / (2 * k) as f64;
            let r = if i % 2 == 0 { ro } else { ri };
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

fn shield_points(b: &RectMm) -> Vec<(f64, f64)> {
    let mut pts = vec![(b.x + b.w * 0.08, b.y + b.h * 0.05), (b.x + b.w * 0.92, b.y + b.h * 0.05), (b.x + b.w * 0.92, b.y + b.h * 0.5)];
    for i in 0..=10 {
        let t = i as f64 / 10.0;
        // Curve down to the point at the bottom centre.
        let x = b.x + b.w * (0.92 - 0.42 * t);
        let y = b.y + b.h * (0.5 + 0.45 * (t * std::f64::consts::FRAC_PI_2).sin());
        pts.push((x, y));
    }
    for i in 1..=10 {
        let t = i as f64 / 10.0;
        let x = b.x + b.w * (0.5 - 0.42 * t);
        let y = b.y + b.h * (0.5 + 0.45 * ((1.0 - t) * std::f64::consts::FRAC_PI_2).sin());
        pts.push((x, y));
    }
    pts
}

pub fn draw_title(cv: &mut Canvas, t: &Title, ink: Colour) {
    let font = if t.serif { FontId::SerifBold } else { FontId::SansBold };
    let align = if t.centred { Align::Centre } else { Align::Left };
    // Subtitles (small caps) in the regular face.
    let font = if t.cap_mm < 2.5 && !t.centred && t.serif { FontId::Sans } else { font };
    let font = if t.cap_mm < 2.2 { FontId::Sans } else { font };
    draw_text(cv, font, t.text, t.x, t.baseline, t.cap_mm, ink, align, t.cap_mm * 0.04);
}

// --------------------------------------------------------------- static layer

/// The pre-printed blank of `m` at `dpi`: background, emblem, titles,
/// captions. Cached: every document of a model shares it.
pub fn static_layer(m: &Model, dpi: u32) -> Arc<RgbImage> {
    static CACHE: OnceLock<Mutex<HashMap<(&'static str, u32), Arc<RgbImage>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(img) = cache.lock().map(|c| c.get(&(m.id, dpi)).cloned()).ok().flatten() {
        return img;
    }
    // Rendered outside the lock; two threads may race to render the same
    // blank, which is harmless (identical pixels).
    let img = Arc::new(render_blank(m, dpi).img);
    if let Ok(mut c) = cache.lock() {
        c.entry((m.id, dpi)).or_insert_with(|| img.clone());
    }
    img
}

/// Renders the blank of `m` (uncached).
pub fn render_blank(m: &Model, dpi: u32) -> Canvas {
    let ppm = dpi as f64 / 25.4;
    let mut cv = Canvas::new(m.width_mm(), m.height_mm(), ppm, rgb(m.background.paper));
    draw_background(&mut cv, m);
    let ink = rgb(m.ink);
    draw_emblem(&mut cv, m.emblem, &m.emblem_box, ink);
    draw_title(&mut cv, &m.title, ink);
    draw_title(&mut cv, &m.subtitle, ink);
    let cap_ink = rgb(m.caption_ink);
    for f in m.fields {
        draw_text(&mut cv, FontId::Sans, f.caption, f.x, f.y + m.caption_mm, m.caption_mm, cap_ink, Align::Left, 0.0);
    }
    cv
}

// ------------------------------------------------------------ personal layer

/// The genuine way a model prints its portrait.
pub fn genuine_print(m: &Model) -> PortraitPrint {
    PortraitPrint { opacity: 0.93, fade_mm: 0.8, grey: m.grey_portrait, contrast: 0.95 }
}

/// Draws the MRZ lines with `style`; returns the character-cell box (mm).
pub fn draw_mrz(cv: &mut Canvas, m: &Model, lines: &[String], style: &MrzStyle) -> RectMm {
    let g = m.geometry();
    let f = style.font.get();
    let ppm = cv.ppm as f32;
    let scale = f.scale_for_cap(style.cap_mm as f32 * ppm);
    let ink = rgb(INK);
    let x0 = g.first_char_x_mm + style.dx_mm;
    let mut top = f64::MAX;
    let mut bottom = f64::MIN;
    let mut right = x0;
    for (i, line) in lines.iter().enumerate() {
        let Some(&from_bottom) = g.line_centres_from_bottom_mm.get(i) else { break };
        let cy = g.height_mm - from_bottom + style.dy_mm + style.line_dy_mm.get(i).copied().unwrap_or(0.0);
        let baseline = cy + style.cap_mm / 2.0;
        top = top.min(cy - style.cap_mm / 2.0);
        bottom = bottom.max(baseline);
        for (j, ch) in line.chars().enumerate() {
            let cell = x0 + j as f64 * style.pitch_mm;
            right = right.max(cell + style.pitch_mm);
            // Centre the glyph's ink horizontally in its cell.
            let gid = f.font.glyph_id(ch);
            let glyph = gid.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0));
            let ink_mid = f.font.outline_glyph(glyph).map(|o| {
                let b = o.px_bounds();
                (b.min.x + b.max.x) / 2.0
            });
            let Some(mid) = ink_mid else { continue };
            let x = (cell + style.pitch_mm / 2.0) as f32 * ppm - mid;
            draw_glyph(cv, f, ch, scale, x, baseline as f32 * ppm, ink, 0.97);
        }
    }
    RectMm::new(x0, top, right - x0, bottom - top)
}

/// Prints a VIZ value, shrinking it when it would overrun its room.
fn draw_value(cv: &mut Canvas, m: &Model, x: f64, y: f64, text: &str, ink: Colour) {
    let room = value_room(m, x, y);
    let w = text_width_mm(FontId::SansBold, text, m.data_mm);
    let cap = if w > room { (m.data_mm * room / w).max(m.data_mm * 0.5) } else { m.data_mm };
    draw_text(cv, FontId::SansBold, text, x, value_baseline(m, y), cap, ink, Align::Left, 0.0);
}

/// Renders the document of `plan` at `dpi`.
pub fn render_document(plan: &DocumentPlan, dpi: u32) -> RenderedDoc {
    let m = plan.layout;
    let blank = static_layer(m, dpi);
    let mut cv = Canvas { img: (*blank).clone(), ppm: dpi as f64 / 25.4 };
    draw_portrait(&mut cv, &m.portrait, &plan.face, genuine_print(m));
    if let Some(g) = m.ghost {
        draw_portrait(&mut cv, &g, &plan.face, PortraitPrint { opacity: 0.28, fade_mm: 1.2, grey: true, contrast: 0.8 });
    }
    let ink = rgb(INK);
    for f in m.fields {
        let text = plan.person.viz_value(f.key, m, plan.claimed);
        draw_value(&mut cv, m, f.x, f.y, &text, ink);
    }
    let mrz_box_mm = draw_mrz(&mut cv, m, &plan.mrz, &plan.mrz_style);
    RenderedDoc { canvas: cv, mrz_box_mm }
}

/// Coverage-weighted "ink" (darkness, 0–255) of a pixel.
pub fn darkness(p: &image::Rgb<u8>) -> f32 {
    255.0 - (0.299 * p.0[0] as f32 + 0.587 * p.0[1] as f32 + 0.114 * p.0[2] as f32)
}
