//! Raster primitives in millimetres: a canvas that knows its resolution, soft
//! (anti-aliased) shapes and text. Everything is drawn by coverage so that the
//! same document renders the same way at every resolution.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use std::sync::OnceLock;

use crate::geometry::RectMm;

pub type Colour = [f32; 3];

pub fn rgb(hex: u32) -> Colour {
    [((hex >> 16) & 0xFF) as f32, ((hex >> 8) & 0xFF) as f32, (hex & 0xFF) as f32]
}

pub fn lerp(a: Colour, b: Colour, t: f32) -> Colour {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// An image of a document in its own frame at `ppm` pixels per millimetre.
#[derive(Clone)]
pub struct Canvas {
    pub img: RgbImage,
    pub ppm: f64,
}

impl Canvas {
    pub fn new(width_mm: f64, height_mm: f64, ppm: f64, paper: Colour) -> Canvas {
        let w = (width_mm * ppm).round().max(1.0) as u32;
        let h = (height_mm * ppm).round().max(1.0) as u32;
        let p = Rgb([paper[0] as u8, paper[1] as u8, paper[2] as u8]);
        Canvas { img: RgbImage::from_pixel(w, h, p), ppm }
    }

    /// Pixel range (x0..x1, y0..y1) covering `r`, clipped to the image.
    pub fn px_range(&self, r: &RectMm) -> (u32, u32, u32, u32) {
        let (w, h) = self.img.dimensions();
        let cl = |v: f64, max: u32| v.max(0.0).min(max as f64) as u32;
        (
            cl((r.x * self.ppm).floor(), w),
            cl((r.right() * self.ppm).ceil(), w),
            cl((r.y * self.ppm).floor(), h),
            cl((r.bottom() * self.ppm).ceil(), h),
        )
    }

    /// Mixes `c` into pixel (x, y) with opacity `a` (0–1).
    #[inline]
    pub fn blend(&mut self, x: u32, y: u32, c: Colour, a: f32) {
        if a <= 0.0 {
            return;
        }
        let a = a.min(1.0);
        let p = self.img.get_pixel_mut(x, y);
        for k in 0..3 {
            let v = p.0[k] as f32;
            p.0[k] = (v + (c[k] - v) * a + 0.5) as u8;
        }
    }

    /// Multiplies pixel (x, y) by ink `c` at strength `a`: overprinted inks
    /// darken each other as on paper.
    #[inline]
    pub fn multiply(&mut self, x: u32, y: u32, c: Colour, a: f32) {
        if a <= 0.0 {
            return;
        }
        let a = a.min(1.0);
        let p = self.img.get_pixel_mut(x, y);
        for k in 0..3 {
            let v = p.0[k] as f32;
            let m = v * c[k] / 255.0;
            p.0[k] = (v + (m - v) * a + 0.5) as u8;
        }
    }

    /// Calls `f(x_mm, y_mm)` at each pixel centre inside `r`; `f` returns a
    /// colour and opacity to blend.
    pub fn shade(&mut self, r: &RectMm, mut f: impl FnMut(f64, f64) -> Option<(Colour, f32)>) {
        let (x0, x1, y0, y1) = self.px_range(r);
        let inv = 1.0 / self.ppm;
        for y in y0..y1 {
            let ym = (y as f64 + 0.5) * inv;
            for x in x0..x1 {
                let xm = (x as f64 + 0.5) * inv;
                if let Some((c, a)) = f(xm, ym) {
                    self.blend(x, y, c, a);
                }
            }
        }
    }

    /// Fills the region where `inside(x_mm, y_mm)` holds, with `n`×`n`
    /// supersampling per pixel inside `bbox` (for shapes without a cheap
    /// distance function: stars, shields).
    pub fn fill_region(&mut self, bbox: &RectMm, c: Colour, alpha: f32, n: u32, inside: impl Fn(f64, f64) -> bool) {
        let (x0, x1, y0, y1) = self.px_range(bbox);
        let inv = 1.0 / self.ppm;
        let step = inv / n as f64;
        for y in y0..y1 {
            for x in x0..x1 {
                let mut hits = 0;
                for sy in 0..n {
                    for sx in 0..n {
                        let xm = x as f64 * inv + (sx as f64 + 0.5) * step;
                        let ym = y as f64 * inv + (sy as f64 + 0.5) * step;
                        if inside(xm, ym) {
                            hits += 1;
                        }
                    }
                }
                if hits > 0 {
                    self.blend(x, y, c, alpha * hits as f32 / (n * n) as f32);
                }
            }
        }
    }

    /// Fills an axis-aligned rectangle with anti-aliased edges.
    pub fn fill_rect(&mut self, r: &RectMm, c: Colour, alpha: f32) {
        let ppm = self.ppm;
        self.shade(r, |x, y| {
            let cov = edge_cov((x - r.x) * ppm) * edge_cov((r.right() - x) * ppm) * edge_cov((y - r.y) * ppm) * edge_cov((r.bottom() - y) * ppm);
            Some((c, alpha * cov as f32))
        });
    }

    /// Width and height in millimetres.
    pub fn size_mm(&self) -> (f64, f64) {
        (self.img.width() as f64 / self.ppm, self.img.height() as f64 / self.ppm)
    }
}

/// Coverage of a pixel whose centre lies `d` pixels inside an edge.
#[inline]
pub fn edge_cov(d: f64) -> f64 {
    (d + 0.5).clamp(0.0, 1.0)
}

/// Approximate signed distance (mm) from (x, y) to an ellipse; negative inside.
#[inline]
pub fn sd_ellipse(x: f64, y: f64, cx: f64, cy: f64, a: f64, b: f64) -> f64 {
    let dx = (x - cx) / a;
    let dy = (y - cy) / b;
    ((dx * dx + dy * dy).sqrt() - 1.0) * a.min(b)
}

/// Coverage (0–1) from a signed distance in mm at `ppm` pixels per mm.
#[inline]
pub fn cov(sd: f64, ppm: f64) -> f32 {
    (0.5 - sd * ppm).clamp(0.0, 1.0) as f32
}

/// Point-in-polygon (even-odd).
pub fn in_polygon(pts: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = pts.len() - 1;
    for i in 0..pts.len() {
        let (xi, yi) = pts[i];
        let (xj, yj) = pts[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// The fonts the generator draws with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FontId {
    OcrB,
    Sans,
    SansBold,
    SerifBold,
    Mono,
    MonoBold,
    LiberationMono,
}

static SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
static SERIF_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSerif-Bold.ttf");
static MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");
static MONO_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono-Bold.ttf");
static LIB_MONO: &[u8] = include_bytes!("../../assets/fonts/LiberationMono-Regular.ttf");

/// A parsed font and its cap height in font units.
pub struct LoadedFont {
    pub font: FontRef<'static>,
    pub cap_units: f32,
}

impl FontId {
    /// The file name, as recorded in labels.
    pub fn file_name(self) -> &'static str {
        match self {
            FontId::OcrB => "OCRB.otf",
            FontId::Sans => "DejaVuSans.ttf",
            FontId::SansBold => "DejaVuSans-Bold.ttf",
            FontId::SerifBold => "DejaVuSerif-Bold.ttf",
            FontId::Mono => "DejaVuSansMono.ttf",
            FontId::MonoBold => "DejaVuSansMono-Bold.ttf",
            FontId::LiberationMono => "LiberationMono-Regular.ttf",
        }
    }

    pub fn get(self) -> &'static LoadedFont {
        static CELLS: [OnceLock<LoadedFont>; 7] = [const { OnceLock::new() }; 7];
        let (i, bytes): (usize, &'static [u8]) = match self {
            FontId::OcrB => (0, crate::font::OCRB_OTF),
            FontId::Sans => (1, SANS),
            FontId::SansBold => (2, SANS_BOLD),
            FontId::SerifBold => (3, SERIF_BOLD),
            FontId::Mono => (4, MONO),
            FontId::MonoBold => (5, MONO_BOLD),
            FontId::LiberationMono => (6, LIB_MONO),
        };
        CELLS[i].get_or_init(|| {
            // The fonts are compiled in and exercised by the tests; a parse
            // failure is a build defect, not an input error.
            let font = FontRef::try_from_slice(bytes).expect("embedded font parses");
            let cap_units = font
                .outline(font.glyph_id('H'))
                .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
                .unwrap_or(700.0);
            LoadedFont { font, cap_units }
        })
    }
}

impl LoadedFont {
    /// The ab_glyph scale that gives capitals `cap_px` pixels high.
    pub fn scale_for_cap(&self, cap_px: f32) -> PxScale {
        PxScale::from(cap_px * self.font.height_unscaled() / self.cap_units)
    }

    /// Advance width in pixels of `text` at `scale`, with kerning and extra
    /// `tracking_px` between letters.
    pub fn text_width(&self, text: &str, scale: PxScale, tracking_px: f32) -> f32 {
        let sf = self.font.as_scaled(scale);
        let mut w = 0.0;
        let mut prev = None;
        for ch in text.chars() {
            let g = self.font.glyph_id(ch);
            if let Some(p) = prev {
                w += sf.kern(p, g) + tracking_px;
            }
            w += sf.h_advance(g);
            prev = Some(g);
        }
        w
    }
}

/// Draws one glyph with its origin (left of the advance box, on the baseline)
/// at pixel position (x, baseline). `mode_multiply` overprints like ink.
pub fn draw_glyph(cv: &mut Canvas, f: &LoadedFont, ch: char, scale: PxScale, x: f32, baseline: f32, c: Colour, alpha: f32) {
    let gid = f.font.glyph_id(ch);
    let glyph = gid.with_scale_and_position(scale, ab_glyph::point(x, baseline));
    if let Some(o) = f.font.outline_glyph(glyph) {
        let b = o.px_bounds();
        let (w, h) = cv.img.dimensions();
        o.draw(|gx, gy, k| {
            let px = b.min.x as i64 + gx as i64;
            let py = b.min.y as i64 + gy as i64;
            if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                cv.blend(px as u32, py as u32, c, alpha * k.clamp(0.0, 1.0));
            }
        });
    }
}

/// Horizontal alignment of a text run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
}

/// Draws `text` with capitals `cap_mm` high, the baseline at `baseline_mm`;
/// returns the advance width in mm.
#[allow(clippy::too_many_arguments)]
pub fn draw_text(cv: &mut Canvas, font: FontId, text: &str, x_mm: f64, baseline_mm: f64, cap_mm: f64, c: Colour, align: Align, tracking_mm: f64) -> f64 {
    let f = font.get();
    let ppm = cv.ppm as f32;
    let scale = f.scale_for_cap(cap_mm as f32 * ppm);
    let track = tracking_mm as f32 * ppm;
    let width = f.text_width(text, scale, track);
    let mut x = x_mm as f32 * ppm;
    if align == Align::Centre {
        x -= width / 2.0;
    }
    let base = baseline_mm as f32 * ppm;
    let sf = f.font.as_scaled(scale);
    let mut prev = None;
    for ch in text.chars() {
        let g = f.font.glyph_id(ch);
        if let Some(p) = prev {
            x += sf.kern(p, g) + track;
        }
        draw_glyph(cv, f, ch, scale, x, base, c, 1.0);
        x += sf.h_advance(g);
        prev = Some(g);
    }
    (width / ppm) as f64
}

/// Advance width in mm of `text` at cap height `cap_mm`.
pub fn text_width_mm(font: FontId, text: &str, cap_mm: f64) -> f64 {
    let f = font.get();
    // Widths scale linearly; measure at a fixed size to stay resolution-free.
    let s = 100.0;
    f.text_width(text, f.scale_for_cap(s), 0.0) as f64 * cap_mm / s as f64
}
