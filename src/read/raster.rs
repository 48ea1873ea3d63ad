//! Pixel operations the reader needs: the working-resolution image, adaptive
//! binarisation and bilinear sampling. Coordinates are continuous: pixel
//! `(i, j)` covers `[i, i+1) × [j, j+1)`, so its centre is `(i+0.5, j+0.5)`.

use image::GrayImage;

/// How the working image relates to the input: `work = input × scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resample {
    /// Box-average `k × k` blocks (scale `1/k`).
    Down(u32),
    /// Bilinear upsampling by 2 (scale 2).
    Up2,
}

impl Resample {
    /// Input pixels per working pixel.
    pub fn input_per_work(self) -> f64 {
        match self {
            Resample::Down(k) => k as f64,
            Resample::Up2 => 0.5,
        }
    }
}

/// The image at working resolution.
pub fn resample(img: &GrayImage, r: Resample) -> GrayImage {
    match r {
        Resample::Down(k) if k > 1 => downscale_box(img, k),
        Resample::Down(_) => img.clone(),
        Resample::Up2 => upscale2(img),
    }
}

fn downscale_box(img: &GrayImage, k: u32) -> GrayImage {
    let (w, h) = (img.width() / k, img.height() / k);
    let mut out = GrayImage::new(w.max(1), h.max(1));
    if w == 0 || h == 0 {
        return out;
    }
    let src = img.as_raw();
    let sw = img.width() as usize;
    let ku = k as usize;
    let mut acc = vec![0u32; w as usize];
    let norm = (k * k) as u32;
    let dst = out.as_mut();
    for oy in 0..h as usize {
        acc.iter_mut().for_each(|a| *a = 0);
        for dy in 0..ku {
            let row = &src[(oy * ku + dy) * sw..(oy * ku + dy) * sw + w as usize * ku];
            for (ox, a) in acc.iter_mut().enumerate() {
                *a += row[ox * ku..ox * ku + ku].iter().map(|&v| v as u32).sum::<u32>();
            }
        }
        for (ox, a) in acc.iter().enumerate() {
            dst[oy * w as usize + ox] = ((a + norm / 2) / norm) as u8;
        }
    }
    out
}

fn upscale2(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() * 2, img.height() * 2);
    let mut out = GrayImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            // Output pixel centre in input continuous coordinates.
            let v = bilinear(img, (x as f32 + 0.5) / 2.0, (y as f32 + 0.5) / 2.0);
            out.put_pixel(x, y, image::Luma([v.round().clamp(0.0, 255.0) as u8]));
        }
    }
    out
}

/// Bilinear sample at continuous coordinates, clamping at the border.
#[inline]
pub fn bilinear(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = (img.width() as i32, img.height() as i32);
    if w == 0 || h == 0 {
        return 0.0;
    }
    let fx = x - 0.5;
    let fy = y - 0.5;
    let x0 = fx.floor();
    let y0 = fy.floor();
    let (ax, ay) = (fx - x0, fy - y0);
    let (x0, y0) = (x0 as i32, y0 as i32);
    let cx = |v: i32| v.clamp(0, w - 1) as usize;
    let cy = |v: i32| v.clamp(0, h - 1) as usize;
    let raw = img.as_raw();
    let wu = w as usize;
    let p00 = raw[cy(y0) * wu + cx(x0)] as f32;
    let p10 = raw[cy(y0) * wu + cx(x0 + 1)] as f32;
    let p01 = raw[cy(y0 + 1) * wu + cx(x0)] as f32;
    let p11 = raw[cy(y0 + 1) * wu + cx(x0 + 1)] as f32;
    let top = p00 + (p10 - p00) * ax;
    let bot = p01 + (p11 - p01) * ax;
    top + (bot - top) * ay
}

/// Ink mask by a Sauvola-style local threshold: a pixel is ink when it is
/// darker than `mean · (1 + k · (sd / 128 − 1))` over a `(2r+1)²` window and
/// at least `min_contrast` grey levels below the mean. Returns one byte per
/// pixel (1 = ink).
pub fn binarize(img: &GrayImage, r: u32, k: f32, min_contrast: f32) -> Vec<u8> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut out = vec![0u8; w * h];
    if w == 0 || h == 0 {
        return out;
    }
    // Integral images of values and squares, (w+1)×(h+1).
    let iw = w + 1;
    let mut s1 = vec![0u64; iw * (h + 1)];
    let mut s2 = vec![0u64; iw * (h + 1)];
    let raw = img.as_raw();
    for y in 0..h {
        let (mut r1, mut r2) = (0u64, 0u64);
        for x in 0..w {
            let v = raw[y * w + x] as u64;
            r1 += v;
            r2 += v * v;
            s1[(y + 1) * iw + x + 1] = s1[y * iw + x + 1] + r1;
            s2[(y + 1) * iw + x + 1] = s2[y * iw + x + 1] + r2;
        }
    }
    let r = r as usize;
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let n = ((y1 - y0) * (x1 - x0)) as f32;
            let a = s1[y1 * iw + x1] + s1[y0 * iw + x0] - s1[y0 * iw + x1] - s1[y1 * iw + x0];
            let b = s2[y1 * iw + x1] + s2[y0 * iw + x0] - s2[y0 * iw + x1] - s2[y1 * iw + x0];
            let mean = a as f32 / n;
            let var = (b as f32 / n - mean * mean).max(0.0);
            let t = mean * (1.0 + k * (var.sqrt() / 128.0 - 1.0));
            let v = raw[y * w + x] as f32;
            out[y * w + x] = (v < t && v < mean - min_contrast) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn box_downscale_averages_blocks() {
        let img = GrayImage::from_fn(4, 4, |x, _| Luma([if x < 2 { 0 } else { 200 }]));
        let d = resample(&img, Resample::Down(2));
        assert_eq!(d.dimensions(), (2, 2));
        assert_eq!(d.get_pixel(0, 0)[0], 0);
        assert_eq!(d.get_pixel(1, 1)[0], 200);
    }

    #[test]
    fn bilinear_interpolates_between_centres() {
        let img = GrayImage::from_fn(2, 1, |x, _| Luma([if x == 0 { 0 } else { 100 }]));
        assert_eq!(bilinear(&img, 0.5, 0.5), 0.0);
        assert_eq!(bilinear(&img, 1.0, 0.5), 50.0);
        assert_eq!(bilinear(&img, 7.0, -3.0), 100.0);
    }

    #[test]
    fn binarize_finds_dark_strokes_under_a_light_gradient() {
        // A dark bar on a background brightening from left to right.
        let img = GrayImage::from_fn(60, 20, |x, y| {
            let bg = 120 + 2 * x as u8;
            Luma([if (8..12).contains(&y) && x > 5 { bg - 80 } else { bg }])
        });
        let m = binarize(&img, 7, 0.2, 8.0);
        assert_eq!(m[10 * 60 + 30], 1);
        assert_eq!(m[2 * 60 + 30], 0);
        assert_eq!(m[17 * 60 + 50], 0);
    }
}
