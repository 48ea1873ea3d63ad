//! Small raster utilities shared by registration and the zone checks:
//! float colour planes, integer box downscaling, bilinear sampling and
//! perspective warping.

use crate::geometry::Homography;
use image::{DynamicImage, RgbImage};

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

/// Luminance (Rec. 601 weights) of 8-bit pixels: [`Planes::luma`] of their
/// [`Planes::from_rgb_image`].
pub fn luma_rgb8(img: &RgbImage) -> Vec<f32> {
    img.as_raw().chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect()
}

/// Warps a single-channel plane like [`Planes::warp`] (bilinear; the mask is
/// false where the source was outside the plane).
pub fn warp_plane(src: &[f32], width: usize, height: usize, out_to_src: &Homography, out_w: usize, out_h: usize) -> (Vec<f32>, Vec<bool>) {
    let mut out = vec![0.0f32; out_w * out_h];
    let mut valid = vec![false; out_w * out_h];
    if width == 0 || height == 0 {
        return (out, valid);
    }
    let (xmax, ymax) = ((width - 1) as f64, (height - 1) as f64);
    let h = &out_to_src.0;
    // A row's source positions first (`Homography::apply` less the pixel
    // centre offset, NaN where it has none), then its samples: two short
    // loops keep more pixels in flight than one long one, and the first
    // vectorises.
    let (mut px, mut py) = (vec![f64::NAN; out_w], vec![f64::NAN; out_w]);
    for v in 0..out_h {
        let y = v as f64 + 0.5;
        for (u, (px, py)) in px.iter_mut().zip(py.iter_mut()).enumerate() {
            let x = u as f64 + 0.5;
            let w = h[6] * x + h[7] * y + h[8];
            let none = w.abs() < 1e-12;
            let (sx, sy) = ((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w);
            (*px, *py) = if none { (f64::NAN, f64::NAN) } else { (sx - 0.5, sy - 0.5) };
        }
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
            let (fx, fy) = (px[u], py[u]);
            if !(fx >= 0.0 && fy >= 0.0 && fx <= xmax && fy <= ymax) {
                continue;
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
            out_row[u] = top + (bot - top) * ay;
            valid_row[u] = true;
        }
    }
    (out, valid)
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

/// Separable box blur of a single-channel plane with radius `r` (window
/// 2r+1), edges clamped.
pub fn box_blur(src: &[f32], width: usize, height: usize, r: usize) -> Vec<f32> {
    if r == 0 || width == 0 || height == 0 {
        return src.to_vec();
    }
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
    // Vertical pass row by row: a running sum per column, so memory is read
    // in order.
    let mut out = vec![0.0f32; src.len()];
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
    fn box_blur_preserves_constant() {
        let v = vec![3.0f32; 50];
        let b = box_blur(&v, 10, 5, 2);
        assert!(b.iter().all(|&x| (x - 3.0).abs() < 1e-5));
    }
}
