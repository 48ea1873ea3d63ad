//! Registration by content: the document's printed layout matched patch by
//! patch against an issuer template's reference, fitted to a homography.
//!
//! Page edges are the first choice ([`crate::register`]), but a pale page on
//! a pale table, a cropped scan or a finger over a corner leaves them
//! unmeasurable. The layout itself (titles, captions, emblem, background
//! print) then places the page. Patches that do not match (a tampered zone,
//! a shifted MRZ, a pasted photo) are outliers of the fit, not part of it:
//! the MRZ band and the portrait are never used.

use crate::checks::zones::{self, REF_PX_PER_MM, ShiftPlane};
use crate::geometry::{FormatGeometry, Homography, RectMm};
use crate::template::{Template, ZoneKind};

/// Side of a square patch, mm.
const PATCH_MM: f64 = 14.0;
/// Coarse search resolution, px/mm (the reference frame is 6 px/mm).
const COARSE_DIV: usize = 3;
/// Similarity (NCC at comparison level 1) a patch needs to count.
const MIN_PATCH_SCORE: f64 = 0.5;
/// A patch further than this from the fitted homography is an outlier, mm.
const MAX_RESIDUAL_MM: f64 = 0.35;
/// The same in the wide first pass of a two-pass search: there the page is
/// still rotated, scaled and bent by perspective against the reference, so
/// a 14 mm patch matched by translation alone is good to a millimetre at best;
/// the narrow second pass holds the fit to [`MAX_RESIDUAL_MM`].
const MAX_RESIDUAL_WIDE_MM: f64 = 1.0;
/// RMS residual allowed after the narrow pass that follows a wide search
/// (calibration set: right placements ≤ 0.10 mm, the three false locks
/// 0.16–0.22 mm); `checks::run_all` holds every placement to it.
pub(crate) const MAX_WIDE_FINAL_RMS_MM: f64 = 0.12;
/// Matched patches needed, and the share of the usable patches' extent
/// (each way) they must span. A TD1 card's layout has 7 to 10 patches, and a
/// replaced title or emblem takes one or two of them (calibration seed 11:
/// one such card placed at 5, no other verdict changed on the calibration
/// sets).
const MIN_PATCHES: usize = 5;
const MIN_SPAN: f64 = 0.6;
/// Share of the usable patches that must agree with the fit.
const MIN_INLIER_SHARE: f64 = 0.5;
/// The same after the last, narrow pass: from a right placement nearly every
/// patch agrees within a fraction of a millimetre (a tampered zone or pasted
/// photo costs a few); a false lock on a repetitive background leaves about
/// half (measured on the calibration set: 0.54 for the one false lock, ≥ 0.6
/// for right placements).
const MIN_FINAL_INLIER_SHARE: f64 = 0.6;
/// The wide pass's share: from a start several millimetres off, patches on
/// repetitive print lock onto wrong repeats, and the consensus of the rest
/// is refined by the passes that follow, which hold the fit to the shares
/// above.
const MIN_WIDE_INLIER_SHARE: f64 = 0.35;
/// A medium pass between the wide and the narrow one: the wide fit, from
/// patches matched by translation alone, can be a millimetre off at the
/// corners of a perspective photo, beyond the narrow pass's reach.
const MEDIUM_RADIUS_MM: f64 = 2.0;
const MAX_RESIDUAL_MEDIUM_MM: f64 = 0.6;

struct Pass {
    radius_mm: f64,
    max_residual_mm: f64,
    min_share: f64,
}

/// Below this many matches the correction is affine.
const MIN_PATCHES_PROJECTIVE: usize = 12;
/// Between [`MIN_PATCHES_BENT`] and [`MIN_PATCHES_PROJECTIVE`] matches, a
/// projective fit replaces the affine one when its residual variance per
/// degree of freedom is below this share of the affine fit's.
const MIN_PATCHES_BENT: usize = 8;
const BENT_VARIANCE_RATIO: f64 = 0.5;
/// ... and only when the affine fit leaves more than a flat page placed
/// right does (RMS, mm; see [`MAX_WIDE_FINAL_RMS_MM`]): on a scan the
/// projective terms fit noise and bend the page (held-out seed 30: a genuine
/// 200-dpi scan failed two zones through such a bend).
const MIN_BENT_AFFINE_RMS_MM: f64 = 0.1;
/// ... and only over matches spread this far both ways (share of the page's
/// width and height): matches along two rows let a homography bend the page
/// away from them at will.
const MIN_BENT_SPREAD: f64 = 0.25;
/// Matched patches spread less than this across their strip (mm) fix a
/// similarity only.
const STRIP_SPREAD_MM: f64 = 4.0;
/// A patch whose reference, shifted 1 mm along an axis, still correlates
/// this well with itself does not fix that axis: its match counts across it only.
const MAX_SELF_SIMILARITY: f64 = 0.96;
/// Reference structure (standard deviation, 0–255) a patch needs.
const MIN_PATCH_STRUCTURE: f64 = 3.0;

/// A page placed by its content.
#[derive(Clone, Debug, PartialEq)]
pub struct Alignment {
    /// Document frame (mm) → image pixels.
    pub doc_to_image: Homography,
    /// Patches that agree with the fit, of those with enough structure.
    pub inliers: usize,
    pub candidates: usize,
    /// Median patch similarity of the inliers.
    pub median_score: f64,
    /// RMS residual of the inliers, mm.
    pub residual_mm: f64,
    /// Placed from afar: by a wide search from the MRZ's estimate, no page
    /// edges to start from.
    pub from_afar: bool,
    /// The matched patches lay along one strip (a card whose only stable
    /// print is its header): they corrected the start by a similarity, and
    /// the page's shape away from the strip is the start's.
    pub strip: bool,
}

#[derive(Clone, Debug)]
struct Patch {
    centre_mm: (f64, f64),
    /// The axis (0 = x, 1 = y) along which the patch's print repeats, which
    /// its match therefore does not fix.
    free_axis: Option<usize>,
    pixels: Vec<usize>,
    coarse_pixels: Vec<usize>,
}

/// What alignment uses of a template's reference, which depends on the
/// template alone: computed on its first alignment and kept with it.
#[derive(Clone, Debug)]
pub struct Layout {
    patches: Vec<Patch>,
    /// The comparison level downscaled for the coarse search.
    ref_coarse: Vec<f32>,
}

impl Layout {
    /// `None` when the template has no prepared reference and mask.
    pub(crate) fn of(t: &Template) -> Option<Layout> {
        let prep = t.prepared()?;
        let mask = t.mask.as_ref()?.as_raw();
        let (w, h) = (prep.width, prep.height);
        let g = FormatGeometry::of(t.file.format);
        let mut excluded: Vec<RectMm> = vec![grown(&g.mrz_zone(), 1.0)];
        excluded.extend(t.file.zones.iter().filter(|z| z.kind == ZoneKind::Portrait).map(|z| grown(&z.rect, 2.5)));
        let reference = &prep.levels[1];
        Some(Layout { patches: patches(reference, mask, w, h, &excluded), ref_coarse: downscale(reference, w, h, COARSE_DIV) })
    }
}

/// Places `t`'s page in the image (`work_luma`: the luminance of the image
/// box-downscaled by `factor`), starting from `start` (document frame → image) and searching
/// up to `search_mm` around it. `None` when the layout does not match well
/// enough to place the page.
pub fn align(work_luma: &[f32], work_w: usize, work_h: usize, factor: usize, start: &Homography, t: &Template, search_mm: f64) -> Option<Alignment> {
    let prep = t.prepared()?;
    let (w, h) = (prep.width, prep.height);
    let g = FormatGeometry::of(t.file.format);
    let reference = &prep.levels[1];
    let Layout { patches, ref_coarse } = t.align_layout()?;
    if patches.len() < MIN_PATCHES {
        return None;
    }
    let (all_x, all_y): (Vec<f64>, Vec<f64>) = patches.iter().map(|p| p.centre_mm).unzip();
    let mut current = *start;
    // The correction so far, in the document frame.
    let mut correction = Homography::IDENTITY;
    let mut result = None;
    // A wide search is refined by a medium and then a narrow pass, each from
    // the previous one's result.
    let passes: Vec<Pass> = if search_mm > 3.0 {
        vec![
            Pass { radius_mm: search_mm, max_residual_mm: MAX_RESIDUAL_WIDE_MM, min_share: MIN_WIDE_INLIER_SHARE },
            Pass { radius_mm: MEDIUM_RADIUS_MM, max_residual_mm: MAX_RESIDUAL_MEDIUM_MM, min_share: MIN_INLIER_SHARE },
            Pass { radius_mm: 0.7, max_residual_mm: MAX_RESIDUAL_MM, min_share: MIN_FINAL_INLIER_SHARE },
        ]
    } else {
        vec![Pass { radius_mm: search_mm, max_residual_mm: MAX_RESIDUAL_MM, min_share: MIN_FINAL_INLIER_SHARE }]
    };
    let mut reseeded = false;
    let mut pass = 0;
    while let Some(&Pass { radius_mm, max_residual_mm, min_share }) = passes.get(pass) {
        let doc = zones::rectify_luma(work_luma, work_w, work_h, factor, &current, w as f64 / REF_PX_PER_MM, h as f64 / REF_PX_PER_MM);
        let (base, valid) = (doc.base, doc.valid);
        let doc_luma = zones::level_luma(&base, w, h, 1);
        let usable = prep.usable_pixels(&base, &valid, w, h);
        let coarse = (pass == 0).then(|| {
            let u: Vec<f32> = usable.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
            (downscale(&doc_luma, w, h, COARSE_DIV), downscale(&u, w, h, COARSE_DIV).iter().map(|&v| v > 0.99).collect::<Vec<bool>>())
        });
        // Shift ranges: the coarse search's, and the fine one's around its
        // result (or from zero), with the neighbours either side. Larger
        // shifts are still correct, only slower.
        let coarse_r = (radius_mm * REF_PX_PER_MM / COARSE_DIV as f64).ceil() as i32;
        let r = if coarse.is_some() { COARSE_DIV as i32 + 1 } else { (radius_mm * REF_PX_PER_MM).ceil() as i32 };
        let coarse_plane = coarse.as_ref().map(|(cl, cu)| ShiftPlane::new(cl, cu, w / COARSE_DIV, h / COARSE_DIV, coarse_r as usize + 1));
        let fine_pad = if coarse.is_some() { COARSE_DIV * (coarse_r as usize + 1) } else { 0 } + r as usize + 2;
        let plane = ShiftPlane::new(&doc_luma, &usable, w, h, fine_pad);
        let mut matches: Vec<Match> = Vec::new();
        let mut partial: Vec<Partial> = Vec::new();
        for p in patches {
            let start_shift = match &coarse_plane {
                Some(cp) => {
                    let Some((_, dx, dy)) = best_shift(cp, &ref_coarse, &p.coarse_pixels, (0, 0), coarse_r) else { continue };
                    (dx * COARSE_DIV as i32, dy * COARSE_DIV as i32)
                }
                None => (0, 0),
            };
            let Some((score, dx, dy)) = best_shift(&plane, reference, &p.pixels, start_shift, r) else { continue };
            if score < MIN_PATCH_SCORE {
                continue;
            }
            let (sx, sy) = subpixel(&plane, reference, &p.pixels, dx, dy, score);
            let q = (p.centre_mm.0 + sx / REF_PX_PER_MM, p.centre_mm.1 + sy / REF_PX_PER_MM);
            match p.free_axis {
                None => matches.push((p.centre_mm, q, score)),
                Some(axis) => partial.push(((p.centre_mm, q, score), axis)),
            }
        }
        let (fit, strip) = robust_fit(&mut matches, &mut partial, max_residual_mm, (g.width_mm, g.height_mm))?;
        let inliers = matches.len() + partial.len();
        let all = || matches.iter().chain(partial.iter().map(|p| &p.0));
        let (xs, ys): (Vec<f64>, Vec<f64>) = all().map(|m| m.0).unzip();
        let span = |v: &[f64]| extent(v.iter().copied());
        if inliers < MIN_PATCHES.max((min_share * patches.len() as f64).ceil() as usize) || span(&xs) < MIN_SPAN * span(&all_x) || span(&ys) < MIN_SPAN * span(&all_y) {
            // A wide pass whose fit holds part of the layout (patches near a
            // start millimetres off matched, the far ones locked onto
            // repeats of the background print) gives a better start: the
            // wide search runs once more from it.
            if pass == 0 && passes.len() > 1 && !reseeded {
                reseeded = true;
                current = current.compose(&fit);
                correction = correction.compose(&fit);
                continue;
            }
            return None;
        }
        let mut scores: Vec<f64> = all().map(|m| m.2).collect();
        scores.sort_by(f64::total_cmp);
        let squares = matches.iter().map(|m| residual(&fit, m, None).powi(2)).chain(partial.iter().map(|p| residual(&fit, &p.0, Some(p.1)).powi(2)));
        let rms = (squares.sum::<f64>() / inliers as f64).sqrt();
        current = current.compose(&fit);
        correction = correction.compose(&fit);
        // The layout cannot move the page further than was searched.
        let moved = [(0.0, 0.0), (g.width_mm, 0.0), (g.width_mm, g.height_mm), (0.0, g.height_mm)]
            .iter()
            .map(|&(x, y)| correction.apply(x, y).map_or(f64::INFINITY, |q| dist(q, (x, y))))
            .fold(0.0, f64::max);
        if moved > passes.iter().map(|p| p.radius_mm).sum::<f64>() + 1.5 {
            return None;
        }
        // After a wide search, the refined fit must be tight: a false lock
        // (a perspective photo whose first fit bent the page) keeps patches
        // that agree only loosely.
        if passes.len() > 1 && pass + 1 == passes.len() && rms > MAX_WIDE_FINAL_RMS_MM {
            return None;
        }
        result = Some(Alignment { doc_to_image: current, inliers, candidates: patches.len(), median_score: scores[scores.len() / 2], residual_mm: rms, from_afar: passes.len() > 1, strip });
        pass += 1;
    }
    result
}

fn grown(r: &RectMm, by: f64) -> RectMm {
    RectMm::new(r.x - by, r.y - by, r.w + 2.0 * by, r.h + 2.0 * by)
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// A grid of patches over the page with enough stable, structured reference
/// pixels outside the excluded rectangles.
fn patches(reference: &[f32], mask: &[u8], w: usize, h: usize, excluded: &[RectMm]) -> Vec<Patch> {
    let (wm, hm) = (w as f64 / REF_PX_PER_MM, h as f64 / REF_PX_PER_MM);
    // Smaller patches on small cards, for enough of them.
    let patch_mm = PATCH_MM.min(wm / 8.0);
    let step = patch_mm * 0.75;
    let nx = ((wm - patch_mm - 2.0) / step).floor().max(0.0) as usize + 1;
    let ny = ((hm - patch_mm - 2.0) / step).floor().max(0.0) as usize + 1;
    let everywhere = vec![true; w * h];
    let mut out = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let cx = 1.0 + patch_mm / 2.0 + if nx > 1 { i as f64 * (wm - patch_mm - 2.0) / (nx - 1) as f64 } else { 0.0 };
            let cy = 1.0 + patch_mm / 2.0 + if ny > 1 { j as f64 * (hm - patch_mm - 2.0) / (ny - 1) as f64 } else { 0.0 };
            let r = RectMm::new(cx - patch_mm / 2.0, cy - patch_mm / 2.0, patch_mm, patch_mm);
            let (x0, y0, x1, y1) = zones::zone_px(&r, w, h);
            let mut pixels = Vec::new();
            // Every other pixel each way: the comparison level is smooth.
            for y in (y0..y1).step_by(2) {
                for x in (x0..x1).step_by(2) {
                    let (xm, ym) = ((x as f64 + 0.5) / REF_PX_PER_MM, (y as f64 + 0.5) / REF_PX_PER_MM);
                    let i = y * w + x;
                    if mask[i] < 128 && !excluded.iter().any(|e| e.contains(xm, ym)) {
                        pixels.push(i);
                    }
                }
            }
            let area = (x1 - x0).div_ceil(2) * (y1 - y0).div_ceil(2);
            if (pixels.len() as f64) < 0.4 * area as f64 || std_dev(reference, &pixels) < MIN_PATCH_STRUCTURE {
                continue;
            }
            // Print that repeats along one axis (rules, bands of wavy
            // lines) fixes the other axis only: its best shift along the
            // repeat is noise that would pull the fit.
            let shifted = |dx: i32, dy: i32| zones::NccSums::at(reference, &everywhere, w, h, reference, &pixels, dx, dy).score().unwrap_or(0.0);
            let s = REF_PX_PER_MM.round() as i32;
            let repeats = [(s, 0), (0, s)].map(|(dx, dy)| shifted(dx, dy).max(shifted(-dx, -dy)) > MAX_SELF_SIMILARITY);
            let free_axis = match repeats {
                [false, false] => None,
                [true, false] => Some(0),
                [false, true] => Some(1),
                [true, true] => continue,
            };
            let cw = w / COARSE_DIV;
            let mut coarse_pixels: Vec<usize> = pixels.iter().map(|&i| (i / w / COARSE_DIV) * cw + (i % w) / COARSE_DIV).filter(|&c| c < cw * (h / COARSE_DIV)).collect();
            coarse_pixels.sort_unstable();
            coarse_pixels.dedup();
            out.push(Patch { centre_mm: (cx, cy), free_axis, pixels, coarse_pixels });
        }
    }
    out
}

fn std_dev(v: &[f32], idx: &[usize]) -> f64 {
    if idx.is_empty() {
        return 0.0;
    }
    let n = idx.len() as f64;
    let m = idx.iter().map(|&i| v[i] as f64).sum::<f64>() / n;
    (idx.iter().map(|&i| (v[i] as f64 - m).powi(2)).sum::<f64>() / n).sqrt()
}

/// Box-averages by `div` (dimensions floor-divided).
fn downscale(v: &[f32], w: usize, h: usize, div: usize) -> Vec<f32> {
    let (cw, ch) = (w / div, h / div);
    let mut out = vec![0.0f32; cw * ch];
    let norm = 1.0 / (div * div) as f32;
    for y in 0..ch {
        for x in 0..cw {
            let mut s = 0.0;
            for yy in 0..div {
                let row = (y * div + yy) * w + x * div;
                s += v[row..row + div].iter().sum::<f32>();
            }
            out[y * cw + x] = s * norm;
        }
    }
    out
}

/// The similarity of a patch under a shift: `None` unless most of it is
/// visible.
fn ncc(s: &zones::NccSums, pixels: &[usize]) -> Option<f64> {
    // Most of the patch must be visible for its best shift to mean anything.
    if (s.n as f64) < 0.6 * pixels.len() as f64 || s.n < 16 {
        return None;
    }
    s.score()
}

/// The shift within `radius` of `around` with the highest similarity.
fn best_shift(plane: &ShiftPlane, reference: &[f32], pixels: &[usize], around: (i32, i32), radius: i32) -> Option<(f64, i32, i32)> {
    let mut best: Option<(f64, i32, i32)> = None;
    // Each shift in turn, the first of equal scores kept.
    let consider = |shifts: &[(i32, i32)], best: &mut Option<(f64, i32, i32)>| {
        for (&(dx, dy), sums) in shifts.iter().zip(plane.sums(reference, pixels, shifts)) {
            if let Some(s) = ncc(&sums, pixels) {
                if best.is_none_or(|b| s > b.0) {
                    *best = Some((s, dx, dy));
                }
            }
        }
    };
    // Every other shift over a wide range (the comparison level is smooth
    // enough), then the neighbours of the best.
    let step = if radius > 3 { 2 } else { 1 };
    let grid: Vec<(i32, i32)> = (around.1 - radius..=around.1 + radius)
        .step_by(step)
        .flat_map(|dy| (around.0 - radius..=around.0 + radius).step_by(step).map(move |dx| (dx, dy)))
        .collect();
    consider(&grid, &mut best);
    if step > 1 {
        let (_, bx, by) = best?;
        let near: Vec<(i32, i32)> = (by - 1..=by + 1).flat_map(|dy| (bx - 1..=bx + 1).map(move |dx| (dx, dy))).filter(|&d| d != (bx, by)).collect();
        consider(&near, &mut best);
    }
    best
}

/// Sub-pixel refinement of a best shift by a parabola through its neighbours.
fn subpixel(plane: &ShiftPlane, reference: &[f32], pixels: &[usize], dx: i32, dy: i32, s0: f64) -> (f64, f64) {
    let s = plane.sums(reference, pixels, &[(dx - 1, dy), (dx + 1, dy), (dx, dy - 1), (dx, dy + 1)]);
    let at = |k: usize| ncc(&s[k], pixels);
    let vertex = |m: Option<f64>, p: Option<f64>| match (m, p) {
        (Some(m), Some(p)) => {
            let d = m - 2.0 * s0 + p;
            if d < -1e-9 { (0.5 * (m - p) / d).clamp(-0.5, 0.5) } else { 0.0 }
        }
        _ => 0.0,
    };
    (dx as f64 + vertex(at(0), at(1)), dy as f64 + vertex(at(2), at(3)))
}

/// A patch's centre (document frame, mm), where it matched (mm) and how well.
type Match = ((f64, f64), (f64, f64), f64);
/// A match of a patch that fixes one axis only, and the axis it leaves free.
type Partial = (Match, usize);

/// Distance from a match to where `fit` puts its patch; along the fixed axis
/// only for a patch free along `free_axis`.
fn residual(fit: &Homography, m: &Match, free_axis: Option<usize>) -> f64 {
    let Some(p) = fit.apply(m.0.0, m.0.1) else { return f64::INFINITY };
    match free_axis {
        None => dist(p, m.1),
        Some(0) => (p.1 - m.1.1).abs(),
        Some(_) => (p.0 - m.1.0).abs(),
    }
}

/// Fits a homography to the matches, dropping the worst one while any is
/// further than `max_residual_mm` from the fit; the matches kept are the
/// inliers. Partial matches do not shape the fit (fitted with their fixed
/// coordinate alone they bent projective fits where full matches were
/// sparse); they count as inliers when their fixed coordinate agrees.
/// Also says whether the matches lay along one strip (the fit then a
/// similarity).
fn robust_fit(matches: &mut Vec<Match>, partial: &mut Vec<Partial>, max_residual_mm: f64, page: (f64, f64)) -> Option<(Homography, bool)> {
    // Consensus first: on a repetitive background a third of the patches can
    // lock onto the wrong repeat, enough to drag a least-squares fit away
    // from the rest so that trimming its worst point at a time ends with too
    // few. The affine map through three matches that most others agree with
    // picks the inliers; trimming then refines among them.
    let tol = 2.0 * max_residual_mm.max(0.5);
    // Patches along one strip (a card whose only stable print is its
    // header) fix rotation and scale but not shear: a similarity then.
    let strip = is_strip(matches);
    let consensus = if strip { consensus_similarity(matches, tol) } else { consensus_affine(matches, tol) };
    if let Some(best) = consensus {
        matches.retain(|m| residual(&best, m, None) <= tol);
        partial.retain(|(m, axis)| residual(&best, m, Some(*axis)) <= tol);
    }
    loop {
        if matches.len() < if strip { 2 } else { 3 } || matches.len() + partial.len() < MIN_PATCHES {
            return None;
        }
        let from: Vec<(f64, f64)> = matches.iter().map(|m| m.0).collect();
        let to: Vec<(f64, f64)> = matches.iter().map(|m| m.1).collect();
        // Few patches over-fit a projective map; an affine one is enough
        // for the small distortions that remain between them.
        let fit = if strip {
            fit_similarity(&from, &to)?
        } else if matches.len() < MIN_PATCHES_PROJECTIVE {
            let affine = fit_affine(&from, &to)?;
            // A photo's perspective left over: the projective fit, where it
            // explains the matches clearly better for its two extra degrees
            // of freedom.
            let affine_rms = (matches.iter().map(|m| residual(&affine, m, None).powi(2)).sum::<f64>() / matches.len() as f64).sqrt();
            match Homography::fit(&from, &to).filter(|_| matches.len() >= MIN_PATCHES_BENT && affine_rms > MIN_BENT_AFFINE_RMS_MM && spread_2d(matches, page) >= MIN_BENT_SPREAD) {
                Some(bent) if fit_variance(&bent, matches, 8) < BENT_VARIANCE_RATIO * fit_variance(&affine, matches, 6) => bent,
                _ => affine,
            }
        } else {
            Homography::fit(&from, &to)?
        };
        let full = matches.iter().enumerate().map(|(k, m)| (k, false, residual(&fit, m, None)));
        let part = partial.iter().enumerate().map(|(k, (m, axis))| (k, true, residual(&fit, m, Some(*axis))));
        let (worst, is_partial, err) = full.chain(part).max_by(|a, b| a.2.total_cmp(&b.2))?;
        if err <= max_residual_mm {
            return Some((fit, strip));
        }
        if is_partial {
            partial.swap_remove(worst);
        } else {
            matches.swap_remove(worst);
        }
    }
}

/// Whether the matches' patches lie along one strip: across it they spread
/// less than [`STRIP_SPREAD_MM`].
fn is_strip(matches: &[Match]) -> bool {
    let (sx, sy) = spreads(matches);
    sx.min(sy) < STRIP_SPREAD_MM
}

/// The similarity (rotation, uniform scale, translation) through pairs of
/// matches that most others agree with.
fn consensus_similarity(matches: &[Match], tol: f64) -> Option<Homography> {
    let n = matches.len();
    let mut best: Option<(usize, Homography)> = None;
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (matches[i], matches[j]);
            if dist(a.0, b.0) < 10.0 {
                continue;
            }
            let Some(h) = fit_similarity(&[a.0, b.0], &[a.1, b.1]) else { continue };
            let support = matches.iter().filter(|m| h.apply(m.0.0, m.0.1).is_some_and(|p| dist(p, m.1) <= tol)).count();
            if best.as_ref().is_none_or(|(s, _)| support > *s) {
                best = Some((support, h));
            }
        }
    }
    best.map(|(_, h)| h)
}

/// Least-squares similarity mapping `from` onto `to`.
fn fit_similarity(from: &[(f64, f64)], to: &[(f64, f64)]) -> Option<Homography> {
    let n = from.len() as f64;
    if from.len() < 2 {
        return None;
    }
    let mean = |p: &[(f64, f64)]| (p.iter().map(|q| q.0).sum::<f64>() / n, p.iter().map(|q| q.1).sum::<f64>() / n);
    let ((fx, fy), (tx, ty)) = (mean(from), mean(to));
    let (mut ss, mut sa, mut sb) = (0.0, 0.0, 0.0);
    for (&(x, y), &(u, v)) in from.iter().zip(to) {
        let (x, y, u, v) = (x - fx, y - fy, u - tx, v - ty);
        ss += x * x + y * y;
        sa += x * u + y * v;
        sb += x * v - y * u;
    }
    if ss < 1e-9 {
        return None;
    }
    let (a, b) = (sa / ss, sb / ss);
    Some(Homography::from_affine(a, -b, tx - a * fx + b * fy, b, a, ty - b * fx - a * fy))
}

fn consensus_affine(matches: &[Match], tol: f64) -> Option<Homography> {
    let n = matches.len();
    let mut best: Option<(usize, Homography)> = None;
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (a, b, c) = (matches[i], matches[j], matches[k]);
                // Skip thin triangles: their map is ill-conditioned.
                let area = ((b.0.0 - a.0.0) * (c.0.1 - a.0.1) - (c.0.0 - a.0.0) * (b.0.1 - a.0.1)).abs() / 2.0;
                if area < 100.0 {
                    continue;
                }
                let Some(h) = fit_affine(&[a.0, b.0, c.0], &[a.1, b.1, c.1]) else { continue };
                let support = matches.iter().filter(|m| h.apply(m.0.0, m.0.1).is_some_and(|p| dist(p, m.1) <= tol)).count();
                if best.as_ref().is_none_or(|(s, _)| support > *s) {
                    best = Some((support, h));
                }
            }
        }
    }
    best.map(|(_, h)| h)
}

/// The smaller of the matches' spreads across x and across y, as shares of
/// the `page`'s width and height (mm).
fn spread_2d(matches: &[Match], page: (f64, f64)) -> f64 {
    let (sx, sy) = spreads(matches);
    (sx / page.0).min(sy / page.1)
}

/// How far the matches' patches spread across x and across y, mm.
fn spreads(matches: &[Match]) -> (f64, f64) {
    (extent(matches.iter().map(|m| m.0.0)), extent(matches.iter().map(|m| m.0.1)))
}

/// Largest minus smallest of `values` (negative infinity for none).
fn extent(values: impl Iterator<Item = f64>) -> f64 {
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    hi - lo
}

/// Residual variance of `fit` per remaining degree of freedom (`params`
/// fitted from two equations per match).
fn fit_variance(fit: &Homography, matches: &[Match], params: usize) -> f64 {
    let dof = (2 * matches.len()).saturating_sub(params).max(1);
    matches.iter().map(|m| residual(fit, m, None).powi(2)).sum::<f64>() / dof as f64
}

/// The least-squares affine map from `from` to `to`.
fn fit_affine(from: &[(f64, f64)], to: &[(f64, f64)]) -> Option<Homography> {
    // Normal equations of [x y 1] p = u (and = v), shared matrix.
    let mut m = [[0.0f64; 3]; 3];
    let (mut bu, mut bv) = ([0.0f64; 3], [0.0f64; 3]);
    for (&(x, y), &(u, v)) in from.iter().zip(to) {
        let r = [x, y, 1.0];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += r[i] * r[j];
            }
            bu[i] += r[i] * u;
            bv[i] += r[i] * v;
        }
    }
    let det3 = |a: &[[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det3(&m);
    if d.abs() < 1e-9 {
        return None;
    }
    // Cramer's rule.
    let solve = |b: &[f64; 3]| {
        let mut out = [0.0; 3];
        for k in 0..3 {
            let mut a = m;
            for i in 0..3 {
                a[i][k] = b[i];
            }
            out[k] = det3(&a) / d;
        }
        out
    };
    let (p, q) = (solve(&bu), solve(&bv));
    Some(Homography::from_affine(p[0], p[1], p[2], q[0], q[1], q[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn similarity(a: f64, b: f64, tx: f64, ty: f64) -> Homography {
        Homography::from_affine(a, -b, tx, b, a, ty)
    }

    #[test]
    fn a_layout_matched_along_one_strip_keeps_its_starts_shape() {
        // A card whose only stable print is its header strip: uto-r-2020
        // (TD2), everything below 14 mm marked personal.
        let reader = crate::read::Reader::new();
        let specimens: Vec<image::DynamicImage> =
            (0..2).map(|i| image::DynamicImage::ImageRgb8(crate::synth::genuine_document("uto-r-2020", 200, 40 + i).expect("specimen").image)).collect();
        let mut enrolled = crate::template::enroll::enroll("uto-r-2020", &specimens, &reader).expect("enroll");
        let mut mask = image::load_from_memory(&enrolled.mask_png).expect("mask").to_luma8();
        let header_rows = (14.0 * REF_PX_PER_MM) as u32;
        for (_, y, v) in mask.enumerate_pixels_mut() {
            if y >= header_rows {
                v.0[0] = 255;
            }
        }
        enrolled.mask_png.clear();
        image::DynamicImage::ImageLuma8(mask).write_to(&mut std::io::Cursor::new(&mut enrolled.mask_png), image::ImageFormat::Png).expect("png");
        enrolled.file.reference.as_mut().expect("reference").mask_sha256 = crate::screen::hex_sha256(&enrolled.mask_png);
        let t = enrolled.into_template().expect("template");
        let doc = crate::synth::genuine_document("uto-r-2020", 200, 77).expect("document");
        let (w, h) = (doc.image.width() as usize, doc.image.height() as usize);
        let luma = crate::raster::luma_rgb8(&doc.image);
        let ppm = doc.px_per_mm;
        let g = FormatGeometry::of(t.file.format);
        let corners = [(0.0, 0.0), (g.width_mm, 0.0), (g.width_mm, g.height_mm), (0.0, g.height_mm)];
        let truth = Homography::from_affine(ppm, 0.0, 0.0, 0.0, ppm, 0.0);
        let worst_corner_mm = |a: &Homography| {
            corners.iter().map(|&(x, y)| dist(a.apply(x, y).unwrap(), truth.apply(x, y).unwrap()) / ppm).fold(0.0, f64::max)
        };
        // A start off by a similarity (1.5 mm, 0.4°) is corrected everywhere.
        let (c, s) = (0.4f64.to_radians().cos(), 0.4f64.to_radians().sin());
        let moved = Homography::from_affine(ppm * c, -ppm * s, 1.5 * ppm, ppm * s, ppm * c, -ppm);
        let a = align(&luma, w, h, 1, &moved, &t, 10.0).expect("placed from a rotated, shifted start");
        assert!(a.strip, "the header is one strip: {a:?}");
        assert!(worst_corner_mm(&a.doc_to_image) < 0.3, "{}", worst_corner_mm(&a.doc_to_image));
        // A start whose far corner is 1.5 mm off (one edge mispredicted)
        // keeps that shape: the strip cannot see it.
        let mut far = corners.map(|(x, y)| truth.apply(x, y).unwrap());
        far[2].0 -= 1.5 * ppm;
        let bent = Homography::from_points(corners, far).expect("start");
        let a = align(&luma, w, h, 1, &bent, &t, 10.0).expect("placed from a bent start");
        assert!(a.strip && worst_corner_mm(&a.doc_to_image) > 0.8, "{}", worst_corner_mm(&a.doc_to_image));
    }

    #[test]
    fn a_similarity_is_recovered_from_its_points() {
        let truth = similarity(1.01, 0.02, 0.4, -0.3);
        let from = [(10.0, 6.0), (30.0, 6.5), (50.0, 5.5), (70.0, 6.2)];
        let to: Vec<(f64, f64)> = from.iter().map(|p| truth.apply(p.0, p.1).unwrap()).collect();
        let fit = fit_similarity(&from, &to).expect("fit");
        for p in [(0.0, 0.0), (85.0, 54.0)] {
            assert!(dist(fit.apply(p.0, p.1).unwrap(), truth.apply(p.0, p.1).unwrap()) < 1e-9);
        }
    }

    #[test]
    fn partial_matches_count_along_their_fixed_axis_only() {
        let truth = similarity(1.002, 0.004, 0.3, -0.2);
        let grid = [(10.0, 10.0), (60.0, 10.0), (110.0, 10.0), (10.0, 40.0), (60.0, 40.0), (110.0, 40.0)];
        let mut matches: Vec<Match> = grid.iter().map(|&p| (p, truth.apply(p.0, p.1).unwrap(), 0.95)).collect();
        // A rule along x: its x is noise; its y agrees. Another one whose y
        // disagrees too.
        let on_rule = |p: (f64, f64), dx: f64, dy: f64| {
            let q = truth.apply(p.0, p.1).unwrap();
            ((p, (q.0 + dx, q.1 + dy), 0.99), 0)
        };
        let mut partial = vec![on_rule((30.0, 70.0), 0.9, 0.02), on_rule((90.0, 70.0), -0.8, 1.2)];
        let fit = robust_fit(&mut matches, &mut partial, MAX_RESIDUAL_MM, (125.0, 88.0)).expect("a fit").0;
        assert_eq!(matches.len(), 6);
        assert_eq!(partial.len(), 1, "the partial match off its fixed axis is dropped");
        assert_eq!(partial[0].0.0, (30.0, 70.0));
        assert!(dist(fit.apply(120.0, 80.0).unwrap(), truth.apply(120.0, 80.0).unwrap()) < 1e-6, "partial matches do not pull the fit");
    }

    #[test]
    fn patches_along_one_strip_are_fitted_and_an_outlier_dropped() {
        // A card whose only stable print is its header: one row of patches.
        let truth = similarity(0.998, -0.01, -0.2, 0.15);
        let mut matches: Vec<Match> =
            (0..7).map(|i| (10.0 + 10.0 * i as f64, 6.35)).map(|p| (p, truth.apply(p.0, p.1).unwrap(), 0.99)).collect();
        matches[3].1.1 += 0.8;
        assert!(is_strip(&matches));
        let fit = robust_fit(&mut matches, &mut Vec::new(), MAX_RESIDUAL_MM, (125.0, 88.0)).expect("a fit from one strip").0;
        assert_eq!(matches.len(), 6, "the moved patch is dropped");
        assert!(dist(fit.apply(80.0, 40.0).unwrap(), truth.apply(80.0, 40.0).unwrap()) < 0.01);
    }

    /// A TD1 card's layout (10 patches) seen through a photo's perspective.
    fn bent_card(rows: &[f64]) -> (Homography, Vec<Match>) {
        let corners = [(0.0, 0.0), (85.6, 0.0), (85.6, 54.0), (0.0, 54.0)];
        let moved = [(0.4, -0.3), (85.0, 0.5), (86.3, 53.2), (-0.5, 54.6)];
        let truth = Homography::fit(&corners, &moved).expect("a perspective");
        let xs = [8.0, 26.0, 44.0, 62.0, 80.0];
        let matches = rows.iter().flat_map(|&y| xs.iter().map(move |&x| (x, y))).map(|p| (p, truth.apply(p.0, p.1).unwrap(), 0.95)).collect();
        (truth, matches)
    }

    #[test]
    fn a_perspective_over_well_spread_patches_is_fitted_projectively() {
        let (truth, mut matches) = bent_card(&[8.0, 30.0]);
        let affine_error = {
            let from: Vec<_> = matches.iter().map(|m| m.0).collect();
            let to: Vec<_> = matches.iter().map(|m| m.1).collect();
            let a = fit_affine(&from, &to).unwrap();
            matches.iter().map(|m| residual(&a, m, None)).fold(0.0, f64::max)
        };
        assert!(affine_error > MAX_RESIDUAL_MM, "the perspective is beyond an affine fit ({affine_error:.2} mm)");
        let fit = robust_fit(&mut matches, &mut Vec::new(), MAX_RESIDUAL_MM, (85.6, 54.0)).expect("a fit").0;
        assert_eq!(matches.len(), 10, "no patch is dropped");
        assert!(dist(fit.apply(85.6, 54.0).unwrap(), truth.apply(85.6, 54.0).unwrap()) < 0.01);
    }

    #[test]
    fn patches_along_two_close_rows_are_not_fitted_projectively() {
        // 6 mm apart on a 54 mm card: a homography through them could bend
        // the rest of the page at will.
        let (_, mut matches) = bent_card(&[8.0, 14.0]);
        let fit = robust_fit(&mut matches, &mut Vec::new(), 1.0, (85.6, 54.0)).expect("a fit").0;
        assert_eq!((fit.0[6], fit.0[7]), (0.0, 0.0), "an affine fit");
    }

    #[test]
    fn a_flat_page_with_matching_noise_keeps_an_affine_fit() {
        // A scan: the layout is an affine image of the reference, each
        // match off by a few hundredths of a millimetre.
        let truth = similarity(1.003, 0.02, 0.4, -0.3);
        let noise = [0.03, -0.04, 0.05, -0.02, 0.01, -0.05, 0.04, -0.03, 0.02, -0.01];
        let mut matches: Vec<Match> = [8.0, 30.0]
            .iter()
            .flat_map(|&y| [8.0, 26.0, 44.0, 62.0, 80.0].map(|x| (x, y)))
            .zip(noise)
            .map(|(p, e)| {
                let q = truth.apply(p.0, p.1).unwrap();
                (p, (q.0 + e, q.1 - e), 0.95)
            })
            .collect();
        let fit = robust_fit(&mut matches, &mut Vec::new(), MAX_RESIDUAL_MM, (85.6, 54.0)).expect("a fit").0;
        assert_eq!((fit.0[6], fit.0[7]), (0.0, 0.0), "an affine fit");
    }
}
