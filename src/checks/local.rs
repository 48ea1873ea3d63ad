//! Local changes against an issuer reference: the rectified document and the
//! reference compared window by window (4 mm) over the stable, visible
//! pixels, so that a change much smaller than a zone tile still stands out.
//! A window differs when its printed structure no longer correlates with the
//! reference's (a copy-moved patch, a replaced emblem or title, a pasted
//! photo's overhang) or a smaller one has lost its fine print (an erased or
//! washed area).
//! Differing windows are grouped into millimetre cells; a group larger than
//! [`MIN_AREA_MM2`] is reported, and a smaller one that has lost nearly all
//! its fine print over [`MIN_DEEP_FADE_MM2`].

use crate::geometry::RectMm;
use crate::raster::box_blur;
use crate::stats::PairMoments;

use super::zones::REF_PX_PER_MM;

/// Window radius in reference pixels (a 25 px ≈ 4.2 mm square).
pub(crate) const WINDOW_RADIUS: usize = 12;
/// A window needs this share of stable, visible pixels.
const MIN_WINDOW_SHARE: f32 = 0.6;
/// The fine-print energy needs less: between personal text lines a window
/// keeps about a third of its pixels.
const MIN_PRINT_SHARE: f32 = 0.3;
/// Reference structure (standard deviation, 0–255) a window needs to be judged.
const MIN_REFERENCE_STD: f32 = 6.0;
/// Fine-print detail (RMS, 0–255) a window of the reference needs for its
/// loss to be judged.
const MIN_REFERENCE_DETAIL: f32 = 3.0;
/// Below this correlation the window's print differs.
pub const MAX_WINDOW_NCC: f64 = 0.35;
/// A window whose fine-print energy, relative to the page's typical ratio of
/// document to reference, falls below this has lost its print.
pub const MIN_CONTRAST_RATIO: f64 = 0.35;
/// Fine-print energy is measured over a smaller window (13 px ≈ 2.2 mm) than
/// the correlation: a washed patch of 5 mm lowers a 4 mm window's energy only
/// where the window lies wholly inside it, a spot too small to report.
const FADE_WINDOW_RADIUS: usize = 6;
/// Fading is judged only when the document keeps at least this share of the
/// reference's fine-print energy over the page. Seed 13 (150 dpi): blurred
/// captures at 0.14–0.18 showed fades all over; a genuine 150 dpi photo of
/// seed 15 at 0.36 faded along a header band; sharp captures keep ≥ 0.4.
const MIN_TYPICAL_DETAIL_RATIO: f32 = 0.4;
/// Cells faded below this ratio join a group that has a cell below
/// [`MIN_CONTRAST_RATIO`]: the wash's soft rim, where the window straddles it.
const MIN_RIM_CONTRAST_RATIO: f64 = 0.5;
/// Side of the cells differing windows are grouped in, reference pixels (1 mm).
const CELL_PX: usize = 6;
/// Smallest reported change, mm² (cells of 1 mm²). On the calibration set
/// (seed 2) the largest change found on a genuine document was 16 mm².
pub const MIN_AREA_MM2: f64 = 20.0;
/// A smaller change is still reported when this much of it has lost nearly
/// all its fine print (below [`DEEP_FADE_RATIO`] of the page's typical
/// ratio): erased patches of about 5 mm kept 10–19 mm² of differing cells,
/// 6–12 of them this deep (calibration seeds 3 and 11); genuine documents of
/// seeds 2, 3, 12 and 13 showed at most 4 away from the photo. On the photo
/// the caller leaves such small changes out (see `zones::add_details`).
const MIN_DEEP_FADE_MM2: f64 = 6.0;
const DEEP_FADE_RATIO: f32 = 0.2;

/// A region of the document that differs from the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Bounding box in the template frame.
    pub rect: RectMm,
    pub area_mm2: f64,
    /// Median window correlation over the region, where the reference has
    /// structure at the comparison level.
    pub ncc: Option<f64>,
    /// Median relative fine-print contrast over the region, where the
    /// reference has fine print.
    pub contrast: Option<f64>,
}

/// Regions where `doc` differs from `reference` (same frame and level,
/// `width`×`height` reference pixels). `stable[i]`: the pixel is neither
/// personal data nor invisible in the document, nor ink the reference lacks.
/// `print[i]`: the fine-print energy is compared there (`stable`, and the
/// background between personal text strokes). A cell whose windows no
/// longer correlate is cleared when the window at its centre correlates
/// again with `doc` shifted by up to `max_shift` pixels.
#[allow(clippy::too_many_arguments)]
pub fn changes(doc: &[f32], reference: &[f32], doc_fine: &[f32], reference_fine: &[f32], stable: &[bool], print: &[bool], width: usize, height: usize, max_shift: usize) -> Vec<Change> {
    let n = width * height;
    if n == 0 || [doc_fine.len(), reference_fine.len()].iter().any(|&l| l != n) {
        return Vec::new();
    }
    let (doc_mean, reference_mean) = (box_blur(doc_fine, width, height, 2), box_blur(reference_fine, width, height, 2));
    let fine = Fine { doc: doc_fine, reference: reference_fine, doc_mean: &doc_mean, reference_mean: &reference_mean };
    changes_in(&[Correlated { doc, reference, stable, max_shift, min_typical_ncc: None }], &fine, print, width, height)
}

/// What windows are correlated over: the document and the reference at one
/// level, the pixels compared, and how far a differing window's print is
/// searched for before it counts as changed.
pub struct Correlated<'a> {
    pub doc: &'a [f32],
    pub reference: &'a [f32],
    pub stable: &'a [bool],
    pub max_shift: usize,
    /// A source is used only if the 10th percentile of its window
    /// correlations over the page reaches this: fine print captured near
    /// the sampling limit beats into moiré that correlates with nothing.
    pub min_typical_ncc: Option<f32>,
}

/// The fine print of the document and the reference, each with its 5-pixel
/// mean (`box_blur(_, 2)`), which the caller may have at hand.
pub struct Fine<'a> {
    pub doc: &'a [f32],
    pub reference: &'a [f32],
    pub doc_mean: &'a [f32],
    pub reference_mean: &'a [f32],
}

/// [`changes`] with the fine print's means given, and windows correlated
/// over each of `sources` in turn: a window takes its correlation from the
/// first source that judges it.
pub fn changes_in(sources: &[Correlated], fine: &Fine, print: &[bool], width: usize, height: usize) -> Vec<Change> {
    let n = width * height;
    if n == 0
        || sources.is_empty()
        || [fine.doc.len(), fine.reference.len(), fine.doc_mean.len(), fine.reference_mean.len(), print.len()].iter().any(|&l| l != n)
        || sources.iter().any(|s| [s.doc.len(), s.reference.len(), s.stable.len()].iter().any(|&l| l != n))
    {
        return Vec::new();
    }
    let mut ncc = vec![f32::NAN; n];
    // Which source judged each window.
    let mut judged_by = vec![0u8; n];
    for (k, s) in sources.iter().enumerate() {
        let this = window_ncc(s.doc, s.reference, s.stable, width, height);
        if let Some(min) = s.min_typical_ncc {
            let mut finite: Vec<f32> = this.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                continue;
            }
            let p10 = finite.len() / 10;
            if *finite.select_nth_unstable_by(p10, f32::total_cmp).1 < min {
                continue;
            }
        }
        for i in 0..n {
            if !ncc[i].is_finite() && this[i].is_finite() {
                ncc[i] = this[i];
                judged_by[i] = k as u8;
            }
        }
    }
    // Fine print (guilloche lines a pixel or two wide), which the comparison
    // level blurs away: its energy, the mean square of the detail above a
    // 5-pixel mean, per window; per pixel (window centre) the fine-print
    // ratio where the reference has fine print.
    let mut ratio = vec![f32::NAN; n];
    crate::raster::box_blur_rows::<3>(
        width,
        height,
        FADE_WINDOW_RADIUS,
        |y, rows, at, stride| {
            for x in 0..width {
                let i = y * width + x;
                let w = if print[i] { 1.0 } else { 0.0 };
                rows[at + x] = w * (fine.doc[i] - fine.doc_mean[i]).powi(2);
                rows[at + stride + x] = w * (fine.reference[i] - fine.reference_mean[i]).powi(2);
                rows[at + 2 * stride + x] = w;
            }
        },
        |y, m| {
            let (ea, eb, sw) = (&m[..width], &m[width..2 * width], &m[2 * width..]);
            for (x, r) in ratio[y * width..(y + 1) * width].iter_mut().enumerate() {
                if sw[x] >= MIN_PRINT_SHARE && (eb[x] / sw[x]).sqrt() >= MIN_REFERENCE_DETAIL {
                    *r = (ea[x] / eb[x]).sqrt();
                }
            }
        },
    );
    // The page's typical contrast ratio (capture contrast, print density).
    let mut judged: Vec<f32> = ratio.iter().copied().filter(|r| r.is_finite()).collect();
    if judged.len() < 100 {
        return Vec::new();
    }
    let mid = judged.len() / 2;
    let typical = *judged.select_nth_unstable_by(mid, f32::total_cmp).1;
    if !(typical > 1e-3) {
        return Vec::new();
    }
    let uncorrelated = |i: usize| ncc[i].is_finite() && ncc[i] < MAX_WINDOW_NCC as f32;
    // A capture that kept little of the page's fine print (blurred, or at
    // 150 dpi) keeps it unevenly: its losses do not tell a wash.
    let judge_fading = typical >= MIN_TYPICAL_DETAIL_RATIO;
    let faded = |i: usize| judge_fading && ratio[i].is_finite() && ratio[i] / typical < MIN_CONTRAST_RATIO as f32;
    let rim = |i: usize| judge_fading && ratio[i].is_finite() && ratio[i] / typical < MIN_RIM_CONTRAST_RATIO as f32;

    // Cells: differing when most of their judged pixels differ.
    let (cw, ch) = (width / CELL_PX, height / CELL_PX);
    let mut cell = vec![false; cw * ch];
    let mut cell_or_rim = vec![false; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let count = |differs: &dyn Fn(usize) -> bool| {
                let (mut judged, mut bad) = (0usize, 0usize);
                for y in cy * CELL_PX..(cy + 1) * CELL_PX {
                    for x in cx * CELL_PX..(cx + 1) * CELL_PX {
                        let i = y * width + x;
                        if ncc[i].is_finite() || ratio[i].is_finite() {
                            judged += 1;
                            bad += differs(i) as usize;
                        }
                    }
                }
                judged * 2 >= CELL_PX * CELL_PX && bad * 2 > judged
            };
            let mut differs = count(&|i| uncorrelated(i) || faded(i));
            // Print that correlates again a fraction of a millimetre away was
            // misregistered, not changed.
            let centre = (cy * CELL_PX + CELL_PX / 2, cx * CELL_PX + CELL_PX / 2);
            let source = &sources[judged_by[centre.0 * width + centre.1] as usize];
            if differs && source.max_shift > 0 && shifted_ncc(source.doc, source.reference, source.stable, width, height, centre, source.max_shift) >= MAX_WINDOW_NCC as f32 {
                differs = count(&faded);
            }
            cell[cy * cw + cx] = differs;
            cell_or_rim[cy * cw + cx] = differs || count(&rim);
        }
    }
    // Connected groups of differing cells (4-neighbours).
    let mut out = Vec::new();
    for members in super::cells::groups(&cell_or_rim, cw, 1, false) {
        if !members.iter().any(|&c| cell[c]) {
            continue;
        }
        let cell_mm = CELL_PX as f64 / REF_PX_PER_MM;
        let area = members.len() as f64 * cell_mm.powi(2);
        let centre = |c: usize| (c / cw * CELL_PX + CELL_PX / 2) * width + c % cw * CELL_PX + CELL_PX / 2;
        let deep = |c: usize| judge_fading && ratio[centre(c)] / typical < DEEP_FADE_RATIO;
        let deep_area = members.iter().filter(|&&c| deep(c)).count() as f64 * cell_mm.powi(2);
        if area < MIN_AREA_MM2 && deep_area < MIN_DEEP_FADE_MM2 {
            continue;
        }
        let mut nccs: Vec<f32> = members.iter().map(|&c| ncc[centre(c)]).filter(|v| v.is_finite()).collect();
        let mut ratios: Vec<f32> = members.iter().map(|&c| ratio[centre(c)] / typical).filter(|v| v.is_finite()).collect();
        out.push(Change {
            rect: super::cells::bounds(&members, cw, cell_mm),
            area_mm2: area,
            ncc: median(&mut nccs),
            contrast: median(&mut ratios),
        });
    }
    out
}

/// The best correlation of the window of `reference` centred at (row, column)
/// `centre` with `doc` shifted by up to `max_shift` pixels either way.
fn shifted_ncc(doc: &[f32], reference: &[f32], stable: &[bool], width: usize, height: usize, centre: (usize, usize), max_shift: usize) -> f32 {
    let r = WINDOW_RADIUS + max_shift;
    let (cy, cx) = centre;
    if cy < r || cx < r || cy + r >= height || cx + r >= width {
        return f32::NAN;
    }
    let s = max_shift as i64;
    let mut best = f32::NEG_INFINITY;
    for dy in -s..=s {
        for dx in -s..=s {
            let mut m = PairMoments::default();
            for y in cy - WINDOW_RADIUS..=cy + WINDOW_RADIUS {
                for x in cx - WINDOW_RADIUS..=cx + WINDOW_RADIUS {
                    let i = y * width + x;
                    if stable[i] {
                        let j = ((y as i64 + dy) * width as i64 + x as i64 + dx) as usize;
                        m.add(doc[j] as f64, reference[i] as f64);
                    }
                }
            }
            if let Some(r) = m.correlation().filter(|_| m.n >= 10.0) {
                best = best.max(r as f32);
            }
        }
    }
    best
}

/// Per pixel, the correlation of `doc` with `reference` over the window centred there
/// (stable pixels only); NaN where the window has too few stable pixels or
/// the reference too little structure to judge. The six window sums are
/// blurred together row by row, each row's correlations taken as soon as it
/// is complete.
pub fn window_ncc(doc: &[f32], reference: &[f32], stable: &[bool], width: usize, height: usize) -> Vec<f32> {
    let n = width * height;
    let mut ncc = vec![f32::NAN; n];
    if n == 0 || doc.len() != n || reference.len() != n || stable.len() != n {
        return ncc;
    }
    crate::raster::box_blur_rows::<6>(
        width,
        height,
        WINDOW_RADIUS,
        |y, rows, at, stride| {
            let range = y * width..(y + 1) * width;
            for (x, ((&s, &d), &r)) in stable[range.clone()].iter().zip(&doc[range.clone()]).zip(&reference[range]).enumerate() {
                // Centred on 128 so the second moments keep their precision in f32.
                let w = if s { 1.0 } else { 0.0 };
                let (a, b) = (w * (d - 128.0), w * (r - 128.0));
                for (c, v) in [w, a, b, a * a, b * b, a * b].into_iter().enumerate() {
                    rows[at + c * stride + x] = v;
                }
            }
        },
        |y, m| {
            let plane = |c: usize| &m[c * width..(c + 1) * width];
            let sums = Sums { w: plane(0), a: plane(1), b: plane(2), aa: plane(3), bb: plane(4), ab: plane(5) };
            window_ncc_into(&sums, &mut ncc[y * width..(y + 1) * width]);
        },
    );
    ncc
}

/// A window's sums (each divided by the window's area): of the stable
/// share, of both sides, of their squares and of their product.
struct Sums<'a> {
    w: &'a [f32],
    a: &'a [f32],
    b: &'a [f32],
    aa: &'a [f32],
    bb: &'a [f32],
    ab: &'a [f32],
}

/// The correlation of each window from its [`Sums`] (NaN where not judged).
#[cfg(test)]
fn window_ncc_from(s: &Sums) -> Vec<f32> {
    let mut ncc = vec![f32::NAN; s.w.len()];
    window_ncc_into(s, &mut ncc);
    ncc
}

/// [`window_ncc_from`] into `out`, which has the sums' length (else left as is).
fn window_ncc_into(s: &Sums, out: &mut [f32]) {
    let n = out.len();
    if [s.w.len(), s.a.len(), s.b.len(), s.aa.len(), s.bb.len(), s.ab.len()].iter().any(|&l| l != n) {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        unsafe { window_ncc_avx2(s, out) };
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = window_ncc_at(s, i);
    }
}

/// One window of [`window_ncc_into`].
#[inline(always)]
fn window_ncc_at(s: &Sums, i: usize) -> f32 {
    let sw = s.w[i];
    if sw < MIN_WINDOW_SHARE {
        return f32::NAN;
    }
    let (ma, mb) = (s.a[i] / sw, s.b[i] / sw);
    let va = (s.aa[i] / sw - ma * ma).max(0.0);
    let vb = (s.bb[i] / sw - mb * mb).max(0.0);
    if vb.sqrt() >= MIN_REFERENCE_STD {
        let cov = s.ab[i] / sw - ma * mb;
        if va > 1e-6 { cov / (va * vb).sqrt() } else { 0.0 }
    } else {
        f32::NAN
    }
}

/// [`window_ncc_into`] eight windows at a time: every lane computed, the
/// result selected as the branches of [`window_ncc_at`] select it. The same
/// IEEE operations lane by lane (no FMA), so the same bits. The variances'
/// `max(0.0)` may give +0.0 where the scalar code gives −0.0; a zero
/// variance fails both tests either way.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn window_ncc_avx2(s: &Sums, out: &mut [f32]) {
    use std::arch::x86_64::*;
    let n = out.len();
    let quads = n - n % 8;
    let (zero, nan) = (_mm256_setzero_ps(), _mm256_set1_ps(f32::NAN));
    let (min_share, min_std, tiny) = (_mm256_set1_ps(MIN_WINDOW_SHARE), _mm256_set1_ps(MIN_REFERENCE_STD), _mm256_set1_ps(1e-6));
    for i in (0..quads).step_by(8) {
        // SAFETY: every slice holds n >= i + 8 floats (checked by the caller).
        let ld = |v: &[f32]| unsafe { _mm256_loadu_ps(v.as_ptr().add(i)) };
        let sw = ld(s.w);
        let (ma, mb) = (_mm256_div_ps(ld(s.a), sw), _mm256_div_ps(ld(s.b), sw));
        let va = _mm256_max_ps(_mm256_sub_ps(_mm256_div_ps(ld(s.aa), sw), _mm256_mul_ps(ma, ma)), zero);
        let vb = _mm256_max_ps(_mm256_sub_ps(_mm256_div_ps(ld(s.bb), sw), _mm256_mul_ps(mb, mb)), zero);
        let cov = _mm256_sub_ps(_mm256_div_ps(ld(s.ab), sw), _mm256_mul_ps(ma, mb));
        let r = _mm256_div_ps(cov, _mm256_sqrt_ps(_mm256_mul_ps(va, vb)));
        let v = _mm256_blendv_ps(zero, r, _mm256_cmp_ps::<_CMP_GT_OQ>(va, tiny));
        // Not below the share (NaN passes, as in the scalar test), and structured.
        let keep = _mm256_and_ps(_mm256_cmp_ps::<_CMP_NLT_UQ>(sw, min_share), _mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_sqrt_ps(vb), min_std));
        // SAFETY: out holds n >= i + 8 floats.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(i), _mm256_blendv_ps(nan, v, keep)) };
    }
    for (i, o) in out.iter_mut().enumerate().skip(quads) {
        *o = window_ncc_at(s, i);
    }
}

fn median(v: &mut [f32]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    Some(*v.select_nth_unstable_by(mid, f32::total_cmp).1 as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of fine stripes, its copy with a washed-out square and another
    /// with a square of other print.
    fn page(w: usize, h: usize) -> Vec<f32> {
        (0..w * h).map(|i| 128.0 + 60.0 * ((i % w) as f32 * 0.9 + (i / w) as f32 * 0.4).sin()).collect()
    }

    #[test]
    fn vectorised_window_ncc_matches_the_scalar_one_bit_for_bit() {
        // Sums over a range of shares, variances and covariances, with
        // zero, tiny and NaN values among them.
        let n = 1003;
        let f = |k: usize, m: usize, scale: f32| -> Vec<f32> { (0..n).map(|i| (((i * k + m) % 97) as f32 - 40.0) * scale).collect() };
        let mut w: Vec<f32> = (0..n).map(|i| (i % 23) as f32 / 18.0).collect();
        w[5] = f32::NAN;
        w[6] = 0.0;
        let (a, b) = (f(7, 3, 0.7), f(11, 5, 0.9));
        let aa: Vec<f32> = a.iter().zip(&w).enumerate().map(|(i, (v, s))| if i % 5 == 0 { v * v * s * s } else { v * v + (i % 13) as f32 * 9.0 }).collect();
        let bb: Vec<f32> = b.iter().enumerate().map(|(i, v)| if i % 7 == 0 { 1e-7 } else { v * v + (i % 17) as f32 * 25.0 }).collect();
        let ab: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x * y * 0.8).collect();
        let s = Sums { w: &w, a: &a, b: &b, aa: &aa, bb: &bb, ab: &ab };
        let scalar: Vec<u32> = (0..n).map(|i| window_ncc_at(&s, i).to_bits()).collect();
        assert_eq!(window_ncc_from(&s).iter().map(|v| v.to_bits()).collect::<Vec<_>>(), scalar);
        assert!(scalar.iter().any(|&v| f32::from_bits(v).is_finite() && f32::from_bits(v) != 0.0) && scalar.iter().any(|&v| v == 0) && scalar.iter().any(|&v| f32::from_bits(v).is_nan()));
    }

    #[test]
    fn a_second_source_judges_the_windows_the_first_leaves_and_only_on_a_capture_it_can_read() {
        let (w, h) = (300, 200);
        let reference = page(w, h);
        let mut doc = reference.clone();
        // Other print moved in at (30, 10) mm.
        for y in 60..100 {
            for x in 180..230 {
                doc[y * w + x] = 128.0 + 60.0 * ((y * 7 + x * 3) as f32 * 0.37).cos();
            }
        }
        let all = vec![true; w * h];
        let (doc_mean, reference_mean) = (box_blur(&doc, w, h, 2), box_blur(&reference, w, h, 2));
        let fine = Fine { doc: &doc, reference: &reference, doc_mean: &doc_mean, reference_mean: &reference_mean };
        // The first source judges nothing but the page's top rows.
        let top: Vec<bool> = (0..w * h).map(|i| i / w < 40).collect();
        let first = Correlated { doc: &doc, reference: &reference, stable: &top, max_shift: 0, min_typical_ncc: None };
        let second = |min| Correlated { doc: &doc, reference: &reference, stable: &all, max_shift: 2, min_typical_ncc: Some(min) };
        // Fading is judged over the whole page and finds nothing.
        let found = changes_in(&[first, second(0.75)], &fine, &all, w, h);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert!((c.rect.x + c.rect.w / 2.0 - 205.0 / REF_PX_PER_MM).abs() < 2.0 && (c.rect.y + c.rect.h / 2.0 - 80.0 / REF_PX_PER_MM).abs() < 2.0, "{c:?}");
        assert!(c.ncc.is_some_and(|v| v < MAX_WINDOW_NCC), "{c:?}");
        // A second source whose typical windows correlate less than asked is
        // not used: the first alone finds nothing.
        let first = Correlated { doc: &doc, reference: &reference, stable: &top, max_shift: 0, min_typical_ncc: None };
        assert!(changes_in(&[first, second(1.01)], &fine, &all, w, h).is_empty());
        assert!(changes_in(&[], &fine, &all, w, h).is_empty());
    }

    #[test]
    fn an_identical_page_has_no_changes() {
        let (w, h) = (300, 200);
        let p = page(w, h);
        assert!(changes(&p, &p, &p, &p, &vec![true; w * h], &vec![true; w * h], w, h, 0).is_empty());
    }

    #[test]
    fn finds_an_erased_and_a_replaced_square() {
        let (w, h) = (300, 200);
        let reference = page(w, h);
        let mut doc = reference.clone();
        for y in 40..80 {
            for x in 30..80 {
                doc[y * w + x] = 0.08 * (doc[y * w + x] - 128.0) + 200.0;
            }
            for x in 180..230 {
                doc[y * w + x] = 128.0 + 60.0 * ((y * 7 + x * 3) as f32 * 0.37).cos();
            }
        }
        let found = changes(&doc, &reference, &doc, &reference, &vec![true; w * h], &vec![true; w * h], w, h, 0);
        assert_eq!(found.len(), 2, "{found:?}");
        let mut xs: Vec<f64> = found.iter().map(|c| c.rect.x + c.rect.w / 2.0).collect();
        xs.sort_by(f64::total_cmp);
        assert!((xs[0] - 55.0 / REF_PX_PER_MM).abs() < 2.0 && (xs[1] - 205.0 / REF_PX_PER_MM).abs() < 2.0, "{found:?}");
        // Masked out, the same squares are not judged.
        let stable: Vec<bool> = (0..w * h).map(|i| !((40..80).contains(&(i / w)) && (30..230).contains(&(i % w)))).collect();
        assert!(changes(&doc, &reference, &doc, &reference, &stable, &stable, w, h, 0).is_empty());
    }

    #[test]
    fn erased_print_where_only_the_fine_print_is_compared_is_found() {
        // A personal-data block: not correlated (its text varies), but the
        // print behind it is still looked for.
        let (w, h) = (300, 200);
        let reference = page(w, h);
        let mut doc = reference.clone();
        for y in 40..100 {
            for x in 30..110 {
                doc[y * w + x] = 0.08 * (doc[y * w + x] - 128.0) + 128.0;
            }
        }
        let personal = |i: usize| (30..110).contains(&(i / w)) && (20..120).contains(&(i % w));
        let stable: Vec<bool> = (0..w * h).map(|i| !personal(i)).collect();
        assert!(changes(&doc, &reference, &doc, &reference, &stable, &stable, w, h, 0).is_empty());
        let found = changes(&doc, &reference, &doc, &reference, &stable, &vec![true; w * h], w, h, 0);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert!((c.rect.x + c.rect.w / 2.0 - 70.0 / REF_PX_PER_MM).abs() < 2.0 && c.contrast.is_some_and(|v| v < MIN_CONTRAST_RATIO), "{c:?}");
    }

    #[test]
    fn an_erased_patch_below_the_area_limit_is_found_when_its_print_is_gone() {
        // 5 × 5 mm: its differing cells cover less than MIN_AREA_MM2 (the
        // windows straddle its edges), but inside it the fine print is gone.
        let (w, h) = (300, 200);
        let reference = page(w, h);
        let wash = |keep: f32| {
            let mut doc = reference.clone();
            for y in 60..90 {
                for x in 100..130 {
                    doc[y * w + x] += (1.0 - keep) * (210.0 - doc[y * w + x]);
                }
            }
            changes(&doc, &reference, &doc, &reference, &vec![false; w * h], &vec![true; w * h], w, h, 0)
        };
        let found = wash(0.03);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].area_mm2 < MIN_AREA_MM2 && found[0].rect.intersects(&RectMm::new(100.0 / REF_PX_PER_MM, 60.0 / REF_PX_PER_MM, 5.0, 5.0)), "{found:?}");
        // Faded to 30 %, not erased: as small a change is not reported.
        assert!(wash(0.3).is_empty(), "{:?}", wash(0.3));
    }

    #[test]
    fn a_small_wash_is_found() {
        // 8 × 6 mm washed between personal text lines (fine print only),
        // fading in over a fifth of a millimetre as a wiped edge does.
        let (w, h) = (300, 200);
        let reference = page(w, h);
        let mut doc = reference.clone();
        let (x0, x1, y0, y1) = (100usize, 148usize, 60usize, 96usize);
        for y in y0..y1 {
            for x in x0..x1 {
                let edge = (x - x0).min(x1 - 1 - x).min(y - y0).min(y1 - 1 - y) as f32;
                let k = (edge / 2.0).min(1.0) * 0.92;
                doc[y * w + x] += k * (210.0 - doc[y * w + x]);
            }
        }
        let nothing_stable = vec![false; w * h];
        let found = changes(&doc, &reference, &doc, &reference, &nothing_stable, &vec![true; w * h], w, h, 0);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].area_mm2 >= MIN_AREA_MM2 && found[0].rect.intersects(&RectMm::new(100.0 / REF_PX_PER_MM, 60.0 / REF_PX_PER_MM, 8.0, 6.0)), "{found:?}");
        assert!(changes(&reference, &reference, &reference, &reference, &nothing_stable, &vec![true; w * h], w, h, 0).is_empty());
    }
}
