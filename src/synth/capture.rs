//! Capture simulation: a flatbed scan or a phone photo of the clean render,
//! with every parameter drawn from the sample's generator and returned so the
//! label can record it, plus the exact document→image homography.

use image::RgbImage;

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
            jpeg_q: if rng.chance(0.1) { None } else { Some(rng.int(75, 95) as u8) },
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
            // The document fills 60–90 % of the frame width, placed anywhere.
            let fill = rng.range(0.6, 0.9);
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
    let bg = Backdrop::new(p.background, rng, fw, fh);
    let light = (p.light > 0.0).then(|| Light::new(p.light, rng, fw, fh));
    // The optical blur is applied to the document before the warp: the scale
    // is close to 1, the backdrop is smooth anyway, and the document has
    // half the pixels of a photo frame. Noise is added in the warp pass.
    let blurred;
    let src = if p.blur > 0.05 {
        let mut d = doc.clone();
        blur(&mut d, p.blur / p.scale.max(0.1));
        blurred = d;
        &blurred
    } else {
        doc
    };
    let img = warp(src, &inv, &quad, fw, fh, &bg, light.as_ref(), p.noise as f32, rng);
    Captured { image: img, doc_px_to_image: hmat }
}

/// What lies around the document: a procedural texture precomputed on a
/// coarse grid (it is smooth) and interpolated.
struct Backdrop {
    grid: Vec<Colour>,
    gw: usize,
    gh: usize,
}

const GRID: f64 = 4.0;

impl Backdrop {
    fn new(kind: &str, rng: &mut Rng, fw: u32, fh: u32) -> Backdrop {
        let (base, grain) = match kind {
            "scanner_lid" => ([240.0, 241.0, 242.0], 0.0),
            "scanner_open" => ([35.0, 36.0, 38.0], 0.0),
            "wood" => ([150.0 + rng.range(-20.0, 20.0) as f32, 105.0, 65.0], 0.18),
            "desk_grey" => ([120.0, 124.0, 128.0], 0.05),
            "cloth_dark" => ([45.0, 50.0, 70.0], 0.08),
            _ => ([225.0, 225.0, 220.0], 0.03),
        };
        let flat = kind.starts_with("scanner");
        let waves = [0, 1, 2].map(|_| (rng.range(0.0005, 0.004), rng.range(0.0005, 0.004), rng.range(0.0, 6.3), rng.range(0.02, 0.06) as f32));
        let (freq, phase) = (rng.range(0.02, 0.06), rng.range(0.0, 100.0));
        let gw = (fw as f64 / GRID).ceil() as usize + 2;
        let gh = (fh as f64 / GRID).ceil() as usize + 2;
        let mut grid = Vec::with_capacity(gw * gh);
        for gy in 0..gh {
            for gx in 0..gw {
                let (x, y) = (gx as f64 * GRID, gy as f64 * GRID);
                let mut k = 1.0f32;
                if !flat {
                    for (fx, fy, ph, amp) in &waves {
                        k += amp * ((x * fx + y * fy) * std::f64::consts::TAU + ph).sin() as f32;
                    }
                }
                if grain > 0.0 {
                    let g = ((y * freq + 2.0 * (x * 0.004 + phase).sin()) * std::f64::consts::TAU).sin() as f32;
                    k += grain * 0.5 * g;
                }
                grid.push([base[0] * k, base[1] * k, base[2] * k]);
            }
        }
        Backdrop { grid, gw, gh }
    }

    #[inline]
    fn at(&self, x: f64, y: f64) -> Colour {
        let gx = (x / GRID).clamp(0.0, (self.gw - 2) as f64);
        let gy = (y / GRID).clamp(0.0, (self.gh - 2) as f64);
        let (x0, y0) = (gx as usize, gy as usize);
        let (fx, fy) = ((gx - x0 as f64) as f32, (gy - y0 as f64) as f32);
        let p = |xx: usize, yy: usize| self.grid[yy * self.gw + xx];
        let (a, b, c, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
        let mut o = [0.0; 3];
        for k in 0..3 {
            o[k] = (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy;
        }
        o
    }
}

/// A linear brightness gradient in some direction with a slight colour cast
/// (phone photos under room light).
struct Light {
    dx: f64,
    dy: f64,
    strength: f64,
    cast: Colour,
}

impl Light {
    fn new(strength: f64, rng: &mut Rng, fw: u32, fh: u32) -> Light {
        let th = rng.range(0.0, std::f64::consts::TAU);
        let norm = (fw as f64 * th.cos().abs() + fh as f64 * th.sin().abs()).max(1.0);
        let cast = [1.0 + rng.range(-0.04, 0.06) as f32, 1.0, 1.0 + rng.range(-0.08, 0.03) as f32];
        Light { dx: th.cos() / norm, dy: th.sin() / norm, strength, cast }
    }
}

/// Rounds to a byte. `as` saturates (and maps NaN to 0), so no clamp is
/// needed; `f32::clamp` was the hottest line of the warp.
#[inline]
fn to_u8(v: f32) -> u8 {
    (v + 0.5) as u8
}

/// Inverse-maps every output pixel into the document (bilinear), with
/// anti-aliased document edges over the backdrop, applies the lighting and
/// adds sensor noise (luminance, and a little chroma) of `noise` grey levels.
#[allow(clippy::too_many_arguments)]
fn warp(doc: &RgbImage, inv: &Homography, quad: &[(f64, f64); 4], fw: u32, fh: u32, bg: &Backdrop, light: Option<&Light>, noise: f32, rng: &mut Rng) -> RgbImage {
    let (dw, dh) = (doc.width() as f64, doc.height() as f64);
    let src = doc.as_raw();
    let stride = doc.width() as usize * 3;
    let minx = quad.iter().map(|q| q.0).fold(f64::MAX, f64::min) - 2.0;
    let maxx = quad.iter().map(|q| q.0).fold(f64::MIN, f64::max) + 2.0;
    let miny = quad.iter().map(|q| q.1).fold(f64::MAX, f64::min) - 2.0;
    let maxy = quad.iter().map(|q| q.1).fold(f64::MIN, f64::max) + 2.0;
    let mut out = RgbImage::new(fw, fh);
    let buf: &mut [u8] = &mut out;
    let (cx, cy) = (fw as f64 / 2.0, fh as f64 / 2.0);
    // Two triangular variates (sums of two 16-bit uniforms) per pixel from
    // one draw, scaled to unit variance.
    const K: f32 = 1.0 / 26_754.7;
    for y in 0..fh {
        let yc = y as f64 + 0.5;
        let row_has_doc = yc >= miny && yc <= maxy;
        let row = &mut buf[y as usize * fw as usize * 3..(y as usize + 1) * fw as usize * 3];
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let xc = x as f64 + 0.5;
            let mut cov = 0.0f32;
            let mut s = [0.0f32; 3];
            if row_has_doc && xc >= minx && xc <= maxx {
                let (u, v) = apply(inv, xc, yc);
                // Distance inside the document edge, in document pixels.
                let inside = u.min(dw - u).min(v).min(dh - v);
                cov = (inside + 0.5).clamp(0.0, 1.0) as f32;
                if cov > 0.0 {
                    s = bilinear(src, stride, doc.width(), doc.height(), u - 0.5, v - 0.5);
                }
            }
            let mut c = if cov < 1.0 {
                let b = bg.at(xc, yc);
                [b[0] * (1.0 - cov) + s[0] * cov, b[1] * (1.0 - cov) + s[1] * cov, b[2] * (1.0 - cov) + s[2] * cov]
            } else {
                s
            };
            if let Some(l) = light {
                let t = (xc - cx) * l.dx + (yc - cy) * l.dy;
                let k = (1.0 - l.strength * 0.3 + l.strength * t) as f32;
                for i in 0..3 {
                    c[i] *= k * l.cast[i];
                }
            }
            if noise > 0.0 {
                let r = rng.next_u64();
                let l = (((r & 0xFFFF) + ((r >> 16) & 0xFFFF)) as f32 - 65_535.0) * K * noise;
                let ch = ((((r >> 32) & 0xFFFF) + (r >> 48)) as f32 - 65_535.0) * K * noise * 0.35;
                c = [c[0] + l + ch, c[1] + l, c[2] + l - ch];
            }
            px[0] = to_u8(c[0]);
            px[1] = to_u8(c[1]);
            px[2] = to_u8(c[2]);
        }
    }
    out
}

/// Bilinear sample at (x, y) (pixel centres at integers), in 8-bit fixed
/// point: integer arithmetic is markedly faster here than float.
#[inline]
fn bilinear(src: &[u8], stride: usize, w: u32, h: u32, x: f64, y: f64) -> Colour {
    let x = x.clamp(0.0, w as f64 - 1.0);
    let y = y.clamp(0.0, h as f64 - 1.0);
    let x0 = x as usize;
    let y0 = y as usize;
    let x1 = (x0 + 1).min(w as usize - 1);
    let y1 = (y0 + 1).min(h as usize - 1);
    let fx = ((x - x0 as f64) * 256.0) as u32;
    let fy = ((y - y0 as f64) * 256.0) as u32;
    let (r0, r1) = (y0 * stride, y1 * stride);
    let (a, b) = (x0 * 3, x1 * 3);
    let mut c = [0.0; 3];
    for (k, ck) in c.iter_mut().enumerate() {
        let top = src[r0 + a + k] as u32 * (256 - fx) + src[r0 + b + k] as u32 * fx;
        let bot = src[r1 + a + k] as u32 * (256 - fx) + src[r1 + b + k] as u32 * fx;
        *ck = (top * (256 - fy) + bot * fy) as f32 * (1.0 / 65_536.0);
    }
    c
}

/// Gaussian blur: an exact separable kernel for small sigmas, three box
/// passes (a close approximation, much cheaper) for large ones.
pub fn blur(img: &mut RgbImage, sigma: f64) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return;
    }
    if sigma <= 1.2 {
        let r = (sigma * 2.5).ceil() as i64;
        let mut k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp() as f32).collect();
        let s: f32 = k.iter().sum();
        k.iter_mut().for_each(|v| *v /= s);
        convolve(img, &k, w, h);
    } else {
        for b in box_sizes(sigma, 3) {
            box_pass(img, (b - 1) / 2, w, h);
        }
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

/// Separable convolution with kernel `k` (odd length), edges clamped.
fn convolve(img: &mut RgbImage, k: &[f32], w: usize, h: usize) {
    let r = (k.len() / 2) as i64;
    let buf: &mut [u8] = img;
    let row_len = w * 3;
    let mut acc = vec![0.0f32; row_len];
    // Horizontal, over a row padded with its edge pixels so the inner loop
    // needs no clamping.
    let mut pad = vec![0.0f32; (w + 2 * r as usize) * 3];
    for y in 0..h {
        let row = &mut buf[y * row_len..(y + 1) * row_len];
        for (i, p) in pad.chunks_exact_mut(3).enumerate() {
            let x = (i as i64 - r).clamp(0, w as i64 - 1) as usize * 3;
            p.copy_from_slice(&[row[x] as f32, row[x + 1] as f32, row[x + 2] as f32]);
        }
        acc.iter_mut().for_each(|v| *v = 0.0);
        for (i, kv) in k.iter().enumerate() {
            for (a, p) in acc.iter_mut().zip(&pad[i * 3..i * 3 + row_len]) {
                *a += kv * p;
            }
        }
        for (o, v) in row.iter_mut().zip(&acc) {
            *o = to_u8(*v);
        }
    }
    // Vertical: whole rows at a time, from a copy.
    let src = buf.to_vec();
    for y in 0..h {
        acc.iter_mut().for_each(|v| *v = 0.0);
        for (i, kv) in k.iter().enumerate() {
            let yy = (y as i64 + i as i64 - r).clamp(0, h as i64 - 1) as usize;
            let srow = &src[yy * row_len..(yy + 1) * row_len];
            for (a, s) in acc.iter_mut().zip(srow) {
                *a += kv * *s as f32;
            }
        }
        for (o, v) in buf[y * row_len..(y + 1) * row_len].iter_mut().zip(&acc) {
            *o = to_u8(*v);
        }
    }
}

/// One box-filter pass of radius `r` horizontally then vertically.
fn box_pass(img: &mut RgbImage, r: usize, w: usize, h: usize) {
    if r == 0 {
        return;
    }
    let n = (2 * r + 1) as u32;
    // Division by n as a multiply and shift (integer division dominated).
    let recip = (1u64 << 32) / n as u64 + 1;
    let div = |a: u32| ((a as u64 * recip) >> 32) as u8;
    let buf: &mut [u8] = img;
    let row_len = w * 3;
    // Horizontal: running sums over a row padded with its edge pixels.
    let mut pad = vec![0u32; (w + 2 * r + 1) * 3];
    for y in 0..h {
        let row = &mut buf[y * row_len..(y + 1) * row_len];
        for (i, p) in pad.chunks_exact_mut(3).enumerate() {
            let x = (i as i64 - r as i64).clamp(0, w as i64 - 1) as usize * 3;
            p.copy_from_slice(&[row[x] as u32, row[x + 1] as u32, row[x + 2] as u32]);
        }
        let mut acc = [0u32; 3];
        for i in 0..2 * r + 1 {
            for c in 0..3 {
                acc[c] += pad[i * 3 + c];
            }
        }
        for x in 0..w {
            for c in 0..3 {
                row[x * 3 + c] = div(acc[c] + n / 2);
                acc[c] = acc[c] + pad[(x + 2 * r + 1) * 3 + c] - pad[x * 3 + c];
            }
        }
    }
    let src = buf.to_vec();
    let rowat = |i: i64| {
        let yy = i.clamp(0, h as i64 - 1) as usize;
        &src[yy * row_len..(yy + 1) * row_len]
    };
    let mut acc = vec![0u32; row_len];
    for i in -(r as i64)..=r as i64 {
        for (a, s) in acc.iter_mut().zip(rowat(i)) {
            *a += *s as u32;
        }
    }
    for y in 0..h {
        for (o, a) in buf[y * row_len..(y + 1) * row_len].iter_mut().zip(&acc) {
            *o = div(a + n / 2);
        }
        let (add, sub) = (rowat(y as i64 + r as i64 + 1), rowat(y as i64 - r as i64));
        for ((a, p), m) in acc.iter_mut().zip(add).zip(sub) {
            *a = *a + *p as u32 - *m as u32;
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
