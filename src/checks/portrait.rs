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

/// A side of a rectangle: the point at fraction t along it, and its outward
/// normal.
type SideLine<'a> = (Box<dyn Fn(f64) -> (f64, f64) + 'a>, (f64, f64));

/// The sides of `r`: left, top, right, bottom.
fn side_lines(r: &RectMm) -> [SideLine<'_>; 4] {
    [
        (Box::new(|t| (r.x, r.y + r.h * t)), (-1.0, 0.0)),
        (Box::new(|t| (r.x + r.w * t, r.y)), (0.0, -1.0)),
        (Box::new(|t| (r.right(), r.y + r.h * t)), (1.0, 0.0)),
        (Box::new(|t| (r.x + r.w * t, r.bottom())), (0.0, 1.0)),
    ]
}

/// Like [`sides`], searching outward offsets `from_mm..=to_mm` from `r`.
#[allow(clippy::too_many_arguments)]
pub fn sides_within(luma: &[f32], usable: Option<&[bool]>, w: usize, h: usize, r: &RectMm, polarity: Option<[f64; 4]>, from_mm: f64, to_mm: f64) -> [Option<Side>; 4] {
    let geo = side_lines(r);
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

// ------------------------------------------------------------- overhang

/// How far beyond each side of the portrait the reference's texture edge is
/// looked for, mm (an enrolled zone can be the varying face, inside the frame).
const EDGE_SEARCH_MM: (f64, f64) = (-3.0, 6.0);
/// Outward shifts of the document's texture edge tried, mm: a pasted photo
/// must cover the original, so it reaches further out.
const SHIFT_RANGE_MM: (f64, f64) = (-1.0, 2.5);
/// Minimum rise of texture (RMS, 0–255) across the reference's frame edge.
const MIN_REFERENCE_RISE: f64 = 2.0;
/// Minimum rise across the document's edge, after the fitted gain.
const MIN_DOCUMENT_RISE: f64 = 1.0;
/// A side's profile must follow the shifted reference's this closely
/// (correlation), or the side is not measured.
const MIN_PROFILE_FIT: f64 = 0.8;
/// Mean outward shift of the measured sides above which the photo no longer
/// sits in the printed frame, mm.
/// On the calibration sets (seeds 2 and 3: 212 genuine documents, 188 of
/// them measurable) the largest mean was 0.25 mm; pasted photos reach
/// 0.2–1.8 mm beyond each side.
pub const MAX_OVERHANG_MM: f64 = 0.4;
/// A side counts as moved out from this far, mm. Of the 45 pasted photos
/// this check failed on the calibration sets (seeds 2 and 3), 44 had a
/// second side at 0.6 mm or more; a genuine-only calibration set (seed 12,
/// 300 documents) had a photo with one side at +2.1 mm (locked onto other
/// print) and the next at +0.3 mm.
const MIN_SIDE_GROWTH_MM: f64 = 0.5;

/// Fine-texture energy (RMS of the detail above a 5-pixel mean, over a
/// 3-pixel window) of `base` (`w` pixels wide) inside the pixel box `b`.
fn texture(base: &[f32], w: usize, b: (usize, usize, usize, usize)) -> Vec<f32> {
    let (x0, y0, x1, y1) = b;
    let (cw, ch) = (x1 - x0, y1 - y0);
    let crop: Vec<f32> = (y0..y1).flat_map(|y| base[y * w + x0..y * w + x1].iter().copied()).collect();
    let m = crate::raster::box_blur(&crop, cw, ch, 2);
    let d2: Vec<f32> = crop.iter().zip(&m).map(|(c, m)| (c - m) * (c - m)).collect();
    // Clamped: running sums leave flat areas a rounding error below zero.
    crate::raster::box_blur(&d2, cw, ch, 1).into_iter().map(|v| v.max(0.0).sqrt()).collect()
}

/// The outward shift of one side's texture edge in the document relative to
/// the reference, mm, and how well the profiles agreed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeShift {
    pub shift_mm: f64,
    pub fit: f64,
}

/// The outcome of comparing where the security print stops around the photo.
#[derive(Clone, Debug, PartialEq)]
pub struct OverhangCheck {
    /// Left, top, right, bottom (`None`: not measurable).
    pub sides: [Option<EdgeShift>; 4],
    /// Mean outward shift of the measured sides, mm.
    pub mean_mm: f64,
}

impl OverhangCheck {
    /// Whether a photo larger than the printed frame covers the print: the
    /// measured sides moved out on average, and on more than one side (one
    /// side locked onto another edge of the print moves alone).
    pub fn covers_print(&self) -> bool {
        let grown = self.sides.iter().flatten().filter(|s| s.shift_mm >= MIN_SIDE_GROWTH_MM).count();
        self.mean_mm > MAX_OVERHANG_MM && grown >= 2
    }
}

/// Where the page's fine print (guilloche) stops around the portrait, in the
/// document against the reference. A photo pasted over the original must be
/// larger to hide it: it covers the print beyond the printed frame, so the
/// textured page begins further out on every side. Texture, not brightness:
/// a pale photo background on a pale page shows no step in luminance.
/// `None` when fewer than two sides can be measured.
pub fn overhang(doc: &[f32], valid: &[bool], reference: &[f32], w: usize, h: usize, r: &RectMm) -> Option<OverhangCheck> {
    let margin = EDGE_SEARCH_MM.1 + SHIFT_RANGE_MM.1 + 4.0;
    let px = |v: f64| (v * REF_PX_PER_MM).max(0.0) as usize;
    let (x0, y0) = (px(r.x - margin), px(r.y - margin));
    let (x1, y1) = (px(r.right() + margin).min(w), px(r.bottom() + margin).min(h));
    if x1 <= x0 + 10 || y1 <= y0 + 10 || doc.len() != w * h || reference.len() != w * h || valid.len() != w * h {
        return None;
    }
    let b = (x0, y0, x1, y1);
    let cw = x1 - x0;
    let (ed, er) = (texture(doc, w, b), texture(reference, w, b));
    let at = |e: &[f32], check: bool, x: f64, y: f64| -> Option<f64> {
        let (gx, gy) = ((x * REF_PX_PER_MM).floor() as i64, (y * REF_PX_PER_MM).floor() as i64);
        if gx < x0 as i64 || gy < y0 as i64 || gx >= x1 as i64 || gy >= y1 as i64 {
            return None;
        }
        let (gx, gy) = (gx as usize, gy as usize);
        if check && !valid[gy * w + gx] {
            return None;
        }
        Some(e[(gy - y0) * cw + (gx - x0)] as f64)
    };
    let geo = side_lines(r);
    let step = 1.0 / REF_PX_PER_MM;
    // Profiles on a grid of offsets: index i is offset `lo + i·step`.
    let (lo, hi) = (EDGE_SEARCH_MM.0 - SHIFT_RANGE_MM.1 - 2.0, EDGE_SEARCH_MM.1 + 4.5);
    let count = ((hi - lo) / step).round() as usize + 1;
    let offset = |i: usize| lo + i as f64 * step;
    let index = |d: f64| ((d - lo) / step).round() as i64;
    let mut sides = [None; 4];
    for (k, (point, n)) in geo.iter().enumerate() {
        let profile = |e: &[f32], check: bool| -> Vec<f64> {
            (0..count)
                .map(|i| {
                    let d = offset(i);
                    let mut v: Vec<f64> = (0..25)
                        .filter_map(|j| {
                            let (x, y) = point(0.15 + 0.7 * j as f64 / 24.0);
                            at(e, check, x + n.0 * d, y + n.1 * d)
                        })
                        .collect();
                    if v.len() < 12 {
                        return f64::NAN;
                    }
                    let mid = v.len() / 2;
                    *v.select_nth_unstable_by(mid, f64::total_cmp).1
                })
                .collect()
        };
        let (pd, pr) = (profile(&ed, true), profile(&er, false));
        let get = |p: &[f64], d: f64| -> f64 {
            let i = index(d);
            if i < 0 || i as usize >= p.len() { f64::NAN } else { p[i as usize] }
        };
        let median_over = |p: &[f64], a: f64, b: f64| -> f64 {
            let mut v: Vec<f64> = (index(a).max(0)..=index(b).min(p.len() as i64 - 1)).map(|i| p[i as usize]).filter(|v| v.is_finite()).collect();
            if v.len() < 3 {
                return f64::NAN;
            }
            let mid = v.len() / 2;
            *v.select_nth_unstable_by(mid, f64::total_cmp).1
        };
        // The reference's edge: the innermost clear outward rise of texture
        // (further out, microprint lines and text rise more steeply).
        let rise = |d: f64| get(&pr, d + 0.5) - get(&pr, d - 0.5);
        let levels = |c: f64| (median_over(&pr, c - 2.0, c - 0.5), median_over(&pr, c + 0.5, c + 2.0));
        let clear = |c: f64| {
            let (r_in, r_out) = levels(c);
            rise(c) >= MIN_REFERENCE_RISE && r_out - r_in >= MIN_REFERENCE_RISE && r_out >= 2.0 * r_in
        };
        let mut d = EDGE_SEARCH_MM.0;
        while d <= EDGE_SEARCH_MM.1 + 1e-9 && !clear(d) {
            d += step;
        }
        if d > EDGE_SEARCH_MM.1 + 1e-9 {
            continue;
        }
        // Centred on the steepest point of that rise.
        let mut c = d;
        let mut e = d;
        while e <= d + 0.5 + 1e-9 {
            if rise(e) > rise(c) {
                c = e;
            }
            e += step;
        }
        let (r_in, r_out) = levels(c);
        // The document's profile against the reference's shifted outward.
        let (wa, wb) = (c - 1.5, c + SHIFT_RANGE_MM.1 + 1.5);
        let fit_at = |s: f64| -> Option<(f64, f64)> {
            let mut m = crate::stats::PairMoments::default();
            let mut d = wa;
            while d <= wb + 1e-9 {
                let (x, y) = (get(&pr, d - s), get(&pd, d));
                if x.is_finite() && y.is_finite() {
                    m.add(x, y);
                }
                d += step;
            }
            if m.n < 0.7 * ((wb - wa) / step) {
                return None;
            }
            m.correlation_and_slope()
        };
        let shifts: Vec<f64> = {
            let m = ((SHIFT_RANGE_MM.1 - SHIFT_RANGE_MM.0) / step).round() as usize;
            (0..=m).map(|i| SHIFT_RANGE_MM.0 + i as f64 * step).collect()
        };
        let fits: Vec<Option<(f64, f64)>> = shifts.iter().map(|&s| fit_at(s)).collect();
        let Some(best) = (0..fits.len()).filter(|&i| fits[i].is_some()).max_by(|&i, &j| fits[i].unwrap().0.total_cmp(&fits[j].unwrap().0)) else { continue };
        let (ncc, gain) = fits[best].unwrap();
        if ncc < MIN_PROFILE_FIT || gain * (r_out - r_in) < MIN_DOCUMENT_RISE {
            continue;
        }
        // Sub-step: the vertex of the parabola through the best and its neighbours.
        let mut s = shifts[best];
        if best > 0 && best + 1 < fits.len() {
            if let (Some((a, _)), Some((b, _))) = (fits[best - 1], fits[best + 1]) {
                let den = a - 2.0 * ncc + b;
                if den < 0.0 {
                    s += (0.5 * (a - b) / den).clamp(-0.5, 0.5) * step;
                }
            }
        }
        sides[k] = Some(EdgeShift { shift_mm: s, fit: ncc });
    }
    let measured: Vec<f64> = sides.iter().flatten().map(|s| s.shift_mm).collect();
    if measured.len() < 2 {
        return None;
    }
    let mean_mm = measured.iter().sum::<f64>() / measured.len() as f64;
    Some(OverhangCheck { sides, mean_mm })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of fine stripes (6 px/mm) with a smooth photo over `photo`.
    fn page(w: usize, h: usize, photo: &RectMm) -> Vec<f32> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f64, (i / w) as f64);
                if photo.contains((x + 0.5) / REF_PX_PER_MM, (y + 0.5) / REF_PX_PER_MM) {
                    200.0
                } else {
                    (170.0 + 40.0 * (x * 1.3 + y * 0.4).sin()) as f32
                }
            })
            .collect()
    }

    #[test]
    fn the_same_frame_has_no_overhang_and_a_larger_photo_has() {
        let (w, h) = (80 * 6, 70 * 6);
        let frame = RectMm::new(20.0, 15.0, 30.0, 38.0);
        let reference = page(w, h, &frame);
        let valid = vec![true; w * h];
        let same = overhang(&reference, &valid, &reference, w, h, &frame).expect("measurable");
        assert!(same.sides.iter().all(|s| s.is_some()), "{same:?}");
        assert!(same.mean_mm.abs() < 0.1, "{same:?}");
        // Pasted 1 mm beyond the left and top sides and 0.5 mm beyond the others.
        let pasted = page(w, h, &RectMm::new(19.0, 14.0, 31.5, 39.5));
        let o = overhang(&pasted, &valid, &reference, w, h, &frame).expect("measurable");
        let shifts: Vec<f64> = o.sides.iter().map(|s| s.unwrap_or_else(|| panic!("{o:?}")).shift_mm).collect();
        for (got, want) in shifts.iter().zip([1.0, 1.0, 0.5, 0.5]) {
            assert!((got - want).abs() < 0.25, "{shifts:?}");
        }
        assert!(o.covers_print(), "{o:?}");
        assert!(!same.covers_print());
        // One side alone moved out (locked onto another edge): not a photo.
        let mut one = same.clone();
        one.sides[0] = Some(EdgeShift { shift_mm: 2.4, fit: 0.95 });
        one.mean_mm = 0.6;
        assert!(!one.covers_print());
    }

    #[test]
    fn a_page_without_texture_is_not_measured() {
        let (w, h) = (80 * 6, 70 * 6);
        let flat = vec![180.0f32; w * h];
        assert!(overhang(&flat, &vec![true; w * h], &flat, w, h, &RectMm::new(20.0, 15.0, 30.0, 38.0)).is_none());
    }
}
