//! Synthetic MRZ scenes for the reader's own unit tests, benchmark and
//! classifier training: a document outline with an MRZ (and optional
//! distractor text, a photo block and a guilloche) seen through a
//! rotation, a perspective, blur, noise, uneven light and JPEG.
//!
//! This is a test fixture, not the project's document generator (`synth`):
//! it knows where every character cell lands in the image, which is what the
//! reader's tests need, and it is deterministic for a given seed.

use crate::geometry::FormatGeometry;
use crate::mrz::{Format, MrzBuilder};
use ab_glyph::{Font, FontRef, FontVec, PxScale, ScaleFont};
use image::{GrayImage, Luma};
use std::sync::Arc;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Uniform integer in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The typeface the MRZ is printed in.
#[derive(Clone, Debug, Default)]
pub enum SceneFont {
    /// The vendored OCR-B.
    #[default]
    OcrB,
    /// Any other font file (e.g. DejaVu Sans Mono for font-conformity tests).
    Other(Arc<FontVec>),
}

/// What to render. Lengths are in millimetres on the document, image
/// quantities in pixels.
#[derive(Clone, Debug)]
pub struct Scene {
    pub format: Format,
    pub lines: Vec<String>,
    pub font: SceneFont,
    pub px_per_mm: f64,
    /// Document rotation in the image, degrees counter-clockwise.
    pub rotation_deg: f64,
    /// Perspective tilt: relative scale change from the document centre to
    /// its right edge (x) and bottom edge (y), e.g. 0.08.
    pub tilt_x: f64,
    pub tilt_y: f64,
    /// Character pitch and cap height (nominal 2.54 and 2.42 mm).
    pub pitch_mm: f64,
    pub cap_mm: f64,
    /// Stroke weight change in glyph-raster pixels at 40 px/mm (> 0 bolder).
    pub bold: f64,
    /// Gaussian blur sigma in image pixels (0 = none).
    pub blur_px: f64,
    /// Gaussian sensor noise sigma in grey levels.
    pub noise: f64,
    pub jpeg_quality: Option<u8>,
    pub paper: f64,
    pub ink: f64,
    /// Grey level around the document.
    pub surround: f64,
    /// Strength of a linear light falloff across the image (0–0.6).
    pub light: f64,
    /// Guilloche contrast in grey levels (0 = none) and whether it runs
    /// under the MRZ too.
    pub guilloche: f64,
    pub guilloche_under_mrz: bool,
    /// Distractor text and a photo block in the visual zone.
    pub viz: bool,
    /// Margin around the document, in mm.
    pub margin_mm: f64,
    /// Render only a band around the MRZ instead of the whole page.
    pub mrz_only: bool,
    pub seed: u64,
}

impl Scene {
    /// A clean upright 300-dpi scan of `lines` in `format`.
    pub fn new(format: Format, lines: Vec<String>) -> Scene {
        Scene {
            format,
            lines,
            font: SceneFont::OcrB,
            px_per_mm: 300.0 / 25.4,
            rotation_deg: 0.0,
            tilt_x: 0.0,
            tilt_y: 0.0,
            pitch_mm: crate::geometry::CHAR_PITCH_MM,
            cap_mm: crate::font::MRZ_CAP_HEIGHT_MM as f64,
            bold: 0.0,
            blur_px: 0.0,
            noise: 0.0,
            jpeg_quality: None,
            paper: 235.0,
            ink: 35.0,
            surround: 245.0,
            light: 0.0,
            guilloche: 0.0,
            guilloche_under_mrz: false,
            viz: false,
            margin_mm: 4.0,
            mrz_only: false,
            seed: 1,
        }
    }

    /// A random scan-like scene (flatbed: small skew, mild blur and noise,
    /// good JPEG), any of the four orientations with probability `turn`.
    pub fn random_scan(rng: &mut Rng, turn: f64) -> Scene {
        let (format, lines) = random_mrz(rng);
        let mut s = Scene::new(format, lines);
        s.px_per_mm = rng.range(150.0, 600.0) / 25.4;
        s.rotation_deg = rng.range(-3.0, 3.0) + if rng.chance(turn) { 90.0 * (1 + rng.below(3)) as f64 } else { 0.0 };
        s.blur_px = rng.range(0.0, 0.7) * (s.px_per_mm / 8.0).max(1.0);
        s.noise = rng.range(0.5, 3.0);
        s.jpeg_quality = Some(rng.range(75.0, 96.0) as u8);
        s.ink = rng.range(10.0, 70.0);
        s.paper = rng.range(200.0, 245.0);
        s.surround = rng.range(200.0, 255.0);
        s.guilloche = if rng.chance(0.7) { rng.range(10.0, 60.0) } else { 0.0 };
        s.guilloche_under_mrz = rng.chance(0.3);
        s.bold = rng.range(-1.0, 2.0);
        s.cap_mm = rng.range(2.25, 2.6);
        s.viz = true;
        s.seed = rng.next_u64();
        s
    }

    /// A random phone-photo-like scene: larger skew, perspective, more blur,
    /// noise, JPEG artefacts and uneven light, on a dark table.
    pub fn random_photo(rng: &mut Rng, turn: f64) -> Scene {
        let mut s = Scene::random_scan(rng, turn);
        s.rotation_deg += rng.range(-12.0, 12.0);
        s.tilt_x = rng.range(-0.08, 0.08);
        s.tilt_y = rng.range(-0.08, 0.08);
        s.blur_px = rng.range(0.3, 1.4) * (s.px_per_mm / 8.0).max(1.0);
        s.noise = rng.range(2.0, 7.0);
        s.jpeg_quality = Some(rng.range(55.0, 90.0) as u8);
        s.light = rng.range(0.0, 0.45);
        s.surround = rng.range(30.0, 120.0);
        s.margin_mm = rng.range(5.0, 30.0);
        s
    }
}

/// Where the characters of a rendered scene are.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub image: GrayImage,
    /// Document mm → image px (3×3 homography, row-major).
    pub doc_to_image: [f64; 9],
    /// Centre of every MRZ character cell in image pixels, per line.
    pub cell_centres: Vec<Vec<(f64, f64)>>,
}

impl Rendered {
    /// Image pixels per millimetre along the first MRZ line (from its first
    /// and last cell centres).
    pub fn px_per_mm_along_mrz(&self, pitch_mm: f64) -> f64 {
        let l = &self.cell_centres[0];
        let (a, b) = (l[0], l[l.len() - 1]);
        ((b.0 - a.0).hypot(b.1 - a.1)) / ((l.len() - 1) as f64 * pitch_mm)
    }
}

/// A random valid MRZ of a random ICAO format.
pub fn random_mrz(rng: &mut Rng) -> (Format, Vec<String>) {
    let format = *rng.pick(&[Format::Td1, Format::Td2, Format::Td3, Format::Td3, Format::MrvA, Format::MrvB]);
    (format, random_mrz_of(rng, format))
}

/// A random valid MRZ of `format`.
pub fn random_mrz_of(rng: &mut Rng, format: Format) -> Vec<String> {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let word = |rng: &mut Rng, lo: usize, hi: usize| -> String {
        let n = lo + rng.below(hi - lo + 1);
        (0..n).map(|_| *rng.pick(LETTERS) as char).collect()
    };
    let from = |rng: &mut Rng, set: &[u8], lo: usize, hi: usize| -> String {
        let n = lo + rng.below(hi - lo + 1);
        (0..n).map(|_| *rng.pick(set) as char).collect()
    };
    let date = |rng: &mut Rng| format!("{:02}{:02}{:02}", rng.below(100), 1 + rng.below(12), 1 + rng.below(28));
    let codes = ["UTO", "D", "FRA", "NLD", "GBR", "ZZA", "CAN", "XXA", "ITA", "SWE"];
    let mut names = vec![word(rng, 2, 12)];
    if rng.chance(0.3) {
        names.push(word(rng, 2, 8));
    }
    let mut given = vec![word(rng, 2, 10)];
    if rng.chance(0.5) {
        given.push(word(rng, 2, 9));
    }
    let mut b = MrzBuilder::new(format)
        .issuing_state(*rng.pick(&codes))
        .nationality(*rng.pick(&codes))
        .names(&names.join(" "), &given.join(" "))
        .document_number(&from(rng, ALNUM, 6, 9))
        .birth_date(&date(rng))
        .sex(*rng.pick(&['M', 'F', 'X', '<']))
        .expiry_date(&date(rng));
    if rng.chance(0.5) {
        b = b.optional_data(&from(rng, ALNUM, 1, 7));
    }
    if format == Format::Td1 && rng.chance(0.3) {
        b = b.optional_data_2(&from(rng, ALNUM, 1, 6));
    }
    let code = match format {
        Format::Td3 => *rng.pick(&["P", "P", "PO", "PD"]),
        Format::Td1 | Format::Td2 => *rng.pick(&["I", "ID", "AC", "IR"]),
        _ => *rng.pick(&["V", "VC", "VD"]),
    };
    b = b.document_code(code);
    // Every value above is in the MRZ alphabet and within its field.
    b.build().unwrap_or_else(|_| vec!["<".repeat(format.line_len()); format.line_count()])
}

/// A glyph raster with its ink box position relative to the pen (advance
/// origin on the baseline), in raster pixels.
struct Glyph {
    img: GrayImage,
    left: f64,
    top: f64,
}

fn glyph<F: Font>(font: &F, ch: char, cap_px: f64) -> Option<Glyph> {
    let cap_units = font
        .outline(font.glyph_id('H'))
        .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
        .unwrap_or(font.units_per_em().unwrap_or(1000.0) * 0.7);
    let scale = PxScale::from((cap_px as f32) * font.height_unscaled() / cap_units);
    let gid = font.glyph_id(ch);
    if gid.0 == 0 {
        return None;
    }
    let g = gid.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0));
    let o = font.outline_glyph(g)?;
    let b = o.px_bounds();
    let (w, h) = (b.width().ceil() as u32, b.height().ceil() as u32);
    if w == 0 || h == 0 {
        return None;
    }
    let mut img = GrayImage::new(w, h);
    o.draw(|x, y, c| {
        if x < w && y < h {
            img.put_pixel(x, y, Luma([(c.clamp(0.0, 1.0) * 255.0).round() as u8]));
        }
    });
    Some(Glyph { img, left: b.min.x as f64, top: b.min.y as f64 })
}

fn advance_px<F: Font>(font: &F, ch: char, cap_px: f64) -> f64 {
    let cap_units = font.outline(font.glyph_id('H')).map(|o| (o.bounds.max.y - o.bounds.min.y).abs()).unwrap_or(700.0);
    let scale = PxScale::from((cap_px as f32) * font.height_unscaled() / cap_units);
    font.as_scaled(scale).h_advance(font.glyph_id(ch)) as f64
}

/// Grows (`r > 0`) or thins the ink of a coverage raster by a max/min filter
/// of radius `|r|` pixels, for stroke-weight variation.
fn embolden(img: &GrayImage, r: i32) -> GrayImage {
    if r == 0 {
        return img.clone();
    }
    let (w, h) = (img.width() as i32, img.height() as i32);
    let mut out = GrayImage::new(w as u32, h as u32);
    for y in 0..h {
        for x in 0..w {
            let mut v = if r > 0 { 0u8 } else { 255u8 };
            for dy in -r.abs()..=r.abs() {
                for dx in -r.abs()..=r.abs() {
                    let (xx, yy) = (x + dx, y + dy);
                    let p = if xx < 0 || yy < 0 || xx >= w || yy >= h { 0 } else { img.get_pixel(xx as u32, yy as u32)[0] };
                    v = if r > 0 { v.max(p) } else { v.min(p) };
                }
            }
            out.put_pixel(x as u32, y as u32, Luma([v]));
        }
    }
    out
}

/// A run of monospaced text on the document.
struct Run {
    /// Left edge of the first cell and the centre line, mm.
    x0: f64,
    yc: f64,
    pitch: f64,
    cap: f64,
    /// Glyph per character (None for a space), raster scale px/mm.
    glyphs: Vec<Option<Arc<Glyph>>>,
    /// Pen offset inside the cell, mm.
    pen_dx: f64,
    raster: f64,
}

impl Run {
    fn coverage(&self, x: f64, y: f64) -> f64 {
        if x < self.x0 || (y - self.yc).abs() > self.cap {
            return 0.0;
        }
        let col = ((x - self.x0) / self.pitch) as usize;
        let Some(Some(g)) = self.glyphs.get(col) else { return 0.0 };
        // Pen at the cell's left edge plus the centring offset, on the baseline.
        let pen_x = self.x0 + col as f64 * self.pitch + self.pen_dx;
        let base = self.yc + self.cap / 2.0;
        let gx = (x - pen_x) * self.raster - g.left - 0.5;
        let gy = (y - base) * self.raster - g.top - 0.5;
        bilinear_u8(&g.img, gx, gy) / 255.0
    }
}

fn bilinear_u8(img: &GrayImage, x: f64, y: f64) -> f64 {
    let (w, h) = (img.width() as i64, img.height() as i64);
    if x < -1.0 || y < -1.0 || x >= w as f64 || y >= h as f64 {
        return 0.0;
    }
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let px = |xx: i64, yy: i64| -> f64 {
        if xx < 0 || yy < 0 || xx >= w || yy >= h { 0.0 } else { img.get_pixel(xx as u32, yy as u32)[0] as f64 }
    };
    let top = px(x0, y0) * (1.0 - fx) + px(x0 + 1, y0) * fx;
    let bot = px(x0, y0 + 1) * (1.0 - fx) + px(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bot * fy
}

fn make_run(font: &SceneFont, text: &str, x0: f64, yc: f64, pitch: f64, cap: f64, raster: f64, bold: i32) -> Run {
    let ocrb: &FontRef<'static> = crate::font::ocrb();
    let cap_px = cap * raster;
    let mk = |ch: char| -> Option<Arc<Glyph>> {
        if ch == ' ' {
            return None;
        }
        let g = match font {
            SceneFont::OcrB => glyph(ocrb, ch, cap_px),
            SceneFont::Other(f) => glyph(f.as_ref(), ch, cap_px),
        }?;
        Some(Arc::new(Glyph { img: embolden(&g.img, bold), ..g }))
    };
    let adv = match font {
        SceneFont::OcrB => advance_px(ocrb, 'H', cap_px),
        SceneFont::Other(f) => advance_px(f.as_ref(), 'H', cap_px),
    } / raster;
    let glyphs = text.chars().map(mk).collect();
    Run { x0, yc, pitch, cap, glyphs, pen_dx: (pitch - adv) / 2.0, raster }
}

fn mul3(a: &[f64; 9], b: &[f64; 9]) -> [f64; 9] {
    let mut r = [0.0; 9];
    for i in 0..3 {
        for j in 0..3 {
            r[i * 3 + j] = (0..3).map(|k| a[i * 3 + k] * b[k * 3 + j]).sum();
        }
    }
    r
}

fn inv3(m: &[f64; 9]) -> Option<[f64; 9]> {
    let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    if det.abs() < 1e-15 {
        return None;
    }
    let d = 1.0 / det;
    Some([
        (m[4] * m[8] - m[5] * m[7]) * d,
        (m[2] * m[7] - m[1] * m[8]) * d,
        (m[1] * m[5] - m[2] * m[4]) * d,
        (m[5] * m[6] - m[3] * m[8]) * d,
        (m[0] * m[8] - m[2] * m[6]) * d,
        (m[2] * m[3] - m[0] * m[5]) * d,
        (m[3] * m[7] - m[4] * m[6]) * d,
        (m[1] * m[6] - m[0] * m[7]) * d,
        (m[0] * m[4] - m[1] * m[3]) * d,
    ])
}

/// Applies a homography.
pub fn project(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)
}

/// Renders `scene`.
pub fn render(scene: &Scene) -> Rendered {
    let mut rng = Rng::new(scene.seed);
    let g = FormatGeometry::of(scene.format);
    let (dw, dh) = (g.width_mm, g.height_mm);
    let ppm = scene.px_per_mm;
    // Glyph rasters at twice the image resolution (at least 16 px/mm) so
    // bilinear sampling stays sharp.
    let raster = (2.0 * ppm).clamp(16.0, 60.0);
    let bold = (scene.bold * raster / 40.0).round() as i32;
    let first_x = g.first_char_x_mm;
    let n_lines = scene.lines.len().min(g.line_centres_from_bottom_mm.len());
    let mut runs: Vec<Run> = (0..n_lines)
        .map(|i| make_run(&scene.font, &scene.lines[i], first_x, g.line_centre_y_mm(i), scene.pitch_mm, scene.cap_mm, raster, bold))
        .collect();
    let mrz_top = g.line_centre_y_mm(0) - 3.0;
    let mut photo = None;
    if scene.viz {
        // A photo block at the left and a few lines of words at the right.
        let ph = (dw * 0.28, dh * 0.5);
        photo = Some((dw * 0.05, dh * 0.18, ph.0, ph.1, rng.range(60.0, 150.0)));
        let words = ["SURNAME", "NOM", "GIVEN NAMES", "DATE OF BIRTH", "12 JAN 1983", "PASSPORT", "UTOPIA", "SEX F", "NATIONALITY"];
        let mut y = dh * 0.2;
        while y < mrz_top - 4.0 {
            let cap = rng.range(1.4, 3.0);
            let text: String = (0..1 + rng.below(3)).map(|_| *rng.pick(&words)).collect::<Vec<_>>().join(" ");
            let font = if rng.chance(0.5) { SceneFont::OcrB } else { scene.font.clone() };
            runs.push(make_run(&font, &text, dw * 0.38, y, cap * 1.05, cap, raster, 0));
            y += cap * rng.range(2.0, 3.5);
        }
    }
    let gphase = (rng.range(0.0, 6.3), rng.range(0.0, 6.3), rng.range(0.7, 1.6));

    // Document mm → image px: centre, perspective tilt, rotate, scale.
    let t = scene.rotation_deg.to_radians();
    let (c, s) = (t.cos(), t.sin());
    let centre = [1.0, 0.0, -dw / 2.0, 0.0, 1.0, -dh / 2.0, 0.0, 0.0, 1.0];
    let tilt = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, -scene.tilt_x / (dw / 2.0), -scene.tilt_y / (dh / 2.0), 1.0];
    let rot = [ppm * c, ppm * s, 0.0, -ppm * s, ppm * c, 0.0, 0.0, 0.0, 1.0];
    let mut h = mul3(&rot, &mul3(&tilt, &centre));
    // Bounding box of the (margin-grown) document or MRZ band.
    let m = scene.margin_mm;
    let (bx0, by0, bx1, by1) = if scene.mrz_only { (-m, mrz_top - m, dw + m, dh + m.min(4.0)) } else { (-m, -m, dw + m, dh + m) };
    let corners = [(bx0, by0), (bx1, by0), (bx1, by1), (bx0, by1)].map(|(x, y)| project(&h, x, y));
    let minx = corners.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let miny = corners.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let maxx = corners.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let maxy = corners.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    h = mul3(&[1.0, 0.0, -minx, 0.0, 1.0, -miny, 0.0, 0.0, 1.0], &h);
    let (w, hgt) = (((maxx - minx).ceil() as u32).clamp(1, 12000), ((maxy - miny).ceil() as u32).clamp(1, 12000));
    let inv = inv3(&h).unwrap_or(h);

    let mut img = image::ImageBuffer::<Luma<f32>, Vec<f32>>::new(w, hgt);
    // 2×2 supersampling.
    let offs = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)];
    for py in 0..hgt {
        for px in 0..w {
            let mut acc = 0.0;
            for (ox, oy) in offs {
                let (x, y) = project(&inv, px as f64 + ox, py as f64 + oy);
                acc += doc_value(scene, &runs, photo, gphase, dw, dh, mrz_top, x, y);
            }
            img.put_pixel(px, py, Luma([(acc / 4.0) as f32]));
        }
    }
    if scene.blur_px > 0.05 {
        img = imageproc::filter::gaussian_blur_f32(&img, scene.blur_px as f32);
    }
    let (lx, ly) = (rng.range(-1.0, 1.0), rng.range(-1.0, 1.0));
    let mut out = GrayImage::new(w, hgt);
    for (x, y, p) in img.enumerate_pixels() {
        let fx = x as f64 / w as f64 - 0.5;
        let fy = y as f64 / hgt as f64 - 0.5;
        let light = 1.0 - scene.light * (0.5 + lx * fx + ly * fy).clamp(0.0, 1.0);
        let v = p[0] as f64 * light + scene.noise * rng.normal();
        out.put_pixel(x, y, Luma([v.round().clamp(0.0, 255.0) as u8]));
    }
    if let Some(q) = scene.jpeg_quality {
        out = jpeg_round_trip(&out, q).unwrap_or(out);
    }
    let cell_centres = (0..n_lines)
        .map(|i| {
            let yc = g.line_centre_y_mm(i);
            (0..scene.lines[i].chars().count()).map(|k| project(&h, first_x + (k as f64 + 0.5) * scene.pitch_mm, yc)).collect()
        })
        .collect();
    Rendered { image: out, doc_to_image: h, cell_centres }
}

#[allow(clippy::too_many_arguments)]
fn doc_value(
    scene: &Scene,
    runs: &[Run],
    photo: Option<(f64, f64, f64, f64, f64)>,
    gphase: (f64, f64, f64),
    dw: f64,
    dh: f64,
    mrz_top: f64,
    x: f64,
    y: f64,
) -> f64 {
    if x < 0.0 || y < 0.0 || x > dw || y > dh {
        return scene.surround;
    }
    let mut v = scene.paper;
    if scene.guilloche > 0.0 && (scene.guilloche_under_mrz || y < mrz_top) {
        // Two families of thin wavy lines.
        let a = (x * gphase.2 * 2.1 + 3.0 * (y * 0.35 + gphase.0).sin()).sin();
        let b = (y * gphase.2 * 2.7 + 2.5 * (x * 0.22 + gphase.1).sin()).sin();
        let line = (1.0 - a.abs() * 12.0).max(0.0) + (1.0 - b.abs() * 12.0).max(0.0);
        v -= scene.guilloche * line.min(1.0);
    }
    if let Some((px, py, pw, ph, level)) = photo {
        if x >= px && x <= px + pw && y >= py && y <= py + ph {
            let r = ((x - px - pw / 2.0) / pw).hypot((y - py - ph * 0.4) / ph);
            v = if r < 0.3 { level } else { (level + 60.0).min(230.0) };
        }
    }
    let mut ink: f64 = 0.0;
    for r in runs {
        ink = ink.max(r.coverage(x, y));
    }
    v * (1.0 - ink) + scene.ink * ink
}

/// Encodes and decodes `img` as JPEG at `quality`.
pub fn jpeg_round_trip(img: &GrayImage, quality: u8) -> Option<GrayImage> {
    let mut buf = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality);
    img.write_with_encoder(enc).ok()?;
    image::load_from_memory(&buf).ok().map(|d| d.to_luma8())
}

/// Loads a system font for tests (e.g. DejaVu Sans Mono), if present.
pub fn system_font(path: &str) -> Option<Arc<FontVec>> {
    let bytes = std::fs::read(path).ok()?;
    FontVec::try_from_vec(bytes).ok().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cells_where_it_says() {
        let lines = random_mrz_of(&mut Rng::new(3), Format::Td1);
        let mut s = Scene::new(Format::Td1, lines);
        s.px_per_mm = 6.0;
        s.mrz_only = true;
        s.rotation_deg = 30.0;
        let r = render(&s);
        // Every cell centre lies inside the image, and the pitch is as set.
        for l in &r.cell_centres {
            for &(x, y) in l {
                assert!(x > 0.0 && y > 0.0 && x < r.image.width() as f64 && y < r.image.height() as f64);
            }
        }
        assert!((r.px_per_mm_along_mrz(2.54) - 6.0).abs() < 1e-6);
    }
}
