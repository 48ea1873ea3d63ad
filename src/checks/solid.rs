//! Dark print too thick for text where the page holds personal text: a piece
//! of a photo, a shirt or hair, pasted over a name or a date. Personal data
//! varies, so it cannot be compared with the reference, but its print is
//! text: strokes a fraction of a millimetre wide on the page's background.
//! What stays dark after an erosion wider than any stroke is not text.

use crate::geometry::RectMm;

use super::zones::REF_PX_PER_MM;

/// Darker than the page's paper there by this much (0–255): text ink and
/// photo shadows, not the background print.
pub const DARK_LEVELS: f32 = 60.0;
/// Erosion radius (px at [`REF_PX_PER_MM`]): a dark pixel stays only when
/// every pixel of its 7×7 square (1.2 mm) is dark. Personal text strokes
/// are about 0.5 mm wide, and a capture's blur widens their dark core little
/// (it lightens what it spreads).
const ERODE_PX: usize = 3;
/// Side of the cells solid darkness is counted in (px, 1 mm).
const CELL_PX: usize = 6;
/// A cell is solid with this many eroded dark pixels.
const MIN_CELL_PIXELS: usize = 4;
/// Smallest reported region, mm² (1 mm cells). On the calibration sets
/// (seeds 2, 3, 11, 12, 13; 650 genuine documents compared at the two
/// sharpest levels) genuine text left at most 5 mm²; pasted photo pieces
/// left 19–20 mm².
pub const MIN_AREA_MM2: f64 = 10.0;
/// Radius over which the paper level is taken (px, 3 mm) and the capture's
/// lighting against the reference (px, 5 mm).
const PAPER_RADIUS: usize = 18;
const LIGHTING_RADIUS: usize = 30;

/// A region of solid darkness.
#[derive(Clone, Debug, PartialEq)]
pub struct Solid {
    pub rect: RectMm,
    pub area_mm2: f64,
}

/// Regions of `doc` (rectified base luminance) within `judged` that are dark
/// against the reference's paper and thicker than text. `ref_ink`: the
/// reference's own ink, left out of its paper level; `stable`: pixels where
/// the document should equal the reference, over which the capture's lighting
/// is measured.
pub fn regions(doc: &[f32], reference: &[f32], ref_ink: &[bool], stable: &[bool], judged: &[bool], width: usize, height: usize) -> Vec<Solid> {
    let n = width * height;
    if n == 0 || [doc.len(), reference.len(), ref_ink.len(), stable.len(), judged.len()].iter().any(|&l| l != n) {
        return Vec::new();
    }
    // Only the band of rows around the judged ones (cell-aligned), with the
    // lighting's reach either side.
    let Some(first) = judged.iter().position(|&j| j) else { return Vec::new() };
    let last = judged.iter().rposition(|&j| j).unwrap_or(first);
    let y0 = (first / width).saturating_sub(LIGHTING_RADIUS) / CELL_PX * CELL_PX;
    let y1 = (last / width + 1 + LIGHTING_RADIUS).min(height);
    let r = y0 * width..y1 * width;
    let found = regions_in(&doc[r.clone()], &reference[r.clone()], &ref_ink[r.clone()], &stable[r.clone()], &judged[r], width, y1 - y0);
    let dy = y0 as f64 / REF_PX_PER_MM;
    found.into_iter().map(|s| Solid { rect: RectMm::new(s.rect.x, s.rect.y + dy, s.rect.w, s.rect.h), ..s }).collect()
}

/// [`regions`] over the whole of the given rows.
fn regions_in(doc: &[f32], reference: &[f32], ref_ink: &[bool], stable: &[bool], judged: &[bool], width: usize, height: usize) -> Vec<Solid> {
    let n = width * height;
    // The reference's paper: its luminance off its ink (NaN where unknown).
    let mut paper = vec![f32::NAN; n];
    weighted_means(width, height, PAPER_RADIUS, |i| !ref_ink[i], |i| reference[i], |i, mean| paper[i] = mean.unwrap_or(f32::NAN));
    // The capture's lighting (the document's offset from the reference) on
    // top; dark pixels are judged pixels below that less DARK_LEVELS.
    let mut not_dark = vec![true; n];
    weighted_means(
        width,
        height,
        LIGHTING_RADIUS,
        |i| stable[i],
        |i| doc[i] - reference[i],
        |i, lighting| {
            let light = paper[i].is_nan() || doc[i] >= paper[i] + lighting.unwrap_or(0.0) - DARK_LEVELS;
            not_dark[i] = !judged[i] || light;
        },
    );
    // Eroded: dark where no pixel of the square around is light (or not
    // judged), the light pixels grown by the erosion radius.
    let near_light = super::zones::grow(&not_dark, width, height, ERODE_PX);
    let (cw, ch) = (width / CELL_PX, height / CELL_PX);
    let mut cells = vec![false; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let mut count = 0;
            for y in cy * CELL_PX..(cy + 1) * CELL_PX {
                for x in cx * CELL_PX..(cx + 1) * CELL_PX {
                    count += !near_light[y * width + x] as usize;
                }
            }
            cells[cy * cw + cx] = count >= MIN_CELL_PIXELS;
        }
    }
    let cell_mm = CELL_PX as f64 / REF_PX_PER_MM;
    super::cells::groups(&cells, cw, 1, false)
        .into_iter()
        .map(|members| Solid { rect: super::cells::bounds(&members, cw, cell_mm), area_mm2: members.len() as f64 * cell_mm * cell_mm })
        .filter(|s| s.area_mm2 >= MIN_AREA_MM2)
        .collect()
}

/// The mean of `value` over the pixels `weighted` within `radius`, pixel by
/// pixel into `take` (`None` where they are 5 % of the window or fewer).
fn weighted_means(width: usize, height: usize, radius: usize, weighted: impl Fn(usize) -> bool, value: impl Fn(usize) -> f32, mut take: impl FnMut(usize, Option<f32>)) {
    crate::raster::box_blur_rows::<2>(
        width,
        height,
        radius,
        |y, rows, at, stride| {
            for x in 0..width {
                let i = y * width + x;
                let w = if weighted(i) { 1.0 } else { 0.0 };
                rows[at + x] = w * value(i);
                rows[at + stride + x] = w;
            }
        },
        |y, m| {
            for x in 0..width {
                let (sum, share) = (m[x], m[width + x]);
                take(y * width + x, (share > 0.05).then(|| sum / share));
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 240;
    const H: usize = 160;

    /// A page with fine background lines, and a text-like row of 3-pixel
    /// strokes over part of it (in the document only, as personal text).
    fn page(text: bool) -> Vec<f32> {
        let mut v: Vec<f32> = (0..W * H).map(|i| if (i % W + i / W) % 7 == 0 { 190.0 } else { 235.0 }).collect();
        if text {
            for x0 in (60..180).step_by(9) {
                for y in 76..94 {
                    for x in x0..x0 + 3 {
                        v[y * W + x] = 40.0;
                    }
                }
                // A crossbar, as in E or H.
                for x in x0..x0 + 8 {
                    for y in 84..87 {
                        v[y * W + x] = 40.0;
                    }
                }
            }
        }
        v
    }

    fn run(doc: &[f32]) -> Vec<Solid> {
        let reference = page(false);
        let ref_ink = vec![false; W * H];
        // Personal rows in the middle, stable print above and below (far
        // enough down that only a band of the page is worked on).
        let judged: Vec<bool> = (0..W * H).map(|i| (66..126).contains(&(i / W))).collect();
        let stable: Vec<bool> = judged.iter().map(|j| !j).collect();
        regions(doc, &reference, &ref_ink, &stable, &judged, W, H)
    }

    #[test]
    fn text_strokes_are_not_solid() {
        assert!(run(&page(true)).is_empty());
    }

    #[test]
    fn a_dark_block_among_text_is_found_where_it_is() {
        let mut doc = page(true);
        // 5 × 4 mm of a dark shirt, pasted at (20, 12) mm.
        for y in 72..96 {
            for x in 120..150 {
                doc[y * W + x] = 70.0;
            }
        }
        let found = run(&doc);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = found[0].rect;
        assert!((r.x - 20.0).abs() <= 1.0 && (r.y - 12.0).abs() <= 1.0 && (r.right() - 25.0).abs() <= 1.0 && (r.bottom() - 16.0).abs() <= 1.0, "{r:?}");
    }

    #[test]
    fn a_darker_capture_is_not_solid() {
        // The whole capture 50 levels darker: lighting, not a paste.
        let doc: Vec<f32> = page(true).iter().map(|v| v - 50.0).collect();
        assert!(run(&doc).is_empty());
    }
}
