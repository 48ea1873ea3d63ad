//! Finding MRZ candidates: ink components at a working resolution are linked
//! into straight, evenly pitched rows, and rows into 2 or 3 parallel lines of
//! equal length. Works for any text direction (the 90° orientations and skew
//! come out of the link-angle histogram); the 180° ambiguity is left to the
//! reader, which reads both ways.

use super::cc::{self, Component};
use super::raster::{self, Resample};
use image::GrayImage;

/// An MRZ line in input-image continuous coordinates: cell `k` (0-based) is
/// centred at `origin + t(k)·dir + b(k)·normal` with `t(k) = p·k + q·k²`
/// along the line (the quadratic term absorbs perspective foreshortening)
/// and `b(k) = s·k + r·k²` across it (residual tilt, and the bend of a
/// curved page).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineModel {
    pub origin: (f64, f64),
    pub dir: (f64, f64),
    pub p: f64,
    pub q: f64,
    pub s: f64,
    pub r: f64,
    pub n: usize,
}

impl LineModel {
    /// A straight line with evenly growing pitch.
    pub fn straight(origin: (f64, f64), dir: (f64, f64), p: f64, q: f64, n: usize) -> LineModel {
        LineModel { origin, dir, p, q, s: 0.0, r: 0.0, n }
    }
    pub fn t(&self, k: f64) -> f64 {
        self.p * k + self.q * k * k
    }
    pub fn b(&self, k: f64) -> f64 {
        self.s * k + self.r * k * k
    }
    /// Centre of cell `k` (may be fractional or outside `0..n`).
    pub fn centre(&self, k: f64) -> (f64, f64) {
        let (t, b) = (self.t(k), self.b(k));
        let nm = self.normal();
        (self.origin.0 + t * self.dir.0 + b * nm.0, self.origin.1 + t * self.dir.1 + b * nm.1)
    }
    /// Derivative of the centre with respect to `k`: the local pitch vector.
    pub fn tangent(&self, k: f64) -> (f64, f64) {
        let (dt, db) = (self.p + 2.0 * self.q * k, self.s + 2.0 * self.r * k);
        let nm = self.normal();
        (dt * self.dir.0 + db * nm.0, dt * self.dir.1 + db * nm.1)
    }
    /// Unit normal pointing down across the lines (reading orientation).
    pub fn normal(&self) -> (f64, f64) {
        (-self.dir.1, self.dir.0)
    }
    /// The same line read the other way round (cell `n−1` becomes cell 0).
    pub fn reversed(&self) -> LineModel {
        let last = (self.n.max(1) - 1) as f64;
        // With k = last − j, both polynomials re-expand in j; `dir` and the
        // normal flip sign.
        LineModel {
            origin: self.centre(last),
            dir: (-self.dir.0, -self.dir.1),
            p: self.p + 2.0 * self.q * last,
            q: -self.q,
            s: self.s + 2.0 * self.r * last,
            r: -self.r,
            n: self.n,
        }
    }
    /// The same cells, with cell `dk` becoming cell 0.
    pub fn shifted(&self, dk: f64) -> LineModel {
        LineModel {
            origin: self.centre(dk),
            p: self.p + 2.0 * self.q * dk,
            s: self.s + 2.0 * self.r * dk,
            ..*self
        }
    }
}

/// A located MRZ (not yet read): lines top to bottom for the text direction
/// found; it may be upside down.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub lines: Vec<LineModel>,
    pub score: f64,
}

/// Tuning constants of the locator, in working-image pixels unless noted.
struct Params {
    bin_radius: u32,
    sauvola_k: f32,
    min_contrast: f32,
    min_size: u32,
    max_size: u32,
}

const PARAMS: Params = Params { bin_radius: 12, sauvola_k: 0.15, min_contrast: 8.0, min_size: 4, max_size: 120 };

/// The working resolutions to try, in order: first one where the image's long
/// side is at most 900 px (about 10–15 px cap height for a document filling
/// the frame), then a finer one for small text in large frames.
pub fn schedule(w: u32, h: u32) -> Vec<Resample> {
    let long = w.max(h);
    if long == 0 {
        return vec![];
    }
    if long < 600 {
        return vec![Resample::Up2];
    }
    let k = long.div_ceil(900).max(1);
    match k {
        1 if long <= 1200 => vec![Resample::Down(1), Resample::Up2],
        1 => vec![Resample::Down(1)],
        2 => vec![Resample::Down(2), Resample::Down(1)],
        _ => vec![Resample::Down(k), Resample::Down(k.div_ceil(2))],
    }
}

/// MRZ candidates in `img`, best first, trying the working resolutions of
/// [`schedule`] until one yields a candidate.
pub fn locate(img: &GrayImage) -> Vec<Candidate> {
    for r in schedule(img.width(), img.height()) {
        let c = locate_at(img, r);
        if !c.is_empty() {
            return c;
        }
    }
    Vec::new()
}

/// A component seen in a text frame rotated by θ: `u` along the text, `v`
/// across it (down).
#[derive(Clone, Copy, Debug)]
struct Blob {
    umin: f64,
    umax: f64,
    vmin: f64,
    vmax: f64,
    uc: f64,
    vc: f64,
}

impl Blob {
    fn h(&self) -> f64 {
        self.vmax - self.vmin
    }
    fn w(&self) -> f64 {
        self.umax - self.umin
    }
}

/// A row of linked blobs with its fitted centre line `v = a + b·u` and lattice.
#[derive(Clone, Debug)]
struct Row {
    h: f64,
    a: f64,
    b: f64,
    umin: f64,
    umax: f64,
    /// Cell centres along u: `u(k) = l0 + l1·k + l2·k²`, cells `0..n`.
    l0: f64,
    l1: f64,
    l2: f64,
    n: usize,
    singles: usize,
}

impl Row {
    fn v_at(&self, u: f64) -> f64 {
        self.a + self.b * u
    }
    fn vmid(&self) -> f64 {
        self.v_at((self.umin + self.umax) / 2.0)
    }
}

fn locate_at(img: &GrayImage, r: Resample) -> Vec<Candidate> {
    let work = raster::resample(img, r);
    let (w, h) = (work.width() as usize, work.height() as usize);
    if w < 16 || h < 8 {
        return Vec::new();
    }
    let mask = raster::binarize(&work, PARAMS.bin_radius, PARAMS.sauvola_k, PARAMS.min_contrast);
    let labels = cc::label(&mask, w, h);
    let comps: Vec<&Component> = labels
        .components
        .iter()
        .filter(|c| {
            let (cw, ch) = (c.width(), c.height());
            let s = cw.max(ch);
            s >= PARAMS.min_size && s <= PARAMS.max_size && c.area >= 5
        })
        .collect();
    if comps.len() < 20 {
        return Vec::new();
    }
    let scale = r.input_per_work();
    let mut out = Vec::new();
    for theta in text_directions(&comps) {
        let blobs = project_blobs(&labels, &comps, theta);
        let rows = build_rows(blobs);
        for cand in group_rows(&rows) {
            out.push(to_input(&cand, theta, scale));
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// Dominant directions (radians in [0, π)) of links between each component
/// and its nearest similar-sized neighbours: text lines give strong peaks.
fn text_directions(comps: &[&Component]) -> Vec<f64> {
    const BINS: usize = 180;
    let mut hist = [0f64; BINS];
    let cell = 32.0f32;
    let gw = comps.iter().map(|c| c.cx).fold(0.0, f32::max) / cell + 1.0;
    let gh = comps.iter().map(|c| c.cy).fold(0.0, f32::max) / cell + 1.0;
    let (gw, gh) = (gw as usize, gh as usize);
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); gw * gh];
    for (i, c) in comps.iter().enumerate() {
        let (gx, gy) = ((c.cx / cell) as usize, (c.cy / cell) as usize);
        grid[gy.min(gh - 1) * gw + gx.min(gw - 1)].push(i as u32);
    }
    for (i, a) in comps.iter().enumerate() {
        let sa = a.width().max(a.height()) as f32;
        let reach = 2.0 * sa;
        let gr = (reach / cell).ceil() as i64;
        let (gx, gy) = ((a.cx / cell) as i64, (a.cy / cell) as i64);
        let mut best: [(f32, f32); 2] = [(f32::MAX, 0.0); 2];
        for yy in (gy - gr).max(0)..=(gy + gr).min(gh as i64 - 1) {
            for xx in (gx - gr).max(0)..=(gx + gr).min(gw as i64 - 1) {
                for &j in &grid[yy as usize * gw + xx as usize] {
                    if j as usize == i {
                        continue;
                    }
                    let b = comps[j as usize];
                    let sb = b.width().max(b.height()) as f32;
                    let ratio = sa / sb;
                    if !(0.6..=1.67).contains(&ratio) {
                        continue;
                    }
                    let (dx, dy) = (b.cx - a.cx, b.cy - a.cy);
                    let d = dx.hypot(dy);
                    let s = sa.max(sb);
                    if d < 0.5 * s || d > 2.0 * s {
                        continue;
                    }
                    let ang = dy.atan2(dx);
                    if d < best[0].0 {
                        best[1] = best[0];
                        best[0] = (d, ang);
                    } else if d < best[1].0 {
                        best[1] = (d, ang);
                    }
                }
            }
        }
        for (d, ang) in best {
            if d < f32::MAX {
                let deg = (ang.to_degrees() as f64).rem_euclid(180.0);
                hist[(deg as usize).min(BINS - 1)] += 1.0;
            }
        }
    }
    // Circular smoothing over ±2°.
    let smooth: Vec<f64> = (0..BINS).map(|i| (0..5).map(|k| hist[(i + BINS + k - 2) % BINS] * [1.0, 2.0, 3.0, 2.0, 1.0][k]).sum()).collect();
    let max = smooth.iter().cloned().fold(0.0, f64::max);
    if max <= 0.0 {
        return vec![];
    }
    let mut peaks: Vec<(f64, f64)> = Vec::new();
    for i in 0..BINS {
        let v = smooth[i];
        if v >= 0.2 * max && v >= smooth[(i + BINS - 1) % BINS] && v > smooth[(i + 1) % BINS] {
            // Sub-bin peak position from the weighted neighbourhood.
            let (mut sw, mut sa) = (0.0, 0.0);
            for k in -3i64..=3 {
                let wgt = hist[((i as i64 + k).rem_euclid(BINS as i64)) as usize];
                sw += wgt;
                sa += wgt * (i as f64 + k as f64 + 0.5);
            }
            peaks.push((v, if sw > 0.0 { sa / sw } else { i as f64 + 0.5 }));
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out: Vec<f64> = Vec::new();
    for (_, deg) in peaks {
        let d = deg.rem_euclid(180.0);
        if out.iter().all(|&o| {
            let diff = (o.to_degrees() - d).rem_euclid(180.0);
            diff.min(180.0 - diff) > 12.0
        }) {
            out.push(d.to_radians());
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// Extents of each component along (u) and across (v) the direction θ.
fn project_blobs(labels: &cc::Labels, comps: &[&Component], theta: f64) -> Vec<Blob> {
    let (c, s) = (theta.cos(), theta.sin());
    comps
        .iter()
        .map(|comp| {
            let (mut umin, mut umax, mut vmin, mut vmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
            for y in comp.y0..=comp.y1 {
                let row = y as usize * labels.width;
                for x in comp.x0..=comp.x1 {
                    if labels.labels[row + x as usize] != comp.label {
                        continue;
                    }
                    let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                    let u = px * c + py * s;
                    let v = -px * s + py * c;
                    umin = umin.min(u);
                    umax = umax.max(u);
                    vmin = vmin.min(v);
                    vmax = vmax.max(v);
                }
            }
            let (cx, cy) = (comp.cx as f64, comp.cy as f64);
            // Extents cover whole pixels.
            Blob { umin: umin - 0.5, umax: umax + 0.5, vmin: vmin - 0.5, vmax: vmax + 0.5, uc: cx * c + cy * s, vc: -cx * s + cy * c }
        })
        .filter(|b| b.h() >= 3.0 && b.w() <= 30.0 * b.h())
        .collect()
}

/// Links blobs into rows (each blob to its best right neighbour on the same
/// text line, mutually), merges collinear rows across small breaks and fits
/// each row's line and lattice.
fn build_rows(mut blobs: Vec<Blob>) -> Vec<Row> {
    blobs.sort_by(|a, b| a.umin.total_cmp(&b.umin));
    let n = blobs.len();
    // Bands across the text direction, each listing its blobs by umin, so
    // a blob only meets the blobs beside it.
    const BAND: f64 = 8.0;
    let vlo = blobs.iter().map(|b| (b.vmin + b.vmax) / 2.0).fold(f64::MAX, f64::min);
    let band_of = |v: f64| ((v - vlo) / BAND).max(0.0) as usize;
    let nb = blobs.iter().map(|b| band_of((b.vmin + b.vmax) / 2.0)).max().map_or(0, |m| m + 1);
    let mut bands: Vec<Vec<usize>> = vec![Vec::new(); nb];
    for (i, b) in blobs.iter().enumerate() {
        bands[band_of((b.vmin + b.vmax) / 2.0)].push(i);
    }
    let mut right: Vec<Option<(usize, f64)>> = vec![None; n];
    for i in 0..n {
        let a = blobs[i];
        let ha = a.h();
        let va = (a.vmin + a.vmax) / 2.0;
        // |dv| ≤ 0.3·max(h) and h ≤ 1.67·ha bound the bands to look in.
        let b1 = band_of(va + 0.5 * ha).min(nb - 1);
        let b0 = band_of(va - 0.5 * ha).min(b1);
        for band in &bands[b0..=b1] {
            // Blobs in the band are in umin order (indices ascend with umin).
            let start = band.partition_point(|&j| blobs[j].umin < a.umax - 0.5 * ha);
            for &j in &band[start..] {
                let b = blobs[j];
                if b.umin > a.umax + 1.7 * ha {
                    break;
                }
                if j == i {
                    continue;
                }
                let hb = b.h();
                let hm = ha.max(hb);
                let ratio = ha / hb;
                if !(0.6..=1.67).contains(&ratio) || b.uc <= a.uc {
                    continue;
                }
                let gap = b.umin - a.umax;
                let dv = ((a.vmin + a.vmax) - (b.vmin + b.vmax)).abs() / 2.0;
                if gap < -0.3 * hm || gap > 1.0 * hm || dv > 0.3 * hm {
                    continue;
                }
                let cost = gap.max(0.0) + 2.0 * dv;
                if right[i].is_none_or(|(_, c)| cost < c) {
                    right[i] = Some((j, cost));
                }
            }
        }
    }
    // Keep only links that are also the cheapest into their target.
    let mut left: Vec<Option<(usize, f64)>> = vec![None; n];
    for i in 0..n {
        if let Some((j, c)) = right[i] {
            if left[j].is_none_or(|(_, lc)| c < lc) {
                left[j] = Some((i, c));
            }
        }
    }
    let mut rows = Vec::new();
    for i in 0..n {
        if left[i].is_some() {
            continue;
        }
        let mut chain = vec![blobs[i]];
        let mut cur = i;
        while let Some((j, _)) = right[cur] {
            if left[j].map(|(l, _)| l) != Some(cur) {
                break;
            }
            chain.push(blobs[j]);
            cur = j;
        }
        if chain.len() >= 4 {
            rows.push(chain);
        }
    }
    let rows = merge_rows(rows);
    rows.into_iter().filter_map(fit_row).collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Robust straight-line fit of `(x, y)` points: least squares, then again
/// without points further than `tol` from the first fit. Returns `(a, b)`
/// with `y = a + b·x`.
fn line_fit(pts: &[(f64, f64)], tol: f64) -> Option<(f64, f64)> {
    let fit = |use_pt: &dyn Fn(&(f64, f64)) -> bool| -> Option<(f64, f64)> {
        let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for p in pts.iter().filter(|p| use_pt(p)) {
            n += 1.0;
            sx += p.0;
            sy += p.1;
            sxx += p.0 * p.0;
            sxy += p.0 * p.1;
        }
        if n < 2.0 {
            return None;
        }
        let den = n * sxx - sx * sx;
        if den.abs() < 1e-9 {
            return Some((sy / n, 0.0));
        }
        let b = (n * sxy - sx * sy) / den;
        Some(((sy - b * sx) / n, b))
    };
    let (a, b) = fit(&|_| true)?;
    fit(&|p| (p.1 - a - b * p.0).abs() <= tol).or(Some((a, b)))
}

fn row_height(chain: &[Blob]) -> f64 {
    let mut hs: Vec<f64> = chain.iter().map(Blob::h).collect();
    // Upper half: full-height glyphs rather than fillers and fragments.
    hs.sort_by(f64::total_cmp);
    hs[(hs.len() * 2 / 3).min(hs.len() - 1)]
}

/// Joins rows that continue each other on the same line across a break of up
/// to three glyph heights (a missed or obscured character): each row is
/// linked to its nearest continuation, and linked rows are concatenated.
fn merge_rows(mut rows: Vec<Vec<Blob>>) -> Vec<Vec<Blob>> {
    rows.sort_by(|a, b| a[0].umin.total_cmp(&b[0].umin));
    let n = rows.len();
    let info: Vec<(f64, f64, f64, f64, f64, f64)> = rows
        .iter()
        .map(|r| {
            let h = row_height(r);
            // A run of fillers with a few full glyphs: fillers lower the row
            // height of a look-alike font's `<` (shorter than OCR-B's), but
            // its tallest glyphs still match the line they continue.
            let tallest = r.iter().map(Blob::h).fold(0.0, f64::max);
            // Centre lines near each end.
            let va = r.iter().rev().take(4).map(|x| x.vc).sum::<f64>() / r.len().min(4) as f64;
            let vb = r.iter().take(4).map(|x| x.vc).sum::<f64>() / r.len().min(4) as f64;
            (h, r[0].umin, r[r.len() - 1].umax, vb, va, tallest)
        })
        .collect();
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut has_prev = vec![false; n];
    for i in 0..n {
        let (ha, _, end, _, va_end, tallest_a) = info[i];
        let lo = info.partition_point(|x| x.1 < end - 0.2 * ha * 1.33);
        let mut best: Option<(usize, f64)> = None;
        for j in lo..n {
            let (hb, start, _, vb_start, _, tallest_b) = info[j];
            let hm = ha.max(hb);
            let gap = start - end;
            if gap > 3.0 * 1.33 * ha {
                break;
            }
            let dv = (va_end - vb_start).abs();
            let similar = |x: f64, y: f64| (0.75..=1.33).contains(&(x / y));
            // A look-alike font's `<` is about half its capitals: a run of
            // fillers continues its line when it follows on closely and
            // level with it.
            let continues_closely = (0.5..=2.0).contains(&(ha / hb)) && gap <= 1.0 * hm && dv <= 0.15 * hm;
            let heights_match = similar(ha, hb) || similar(ha, tallest_b) || similar(tallest_a, hb) || continues_closely;
            if j == i || has_prev[j] || !heights_match || gap < -0.2 * hm || gap > 3.0 * hm || dv > 0.3 * hm {
                continue;
            }
            if best.is_none_or(|(_, g)| gap < g) {
                best = Some((j, gap));
            }
        }
        if let Some((j, _)) = best {
            next[i] = Some(j);
            has_prev[j] = true;
        }
    }
    let mut out = Vec::new();
    for i in 0..n {
        if has_prev[i] {
            continue;
        }
        let mut joined = std::mem::take(&mut rows[i]);
        let mut cur = i;
        let mut guard = 0;
        while let Some(j) = next[cur] {
            joined.extend(std::mem::take(&mut rows[j]));
            cur = j;
            guard += 1;
            if guard > n {
                break;
            }
        }
        if !joined.is_empty() {
            out.push(joined);
        }
    }
    out
}

/// Fits a row's centre line and its character lattice; `None` when the row
/// is not evenly pitched text.
fn fit_row(blobs: Vec<Blob>) -> Option<Row> {
    let h = row_height(&blobs);
    if h < 3.0 {
        return None;
    }
    let pts: Vec<(f64, f64)> = blobs.iter().filter(|b| b.h() > 0.6 * h).map(|b| (b.uc, (b.vmin + b.vmax) / 2.0)).collect();
    let (a, b) = line_fit(&pts, 0.15 * h)?;
    // Lattice from single glyphs (not merged runs, not fragments).
    let singles: Vec<f64> = blobs.iter().filter(|x| x.w() < 1.15 * h && x.h() > 0.5 * h).map(|x| x.uc).collect();
    if singles.len() < 4 {
        return None;
    }
    let mut d: Vec<f64> = singles.windows(2).map(|w| w[1] - w[0]).filter(|&d| d > 0.6 * h && d < 1.6 * h).collect();
    if d.len() < 3 {
        return None;
    }
    let mut p = median(&mut d);
    // Walk the singles assigning lattice indices, tracking the local pitch.
    let mut ks: Vec<(f64, f64)> = vec![(0.0, singles[0])];
    let mut k = 0i64;
    for w in singles.windows(2) {
        let dk = ((w[1] - w[0]) / p).round() as i64;
        if dk <= 0 {
            continue; // a fragment of the same glyph
        }
        if dk <= 2 {
            p = 0.8 * p + 0.2 * (w[1] - w[0]) / dk as f64;
        }
        k += dk;
        ks.push((k as f64, w[1]));
    }
    let (l0, l1, l2) = lattice_fit(&ks, 0.3)?;
    if !(0.6 * h..=1.8 * h).contains(&l1) {
        return None;
    }
    let umin = blobs.iter().map(|x| x.umin).fold(f64::MAX, f64::min);
    let umax = blobs.iter().map(|x| x.umax).fold(f64::MIN, f64::max);
    // First and last cells from the ink extent: a glyph's half width is
    // about 0.27 pitch.
    let k_of = |u: f64| invert_lattice(l0, l1, l2, u);
    let kf = k_of(umin + 0.27 * l1).round();
    let kl = k_of(umax - 0.27 * l1).round();
    if kl < kf {
        return None;
    }
    let n = (kl - kf) as usize + 1;
    // Re-base the lattice at the first cell.
    let (m0, m1, m2) = (l0 + l1 * kf + l2 * kf * kf, l1 + 2.0 * l2 * kf, l2);
    Some(Row { h, a, b, umin, umax, l0: m0, l1: m1, l2: m2, n, singles: singles.len() })
}

/// Least-squares `u = l0 + l1·k + l2·k²` (quadratic only with enough points
/// over enough cells), dropping points off by more than `tol` pitches.
fn lattice_fit(ks: &[(f64, f64)], tol: f64) -> Option<(f64, f64, f64)> {
    let span = ks.last()?.0 - ks.first()?.0;
    let quad = ks.len() >= 12 && span >= 20.0;
    let mut keep: Vec<bool> = vec![true; ks.len()];
    let mut sol = None;
    for _ in 0..3 {
        let pts: Vec<(f64, f64)> = ks.iter().zip(&keep).filter(|(_, k)| **k).map(|(p, _)| *p).collect();
        if pts.len() < 3 {
            break;
        }
        let s = if quad { poly2_fit(&pts)? } else { line_fit(&pts, f64::MAX).map(|(a, b)| (a, b, 0.0))? };
        let mut changed = false;
        for (i, &(k, u)) in ks.iter().enumerate() {
            let ok = (u - (s.0 + s.1 * k + s.2 * k * k)).abs() <= tol * s.1.abs();
            changed |= ok != keep[i];
            keep[i] = ok;
        }
        sol = Some(s);
        if !changed {
            break;
        }
    }
    sol
}

/// Least-squares quadratic through points, by the normal equations.
pub(crate) fn poly2_fit(pts: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    // Centre x for conditioning.
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let mut m = [[0.0f64; 4]; 3];
    for &(x0, y) in pts {
        let x = x0 - mx;
        let xs = [1.0, x, x * x];
        for r in 0..3 {
            for c in 0..3 {
                m[r][c] += xs[r] * xs[c];
            }
            m[r][3] += xs[r] * y;
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..3 {
        let piv = (col..3).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        m.swap(col, piv);
        if m[col][col].abs() < 1e-12 {
            return None;
        }
        for r in 0..3 {
            if r != col {
                let f = m[r][col] / m[col][col];
                for c in col..4 {
                    m[r][c] -= f * m[col][c];
                }
            }
        }
    }
    let (c0, c1, c2) = (m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]);
    // Undo the centring: y = c0 + c1 (x − mx) + c2 (x − mx)².
    Some((c0 - c1 * mx + c2 * mx * mx, c1 - 2.0 * c2 * mx, c2))
}

/// The (fractional) lattice index at position `u`.
fn invert_lattice(l0: f64, l1: f64, l2: f64, u: f64) -> f64 {
    let mut k = (u - l0) / l1;
    for _ in 0..4 {
        let f = l0 + l1 * k + l2 * k * k - u;
        let df = l1 + 2.0 * l2 * k;
        if df.abs() < 1e-9 {
            break;
        }
        k -= f / df;
    }
    k
}

/// A group of rows in working coordinates.
struct Group<'a> {
    rows: Vec<&'a Row>,
    n: usize,
    score: f64,
}

/// Groups rows into MRZs: 3 lines of 30 or 2 lines of 36/44, parallel,
/// equally pitched, starting and ending together.
fn group_rows(rows: &[Row]) -> Vec<Group<'_>> {
    let mut mrz_rows: Vec<&Row> = rows.iter().filter(|r| (22..=52).contains(&r.n) && r.singles * 4 >= r.n).collect();
    mrz_rows.sort_by(|a, b| a.vmid().total_cmp(&b.vmid()));
    let compatible = |a: &Row, b: &Row| -> Option<f64> {
        let p = a.l1.min(b.l1);
        if (a.b - b.b).abs() > 0.06 || !(0.85..=1.18).contains(&(a.l1 / b.l1)) || !(0.65..=1.5).contains(&(a.h / b.h)) {
            return None;
        }
        let um = (a.umin.max(b.umin) + a.umax.min(b.umax)) / 2.0;
        let dv = b.v_at(um) - a.v_at(um);
        if dv < 0.85 * p || dv > 3.4 * p {
            return None;
        }
        let overlap = a.umax.min(b.umax) - a.umin.max(b.umin);
        let longest = (a.umax - a.umin).max(b.umax - b.umin);
        if overlap < 0.6 * longest {
            return None;
        }
        Some(dv / p)
    };
    let mut groups = Vec::new();
    for i in 0..mrz_rows.len() {
        for j in i + 1..mrz_rows.len() {
            let Some(r1) = compatible(mrz_rows[i], mrz_rows[j]) else { continue };
            // Three lines of 30 (TD1: line pitch ≈ 1.67 character pitches;
            // a moved line may make the two spacings differ).
            {
                for k in j + 1..mrz_rows.len() {
                    let Some(r2) = compatible(mrz_rows[j], mrz_rows[k]) else { continue };
                    if (r1 / r2 - 1.0).abs() < 0.5 {
                        let rows = vec![mrz_rows[i], mrz_rows[j], mrz_rows[k]];
                        if let Some(g) = score_group(rows, &[30]) {
                            groups.push(g);
                        }
                    }
                }
            }
            // Two lines of 36 or 44 (line pitch nominally 2.5 character
            // pitches, but screen renderings and some issuers print closer).
            {
                if let Some(g) = score_group(vec![mrz_rows[i], mrz_rows[j]], &[36, 44]) {
                    groups.push(g);
                }
            }
        }
    }
    groups
}

fn score_group<'a>(rows: Vec<&'a Row>, lens: &[usize]) -> Option<Group<'a>> {
    let est = rows.iter().map(|r| r.n).max()? as f64;
    let n = *lens.iter().min_by(|&&a, &&b| (a as f64 - est).abs().total_cmp(&(b as f64 - est).abs()))?;
    let worst = rows.iter().map(|r| (r.n as f64 - n as f64).abs()).fold(0.0, f64::max);
    if worst > 5.0 {
        return None;
    }
    let singles: usize = rows.iter().map(|r| r.singles).sum();
    let score = singles as f64 / (rows.len() * n) as f64 - 0.1 * worst;
    Some(Group { rows, n, score })
}

/// Converts a group to input-image line models. Each row's lattice is
/// re-based so that its cells line up with the group's common start (lines
/// of an MRZ start together; a row whose first glyph was missed is
/// extended).
fn to_input(g: &Group<'_>, theta: f64, scale: f64) -> Candidate {
    let (c, s) = (theta.cos(), theta.sin());
    // Common start along u. Each row votes with its first cell and with the
    // cell n−1 before its last one; the value most votes agree with wins,
    // so one row that lost an end glyph is outvoted.
    let mut votes: Vec<f64> = Vec::new();
    for r in &g.rows {
        votes.push(r.l0);
        let k = r.n as f64 - g.n as f64;
        votes.push(r.l0 + r.l1 * k + r.l2 * k * k);
    }
    let p = g.rows[0].l1;
    let agree = |v: f64| votes.iter().filter(|&&o| (o - v).abs() < 0.4 * p).count();
    let start = votes.iter().copied().max_by(|&a, &b| agree(a).cmp(&agree(b)).then(b.total_cmp(&a))).unwrap_or(g.rows[0].l0);
    let lines = g
        .rows
        .iter()
        .map(|r| {
            // Cell index of the common start on this row.
            let k0 = invert_lattice(r.l0, r.l1, r.l2, start).round();
            let (l0, l1, l2) = (r.l0 + r.l1 * k0 + r.l2 * k0 * k0, r.l1 + 2.0 * r.l2 * k0, r.l2);
            // A point (u, v = a + b u) in working coordinates → input.
            let to_img = |u: f64| {
                let v = r.v_at(u);
                ((u * c - v * s) * scale, (u * s + v * c) * scale)
            };
            let origin = to_img(l0);
            let norm = (1.0 + r.b * r.b).sqrt();
            let dir = ((c - r.b * s) / norm, (s + r.b * c) / norm);
            // Distances along the tilted line grow by `norm` per unit of u.
            LineModel::straight(origin, dir, l1 * norm * scale, l2 * norm * scale, g.n)
        })
        .collect();
    Candidate { lines, score: g.score }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::Format;
    use crate::read::testkit::{Rng, Scene, random_mrz_of, render};

    fn check_scene(s: &Scene) {
        let r = render(s);
        let cands = locate(&r.image);
        assert!(!cands.is_empty(), "no candidate for {:?} at {}°", s.format, s.rotation_deg);
        let c = &cands[0];
        assert_eq!(c.lines.len(), s.format.line_count());
        assert_eq!(c.lines[0].n, s.format.line_len());
        // Either orientation: the candidate's cells land on the true cells.
        let truth = &r.cell_centres;
        let pitch = r.px_per_mm_along_mrz(2.54) * 2.54;
        let fwd = (c.lines[0].centre(0.0), truth[0][0]);
        let last_line = truth.len() - 1;
        let rev = (c.lines[0].centre(0.0), truth[last_line][truth[last_line].len() - 1]);
        let d_fwd = (fwd.0.0 - fwd.1.0).hypot(fwd.0.1 - fwd.1.1);
        let d_rev = (rev.0.0 - rev.1.0).hypot(rev.0.1 - rev.1.1);
        assert!(d_fwd.min(d_rev) < 0.3 * pitch, "first cell off by {:.2} px (pitch {pitch:.1})", d_fwd.min(d_rev));
        assert!((c.lines[0].p / pitch - 1.0).abs() < 0.03, "pitch {} vs {pitch}", c.lines[0].p);
    }

    #[test]
    fn locates_an_upright_td3_band() {
        let lines = random_mrz_of(&mut Rng::new(5), Format::Td3);
        let mut s = Scene::new(Format::Td3, lines);
        s.mrz_only = true;
        s.px_per_mm = 6.0;
        check_scene(&s);
    }

    #[test]
    fn locates_a_rotated_td1_band() {
        let lines = random_mrz_of(&mut Rng::new(6), Format::Td1);
        let mut s = Scene::new(Format::Td1, lines);
        s.mrz_only = true;
        s.px_per_mm = 7.0;
        s.rotation_deg = 107.0;
        check_scene(&s);
    }

    #[test]
    fn reversed_line_visits_the_same_cells() {
        let l = LineModel { origin: (10.0, 20.0), dir: (0.8, 0.6), p: 10.0, q: 0.05, s: 0.3, r: -0.02, n: 30 };
        let r = l.reversed();
        for k in 0..30 {
            let a = l.centre(k as f64);
            let b = r.centre((29 - k) as f64);
            assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
            let (ta, tb) = (l.tangent(k as f64), r.tangent((29 - k) as f64));
            assert!((ta.0 + tb.0).abs() < 1e-9 && (ta.1 + tb.1).abs() < 1e-9);
        }
        let sh = l.shifted(3.0);
        for k in 0..20 {
            let (a, b) = (l.centre(k as f64 + 3.0), sh.centre(k as f64));
            assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
        }
    }

    #[test]
    fn quadratic_fit_recovers_coefficients() {
        let pts: Vec<(f64, f64)> = (0..10).map(|k| (k as f64, 3.0 + 2.0 * k as f64 + 0.1 * (k * k) as f64)).collect();
        let (a, b, c) = poly2_fit(&pts).unwrap();
        assert!((a - 3.0).abs() < 1e-9 && (b - 2.0).abs() < 1e-9 && (c - 0.1).abs() < 1e-9);
    }
}
