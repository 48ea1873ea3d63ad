//! ICAO Doc 9303 document geometry (parts 4–7) in millimetres, in the
//! document frame: origin top-left, x right, y down.

use crate::mrz::Format;
use serde::{Deserialize, Serialize};

/// MRZ character pitch (Doc 9303-3 4.2.2: 2.54 mm, i.e. 10 characters per inch).
pub const CHAR_PITCH_MM: f64 = 2.54;
/// Height of the MRZ zone at the bottom edge of every format.
pub const MRZ_ZONE_HEIGHT_MM: f64 = 23.2;
/// Tolerance of a printed line centre around its nominal position.
pub const LINE_CENTRE_TOLERANCE_MM: f64 = 2.0;
/// Tolerance of the first character's left edge around its nominal position.
pub const FIRST_CHAR_TOLERANCE_MM: f64 = 1.0;
/// Maximum skew of the MRZ relative to the document edge.
pub const MAX_SKEW_DEG: f64 = 3.0;

/// A rectangle in millimetres in the document frame.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RectMm {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl RectMm {
    pub const fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.right() && y >= self.y && y <= self.bottom()
    }
    /// Whether the two rectangles share any area.
    pub fn intersects(&self, o: &RectMm) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
}

/// The physical layout Doc 9303 fixes for one format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FormatGeometry {
    pub format: Format,
    /// Nominal document width and height.
    pub width_mm: f64,
    pub height_mm: f64,
    /// Nominal x of the left edge of the first MRZ character.
    pub first_char_x_mm: f64,
    /// Centre lines of the MRZ lines, measured up from the bottom edge,
    /// top line first.
    pub line_centres_from_bottom_mm: &'static [f64],
    /// Distance between consecutive MRZ line centres.
    pub line_pitch_mm: f64,
    /// Character pitch along a line ([`CHAR_PITCH_MM`] for every ICAO format).
    pub char_pitch_mm: f64,
}

impl FormatGeometry {
    /// The geometry of `format`. The French national ID card (pre-2021) is an
    /// ID-1 card with a 2×36 MRZ.
    pub fn of(format: Format) -> &'static FormatGeometry {
        match format {
            Format::Td1 => &TD1,
            Format::Td2 => &TD2,
            Format::Td3 => &TD3,
            Format::MrvA => &MRVA,
            Format::MrvB => &MRVB,
            Format::FrenchId => &FRENCH_ID,
        }
    }

    /// Centre y of MRZ line `i` (0 = top line) in the document frame.
    pub fn line_centre_y_mm(&self, i: usize) -> f64 {
        self.height_mm - self.line_centres_from_bottom_mm[i]
    }

    /// The nominal MRZ zone (full width, [`MRZ_ZONE_HEIGHT_MM`] high).
    pub fn mrz_zone(&self) -> RectMm {
        RectMm::new(0.0, self.height_mm - MRZ_ZONE_HEIGHT_MM, self.width_mm, MRZ_ZONE_HEIGHT_MM)
    }

    /// Width/height ratio of the document.
    pub fn aspect(&self) -> f64 {
        self.width_mm / self.height_mm
    }
}

static TD3: FormatGeometry = FormatGeometry {
    format: Format::Td3,
    width_mm: 125.0,
    height_mm: 88.0,
    first_char_x_mm: 6.0,
    line_centres_from_bottom_mm: &[15.75, 9.40],
    line_pitch_mm: 6.35,
    char_pitch_mm: CHAR_PITCH_MM,
};
static TD2: FormatGeometry = FormatGeometry {
    format: Format::Td2,
    width_mm: 105.0,
    height_mm: 74.0,
    first_char_x_mm: 4.0,
    line_centres_from_bottom_mm: &[15.75, 9.40],
    line_pitch_mm: 6.35,
    char_pitch_mm: CHAR_PITCH_MM,
};
static TD1: FormatGeometry = FormatGeometry {
    format: Format::Td1,
    width_mm: 85.6,
    height_mm: 53.98,
    first_char_x_mm: 5.0,
    line_centres_from_bottom_mm: &[15.73, 11.50, 7.27],
    line_pitch_mm: 4.23,
    char_pitch_mm: CHAR_PITCH_MM,
};
static MRVA: FormatGeometry = FormatGeometry {
    format: Format::MrvA,
    width_mm: 120.0,
    height_mm: 80.0,
    first_char_x_mm: 4.0,
    line_centres_from_bottom_mm: &[15.75, 9.40],
    line_pitch_mm: 6.35,
    char_pitch_mm: CHAR_PITCH_MM,
};
static MRVB: FormatGeometry = FormatGeometry {
    format: Format::MrvB,
    width_mm: 105.0,
    height_mm: 74.0,
    first_char_x_mm: 4.0,
    line_centres_from_bottom_mm: &[15.75, 9.40],
    line_pitch_mm: 6.35,
    char_pitch_mm: CHAR_PITCH_MM,
};
// Pre-2021 French identity card: ID-1 size with two 36-character lines, which
// only fit with a condensed pitch. Approximate: the card is not an ICAO format.
static FRENCH_ID: FormatGeometry = FormatGeometry {
    format: Format::FrenchId,
    width_mm: 85.6,
    height_mm: 53.98,
    first_char_x_mm: 2.0,
    line_centres_from_bottom_mm: &[11.5, 6.5],
    line_pitch_mm: 5.0,
    char_pitch_mm: 2.25,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrz_lines_fit_inside_document_width() {
        for f in Format::ALL {
            let g = FormatGeometry::of(f);
            let right = g.first_char_x_mm + f.line_len() as f64 * g.char_pitch_mm;
            assert!(right < g.width_mm, "{f:?}: MRZ ends at {right} mm of {}", g.width_mm);
        }
    }

    #[test]
    fn line_pitch_is_consistent_with_centres() {
        for f in Format::ALL {
            let g = FormatGeometry::of(f);
            for w in g.line_centres_from_bottom_mm.windows(2) {
                assert!((w[0] - w[1] - g.line_pitch_mm).abs() < 0.05, "{f:?}");
            }
        }
    }
}

/// A plane projective transform (homography), row-major 3×3.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    pub const IDENTITY: Homography = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);

    /// From an affine map `x' = a x + b y + c`, `y' = d x + e y + f`.
    pub fn from_affine(a: f64, b: f64, c: f64, d: f64, e: f64, f: f64) -> Self {
        Homography([a, b, c, d, e, f, 0.0, 0.0, 1.0])
    }

    /// The homography mapping each `from[i]` to `to[i]`, or `None` when the
    /// points are degenerate (three collinear).
    pub fn from_points(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> Option<Self> {
        // Solve the 8×8 system for h0..h7 with h8 = 1.
        let mut m = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = from[i];
            let (u, v) = to[i];
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        Self::solve(m)
    }

    /// The least-squares homography mapping `from` to `to` (at least four
    /// pairs; `None` when degenerate).
    pub fn fit(from: &[(f64, f64)], to: &[(f64, f64)]) -> Option<Self> {
        if from.len() < 4 || from.len() != to.len() {
            return None;
        }
        // Normal equations A^T A h = A^T b of the linear (DLT, h8 = 1) system.
        let mut m = [[0.0f64; 9]; 8];
        for (&(x, y), &(u, v)) in from.iter().zip(to) {
            for row in [[x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u], [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v]] {
                for i in 0..8 {
                    for j in 0..9 {
                        m[i][j] += row[i] * row[j];
                    }
                }
            }
        }
        Self::solve(m)
    }

    /// Solves the augmented 8×9 system for h0..h7 (h8 = 1) by Gauss-Jordan
    /// elimination with partial pivoting; `None` when singular.
    fn solve(mut m: [[f64; 9]; 8]) -> Option<Self> {
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-12 {
                return None;
            }
            m.swap(col, pivot);
            for r in 0..8 {
                if r != col {
                    let f = m[r][col] / m[col][col];
                    if f != 0.0 {
                        for c in col..9 {
                            m[r][c] -= f * m[col][c];
                        }
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for i in 0..8 {
            h[i] = m[i][8] / m[i][i];
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Homography(h))
    }

    /// Maps a point; `None` at the line at infinity.
    pub fn apply(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        if w.abs() < 1e-12 {
            return None;
        }
        Some(((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w))
    }

    /// `self` after `other`: maps p to self(other(p)).
    pub fn compose(&self, other: &Homography) -> Homography {
        let (a, b) = (&self.0, &other.0);
        let mut r = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                r[i * 3 + j] = (0..3).map(|k| a[i * 3 + k] * b[k * 3 + j]).sum();
            }
        }
        Homography(r)
    }

    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let c00 = m[4] * m[8] - m[5] * m[7];
        let c01 = m[5] * m[6] - m[3] * m[8];
        let c02 = m[3] * m[7] - m[4] * m[6];
        let det = m[0] * c00 + m[1] * c01 + m[2] * c02;
        if det.abs() < 1e-15 || !det.is_finite() {
            return None;
        }
        let inv = [
            c00 / det,
            (m[2] * m[7] - m[1] * m[8]) / det,
            (m[1] * m[5] - m[2] * m[4]) / det,
            c01 / det,
            (m[0] * m[8] - m[2] * m[6]) / det,
            (m[2] * m[3] - m[0] * m[5]) / det,
            c02 / det,
            (m[1] * m[6] - m[0] * m[7]) / det,
            (m[0] * m[4] - m[1] * m[3]) / det,
        ];
        Some(Homography(inv))
    }
}

#[cfg(test)]
mod homography_tests {
    use super::*;

    #[test]
    fn four_point_fit_round_trips() {
        let from = [(0.0, 0.0), (125.0, 0.0), (125.0, 88.0), (0.0, 88.0)];
        let to = [(103.0, 52.0), (1320.0, 110.0), (1290.0, 980.0), (80.0, 900.0)];
        let h = Homography::from_points(from, to).unwrap();
        for (p, q) in from.iter().zip(to.iter()) {
            let (u, v) = h.apply(p.0, p.1).unwrap();
            assert!((u - q.0).abs() < 1e-6 && (v - q.1).abs() < 1e-6);
        }
        let inv = h.inverse().unwrap();
        let (x, y) = inv.apply(700.0, 500.0).and_then(|(u, v)| h.apply(u, v)).unwrap();
        assert!((x - 700.0).abs() < 1e-6 && (y - 500.0).abs() < 1e-6);
        let id = h.compose(&inv);
        let (x, y) = id.apply(3.0, 4.0).unwrap();
        assert!((x - 3.0).abs() < 1e-9 && (y - 4.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_points_give_none() {
        let from = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)];
        assert!(Homography::from_points(from, from).is_none());
    }
}
