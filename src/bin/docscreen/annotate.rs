//! `--annotate`: the report drawn on the image, for a person to look at.
//!
//! A banner above the image gives the verdict, the template and the finding
//! codes; on the image: the page outline (green), the issuer template's
//! zones (thin, muted), the MRZ band (blue) with the characters of every
//! failed MRZ check boxed in red, and each finding's polygon shaded and
//! outlined in its severity's colour with a short label.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use docscreen::geometry::Homography;
use docscreen::read::{MrzReading, Point};
use docscreen::report::{Finding, Report, Severity, Verdict};
use docscreen::template::Template;
use image::{DynamicImage, Rgb, RgbImage};
use std::path::Path;

/// Annotated images are scaled down to this longest side: enough to see
/// every finding, small enough to open and mail.
pub const MAX_SIDE: u32 = 1600;

static LABEL_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

const RED: Rgb<u8> = Rgb([225, 30, 30]);
const ORANGE: Rgb<u8> = Rgb([245, 145, 0]);
const BLUE: Rgb<u8> = Rgb([30, 100, 240]);
const GREEN: Rgb<u8> = Rgb([0, 170, 70]);
const ZONE: Rgb<u8> = Rgb([120, 170, 210]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

fn severity_colour(s: Severity) -> Rgb<u8> {
    match s {
        Severity::Fail => RED,
        Severity::Warning => ORANGE,
        Severity::Info => BLUE,
    }
}

fn verdict_colour(v: Verdict) -> Rgb<u8> {
    match v {
        Verdict::Pass => GREEN,
        Verdict::Fail => RED,
        Verdict::Inconclusive => ORANGE,
    }
}

/// Draws reports on images. Build once; `Sync`.
pub struct Annotator {
    font: FontRef<'static>,
}

struct Canvas<'a> {
    img: RgbImage,
    font: &'a FontRef<'static>,
    /// Image px → canvas px: scale, then shift down by the banner.
    scale: f32,
    top: f32,
    /// Line thickness and label text size in canvas px.
    line: f32,
    text_px: f32,
    /// Labels already placed (x0, y0, x1, y1), to avoid stacking them.
    labels: Vec<[f32; 4]>,
}

impl Annotator {
    pub fn new() -> Result<Annotator, String> {
        let font = FontRef::try_from_slice(LABEL_FONT).map_err(|e| format!("label font: {e}"))?;
        Ok(Annotator { font })
    }

    /// The annotated picture of `img` with `rep` (and the zones of
    /// `template`, the one the report names, when known).
    pub fn draw(&self, img: &DynamicImage, rep: &Report, template: Option<&Template>) -> RgbImage {
        let (w, h) = (img.width().max(1), img.height().max(1));
        let scale = (MAX_SIDE as f32 / w.max(h) as f32).min(1.0);
        let base = if scale < 1.0 {
            let (sw, sh) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
            image::imageops::resize(&img.to_rgb8(), sw, sh, image::imageops::FilterType::Triangle)
        } else {
            img.to_rgb8()
        };
        let (bw, bh) = base.dimensions();
        let text_px = (bw.max(bh) as f32 / 70.0).clamp(11.0, 22.0);
        let banner = (text_px * 2.2).round() as u32;
        let mut canvas = RgbImage::from_pixel(bw, bh + banner, WHITE);
        image::imageops::replace(&mut canvas, &base, 0, banner as i64);
        let mut c = Canvas {
            img: canvas,
            font: &self.font,
            scale,
            top: banner as f32,
            line: (bw.max(bh) as f32 / 500.0).clamp(1.5, 4.0),
            text_px,
            labels: Vec::new(),
        };
        c.banner(rep, banner as f32);

        if let Some(page) = &rep.document_polygon_px {
            if let Some(t) = template.filter(|t| !t.builtin) {
                c.zones(page, t);
            }
            let pts = c.map(page);
            c.polygon(&pts, c.line, GREEN);
        }
        if rep.reading.found {
            let quad = c.map(&rep.reading.quad);
            c.polygon(&quad, c.line, BLUE);
            c.failed_mrz_characters(rep);
            let label = match &rep.mrz {
                Some(m) if m.valid => format!("MRZ {} valid", m.format),
                Some(m) => format!("MRZ {} INVALID", m.format),
                None => "MRZ".to_string(),
            };
            let colour = if rep.mrz.as_ref().is_some_and(|m| m.valid) { BLUE } else { RED };
            c.label(&quad, &label, colour);
        }
        // Fail findings last so that they end on top.
        let mut findings: Vec<&Finding> = rep.findings.iter().filter(|f| f.severity >= Severity::Warning).collect();
        findings.sort_by_key(|f| f.severity);
        for f in findings {
            let Some(poly) = &f.polygon_px else { continue };
            let pts = c.map(poly);
            let colour = severity_colour(f.severity);
            c.fill(&pts, colour, 0.22);
            c.polygon(&pts, c.line * 1.5, colour);
            let text = match &f.zone {
                Some(z) if z != "page" => format!("{} {z}", f.code),
                _ => f.code.to_string(),
            };
            c.label(&pts, &text, colour);
        }
        c.img
    }
}

/// Writes `img` as PNG.
pub fn write_png(img: &RgbImage, path: &Path) -> Result<(), String> {
    use image::ImageEncoder;
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let err = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut w = std::io::BufWriter::new(file);
    PngEncoder::new_with_quality(&mut w, CompressionType::Best, FilterType::Adaptive)
        .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgb8)
        .map_err(|e| err(&e))?;
    std::io::Write::flush(&mut w).map_err(|e| err(&e))
}

impl Canvas<'_> {
    fn map(&self, pts: &[Point]) -> Vec<(f32, f32)> {
        pts.iter().map(|p| (p.x * self.scale, p.y * self.scale + self.top)).collect()
    }

    /// Verdict, template and finding codes on a coloured strip above the image.
    fn banner(&mut self, rep: &Report, height: f32) {
        let colour = verdict_colour(rep.verdict);
        let w = self.img.width() as f32;
        self.fill(&[(0.0, 0.0), (w, 0.0), (w, height), (0.0, height)], colour, 1.0);
        let mut text = rep.verdict.as_str().to_uppercase();
        if let Some(m) = &rep.mrz {
            text.push_str(&format!("  {}", m.format));
            if let Some(f) = &m.fields {
                text.push_str(&format!(" {} {}", f.issuing_state, f.document_code.trim_end_matches('<')));
            }
        }
        if let Some(t) = &rep.template {
            text.push_str(&format!("  template {} ({:.2})", t.id, t.score));
        }
        let mut codes: Vec<String> = Vec::new();
        for f in rep.findings.iter().filter(|f| f.severity >= Severity::Warning) {
            let c = f.code.to_string();
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        if !codes.is_empty() {
            text.push_str(&format!("  |  {}", codes.join(", ")));
        }
        // Shrink to fit the width rather than cut the list.
        let mut px = self.text_px * 1.15;
        while px > 8.0 && text_width(self.font, px, &text) > w - 2.0 * self.text_px {
            px *= 0.9;
        }
        let y = (height - line_height(self.font, px)) / 2.0;
        self.text(self.text_px * 0.6, y, px, WHITE, &text);
    }

    /// The issuer template's zones mapped through the page outline.
    fn zones(&mut self, page: &[Point], t: &Template) {
        let [tl, tr, br, bl] = match page {
            [a, b, c, d] => [a, b, c, d],
            _ => return,
        };
        let (wm, hm) = (t.file.width_mm, t.file.height_mm);
        let to = [tl, tr, br, bl].map(|p| (p.x as f64, p.y as f64));
        let Some(hom) = Homography::from_points([(0.0, 0.0), (wm, 0.0), (wm, hm), (0.0, hm)], to) else { return };
        for z in &t.file.zones {
            let r = z.rect;
            let corners = [(r.x, r.y), (r.right(), r.y), (r.right(), r.bottom()), (r.x, r.bottom())];
            let pts: Vec<Point> = corners.iter().filter_map(|&(x, y)| hom.apply(x, y)).map(|(x, y)| Point::new(x as f32, y as f32)).collect();
            if pts.len() == 4 {
                let pts = self.map(&pts);
                self.polygon(&pts, (self.line * 0.5).max(1.0), ZONE);
            }
        }
    }

    /// Outlines, in red, the characters each failed MRZ check is about, and
    /// shades the check-digit cell.
    fn failed_mrz_characters(&mut self, rep: &Report) {
        let Some(m) = &rep.mrz else { return };
        for check in m.checks.iter().filter(|c| !c.ok) {
            if let Some(p) = check.span.and_then(|s| span_polygon(&rep.reading, s.line as usize, s.start as usize, s.len as usize)) {
                let p = self.map(&p);
                self.polygon(&p, (self.line * 0.75).max(1.0), RED);
            }
            if let Some(p) = check.digit_at.and_then(|s| span_polygon(&rep.reading, s.line as usize, s.start as usize, s.len as usize)) {
                let p = self.map(&p);
                self.fill(&p, RED, 0.4);
                self.polygon(&p, (self.line * 0.75).max(1.0), RED);
            }
        }
    }

    /// A label in a filled box at the top-left of `pts`, above it when there
    /// is room, moved down past labels already placed.
    fn label(&mut self, pts: &[(f32, f32)], text: &str, colour: Rgb<u8>) {
        let finite: Vec<(f32, f32)> = pts.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
        if finite.is_empty() {
            return;
        }
        let px = self.text_px;
        let (tw, th) = (text_width(self.font, px, text), line_height(self.font, px));
        let pad = px * 0.25;
        let (bw, bh) = (tw + 2.0 * pad, th + 2.0 * pad);
        let (iw, ih) = (self.img.width() as f32, self.img.height() as f32);
        let min_x = finite.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
        let min_y = finite.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
        let x = min_x.clamp(0.0, (iw - bw).max(0.0));
        let mut y = if min_y - bh >= self.top { min_y - bh } else { min_y + self.line };
        y = y.clamp(self.top, (ih - bh).max(self.top));
        for _ in 0..12 {
            let hit = self.labels.iter().any(|l| x < l[2] && x + bw > l[0] && y < l[3] && y + bh > l[1]);
            if !hit {
                break;
            }
            y = (y + bh + 1.0).min((ih - bh).max(self.top));
        }
        self.labels.push([x, y, x + bw, y + bh]);
        self.fill(&[(x, y), (x + bw, y), (x + bw, y + bh), (x, y + bh)], colour, 0.9);
        self.text(x + pad, y + pad, px, WHITE, text);
    }

    fn blend(&mut self, x: i64, y: i64, c: Rgb<u8>, a: f32) {
        if x < 0 || y < 0 || x >= self.img.width() as i64 || y >= self.img.height() as i64 {
            return;
        }
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for k in 0..3 {
            p.0[k] = (p.0[k] as f32 * (1.0 - a) + c.0[k] as f32 * a).round().clamp(0.0, 255.0) as u8;
        }
    }

    /// A closed outline of thickness `t`.
    fn polygon(&mut self, pts: &[(f32, f32)], t: f32, c: Rgb<u8>) {
        for i in 0..pts.len() {
            self.segment(pts[i], pts[(i + 1) % pts.len()], t, c);
        }
    }

    /// A thick segment: discs stamped along it, after clipping it to the
    /// canvas (a wild homography can put a corner far outside).
    fn segment(&mut self, a: (f32, f32), b: (f32, f32), t: f32, c: Rgb<u8>) {
        let (w, h) = (self.img.width() as f32, self.img.height() as f32);
        let Some((a, b)) = clip(a, b, (-t, -t, w + t, h + t)) else { return };
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let r = t / 2.0;
        let steps = (len / (r * 0.5).max(0.5)).ceil().max(1.0) as usize;
        let ri = r.ceil() as i64;
        for s in 0..=steps {
            let f = s as f32 / steps as f32;
            let (cx, cy) = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
            for dy in -ri..=ri {
                for dx in -ri..=ri {
                    if ((dx * dx + dy * dy) as f32) <= r * r + 0.25 {
                        self.blend(cx.round() as i64 + dx, cy.round() as i64 + dy, c, 1.0);
                    }
                }
            }
        }
    }

    /// Fills a polygon (even-odd rule) with `c` at opacity `a`.
    fn fill(&mut self, pts: &[(f32, f32)], c: Rgb<u8>, a: f32) {
        if pts.len() < 3 || pts.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
            return;
        }
        let (w, h) = (self.img.width() as f32, self.img.height() as f32);
        let x0 = pts.iter().map(|p| p.0).fold(f32::INFINITY, f32::min).max(0.0).floor() as i64;
        let x1 = pts.iter().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max).min(w).ceil() as i64;
        let y0 = pts.iter().map(|p| p.1).fold(f32::INFINITY, f32::min).max(0.0).floor() as i64;
        let y1 = pts.iter().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max).min(h).ceil() as i64;
        let mut xs = Vec::new();
        for y in y0..y1 {
            let yc = y as f32 + 0.5;
            xs.clear();
            for i in 0..pts.len() {
                let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
                if (p.1 <= yc) != (q.1 <= yc) {
                    xs.push(p.0 + (yc - p.1) / (q.1 - p.1) * (q.0 - p.0));
                }
            }
            xs.sort_by(f32::total_cmp);
            for pair in xs.chunks_exact(2) {
                let from = (pair[0] - 0.5).ceil().max(x0 as f32) as i64;
                let to = (pair[1] - 0.5).floor().min(x1 as f32 - 1.0) as i64;
                for x in from..=to {
                    self.blend(x, y, c, a);
                }
            }
        }
    }

    fn text(&mut self, x: f32, y: f32, px: f32, c: Rgb<u8>, s: &str) {
        let font = self.font;
        let scaled = font.as_scaled(PxScale::from(px));
        let mut pen = 0.0f32;
        let mut prev = None;
        for ch in s.chars() {
            let id = scaled.glyph_id(ch);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            let g = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x + pen, y + scaled.ascent()));
            pen += scaled.h_advance(id);
            prev = Some(id);
            let Some(o) = font.outline_glyph(g) else { continue };
            let b = o.px_bounds();
            let mut cov = Vec::new();
            o.draw(|gx, gy, v| cov.push((gx, gy, v)));
            for (gx, gy, v) in cov {
                self.blend(b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64, c, v.clamp(0.0, 1.0));
            }
        }
    }
}

/// Character cells `start..start + len` of MRZ line `line` as an image
/// polygon: the MRZ frame is in mm with x along the lines (2.54 mm pitch) and
/// the line's centre taken from its characters as read.
fn span_polygon(reading: &MrzReading, line: usize, start: usize, len: usize) -> Option<Vec<Point>> {
    const PITCH_MM: f64 = 2.54;
    // Half the OCR-B cap height (2.42 mm) plus a margin.
    const HALF_H_MM: f64 = 1.6;
    if len == 0 {
        return None;
    }
    let to_mrz = reading.mrz_to_image.inverse()?;
    let chars = reading.chars.get(line)?;
    let ys: Vec<f64> = chars.iter().map(|c| to_mrz.apply(c.centre.x as f64, c.centre.y as f64).1).filter(|y| y.is_finite()).collect();
    if ys.is_empty() {
        return None;
    }
    let yc = ys.iter().sum::<f64>() / ys.len() as f64;
    let (x0, x1) = (start as f64 * PITCH_MM, (start + len) as f64 * PITCH_MM);
    let corners = [(x0, yc - HALF_H_MM), (x1, yc - HALF_H_MM), (x1, yc + HALF_H_MM), (x0, yc + HALF_H_MM)];
    Some(corners.iter().map(|&(x, y)| reading.mrz_to_image.apply(x, y)).map(|(x, y)| Point::new(x as f32, y as f32)).collect())
}

fn text_width(font: &FontRef<'static>, px: f32, s: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(px));
    let mut w = 0.0;
    let mut prev = None;
    for ch in s.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            w += scaled.kern(p, id);
        }
        w += scaled.h_advance(id);
        prev = Some(id);
    }
    w
}

fn line_height(font: &FontRef<'static>, px: f32) -> f32 {
    let scaled = font.as_scaled(PxScale::from(px));
    scaled.ascent() - scaled.descent()
}

/// Liang–Barsky: the part of segment a–b inside the box, if any.
fn clip(a: (f32, f32), b: (f32, f32), (x0, y0, x1, y1): (f32, f32, f32, f32)) -> Option<((f32, f32), (f32, f32))> {
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for (p, q) in [(-dx, a.0 - x0), (dx, x1 - a.0), (-dy, a.1 - y0), (dy, y1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    Some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        let bx = (0.0, 0.0, 10.0, 10.0);
        assert_eq!(clip((-5.0, 5.0), (15.0, 5.0), bx), Some(((0.0, 5.0), (10.0, 5.0))));
        assert_eq!(clip((-5.0, -5.0), (-1.0, 20.0), bx), None);
        assert_eq!(clip((f32::NAN, 0.0), (1.0, 1.0), bx), None);
        assert!(clip((-1e30, 5.0), (1e30, 5.0), bx).is_some());
    }

    #[test]
    fn draws_without_panicking_on_wild_geometry() {
        let a = Annotator::new().unwrap();
        let img = RgbImage::from_pixel(300, 200, Rgb([200, 200, 200]));
        let mut c = Canvas { img, font: &a.font, scale: 1.0, top: 20.0, line: 2.0, text_px: 12.0, labels: Vec::new() };
        let wild = [(-1e9, -1e9), (1e9, 5.0), (f32::NAN, 3.0), (50.0, f32::INFINITY)];
        c.polygon(&wild, 3.0, RED);
        c.fill(&wild, RED, 0.5);
        c.fill(&[(10.0, 30.0), (100.0, 30.0), (100.0, 90.0), (10.0, 90.0)], RED, 1.0);
        assert_eq!(*c.img.get_pixel(50, 60), RED);
        assert_eq!(*c.img.get_pixel(150, 60), Rgb([200, 200, 200]));
        c.label(&[(290.0, 195.0)], "a long label that does not fit", ORANGE);
        c.text(-50.0, -50.0, 40.0, Rgb([90, 90, 90]), "éÀ€ off canvas");
    }
}
