//! A rectangle edited into the portrait: a patch pasted over part of the
//! face (page print, text, another photo's piece) or a part washed out. The
//! photo is personal, so there is no reference to compare it with; but a
//! portrait is drawn in curves (head, hair, shoulders, eyes), while a patch
//! cut by hand or by software is a rectangle on the page's axes: two
//! straight steps meeting at a right angle.

use crate::geometry::RectMm;

use super::zones::REF_PX_PER_MM;

/// The photo's own border, and registration error against the enrolled
/// frame, stay out: the frame less this margin is searched (mm).
const MARGIN_MM: f64 = 1.0;
/// A step: at least this much (0–255) across 2 px, keeping its sign along
/// the run.
const MIN_STEP: f32 = 10.0;
/// A straight step: its position across the run within this RMS of a line
/// (px), the line within this slope of the page's axis. A portrait's curves
/// look straight over a few millimetres only: a neck's side meeting the
/// shoulders, the flat top of the shoulders.
const MAX_WANDER_PX: f64 = 0.25;
const MAX_SLOPE: f64 = 0.03;
/// Reported from this length of the shorter arm (mm). On the calibration
/// sets (seeds 2, 3, 11, 12, 13: 746 genuine documents compared with an
/// issuer template, every capture and resolution), the longest genuine
/// shorter arm was 3.5 mm (150-dpi photos, where blur straightens a neck
/// and shoulders); 8 of the 22 edits over the portrait left ≥ 4.0 mm, 7 of
/// them otherwise missed. Copy-moves rarely keep a step of one sign along a
/// side (the pasted print crosses the face's tones).
pub const MIN_ARM_MM: f64 = 4.0;

/// A straight step: a run of pixels along a row (or column) whose gradient
/// across it keeps its sign and strength.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Run {
    /// The row (or column) of the run, and its first and last pixel along it.
    at: usize,
    from: usize,
    to: usize,
}

impl Run {
    fn len(&self) -> usize {
        self.to + 1 - self.from
    }
}

/// Two straight steps meeting at a right angle.
#[derive(Clone, Debug, PartialEq)]
pub struct Corner {
    /// The bounds of both steps, mm in the document frame.
    pub rect: RectMm,
    /// The shorter step's length, mm.
    pub arm_mm: f64,
}

/// A rectangle's corner inside portrait `zone` of the rectified luminance
/// `base` (at [`REF_PX_PER_MM`]), with arms of at least [`MIN_ARM_MM`].
pub fn edit(base: &[f32], valid: &[bool], width: usize, height: usize, zone: &RectMm) -> Option<Corner> {
    best_corner(base, valid, width, height, zone).filter(|c| c.arm_mm >= MIN_ARM_MM)
}

/// Where steps run straight along rows and columns inside `zone`'s
/// interior, the corner with the longest shorter arm; `None` without any
/// corner, or where the interior is not wholly in the capture.
fn best_corner(base: &[f32], valid: &[bool], width: usize, height: usize, zone: &RectMm) -> Option<Corner> {
    let px = |v: f64| (v * REF_PX_PER_MM).round().max(0.0) as usize;
    let (x0, y0) = (px(zone.x + MARGIN_MM).max(1), px(zone.y + MARGIN_MM).max(1));
    let (x1, y1) = (px(zone.right() - MARGIN_MM).min(width.saturating_sub(1)), px(zone.bottom() - MARGIN_MM).min(height.saturating_sub(1)));
    if x1 <= x0 + 8 || y1 <= y0 + 8 || base.len() != width * height || valid.len() != width * height {
        return None;
    }
    if (y0 - 1..=y1).any(|y| valid[y * width + x0 - 1..=y * width + x1].iter().any(|v| !v)) {
        return None;
    }
    let at = |x: usize, y: usize| base[y * width + x];
    // Gradient across rows (a step along a row) and across columns; none at
    // the plane's borders (the line fits look a few pixels beyond a run).
    let inside = |x: usize, y: usize| x >= 1 && y >= 1 && x + 1 < width && y + 1 < height;
    let across_rows = |x: usize, y: usize| if inside(x, y) { at(x, y + 1) - at(x, y - 1) } else { 0.0 };
    let across_columns = |x: usize, y: usize| if inside(x, y) { at(x + 1, y) - at(x - 1, y) } else { 0.0 };
    let runs = |outer: std::ops::Range<usize>, inner: std::ops::Range<usize>, g: &dyn Fn(usize, usize) -> f32| -> Vec<Run> {
        let mut found = Vec::new();
        for o in outer {
            let mut start: Option<(usize, bool)> = None;
            for i in inner.clone().chain(std::iter::once(inner.end)) {
                let v = if i < inner.end { g(o, i) } else { 0.0 };
                let sign = (v.abs() >= MIN_STEP).then_some(v > 0.0);
                match (start, sign) {
                    (Some((_, s)), Some(t)) if s == t => {}
                    (s, now) => {
                        if let Some((from, _)) = s {
                            found.push(Run { at: o, from, to: i - 1 });
                        }
                        start = now.map(|t| (i, t));
                    }
                }
            }
        }
        found.retain(|r| {
            r.len() >= MIN_RUN_PX && {
                let (wander, slope) = straightness(r, g);
                wander <= MAX_WANDER_PX && slope.abs() <= MAX_SLOPE
            }
        });
        found
    };
    // Along rows: outer index y, inner x; along columns: outer x, inner y.
    let rows = runs(y0..y1, x0..x1, &|y, x| across_rows(x, y));
    let columns = runs(x0..x1, y0..y1, &|x, y| across_columns(x, y));
    let near = |a: usize, b: usize| a.abs_diff(b) <= CORNER_GAP_PX;
    let mut best: Option<(usize, Run, Run)> = None;
    for r in &rows {
        for c in &columns {
            // The column's run ends at the row and the row's at the column.
            let meets = (near(c.at, r.from) || near(c.at, r.to)) && (near(r.at, c.from) || near(r.at, c.to));
            let arm = r.len().min(c.len());
            if meets && best.as_ref().is_none_or(|b| arm > b.0) {
                best = Some((arm, *r, *c));
            }
        }
    }
    let (arm, r, c) = best?;
    let (bx0, bx1) = (r.from.min(c.at), r.to.max(c.at));
    let (by0, by1) = (c.from.min(r.at), c.to.max(r.at));
    let mm = |p: usize| p as f64 / REF_PX_PER_MM;
    Some(Corner { rect: RectMm::new(mm(bx0), mm(by0), mm(bx1 + 1 - bx0), mm(by1 + 1 - by0)), arm_mm: mm(arm) })
}

/// How far the step wanders from a straight line along `run` (RMS, px), and
/// the line's slope: the step's position across the run at each pixel is the
/// peak of the gradient (of the run's sign) within 3 pixels, refined by a
/// parabola through the peak and its neighbours.
fn straightness(run: &Run, g: &dyn Fn(usize, usize) -> f32) -> (f64, f64) {
    let sign = if g(run.at, run.from) > 0.0 { 1.0 } else { -1.0 };
    let mut points = Vec::with_capacity(run.len());
    for i in run.from..=run.to {
        let v = |o: usize| sign * g(o, i) as f64;
        let Some(peak) = (run.at.saturating_sub(3)..=run.at + 3).max_by(|&a, &b| v(a).total_cmp(&v(b))) else { continue };
        if peak == 0 {
            continue;
        }
        let (l, c, r) = (v(peak - 1), v(peak), v(peak + 1));
        let curvature = l - 2.0 * c + r;
        let offset = if curvature < 0.0 { (0.5 * (l - r) / curvature).clamp(-0.5, 0.5) } else { 0.0 };
        points.push((i as f64, peak as f64 + offset));
    }
    let Some((slope, intercept)) = fit_line(&points) else { return (f64::INFINITY, 0.0) };
    let rms = (points.iter().map(|p| (p.1 - intercept - slope * p.0).powi(2)).sum::<f64>() / points.len() as f64).sqrt();
    (rms, slope)
}

/// The least-squares line y = slope·x + intercept through `points`.
fn fit_line(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if n < 3.0 {
        return None;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    Some((slope, my - slope * mx))
}

/// Shortest run kept (px): 2 mm.
const MIN_RUN_PX: usize = 12;
/// How far apart two runs' ends may be and still meet (px): a corner's
/// gradient is diagonal, weaker across either side, so each run stops short.
const CORNER_GAP_PX: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = 240;
    const H: usize = 300;

    /// A portrait of ellipses at 6 px/mm: backdrop, shoulders, neck, head,
    /// eyes, softened by a pixel of edge coverage; the zone is the whole
    /// plane, a 40 × 50 mm photo.
    fn portrait() -> Vec<f32> {
        let ellipse = |x: f64, y: f64, cx: f64, cy: f64, a: f64, b: f64| (1.0 - (((x - cx) / a).powi(2) + ((y - cy) / b).powi(2)).sqrt()) * a.min(b);
        let cover = |d: f64| (d + 0.5).clamp(0.0, 1.0) as f32;
        (0..W * H)
            .map(|i| {
                let (x, y) = ((i % W) as f64 + 0.5, (i / W) as f64 + 0.5);
                let mut v = 225.0 - 0.05 * y as f32;
                for (cx, cy, a, b, tone) in [(120.0, 330.0, 120.0, 70.0, 70.0), (120.0, 230.0, 26.0, 45.0, 150.0), (120.0, 130.0, 70.0, 90.0, 170.0), (95.0, 120.0, 10.0, 5.0, 40.0), (145.0, 120.0, 10.0, 5.0, 40.0)] {
                    let c = cover(ellipse(x, y, cx, cy, a, b));
                    v = v * (1.0 - c) + tone * c;
                }
                v
            })
            .collect()
    }

    fn zone() -> RectMm {
        RectMm::new(0.0, 0.0, W as f64 / REF_PX_PER_MM, H as f64 / REF_PX_PER_MM)
    }

    #[test]
    fn a_portrait_of_curves_has_no_edit() {
        let p = portrait();
        assert_eq!(edit(&p, &vec![true; W * H], W, H, &zone()), None);
    }

    #[test]
    fn a_washed_rectangle_over_the_face_is_found_where_it_is() {
        let mut p = portrait();
        // 8 × 5 mm at (10, 18) mm: over the eye and the cheek.
        for y in 108..138 {
            for x in 60..108 {
                p[y * W + x] = 0.9 * 200.0 + 0.1 * p[y * W + x];
            }
        }
        let c = edit(&p, &vec![true; W * H], W, H, &zone()).expect("the rectangle's corners");
        assert!(c.arm_mm >= MIN_ARM_MM, "{c:?}");
        let r = c.rect;
        assert!(r.x >= 9.5 && r.right() <= 18.5 && r.y >= 17.5 && r.bottom() <= 23.5, "{r:?}");
    }

    #[test]
    fn a_tilted_rectangle_or_one_outside_the_capture_is_not_judged() {
        let valid = vec![true; W * H];
        // Tilted by 5°: no longer on the page's axes.
        let mut p = portrait();
        let t = 5f64.to_radians();
        for y in 0..H {
            for x in 0..W {
                let (u, v) = ((x as f64 - 84.0) * t.cos() + (y as f64 - 123.0) * t.sin(), -(x as f64 - 84.0) * t.sin() + (y as f64 - 123.0) * t.cos());
                if u.abs() < 24.0 && v.abs() < 15.0 {
                    p[y * W + x] = 200.0;
                }
            }
        }
        assert_eq!(edit(&p, &valid, W, H, &zone()), None);
        // Part of the interior outside the capture.
        let mut p = portrait();
        for y in 108..138 {
            for x in 60..108 {
                p[y * W + x] = 200.0;
            }
        }
        let mut partial = valid.clone();
        partial[20 * W + 30] = false;
        assert_eq!(edit(&p, &partial, W, H, &zone()), None);
        assert!(edit(&p, &valid, W, H, &zone()).is_some());
    }
}
