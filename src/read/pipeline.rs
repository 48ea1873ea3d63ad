//! Reading a located MRZ: orientation, scale, per-cell matching with
//! geometry refinement, character decisions with format priors and check
//! digits, and the geometry of the reading.

use super::adapt;
use super::locate::{Candidate, LineModel, poly2_fit};
use super::ocr::{self, CAP, CellFrame, NCLASS, PITCH_OVER_CAP, References, Scores};
use super::{Affine, CharReading, CheckDigitChoice, MrzReading, Point};
use crate::font::MRZ_ALPHABET;
use crate::geometry::FormatGeometry;
use crate::mrz::{self, Format, Layout, Span};
use image::GrayImage;

/// What a position of a format may hold, for the classifier's priors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Digits and the filler (dates, check digits).
    Digit,
    /// Letters and the filler (codes, names).
    Alpha,
    /// `M`, `F`, `X`, `<`.
    Sex,
    Any,
}

impl Kind {
    /// Score taken off a class this kind of position does not allow: large
    /// where Doc 9303 leaves no choice (dates, check digits, sex), moderate
    /// for codes and names (some issuers print digits in the nationality).
    pub fn penalty(self) -> f32 {
        match self {
            Kind::Digit | Kind::Sex => 0.25,
            Kind::Alpha => 0.1,
            Kind::Any => 0.0,
        }
    }

    pub fn allows(self, ch: u8) -> bool {
        match self {
            Kind::Digit => ch.is_ascii_digit() || ch == b'<',
            Kind::Alpha => ch.is_ascii_uppercase() || ch == b'<',
            Kind::Sex => matches!(ch, b'M' | b'F' | b'X' | b'<'),
            Kind::Any => true,
        }
    }
}

/// A long document number's extension, as read by `ch`: its line and
/// columns, the last its check digit. A TD1 or TD2 number whose check-digit
/// cell holds `<` continues in the optional data, ended by its check digit
/// (Doc 9303-5 §4.2.4 note j), a position [`kinds`] cannot know in advance.
fn long_number_extension(format: Format, ch: impl Fn(usize, usize) -> Option<u8>) -> Option<(usize, std::ops::RangeInclusive<usize>)> {
    let l = Layout::of(format);
    let opt = l.optional_data.filter(|_| l.long_number)?;
    let cd = l.document_number_cd;
    if ch(cd.line as usize, cd.start as usize)? != b'<' {
        return None;
    }
    let line = opt.line as usize;
    let ext = (opt.start..opt.end()).take_while(|&c| ch(line, c as usize).is_some_and(|x| x != b'<')).count();
    let first = opt.start as usize;
    (ext >= 1).then(|| (line, first..=first + ext - 1))
}

/// The kind of position (line `j`, column `k`); `Any` off the format.
fn kind_at(kinds: &[Vec<Kind>], j: usize, k: usize) -> Kind {
    kinds.get(j).and_then(|l| l.get(k)).copied().unwrap_or(Kind::Any)
}

/// Position kinds of every line of `format`.
pub fn kinds(format: Format) -> Vec<Vec<Kind>> {
    let l = Layout::of(format);
    let mut k = vec![vec![Kind::Any; format.line_len()]; format.line_count()];
    let mut set = |s: Option<Span>, kind: Kind| {
        if let Some(s) = s {
            for c in s.start..s.end() {
                if let Some(slot) = k.get_mut(s.line as usize).and_then(|l| l.get_mut(c as usize)) {
                    *slot = kind;
                }
            }
        }
    };
    set(Some(l.document_code), Kind::Alpha);
    set(Some(l.issuing_state), Kind::Alpha);
    set(l.nationality, Kind::Alpha);
    set(Some(l.name), Kind::Alpha);
    set(l.given_names, Kind::Alpha);
    set(Some(l.birth_date), Kind::Digit);
    set(l.expiry_date, Kind::Digit);
    set(Some(l.sex), Kind::Sex);
    for cd in [Some(l.document_number_cd), Some(l.birth_date_cd), l.expiry_date_cd, l.optional_data_cd, l.composite_cd] {
        set(cd, Kind::Digit);
    }
    k
}

/// Tuning of the decisions (NCC units).
pub struct DecideParams {
    /// Softmax temperature turning NCC scores into confidences.
    pub temperature: f32,
    /// Below this confidence a character may be changed by a check digit.
    pub unsure: f32,
}

pub const DECIDE: DecideParams = DecideParams { temperature: 0.025, unsure: 0.9 };

/// Per-cell result of matching.
#[derive(Clone, Debug)]
struct Cell {
    scores: Scores,
    frame: CellFrame,
    patch: ocr::Patch,
}

/// The reading of one candidate with its mean best NCC (for choosing
/// between candidates).
pub struct Attempt {
    pub reading: MrzReading,
    pub quality: f32,
}

/// How glyphs sit in their cells beyond what the line geometry says: size
/// relative to the pitch-implied size, and shear (perspective leans glyph
/// verticals away from the line normal), as the tangent of the lean.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shape {
    scale: f64,
    shear: f64,
}

const UPRIGHT: Shape = Shape { scale: 1.0, shear: 0.0 };

fn frame(line: &LineModel, k: f64, shape: Shape) -> CellFrame {
    let tg = line.tangent(k);
    let pitch = tg.0.hypot(tg.1).max(1e-6);
    let sigma = shape.scale / (CAP as f64 * PITCH_OVER_CAP as f64);
    // Along the local tangent; across it, leaning by the shear.
    let ex = (tg.0 * sigma, tg.1 * sigma);
    let ey = (-ex.1 + shape.shear * ex.0, ex.0 + shape.shear * ex.1);
    let _ = pitch;
    CellFrame { c: line.centre(k), ex, ey }
}

fn match_cell(img: &GrayImage, refs: &References, line: &LineModel, k: f64, shape: Shape) -> Cell {
    let frame = frame(line, k, shape);
    let patch = ocr::sample(img, &frame, 2);
    Cell { scores: ocr::match_patch(refs, &patch), frame, patch }
}

/// About a dozen cells spread over the lines, for comparing hypotheses.
fn probe_cells(lines: &[LineModel]) -> Vec<(usize, f64)> {
    let per = 12usize.div_ceil(lines.len().max(1));
    let mut v = Vec::new();
    for (j, l) in lines.iter().enumerate() {
        for i in 0..per {
            v.push((j, ((i as f64 + 0.5) * l.n as f64 / per as f64).floor()));
        }
    }
    v
}

/// Mean best NCC over the probe cells, and each probe's three best classes.
fn probe_score(img: &GrayImage, refs: &References, lines: &[LineModel], probes: &[(usize, f64)], shape: Shape) -> (f32, Vec<[usize; 3]>) {
    let mut sum = 0.0;
    let mut tops = Vec::with_capacity(probes.len());
    for &(j, k) in probes {
        let c = match_cell(img, refs, &lines[j], k, shape);
        let mut order: Vec<usize> = (0..NCLASS).collect();
        order.sort_by(|&a, &b| c.scores.ncc[b].total_cmp(&c.scores.ncc[a]));
        sum += c.scores.ncc[order[0]];
        tops.push([order[0], order[1], order[2]]);
    }
    (sum / probes.len().max(1) as f32, tops)
}

/// Like [`probe_score`] but only against each probe's likely classes.
fn probe_rescore(img: &GrayImage, refs: &References, lines: &[LineModel], probes: &[(usize, f64)], tops: &[[usize; 3]], shape: Shape) -> f32 {
    let sum: f32 = probes
        .iter()
        .zip(tops)
        .map(|(&(j, k), top)| {
            let f = frame(&lines[j], k, shape);
            ocr::match_classes(refs, &ocr::sample(img, &f, 2), top).0
        })
        .sum();
    sum / probes.len().max(1) as f32
}

/// Refits a line from its cells' best-match shifts. Returns the new line
/// and the largest cell displacement it implies, in normalised pixels.
fn refit(line: &LineModel, cells: &[Cell]) -> (LineModel, f64) {
    let (d, nm) = (line.dir, line.normal());
    let mut along = Vec::new();
    let mut across = Vec::new();
    for (k, c) in cells.iter().enumerate() {
        let b = c.scores.best();
        if c.scores.ncc[b] < 0.4 {
            continue;
        }
        let (dx, dy) = c.scores.shift[b];
        // The matched cell centre, in the line's (dir, normal) frame.
        let p = c.frame.at(dx as f64, dy as f64);
        let (rx, ry) = (p.0 - line.origin.0, p.1 - line.origin.1);
        along.push((k as f64, rx * d.0 + ry * d.1));
        across.push((k as f64, rx * nm.0 + ry * nm.1));
    }
    if along.len() < 6 {
        return (*line, 0.0);
    }
    let quad = along.len() >= 20;
    let fit = |pts: &[(f64, f64)]| if quad { robust_poly2(pts) } else { robust_line(pts).map(|(a, b)| (a, b, 0.0)) };
    let (Some((a0, a1, a2)), Some((e0, e1, e2))) = (fit(&along), fit(&across)) else { return (*line, 0.0) };
    if !(a1 > 0.5 * line.p && a1 < 1.5 * line.p) {
        return (*line, 0.0);
    }
    let origin = (line.origin.0 + a0 * d.0 + e0 * nm.0, line.origin.1 + a0 * d.1 + e0 * nm.1);
    let new = LineModel { origin, dir: d, p: a1, q: a2, s: e1, r: e2, n: line.n };
    let unit = line.p / (CAP as f64 * PITCH_OVER_CAP as f64);
    let moved = (0..line.n)
        .map(|k| {
            let (a, b) = (line.centre(k as f64), new.centre(k as f64));
            (a.0 - b.0).hypot(a.1 - b.1) / unit
        })
        .fold(0.0, f64::max);
    (new, moved)
}

/// Quadratic fit, again without points off by more than three times the
/// median residual.
fn robust_poly2(pts: &[(f64, f64)]) -> Option<(f64, f64, f64)> {
    let (a, b, c) = poly2_fit(pts)?;
    let res = |p: &(f64, f64)| (p.1 - a - b * p.0 - c * p.0 * p.0).abs();
    let mut r: Vec<f64> = pts.iter().map(res).collect();
    r.sort_by(f64::total_cmp);
    let tol = (r[r.len() / 2] * 3.0).max(1e-6);
    let kept: Vec<(f64, f64)> = pts.iter().copied().filter(|p| res(p) <= tol).collect();
    if kept.len() < 6 {
        return Some((a, b, c));
    }
    poly2_fit(&kept).or(Some((a, b, c)))
}

fn robust_line(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let fit = |pts: &[(f64, f64)]| -> Option<(f64, f64)> {
        let n = pts.len() as f64;
        if n < 2.0 {
            return None;
        }
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        let (mx, my) = (sx / n, sy / n);
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let b = if sxx > 1e-9 { sxy / sxx } else { 0.0 };
        Some((my - b * mx, b))
    };
    let (a, b) = fit(pts)?;
    let mut res: Vec<f64> = pts.iter().map(|p| (p.1 - a - b * p.0).abs()).collect();
    res.sort_by(f64::total_cmp);
    let tol = (res[res.len() / 2] * 3.0).max(1e-6);
    let kept: Vec<(f64, f64)> = pts.iter().copied().filter(|p| (p.1 - a - b * p.0).abs() <= tol).collect();
    fit(&kept).or(Some((a, b)))
}

/// If a line's cells sit one off (an end glyph missed by the locator), the
/// cell beyond one end holds a glyph and the cell at the other end is empty:
/// shift the line by one cell.
fn fix_ends(img: &GrayImage, refs: &References, line: &LineModel, cells: &[Cell], shape: Shape) -> Option<LineModel> {
    let n = line.n;
    if n < 3 {
        return None;
    }
    let mut contrasts: Vec<f32> = cells.iter().map(|c| c.scores.contrast).collect();
    contrasts.sort_by(f32::total_cmp);
    let typical = contrasts[contrasts.len() / 2].max(1.0);
    let glyph_like = |c: &Cell| c.scores.ncc[c.scores.best()] > 0.6 && c.scores.contrast > 0.5 * typical;
    let empty = |c: &Cell| c.scores.contrast < 0.25 * typical || c.scores.ncc[c.scores.best()] < 0.35;
    let before = match_cell(img, refs, line, -1.0, shape);
    let after = match_cell(img, refs, line, n as f64, shape);
    if glyph_like(&before) && empty(&cells[n - 1]) && !glyph_like(&after) {
        return Some(line.shifted(-1.0));
    }
    if glyph_like(&after) && empty(&cells[0]) && !glyph_like(&before) {
        return Some(line.shifted(1.0));
    }
    None
}

/// Reads one located candidate.
pub fn read_candidate(img: &GrayImage, levels: &[References], cand: &Candidate) -> Option<Attempt> {
    let mut notes = Vec::new();
    // Orientation with the middle blur level, which suits sharp and soft
    // glyphs alike.
    let mut level = levels.len() / 2;
    let refs = levels.get(level)?;
    // Orientation: as located, or upside down (line order and cell order
    // reversed). Decided by the classifier's fit, not by check digits.
    let up = cand.lines.clone();
    let down: Vec<LineModel> = cand.lines.iter().rev().map(LineModel::reversed).collect();
    let probes = probe_cells(&up);
    let (s_up, tops_up) = probe_score(img, refs, &up, &probes, UPRIGHT);
    let down_probes: Vec<(usize, f64)> = probes.iter().map(|&(j, k)| (up.len() - 1 - j, (up[j].n - 1) as f64 - k)).collect();
    let (s_down, tops_down) = probe_score(img, refs, &down, &down_probes, UPRIGHT);
    let (mut lines, probes, tops) = if s_up >= s_down { (up, probes, tops_up) } else { (down, down_probes, tops_down) };
    let mut best = s_up.max(s_down);
    // Reference blur: the level whose references fit the glyphs best.
    for (i, r) in levels.iter().enumerate() {
        if i != levels.len() / 2 {
            let s = probe_rescore(img, r, &lines, &probes, &tops, UPRIGHT);
            if s > best + 0.003 {
                best = s;
                level = i;
            }
        }
    }
    let refs = &levels[level];
    // Glyph size and lean: a coarse then a fine search, each step keeping
    // the best of the current shape and its two neighbours.
    let mut shape = UPRIGHT;
    for (ds, dh, min_gain) in [(0.1, 0.0, 0.01), (0.0, 0.15, 0.01), (0.0, 0.3, 0.01), (0.05, 0.0, 0.004), (0.0, 0.075, 0.004)] {
        let base = shape;
        for sign in [-1.0, 1.0] {
            let cand_shape = Shape { scale: base.scale + sign * ds, shear: base.shear + sign * dh };
            let s = probe_rescore(img, refs, &lines, &probes, &tops, cand_shape);
            if s > best + min_gain {
                best = s;
                shape = cand_shape;
            }
        }
    }
    if (shape.scale - 1.0).abs() > 0.01 {
        notes.push(format!("glyphs are {:.0}% of the size the pitch implies", shape.scale * 100.0));
    }
    // Match every cell, check the ends, refine the geometry and match again
    // while the refinement moves cells by more than a pixel.
    let mut cells: Vec<Vec<Cell>> = Vec::with_capacity(lines.len());
    for line in lines.iter_mut() {
        let mut line_cells = Vec::new();
        for round in 0..4 {
            line_cells = (0..line.n).map(|k| match_cell(img, refs, line, k as f64, shape)).collect();
            if round == 0 {
                if let Some(fixed) = fix_ends(img, refs, line, &line_cells, shape) {
                    *line = fixed;
                    continue;
                }
            }
            if round == 3 {
                break;
            }
            let (new, moved) = refit(line, &line_cells);
            if moved < 0.75 {
                break;
            }
            *line = new;
        }
        cells.push(line_cells);
    }
    let quality = {
        let all: Vec<f32> = cells.iter().flatten().map(|c| c.scores.ncc[c.scores.best()]).collect();
        all.iter().sum::<f32>() / all.len().max(1) as f32
    };
    let reading = decide(&lines, &cells, refs, notes)?;
    Some(Attempt { reading, quality })
}

/// The format of a located shape, from the first characters.
fn format_of(n_lines: usize, n: usize, first: &[u8]) -> Format {
    match (n_lines, n) {
        (3, _) => Format::Td1,
        (_, 44) => {
            if first.first() == Some(&b'V') {
                Format::MrvA
            } else {
                Format::Td3
            }
        }
        _ => {
            if first.first() == Some(&b'V') {
                Format::MrvB
            } else if first.starts_with(b"IDFRA") {
                Format::FrenchId
            } else {
                Format::Td2
            }
        }
    }
}

/// Scores with the position's prior applied.
fn with_prior(s: &[f32; NCLASS], kind: Kind) -> [f32; NCLASS] {
    let mut out = *s;
    for (i, v) in out.iter_mut().enumerate() {
        if !kind.allows(MRZ_ALPHABET[i]) {
            *v -= kind.penalty();
        }
    }
    out
}

fn softmax_top2(s: &[f32; NCLASS], t: f32) -> (usize, f32, usize, f32, [f32; NCLASS]) {
    let m = s.iter().cloned().fold(f32::MIN, f32::max);
    let mut p = [0f32; NCLASS];
    let mut z = 0.0;
    for (i, v) in s.iter().enumerate() {
        p[i] = ((v - m) / t).exp();
        z += p[i];
    }
    p.iter_mut().for_each(|v| *v /= z);
    let mut order: Vec<usize> = (0..NCLASS).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    (order[0], p[order[0]], order[1], p[order[1]], p)
}

fn decide(lines: &[LineModel], cells: &[Vec<Cell>], refs: &References, mut notes: Vec<String>) -> Option<MrzReading> {
    let n = lines.first()?.n;
    // Format from the first five characters, read as letters.
    let first: Vec<u8> = cells[0]
        .iter()
        .take(5)
        .map(|c| {
            let mut s = c.scores.ncc;
            for (i, v) in s.iter_mut().enumerate() {
                if !Kind::Alpha.allows(MRZ_ALPHABET[i]) {
                    *v -= Kind::Alpha.penalty();
                }
            }
            MRZ_ALPHABET[Scores { ncc: s, ..c.scores.clone() }.best()]
        })
        .collect();
    let format = format_of(lines.len(), n, &first);
    let mut kinds = kinds(format);
    // First decision from the OCR-B scores, then adapted to the document.
    let mut scores: Vec<Vec<[f32; NCLASS]>> = cells.iter().map(|l| l.iter().map(|c| c.scores.ncc).collect()).collect();
    let first_pass: Vec<Vec<(usize, f32)>> = scores
        .iter()
        .enumerate()
        .map(|(j, l)| {
            l.iter()
                .enumerate()
                .map(|(k, s)| {
                    let (b, pb, ..) = softmax_top2(&with_prior(s, kind_at(&kinds, j, k)), DECIDE.temperature);
                    (b, pb)
                })
                .collect()
        })
        .collect();
    if let Some((line, cols)) = long_number_extension(format, |j, k| first_pass.get(j).and_then(|l| l.get(k)).map(|&(b, _)| MRZ_ALPHABET[b])) {
        if let Some(slot) = kinds.get_mut(line).and_then(|l| l.get_mut(*cols.end())) {
            *slot = Kind::Digit;
        }
    }
    let mut samples = Vec::new();
    for (j, l) in cells.iter().enumerate() {
        for (k, c) in l.iter().enumerate() {
            let (b, pb) = first_pass[j][k];
            let kind = kind_at(&kinds, j, k);
            if kind != Kind::Any && kind.allows(MRZ_ALPHABET[b]) && pb >= 0.6 {
                samples.push(adapt::Sample { class: b, w: adapt::window(&c.patch, c.scores.shift[b]), ocrb: c.scores.ncc[b] });
            }
        }
    }
    if let Some(ex) = adapt::Exemplars::build(&samples, 12) {
        for (j, l) in cells.iter().enumerate() {
            for (k, c) in l.iter().enumerate() {
                let (b, _) = first_pass[j][k];
                let e = ex.score(&c.patch, c.scores.shift[b]);
                for (cls, v) in scores[j][k].iter_mut().enumerate() {
                    *v = if ex.has(cls) { e[cls] } else { *v + ex.gain };
                }
            }
        }
    }
    let mut text: Vec<Vec<u8>> = Vec::new();
    let mut probs: Vec<Vec<[f32; NCLASS]>> = Vec::new();
    let mut chars: Vec<Vec<CharReading>> = Vec::new();
    for (j, line_cells) in cells.iter().enumerate() {
        let mut t = Vec::new();
        let mut pl = Vec::new();
        let mut cl = Vec::new();
        for (k, c) in line_cells.iter().enumerate() {
            let s = with_prior(&scores[j][k], kind_at(&kinds, j, k));
            let (b, pb, r, pr, p) = softmax_top2(&s, DECIDE.temperature);
            t.push(MRZ_ALPHABET[b]);
            pl.push(p);
            let (dx, dy) = c.scores.shift[b];
            let centre = c.frame.at(dx as f64, dy as f64);
            cl.push(CharReading {
                ch: MRZ_ALPHABET[b] as char,
                confidence: pb,
                runner_up: MRZ_ALPHABET[r] as char,
                runner_up_confidence: pr,
                // At the blur level that fits the capture, canonical glyph only.
                ocrb_score: ocr::conformity(refs, &c.patch, b).clamp(0.0, 1.0),
                centre: Point::new(centre.0 as f32, centre.1 as f32),
                quad: glyph_quad(&c.frame, MRZ_ALPHABET[b], dx, dy),
            });
        }
        text.push(t);
        probs.push(pl);
        chars.push(cl);
    }
    let choices = apply_check_digits(format, &mut text, &probs, &mut chars);
    let lines_s: Vec<String> = text.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
    let geo = geometry(format, lines);
    if !choices.is_empty() {
        notes.push(format!("{} character(s) chosen by a check digit", choices.len()));
    }
    Some(MrzReading {
        found: true,
        format: Some(format),
        lines: lines_s,
        chars,
        mrz_to_image: geo.0,
        quad: geo.1,
        rotation_deg: geo.2,
        px_per_mm: geo.3,
        check_digit_choices: choices,
        notes,
    })
}

/// The ink box of the reference glyph `ch` at the matched shift, mapped to
/// the image: corners top-left, top-right, bottom-right, bottom-left.
fn glyph_quad(f: &CellFrame, ch: u8, dx: i8, dy: i8) -> [Point; 4] {
    let (x0, y0, x1, y1) = ink_box(ch);
    let p = |x: f64, y: f64| {
        let q = f.at(x + dx as f64, y + dy as f64);
        Point::new(q.0 as f32, q.1 as f32)
    };
    [p(x0, y0), p(x1, y0), p(x1, y1), p(x0, y1)]
}

/// Ink box of an OCR-B glyph in the normalised frame (relative to the cell
/// centre), from the font outline.
fn ink_box(ch: u8) -> (f64, f64, f64, f64) {
    use ab_glyph::Font;
    let f = crate::font::ocrb();
    let cap = f.outline(f.glyph_id('H')).map(|o| (o.bounds.max.y - o.bounds.min.y).abs() as f64).unwrap_or(723.0);
    let u = CAP as f64 / cap;
    let gid = f.glyph_id(ch as char);
    let adv = f.h_advance_unscaled(gid) as f64;
    match f.outline(gid) {
        Some(o) => {
            // Outline y grows upwards from the baseline; the frame's y grows
            // down from the centre line (CAP/2 above the baseline).
            let (ya, yb) = (o.bounds.min.y as f64, o.bounds.max.y as f64);
            let (top, bottom) = (ya.max(yb), ya.min(yb));
            let x0 = (o.bounds.min.x as f64 - adv / 2.0) * u;
            let x1 = (o.bounds.max.x as f64 - adv / 2.0) * u;
            (x0, CAP as f64 / 2.0 - top * u, x1, CAP as f64 / 2.0 - bottom * u)
        }
        None => (-CAP as f64 * 0.3, -CAP as f64 * 0.5, CAP as f64 * 0.3, CAP as f64 * 0.5),
    }
}

/// Where a check digit fails, tries single substitutions at characters the
/// classifier was unsure of; keeps one only when it is the clear best.
fn apply_check_digits(
    format: Format,
    text: &mut [Vec<u8>],
    probs: &[Vec<[f32; NCLASS]>],
    chars: &mut [Vec<CharReading>],
) -> Vec<CheckDigitChoice> {
    let l = Layout::of(format);
    let mut groups: Vec<(mrz::CheckName, Vec<Span>, Span)> = vec![
        (mrz::CheckName::DocumentNumber, vec![l.document_number], l.document_number_cd),
        (mrz::CheckName::BirthDate, vec![l.birth_date], l.birth_date_cd),
    ];
    if let (Some(e), Some(cd)) = (l.expiry_date, l.expiry_date_cd) {
        groups.push((mrz::CheckName::ExpiryDate, vec![e], cd));
    }
    if let (Some(o), Some(cd)) = (l.optional_data, l.optional_data_cd) {
        groups.push((mrz::CheckName::OptionalData, vec![o], cd));
    }
    if let Some(cd) = l.composite_cd {
        groups.push((mrz::CheckName::Composite, l.composite_ranges.to_vec(), cd));
    }
    let check_ok = |text: &[Vec<u8>], name: mrz::CheckName| -> Option<bool> {
        let lines: Vec<&str> = text.iter().map(|l| std::str::from_utf8(l).unwrap_or("")).collect();
        let v = mrz::validate_lines(&lines, Some(format)).ok()?;
        v.check(name).map(|c| c.ok)
    };
    let mut choices = Vec::new();
    for (name, spans, cd) in groups {
        if check_ok(text, name) != Some(false) {
            continue;
        }
        let mut positions: Vec<(usize, usize)> = spans.iter().flat_map(|s| (s.start..s.end()).map(move |c| (s.line as usize, c as usize))).collect();
        positions.push((cd.line as usize, cd.start as usize));
        // A long document number (TD1, TD2) continues in the optional data
        // up to its own check digit, which these positions then include.
        if name == mrz::CheckName::DocumentNumber {
            if let Some((line, cols)) = long_number_extension(format, |j, k| text.get(j).and_then(|t| t.get(k)).copied()) {
                positions.extend(cols.map(|c| (line, c)));
            }
        }
        // Candidates: (probability ratio alt/current, line, col, alt char).
        let mut fixes: Vec<(f32, usize, usize, u8)> = Vec::new();
        for &(j, k) in &positions {
            let Some(cr) = chars.get(j).and_then(|l| l.get(k)) else { continue };
            if cr.confidence >= DECIDE.unsure {
                continue;
            }
            let p = &probs[j][k];
            let cur = text[j][k];
            for (i, &alt) in MRZ_ALPHABET.iter().enumerate() {
                if alt == cur || p[i] < 0.02 {
                    continue;
                }
                text[j][k] = alt;
                if check_ok(text, name) == Some(true) {
                    fixes.push((p[i] / cr.confidence.max(1e-6), j, k, alt));
                }
                text[j][k] = cur;
            }
        }
        fixes.sort_by(|a, b| b.0.total_cmp(&a.0));
        let clear = match fixes.as_slice() {
            [] => false,
            [_] => true,
            [a, b, ..] => a.0 > 3.0 * b.0,
        };
        if clear {
            let (_, j, k, alt) = fixes[0];
            let classified = text[j][k];
            text[j][k] = alt;
            let i = ocr::class_of(alt).unwrap_or(0);
            let c = &mut chars[j][k];
            c.runner_up = classified as char;
            c.runner_up_confidence = c.confidence;
            c.ch = alt as char;
            c.confidence = probs[j][k][i];
            choices.push(CheckDigitChoice { line: j, col: k, classified: classified as char, chosen: alt as char });
        }
    }
    choices
}

/// mrz_to_image, band quad, rotation (degrees CCW) and px/mm.
fn geometry(format: Format, lines: &[LineModel]) -> (Affine, [Point; 4], f32, f32) {
    let pitch_mm = FormatGeometry::of(format).char_pitch_mm;
    let n = lines[0].n;
    // Along-line axis: mean over lines of the first-to-last cell vector.
    let (mut ax, mut ay) = (0.0, 0.0);
    for l in lines {
        let (a, b) = (l.centre(0.0), l.centre((n - 1) as f64));
        ax += (b.0 - a.0) / ((n - 1) as f64 * pitch_mm);
        ay += (b.1 - a.1) / ((n - 1) as f64 * pitch_mm);
    }
    ax /= lines.len() as f64;
    ay /= lines.len() as f64;
    let ppm = ax.hypot(ay);
    // Across-line axis: from the first line's ends to the last line's ends
    // (lines start and end together), scaled to the same px/mm.
    let last = lines.len() - 1;
    let (s0, sl) = (lines[0].centre(0.0), lines[last].centre(0.0));
    let (e0, el) = (lines[0].centre((n - 1) as f64), lines[last].centre((n - 1) as f64));
    let (vx, vy) = ((sl.0 - s0.0 + el.0 - e0.0) / 2.0, (sl.1 - s0.1 + el.1 - e0.1) / 2.0);
    let vn = vx.hypot(vy);
    let (bx, by) = if last > 0 && vn > 1e-6 { (vx / vn * ppm, vy / vn * ppm) } else { (-ay, ax) };
    let origin = (s0.0 - 0.5 * pitch_mm * ax, s0.1 - 0.5 * pitch_mm * ay);
    let aff = Affine { a: ax, b: bx, c: origin.0, d: ay, e: by, f: origin.1 };
    // Band: cell boxes of all characters, 1.2 cap heights tall.
    let half = 0.6 * crate::font::MRZ_CAP_HEIGHT_MM as f64;
    let y_last = if ppm > 0.0 { vn / ppm } else { 0.0 };
    let w = n as f64 * pitch_mm;
    let p = |x: f64, y: f64| {
        let (u, v) = aff.apply(x, y);
        Point::new(u as f32, v as f32)
    };
    let quad = [p(0.0, -half), p(w, -half), p(w, y_last + half), p(0.0, y_last + half)];
    let rot = (-ay).atan2(ax).to_degrees() as f32;
    (aff, quad, rot, ppm as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];

    /// Text, probabilities and readings for `lines`, every character read
    /// with confidence `conf` except the overrides `(line, col, ch, conf,
    /// runner_up, runner_up_conf)`.
    fn setup(lines: &[&str], over: &[(usize, usize, u8, f32, u8, f32)]) -> (Vec<Vec<u8>>, Vec<Vec<[f32; NCLASS]>>, Vec<Vec<CharReading>>) {
        let mut text: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
        let mut probs = Vec::new();
        let mut chars = Vec::new();
        for (j, l) in text.iter_mut().enumerate() {
            let mut pl = Vec::new();
            let mut cl = Vec::new();
            for (k, ch) in l.iter_mut().enumerate() {
                let mut p = [0.0005f32; NCLASS];
                let (c, conf, ru, ruc) = over
                    .iter()
                    .find(|o| o.0 == j && o.1 == k)
                    .map(|o| (o.2, o.3, o.4, o.5))
                    .unwrap_or((*ch, 0.98, b'<', 0.0005));
                *ch = c;
                p[ocr::class_of(c).unwrap()] = conf;
                p[ocr::class_of(ru).unwrap()] = ruc;
                pl.push(p);
                cl.push(CharReading {
                    ch: c as char,
                    confidence: conf,
                    runner_up: ru as char,
                    runner_up_confidence: ruc,
                    ocrb_score: 0.9,
                    centre: Point::default(),
                    quad: [Point::default(); 4],
                });
            }
            probs.push(pl);
            chars.push(cl);
        }
        (text, probs, chars)
    }

    #[test]
    fn a_confident_wrong_digit_is_never_repaired() {
        // Document number digit '9' (col 2) read as a confident '3'.
        let (mut text, probs, mut chars) = setup(&TD3, &[(1, 2, b'3', 0.97, b'9', 0.02)]);
        let choices = apply_check_digits(Format::Td3, &mut text, &probs, &mut chars);
        assert!(choices.is_empty());
        assert_eq!(text[1][2], b'3');
        let lines: Vec<&str> = text.iter().map(|l| std::str::from_utf8(l).unwrap()).collect();
        assert!(!mrz::validate_lines(&lines, None).unwrap().is_valid(), "the misread stays visible");
    }

    #[test]
    fn an_unsure_character_is_chosen_by_its_check_digit_and_recorded() {
        let (mut text, probs, mut chars) = setup(&TD3, &[(1, 2, b'3', 0.55, b'9', 0.44)]);
        let choices = apply_check_digits(Format::Td3, &mut text, &probs, &mut chars);
        assert_eq!(choices, vec![CheckDigitChoice { line: 1, col: 2, classified: '3', chosen: '9' }]);
        assert_eq!(text[1][2], b'9');
        assert_eq!(chars[1][2].ch, '9');
        assert!(chars[1][2].confidence < 0.5, "the chosen character keeps its low confidence");
        let lines: Vec<&str> = text.iter().map(|l| std::str::from_utf8(l).unwrap()).collect();
        assert!(mrz::validate_lines(&lines, None).unwrap().is_valid());
    }

    #[test]
    fn two_equally_plausible_repairs_are_left_alone() {
        // Birth date 740812 with check digit 2. The check digit read as an
        // unsure '7' (runner-up '2'), and the birth date's last digit '2'
        // read as an unsure '2' whose runner-up '7' would also satisfy the
        // printed '7' (weight 1: +5 on the sum). Two repairs, equally
        // plausible: neither is chosen.
        let (mut text, probs, mut chars) = setup(&TD3, &[(1, 19, b'7', 0.5, b'2', 0.45), (1, 18, b'2', 0.5, b'7', 0.45)]);
        let before = text.clone();
        let choices = apply_check_digits(Format::Td3, &mut text, &probs, &mut chars);
        assert!(choices.is_empty(), "{choices:?}");
        assert_eq!(text, before);
    }

    /// A TD1 whose 10-character document number continues in the optional
    /// data ("7", then its check digit "0").
    const TD1_LONG_NUMBER: [&str; 3] = ["I<ZZA2769581N8<70<<<<<<<<<<<<<", "5606234F2701242ZZA<<<<<<<<<<<6", "JOURALVIAL<<REIK<<<<<<<<<<<<<<"];

    #[test]
    fn a_long_numbers_check_digit_is_found_after_its_extension() {
        let at = |lines: &[&str], format| long_number_extension(format, |j, k| lines.get(j).and_then(|l| l.as_bytes().get(k)).copied());
        assert_eq!(at(&TD1_LONG_NUMBER, Format::Td1), Some((0, 15..=16)));
        let short = ["I<ZZA2769581N80<<<<<<<<<<<<<<<", TD1_LONG_NUMBER[1], TD1_LONG_NUMBER[2]];
        assert_eq!(at(&short, Format::Td1), None);
        assert_eq!(at(&TD3, Format::Td3), None, "TD3 numbers do not continue");
    }

    #[test]
    fn an_unsure_character_of_a_long_numbers_extension_is_chosen_by_its_check_digit() {
        let lines: Vec<&str> = TD1_LONG_NUMBER.to_vec();
        assert_eq!(mrz::validate_lines(&lines, None).unwrap().check(mrz::CheckName::DocumentNumber).map(|c| c.ok), Some(true));
        let (mut text, probs, mut chars) = setup(&TD1_LONG_NUMBER, &[(0, 15, b'1', 0.55, b'7', 0.44)]);
        let choices = apply_check_digits(Format::Td1, &mut text, &probs, &mut chars);
        assert_eq!(choices, vec![CheckDigitChoice { line: 0, col: 15, classified: '1', chosen: '7' }]);
        assert_eq!(String::from_utf8_lossy(&text[0]), TD1_LONG_NUMBER[0]);
    }

    #[test]
    fn kinds_follow_the_layout() {
        let k = kinds(Format::Td3);
        assert_eq!(k[0][0], Kind::Alpha);
        assert_eq!(k[0][10], Kind::Alpha);
        assert_eq!(k[1][0], Kind::Any, "document numbers are alphanumeric");
        assert_eq!(k[1][9], Kind::Digit);
        assert_eq!(k[1][13], Kind::Digit);
        assert_eq!(k[1][20], Kind::Sex);
        assert_eq!(k[1][43], Kind::Digit);
        assert!(Kind::Digit.allows(b'<') && !Kind::Digit.allows(b'O'));
        assert!(Kind::Alpha.allows(b'<') && !Kind::Alpha.allows(b'0'));
    }
}
