//! Portrait frame geometry: a substituted photo is rarely the exact size and
//! position of the original. The frame's four sides are located in the
//! document and in the reference (the strongest consistent step across each
//! side, where the photo's background meets the page), and their sizes and
//! centres compared. Registration error moves all sides together, so the
//! size comparison is immune to it and the centre comparison tolerates it.

use crate::checks::zones::REF_PX_PER_MM;
use crate::geometry::RectMm;

/// How far from the enrolled outline a side is searched, mm.
const SEARCH_MM: f64 = 4.0;
/// Half the distance between the samples that measure a step, mm.
const STEP_MM: f64 = 0.5;
/// Minimum step across a frame side (0–255).
const MIN_STEP: f64 = 8.0;
/// Allowed change of the frame's width or height, mm.
pub const MAX_SIZE_CHANGE_MM: f64 = 1.6;
/// Allowed shift of the frame's centre, mm (includes registration error).
pub const MAX_CENTRE_SHIFT_MM: f64 = 2.0;
/// A side whose step in the document is below this fraction of the
/// reference's has lost its frame edge.
const MIN_STEP_RATIO: f64 = 0.25;

/// One side of the frame: offset along the outward normal (mm, relative to
/// the enrolled outline), and the signed step there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Side {
    pub offset_mm: f64,
    pub step: f64,
}

fn sample(luma: &[f32], usable: Option<&[bool]>, w: usize, h: usize, x: f64, y: f64) -> Option<f64> {
    let (px, py) = ((x * REF_PX_PER_MM) as i64, (y * REF_PX_PER_MM) as i64);
    if px < 0 || py < 0 || px >= w as i64 || py >= h as i64 {
        return None;
    }
    let i = py as usize * w + px as usize;
    if usable.is_some_and(|u| !u[i]) {
        return None;
    }
    Some(luma[i] as f64)
}

/// Locates the four sides (left, top, right, bottom) of the frame within
/// `SEARCH_MM` of `r`. With `polarity`, a side must step the same way (sign
/// of the reference's step).
pub fn sides(luma: &[f32], usable: Option<&[bool]>, w: usize, h: usize, r: &RectMm, polarity: Option<[f64; 4]>) -> [Option<Side>; 4] {
    sides_within(luma, usable, w, h, r, polarity, -SEARCH_MM, SEARCH_MM)
}

/// Like [`sides`], searching outward offsets `from_mm..=to_mm` from `r`.
#[allow(clippy::too_many_arguments)]
pub fn sides_within(luma: &[f32], usable: Option<&[bool]>, w: usize, h: usize, r: &RectMm, polarity: Option<[f64; 4]>, from_mm: f64, to_mm: f64) -> [Option<Side>; 4] {
    // (point on the side at fraction t, outward normal)
    let geo: [(Box<dyn Fn(f64) -> (f64, f64)>, (f64, f64)); 4] = [
        (Box::new(|t| (r.x, r.y + r.h * t)), (-1.0, 0.0)),
        (Box::new(|t| (r.x + r.w * t, r.y)), (0.0, -1.0)),
        (Box::new(|t| (r.right(), r.y + r.h * t)), (1.0, 0.0)),
        (Box::new(|t| (r.x + r.w * t, r.bottom())), (0.0, 1.0)),
    ];
    let mut out = [None; 4];
    for (k, (at, n)) in geo.iter().enumerate() {
        let mut best: Option<Side> = None;
        let steps = ((to_mm - from_mm) * REF_PX_PER_MM) as i32;
        for s in 0..=steps {
            let d = from_mm + s as f64 / REF_PX_PER_MM;
            let mut v: Vec<f64> = (0..25)
                .filter_map(|i| {
                    let (x, y) = at(0.2 + 0.6 * i as f64 / 24.0);
                    let inside = sample(luma, usable, w, h, x + n.0 * (d - STEP_MM), y + n.1 * (d - STEP_MM))?;
                    let outside = sample(luma, usable, w, h, x + n.0 * (d + STEP_MM), y + n.1 * (d + STEP_MM))?;
                    Some(inside - outside)
                })
                .collect();
            if v.len() < 12 {
                continue;
            }
            v.sort_by(f64::total_cmp);
            let m = v[v.len() / 2];
            if polarity.is_some_and(|p| p[k] * m <= 0.0) {
                continue;
            }
            if m.abs() >= MIN_STEP && best.is_none_or(|b| m.abs() > b.step.abs()) {
                best = Some(Side { offset_mm: d, step: m });
            }
        }
        out[k] = best;
    }
    out
}

/// The photo frame around a portrait-shaped personal region `blob` in a
/// reference: each side moved outward to the strongest step within 8 mm
/// (where the photo's background meets the page). `None` when a side has no
/// clear step.
pub fn frame_around(luma: &[f32], w: usize, h: usize, blob: &RectMm) -> Option<RectMm> {
    let s = sides_within(luma, None, w, h, blob, None, 0.0, 8.0);
    let [l, t, r, b] = [s[0]?, s[1]?, s[2]?, s[3]?];
    Some(RectMm::new(blob.x - l.offset_mm, blob.y - t.offset_mm, blob.w + l.offset_mm + r.offset_mm, blob.h + t.offset_mm + b.offset_mm))
}

/// The outcome of comparing the document's frame with the reference's.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameCheck {
    /// Largest deviation relative to its allowance (≤ 1 is within tolerance).
    pub deviation: f64,
    pub message: String,
}

/// Compares the frames; `None` when the reference frame is not measurable.
pub fn compare(doc: &[f32], usable: &[bool], reference: &[f32], w: usize, h: usize, r: &RectMm) -> Option<FrameCheck> {
    let rs = sides(reference, None, w, h, r, None);
    if rs.iter().any(|s| s.is_none()) {
        return None;
    }
    let rs: Vec<Side> = rs.iter().flatten().copied().collect();
    let polarity = [rs[0].step, rs[1].step, rs[2].step, rs[3].step];
    let ds = sides(doc, Some(usable), w, h, r, Some(polarity));
    // A side not found cannot be measured (glare, a finger, a soft print):
    // no conclusion rather than a false alarm.
    if (0..4).any(|k| !ds[k].is_some_and(|s| s.step.abs() >= MIN_STEP_RATIO * rs[k].step.abs())) {
        return None;
    }
    let d: Vec<f64> = ds.iter().flatten().map(|s| s.offset_mm).collect();
    let r_off: Vec<f64> = rs.iter().map(|s| s.offset_mm).collect();
    // Outward offsets: width grows with left and right offsets.
    let dw = (d[0] + d[2]) - (r_off[0] + r_off[2]);
    let dh = (d[1] + d[3]) - (r_off[1] + r_off[3]);
    let cx = ((d[2] - d[0]) - (r_off[2] - r_off[0])) / 2.0;
    let cy = ((d[3] - d[1]) - (r_off[3] - r_off[1])) / 2.0;
    // A substituted photo changes both dimensions; one side locked onto the
    // wrong step changes one.
    let deviation = (dw.abs().min(dh.abs()) / MAX_SIZE_CHANGE_MM).max(cx.abs().max(cy.abs()) / MAX_CENTRE_SHIFT_MM);
    Some(FrameCheck {
        deviation,
        message: format!("portrait frame size differs by {dw:+.1} × {dh:+.1} mm and its centre by ({cx:+.1}, {cy:+.1}) mm from the reference"),
    })
}
