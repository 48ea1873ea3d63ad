//! Running sums for the correlation of paired samples.

/// Sums over pairs (a, b): enough for their correlation and the slope of b
/// on a.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PairMoments {
    pub n: f64,
    sa: f64,
    sb: f64,
    saa: f64,
    sbb: f64,
    sab: f64,
}

impl PairMoments {
    pub fn add(&mut self, a: f64, b: f64) {
        self.n += 1.0;
        self.sa += a;
        self.sb += b;
        self.saa += a * a;
        self.sbb += b * b;
        self.sab += a * b;
    }

    /// Variances of a and b and their covariance (population).
    fn second(&self) -> (f64, f64, f64) {
        let (ma, mb) = (self.sa / self.n, self.sb / self.n);
        (self.saa / self.n - ma * ma, self.sbb / self.n - mb * mb, self.sab / self.n - ma * mb)
    }

    /// The correlation of a and b; `None` without pairs or when either is
    /// (numerically) constant.
    pub fn correlation(&self) -> Option<f64> {
        if self.n < 1.0 {
            return None;
        }
        let (va, vb, cov) = self.second();
        (va > 1e-6 && vb > 1e-6).then(|| cov / (va * vb).sqrt())
    }

    /// The least-squares slope of b on a, with the correlation.
    pub fn correlation_and_slope(&self) -> Option<(f64, f64)> {
        let (va, _, cov) = self.second();
        self.correlation().map(|r| (r, cov / va))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_correlates_fully_with_its_slope() {
        let mut m = PairMoments::default();
        for x in 0..10 {
            m.add(x as f64, 3.0 - 2.0 * x as f64);
        }
        let (r, slope) = m.correlation_and_slope().unwrap();
        assert!((r + 1.0).abs() < 1e-12 && (slope + 2.0).abs() < 1e-12);
        let mut flat = PairMoments::default();
        flat.add(1.0, 5.0);
        flat.add(2.0, 5.0);
        assert!(flat.correlation().is_none());
    }
}
