//! Small raster utilities shared by registration and the zone checks:
//! float colour planes, integer box downscaling, bilinear sampling and
//! perspective warping.

use crate::geometry::Homography;
use image::{DynamicImage, GrayImage, RgbImage};

/// An RGB image as f32 (0–255), row-major, three interleaved channels.
#[derive(Clone, Debug, PartialEq)]
pub struct Planes {
    pub width: usize,
    pub height: usize,
    pub data: Vec<[f32; 3]>,
}

impl Planes {
    pub fn new(width: usize, height: usize) -> Planes {
        Planes { width, height, data: vec![[0.0; 3]; width * height] }
    }

    /// `img` box-averaged by an integer `factor` (1 = copy).
    pub fn from_image_downscaled(img: &DynamicImage, factor: usize) -> Planes {
        let factor = factor.max(1);
        let (w, h) = (img.width() as usize, img.height() as usize);
        let rgb;
        let src: &RgbImage = match img {
            DynamicImage::ImageRgb8(i) => i,
            other => {
                rgb = other.to_rgb8();
                &rgb
            }
        };
        if factor == 1 {
            return Planes::from_rgb_image(src);
        }
        let (ow, oh) = ((w / factor).max(1), (h / factor).max(1));
        let mut out = Planes::new(ow, oh);
        let raw = src.as_raw();
        let mut acc = vec![[0.0f32; 3]; ow];
        for oy in 0..oh {
            acc.iter_mut().for_each(|a| *a = [0.0; 3]);
            let mut rows = 0;
            for y in oy * factor..((oy + 1) * factor).min(h) {
                rows += 1;
                let row = &raw[y * w * 3..(y + 1) * w * 3];
                for (ox, a) in acc.iter_mut().enumerate() {
                    for x in ox * factor..((ox + 1) * factor).min(w) {
                        let p = &row[x * 3..x * 3 + 3];
                        a[0] += p[0] as f32;
                        a[1] += p[1] as f32;
                        a[2] += p[2] as f32;
                    }
                }
            }
            for (ox, a) in acc.iter().enumerate() {
                let cols = ((ox + 1) * factor).min(w) - ox * factor;
                let n = (rows * cols).max(1) as f32;
                out.data[oy * ow + ox] = [a[0] / n, a[1] / n, a[2] / n];
            }
        }
        out
    }

    /// Bilinear sample at (x, y) in pixel coordinates (pixel centres at
    /// integer + 0.5); `None` outside the image.
    #[inline]
    pub fn sample(&self, x: f64, y: f64) -> Option<[f32; 3]> {
        bilinear(self.width, self.height, x, y, |i| self.data[i])
    }

    /// Warps into a `width`×`height` grid: output pixel (u, v) takes the
    /// sample at `out_to_src(u + 0.5, v + 0.5)`. Returns the planes and a
    /// validity mask (false where the source was outside the image).
    pub fn warp(&self, out_to_src: &Homography, width: usize, height: usize) -> (Planes, Vec<bool>) {
        let mut out = Planes::new(width, height);
        let mut valid = vec![false; width * height];
        for v in 0..height {
            for u in 0..width {
                if let Some((x, y)) = out_to_src.apply(u as f64 + 0.5, v as f64 + 0.5) {
                    if let Some(p) = self.sample(x, y) {
                        out.data[v * width + u] = p;
                        valid[v * width + u] = true;
                    }
                }
            }
        }
        (out, valid)
    }

    /// Luminance plane (Rec. 601 weights).
    pub fn luma(&self) -> Vec<f32> {
        self.data.iter().map(|p| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]).collect()
    }

    pub fn to_rgb_image(&self) -> RgbImage {
        let mut img = RgbImage::new(self.width as u32, self.height as u32);
        for (i, p) in img.pixels_mut().enumerate() {
            let d = self.data[i];
            *p = image::Rgb([d[0].round().clamp(0.0, 255.0) as u8, d[1].round().clamp(0.0, 255.0) as u8, d[2].round().clamp(0.0, 255.0) as u8]);
        }
        img
    }

    pub fn from_rgb_image(img: &RgbImage) -> Planes {
        Planes {
            width: img.width() as usize,
            height: img.height() as usize,
            data: img.pixels().map(|p| [p[0] as f32, p[1] as f32, p[2] as f32]).collect(),
        }
    }
}

/// Bilinear colour sampling at (x, y) in pixel coordinates (pixel centres
/// at integer + 0.5); `None` outside the image.
pub trait Sample {
    fn width(&self) -> usize;
    fn height(&self) -> usize;
    fn sample(&self, x: f64, y: f64) -> Option<[f32; 3]>;
    /// The 8-bit pixels sampled, when that is what they are (vectorised
    /// paths read them directly).
    fn rgb8(&self) -> Option<&RgbImage> {
        None
    }
}

impl Sample for Planes {
    fn width(&self) -> usize {
        self.width
    }
    fn height(&self) -> usize {
        self.height
    }
    #[inline]
    fn sample(&self, x: f64, y: f64) -> Option<[f32; 3]> {
        Planes::sample(self, x, y)
    }
}

/// The 8-bit pixels read directly: the same samples as their
/// [`Planes::from_rgb_image`], from a quarter of the memory.
impl Sample for RgbImage {
    fn width(&self) -> usize {
        RgbImage::width(self) as usize
    }
    fn height(&self) -> usize {
        RgbImage::height(self) as usize
    }
    fn rgb8(&self) -> Option<&RgbImage> {
        Some(self)
    }
    #[inline]
    fn sample(&self, x: f64, y: f64) -> Option<[f32; 3]> {
        let raw = self.as_raw();
        bilinear(Sample::width(self), Sample::height(self), x, y, |i| {
            let p = &raw[3 * i..3 * i + 3];
            [p[0] as f32, p[1] as f32, p[2] as f32]
        })
    }
}

/// Bilinear interpolation of the `width`×`height` pixels `p(index)`.
#[inline(always)]
fn bilinear(width: usize, height: usize, x: f64, y: f64, p: impl Fn(usize) -> [f32; 3]) -> Option<[f32; 3]> {
    let fx = x - 0.5;
    let fy = y - 0.5;
    if !(fx >= 0.0 && fy >= 0.0 && fx <= (width - 1) as f64 && fy <= (height - 1) as f64) {
        return None;
    }
    // Non-negative here: truncation is the floor, without a libm call.
    let x0 = fx as usize;
    let y0 = fy as usize;
    let x1 = (x0 + 1).min(width - 1);
    let y1 = (y0 + 1).min(height - 1);
    let ax = (fx - x0 as f64) as f32;
    let ay = (fy - y0 as f64) as f32;
    let (a, b, c, d) = (p(y0 * width + x0), p(y0 * width + x1), p(y1 * width + x0), p(y1 * width + x1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        let top = a[i] + (b[i] - a[i]) * ax;
        let bot = c[i] + (d[i] - c[i]) * ax;
        out[i] = top + (bot - top) * ay;
    }
    Some(out)
}

/// `img.to_luma8()`, computed directly for 8-bit sRGB colour (the decoded
/// scans): the image crate converts through f32 buffers 256 pixels at a time
/// with a scalar rounding call per pixel. Same arithmetic, same luminance
/// coefficients (the BT.709 Y row its colour management derives for sRGB,
/// bit for bit), so the same bytes; any other image takes the crate's path.
pub fn gray(img: &DynamicImage) -> GrayImage {
    match img {
        DynamicImage::ImageRgb8(rgb) if img.color_space() == image::metadata::Cicp::SRGB => {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { gray_srgb_avx2(rgb) };
            }
            gray_srgb(rgb)
        }
        other => other.to_luma8(),
    }
}

/// 1/255 and the Y row of sRGB's RGB-to-XYZ matrix, as the crate has them.
const GRAY_SCALE: f32 = 1.0 / 255.0;
const GRAY_Y: [f32; 3] = [f32::from_bits(0x3e59_c05b), f32::from_bits(0x3f37_15fc), f32::from_bits(0x3d93_cf75)];

/// One pixel of [`gray_srgb`].
#[inline(always)]
fn gray_of(p: &[u8]) -> u8 {
    let mut luma = 0.0f32;
    for (&v, c) in p.iter().zip(GRAY_Y) {
        luma += v as f32 * GRAY_SCALE * c;
    }
    // Saturating, as the crate's conversion.
    (luma * 255.0).round() as u8
}

fn gray_srgb(rgb: &RgbImage) -> GrayImage {
    let px = rgb.as_raw().chunks_exact(3).map(gray_of).collect();
    GrayImage::from_raw(rgb.width(), rgb.height(), px).expect("one byte per pixel")
}

/// [`gray_srgb`] eight pixels at a time with the same f32 operations in the
/// same order (no FMA). Rounding half away from zero has no AVX2 instruction:
/// for y ≥ 0, `floor(y) + (y - floor(y) ≥ 0.5)`, where the subtraction is exact.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gray_srgb_avx2(rgb: &RgbImage) -> GrayImage {
    use std::arch::x86_64::*;
    let raw = rgb.as_raw();
    let mut px = vec![0u8; raw.len() / 3];
    let (r, k255, half, one, max) = (_mm256_set1_ps(GRAY_SCALE), _mm256_set1_ps(255.0), _mm256_set1_ps(0.5), _mm256_set1_ps(1.0), _mm256_set1_ps(255.0));
    let simd_end = rgb8_simd_pixels(raw.len());
    for i in (0..simd_end).step_by(8) {
        // SAFETY: `i` is a group `rgb8_simd_pixels` counted.
        let channels = unsafe { rgb8_channels8(raw, i) };
        let mut luma = _mm256_setzero_ps();
        for (&ch, &k) in channels.iter().zip(&GRAY_Y) {
            luma = _mm256_add_ps(luma, _mm256_mul_ps(_mm256_mul_ps(ch, r), _mm256_set1_ps(k)));
        }
        let y = _mm256_mul_ps(luma, k255);
        let fl = _mm256_floor_ps(y);
        let up = _mm256_and_ps(_mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_sub_ps(y, fl), half), one);
        let rounded = _mm256_min_ps(_mm256_add_ps(fl, up), max);
        let mut lanes = [0i32; 8];
        // SAFETY: `lanes` holds eight i32.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), _mm256_cvttps_epi32(rounded)) };
        for (o, &l) in px[i..i + 8].iter_mut().zip(&lanes) {
            *o = l as u8;
        }
    }
    for (o, p) in px[simd_end..].iter_mut().zip(raw[3 * simd_end..].chunks_exact(3)) {
        *o = gray_of(p);
    }
    GrayImage::from_raw(rgb.width(), rgb.height(), px).expect("one byte per pixel")
}

/// Luminance (Rec. 601 weights) of 8-bit pixels: [`Planes::luma`] of their
/// [`Planes::from_rgb_image`].
pub fn luma_rgb8(img: &RgbImage) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { luma_rgb8_avx2(img.as_raw()) };
    }
    img.as_raw().chunks_exact(3).map(luma_of).collect()
}

/// One pixel of [`luma_rgb8`].
#[inline(always)]
fn luma_of(p: &[u8]) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// [`luma_rgb8`] eight pixels at a time: the channels picked out of two
/// 16-byte loads, then the same f32 operations lane by lane (no FMA), so
/// the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn luma_rgb8_avx2(raw: &[u8]) -> Vec<f32> {
    use std::arch::x86_64::*;
    let n = raw.len() / 3;
    let mut out = Vec::with_capacity(n);
    let (kr, kg, kb) = (_mm256_set1_ps(0.299), _mm256_set1_ps(0.587), _mm256_set1_ps(0.114));
    let simd_end = rgb8_simd_pixels(raw.len());
    for i in (0..simd_end).step_by(8) {
        // SAFETY: `i` is a group `rgb8_simd_pixels` counted.
        let [r, g, b] = unsafe { rgb8_channels8(raw, i) };
        let y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(kr, r), _mm256_mul_ps(kg, g)), _mm256_mul_ps(kb, b));
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds eight f32.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), y) };
        out.extend_from_slice(&lanes);
    }
    out.extend(raw[3 * simd_end..3 * n].chunks_exact(3).map(luma_of));
    out
}

/// How many leading pixels of packed 8-bit RGB (`len` bytes)
/// [`rgb8_channels8`] covers, eight at a time: a group's second load reads
/// its bytes 12..28, so the last group must end 4 bytes before `len` or
/// earlier.
#[cfg(target_arch = "x86_64")]
fn rgb8_simd_pixels(len: usize) -> usize {
    let n = len / 3;
    if len < 28 || n < 8 { 0 } else { ((len - 28) / 3).min(n - 8) / 8 * 8 + 8 }
}

/// The red, green and blue of pixels `i..i + 8` of packed 8-bit RGB as f32
/// lanes: pixels 0–3 from one 16-byte load, 4–7 from a second 12 bytes on,
/// each channel's byte shuffled into the low byte of a 32-bit lane.
///
/// # Safety
/// AVX2 must be available and `i + 8` within [`rgb8_simd_pixels`]`(raw.len())`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rgb8_channels8(raw: &[u8], i: usize) -> [std::arch::x86_64::__m256; 3] {
    use std::arch::x86_64::*;
    debug_assert!(3 * i + 28 <= raw.len());
    // SAFETY: bytes 3i .. 3i + 28 are inside `raw` (the caller's contract).
    let v = unsafe { _mm256_loadu2_m128i(raw.as_ptr().add(3 * i + 12).cast(), raw.as_ptr().add(3 * i).cast()) };
    let pick = |c: i8| _mm256_setr_epi8(c, -1, -1, -1, c + 3, -1, -1, -1, c + 6, -1, -1, -1, c + 9, -1, -1, -1, c, -1, -1, -1, c + 3, -1, -1, -1, c + 6, -1, -1, -1, c + 9, -1, -1, -1);
    [0, 1, 2].map(|c| _mm256_cvtepi32_ps(_mm256_shuffle_epi8(v, pick(c))))
}

/// Warps a single-channel plane like [`Planes::warp`] (bilinear; the mask is
/// false where the source was outside the plane).
pub fn warp_plane(src: &[f32], width: usize, height: usize, out_to_src: &Homography, out_w: usize, out_h: usize) -> (Vec<f32>, Vec<bool>) {
    let mut out = vec![0.0f32; out_w * out_h];
    let mut valid = vec![false; out_w * out_h];
    if width == 0 || height == 0 {
        return (out, valid);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && src.len() == width * height && src.len() < i32::MAX as usize {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { warp_plane_avx2(src, width, height, out_to_src, out_w, out_h, &mut out, &mut valid) };
        return (out, valid);
    }
    warp_plane_generic(src, width, height, out_to_src, out_w, out_h, &mut out, &mut valid);
    (out, valid)
}

#[allow(clippy::too_many_arguments)]
fn warp_plane_generic(src: &[f32], width: usize, height: usize, out_to_src: &Homography, out_w: usize, out_h: usize, out: &mut [f32], valid: &mut [bool]) {
    let (xmax, ymax) = ((width - 1) as f64, (height - 1) as f64);
    // A row's source positions first, then its samples: two short loops
    // keep more pixels in flight than one long one.
    let (mut px, mut py) = (vec![f64::NAN; out_w], vec![f64::NAN; out_w]);
    for v in 0..out_h {
        warp_positions(out_to_src, v, &mut px, &mut py);
        let (out_row, valid_row) = (&mut out[v * out_w..(v + 1) * out_w], &mut valid[v * out_w..(v + 1) * out_w]);
        for u in 0..out_w {
            // The source rows a little further along are fetched ahead: a
            // rotated page walks across rows, which defeats the hardware
            // prefetchers.
            if u % 8 == 0 {
                if let (Some(&fx), Some(&fy)) = (px.get(u + 32), py.get(u + 32)) {
                    if fx >= 0.0 && fy >= 0.0 && fx <= xmax && fy <= ymax {
                        prefetch(src, fy as usize * width + fx as usize);
                        prefetch(src, (fy as usize + 1).min(height - 1) * width + fx as usize);
                    }
                }
            }
            warp_pixel(src, width, height, px[u], py[u], &mut out_row[u], &mut valid_row[u]);
        }
    }
}

/// One output pixel of [`warp_plane`] from its source position.
#[inline(always)]
fn warp_pixel(src: &[f32], width: usize, height: usize, fx: f64, fy: f64, out: &mut f32, valid: &mut bool) {
    let (xmax, ymax) = ((width - 1) as f64, (height - 1) as f64);
    if !(fx >= 0.0 && fy >= 0.0 && fx <= xmax && fy <= ymax) {
        return;
    }
    // In range: through i32 the conversions are exact and cheaper.
    let (xi, yi) = (fx as i32, fy as i32);
    let (ax, ay) = ((fx - xi as f64) as f32, (fy - yi as f64) as f32);
    let i0 = yi as usize * width + xi as usize;
    let dx = usize::from((xi as usize) + 1 < width);
    let i1 = if (yi as usize) + 1 < height { i0 + width } else { i0 };
    let (a, b) = (src[i0], src[i0 + dx]);
    let (c, d) = (src[i1], src[i1 + dx]);
    let top = a + (b - a) * ax;
    let bot = c + (d - c) * ax;
    *out = top + (bot - top) * ay;
    *valid = true;
}

/// The source positions of output row `v` (`Homography::apply` at the
/// pixel centres, less the centre offset; NaN where it has none).
#[inline(always)]
fn warp_positions(out_to_src: &Homography, v: usize, px: &mut [f64], py: &mut [f64]) {
    warp_positions_from(out_to_src, v, 0, px, py);
}

/// [`warp_positions`] of the pixels from column `u0` on.
#[inline(always)]
fn warp_positions_from(out_to_src: &Homography, v: usize, u0: usize, px: &mut [f64], py: &mut [f64]) {
    let h = &out_to_src.0;
    let y = v as f64 + 0.5;
    for (u, (px, py)) in px.iter_mut().zip(py.iter_mut()).enumerate() {
        let x = (u0 + u) as f64 + 0.5;
        let w = h[6] * x + h[7] * y + h[8];
        let none = w.abs() < 1e-12;
        let (sx, sy) = ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w);
        (*px, *py) = if none { (f64::NAN, f64::NAN) } else { (sx - 0.5, sy - 0.5) };
    }
}

/// [`warp_positions`] four pixels at a time: the same operations in the
/// same order lane by lane (no FMA; IEEE division), so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn warp_positions_avx2(out_to_src: &Homography, v: usize, px: &mut [f64], py: &mut [f64]) {
    use std::arch::x86_64::*;
    let h = &out_to_src.0;
    let n = px.len().min(py.len());
    let quads = n - n % 4;
    let c = |k: usize| _mm256_set1_pd(h[k]);
    let y = _mm256_set1_pd(v as f64 + 0.5);
    // The row's terms in y, as the scalar code forms them (x term first).
    let (y0, y1, y2) = (_mm256_mul_pd(c(1), y), _mm256_mul_pd(c(4), y), _mm256_mul_pd(c(7), y));
    let (half, tiny, nan, sign) = (_mm256_set1_pd(0.5), _mm256_set1_pd(1e-12), _mm256_set1_pd(f64::NAN), _mm256_set1_pd(-0.0));
    for u in (0..quads).step_by(4) {
        // u + 0.5 ..= u + 3.5, exact in f64.
        let x = _mm256_add_pd(_mm256_setr_pd(u as f64, (u + 1) as f64, (u + 2) as f64, (u + 3) as f64), half);
        let w = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c(6), x), y2), c(8));
        let none = _mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_andnot_pd(sign, w), tiny);
        let sx = _mm256_div_pd(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c(0), x), y0), c(2)), w);
        let sy = _mm256_div_pd(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(c(3), x), y1), c(5)), w);
        let (fx, fy) = (_mm256_blendv_pd(_mm256_sub_pd(sx, half), nan, none), _mm256_blendv_pd(_mm256_sub_pd(sy, half), nan, none));
        // SAFETY: u + 4 <= n, the length of both slices.
        unsafe {
            _mm256_storeu_pd(px.as_mut_ptr().add(u), fx);
            _mm256_storeu_pd(py.as_mut_ptr().add(u), fy);
        }
    }
    if quads < n {
        // The scalar code's x runs from 0: the tail at its own offsets.
        let (mut tx, mut ty) = ([0.0f64; 3], [0.0f64; 3]);
        let k = n - quads;
        warp_positions_from(out_to_src, v, quads, &mut tx[..k], &mut ty[..k]);
        px[quads..n].copy_from_slice(&tx[..k]);
        py[quads..n].copy_from_slice(&ty[..k]);
    }
}

/// [`warp_plane`] with AVX2, four output pixels at a time: the same
/// operations lane by lane (no FMA), so the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn warp_plane_avx2(src: &[f32], width: usize, height: usize, out_to_src: &Homography, out_w: usize, out_h: usize, out: &mut [f32], valid: &mut [bool]) {
    use std::arch::x86_64::*;
    let (mut px, mut py) = (vec![f64::NAN; out_w], vec![f64::NAN; out_w]);
    let (xmax, ymax) = (_mm256_set1_pd((width - 1) as f64), _mm256_set1_pd((height - 1) as f64));
    let (wv, w1, h1) = (_mm_set1_epi32(width as i32), _mm_set1_epi32(width as i32 - 1), _mm_set1_epi32(height as i32 - 1));
    let one = _mm_set1_epi32(1);
    for v in 0..out_h {
        warp_positions_avx2(out_to_src, v, &mut px, &mut py);
        let (out_row, valid_row) = (&mut out[v * out_w..(v + 1) * out_w], &mut valid[v * out_w..(v + 1) * out_w]);
        let quads = out_w - out_w % 4;
        for u in quads..out_w {
            warp_pixel(src, width, height, px[u], py[u], &mut out_row[u], &mut valid_row[u]);
        }
        for u in (0..quads).step_by(4) {
            if let (Some(&fx), Some(&fy)) = (px.get(u + 32), py.get(u + 32)) {
                if u % 8 == 0 && fx >= 0.0 && fy >= 0.0 && fx <= (width - 1) as f64 && fy <= (height - 1) as f64 {
                    prefetch(src, fy as usize * width + fx as usize);
                    prefetch(src, (fy as usize + 1).min(height - 1) * width + fx as usize);
                }
            }
            // SAFETY: u + 4 <= out_w.
            let (fx, fy) = unsafe { (_mm256_loadu_pd(px.as_ptr().add(u)), _mm256_loadu_pd(py.as_ptr().add(u))) };
            let zero = _mm256_setzero_pd();
            let ok = _mm256_and_pd(
                _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(fx, zero), _mm256_cmp_pd::<_CMP_GE_OQ>(fy, zero)),
                _mm256_and_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(fx, xmax), _mm256_cmp_pd::<_CMP_LE_OQ>(fy, ymax)),
            );
            let mask = _mm256_movemask_pd(ok);
            if mask == 0 {
                continue;
            }
            // Outside lanes read pixel 0 and are not stored.
            let (fx, fy) = (_mm256_and_pd(fx, ok), _mm256_and_pd(fy, ok));
            let (xi, yi) = (_mm256_cvttpd_epi32(fx), _mm256_cvttpd_epi32(fy));
            let ax = _mm256_cvtpd_ps(_mm256_sub_pd(fx, _mm256_cvtepi32_pd(xi)));
            let ay = _mm256_cvtpd_ps(_mm256_sub_pd(fy, _mm256_cvtepi32_pd(yi)));
            let i0 = _mm_add_epi32(_mm_mullo_epi32(yi, wv), xi);
            // One column right unless at the last, one row down unless at the last.
            let dx = _mm_and_si128(_mm_cmplt_epi32(xi, w1), one);
            let i1 = _mm_add_epi32(i0, _mm_and_si128(_mm_cmplt_epi32(yi, h1), wv));
            // The four lanes usually fall in one row, a few pixels apart:
            // their corners are then picked out of eight floats read from
            // each of the two rows instead of gathered.
            let mut lanes = [0i32; 4];
            // SAFETY: `lanes` holds four i32.
            unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), i0) };
            let first = lanes[0];
            let near = mask == 0xF && lanes.iter().all(|&i| (0..=6).contains(&(i - first))) && _mm_cvtsi128_si32(xi) as usize + 8 <= width;
            let (a, b, c, d) = if near {
                let rel = _mm256_castsi128_si256(_mm_sub_epi32(i0, _mm_set1_epi32(first)));
                let next = _mm256_add_epi32(rel, _mm256_set1_epi32(1));
                let below = _mm_extract_epi32::<0>(_mm_sub_epi32(i1, i0)) as usize;
                // SAFETY: the row holds eight floats from `first` on (checked
                // above), and `first + below` is the same column of the row
                // below, or of the same row at the last.
                let (top_row, bottom_row) = unsafe { (_mm256_loadu_ps(src.as_ptr().add(first as usize)), _mm256_loadu_ps(src.as_ptr().add(first as usize + below))) };
                let pick = |row: __m256, idx: __m256i| _mm256_castps256_ps128(_mm256_permutevar8x32_ps(row, idx));
                (pick(top_row, rel), pick(top_row, next), pick(bottom_row, rel), pick(bottom_row, next))
            } else {
                // SAFETY: every index is inside `src`: lanes inside the plane
                // address their pixel and its right and lower neighbours
                // (clamped), the others pixel 0.
                unsafe {
                    let p = src.as_ptr();
                    (
                        _mm_i32gather_ps::<4>(p, i0),
                        _mm_i32gather_ps::<4>(p, _mm_add_epi32(i0, dx)),
                        _mm_i32gather_ps::<4>(p, i1),
                        _mm_i32gather_ps::<4>(p, _mm_add_epi32(i1, dx)),
                    )
                }
            };
            let top = _mm_add_ps(a, _mm_mul_ps(_mm_sub_ps(b, a), ax));
            let bot = _mm_add_ps(c, _mm_mul_ps(_mm_sub_ps(d, c), ax));
            let mut vals = [0.0f32; 4];
            // SAFETY: `vals` holds four f32.
            unsafe { _mm_storeu_ps(vals.as_mut_ptr(), _mm_add_ps(top, _mm_mul_ps(_mm_sub_ps(bot, top), ay))) };
            for l in 0..4 {
                if mask & (1 << l) != 0 {
                    out_row[u + l] = vals[l];
                    valid_row[u + l] = true;
                }
            }
        }
    }
}

/// Asks for `v[i]` to be brought into cache (no effect on results).
#[inline(always)]
fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(p) = v.get(i) {
        // SAFETY: a prefetch only hints the cache; the address is valid anyway.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((p as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (v, i);
}

/// Bounding boxes (x0, y0, x1, y1, area) of 4-connected regions.
pub fn components(mask: &[bool], w: usize, h: usize) -> Vec<(usize, usize, usize, usize, usize)> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1, mut area) = (w, h, 0, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x + 1);
            y1 = y1.max(y + 1);
            area += 1;
            let mut push = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        out.push((x0, y0, x1, y1, area));
    }
    out
}

/// Separable box blur of a single-channel plane with radius `r` (window
/// 2r+1), edges clamped.
pub fn box_blur(src: &[f32], width: usize, height: usize, r: usize) -> Vec<f32> {
    if r == 0 || width == 0 || height == 0 || src.len() != width * height {
        return src.to_vec();
    }
    // Written row by row, without zeroing the plane first.
    let mut out: Vec<f32> = Vec::with_capacity(width * height);
    let spare = &mut out.spare_capacity_mut()[..width * height];
    box_blur_rows::<1>(
        width,
        height,
        r,
        |y, rows, at, _| rows[at..at + width].copy_from_slice(&src[y * width..(y + 1) * width]),
        |y, means| {
            for (o, m) in spare[y * width..(y + 1) * width].iter_mut().zip(means) {
                o.write(*m);
            }
        },
    );
    // SAFETY: every row of the plane was written above.
    unsafe { out.set_len(width * height) };
    out
}

/// [`box_blur`] of `C` planes at once, produced and consumed row by row, so
/// that no plane is held whole: `fill(y, rows, at, stride)` writes row `y` of
/// plane `c` at `rows[at + c * stride..]`; `emit(y, means)` takes row `y` of
/// every blurred plane (plane `c` at `means[c * width..]`). Each plane gets
/// the same bits as [`box_blur`] gives it alone. `r` must be at least 1.
pub fn box_blur_rows<const C: usize>(width: usize, height: usize, r: usize, fill: impl FnMut(usize, &mut [f32], usize, usize), emit: impl FnMut(usize, &[f32])) {
    if r == 0 || width == 0 || height == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { box_blur_rows_avx2::<C>(width, height, r, fill, emit) };
        return;
    }
    box_blur_rows_impl::<C>(width, height, r, fill, emit, false);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn box_blur_rows_avx2<const C: usize>(width: usize, height: usize, r: usize, fill: impl FnMut(usize, &mut [f32], usize, usize), emit: impl FnMut(usize, &[f32])) {
    box_blur_rows_impl::<C>(width, height, r, fill, emit, true);
}

/// The row sums are produced eight rows at a time into a ring of rows that
/// the column sums consume while it is still in cache; with `avx2` the eight
/// rows' running sums share the lanes of one register (transposed in and
/// out), otherwise they are interleaved. Every sum takes
/// [`box_blur_generic`]'s additions in its order, without FMA: the same bits.
#[inline(always)]
fn box_blur_rows_impl<const C: usize>(
    width: usize,
    height: usize,
    r: usize,
    mut fill: impl FnMut(usize, &mut [f32], usize, usize),
    mut emit: impl FnMut(usize, &[f32]),
    avx2: bool,
) {
    let n = (2 * r + 1) as f32;
    // Rows y - r ..= y + r + 1 are read at output row y, and up to seven more
    // produced ahead.
    let cap = 2 * r + 10;
    // Plane c's ring at ring[c * cap * width..], its strip of eight source
    // rows at strip[c * 8 * width..].
    let mut ring = vec![0.0f32; C * cap * width];
    let mut strip = vec![0.0f32; C * 8 * width];
    let mut sums8 = vec![0.0f32; 8 * width];
    let slot = |row: usize| (row % cap) * width;
    #[cfg(target_arch = "x86_64")]
    let mut scratch = if avx2 {
        use std::arch::x86_64::_mm256_setzero_ps;
        // SAFETY: only reached with `avx2` set, on a CPU that has it.
        unsafe { (vec![_mm256_setzero_ps(); width], vec![_mm256_setzero_ps(); width]) }
    } else {
        (Vec::new(), Vec::new())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = avx2;
    let mut produced = 0;
    let mut produce_until = |row: usize, ring: &mut [f32]| {
        while produced <= row {
            if produced + 8 <= height {
                for j in 0..8 {
                    fill(produced + j, &mut strip, j * width, 8 * width);
                }
                let slots: [usize; 8] = std::array::from_fn(|j| slot(produced + j));
                for (rows, plane) in strip.chunks_exact(8 * width).zip(ring.chunks_exact_mut(cap * width)) {
                    #[cfg(target_arch = "x86_64")]
                    if avx2 {
                        // SAFETY: only reached with `avx2` set, on a CPU that has it.
                        unsafe { row_sums8(rows, plane, slots, width, r, n, &mut scratch) };
                        continue;
                    }
                    running_sums::<8>(rows, &mut sums8, width, r, n);
                    for (j, &o) in slots.iter().enumerate() {
                        plane[o..o + width].copy_from_slice(&sums8[j * width..(j + 1) * width]);
                    }
                }
                produced += 8;
            } else {
                fill(produced, &mut strip, 0, 8 * width);
                let o = slot(produced);
                for (rows, plane) in strip.chunks_exact(8 * width).zip(ring.chunks_exact_mut(cap * width)) {
                    running_sums::<1>(&rows[..width], &mut plane[o..o + width], width, r, n);
                }
                produced += 1;
            }
        }
    };
    let clamped = |y: isize| y.clamp(0, height as isize - 1) as usize;
    produce_until(clamped(r as isize), &mut ring);
    let mut s = vec![0.0f32; C * width];
    for i in -(r as isize)..=r as isize {
        let o = slot(clamped(i));
        for (s, plane) in s.chunks_exact_mut(width).zip(ring.chunks_exact(cap * width)) {
            for (a, b) in s.iter_mut().zip(&plane[o..o + width]) {
                *a += b;
            }
        }
    }
    let inv = 1.0 / n;
    let mut means = vec![0.0f32; C * width];
    for y in 0..height {
        for (m, a) in means.iter_mut().zip(&s) {
            *m = a * inv;
        }
        emit(y, &means);
        let (add, sub) = (clamped(y as isize + r as isize + 1), clamped(y as isize - r as isize));
        produce_until(add, &mut ring);
        let (ao, so) = (slot(add), slot(sub));
        for (s, plane) in s.chunks_exact_mut(width).zip(ring.chunks_exact(cap * width)) {
            for ((a, p), m) in s.iter_mut().zip(&plane[ao..ao + width]).zip(&plane[so..so + width]) {
                *a += p - m;
            }
        }
    }
}

#[cfg(test)]
fn box_blur_generic(src: &[f32], width: usize, height: usize, r: usize) -> Vec<f32> {
    let mut tmp = vec![0.0f32; src.len()];
    let n = (2 * r + 1) as f32;
    // Each row's running sum is a chain of dependent additions: rows are
    // summed eight at a time, interleaved, so the chains overlap.
    for (rows, out) in src.chunks_exact(8 * width).zip(tmp.chunks_exact_mut(8 * width)) {
        running_sums::<8>(rows, out, width, r, n);
    }
    let done = src.len() - src.len() % (8 * width);
    for (row, out) in src[done..].chunks_exact(width).zip(tmp[done..].chunks_exact_mut(width)) {
        running_sums::<1>(row, out, width, r, n);
    }
    vertical_sums(&tmp, width, height, r, n)
}

/// `running_sums::<8>` of the eight `rows`, row j written at `out[slots[j]..]`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::type_complexity)]
fn row_sums8(rows: &[f32], out: &mut [f32], slots: [usize; 8], width: usize, r: usize, n: f32, scratch: &mut (Vec<std::arch::x86_64::__m256>, Vec<std::arch::x86_64::__m256>)) {
    use std::arch::x86_64::*;
    let clamped = |i: isize| i.clamp(0, width as isize - 1) as usize;
    let (cols, sums) = scratch;
    // cols[x]: the eight rows' values at x.
    let mut x = 0;
    while x + 8 <= width {
        let block = transpose8(std::array::from_fn(|j| load8(&rows[j * width + x..])));
        cols[x..x + 8].copy_from_slice(&block);
        x += 8;
    }
    for (x, c) in cols.iter_mut().enumerate().skip(x) {
        *c = _mm256_setr_ps(rows[x], rows[width + x], rows[2 * width + x], rows[3 * width + x], rows[4 * width + x], rows[5 * width + x], rows[6 * width + x], rows[7 * width + x]);
    }
    // Each row's first window summed as `running_sums` sums it.
    let first: [f32; 8] = std::array::from_fn(|j| {
        let row = &rows[j * width..(j + 1) * width];
        (0..=2 * r).map(|i| row[clamped(i as isize - r as isize)]).sum()
    });
    let mut s = load8(&first);
    let nv = _mm256_set1_ps(n);
    for (x, o) in sums.iter_mut().enumerate() {
        let (out_i, in_i) = (clamped(x as isize - r as isize), (x + r + 1).min(width - 1));
        *o = _mm256_div_ps(s, nv);
        s = _mm256_add_ps(s, _mm256_sub_ps(cols[in_i], cols[out_i]));
    }
    let mut x = 0;
    while x + 8 <= width {
        let block = transpose8(std::array::from_fn(|k| sums[x + k]));
        for (j, v) in block.iter().enumerate() {
            let dst = &mut out[slots[j] + x..slots[j] + x + 8];
            // SAFETY: `dst` holds eight f32.
            unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), *v) };
        }
        x += 8;
    }
    for (x, v) in sums.iter().enumerate().skip(x) {
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds eight f32.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *v) };
        for (j, &l) in lanes.iter().enumerate() {
            out[slots[j] + x] = l;
        }
    }
}

/// Eight floats from the start of `v`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn load8(v: &[f32]) -> std::arch::x86_64::__m256 {
    assert!(v.len() >= 8);
    // SAFETY: `v` holds at least eight f32 (checked).
    unsafe { std::arch::x86_64::_mm256_loadu_ps(v.as_ptr()) }
}

/// Transposes an 8×8 block of floats (rows in, columns out).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose8(r: [std::arch::x86_64::__m256; 8]) -> [std::arch::x86_64::__m256; 8] {
    use std::arch::x86_64::*;
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(u0, u4),
        _mm256_permute2f128_ps::<0x20>(u1, u5),
        _mm256_permute2f128_ps::<0x20>(u2, u6),
        _mm256_permute2f128_ps::<0x20>(u3, u7),
        _mm256_permute2f128_ps::<0x31>(u0, u4),
        _mm256_permute2f128_ps::<0x31>(u1, u5),
        _mm256_permute2f128_ps::<0x31>(u2, u6),
        _mm256_permute2f128_ps::<0x31>(u3, u7),
    ]
}

/// The vertical pass of [`box_blur_generic`] over the row sums `tmp`: a
/// running sum per column, row by row.
#[cfg(test)]
fn vertical_sums(tmp: &[f32], width: usize, height: usize, r: usize, n: f32) -> Vec<f32> {
    let mut out = vec![0.0f32; tmp.len()];
    let row = |y: isize| {
        let y = y.clamp(0, height as isize - 1) as usize;
        &tmp[y * width..(y + 1) * width]
    };
    let mut s = vec![0.0f32; width];
    for i in -(r as isize)..=r as isize {
        for (a, b) in s.iter_mut().zip(row(i)) {
            *a += b;
        }
    }
    let inv = 1.0 / n;
    for y in 0..height {
        for (o, a) in out[y * width..(y + 1) * width].iter_mut().zip(&s) {
            *o = a * inv;
        }
        let (add, sub) = (row(y as isize + r as isize + 1), row(y as isize - r as isize));
        for ((a, p), m) in s.iter_mut().zip(add).zip(sub) {
            *a += p - m;
        }
    }
    out
}

/// The horizontal box sums of `K` rows (`out` = window sum / `n`), edges
/// clamped.
#[inline(always)]
fn running_sums<const K: usize>(rows: &[f32], out: &mut [f32], width: usize, r: usize, n: f32) {
    let clamped = |i: isize| i.clamp(0, width as isize - 1) as usize;
    let mut s = [0.0f32; K];
    for (j, s) in s.iter_mut().enumerate() {
        let row = &rows[j * width..(j + 1) * width];
        *s = (0..=2 * r).map(|i| row[clamped(i as isize - r as isize)]).sum();
    }
    for x in 0..width {
        let (out_i, in_i) = (clamped(x as isize - r as isize), (x + r + 1).min(width - 1));
        for (j, s) in s.iter_mut().enumerate() {
            out[j * width + x] = *s / n;
            *s += rows[j * width + in_i] - rows[j * width + out_i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscale_averages_blocks() {
        let mut img = RgbImage::new(4, 2);
        img.put_pixel(0, 0, image::Rgb([100, 0, 0]));
        img.put_pixel(1, 1, image::Rgb([100, 0, 0]));
        let p = Planes::from_image_downscaled(&DynamicImage::ImageRgb8(img), 2);
        assert_eq!((p.width, p.height), (2, 1));
        assert_eq!(p.data[0][0], 50.0);
        assert_eq!(p.data[1][0], 0.0);
    }

    #[test]
    fn bilinear_sample_interpolates_and_rejects_outside() {
        let mut p = Planes::new(2, 1);
        p.data[1] = [10.0, 10.0, 10.0];
        assert_eq!(p.sample(1.0, 0.5).unwrap()[0], 5.0);
        assert!(p.sample(-1.0, 0.5).is_none());
    }

    fn has_avx2() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    #[test]
    fn box_blur_is_the_clamped_window_mean() {
        let (w, h, r) = (11usize, 13usize, 3usize);
        let v: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 101) as f32).collect();
        let b = box_blur(&v, w, h, r);
        let at = |x: isize, y: isize| v[y.clamp(0, h as isize - 1) as usize * w + x.clamp(0, w as isize - 1) as usize];
        for y in 0..h as isize {
            for x in 0..w as isize {
                let sum: f32 = (-3..=3).flat_map(|dy| (-3..=3).map(move |dx| (dx, dy))).map(|(dx, dy)| at(x + dx, y + dy)).sum();
                assert!((b[y as usize * w + x as usize] - sum / 49.0).abs() < 1e-3, "({x}, {y})");
            }
        }
    }

    #[test]
    fn vectorised_and_streamed_box_blurs_match_the_generic_one_bit_for_bit() {
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (w, h) in [(37usize, 29usize), (8, 8), (5, 19), (64, 3), (17, 16), (23, 100), (40, 67)] {
            let v: Vec<f32> = (0..w * h).map(|i| ((i * 7919) % 257) as f32 * 0.37 + (i % 13) as f32 * 1e-3).collect();
            for r in [1usize, 2, 3, 7, 12, 40] {
                let want = bits(&box_blur_generic(&v, w, h, r));
                assert_eq!(bits(&box_blur(&v, w, h, r)), want, "{w}×{h}, r {r}");
                // Three planes at once, through the scalar row sums too: the
                // middle plane is `v`.
                for avx2 in [false, has_avx2()] {
                    let mut got = vec![0.0f32; w * h];
                    box_blur_rows_impl::<3>(
                        w,
                        h,
                        r,
                        |y, rows, at, stride| {
                            let row = &v[y * w..(y + 1) * w];
                            for (c, k) in [(0, -1.0f32), (1, 1.0), (2, 3.5)] {
                                let dst = &mut rows[at + c * stride..at + c * stride + w];
                                if c == 1 { dst.copy_from_slice(row) } else { dst.iter_mut().zip(row).for_each(|(d, x)| *d = x * k) }
                            }
                        },
                        |y, means| got[y * w..(y + 1) * w].copy_from_slice(&means[w..2 * w]),
                        avx2,
                    );
                    assert_eq!(bits(&got), want, "{w}×{h}, r {r}, avx2 {avx2}");
                }
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn vectorised_warp_positions_match_the_scalar_ones_bit_for_bit() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let maps = [
            Homography::from_affine(0.9, 0.2, -3.0, -0.15, 1.1, 2.0),
            Homography([0.9, 0.2, -3.0, -0.15, 1.1, 2.0, 0.004, -0.003, 1.0]),
            Homography([0.1, 0.0, 1.0, 0.0, 0.3, 1.0, 0.25, 0.0, -4.0]),
            Homography([0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
        ];
        for m in maps {
            for n in [1usize, 4, 7, 33] {
                for v in [0usize, 5, 31] {
                    let (mut a, mut b) = (vec![0.0f64; n], vec![0.0f64; n]);
                    let (mut c, mut d) = (vec![1.0f64; n], vec![1.0f64; n]);
                    warp_positions(&m, v, &mut a, &mut b);
                    // SAFETY: the CPU supports AVX2 (checked above).
                    unsafe { warp_positions_avx2(&m, v, &mut c, &mut d) };
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!((bits(&a), bits(&b)), (bits(&c), bits(&d)), "{m:?} n {n} v {v}");
                }
            }
        }
    }

    #[test]
    fn vectorised_luma_matches_the_scalar_one_bit_for_bit() {
        for (w, h) in [(1u32, 1u32), (7, 3), (13, 11), (64, 5)] {
            let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 37 + y * 11) as u8, (x * 101 + y * 7 + 3) as u8, 255 - (x * y) as u8]));
            let scalar: Vec<u32> = img.as_raw().chunks_exact(3).map(|p| luma_of(p).to_bits()).collect();
            assert_eq!(luma_rgb8(&img).iter().map(|v| v.to_bits()).collect::<Vec<_>>(), scalar, "{w}×{h}");
        }
    }

    #[test]
    fn vectorised_warp_matches_the_generic_one_bit_for_bit() {
        let (w, h) = (53usize, 41usize);
        let src: Vec<f32> = (0..w * h).map(|i| ((i * 7919) % 257) as f32 * 0.37 + 0.01).collect();
        let maps = [
            Homography::from_affine(0.9, 0.2, -3.0, -0.15, 1.1, 2.0),
            Homography([0.9, 0.2, -3.0, -0.15, 1.1, 2.0, 0.004, -0.003, 1.0]),
            Homography([0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]),
        ];
        for m in maps {
            for (ow, oh) in [(58usize, 47usize), (61, 3), (3, 5)] {
                let (mut o1, mut v1) = (vec![0.0f32; ow * oh], vec![false; ow * oh]);
                warp_plane_generic(&src, w, h, &m, ow, oh, &mut o1, &mut v1);
                let (o2, v2) = warp_plane(&src, w, h, &m, ow, oh);
                assert_eq!(v1, v2, "{m:?} {ow}×{oh}");
                assert_eq!(o1.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), o2.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "{m:?} {ow}×{oh}");
            }
        }
    }

    #[test]
    fn gray_is_the_image_crates_luma_for_every_colour() {
        let all = RgbImage::from_fn(4096, 4096, |x, y| {
            let i = y * 4096 + x;
            image::Rgb([(i >> 16) as u8, (i >> 8) as u8, i as u8])
        });
        let img = DynamicImage::ImageRgb8(all);
        let luma = img.to_luma8();
        assert!(gray(&img) == luma);
        // The scalar path too, which `gray` skips on AVX2 machines.
        assert!(gray_srgb(img.as_rgb8().unwrap()) == luma);
    }

    #[test]
    fn box_blur_preserves_constant() {
        let v = vec![3.0f32; 50];
        let b = box_blur(&v, 10, 5, 2);
        assert!(b.iter().all(|&x| (x - 3.0).abs() < 1e-5));
    }
}
