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
    if k == 2 {
        // The common case, without the generic inner loops.
        let src = img.as_raw();
        let sw = img.width() as usize;
        let dst = out.as_mut();
        for oy in 0..h as usize {
            let (r0, r1) = (&src[2 * oy * sw..], &src[(2 * oy + 1) * sw..]);
            for ox in 0..w as usize {
                let s = r0[2 * ox] as u32 + r0[2 * ox + 1] as u32 + r1[2 * ox] as u32 + r1[2 * ox + 1] as u32;
                dst[oy * w as usize + ox] = ((s + 2) / 4) as u8;
            }
        }
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
    let r = r as usize;
    let raw = img.as_raw();
    // Column sums of values and squares over the window's rows, updated as
    // the window slides down; a window has at most (2r+1)² ≤ 2^16 pixels of
    // at most 255² each, so u32 cannot overflow for r ≤ 127.
    let r = r.min(127);
    let mut c1 = vec![0u32; w];
    let mut c2 = vec![0u32; w];
    let add_row = |c1: &mut [u32], c2: &mut [u32], y: usize, sign: bool| {
        let row = &raw[y * w..(y + 1) * w];
        for x in 0..w {
            let v = row[x] as u32;
            if sign {
                c1[x] += v;
                c2[x] += v * v;
            } else {
                c1[x] -= v;
                c2[x] -= v * v;
            }
        }
    };
    for y in 0..r.min(h) {
        add_row(&mut c1, &mut c2, y, true);
    }
    for y in 0..h {
        if y + r < h {
            add_row(&mut c1, &mut c2, y + r, true);
        }
        if y > r {
            add_row(&mut c1, &mut c2, y - r - 1, false);
        }
        let rows = ((y + r + 1).min(h) - y.saturating_sub(r)) as f32;
        // Slide horizontally.
        let (mut s1, mut s2) = (0u32, 0u32);
        for x in 0..r.min(w) {
            s1 += c1[x];
            s2 += c2[x];
        }
        let row = &raw[y * w..(y + 1) * w];
        let orow = &mut out[y * w..(y + 1) * w];
        for x in 0..w {
            if x + r < w {
                s1 += c1[x + r];
                s2 += c2[x + r];
            }
            if x > r {
                s1 -= c1[x - r - 1];
                s2 -= c2[x - r - 1];
            }
            let n = rows * ((x + r + 1).min(w) - x.saturating_sub(r)) as f32;
            let mean = s1 as f32 / n;
            let v = row[x] as f32;
            if v >= mean - min_contrast {
                continue;
            }
            let var = (s2 as f32 / n - mean * mean).max(0.0);
            let t = mean * (1.0 + k * (var.sqrt() / 128.0 - 1.0));
            orow[x] = (v < t) as u8;
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
