//! Adapting the classifier to the document's own print.
//!
//! Positions whose kind leaves little choice (dates and check digits are
//! digits, names and codes are letters) yield labelled glyphs of this very
//! document: same printer, same font variant, same blur. Their averages are
//! templates ("exemplars") that then score every cell. This reads OCR-B
//! variants (digits at letter height, bolder strokes) and MRZs printed in
//! other monospaced fonts, where a 0 may carry a slash and a 1 a flag.
//!
//! Classes with exemplars are scored against them; classes without keep
//! their OCR-B score, raised by the document's typical gain of exemplar over
//! OCR-B matching (measured leave-one-out), so that both compare fairly.

use super::ocr::{self, NCLASS, NPAD, Patch, RH, RW};

/// One labelled glyph: its class and its window (zero-mean, unit-norm).
pub struct Sample {
    pub class: usize,
    pub w: Vec<f32>,
    /// The OCR-B score of this glyph for its class.
    pub ocrb: f32,
}

/// The window of a patch at a shift, zero-mean and unit-norm.
pub fn window(p: &Patch, shift: (i8, i8)) -> Vec<f32> {
    let s = p.s as i64;
    let (ox, oy) = ((shift.0 as i64 + s).clamp(0, 2 * s) as usize, (shift.1 as i64 + s).clamp(0, 2 * s) as usize);
    let mut w = Vec::with_capacity(RW * RH);
    for y in 0..RH {
        w.extend_from_slice(&p.px[(oy + y) * p.w + ox..(oy + y) * p.w + ox + RW]);
    }
    ocr::normalise(&w)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Exemplar templates of one document.
pub struct Exemplars {
    /// Per class: how many samples it has.
    counts: [usize; NCLASS],
    /// Normalised templates, transposed like the OCR-B references.
    t: Vec<f32>,
    /// Gain of exemplar over OCR-B matching for this document.
    pub gain: f32,
}

impl Exemplars {
    /// Builds the templates, or `None` with fewer than `min_samples`.
    pub fn build(samples: &[Sample], min_samples: usize) -> Option<Exemplars> {
        if samples.len() < min_samples {
            return None;
        }
        let mut sums = vec![vec![0f32; RW * RH]; NCLASS];
        let mut counts = [0usize; NCLASS];
        for s in samples {
            for (a, b) in sums[s.class].iter_mut().zip(&s.w) {
                *a += b;
            }
            counts[s.class] += 1;
        }
        let mut t = vec![0f32; RW * RH * NPAD];
        for c in 0..NCLASS {
            if counts[c] > 0 {
                for (i, v) in ocr::normalise(&sums[c]).iter().enumerate() {
                    t[i * NPAD + c] = *v;
                }
            }
        }
        // Gain: a sample against its class's template without itself, minus
        // its OCR-B score.
        let mut gains: Vec<f32> = samples
            .iter()
            .filter(|s| counts[s.class] >= 2)
            .map(|s| {
                let rest: Vec<f32> = sums[s.class].iter().zip(&s.w).map(|(a, b)| a - b).collect();
                dot(&s.w, &ocr::normalise(&rest)) - s.ocrb
            })
            .collect();
        gains.sort_by(f32::total_cmp);
        let gain = if gains.len() >= 3 { gains[gains.len() / 2].max(0.0) } else { 0.0 };
        Some(Exemplars { counts, t, gain })
    }

    pub fn has(&self, class: usize) -> bool {
        self.counts[class] > 0
    }

    /// Best NCC of the patch with every exemplar class over the shifts
    /// within one pixel of `around` (classes without exemplars get −1).
    pub fn score(&self, p: &Patch, around: (i8, i8)) -> [f32; NCLASS] {
        let s = p.s as i64;
        let mut out = [-1f32; NCLASS];
        for dy in (around.1 as i64 - 1).max(-s)..=(around.1 as i64 + 1).min(s) {
            for dx in (around.0 as i64 - 1).max(-s)..=(around.0 as i64 + 1).min(s) {
                let (ox, oy) = ((dx + s) as usize, (dy + s) as usize);
                let (norm, _) = ocr::window_stats(p, ox, oy);
                let mut acc = [0f32; NPAD];
                ocr::accumulate(p, ox, oy, &self.t, &mut acc);
                for c in 0..NCLASS {
                    if self.counts[c] > 0 {
                        out[c] = out[c].max(acc[c] / norm);
                    }
                }
            }
        }
        out
    }

    /// Number of classes with exemplars.
    #[cfg(test)]
    fn classes(&self) -> usize {
        self.counts.iter().filter(|&&c| c > 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch_of(v: &[f32]) -> Patch {
        // A window embedded in a patch with margin 2.
        let s = 2;
        let (w, h) = (RW + 2 * s, RH + 2 * s);
        let mut px = vec![0f32; w * h];
        for y in 0..RH {
            for x in 0..RW {
                px[(y + s) * w + x + s] = v[y * RW + x];
            }
        }
        Patch::new(s, w, h, px)
    }

    #[test]
    fn exemplars_score_their_own_glyphs_highest() {
        // Two synthetic "glyphs": a vertical and a horizontal bar.
        let bar = |vertical: bool| -> Vec<f32> {
            (0..RW * RH)
                .map(|i| {
                    let (x, y) = (i % RW, i / RW);
                    if (vertical && (6..8).contains(&x)) || (!vertical && (10..12).contains(&y)) { 200.0 } else { 10.0 }
                })
                .collect()
        };
        let samples = vec![
            Sample { class: 1, w: ocr::normalise(&bar(true)), ocrb: 0.8 },
            Sample { class: 1, w: ocr::normalise(&bar(true)), ocrb: 0.8 },
            Sample { class: 1, w: ocr::normalise(&bar(true)), ocrb: 0.8 },
            Sample { class: 36, w: ocr::normalise(&bar(false)), ocrb: 0.8 },
        ];
        let e = Exemplars::build(&samples, 3).expect("enough samples");
        assert!(e.has(1) && e.has(36) && !e.has(0));
        assert_eq!(e.classes(), 2);
        assert!((e.gain - 0.2).abs() < 1e-3, "leave-one-out gain {}", e.gain);
        let s = e.score(&patch_of(&bar(true)), (0, 0));
        assert!(s[1] > 0.99 && s[36] < 0.5 && s[0] == -1.0);
        assert!(Exemplars::build(&samples, 5).is_none());
    }
}
