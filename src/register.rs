//! Registration: the map from the document frame (mm) to image pixels.
//!
//! The MRZ gives scale, rotation and a first placement (assuming it sits at
//! its nominal Doc 9303 position). The page edges then refine it: each edge
//! is searched along its normal around the predicted position, fitted as a
//! straight line through per-point edge positions, and the four lines'
//! intersections give a homography. Edges that are not found (document cut by
//! the image border, background the colour of the page) keep the MRZ-based
//! prediction and are reported as missing: checks that need the page then
//! say they were skipped.

use crate::geometry::{FormatGeometry, Homography};
use crate::mrz::Format;
use crate::raster::{Planes, Sample};
use crate::read::{MrzReading, Point};
use image::DynamicImage;

/// Working resolution for edge search.
const WORK_PX_PER_MM: f64 = 5.0;
/// How far from the predicted position an edge is searched, mm.
const SEARCH_MM: f64 = 10.0;
/// Half-distance between the inside and outside samples, mm.
const STEP_MM: f64 = 0.6;
/// Minimum colour difference across an edge (0–255 scale).
const MIN_CONTRAST: f64 = 8.0;
/// An edge must have at least this fraction of the strongest edge's contrast.
const RELATIVE_CONTRAST: f64 = 0.2;
/// A cut page edge is straight: RMS distance of its points from the fitted line.
const MAX_EDGE_RESIDUAL_MM: f64 = 0.35;
/// Sample positions along each edge (fractions of its length), avoiding
/// rounded corners.
const ALONG: std::ops::RangeInclusive<f64> = 0.12..=0.88;
const SAMPLES: usize = 40;
/// Spacing of the steps read along each sample point's normal, mm: the
/// offset steps (0.3 and 0.1 mm) and [`STEP_MM`] are multiples of it.
const GRID_MM: f64 = 0.05;

/// Which page edge: top, right, bottom, left (document frame).
pub const EDGE_NAMES: [&str; 4] = ["top", "right", "bottom", "left"];

/// The result of registering a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    /// Document frame (mm) → image pixels.
    pub doc_to_image: Homography,
    /// Image pixels → document frame (mm).
    pub image_to_doc: Homography,
    /// Per edge (top, right, bottom, left): found in the image.
    pub edges_found: [bool; 4],
    /// Per edge: contrast across it (0–255 scale) and RMS straightness
    /// residual of the fitted line (mm).
    pub edge_contrast: [f64; 4],
    pub edge_residual_mm: [f64; 4],
    /// The MRZ-only prediction (document frame → image).
    pub nominal: Homography,
    /// Set when the page was placed by its printed content against an
    /// issuer template ([`crate::align`]) rather than by its edges alone.
    pub alignment: Option<crate::align::Alignment>,
    /// Four page edges that were found but rejected because the MRZ, seen
    /// through them, has the wrong size. Either they are not the page's, or
    /// the MRZ was re-printed: a content alignment started here decides.
    pub rejected_edges: Option<Homography>,
}

impl Registration {
    /// Whether all four edges were found: the page outline is measured.
    pub fn page_found(&self) -> bool {
        self.alignment.is_some() || self.edges_found.iter().all(|&e| e)
    }

    /// Whether the placement is firm enough to fail a document on: the page
    /// matched an issuer template's layout, patch by patch. Page edges alone
    /// are not: on real captures they lock onto an open booklet's far page, a
    /// figure's frame or a scanner lid (4 of the 40 real specimens in
    /// `../shared/data/real` got a false geometry failure that way), and the
    /// image-frame fallback and the MRZ-only estimate are weaker still. What
    /// is measured through them is reported as a warning.
    pub fn firm(&self) -> bool {
        self.alignment.is_some()
    }

    /// This registration replaced by a content alignment.
    pub fn aligned(&self, a: crate::align::Alignment) -> Registration {
        Registration {
            doc_to_image: a.doc_to_image,
            image_to_doc: a.doc_to_image.inverse().unwrap_or(Homography::IDENTITY),
            alignment: Some(a),
            ..self.clone()
        }
    }

    /// The page outline in image pixels (top-left, top-right, bottom-right,
    /// bottom-left of the document frame).
    pub fn page_polygon(&self, width_mm: f64, height_mm: f64) -> Vec<Point> {
        [(0.0, 0.0), (width_mm, 0.0), (width_mm, height_mm), (0.0, height_mm)]
            .iter()
            .filter_map(|&(x, y)| self.doc_to_image.apply(x, y))
            .map(|(x, y)| Point::new(x as f32, y as f32))
            .collect()
    }

    /// A rectangle of the document frame as an image-pixel polygon.
    pub fn rect_polygon(&self, r: &crate::geometry::RectMm) -> Vec<Point> {
        [(r.x, r.y), (r.right(), r.y), (r.right(), r.bottom()), (r.x, r.bottom())]
            .iter()
            .filter_map(|&(x, y)| self.doc_to_image.apply(x, y))
            .map(|(x, y)| Point::new(x as f32, y as f32))
            .collect()
    }
}

/// The MRZ-based placement: document frame → image, assuming the MRZ is at
/// its nominal position for `format`.
pub fn nominal(reading: &MrzReading, format: Format) -> Homography {
    doc_to_image_via_mrz(&reading.mrz_to_image, format)
}

/// Document frame → image through the MRZ frame `a` (MRZ mm → image), the
/// MRZ at its nominal position for `format`.
fn doc_to_image_via_mrz(a: &crate::read::Affine, format: Format) -> Homography {
    let g = FormatGeometry::of(format);
    // mrz = doc - (first_char_x, line0_centre_y)
    let (tx, ty) = (-g.first_char_x_mm, -g.line_centre_y_mm(0));
    Homography::from_affine(a.a, a.b, a.a * tx + a.b * ty + a.c, a.d, a.e, a.d * tx + a.e * ty + a.f)
}

/// A second MRZ-based placement, scaled by the line spacing instead of the
/// character pitch: when the MRZ was re-printed at another pitch the
/// pitch-scaled placement is off by up to 12 % (15 mm at the far edge of a
/// passport page), beyond the content search. `None` for one-line readings or
/// when both scales agree within 3 %, so the first placement already covers it.
pub fn nominal_by_spacing(reading: &MrzReading, format: Format) -> Option<Homography> {
    let g = FormatGeometry::of(format);
    let a = reading.mrz_to_image;
    let ppm = a.a.hypot(a.d);
    if reading.chars.len() < 2 || !(ppm > 0.0) {
        return None;
    }
    // Across-line unit vector: the line direction turned a quarter.
    let (nx, ny) = (-a.d / ppm, a.a / ppm);
    let across = |l: &[crate::read::CharReading]| -> Option<f64> {
        (!l.is_empty()).then(|| l.iter().map(|c| c.centre.x as f64 * nx + c.centre.y as f64 * ny).sum::<f64>() / l.len() as f64)
    };
    let last = reading.chars.len() - 1;
    let span_px = (across(&reading.chars[last])? - across(&reading.chars[0])?).abs();
    let spacing_ppm = span_px / (last as f64 * g.line_pitch_mm);
    let k = spacing_ppm / ppm;
    if !k.is_finite() || (k - 1.0).abs() < 0.03 || (k - 1.0).abs() > 0.3 {
        return None;
    }
    // Scale the MRZ frame about its origin (line 1's first cell).
    let scaled = crate::read::Affine { a: a.a * k, b: a.b * k, c: a.c, d: a.d * k, e: a.e * k, f: a.f };
    Some(doc_to_image_via_mrz(&scaled, format))
}

struct Edge {
    /// Start and end of the edge in the document frame, and its outward normal.
    p0: (f64, f64),
    p1: (f64, f64),
    normal: (f64, f64),
}

fn edges(w: f64, h: f64) -> [Edge; 4] {
    [
        Edge { p0: (0.0, 0.0), p1: (w, 0.0), normal: (0.0, -1.0) },
        Edge { p0: (w, 0.0), p1: (w, h), normal: (1.0, 0.0) },
        Edge { p0: (w, h), p1: (0.0, h), normal: (0.0, 1.0) },
        Edge { p0: (0.0, h), p1: (0.0, 0.0), normal: (-1.0, 0.0) },
    ]
}

/// A fitted edge line in image pixels: points p with n·p = c.
#[derive(Clone, Copy, Debug)]
struct Line {
    n: (f64, f64),
    c: f64,
}

impl Line {
    fn intersect(&self, o: &Line) -> Option<(f64, f64)> {
        let det = self.n.0 * o.n.1 - self.n.1 * o.n.0;
        if det.abs() < 1e-9 {
            return None;
        }
        Some(((self.c * o.n.1 - self.n.1 * o.c) / det, (self.n.0 * o.c - self.c * o.n.0) / det))
    }

    /// Total-least-squares fit.
    fn fit(pts: &[(f64, f64)]) -> Option<Line> {
        if pts.len() < 2 {
            return None;
        }
        let n = pts.len() as f64;
        let (mx, my) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for p in pts {
            let (dx, dy) = (p.0 - mx, p.1 - my);
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        // Direction = principal eigenvector; the normal is perpendicular.
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let nrm = (-theta.sin(), theta.cos());
        Some(Line { n: nrm, c: nrm.0 * mx + nrm.1 * my })
    }

    fn dist(&self, p: (f64, f64)) -> f64 {
        self.n.0 * p.0 + self.n.1 * p.1 - self.c
    }
}

/// `to_work` for the edge search, which maps millions of points: when it is
/// affine its denominator is exactly 1 at every finite point, so the division
/// is skipped without changing a bit.
#[derive(Clone, Copy)]
struct ToWork {
    h: Homography,
    affine: bool,
}

impl ToWork {
    fn new(h: &Homography) -> ToWork {
        let m = &h.0;
        ToWork { h: *h, affine: m[6] == 0.0 && m[7] == 0.0 && m[8] == 1.0 }
    }

    #[inline(always)]
    fn apply(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let h = &self.h.0;
        if self.affine && x.is_finite() && y.is_finite() {
            return Some((h[0] * x + h[1] * y + h[2], h[3] * x + h[4] * y + h[5]));
        }
        self.h.apply(x, y)
    }
}

/// Colour differences across an edge (inside minus outside), sampled in the
/// working image at points `base + normal·e` of the document frame.
struct Across<'a, S: ?Sized> {
    work: &'a S,
    to_work: ToWork,
    normal: (f64, f64),
}

/// Offsets along a line across an edge: `start + k·spacing` for k < `count`,
/// each step taken between the offsets `shift` places either side
/// (`shift·spacing` = [`STEP_MM`]), so that every colour read serves two
/// steps.
#[derive(Clone, Copy, Debug)]
struct Offsets {
    start: f64,
    spacing: f64,
    count: usize,
    shift: usize,
}

impl Offsets {
    fn new(start: f64, spacing: f64, count: usize) -> Offsets {
        let shift = (STEP_MM / spacing).round() as usize;
        debug_assert!(shift >= 1 && (shift as f64 * spacing - STEP_MM).abs() < 1e-9, "spacing {spacing} does not divide STEP_MM");
        Offsets { start, spacing, count, shift }
    }

    /// Offset `k`.
    fn at(&self, k: usize) -> f64 {
        self.start + k as f64 * self.spacing
    }

    /// Where colour `m` is read: offset `m - shift`, possibly negative.
    fn colour_at(&self, m: usize) -> f64 {
        self.start + (m as f64 - self.shift as f64) * self.spacing
    }
}

impl<S: Sample + ?Sized> Across<'_, S> {
    /// The colour at `base + normal·e`, with 1, or zeros outside the image.
    #[inline(always)]
    fn colour(&self, base: (f64, f64), e: f64) -> [f32; 4] {
        let p = (base.0 + self.normal.0 * e, base.1 + self.normal.1 * e);
        self.to_work.apply(p.0, p.1).and_then(|(x, y)| self.work.sample(x, y)).map_or([0.0; 4], |v| [v[0], v[1], v[2], 1.0])
    }

    /// The steps at `offs` into `out[first + k·stride]`: the colour `shift`
    /// offsets inside minus the one `shift` offsets outside, and 1, or zeros
    /// where either is outside the image. `colours` is scratch space.
    #[allow(clippy::too_many_arguments)]
    fn line(&self, base: (f64, f64), offs: &Offsets, out: &mut [[f32; 4]], first: usize, stride: usize, colours: &mut Vec<[f32; 4]>) {
        let n = offs.count + 2 * offs.shift;
        colours.clear();
        colours.resize(n, [0.0; 4]);
        let mut m = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(img) = self.work.rgb8().filter(|_| std::arch::is_x86_feature_detected!("avx2")) {
            while m + 8 <= n {
                let eight: [f64; 8] = std::array::from_fn(|l| offs.colour_at(m + l));
                // SAFETY: AVX2 is available (checked above).
                match unsafe { simd::colours8(img, &self.to_work, self.normal, base, eight) } {
                    Some(v) => colours[m..m + 8].copy_from_slice(&v),
                    None => {
                        for (l, &e) in eight.iter().enumerate() {
                            colours[m + l] = self.colour(base, e);
                        }
                    }
                }
                m += 8;
            }
        }
        for (m, c) in colours.iter_mut().enumerate().skip(m) {
            *c = self.colour(base, offs.colour_at(m));
        }
        for k in 0..offs.count {
            let (a, b) = (colours[k], colours[k + 2 * offs.shift]);
            out[first + k * stride] = if a[3] != 0.0 && b[3] != 0.0 { [a[0] - b[0], a[1] - b[1], a[2] - b[2], 1.0] } else { [0.0; 4] };
        }
    }
}

/// [`Across::colour`] on 8-bit pixels, eight points at once: the same
/// operations lane by lane (no FMA), so the same bits.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::ToWork;
    use image::RgbImage;
    use std::arch::x86_64::*;

    /// The colours at eight points `base + normal·e[l]` (colour and 1, or
    /// zeros outside the image); `None` when a read would pass the image's
    /// last byte, which the caller then samples one by one.
    #[target_feature(enable = "avx2")]
    pub(super) fn colours8(img: &RgbImage, to_work: &ToWork, normal: (f64, f64), base: (f64, f64), e: [f64; 8]) -> Option<[[f32; 4]; 8]> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let raw = img.as_raw();
        // Byte offsets must fit an i32 and pixels need neighbours.
        if w < 2 || h < 2 || raw.len() >= i32::MAX as usize {
            return None;
        }
        let point = |e: __m256d| {
            let px = _mm256_add_pd(_mm256_set1_pd(base.0), _mm256_mul_pd(_mm256_set1_pd(normal.0), e));
            let py = _mm256_add_pd(_mm256_set1_pd(base.1), _mm256_mul_pd(_mm256_set1_pd(normal.1), e));
            image_point(to_work, w, h, px, py)
        };
        let (xl, yl, okl) = point(_mm256_setr_pd(e[0], e[1], e[2], e[3]));
        let (xh, yh, okh) = point(_mm256_setr_pd(e[4], e[5], e[6], e[7]));
        // Integer and fractional parts, the first four points in the low lanes.
        let (x0, ax) = split(xl, xh);
        let (y0, ay) = split(yl, yh);
        let x1 = _mm256_min_epi32(_mm256_add_epi32(x0, _mm256_set1_epi32(1)), _mm256_set1_epi32(w as i32 - 1));
        let y1 = _mm256_min_epi32(_mm256_add_epi32(y0, _mm256_set1_epi32(1)), _mm256_set1_epi32(h as i32 - 1));
        let wv = _mm256_set1_epi32(w as i32);
        let (r0, r1) = (_mm256_mullo_epi32(y0, wv), _mm256_mullo_epi32(y1, wv));
        let idx = [_mm256_add_epi32(r0, x0), _mm256_add_epi32(r0, x1), _mm256_add_epi32(r1, x0), _mm256_add_epi32(r1, x1)];
        // Each pixel is read as 4 bytes (RGB and the next byte): the last
        // pixel's read would pass the end.
        if _mm256_movemask_epi8(_mm256_cmpeq_epi32(idx[3], _mm256_set1_epi32((w * h - 1) as i32))) != 0 {
            return None;
        }
        let (three, byte) = (_mm256_set1_epi32(3), _mm256_set1_epi32(0xFF));
        let pixel = |i: __m256i| {
            // SAFETY: every index is a pixel of the image other than the
            // last (checked above), so its 4 bytes are inside `raw`.
            let v = unsafe { _mm256_i32gather_epi32::<1>(raw.as_ptr().cast(), _mm256_mullo_epi32(i, three)) };
            [
                _mm256_cvtepi32_ps(_mm256_and_si256(v, byte)),
                _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<8>(v), byte)),
                _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32::<16>(v), byte)),
            ]
        };
        let (a, b, c, d) = (pixel(idx[0]), pixel(idx[1]), pixel(idx[2]), pixel(idx[3]));
        // The found flags as eight 32-bit masks.
        let narrow = |ok: __m256d| _mm256_castps256_ps128(_mm256_permutevar8x32_ps(_mm256_castpd_ps(ok), _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7)));
        let ok = _mm256_set_m128(narrow(okh), narrow(okl));
        // Bilinear, per channel.
        let channel = |k: usize| {
            let top = _mm256_add_ps(a[k], _mm256_mul_ps(_mm256_sub_ps(b[k], a[k]), ax));
            let bot = _mm256_add_ps(c[k], _mm256_mul_ps(_mm256_sub_ps(d[k], c[k]), ax));
            _mm256_and_ps(_mm256_add_ps(top, _mm256_mul_ps(_mm256_sub_ps(bot, top), ay)), ok)
        };
        let mut lanes = [[0.0f32; 8]; 4];
        for (k, v) in [channel(0), channel(1), channel(2), _mm256_and_ps(_mm256_set1_ps(1.0), ok)].into_iter().enumerate() {
            // SAFETY: `lanes[k]` holds eight f32.
            unsafe { _mm256_storeu_ps(lanes[k].as_mut_ptr(), v) };
        }
        Some(std::array::from_fn(|l| [lanes[0][l], lanes[1][l], lanes[2][l], lanes[3][l]]))
    }

    /// `to_work` at four document points, less the half-pixel offset of
    /// pixel centres: (fx, fy) as `Sample::sample` computes them, zeroed
    /// where outside the image, and the mask of the points inside.
    #[target_feature(enable = "avx2")]
    fn image_point(to_work: &ToWork, w: usize, h: usize, x: __m256d, y: __m256d) -> (__m256d, __m256d, __m256d) {
        let m = &to_work.h.0;
        let lin = |a: f64, b: f64, c: f64| _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(a), x), _mm256_mul_pd(_mm256_set1_pd(b), y)), _mm256_set1_pd(c));
        let (mut u, mut v) = (lin(m[0], m[1], m[2]), lin(m[3], m[4], m[5]));
        // Affine: the denominator is exactly 1 at finite points (and a
        // non-finite point samples nothing either way).
        let mut ok = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
        if !to_work.affine {
            let den = lin(m[6], m[7], m[8]);
            let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), den);
            // `Homography::apply` refuses |w| < 1e-12 (a NaN w passes).
            ok = _mm256_cmp_pd::<_CMP_NLT_UQ>(abs, _mm256_set1_pd(1e-12));
            u = _mm256_div_pd(u, den);
            v = _mm256_div_pd(v, den);
        }
        let half = _mm256_set1_pd(0.5);
        let (fx, fy) = (_mm256_sub_pd(u, half), _mm256_sub_pd(v, half));
        let zero = _mm256_setzero_pd();
        let inside = _mm256_and_pd(
            _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(fx, zero), _mm256_cmp_pd::<_CMP_GE_OQ>(fy, zero)),
            _mm256_and_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(fx, _mm256_set1_pd((w - 1) as f64)), _mm256_cmp_pd::<_CMP_LE_OQ>(fy, _mm256_set1_pd((h - 1) as f64))),
        );
        let ok = _mm256_and_pd(ok, inside);
        // Points outside read pixel 0 (and are dropped).
        (_mm256_and_pd(fx, ok), _mm256_and_pd(fy, ok), ok)
    }

    /// Integer parts (truncated: the coordinates are non-negative) and
    /// fractions in f32 of two sets of four coordinates, the first in the
    /// low lanes.
    #[target_feature(enable = "avx2")]
    fn split(lo: __m256d, hi: __m256d) -> (__m256i, __m256) {
        let (il, ih) = (_mm256_cvttpd_epi32(lo), _mm256_cvttpd_epi32(hi));
        let fl = _mm256_cvtpd_ps(_mm256_sub_pd(lo, _mm256_cvtepi32_pd(il)));
        let fh = _mm256_cvtpd_ps(_mm256_sub_pd(hi, _mm256_cvtepi32_pd(ih)));
        (_mm256_set_m128i(ih, il), _mm256_set_m128(fh, fl))
    }
}

struct EdgeFit {
    line: Option<Line>,
    contrast: f64,
    residual_mm: f64,
}

/// Finds one edge near its predicted position (document frame via `to_work`).
/// Searches offsets from `-inward` (towards the page centre) to `outward`;
/// with `inward_is_ink`, print lies just beyond `-inward` (the MRZ), and no
/// tilted line may reach past it either.
#[allow(clippy::too_many_arguments)]
fn find_edge<S: Sample + ?Sized>(work: &S, to_work: &Homography, e: &Edge, inward: f64, inward_is_ink: bool, outward: f64, prior_mm: f64, mm_per_work_px: f64) -> EdgeFit {
    let none = EdgeFit { line: None, contrast: 0.0, residual_mm: f64::INFINITY };
    let wide = inward + outward > 8.0;
    // Coarse offsets for wide searches: the per-point refinement below
    // locates the edge precisely.
    let step = if wide { 0.3 } else { 0.1 };
    let offsets: Vec<f64> = (0..=(((inward + outward) / step) as usize)).map(|i| -inward + i as f64 * step).collect();
    let along: Vec<f64> = (0..SAMPLES).map(|i| ALONG.start() + (ALONG.end() - ALONG.start()) * i as f64 / (SAMPLES - 1) as f64).collect();
    let len = ((e.p1.0 - e.p0.0).powi(2) + (e.p1.1 - e.p0.1).powi(2)).sqrt();
    // Under perspective the true edge is tilted against the prediction:
    // search tilts too (offset difference between the edge's two ends).
    let max_tilt = len * if wide { 8f64 } else { 1.5f64 }.to_radians().tan();
    let tilt_step = 0.6;
    let tilts: Vec<f64> = {
        let n = (max_tilt / tilt_step).ceil() as i32;
        (-n..=n).map(|k| k as f64 * tilt_step).collect()
    };
    let point = |t: f64, d: f64| (e.p0.0 + (e.p1.0 - e.p0.0) * t + e.normal.0 * d, e.p0.1 + (e.p1.1 - e.p0.1) * t + e.normal.1 * d);
    // `point(t, d)` is `base(t) + normal·d`, summed in that order.
    let bases: Vec<(f64, f64)> = along.iter().map(|&t| (e.p0.0 + (e.p1.0 - e.p0.0) * t, e.p0.1 + (e.p1.1 - e.p0.1) * t)).collect();
    let across = Across { work, to_work: ToWork::new(to_work), normal: e.normal };
    let mut colours = Vec::new();
    // Every step first: table[(tilt, k, j)]. Each point's steps are read
    // once along its normal, every GRID_MM over all the offsets any tilt
    // reaches; a tilted line takes them at its offsets rounded to that grid
    // (at most GRID_MM / 2 off), so that all tilts share the reads.
    let (nt, no) = (tilts.len(), offsets.len());
    let reach_max = max_tilt * (0.5 - ALONG.start());
    let grid = Offsets::new(-inward - reach_max - GRID_MM, GRID_MM, ((inward + outward + 2.0 * reach_max) / GRID_MM).ceil() as usize + 4);
    let per_offset = (step / GRID_MM).round() as usize;
    let mut steps_along = vec![[0.0f32; 4]; grid.count];
    let mut table = vec![[0.0f32; 4]; nt * no * SAMPLES];
    for (j, (&t, &b)) in along.iter().zip(&bases).enumerate() {
        across.line(b, &grid, &mut steps_along, 0, 1, &mut colours);
        for (i, &tilt) in tilts.iter().enumerate() {
            let first = ((-inward + tilt * (t - 0.5) - grid.start) / GRID_MM).round().max(0.0) as usize;
            for k in 0..no {
                table[(i * no + k) * SAMPLES + j] = steps_along.get(first + k * per_offset).copied().unwrap_or([0.0; 4]);
            }
        }
    }
    // The preferences below, per offset and per tilt.
    let near: Vec<f64> = offsets.iter().map(|&d| (-0.5 * (d / prior_mm).powi(2)).exp()).collect();

    // Profile: at each offset, the median of the per-point colour steps
    // projected on their mean direction. A page edge steps at every point;
    // a line of bold text or a photo border only along part of the edge,
    // which moves a mean but not a median.
    let mut best = (0.0f64, 0.0f64, [0.0f64; 3], 0.0f64, 0usize);
    let mut best_profile: Vec<f64> = Vec::new();
    // The found steps of one (tilt, offset), channel by channel.
    let mut steps = [[0.0f64; SAMPLES]; 3];
    let gather = |rows: &[[f32; 4]], k: usize, steps: &mut [[f64; SAMPLES]; 3]| -> usize {
        let mut n = 0;
        for &v in &rows[k * SAMPLES..(k + 1) * SAMPLES] {
            if v[3] != 0.0 {
                for c in 0..3 {
                    steps[c][n] = v[c] as f64;
                }
                n += 1;
            }
        }
        n
    };
    // The profile value of `n` steps and their mean; None where there is none.
    let profile_at = |steps: &[[f64; SAMPLES]; 3], n: usize| -> Option<(f64, [f64; 3])> {
        if n * 10 < SAMPLES * 6 {
            return None;
        }
        let mut mean = [0.0f64; 3];
        for c in 0..3 {
            let mut q = [0.0f64; SAMPLES];
            for (q, v) in q.iter_mut().zip(&steps[c][..n]) {
                *q = v / n as f64;
            }
            for q in &q[..n] {
                mean[c] += q;
            }
        }
        let norm = (mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]).sqrt();
        if norm < 1e-9 {
            return None;
        }
        let u = [mean[0] / norm, mean[1] / norm, mean[2] / norm];
        // Positions outside the image count as no step.
        let mut proj = [0.0f64; SAMPLES];
        for (j, p) in proj[..n].iter_mut().enumerate() {
            *p = steps[0][j] * u[0] + steps[1][j] * u[1] + steps[2][j] * u[2];
        }
        let mag = proj.select_nth_unstable_by(SAMPLES / 2, f64::total_cmp).1.max(0.0);
        Some((mag, mean))
    };
    for (i, &tilt) in tilts.iter().enumerate() {
        let mut profile = vec![0.0; no];
        // Offsets whose value could not beat the best so far: computed only
        // if this row's profile is kept.
        let mut skipped = Vec::new();
        let mut improved = false;
        let untilted = (-0.5 * (tilt / (max_tilt + 1.0)).powi(2)).exp();
        let rows = &table[i * SAMPLES * no..(i + 1) * SAMPLES * no];
        // The line's innermost sample point.
        let reach = tilt.abs() * (0.5 - ALONG.start());
        for (k, &d) in offsets.iter().enumerate() {
            if inward_is_ink && d - reach < -inward - 1e-9 {
                continue;
            }
            let n = gather(rows, k, &mut steps);
            if n * 10 < SAMPLES * 6 {
                continue;
            }
            // The median projection m, if positive, has SAMPLES/2 projections
            // at least as large, each at most its step's |r| + |g| + |b|: so
            // m ≤ Σ(|r| + |g| + |b|) / (SAMPLES/2), with a margin far above
            // the rounding of either side.
            let sum: f64 = (0..n).map(|j| steps[0][j].abs() + steps[1][j].abs() + steps[2][j].abs()).sum();
            let bound = sum / (SAMPLES / 2) as f64 * (1.0 + 1e-9);
            if bound * near[k] * untilted <= best.0 {
                skipped.push(k);
                continue;
            }
            let Some((mag, mean)) = profile_at(&steps, n) else { continue };
            profile[k] = mag;
            // Prefer edges near the prediction (and untilted): background
            // stripes and shadows outside a faint page edge can step more.
            let weighted = mag * near[k] * untilted;
            if weighted > best.0 {
                best = (weighted, d, mean, tilt, k);
                improved = true;
            }
        }
        if improved {
            for k in skipped {
                let n = gather(rows, k, &mut steps);
                profile[k] = profile_at(&steps, n).map_or(0.0, |p| p.0);
            }
            best_profile = profile;
        }
    }
    let (_, d0, dir, tilt0, k0) = best;
    let contrast = best_profile.get(k0).copied().unwrap_or(0.0);
    if contrast < MIN_CONTRAST {
        return EdgeFit { contrast, ..none };
    }
    // A real edge stands out of its profile.
    let mut sorted = best_profile.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    if contrast < 2.0 * median {
        return EdgeFit { contrast, ..none };
    }
    let norm = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt().max(1e-9);
    let unit = [dir[0] / norm, dir[1] / norm, dir[2] / norm];

    // Per-point refinement near d0, projected on the edge's colour direction.
    let mut pts = Vec::with_capacity(SAMPLES);
    for (&t, &b) in along.iter().zip(&bases) {
        // A step edge gives a plateau of width 2·STEP_MM in this profile; its
        // centroid above half height is the edge, free of argmax bias.
        // Every 0.05 mm within 1.5 mm of the line.
        let ds = Offsets::new(d0 + tilt0 * (t - 0.5) - 1.5, 0.05, 61);
        let mut found = vec![[0.0f32; 4]; ds.count];
        across.line(b, &ds, &mut found, 0, 1, &mut colours);
        let prof: Vec<(f64, f64)> = found
            .iter()
            .enumerate()
            .filter(|(_, v)| v[3] != 0.0)
            .map(|(k, v)| (ds.at(k), v[0] as f64 * unit[0] + v[1] as f64 * unit[1] + v[2] as f64 * unit[2]))
            .collect();
        let peak = prof.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        if peak > 0.5 * contrast {
            let (mut sw, mut sd) = (0.0, 0.0);
            for &(d, s) in &prof {
                let w = s - 0.5 * peak;
                if w > 0.0 {
                    sw += w;
                    sd += w * d;
                }
            }
            let p = point(t, sd / sw);
            if let Some(q) = to_work.apply(p.0, p.1) {
                pts.push(q);
            }
        }
    }
    if pts.len() * 2 < SAMPLES {
        return EdgeFit { contrast, ..none };
    }
    // Fit, drop outliers (text touching the edge, a finger), refit.
    let mut line = match Line::fit(&pts) {
        Some(l) => l,
        None => return EdgeFit { contrast, ..none },
    };
    for _ in 0..2 {
        let mut res: Vec<f64> = pts.iter().map(|&p| line.dist(p).abs()).collect();
        res.sort_by(f64::total_cmp);
        let mad = res[res.len() / 2].max(0.3);
        let keep: Vec<(f64, f64)> = pts.iter().copied().filter(|&p| line.dist(p).abs() <= 3.0 * mad).collect();
        if keep.len() * 3 < SAMPLES {
            return EdgeFit { contrast, ..none };
        }
        if let Some(l) = Line::fit(&keep) {
            line = l;
        }
        pts = keep;
    }
    let rms = (pts.iter().map(|&p| line.dist(p).powi(2)).sum::<f64>() / pts.len() as f64).sqrt() * mm_per_work_px;
    if rms > MAX_EDGE_RESIDUAL_MM {
        // Not a straight cut edge: text, a photo border, a fold.
        return EdgeFit { contrast, residual_mm: rms, ..none };
    }
    EdgeFit { line: Some(line), contrast, residual_mm: rms }
}

/// Source downscaling factor giving at least `target_px_per_mm`.
pub fn downscale_factor(px_per_mm: f32, target_px_per_mm: f64) -> usize {
    if !(px_per_mm.is_finite() && px_per_mm > 0.0) {
        return 1;
    }
    ((px_per_mm as f64 / target_px_per_mm).floor() as usize).clamp(1, 64)
}

/// Registers the document whose MRZ was read, assuming `format`'s page.
pub fn register(img: &DynamicImage, reading: &MrzReading, format: Format) -> Registration {
    let factor = downscale_factor(reading.px_per_mm, WORK_PX_PER_MM);
    register_planes(&Planes::from_image_downscaled(img, factor), factor, reading, format)
}

/// Like [`register`], on the image already box-downscaled by `factor`
/// (shared with the zone checks to decode and scale the image once; at
/// factor 1 the 8-bit image itself).
pub fn register_planes<S: Sample + ?Sized>(work: &S, factor: usize, reading: &MrzReading, format: Format) -> Registration {
    let g = FormatGeometry::of(format);
    let nominal_h = nominal(reading, format);
    let fail = Registration {
        doc_to_image: nominal_h,
        image_to_doc: nominal_h.inverse().unwrap_or(Homography::IDENTITY),
        edges_found: [false; 4],
        edge_contrast: [0.0; 4],
        edge_residual_mm: [f64::INFINITY; 4],
        nominal: nominal_h,
        alignment: None,
        rejected_edges: None,
    };
    if !(reading.px_per_mm.is_finite() && reading.px_per_mm > 0.5) {
        return fail;
    }
    let factor = factor.max(1);
    let scale = Homography::from_affine(1.0 / factor as f64, 0.0, 0.0, 0.0, 1.0 / factor as f64, 0.0);
    let mm_per_work_px = factor as f64 / reading.px_per_mm as f64;

    let mut h = nominal_h;
    let mut result = fail.clone();
    // Two passes: a wide search from the MRZ prediction, then a narrow one
    // from the first page estimate (perspective bends far edges away from the
    // MRZ-only prediction).
    // How far inside its nominal position each edge may lie before the search
    // would reach the MRZ itself (top, right, bottom, left).
    let mrz_end = g.first_char_x_mm + format.line_len() as f64 * g.char_pitch_mm;
    let last_line = g.line_centres_from_bottom_mm[g.line_centres_from_bottom_mm.len() - 1];
    // Below the MRZ the edge runs along the bottom line's glyphs, whose
    // bottoms step like an edge at every point: the inner sample (STEP_MM in)
    // keeps 0.4 mm off them (the prediction's error).
    let glyph_bottom = last_line - 0.5 * crate::font::MRZ_CAP_HEIGHT_MM as f64;
    let inward = [SEARCH_MM, g.width_mm - mrz_end - 0.3, glyph_bottom - STEP_MM - 0.4, g.first_char_x_mm - 0.3];
    // Three passes: wide and anchored on the MRZ (inward search limited so it
    // cannot reach the MRZ); wide again for the edges still missing, from the
    // first estimate (perspective bends far edges away from the MRZ-only
    // prediction); then narrow for all.
    let mut found_before = [false; 4];
    for pass in 0..3 {
        let to_work = scale.compose(&h);
        let es = edges(g.width_mm, g.height_mm);
        let mut fits: Vec<EdgeFit> = es
            .iter()
            .enumerate()
            .map(|(i, e)| {
                // Pass 1 re-searches missing edges further: with the near
                // edges found, perspective can still leave far ones 20 mm
                // from the estimate.
                let (inw, out, prior) = match (pass, found_before[i]) {
                    (0, _) => (inward[i].clamp(0.5, SEARCH_MM), SEARCH_MM, 6.0),
                    (1, false) => (if i == 0 { 2.0 * SEARCH_MM } else { inward[i].clamp(0.5, SEARCH_MM) }, 2.2 * SEARCH_MM, 15.0),
                    _ => (2.5, 2.5, 100.0),
                };
                find_edge(work, &to_work, e, inw, pass < 2 && i == 2, out, prior, mm_per_work_px)
            })
            .collect();
        // The page lies on one background: an edge far weaker than the
        // others is more likely print or texture than the cut edge.
        let strongest = fits.iter().filter(|f| f.line.is_some()).map(|f| f.contrast).fold(0.0, f64::max);
        for f in fits.iter_mut() {
            if f.contrast < RELATIVE_CONTRAST * strongest {
                f.line = None;
            }
        }
        for i in 0..4 {
            found_before[i] |= fits[i].line.is_some();
        }
        // Missing edges keep the current estimate's line.
        let lines: Vec<Line> = fits
            .iter()
            .zip(es.iter())
            .map(|(f, e)| {
                f.line.unwrap_or_else(|| {
                    let a = to_work.apply(e.p0.0, e.p0.1).unwrap_or((0.0, 0.0));
                    let b = to_work.apply(e.p1.0, e.p1.1).unwrap_or((1.0, 0.0));
                    Line::fit(&[a, b]).unwrap_or(Line { n: (0.0, 1.0), c: 0.0 })
                })
            })
            .collect();
        let corners: Option<Vec<(f64, f64)>> =
            (0..4).map(|i| lines[(i + 3) % 4].intersect(&lines[i]).map(|(x, y)| (x * factor as f64, y * factor as f64))).collect();
        let Some(corners) = corners else { break };
        let doc = [(0.0, 0.0), (g.width_mm, 0.0), (g.width_mm, g.height_mm), (0.0, g.height_mm)];
        let Some(new_h) = Homography::from_points(doc, [corners[0], corners[1], corners[2], corners[3]]) else { break };
        if !plausible(&new_h, &nominal_h, g.width_mm, g.height_mm) {
            break;
        }
        h = new_h;
        result = Registration {
            doc_to_image: h,
            image_to_doc: h.inverse().unwrap_or(Homography::IDENTITY),
            edges_found: [0, 1, 2, 3].map(|i| fits[i].line.is_some()),
            edge_contrast: [0, 1, 2, 3].map(|i| fits[i].contrast),
            edge_residual_mm: [0, 1, 2, 3].map(|i| fits[i].residual_mm),
            nominal: nominal_h,
            alignment: None,
            rejected_edges: None,
        };
    }
    if result.page_found() && !scale_plausible(reading, &result, format) {
        result.rejected_edges = Some(result.doc_to_image);
        result.edges_found = [false; 4];
        result.doc_to_image = nominal_h;
        result.image_to_doc = nominal_h.inverse().unwrap_or(Homography::IDENTITY);
    }
    if !result.page_found() {
        let (wp, hp) = ((work.width() * factor) as f64, (work.height() * factor) as f64);
        if let Some(frame) = image_frame_page(wp, hp, &nominal_h, g.width_mm, g.height_mm, reading.px_per_mm as f64) {
            result = Registration {
                rejected_edges: result.rejected_edges,
                doc_to_image: frame,
                image_to_doc: frame.inverse().unwrap_or(Homography::IDENTITY),
                edges_found: [true; 4],
                edge_contrast: [f64::NAN; 4],
                edge_residual_mm: [0.0; 4],
                nominal: nominal_h,
                alignment: None,
            };
        }
    }
    result
}

/// Relative deviation of the MRZ's line spacing (y) and pitch (x), measured
/// in the registered document frame, beyond which the registration is
/// rejected as locked onto something other than the page edges. Pitch is
/// allowed more: a re-pitched MRZ is a forgery the geometry check reports.
const MAX_SPACING_DEVIATION: f64 = 0.06;
const MAX_PITCH_DEVIATION: f64 = 0.08;

/// Whether the MRZ, seen through the registration, has a plausible size.
pub fn scale_plausible(reading: &MrzReading, reg: &Registration, format: Format) -> bool {
    mrz_size_within(reading, reg, format, MAX_SPACING_DEVIATION, MAX_PITCH_DEVIATION)
}

/// Relative deviation of the MRZ size seen through a content alignment
/// beyond which the alignment is taken as a false lock. Far looser than for
/// edges: the layout, matched patch by patch, places the page on its own, and
/// a re-pitched MRZ (up to ±12 %) or a line re-typed out of line (spacing
/// ±30 %) is exactly what the geometry check must then measure.
const MAX_ALIGNED_DEVIATION: f64 = 0.4;

/// An alignment from afar this strong is not a false lock: at least this
/// many patches, nearly all of them agreeing, and a residual half the one
/// allowed after a wide search. False locks on the calibration sets kept
/// about half their patches at 0.16–0.22 mm; the genuine photos whose MRZ
/// spacing strayed past 6 % through a right placement had 7 or 8 patches
/// (seeds 12 and 13).
const STRONG_MIN_INLIERS: usize = 12;
const STRONG_MIN_SHARE: f64 = 0.95;
const STRONG_MAX_RMS_MM: f64 = 0.06;

/// Whether the MRZ keeps a plausible size through a content alignment. An
/// alignment from afar must keep the MRZ's line spacing as edges must: a
/// spacing off by more is a false lock (a genuine page on white paper, seed
/// 15, placed with its MRZ lines 16 % too close) or a strip's similarity
/// failing far from the strip under perspective. A re-pitched MRZ is still
/// measured; so is a line re-typed out of line when the layout placed the
/// page beyond doubt (most of a large page's patches agreeing within a
/// fraction of a millimetre), and otherwise it is left inconclusive.
pub fn alignment_plausible(reading: &MrzReading, reg: &Registration, format: Format) -> bool {
    let weak_from_afar = reg.alignment.as_ref().is_some_and(|a| {
        let strong = a.inliers >= STRONG_MIN_INLIERS && a.inliers as f64 >= STRONG_MIN_SHARE * a.candidates as f64 && a.residual_mm <= STRONG_MAX_RMS_MM;
        a.from_afar && !strong
    });
    let max_spacing = if weak_from_afar { MAX_SPACING_DEVIATION } else { MAX_ALIGNED_DEVIATION };
    mrz_size_within(reading, reg, format, max_spacing, MAX_ALIGNED_DEVIATION)
}

fn mrz_size_within(reading: &MrzReading, reg: &Registration, format: Format, max_spacing: f64, max_pitch: f64) -> bool {
    let g = FormatGeometry::of(format);
    let centres: Vec<Vec<(f64, f64)>> = reading
        .chars
        .iter()
        .map(|l| l.iter().filter_map(|c| reg.image_to_doc.apply(c.centre.x as f64, c.centre.y as f64)).collect())
        .collect();
    if centres.len() < 2 || centres.iter().any(|l| l.len() < 10) {
        // No character geometry to judge by.
        return true;
    }
    let mean = |v: &[(f64, f64)], f: fn(&(f64, f64)) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let spacing = (mean(&centres[centres.len() - 1], |p| p.1) - mean(&centres[0], |p| p.1)) / (centres.len() - 1) as f64;
    let pitch = centres.iter().map(|l| (l[l.len() - 1].0 - l[0].0) / (l.len() - 1) as f64).sum::<f64>() / centres.len() as f64;
    (spacing / g.line_pitch_mm - 1.0).abs() <= max_spacing && (pitch / g.char_pitch_mm - 1.0).abs() <= max_pitch
}

/// A scan cropped to the page: the image frame is the page outline when the
/// image has the page's aspect and the MRZ-based prediction puts the page
/// corners within a few millimetres of the image corners.
fn image_frame_page(width_px: f64, height_px: f64, nominal: &Homography, w_mm: f64, h_mm: f64, px_per_mm: f64) -> Option<Homography> {
    let aspect = (width_px / height_px) / (w_mm / h_mm);
    if (aspect - 1.0).abs() > 0.02 {
        return None;
    }
    let frame = Homography::from_affine(width_px / w_mm, 0.0, 0.0, 0.0, height_px / h_mm, 0.0);
    for &(x, y) in &[(0.0, 0.0), (w_mm, 0.0), (w_mm, h_mm), (0.0, h_mm)] {
        let (a, b) = (nominal.apply(x, y)?, frame.apply(x, y)?);
        if ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() > 5.0 * px_per_mm {
            return None;
        }
    }
    Some(frame)
}

/// A page estimate must stay close to the MRZ prediction: corners within a
/// quarter of the page size, and a convex quadrilateral.
fn plausible(h: &Homography, nominal: &Homography, w: f64, hgt: f64) -> bool {
    let doc = [(0.0, 0.0), (w, 0.0), (w, hgt), (0.0, hgt)];
    let mut pts = Vec::new();
    for &(x, y) in &doc {
        let (Some(a), Some(b)) = (h.apply(x, y), nominal.apply(x, y)) else { return false };
        let (Some(s0), Some(s1)) = (nominal.apply(0.0, 0.0), nominal.apply(w, 0.0)) else { return false };
        let page_w_px = ((s1.0 - s0.0).powi(2) + (s1.1 - s0.1).powi(2)).sqrt();
        if ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() > 0.25 * page_w_px {
            return false;
        }
        pts.push(a);
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let signs: Vec<bool> = (0..4).map(|i| cross(pts[i], pts[(i + 1) % 4], pts[(i + 2) % 4]) > 0.0).collect();
    signs.iter().all(|&s| s == signs[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Affine, CharReading, Point};
    use image::{Rgb, RgbImage};

    /// A light page on a dark background under a known homography, with an
    /// MRZ reading whose affine is slightly off (as a shifted MRZ would be).
    fn scene(doc_to_img: &Homography, w: u32, h: u32, g: &FormatGeometry) -> RgbImage {
        let inv = doc_to_img.inverse().unwrap();
        RgbImage::from_fn(w, h, |x, y| {
            let (u, v) = inv.apply(x as f64 + 0.5, y as f64 + 0.5).unwrap();
            if u >= 0.0 && v >= 0.0 && u <= g.width_mm && v <= g.height_mm {
                // Faint texture inside the page.
                let t = ((u * 3.0).sin() * 6.0) as i32;
                Rgb([(215 + t) as u8, (220 + t) as u8, 205])
            } else {
                Rgb([60, 62, 66])
            }
        })
    }

    #[test]
    fn finds_a_rotated_page_under_perspective() {
        let g = FormatGeometry::of(Format::Td3);
        let ppm = 8.0;
        let (w, h) = (1400u32, 1100u32);
        let ang = 7f64.to_radians();
        let (c, s) = (ang.cos() * ppm, ang.sin() * ppm);
        let truth_affine = Homography::from_affine(c, -s, 180.0, s, c, 120.0);
        // Mild perspective.
        let persp = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.00004, 0.00002, 1.0]);
        let truth = persp.compose(&truth_affine);
        let img = DynamicImage::ImageRgb8(scene(&truth, w, h, g));
        // The reader's MRZ affine: the true local affine at the MRZ, but
        // placed 1.5 mm off (an MRZ printed off-nominal).
        let (ox, oy) = (g.first_char_x_mm + 1.5, g.line_centre_y_mm(0) - 1.0);
        let o = truth.apply(ox, oy).unwrap();
        let ex = truth.apply(ox + 1.0, oy).unwrap();
        let ey = truth.apply(ox, oy + 1.0).unwrap();
        let reading = MrzReading {
            found: true,
            mrz_to_image: Affine { a: ex.0 - o.0, b: ey.0 - o.0, c: o.0, d: ex.1 - o.1, e: ey.1 - o.1, f: o.1 },
            px_per_mm: ppm as f32,
            ..Default::default()
        };
        let r = register(&img, &reading, Format::Td3);
        assert!(r.page_found(), "{r:?}");
        for &(x, y) in &[(0.0, 0.0), (125.0, 0.0), (125.0, 88.0), (0.0, 88.0), (62.0, 44.0)] {
            let a = r.doc_to_image.apply(x, y).unwrap();
            let b = truth.apply(x, y).unwrap();
            let err_mm = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() / ppm;
            assert!(err_mm < 0.15, "({x}, {y}): {err_mm:.2} mm off");
        }
    }

    #[test]
    fn vectorised_steps_match_the_scalar_ones_bit_for_bit() {
        let (w, h) = (61u32, 47u32);
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 7 + y * 13) as u8, (x * x + 3 * y) as u8, (255 - x * y % 251) as u8]));
        let planes = Planes::from_rgb_image(&img);
        let affine = Homography::from_affine(3.1, 0.4, 2.0, -0.3, 2.9, 1.5);
        let projective = Homography([3.1, 0.4, 2.0, -0.3, 2.9, 1.5, 0.002, -0.001, 1.0]);
        let mut scratch = Vec::new();
        for h in [affine, projective] {
            for normal in [(0.0, -1.0), (1.0, 0.0), (0.6, 0.8)] {
                let fast = Across { work: &img, to_work: ToWork::new(&h), normal };
                let slow = Across { work: &planes, to_work: ToWork::new(&h), normal };
                // Points inside, across the borders (the last pixel too) and
                // outside, at each spacing the search uses.
                for (spacing, count) in [(0.3, 203), (0.1, 601), (0.05, 61)] {
                    let offs = Offsets::new(-30.0 + 0.013, spacing, count);
                    for base in [(9.0, 7.0), (0.3, 0.2), (19.4, 15.9), (18.9, 15.1)] {
                        let mut got = vec![[9.0f32; 4]; count];
                        fast.line(base, &offs, &mut got, 0, 1, &mut scratch);
                        for (k, g) in got.iter().enumerate() {
                            // The step: the colour STEP_MM inside minus the one STEP_MM outside.
                            let (a, b) = (slow.colour(base, offs.colour_at(k)), slow.colour(base, offs.colour_at(k + 2 * offs.shift)));
                            let want = if a[3] != 0.0 && b[3] != 0.0 { [a[0] - b[0], a[1] - b[1], a[2] - b[2], 1.0] } else { [0.0; 4] };
                            assert_eq!(g.map(f32::to_bits), want.map(f32::to_bits), "{h:?} {normal:?} {base:?} {}", offs.at(k));
                            assert!((offs.colour_at(k + offs.shift) - offs.at(k)).abs() < 1e-9 && (offs.colour_at(k + 2 * offs.shift) - offs.at(k) - STEP_MM).abs() < 1e-9);
                        }
                    }
                }
            }
        }
    }

    /// A TD3 reading at 10 px/mm whose second line was re-typed `dy_mm`
    /// off its place (down when positive), and a registration by layout
    /// (identity scale) from afar or not.
    fn shifted_line_scene(dy_mm: f64, inliers: usize, candidates: usize, rms: f64, from_afar: bool) -> (MrzReading, Registration) {
        let g = FormatGeometry::of(Format::Td3);
        let ppm = 10.0;
        let chars = (0..2)
            .map(|line| {
                (0..44)
                    .map(|k| {
                        let x = (g.first_char_x_mm + (k as f64 + 0.5) * g.char_pitch_mm) * ppm;
                        let y = (g.line_centre_y_mm(line) + if line == 1 { dy_mm } else { 0.0 }) * ppm;
                        let centre = Point::new(x as f32, y as f32);
                        CharReading { ch: '<', confidence: 1.0, runner_up: 'K', runner_up_confidence: 0.0, ocrb_score: 1.0, centre, quad: [centre; 4] }
                    })
                    .collect()
            })
            .collect();
        let reading = MrzReading { found: true, chars, px_per_mm: ppm as f32, ..Default::default() };
        let h = Homography::from_affine(ppm, 0.0, 0.0, 0.0, ppm, 0.0);
        let alignment = crate::align::Alignment { doc_to_image: h, inliers, candidates, median_score: 0.99, residual_mm: rms, from_afar, strip: false };
        let reg = Registration {
            doc_to_image: h,
            image_to_doc: h.inverse().unwrap(),
            edges_found: [false; 4],
            edge_contrast: [0.0; 4],
            edge_residual_mm: [f64::INFINITY; 4],
            nominal: h,
            alignment: Some(alignment),
            rejected_edges: None,
        };
        (reading, reg)
    }

    #[test]
    fn a_line_moved_out_of_line_is_measured_when_the_layout_placed_the_page_beyond_doubt() {
        // Line 2 moved 1.7 mm up: the spacing is 27 % short.
        let plausible = |inliers, candidates, rms, afar| {
            let (reading, reg) = shifted_line_scene(-1.7, inliers, candidates, rms, afar);
            alignment_plausible(&reading, &reg, Format::Td3)
        };
        // Placed from nearby (edges as the start): the geometry check decides.
        assert!(plausible(7, 7, 0.05, false));
        // From afar, 20 of 20 patches within 0.04 mm: not a false lock.
        assert!(plausible(20, 20, 0.04, true));
        // From afar on a small card's few patches, or a looser fit, or many
        // patches disagreeing: possibly a false lock, the spacing guard holds.
        assert!(!plausible(8, 8, 0.04, true));
        assert!(!plausible(20, 20, 0.10, true));
        assert!(!plausible(14, 20, 0.04, true));
        // A genuine MRZ through the same weak alignment is plausible.
        let (reading, reg) = shifted_line_scene(0.0, 8, 8, 0.04, true);
        assert!(alignment_plausible(&reading, &reg, Format::Td3));
    }

    /// A pale scan whose page barely stands out of the scanner lid: the
    /// bottom line's glyph bottoms step ~3× more than the page's bottom edge
    /// and once took its place (the page 8 mm short, the edges then
    /// rejected for the MRZ's size, and the page placed by a slow wide
    /// search).
    #[cfg(feature = "synth")]
    #[test]
    fn bottom_edge_is_not_taken_from_the_mrz_glyphs() {
        use crate::synth::{self, CaptureKind, DatasetSpec, Kind};
        let spec = DatasetSpec {
            seed: 77,
            count: 1,
            models: vec!["uto-p-2024".into()],
            kinds: vec![Kind::Genuine],
            captures: vec![CaptureKind::Scan],
            dpi: vec![300],
            specimens: 0,
            ..Default::default()
        };
        let sample = synth::render(&spec, 0).unwrap();
        let img = DynamicImage::ImageRgb8(sample.image);
        let reading = crate::read::Reader::new().read(&img.to_luma8());
        assert!(reading.found, "{:?}", reading.notes);
        let reg = register(&img, &reading, Format::Td3);
        assert!(reg.page_found() && reg.rejected_edges.is_none(), "edges {:?}, rejected {}", reg.edges_found, reg.rejected_edges.is_some());
        let g = FormatGeometry::of(Format::Td3);
        let corners = [(0.0, 0.0), (g.width_mm, 0.0), (g.width_mm, g.height_mm), (0.0, g.height_mm)];
        for (k, &(x, y)) in corners.iter().enumerate() {
            let p = reg.doc_to_image.apply(x, y).unwrap();
            let [tx, ty] = sample.label.doc_quad[k];
            let off_mm = ((p.0 - tx).powi(2) + (p.1 - ty).powi(2)).sqrt() / reading.px_per_mm as f64;
            assert!(off_mm < 0.5, "corner {k} is {off_mm:.2} mm from the truth");
        }
    }

    #[test]
    fn uniform_image_finds_no_edges() {
        let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(600, 500, Rgb([200, 200, 200])));
        let reading = MrzReading {
            found: true,
            mrz_to_image: Affine { a: 4.0, b: 0.0, c: 30.0, d: 0.0, e: 4.0, f: 400.0 },
            px_per_mm: 4.0,
            ..Default::default()
        };
        let r = register(&img, &reading, Format::Td3);
        assert!(!r.page_found());
        assert!(r.edges_found.iter().all(|e| !e));
    }
}
