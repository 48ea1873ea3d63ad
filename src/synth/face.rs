//! Synthetic portraits: a head-and-shoulders figure from soft ellipses, with
//! enough variation (skin, hair, proportions, glasses, background) that two
//! people never look alike to a pixel comparison.

use super::draw::{Canvas, Colour, cov, lerp, rgb, sd_ellipse};
use super::rng::Rng;
use crate::geometry::RectMm;

#[derive(Clone, Debug, PartialEq)]
pub struct Face {
    pub backdrop: Colour,
    pub skin: Colour,
    pub hair: Colour,
    pub clothes: Colour,
    /// 0 short, 1 long, 2 bald/very short, 3 bun.
    pub hair_style: u8,
    pub head_w: f64,
    pub head_h: f64,
    pub head_dx: f64,
    pub head_dy: f64,
    pub eye_gap: f64,
    pub eye_y: f64,
    pub mouth_w: f64,
    pub glasses: bool,
    pub iris: Colour,
}

const SKINS: [u32; 8] = [0xF1D3B8, 0xE8BE9A, 0xD9A47C, 0xC68A62, 0xA96E48, 0x8A5536, 0x6B3F27, 0xF3CFC0];
const HAIRS: [u32; 7] = [0x1C1410, 0x3A2718, 0x6A4A2A, 0xB08850, 0xD8C08A, 0x9A9A9A, 0x8A3A1A];
const CLOTHES: [u32; 8] = [0x2B3A55, 0x404040, 0x6B2A2A, 0x2F5A3A, 0x5A4A7A, 0x8A8070, 0x1A1A1A, 0x3A6A8A];
const BACKDROPS: [u32; 4] = [0xE6E9EC, 0xDCE4EE, 0xEDEDED, 0xE2E6DF];

impl Face {
    pub fn random(rng: &mut Rng) -> Face {
        let jitter = |rng: &mut Rng, c: u32, s: f64| {
            let b = rgb(c);
            let k = rng.range(-s, s) as f32;
            [b[0] * (1.0 + k), b[1] * (1.0 + k), b[2] * (1.0 + k)]
        };
        let (b, sk, h, cl) = (
            BACKDROPS[rng.below(BACKDROPS.len())],
            SKINS[rng.below(SKINS.len())],
            HAIRS[rng.below(HAIRS.len())],
            CLOTHES[rng.below(CLOTHES.len())],
        );
        Face {
            backdrop: jitter(rng, b, 0.02),
            skin: jitter(rng, sk, 0.06),
            hair: jitter(rng, h, 0.1),
            clothes: jitter(rng, cl, 0.15),
            hair_style: rng.below(4) as u8,
            head_w: rng.range(0.9, 1.1),
            head_h: rng.range(0.92, 1.08),
            head_dx: rng.range(-0.03, 0.03),
            head_dy: rng.range(-0.025, 0.025),
            eye_gap: rng.range(0.8, 1.15),
            eye_y: rng.range(-0.02, 0.03),
            mouth_w: rng.range(0.7, 1.3),
            glasses: rng.chance(0.15),
            iris: rgb(*rng.pick(&[0x3A2A1A, 0x4A6A8A, 0x3A5A3A, 0x2A1A10])),
        }
    }

    /// The colour of the portrait at (u, v) in units of the portrait width
    /// (u 0–1 left to right, v 0–h/w top to bottom); `px` is a pixel in those
    /// units (for edge softness).
    pub fn colour_at(&self, u: f64, v: f64, aspect: f64, px: f64) -> Colour {
        let cx = 0.5 + self.head_dx;
        let hw = 0.29 * self.head_w;
        let hh = 0.36 * self.head_h * aspect / 1.25;
        let hy = 0.44 * aspect + self.head_dy * aspect;
        let s = 1.0 / px;
        let mut c = lerp(self.backdrop, [self.backdrop[0] * 0.93, self.backdrop[1] * 0.93, self.backdrop[2] * 0.95], (v / aspect) as f32);
        // Long hair falls behind the head and shoulders.
        if self.hair_style == 1 {
            let a = cov(sd_ellipse(u, v, cx, hy + hh * 0.35, hw * 1.3, hh * 1.35), s);
            c = lerp(c, self.hair, a);
        }
        if self.hair_style == 3 {
            let a = cov(sd_ellipse(u, v, cx, hy - hh * 1.05, hw * 0.45, hh * 0.3), s);
            c = lerp(c, self.hair, a);
        }
        // Shoulders and neck.
        let shoulders = cov(sd_ellipse(u, v, 0.5, aspect * 1.04, 0.5, aspect * 0.24), s);
        let neck = cov(sd_ellipse(u, v, cx, hy + hh * 1.05, hw * 0.42, hh * 0.5), s);
        c = lerp(c, darken(self.skin, 0.85), neck);
        c = lerp(c, self.clothes, shoulders);
        // Ears, head with a little shading towards its edge.
        for side in [-1.0, 1.0] {
            let a = cov(sd_ellipse(u, v, cx + side * hw * 0.98, hy + hh * 0.05, hw * 0.16, hh * 0.2), s);
            c = lerp(c, darken(self.skin, 0.9), a);
        }
        let dh = sd_ellipse(u, v, cx, hy, hw, hh);
        let head = cov(dh, s);
        if head > 0.0 {
            let r2 = ((u - cx) / hw).powi(2) + ((v - hy) / hh).powi(2);
            let shade = 1.0 - 0.16 * r2.min(1.0) as f32;
            c = lerp(c, darken(self.skin, shade), head);
        }
        // Hair on top of the head (not for the bald style).
        if self.hair_style != 2 {
            let hairline = hy - hh * (0.45 + 0.1 * (u - cx).abs() / hw);
            let cap = sd_ellipse(u, v, cx, hy - hh * 0.08, hw * 1.08, hh * 1.04).max(v - hairline);
            c = lerp(c, self.hair, cov(cap, s));
        }
        // Eyes, brows, nose, mouth: only inside the head (saves most of the
        // per-pixel work).
        if dh > 0.0 {
            return c;
        }
        let ey = hy - hh * 0.05 + self.eye_y * hh;
        let eg = hw * 0.42 * self.eye_gap;
        for side in [-1.0, 1.0] {
            let ex = cx + side * eg;
            c = lerp(c, [240.0, 238.0, 232.0], cov(sd_ellipse(u, v, ex, ey, hw * 0.2, hh * 0.075), s));
            c = lerp(c, self.iris, cov(sd_ellipse(u, v, ex, ey, hw * 0.085, hh * 0.07), s));
            c = lerp(c, [20.0, 15.0, 12.0], cov(sd_ellipse(u, v, ex, ey, hw * 0.04, hh * 0.035), s));
            c = lerp(c, darken(self.hair, 0.9), cov(sd_ellipse(u, v, ex, ey - hh * 0.16, hw * 0.24, hh * 0.03), s));
            if self.glasses {
                let ring = sd_ellipse(u, v, ex, ey, hw * 0.3, hh * 0.14).abs() - hw * 0.025;
                c = lerp(c, [30.0, 30.0, 35.0], cov(ring, s));
            }
        }
        c = lerp(c, darken(self.skin, 0.8), 0.7 * cov(sd_ellipse(u, v, cx, hy + hh * 0.22, hw * 0.09, hh * 0.05), s));
        let mouth = sd_ellipse(u, v, cx, hy + hh * 0.5, hw * 0.3 * self.mouth_w, hh * 0.045);
        c = lerp(c, lerp(darken(self.skin, 0.7), [150.0, 60.0, 60.0], 0.5), cov(mouth, s));
        c
    }
}

fn darken(c: Colour, k: f32) -> Colour {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// How a portrait is put on the document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PortraitPrint {
    /// Opacity of the portrait over the background (printed portraits let
    /// the security print show through a little; a pasted photo does not).
    pub opacity: f32,
    /// Width of the soft fade at the edges, mm (0 = a hard edge).
    pub fade_mm: f64,
    pub grey: bool,
    /// Contrast around mid-grey (photo paper is punchier than print).
    pub contrast: f32,
}

/// Draws `face` into `rect`.
pub fn draw_portrait(cv: &mut Canvas, rect: &RectMm, face: &Face, print: PortraitPrint) {
    let aspect = rect.h / rect.w;
    let px = 1.0 / (cv.ppm * rect.w);
    let fade = print.fade_mm;
    cv.shade(rect, |x, y| {
        let u = (x - rect.x) / rect.w;
        let v = (y - rect.y) / rect.w;
        let mut c = face.colour_at(u, v, aspect, px);
        if print.grey {
            let l = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
            c = [l, l, l];
        }
        for k in &mut c {
            *k = (128.0 + (*k - 128.0) * print.contrast).clamp(0.0, 255.0);
        }
        let edge = (x - rect.x).min(rect.right() - x).min(y - rect.y).min(rect.bottom() - y);
        let a = if fade > 0.0 { (edge / fade).clamp(0.0, 1.0) as f32 } else { ((edge * cv_ppm_hint(px, rect.w)) + 0.5).clamp(0.0, 1.0) as f32 };
        Some((c, print.opacity * a))
    });
}

// Pixels per mm recovered from the pixel size in portrait-width units.
fn cv_ppm_hint(px: f64, w: f64) -> f64 {
    1.0 / (px * w)
}
