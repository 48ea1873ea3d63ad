//! Ink against an issuer reference: text and line ink in the document where
//! the reference has none nearby (a title or emblem redrawn, a patch of other
//! print moved in), and the reference's own ink gone from the document (a
//! title, an emblem or lines erased). Judged only where the page is stable
//! between specimens, away from personal data, the portrait and the MRZ.
//!
//! Ink is found relative to its 3 mm neighbourhood, so a capture's lighting
//! does not count; a stroke must be dark for the document to have it and
//! only faint for the reference to have it (and the other way round), which
//! leaves a blurred or pale capture's weakened strokes alone.

use crate::geometry::RectMm;
use crate::raster::box_blur;

use super::zones::REF_PX_PER_MM;

/// Neighbourhood radius ink is measured against (px, 1.5 mm). Text ink is
/// found against the same mean (`zones::ink_neighbourhood`), so a document
/// computes it once.
pub(crate) const LOCAL_RADIUS: usize = 9;
const _: () = assert!(LOCAL_RADIUS == (1.5 * REF_PX_PER_MM) as usize);
/// Ink: darker than its neighbourhood by this much (0–255).
pub const STRONG_INK: f32 = 40.0;
/// A stroke is matched when the other side, within [`NEAR_PX`], has ink at
/// least this fraction as dark (after the capture's contrast gain).
pub const MATCH_RATIO: f32 = 0.4;
/// The capture's contrast gain is held to this range: a page whose ink is
/// mostly tampered would otherwise set it.
const MIN_GAIN: f32 = 0.4;
const MAX_GAIN: f32 = 1.5;
/// Reference ink pixels needed to measure the capture's contrast gain.
const MIN_GAIN_PIXELS: usize = 200;
/// Registration slack: ink within this distance of the other side's ink
/// is the same stroke (px, a third of a millimetre). 4 px let a title
/// redrawn over the old one's place hide in its strokes (zone-tamper
/// calibration set, seed 11: 36 of 48 emblems and 40 of 49 titles found,
/// against 43 and 42 with 2 px; genuine documents unchanged).
const NEAR_PX: usize = 2;
/// Side of the cells changes are counted in (px, 1 mm).
const CELL_PX: usize = 6;
/// A cell differs when it has this many pixels of unmatched ink.
const MIN_CELL_PIXELS: usize = 3;
/// Smallest reported change, mm² (1 mm cells). On the calibration sets
/// (seeds 2 and 3, 212 genuine documents) the largest group on a genuine
/// document was 9 mm², the next 5 mm².
pub const MIN_AREA_MM2: f64 = 15.0;

/// Ink that differs over a region of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct InkChange {
    /// Bounding box in the template frame.
    pub rect: RectMm,
    /// Differing cells, mm².
    pub area_mm2: f64,
    /// Of which the document has ink the reference lacks, mm².
    pub added_mm2: f64,
    /// Of which the reference has ink the document lacks, mm².
    pub missing_mm2: f64,
}

/// How much darker than its neighbourhood each pixel is.
pub fn depth(luma: &[f32], width: usize, height: usize) -> Vec<f32> {
    depth_from(luma, &box_blur(luma, width, height, LOCAL_RADIUS))
}

/// [`depth`] with `luma`'s [`LOCAL_RADIUS`] mean given.
pub fn depth_from(luma: &[f32], local: &[f32]) -> Vec<f32> {
    local.iter().zip(luma).map(|(m, v)| (m - v).max(0.0)).collect()
}

/// Each pixel's maximum over the (2r+1)² square around it.
pub fn max_filter(v: &[f32], width: usize, height: usize, r: usize) -> Vec<f32> {
    if width == 0 || v.len() != width * height {
        return v.to_vec();
    }
    let mut rows = vec![f32::NEG_INFINITY; v.len()];
    // Row maxima as the maximum of the row shifted by -r..=r: loops over
    // whole rows, which vectorise (one window fold per pixel did not).
    for (src, dst) in v.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        for k in 0..=r.min(width - 1) {
            for (d, &s) in dst[k..].iter_mut().zip(src) {
                *d = d.max(s);
            }
            for (d, &s) in dst.iter_mut().zip(&src[k..]) {
                *d = d.max(s);
            }
        }
    }
    let mut out = rows.clone();
    for y in 0..height {
        for yy in y.saturating_sub(r)..(y + r + 1).min(height) {
            for x in 0..width {
                out[y * width + x] = out[y * width + x].max(rows[yy * width + x]);
            }
        }
    }
    out
}

/// A reference's ink, which depends on the template alone: each pixel's
/// [`depth`], and its maximum within [`NEAR_PX`].
#[derive(Clone, Debug)]
pub struct ReferenceInk {
    pub depth: Vec<f32>,
    pub near: Vec<f32>,
}

impl ReferenceInk {
    /// From the reference's lightly denoised luminance.
    pub fn new(reference: &[f32], width: usize, height: usize) -> ReferenceInk {
        let depth = depth(reference, width, height);
        let near = max_filter(&depth, width, height, NEAR_PX);
        ReferenceInk { depth, near }
    }
}

/// Regions where `doc` and `reference` (same frame, `width`×`height`
/// reference pixels, lightly denoised luminance) disagree about ink, over
/// the `judged` pixels, grouped by cells within 2 mm of each other. Where
/// `may_add` is set, ink the reference lacks is allowed (personal text
/// running on past the specimens' longest).
pub fn changes(doc: &[f32], reference: &[f32], judged: &[bool], may_add: &[bool], width: usize, height: usize) -> Vec<InkChange> {
    if reference.len() != width * height {
        return Vec::new();
    }
    changes_from(doc, &ReferenceInk::new(reference, width, height), judged, may_add, width, height)
}

/// [`changes`] with the reference's ink prepared.
pub fn changes_from(doc: &[f32], reference: &ReferenceInk, judged: &[bool], may_add: &[bool], width: usize, height: usize) -> Vec<InkChange> {
    if doc.len() != width * height {
        return Vec::new();
    }
    changes_against(doc, &box_blur(doc, width, height, LOCAL_RADIUS), reference, judged, may_add, width, height)
}

/// [`changes_from`] with `doc`'s [`LOCAL_RADIUS`] mean given (the one text
/// ink is found against, `zones::ink_neighbourhood`).
pub fn changes_against(doc: &[f32], doc_local: &[f32], reference: &ReferenceInk, judged: &[bool], may_add: &[bool], width: usize, height: usize) -> Vec<InkChange> {
    let n = width * height;
    if n == 0 || [doc.len(), doc_local.len(), reference.depth.len(), reference.near.len(), judged.len(), may_add.len()].iter().any(|&l| l != n) {
        return Vec::new();
    }
    let dd = depth_from(doc, doc_local);
    let doc_near = max_filter(&dd, width, height, NEAR_PX);
    let (rd, ref_near) = (&reference.depth, &reference.near);
    // The capture's ink contrast relative to the reference's, on the
    // reference's strong ink.
    let mut gains: Vec<f32> = (0..n).filter(|&i| judged[i] && rd[i] >= STRONG_INK).map(|i| doc_near[i] / rd[i]).collect();
    let gain = if gains.len() >= MIN_GAIN_PIXELS {
        let mid = gains.len() / 2;
        gains.select_nth_unstable_by(mid, f32::total_cmp).1.clamp(MIN_GAIN, MAX_GAIN)
    } else {
        1.0
    };
    let (cw, ch) = (width / CELL_PX, height / CELL_PX);
    // Per cell: unmatched ink pixels, added and missing.
    let mut added = vec![0usize; cw * ch];
    let mut missing = vec![0usize; cw * ch];
    for y in 0..ch * CELL_PX {
        for x in 0..cw * CELL_PX {
            let i = y * width + x;
            if !judged[i] {
                continue;
            }
            let c = (y / CELL_PX) * cw + x / CELL_PX;
            added[c] += usize::from(!may_add[i] && dd[i] >= STRONG_INK * gain && ref_near[i] * gain < MATCH_RATIO * dd[i]);
            missing[c] += usize::from(rd[i] >= STRONG_INK && doc_near[i] < MATCH_RATIO * gain * rd[i]);
        }
    }
    let is_added = |c: usize| added[c] >= MIN_CELL_PIXELS;
    let is_missing = |c: usize| missing[c] >= MIN_CELL_PIXELS;
    let differs = |c: usize| is_added(c) || is_missing(c);
    // Groups: differing cells up to one cell apart (strokes of a word leave
    // gaps between them).
    let flags: Vec<bool> = (0..cw * ch).map(differs).collect();
    let cell_mm = CELL_PX as f64 / REF_PX_PER_MM;
    let mut out = Vec::new();
    for members in super::cells::groups(&flags, cw, 2, true) {
        let cell_area = cell_mm * cell_mm;
        out.push(InkChange {
            rect: super::cells::bounds(&members, cw, cell_mm),
            area_mm2: members.len() as f64 * cell_area,
            added_mm2: members.iter().filter(|&&c| is_added(c)).count() as f64 * cell_area,
            missing_mm2: members.iter().filter(|&&c| is_missing(c)).count() as f64 * cell_area,
        });
    }
    out.retain(|c| c.area_mm2 >= MIN_AREA_MM2);
    out.sort_by(|a, b| b.area_mm2.total_cmp(&a.area_mm2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_filter_is_the_square_window_maximum() {
        for (w, h, r) in [(13usize, 9usize, 2usize), (1, 5, 2), (3, 3, 4), (40, 2, 1), (7, 7, 0)] {
            let v: Vec<f32> = (0..w * h).map(|i| ((i * 7919 + 13) % 101) as f32 - 50.0).collect();
            let got = max_filter(&v, w, h, r);
            for y in 0..h {
                for x in 0..w {
                    let mut m = f32::NEG_INFINITY;
                    for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                        for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                            m = m.max(v[yy * w + xx]);
                        }
                    }
                    assert_eq!(got[y * w + x], m, "{w}x{h} r {r} at ({x}, {y})");
                }
            }
        }
    }

    const W: usize = 300;
    const H: usize = 180;

    /// A pale page with fine lines, a bold "title" bar pattern at x
    /// `title_at` + 0–80 and a caption below it.
    fn page(title_at: usize) -> Vec<f32> {
        (0..W * H)
            .map(|i| {
                let (x, y) = (i % W, i / W);
                let line = if (x + 2 * y) % 14 == 0 { 25.0 } else { 0.0 };
                let title = (40..70).contains(&y) && (title_at..title_at + 80).contains(&x) && (x / 6) % 2 == 0;
                let caption = (110..150).contains(&y) && (30..270).contains(&x) && (x / 3) % 2 == 0;
                if title || caption { 60.0 } else { 220.0 - line }
            })
            .collect()
    }

    fn all() -> Vec<bool> {
        vec![true; W * H]
    }

    fn none() -> Vec<bool> {
        vec![false; W * H]
    }

    #[test]
    fn thin_lines_a_blurred_capture_faded_are_kept_against_a_softened_reference() {
        // Thick title strokes set the capture's gain; an emblem of 1-pixel
        // lines loses more of its contrast to the blur.
        let reference: Vec<f32> = page(60)
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (x, y) = (i % W, i / W);
                let emblem = (180..220).contains(&x) && (20..90).contains(&y) && (x % 5 == 0 || y % 5 == 0);
                if emblem { 40.0 } else { v }
            })
            .collect();
        let soften = |v: &[f32], r: usize| box_blur(&box_blur(v, W, H, r), W, H, r);
        let capture = box_blur(&soften(&reference, 1), W, H, 1);
        let sharp = changes(&capture, &reference, &all(), &none(), W, H);
        assert!(sharp.iter().any(|c| c.missing_mm2 > 0.0), "against the sharp reference the emblem looks erased: {sharp:?}");
        let soft = changes(&capture, &soften(&reference, 1), &all(), &none(), W, H);
        assert!(soft.is_empty(), "{soft:?}");
    }

    #[test]
    fn the_same_page_has_no_changes() {
        let p = page(60);
        assert!(changes(&p, &p, &all(), &none(), W, H).is_empty());
    }

    #[test]
    fn a_paler_blurred_capture_has_no_changes() {
        let reference = page(60);
        // Contrast halved and a 3-pixel blur: the strokes weaken but stay.
        let pale: Vec<f32> = reference.iter().map(|v| 128.0 + 0.5 * (v - 128.0)).collect();
        let doc = box_blur(&pale, W, H, 1);
        assert!(changes(&doc, &reference, &all(), &none(), W, H).is_empty(), "{:?}", changes(&doc, &reference, &all(), &none(), W, H));
    }

    #[test]
    fn a_moved_title_is_found_as_added_and_missing_ink() {
        let (reference, doc) = (page(60), page(150));
        let found = changes(&doc, &reference, &all(), &none(), W, H);
        // The old place has lost its ink, the new one has ink the reference lacks.
        let at = |x_mm: f64| found.iter().find(|c| c.rect.contains(x_mm, 9.0));
        assert!(at(16.0).is_some_and(|c| c.missing_mm2 >= MIN_AREA_MM2), "{found:?}");
        assert!(at(32.0).is_some_and(|c| c.added_mm2 >= MIN_AREA_MM2), "{found:?}");
        // Where added ink is allowed, only the old place's loss is reported.
        let may_add: Vec<bool> = (0..W * H).map(|i| i % W >= 145).collect();
        let found = changes(&doc, &reference, &all(), &may_add, W, H);
        assert!(found.len() == 1 && found[0].added_mm2 == 0.0 && found[0].rect.right() < 25.0, "{found:?}");
        // Not judged there, it is not reported.
        let judged: Vec<bool> = (0..W * H).map(|i| !(30..80).contains(&(i / W))).collect();
        assert!(changes(&doc, &reference, &judged, &none(), W, H).is_empty());
    }

    #[test]
    fn an_erased_title_is_found_as_missing_ink() {
        let reference = page(60);
        let doc: Vec<f32> = (0..W * H).map(|i| if (40..70).contains(&(i / W)) && (60..140).contains(&(i % W)) { 220.0 } else { reference[i] }).collect();
        let found = changes(&doc, &reference, &all(), &none(), W, H);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].added_mm2 == 0.0 && found[0].missing_mm2 >= MIN_AREA_MM2, "{:?}", found[0]);
    }

    #[test]
    fn mismatched_sizes_give_nothing() {
        assert!(changes(&[0.0; 10], &[0.0; 12], &[true; 10], &[false; 10], 5, 2).is_empty());
    }
}
