//! Zone comparison against an issuer template's reference: the document is
//! rectified into the template frame, each static/background zone is compared
//! with the reference by normalised cross-correlation over the pixels that do
//! not vary between specimens (personal data masked), after a small local
//! alignment search. Catches another issuer's layout (most zones fail:
//! `template_mismatch`), replaced emblems and titles, copy-moved or erased
//! background (`zone_mismatch`), and a substituted portrait whose frame no
//! longer fits (`portrait_tampered`).

use crate::geometry::{Homography, RectMm};
use crate::raster::{Planes, box_blur};
use crate::register::Registration;
use crate::template::{Template, ZoneKind};

/// Resolution of reference images and of comparisons.
pub const REF_PX_PER_MM: f64 = 6.0;
/// Default similarity threshold for a zone without a calibrated one.
pub const DEFAULT_ZONE_THRESHOLD: f64 = 0.5;
/// Fraction of failing zones above which the document is not this template
/// at all (rather than this template with a tampered zone).
pub const MISMATCH_FRACTION: f64 = 0.35;
/// A zone needs this fraction of comparable (stable, visible) pixels.
const MIN_COMPARABLE: f64 = 0.25;
/// Local alignment search, in reference pixels, at most.
const MAX_SHIFT_PX: i32 = 4;

/// A document rectified into a template frame.
#[derive(Clone, Debug)]
pub struct Rectified {
    pub width: usize,
    pub height: usize,
    pub rgb: Planes,
    /// Smoothed luminance used for comparisons.
    pub luma: Vec<f32>,
    /// False where the document was outside the image.
    pub valid: Vec<bool>,
}

/// Smoothing applied to both sides before comparing: suppresses sensor noise,
/// JPEG blocks and sub-pixel misregistration of fine guilloche lines.
pub fn comparison_luma(rgb: &Planes) -> Vec<f32> {
    let l = rgb.luma();
    let b = box_blur(&l, rgb.width, rgb.height, 2);
    box_blur(&b, rgb.width, rgb.height, 2)
}

/// Rectifies `work` (the image box-downscaled by `factor`) through `reg` into
/// a `width_mm`×`height_mm` frame at [`REF_PX_PER_MM`].
pub fn rectify(work: &Planes, factor: usize, reg: &Registration, width_mm: f64, height_mm: f64) -> Rectified {
    let (w, h) = ((width_mm * REF_PX_PER_MM).round() as usize, (height_mm * REF_PX_PER_MM).round() as usize);
    let s = 1.0 / REF_PX_PER_MM;
    let to_doc = Homography::from_affine(s, 0.0, 0.0, 0.0, s, 0.0);
    let f = 1.0 / factor.max(1) as f64;
    let to_work = Homography::from_affine(f, 0.0, 0.0, 0.0, f, 0.0);
    let out_to_src = to_work.compose(&reg.doc_to_image).compose(&to_doc);
    let (rgb, valid) = work.warp(&out_to_src, w, h);
    let luma = comparison_luma(&rgb);
    Rectified { width: w, height: h, rgb, luma, valid }
}

/// The pixel rectangle of a zone in the reference frame, clipped.
pub fn zone_px(r: &RectMm, width: usize, height: usize) -> (usize, usize, usize, usize) {
    let x0 = ((r.x * REF_PX_PER_MM).floor().max(0.0) as usize).min(width);
    let y0 = ((r.y * REF_PX_PER_MM).floor().max(0.0) as usize).min(height);
    let x1 = ((r.right() * REF_PX_PER_MM).ceil().max(0.0) as usize).min(width);
    let y1 = ((r.bottom() * REF_PX_PER_MM).ceil().max(0.0) as usize).min(height);
    (x0, y0, x1, y1)
}

/// Which reference pixels of a zone take part: the stable (not personal)
/// ones. A portrait zone is compared with a 2 mm margin around its frame,
/// where a pasted photo's edges and a broken background show.
pub fn zone_pixels(kind: ZoneKind, rect: &RectMm, mask: &[u8], width: usize, height: usize) -> Vec<usize> {
    let r = if kind == ZoneKind::Portrait { ring_outer(rect) } else { *rect };
    let (x0, y0, x1, y1) = zone_px(&r, width, height);
    let mut out = Vec::with_capacity((x1 - x0) * (y1 - y0));
    for y in y0..y1 {
        for x in x0..x1 {
            let i = y * width + x;
            if mask[i] < 128 {
                out.push(i);
            }
        }
    }
    out
}

/// A portrait zone with the 2 mm margin compared around it.
pub fn ring_outer(r: &RectMm) -> RectMm {
    RectMm::new(r.x - 2.0, r.y - 2.0, r.w + 4.0, r.h + 4.0)
}

/// Best normalised cross-correlation between `doc` and `reference` over the
/// `pixels` (reference indices) under shifts up to `max_shift` pixels, and
/// the fraction of pixels comparable. `None` when too few are comparable.
pub fn best_ncc(doc: &Rectified, reference: &[f32], pixels: &[usize], max_shift: i32, area: usize) -> Option<(f64, f64)> {
    let (w, h) = (doc.width as i64, doc.height as i64);
    let mut best: Option<f64> = None;
    let mut best_frac = 0.0;
    for dy in -max_shift..=max_shift {
        for dx in -max_shift..=max_shift {
            let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0usize, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
            for &i in pixels {
                let (x, y) = ((i as i64 % w) + dx as i64, (i as i64 / w) + dy as i64);
                if x < 0 || y < 0 || x >= w || y >= h {
                    continue;
                }
                let j = (y * w + x) as usize;
                if !doc.valid[j] {
                    continue;
                }
                let (a, b) = (doc.luma[j] as f64, reference[i] as f64);
                n += 1;
                sa += a;
                sb += b;
                saa += a * a;
                sbb += b * b;
                sab += a * b;
            }
            let frac = n as f64 / area.max(1) as f64;
            if frac < MIN_COMPARABLE || n < 16 {
                continue;
            }
            let nf = n as f64;
            let va = saa - sa * sa / nf;
            let vb = sbb - sb * sb / nf;
            // A flat reference (plain paper) cannot correlate: compare
            // brightness instead, mapped to the same scale.
            let score = if vb < nf * 4.0 {
                let diff = ((sa - sb) / nf).abs();
                1.0 - (diff / 40.0).min(2.0)
            } else if va < 1e-9 {
                0.0
            } else {
                (sab - sa * sb / nf) / (va * vb).sqrt()
            };
            if best.is_none_or(|b| score > b) {
                best = Some(score);
                best_frac = frac;
            }
        }
    }
    best.map(|b| (b, best_frac))
}

/// The outcome for one zone.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneResult {
    pub name: String,
    pub kind: ZoneKind,
    pub rect: RectMm,
    pub score: f64,
    pub threshold: f64,
    pub ok: bool,
}

/// The comparison of a rectified document with one issuer template.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateEval {
    pub zones: Vec<ZoneResult>,
    /// Mean zone score.
    pub score: f64,
    /// Fraction of compared zones below their threshold.
    pub fail_fraction: f64,
}

impl TemplateEval {
    /// Whether the document is this template at all.
    pub fn matches(&self) -> bool {
        !self.zones.is_empty() && self.fail_fraction < MISMATCH_FRACTION
    }
}

/// Compares `doc` (rectified into `t`'s frame) with `t`'s reference.
pub fn evaluate(doc: &Rectified, t: &Template) -> Option<TemplateEval> {
    let (reference, mask) = (t.reference_luma()?, t.mask.as_ref()?);
    if doc.width != mask.width() as usize || doc.height != mask.height() as usize {
        return None;
    }
    let mask = mask.as_raw();
    let mut zones = Vec::new();
    for z in &t.file.zones {
        if !matches!(z.kind, ZoneKind::Static | ZoneKind::Background | ZoneKind::Portrait) {
            continue;
        }
        let pixels = zone_pixels(z.kind, &z.rect, mask, doc.width, doc.height);
        let outer = if z.kind == ZoneKind::Portrait { ring_outer(&z.rect) } else { z.rect };
        let (x0, y0, x1, y1) = zone_px(&outer, doc.width, doc.height);
        let area = (x1 - x0) * (y1 - y0);
        let shift = ((z.tolerance_mm * REF_PX_PER_MM).round() as i32).clamp(0, MAX_SHIFT_PX);
        let Some((score, _)) = best_ncc(doc, reference, &pixels, shift, area) else { continue };
        let threshold = z.threshold.unwrap_or(DEFAULT_ZONE_THRESHOLD);
        zones.push(ZoneResult { name: z.name.clone(), kind: z.kind, rect: z.rect, score, threshold, ok: score >= threshold });
    }
    if zones.is_empty() {
        return None;
    }
    let n = zones.len() as f64;
    let score = zones.iter().map(|z| z.score).sum::<f64>() / n;
    let fail_fraction = zones.iter().filter(|z| !z.ok).count() as f64 / n;
    Some(TemplateEval { zones, score, fail_fraction })
}
