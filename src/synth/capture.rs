//! Capture simulation: a flatbed scan or a phone photo of the clean render,
//! with every parameter drawn from the sample's generator and returned so the
//! label can record it, plus the exact document→image homography.

use image::{Rgb, RgbImage};

use super::draw::Colour;
use super::rng::Rng;

/// How a document was captured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaptureKind {
    /// Flatbed scan: small rotation, scanner lid around the document.
    Scan,
    /// Phone photo: perspective, any rotation, background, lighting.
    Photo,
    /// The clean render itself (document frame, no degradation); PNG.
    Clean,
}

impl CaptureKind {
    pub const ALL: [CaptureKind; 3] = [CaptureKind::Scan, CaptureKind::Photo, CaptureKind::Clean];
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureKind::Scan => "scan",
            CaptureKind::Photo => "photo",
            CaptureKind::Clean => "clean",
        }
    }
}

impl std::str::FromStr for CaptureKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "scan" => Ok(CaptureKind::Scan),
            "photo" => Ok(CaptureKind::Photo),
            "clean" => Ok(CaptureKind::Clean),
            _ => Err(format!("unknown capture {s:?} (expected scan, photo or clean)")),
        }
    }
}

/// A 3×3 homography, row-major, mapping (x, y, 1) to image coordinates.
pub type Homography = [f64; 9];

pub fn apply(h: &Homography, x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w)
}

pub fn compose(a: &Homography, b: &Homography) -> Homography {
    // a ∘ b: first b, then a.
    let mut m = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            m[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
        }
    }
    m
}

pub fn invert(h: &Homography) -> Option<Homography> {
    let [a, b, c, d, e, f, g, hh, i] = *h;
    let co = [e * i - f * hh, -(d * i - f * g), d * hh - e * g];
    let det = a * co[0] + b * co[1] + c * co[2];
    if det.abs() < 1e-15 || !det.is_finite() {
        return None;
    }
    let inv = [
        co[0],
        -(b * i - c * hh),
        b * f - c * e,
        co[1],
        a * i - c * g,
        -(a * f - c * d),
        co[2],
        -(a * hh - b * g),
        a * e - b * d,
    ];
    Some(inv.map(|v| v / det))
}

/// The homography taking the four `src` points to the four `dst` points.
pub fn from_points(src: &[(f64, f64); 4], dst: &[(f64, f64); 4]) -> Option<Homography> {
    let mut a = [[0.0f64; 9]; 8];
    for k in 0..4 {
        let (x, y) = src[k];
        let (u, v) = dst[k];
        a[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting on the 8×8 system.
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                for k in col..9 {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for i in 0..8 {
        h[i] = a[i][8] / a[i][i];
    }
    h[8] = 1.0;
    Some(h)
}

/// The capture parameters, as recorded in the label.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureParams {
    pub kind: CaptureKind,
    /// In-plane rotation of the document's top edge, degrees counter-clockwise
    /// as seen in the image (includes `orientation`).
    pub angle: f64,
    /// 0, 90, 180 or 270: the coarse orientation (photos only).
    pub orientation: u32,
    /// Largest corner displacement of the perspective, as a fraction of the
    /// document's diagonal (0 for scans).
    pub perspective: f64,
    /// Image pixels per document pixel at the centre (≈1: the label's dpi is
    /// the document's resolution in the image).
    pub scale: f64,
    /// Gaussian blur sigma in pixels.
    pub blur: f64,
    /// Noise standard deviation in grey levels.
    pub noise: f64,
    /// JPEG quality, or `None` for PNG.
    pub jpeg_q: Option<u8>,
    /// Lighting gradient: relative brightness change across the frame.
    pub light: f64,
    /// What is around the document.
    pub background: &'static str,
}

/// A captured image and where the document lies in it.
pub struct Captured {
    pub image: RgbImage,
    /// Maps document pixels (of the clean render) to image pixels.
    pub doc_px_to_image: Homography,
}

/// Draws capture parameters for `kind`.
pub fn draw_params(rng: &mut Rng, kind: CaptureKind) -> CaptureParams {
    match kind {
        CaptureKind::Clean => CaptureParams {
            kind,
            angle: 0.0,
            orientation: 0,
            perspective: 0.0,
            scale: 1.0,
            blur: 0.0,
            noise: 0.0,
            jpeg_q: None,
            light: 0.0,
            background: "none",
        },
        CaptureKind::Scan => CaptureParams {
            kind,
            angle: round2(rng.range(-3.0, 3.0)),
            orientation: 0,
            perspective: 0.0,
            scale: 1.0,
            blur: round2(rng.range(0.2, 1.0)),
            noise: round2(rng.range(0.8, 3.0)),
            jpeg_q: if rng.chance(0.25) { None } else { Some(rng.int(75, 95) as u8) },
            light: 0.0,
            background: if rng.chance(0.8) { "scanner_lid" } else { "scanner_open" },
        },
        CaptureKind::Photo => {
            let orientation = if rng.chance(0.12) { *rng.pick(&[90u32, 180, 270]) } else { 0 };
            let tilt = if rng.chance(0.3) { rng.range(-25.0, 25.0) } else { rng.range(-8.0, 8.0) };
            let mut angle = orientation as f64 + tilt;
            if angle > 180.0 {
                angle -= 360.0;
            }
            CaptureParams {
                kind,
                angle: round2(angle),
                orientation,
                perspective: round3(rng.range(0.0, 0.07)),
                scale: round3(rng.range(0.85, 1.05)),
                blur: round2(rng.range(0.3, 2.0)),
                noise: round2(rng.range(2.0, 7.0)),
                jpeg_q: Some(rng.int(50, 95) as u8),
                light: round2(rng.range(0.05, 0.35)),
                background: *rng.pick(&["wood", "desk_grey", "cloth_dark", "paper_white"]),
            }
        }
    }
}

pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Captures `doc` with `p`; `rng` supplies the placement, background texture
/// and noise.
pub fn capture(doc: &RgbImage, p: &CaptureParams, rng: &mut Rng) -> Captured {
    let (w, h) = (doc.width() as f64, doc.height() as f64);
    if p.kind == CaptureKind::Clean {
        return Captured { image: doc.clone(), doc_px_to_image: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0] };
    }
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    // Rotate about the centre; image y points down, so a counter-clockwise
    // angle on screen is a negative mathematical rotation.
    let a = -p.angle.to_radians();
    let (ca, sa) = (a.cos() * p.scale, a.sin() * p.scale);
    let diag = (w * w + h * h).sqrt() * p.scale;
    let mut quad = corners.map(|(x, y)| {
        let (dx, dy) = (x - w / 2.0, y - h / 2.0);
        (ca * dx - sa * dy, sa * dx + ca * dy)
    });
    if p.perspective > 0.0 {
        // Move each corner; the largest move is exactly `perspective`·diag.
        let big = rng.below(4);
        for (k, q) in quad.iter_mut().enumerate() {
            let amount = if k == big { p.perspective } else { p.perspective * rng.range(0.0, 1.0) };
            let th = rng.range(0.0, std::f64::consts::TAU);
            q.0 += amount * diag * th.cos();
            q.1 += amount * diag * th.sin();
        }
    }
    let (minx, maxx) = quad.iter().fold((f64::MAX, f64::MIN), |(a, b), q| (a.min(q.0), b.max(q.0)));
    let (miny, maxy) = quad.iter().fold((f64::MAX, f64::MIN), |(a, b), q| (a.min(q.1), b.max(q.1)));
    let (bw, bh) = (maxx - minx, maxy - miny);
    let (fw, fh, ox, oy) = match p.kind {
        CaptureKind::Scan => {
            // A few millimetres of scanner bed around the document.
            let m = |rng: &mut Rng| rng.range(0.03, 0.09) * w.max(h) * 0.6;
            let (l, t, r, b) = (m(rng), m(rng), m(rng), m(rng));
            (bw + l + r, bh + t + b, l - minx, t - miny)
        }
        _ => {
            // The document fills 55–85 % of the frame width, placed anywhere.
            let fill = rng.range(0.55, 0.85);
            let mut fw = bw / fill;
            let mut fh = fw * 0.75;
            if fh < bh * 1.08 {
                fh = bh / rng.range(0.6, 0.9);
                fw = fw.max(fh * 4.0 / 3.0);
            }
            let ox = rng.range(0.02 * fw, fw - bw - 0.02 * fw) - minx;
            let oy = rng.range(0.02 * fh, (fh - bh - 0.02 * fh).max(0.02 * fh)) - miny;
            (fw, fh, ox, oy)
        }
    };
    for q in &mut quad {
        q.0 += ox;
        q.1 += oy;
    }
    let (fw, fh) = (fw.ceil().max(1.0) as u32, fh.ceil().max(1.0) as u32);
    let hmat = from_points(&corners, &quad).unwrap_or([1.0, 0.0, ox, 0.0, 1.0, oy, 0.0, 0.0, 1.0]);
    let inv = invert(&hmat).unwrap_or([1.0, 0.0, -ox, 0.0, 1.0, -oy, 0.0, 0.0, 1.0]);
    let bg = Backdrop::new(p.background, rng);
    let mut img = warp(doc, &inv, fw, fh, &bg);
    if p.light > 0.0 {
        lighting(&mut img, p.light, rng);
    }
    if p.blur > 0.05 {
        blur(&mut img, p.blur);
    }
    if p.noise > 0.0 {
        noise(&mut img, p.noise, rng);
    }
    Captured { image: img, doc_px_to_image: hmat }
}

/// What lies around the document, as a cheap procedural texture.
struct Backdrop {
    base: Colour,
    grain: f32,
    freq: f64,
    phase: f64,
    waves: [(f64, f64, f64, f32); 3],
}

impl Backdrop {
    fn new(kind: &str, rng: &mut Rng) -> Backdrop {
        let (base, grain) = match kind {
            "scanner_lid" => ([240.0, 241.0, 242.0], 0.0),
            "scanner_open" => ([35.0, 36.0, 38.0], 0.0),
            "wood" => ([150.0 + rng.range(-20.0, 20.0) as f32, 105.0, 65.0], 0.18),
            "desk_grey" => ([120.0, 124.0, 128.0], 0.05),
            "cloth_dark" => ([45.0, 50.0, 70.0], 0.08),
            _ => ([225.0, 225.0, 220.0], 0.03),
        };
        let waves = [0, 1, 2].map(|_| (rng.range(0.0005, 0.004), rng.range(0.0005, 0.004), rng.range(0.0, 6.3), rng.range(0.02, 0.06) as f32));
        Backdrop { base, grain, freq: rng.range(0.02, 0.06), phase: rng.range(0.0, 100.0), waves }
    }

    #[inline]
    fn at(&self, x: f64, y: f64) -> Colour {
        let mut k = 1.0f32;
        for (fx, fy, ph, amp) in &self.waves {
            k += amp * ((x * fx + y * fy) * 6.283 + ph).sin() as f32;
        }
        if self.grain > 0.0 {
            let g = ((y * self.freq + 2.0 * (x * 0.004 + self.phase).sin()) * 6.283).sin() as f32;
            k += self.grain * 0.5 * g;
        }
        [self.base[0] * k, self.base[1] * k, self.base[2] * k]
    }
}

/// Inverse-maps every output pixel into the document (bilinear), with
/// anti-aliased document edges over the backdrop.
fn warp(doc: &RgbImage, inv: &Homography, fw: u32, fh: u32, bg: &Backdrop) -> RgbImage {
    let (dw, dh) = (doc.width() as f64, doc.height() as f64);
    let src = doc.as_raw();
    let stride = doc.width() as usize * 3;
    let mut out = RgbImage::new(fw, fh);
    let buf: &mut [u8] = &mut out;
    for y in 0..fh {
        let yc = y as f64 + 0.5;
        for x in 0..fw {
            let xc = x as f64 + 0.5;
            let (u, v) = apply(inv, xc, yc);
            // Distance inside the document edge, in document pixels.
            let inside = u.min(dw - u).min(v).min(dh - v);
            let o = (y as usize * fw as usize + x as usize) * 3;
            let cov = (inside + 0.5).clamp(0.0, 1.0) as f32;
            let mut c = if cov < 1.0 { bg.at(xc, yc) } else { [0.0; 3] };
            if cov > 0.0 {
                let s = bilinear(src, stride, doc.width(), doc.height(), u - 0.5, v - 0.5);
                for k in 0..3 {
                    c[k] = c[k] * (1.0 - cov) + s[k] * cov;
                }
            }
            buf[o] = c[0].round().clamp(0.0, 255.0) as u8;
            buf[o + 1] = c[1].round().clamp(0.0, 255.0) as u8;
            buf[o + 2] = c[2].round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[inline]
fn bilinear(src: &[u8], stride: usize, w: u32, h: u32, x: f64, y: f64) -> Colour {
    let x = x.clamp(0.0, w as f64 - 1.0);
    let y = y.clamp(0.0, h as f64 - 1.0);
    let x0 = x.floor() as usize;
    let y0 = y.floor() as usize;
    let x1 = (x0 + 1).min(w as usize - 1);
    let y1 = (y0 + 1).min(h as usize - 1);
    let fx = (x - x0 as f64) as f32;
    let fy = (y - y0 as f64) as f32;
    let p = |xx: usize, yy: usize, k: usize| src[yy * stride + xx * 3 + k] as f32;
    let mut c = [0.0; 3];
    for (k, ck) in c.iter_mut().enumerate() {
        let top = p(x0, y0, k) * (1.0 - fx) + p(x1, y0, k) * fx;
        let bot = p(x0, y1, k) * (1.0 - fx) + p(x1, y1, k) * fx;
        *ck = top * (1.0 - fy) + bot * fy;
    }
    c
}

/// A linear brightness gradient in a random direction with a slight colour
/// cast (phone photos under room light).
fn lighting(img: &mut RgbImage, strength: f64, rng: &mut Rng) {
    let th = rng.range(0.0, std::f64::consts::TAU);
    let (dx, dy) = (th.cos(), th.sin());
    let (w, h) = (img.width() as f64, img.height() as f64);
    let norm = (w * dx.abs() + h * dy.abs()).max(1.0);
    let cast = [1.0 + rng.range(-0.04, 0.06) as f32, 1.0, 1.0 + rng.range(-0.08, 0.03) as f32];
    let base = 1.0 - strength * 0.3;
    for (x, y, p) in img.enumerate_pixels_mut() {
        let t = ((x as f64 - w / 2.0) * dx + (y as f64 - h / 2.0) * dy) / norm;
        let k = (base + strength * t) as f32;
        for c in 0..3 {
            p.0[c] = (p.0[c] as f32 * k * cast[c]).round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Gaussian blur: an exact separable kernel for small sigmas, three box
/// passes (a close approximation, much cheaper) for large ones.
pub fn blur(img: &mut RgbImage, sigma: f64) {
    if sigma <= 1.2 {
        let r = (sigma * 2.5).ceil() as i32;
        let mut k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32).collect();
        let s: f32 = k.iter().sum();
        k.iter_mut().for_each(|v| *v /= s);
        convolve_h(img, &k);
        transpose_apply(img, |t| convolve_h(t, &k));
    } else {
        let boxes = box_sizes(sigma, 3);
        for &b in &boxes {
            box_h(img, (b - 1) / 2);
        }
        transpose_apply(img, |t| {
            for &b in &boxes {
                box_h(t, (b - 1) / 2);
            }
        });
    }
}

/// Box widths whose three passes approximate a Gaussian of `sigma`.
fn box_sizes(sigma: f64, n: usize) -> Vec<usize> {
    let ideal = (12.0 * sigma * sigma / n as f64 + 1.0).sqrt();
    let mut wl = ideal.floor() as usize;
    if wl % 2 == 0 {
        wl -= 1;
    }
    let wu = wl + 2;
    let m_ideal = (12.0 * sigma * sigma - (n * wl * wl) as f64 - (4 * n * wl) as f64 - 3.0 * n as f64) / (-4.0 * wl as f64 - 4.0);
    let m = m_ideal.round().max(0.0) as usize;
    (0..n).map(|i| if i < m { wl } else { wu }).collect()
}

fn transpose(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut t = RgbImage::new(h, w);
    for (x, y, p) in img.enumerate_pixels() {
        t.put_pixel(y, x, *p);
    }
    t
}

fn transpose_apply(img: &mut RgbImage, f: impl Fn(&mut RgbImage)) {
    let mut t = transpose(img);
    f(&mut t);
    *img = transpose(&t);
}

fn convolve_h(img: &mut RgbImage, k: &[f32]) {
    let (w, h) = img.dimensions();
    let r = (k.len() / 2) as i64;
    let mut row = vec![0.0f32; w as usize * 3];
    for y in 0..h {
        for x in 0..w as i64 {
            let mut acc = [0.0f32; 3];
            for (i, kv) in k.iter().enumerate() {
                let xx = (x + i as i64 - r).clamp(0, w as i64 - 1) as u32;
                let p = img.get_pixel(xx, y);
                for c in 0..3 {
                    acc[c] += kv * p.0[c] as f32;
                }
            }
            row[x as usize * 3..x as usize * 3 + 3].copy_from_slice(&acc);
        }
        for x in 0..w {
            let o = x as usize * 3;
            img.put_pixel(x, y, Rgb([row[o].round() as u8, row[o + 1].round() as u8, row[o + 2].round() as u8]));
        }
    }
}

fn box_h(img: &mut RgbImage, r: usize) {
    if r == 0 {
        return;
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let buf: &mut [u8] = img;
    let mut line = vec![0u8; w * 3];
    let n = (2 * r + 1) as u32;
    for y in 0..h {
        let row = &mut buf[y * w * 3..(y + 1) * w * 3];
        line.copy_from_slice(row);
        for c in 0..3 {
            let at = |i: i64| line[(i.clamp(0, w as i64 - 1) as usize) * 3 + c] as u32;
            let mut acc: u32 = (-(r as i64)..=r as i64).map(at).sum();
            for x in 0..w {
                row[x * 3 + c] = ((acc + n / 2) / n) as u8;
                acc = acc + at(x as i64 + r as i64 + 1) - at(x as i64 - r as i64);
            }
        }
    }
}

/// Sensor noise: luminance noise of `sigma` grey levels plus a little chroma.
fn noise(img: &mut RgbImage, sigma: f64, rng: &mut Rng) {
    let s = sigma as f32;
    let buf: &mut [u8] = img;
    for px in buf.chunks_exact_mut(3) {
        let l = rng.fast_normal() * s;
        let ch = rng.fast_normal() * s * 0.35;
        let d = [l + ch, l, l - ch];
        for k in 0..3 {
            px[k] = (px[k] as f32 + d[k]).round().clamp(0.0, 255.0) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homography_from_points_round_trips() {
        let src = [(0.0, 0.0), (100.0, 0.0), (100.0, 50.0), (0.0, 50.0)];
        let dst = [(10.0, 5.0), (120.0, 12.0), (110.0, 70.0), (3.0, 60.0)];
        let h = from_points(&src, &dst).unwrap();
        for (s, d) in src.iter().zip(&dst) {
            let (x, y) = apply(&h, s.0, s.1);
            assert!((x - d.0).abs() < 1e-6 && (y - d.1).abs() < 1e-6);
        }
        let inv = invert(&h).unwrap();
        let (x, y) = apply(&inv, dst[2].0, dst[2].1);
        assert!((x - 100.0).abs() < 1e-6 && (y - 50.0).abs() < 1e-6);
    }

    #[test]
    fn box_sizes_approximate_sigma() {
        for s in [1.3, 2.0, 3.5] {
            let b = box_sizes(s, 3);
            let var: f64 = b.iter().map(|&w| ((w * w) as f64 - 1.0) / 12.0).sum();
            assert!((var.sqrt() - s).abs() < 0.35, "{s} {b:?}");
        }
    }
}
