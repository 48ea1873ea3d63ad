//! Glyph classification: normalised character patches are compared with
//! OCR-B references rendered from the vendored font by normalised
//! cross-correlation (NCC), searched over small shifts.
//!
//! Patches and references share one frame: the character cell centre is the
//! canvas centre and the MRZ line's centre line (half the cap height above
//! the baseline) its middle row, with the cap height [`CAP`] pixels. A match
//! therefore also says where the cell is, which refines the line geometry.

use crate::font::{MRZ_ALPHABET, ocrb};
use ab_glyph::{Font, PxScale};
use image::GrayImage;

/// Cap height of the normalised frame, in pixels.
pub const CAP: f32 = 16.0;
/// Reference canvas (the NCC window), in pixels.
pub const RW: usize = 14;
pub const RH: usize = 22;
/// Number of classes (the MRZ alphabet).
pub const NCLASS: usize = 37;
/// Character pitch over cap height for OCR-B size 1 (2.54 / 2.42 mm).
pub const PITCH_OVER_CAP: f32 = 2.54 / 2.42;

/// Index of an MRZ character in [`MRZ_ALPHABET`].
pub fn class_of(ch: u8) -> Option<usize> {
    MRZ_ALPHABET.iter().position(|&c| c == ch)
}

/// One reference glyph: zero-mean, unit-norm ink values over the window.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Index of the character in the MRZ alphabet (several references may
    /// share it).
    pub class: usize,
    /// Whether this is the font's own glyph (not a derived variant): the
    /// OCR-B conformity score uses only these.
    pub canonical: bool,
    pub w: Vec<f32>,
}

/// References padded to a multiple of 8 for the transposed matrix.
pub const NPAD: usize = 48;

/// The reference set, rendered once.
#[derive(Clone, Debug)]
pub struct References {
    pub refs: Vec<Reference>,
    /// The references transposed: for window pixel `i`, the values of every
    /// class at `i * NPAD ..`. Matching all classes at one shift is then a
    /// vector-matrix product whose inner loop the compiler vectorises.
    t: Vec<f32>,
}

/// Renders `ch` of `font` into the normalised frame as ink coverage (0–1),
/// oversampled 4× and box-averaged, then blurred with `sigma` pixels.
///
/// `yscale` squeezes the glyph vertically towards the baseline (digit
/// variants at letter height).
pub fn render_reference<F: Font>(font: &F, ch: char, sigma: f32, yscale: f32) -> Option<Vec<f32>> {
    const OS: usize = 4;
    let cap_px = CAP * OS as f32;
    let cap_units = font.outline(font.glyph_id('H')).map(|o| (o.bounds.max.y - o.bounds.min.y).abs())?;
    let s0 = cap_px * font.height_unscaled() / cap_units;
    let scale = PxScale { x: s0, y: s0 * yscale };
    let gid = font.glyph_id(ch);
    if gid.0 == 0 {
        return None;
    }
    let adv = font.h_advance_unscaled(gid) * scale.x / font.height_unscaled();
    // Pen so that the advance box is centred on the canvas centre and the
    // baseline sits CAP/2 below the middle row.
    let (bw, bh) = (RW * OS, RH * OS);
    let pen = ab_glyph::point(bw as f32 / 2.0 - adv / 2.0, bh as f32 / 2.0 + cap_px / 2.0);
    let o = font.outline_glyph(gid.with_scale_and_position(scale, pen))?;
    let b = o.px_bounds();
    let mut big = vec![0f32; bw * bh];
    o.draw(|x, y, c| {
        let (xx, yy) = (x as i64 + b.min.x as i64, y as i64 + b.min.y as i64);
        if xx >= 0 && yy >= 0 && (xx as usize) < bw && (yy as usize) < bh {
            big[yy as usize * bw + xx as usize] = c.clamp(0.0, 1.0);
        }
    });
    let mut out = vec![0f32; RW * RH];
    for y in 0..RH {
        for x in 0..RW {
            let mut s = 0.0;
            for dy in 0..OS {
                for dx in 0..OS {
                    s += big[(y * OS + dy) * bw + x * OS + dx];
                }
            }
            out[y * RW + x] = s / (OS * OS) as f32;
        }
    }
    Some(if sigma > 0.0 { blur(&out, RW, RH, sigma) } else { out })
}

/// Separable Gaussian blur with zero padding.
pub fn blur(img: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil() as i64;
    let k: Vec<f32> = (-r..=r).map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let ks: f32 = k.iter().sum();
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let xx = x as i64 + j as i64 - r;
                if xx >= 0 && (xx as usize) < w {
                    s += img[y * w + xx as usize] * kv;
                }
            }
            tmp[y * w + x] = s / ks;
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let mut s = 0.0;
            for (j, kv) in k.iter().enumerate() {
                let yy = y as i64 + j as i64 - r;
                if yy >= 0 && (yy as usize) < h {
                    s += tmp[yy as usize * w + x] * kv;
                }
            }
            out[y * w + x] = s / ks;
        }
    }
    out
}

/// Zero-mean, unit-norm copy.
pub fn normalise(v: &[f32]) -> Vec<f32> {
    let m = v.iter().sum::<f32>() / v.len().max(1) as f32;
    let n = v.iter().map(|x| (x - m) * (x - m)).sum::<f32>().sqrt().max(1e-6);
    v.iter().map(|x| (x - m) / n).collect()
}

impl References {
    /// OCR-B references for the MRZ alphabet, blurred by `sigma` pixels of
    /// the normalised frame.
    pub fn ocrb(sigma: f32) -> References {
        Self::from_font(ocrb(), sigma)
    }

    pub fn from_font<F: Font>(font: &F, sigma: f32) -> References {
        let mut refs: Vec<Reference> = Vec::new();
        for (class, &c) in MRZ_ALPHABET.iter().enumerate() {
            // OCR-B digits stand 9 % taller than its letters; many MRZ
            // printers use a variant with digits at letter height, so digits
            // get a second, squeezed reference.
            let variants: &[f32] = if c.is_ascii_digit() { &[1.0, 0.92] } else { &[1.0] };
            for (i, &ys) in variants.iter().enumerate() {
                // The embedded font has every MRZ glyph (tested in `font`).
                let w = render_reference(font, c as char, sigma, ys).unwrap_or_else(|| vec![0.0; RW * RH]);
                refs.push(Reference { class, canonical: i == 0, w: normalise(&w) });
            }
        }
        let mut t = vec![0f32; RW * RH * NPAD];
        for (c, r) in refs.iter().enumerate() {
            for (i, v) in r.w.iter().enumerate() {
                t[i * NPAD + c] = *v;
            }
        }
        References { refs, t }
    }
}

/// A sampled patch: the window plus a margin of `s` pixels on each side for
/// the shift search, as ink values (255 − grey).
#[derive(Clone, Debug)]
pub struct Patch {
    pub s: usize,
    pub w: usize,
    pub px: Vec<f32>,
    /// Integral images of values and squares, `(w+1)×(h+1)`, for window
    /// statistics at any shift.
    i1: Vec<f64>,
    i2: Vec<f64>,
}

impl Patch {
    pub fn new(s: usize, w: usize, h: usize, px: Vec<f32>) -> Patch {
        let iw = w + 1;
        let mut i1 = vec![0f64; iw * (h + 1)];
        let mut i2 = vec![0f64; iw * (h + 1)];
        for y in 0..h {
            let (mut r1, mut r2) = (0f64, 0f64);
            for x in 0..w {
                let v = px[y * w + x] as f64;
                r1 += v;
                r2 += v * v;
                i1[(y + 1) * iw + x + 1] = i1[y * iw + x + 1] + r1;
                i2[(y + 1) * iw + x + 1] = i2[y * iw + x + 1] + r2;
            }
        }
        Patch { s, w, px, i1, i2 }
    }
}

/// Where to sample a cell: its centre in image pixels, the image vectors of
/// one normalised pixel along the line (`ex`) and across it (`ey`).
#[derive(Clone, Copy, Debug)]
pub struct CellFrame {
    pub c: (f64, f64),
    pub ex: (f64, f64),
    pub ey: (f64, f64),
}

impl CellFrame {
    /// Image point of normalised offset `(x, y)` from the cell centre.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (self.c.0 + x * self.ex.0 + y * self.ey.0, self.c.1 + x * self.ex.1 + y * self.ey.1)
    }
}

/// Samples the patch for `frame` with a shift margin `s`, averaging 2×2
/// bilinear samples per pixel when the image is finer than the normalised
/// frame (an area filter against aliasing; glyph strokes are several pixels
/// wide wherever the image is that fine).
pub fn sample(img: &GrayImage, frame: &CellFrame, s: usize) -> Patch {
    let (w, h) = (RW + 2 * s, RH + 2 * s);
    let scale = frame.ex.0.hypot(frame.ex.1).max(frame.ey.0.hypot(frame.ey.1));
    let ss = if scale > 1.2 { 2 } else { 1 };
    let mut px = vec![0f32; w * h];
    let (x0, y0) = (w as f64 / 2.0, h as f64 / 2.0);
    let inv = 1.0 / (ss * ss) as f32;
    let (iw, ih) = (img.width() as f64, img.height() as f64);
    // Bilinear without bounds checks when the whole patch is inside.
    let inside = [(0.0, 0.0), (w as f64, 0.0), (0.0, h as f64), (w as f64, h as f64)].iter().all(|&(x, y)| {
        let (ix, iy) = frame.at(x - x0, y - y0);
        ix >= 1.0 && iy >= 1.0 && ix < iw - 1.0 && iy < ih - 1.0
    });
    let raw = img.as_raw();
    let stride = img.width() as usize;
    let fast = |x: f32, y: f32| -> f32 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (xi, yi) = (fx as usize, fy as usize);
        let (ax, ay) = (fx - xi as f32, fy - yi as f32);
        let i = yi * stride + xi;
        let (p00, p10, p01, p11) = (raw[i] as f32, raw[i + 1] as f32, raw[i + stride] as f32, raw[i + stride + 1] as f32);
        let top = p00 + (p10 - p00) * ax;
        let bot = p01 + (p11 - p01) * ax;
        top + (bot - top) * ay
    };
    let (ex, ey) = ((frame.ex.0 as f32, frame.ex.1 as f32), (frame.ey.0 as f32, frame.ey.1 as f32));
    let d = 1.0 / ss as f32;
    let at = |x: usize, y: usize| {
        let mut acc = 0.0;
        for sy in 0..ss {
            let ny = y as f32 + (sy as f32 + 0.5) * d - y0 as f32;
            for sx in 0..ss {
                let nx = x as f32 + (sx as f32 + 0.5) * d - x0 as f32;
                let ix = frame.c.0 as f32 + nx * ex.0 + ny * ey.0;
                let iy = frame.c.1 as f32 + nx * ex.1 + ny * ey.1;
                acc += if inside { fast(ix, iy) } else { super::raster::bilinear(img, ix, iy) };
            }
        }
        255.0 - acc * inv
    };
    #[cfg(target_arch = "x86_64")]
    let simd = inside && std::arch::is_x86_feature_detected!("avx2") && raw.len() < i32::MAX as usize && img.height() >= 2 && stride >= 2;
    #[cfg(not(target_arch = "x86_64"))]
    let simd = false;
    for y in 0..h {
        let mut x = 0;
        #[cfg(target_arch = "x86_64")]
        if simd {
            let frame32 = Frame32 { c: (frame.c.0 as f32, frame.c.1 as f32), ex, ey, x0: x0 as f32, y0: y0 as f32, d, ss, inv };
            while x + 8 <= w {
                // SAFETY: the CPU supports AVX2 (checked above); the image
                // is under i32::MAX bytes, at least 2×2.
                if !unsafe { sample8_avx2(raw, stride, img.height() as usize, &frame32, x, y, &mut px[y * w + x..y * w + x + 8]) } {
                    for (k, o) in px[y * w + x..y * w + x + 8].iter_mut().enumerate() {
                        *o = at(x + k, y);
                    }
                }
                x += 8;
            }
        }
        for x in x..w {
            px[y * w + x] = at(x, y);
        }
    }
    Patch::new(s, w, h, px)
}

/// [`sample`]'s frame and sub-sampling in the f32 it samples with.
#[cfg(target_arch = "x86_64")]
struct Frame32 {
    c: (f32, f32),
    ex: (f32, f32),
    ey: (f32, f32),
    x0: f32,
    y0: f32,
    d: f32,
    ss: usize,
    inv: f32,
}

/// Eight pixels of [`sample`]'s fast path (`x..x + 8` of row `y`): the same
/// f32 operations lane by lane (no FMA), so the same bits. False, with
/// nothing written, when a sample's 2×2 neighbourhood is not inside the
/// image (the caller then takes the scalar path, which may panic as
/// before).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn sample8_avx2(raw: &[u8], stride: usize, height: usize, f: &Frame32, x: usize, y: usize, out: &mut [f32]) -> bool {
    use std::arch::x86_64::*;
    let xs = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_set1_epi32(x as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
    let half = _mm256_set1_ps(0.5);
    let (xmax, ymax) = (_mm256_set1_epi32(stride as i32 - 2), _mm256_set1_epi32(height as i32 - 2));
    let (strv, byte) = (_mm256_set1_epi32(stride as i32), _mm256_set1_epi32(0xFF));
    let s = |v: f32| _mm256_set1_ps(v);
    let mut acc = _mm256_setzero_ps();
    for sy in 0..f.ss {
        let ny = s(y as f32 + (sy as f32 + 0.5) * f.d - f.y0);
        for sx in 0..f.ss {
            let nx = _mm256_sub_ps(_mm256_add_ps(xs, s((sx as f32 + 0.5) * f.d)), s(f.x0));
            let ix = _mm256_add_ps(_mm256_add_ps(s(f.c.0), _mm256_mul_ps(nx, s(f.ex.0))), _mm256_mul_ps(ny, s(f.ey.0)));
            let iy = _mm256_add_ps(_mm256_add_ps(s(f.c.1), _mm256_mul_ps(nx, s(f.ex.1))), _mm256_mul_ps(ny, s(f.ey.1)));
            let (fx, fy) = (_mm256_sub_ps(ix, half), _mm256_sub_ps(iy, half));
            // Truncation: `as usize` for the non-negative coordinates
            // accepted below (a NaN or huge value gives i32::MIN, refused).
            let (xi, yi) = (_mm256_cvttps_epi32(fx), _mm256_cvttps_epi32(fy));
            let bad = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), xi), _mm256_cmpgt_epi32(xi, xmax)),
                _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), yi), _mm256_cmpgt_epi32(yi, ymax)),
            );
            if _mm256_movemask_epi8(bad) != 0 {
                return false;
            }
            let (ax, ay) = (_mm256_sub_ps(fx, _mm256_cvtepi32_ps(xi)), _mm256_sub_ps(fy, _mm256_cvtepi32_ps(yi)));
            let i = _mm256_add_epi32(_mm256_mullo_epi32(yi, strv), xi);
            // SAFETY: 0 <= xi <= stride - 2 and 0 <= yi <= height - 2, so
            // bytes i ..= i + 3 and i + stride - 2 ..= i + stride + 1 lie
            // inside the image (stride >= 2).
            let (top, bottom) = unsafe {
                (
                    _mm256_i32gather_epi32::<1>(raw.as_ptr().cast(), i),
                    _mm256_i32gather_epi32::<1>(raw.as_ptr().cast(), _mm256_add_epi32(i, _mm256_sub_epi32(strv, _mm256_set1_epi32(2)))),
                )
            };
            let p00 = _mm256_cvtepi32_ps(_mm256_and_si256(top, byte));
            let p10 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<8>(top), byte));
            let p01 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<16>(bottom), byte));
            let p11 = _mm256_cvtepi32_ps(_mm256_srli_epi32::<24>(bottom));
            let t = _mm256_add_ps(p00, _mm256_mul_ps(_mm256_sub_ps(p10, p00), ax));
            let b = _mm256_add_ps(p01, _mm256_mul_ps(_mm256_sub_ps(p11, p01), ax));
            acc = _mm256_add_ps(acc, _mm256_add_ps(t, _mm256_mul_ps(_mm256_sub_ps(b, t), ay)));
        }
    }
    let v = _mm256_sub_ps(s(255.0), _mm256_mul_ps(acc, s(f.inv)));
    assert!(out.len() >= 8);
    // SAFETY: `out` holds at least eight f32 (checked).
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), v) };
    true
}

/// Best NCC of every class over the shifts of the patch, with the shift
/// (in normalised pixels, window centre relative to patch centre).
#[derive(Clone, Debug)]
pub struct Scores {
    pub ncc: [f32; NCLASS],
    /// Best NCC with each class's canonical reference only.
    pub canon: [f32; NCLASS],
    pub shift: [(i8, i8); NCLASS],
    /// Standard deviation of the patch window at the best class's shift
    /// (ink contrast; near 0 for an empty cell).
    pub contrast: f32,
}

impl Scores {
    pub fn best(&self) -> usize {
        (0..NCLASS).max_by(|&a, &b| self.ncc[a].total_cmp(&self.ncc[b])).unwrap_or(0)
    }
}

/// Mean and norm of the window at offset `(ox, oy)` of the patch.
#[inline]
pub fn window_stats(p: &Patch, ox: usize, oy: usize) -> (f32, f32) {
    let iw = p.w + 1;
    let at = |t: &[f64], x: usize, y: usize| t[y * iw + x];
    let rect = |t: &[f64]| at(t, ox + RW, oy + RH) - at(t, ox, oy + RH) - at(t, ox + RW, oy) + at(t, ox, oy);
    let (sum, sq) = (rect(&p.i1), rect(&p.i2));
    let n = (RW * RH) as f64;
    let var = (sq - sum * sum / n).max(0.0);
    ((var.sqrt() as f32).max(1e-3), (var / n).sqrt() as f32)
}

/// Dot products of the window at `(ox, oy)` with every class.
#[inline(always)]
fn accumulate_generic(p: &Patch, ox: usize, oy: usize, t: &[f32], acc: &mut [f32; NPAD]) {
    for y in 0..RH {
        let row = &p.px[(oy + y) * p.w + ox..(oy + y) * p.w + ox + RW];
        for (x, &v) in row.iter().enumerate() {
            let col = &t[(y * RW + x) * NPAD..(y * RW + x + 1) * NPAD];
            for (a, &r) in acc.iter_mut().zip(col) {
                *a += v * r;
            }
        }
    }
}

/// The same loop compiled for AVX2. Each class's sum is accumulated in the
/// same order as in the generic code and without FMA, so results are
/// bit-identical on every machine (readings stay deterministic).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_avx2(p: &Patch, ox: usize, oy: usize, t: &[f32], acc: &mut [f32; NPAD]) {
    accumulate_generic(p, ox, oy, t, acc)
}

#[inline]
pub fn accumulate(p: &Patch, ox: usize, oy: usize, t: &[f32], acc: &mut [f32; NPAD]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { accumulate_avx2(p, ox, oy, t, acc) };
            return;
        }
    }
    accumulate_generic(p, ox, oy, t, acc)
}

/// Best NCC among `classes` over every shift in the patch margin, with
/// the shift: a cheap re-match once the likely classes are known.
pub fn match_classes(refs: &References, p: &Patch, classes: &[usize]) -> (f32, (i8, i8)) {
    let s = p.s as i64;
    let mut best = (-1.0f32, (0i8, 0i8));
    for dy in -s..=s {
        for dx in -s..=s {
            let (ox, oy) = ((dx + s) as usize, (dy + s) as usize);
            let (norm, _) = window_stats(p, ox, oy);
            for r in refs.refs.iter().filter(|r| classes.contains(&r.class)) {
                let r = &r.w;
                let mut dot = 0f32;
                for y in 0..RH {
                    let row = &p.px[(oy + y) * p.w + ox..(oy + y) * p.w + ox + RW];
                    dot += row.iter().zip(&r[y * RW..(y + 1) * RW]).map(|(a, b)| a * b).sum::<f32>();
                }
                if dot / norm > best.0 {
                    best = (dot / norm, (dx as i8, dy as i8));
                }
            }
        }
    }
    best
}

/// Best NCC of the patch with the canonical reference of `class` over the
/// shifts in the patch margin: the OCR-B conformity of a glyph.
pub fn conformity(refs: &References, p: &Patch, class: usize) -> f32 {
    let Some(r) = refs.refs.iter().find(|r| r.class == class && r.canonical) else { return 0.0 };
    let s = p.s as i64;
    let mut best = -1.0f32;
    for dy in -s..=s {
        for dx in -s..=s {
            let (ox, oy) = ((dx + s) as usize, (dy + s) as usize);
            let (norm, _) = window_stats(p, ox, oy);
            let mut dot = 0f32;
            for y in 0..RH {
                let row = &p.px[(oy + y) * p.w + ox..(oy + y) * p.w + ox + RW];
                dot += row.iter().zip(&r.w[y * RW..(y + 1) * RW]).map(|(a, b)| a * b).sum::<f32>();
            }
            best = best.max(dot / norm);
        }
    }
    best
}

/// Matches a patch: every class at the shifts within 1 pixel, then the
/// three best classes at every shift within the patch margin (≤ 2).
pub fn match_patch(refs: &References, p: &Patch) -> Scores {
    let s = p.s as i64;
    let mut out = Scores { ncc: [-1.0; NCLASS], canon: [-1.0; NCLASS], shift: [(0, 0); NCLASS], contrast: 0.0 };
    let mut contrast = [0f32; NCLASS];
    let inner = s.min(1);
    for dy in -inner..=inner {
        for dx in -inner..=inner {
            let (ox, oy) = ((dx + s) as usize, (dy + s) as usize);
            let (norm, sd) = window_stats(p, ox, oy);
            let mut acc = [0f32; NPAD];
            accumulate(p, ox, oy, &refs.t, &mut acc);
            for (r, a) in refs.refs.iter().zip(&acc) {
                let (c, v) = (r.class, a / norm);
                if r.canonical && v > out.canon[c] {
                    out.canon[c] = v;
                }
                if v > out.ncc[c] {
                    out.ncc[c] = v;
                    out.shift[c] = (dx as i8, dy as i8);
                    contrast[c] = sd;
                }
            }
        }
    }
    if s > inner {
        let mut order: Vec<usize> = (0..NCLASS).collect();
        order.sort_by(|&a, &b| out.ncc[b].total_cmp(&out.ncc[a]));
        for dy in -s..=s {
            for dx in -s..=s {
                if dx.abs() <= inner && dy.abs() <= inner {
                    continue;
                }
                let (ox, oy) = ((dx + s) as usize, (dy + s) as usize);
                let (norm, sd) = window_stats(p, ox, oy);
                for r in refs.refs.iter().filter(|r| order[..3].contains(&r.class)) {
                    let (c, canonical, r) = (r.class, r.canonical, &r.w);
                    let mut dot = 0f32;
                    for y in 0..RH {
                        let row = &p.px[(oy + y) * p.w + ox..(oy + y) * p.w + ox + RW];
                        dot += row.iter().zip(&r[y * RW..(y + 1) * RW]).map(|(a, b)| a * b).sum::<f32>();
                    }
                    let v = dot / norm;
                    if canonical && v > out.canon[c] {
                        out.canon[c] = v;
                    }
                    if v > out.ncc[c] {
                        out.ncc[c] = v;
                        out.shift[c] = (dx as i8, dy as i8);
                        contrast[c] = sd;
                    }
                }
            }
        }
    }
    out.contrast = contrast[out.best()];
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorised_sampling_matches_the_scalar_formula_bit_for_bit() {
        let (iw, ih) = (97u32, 83u32);
        let img = GrayImage::from_fn(iw, ih, |x, y| image::Luma([((x * 37 + y * 11 + x * y) % 256) as u8]));
        // Fine and coarse frames, rotated, one reaching the last row and column.
        let frames = [
            CellFrame { c: (40.3, 41.7), ex: (0.93, 0.12), ey: (-0.11, 0.97) },
            CellFrame { c: (50.0, 45.2), ex: (2.1, 0.3), ey: (-0.25, 2.2) },
            CellFrame { c: (60.77, 52.5), ex: (1.7, 0.0), ey: (0.0, 1.18) },
            CellFrame { c: (73.1, 61.9), ex: (1.3, 0.05), ey: (0.0, 1.3) },
        ];
        for f in frames {
            for s in [0usize, 2] {
                let p = sample(&img, &f, s);
                let (w, h) = (RW + 2 * s, RH + 2 * s);
                let ss = if f.ex.0.hypot(f.ex.1).max(f.ey.0.hypot(f.ey.1)) > 1.2 { 2 } else { 1 };
                let (x0, y0, d, inv) = (w as f32 / 2.0, h as f32 / 2.0, 1.0 / ss as f32, 1.0 / (ss * ss) as f32);
                for y in 0..h {
                    for x in 0..w {
                        let mut acc = 0.0f32;
                        for sy in 0..ss {
                            let ny = y as f32 + (sy as f32 + 0.5) * d - y0;
                            for sx in 0..ss {
                                let nx = x as f32 + (sx as f32 + 0.5) * d - x0;
                                let ix = f.c.0 as f32 + nx * f.ex.0 as f32 + ny * f.ey.0 as f32;
                                let iy = f.c.1 as f32 + nx * f.ex.1 as f32 + ny * f.ey.1 as f32;
                                acc += super::super::raster::bilinear(&img, ix, iy);
                            }
                        }
                        assert_eq!(p.px[y * w + x].to_bits(), (255.0 - acc * inv).to_bits(), "{f:?} s {s} at {x},{y}");
                    }
                }
            }
        }
    }

    #[test]
    fn references_are_normalised_and_distinct() {
        let r = References::ocrb(0.7);
        assert_eq!(r.refs.len(), NCLASS + 10);
        for a in &r.refs {
            let norm: f32 = a.w.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-3, "{}", MRZ_ALPHABET[a.class] as char);
        }
        // Every pair of canonical references differs clearly.
        for (i, a) in r.refs.iter().enumerate().filter(|(_, a)| a.canonical) {
            for b in r.refs[i + 1..].iter().filter(|b| b.class != a.class && b.canonical) {
                let ncc: f32 = a.w.iter().zip(&b.w).map(|(x, y)| x * y).sum();
                assert!(ncc < 0.93, "{} vs {}: {ncc}", MRZ_ALPHABET[a.class] as char, MRZ_ALPHABET[b.class] as char);
            }
        }
    }

    #[test]
    fn a_reference_matches_itself_at_zero_shift() {
        let r = References::ocrb(0.7);
        let raw = render_reference(ocrb(), '7', 0.7, 1.0).unwrap();
        // Embed in a patch with margin 2, as ink.
        let s = 2;
        let (w, h) = (RW + 2 * s, RH + 2 * s);
        let mut px = vec![0f32; w * h];
        for y in 0..RH {
            for x in 0..RW {
                px[(y + s) * w + x + s] = raw[y * RW + x] * 200.0;
            }
        }
        let sc = match_patch(&r, &Patch::new(s, w, h, px));
        let best = sc.best();
        assert_eq!(MRZ_ALPHABET[best], b'7');
        assert!(sc.ncc[best] > 0.99);
        assert_eq!(sc.shift[best], (0, 0));
    }
}
