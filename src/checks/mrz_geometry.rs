//! MRZ print geometry against the template: character pitch, skew, left
//! margin, line positions (printing bands), line alignment and spacing.
//! Catches re-typed, pasted, moved and re-pitched MRZ lines.
//!
//! Positions relative to the page need the page outline; without it only the
//! MRZ's internal consistency (alignment, spacing) is checked.

use crate::geometry::{FormatGeometry, Homography, RectMm};
use crate::read::MrzReading;
use crate::register::Registration;
use crate::report::{Finding, FindingCode, Severity};
use crate::template::Template;

/// Measurement uncertainty added to the print tolerances (registration error,
/// glyph centre noise), calibrated on genuine synthetic captures.
pub const MARGIN_POSITION_MM: f64 = 0.9;
pub const MARGIN_PITCH: f64 = 0.015;
pub const MARGIN_SKEW_DEG: f64 = 0.7;
/// Lines must start at the same x and sit one line pitch apart.
pub const MAX_ALIGNMENT_MM: f64 = 0.8;
pub const MAX_SPACING_ERROR_MM: f64 = 0.8;

/// One MRZ line measured in a metric frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineMeasure {
    /// Left edge of the first character cell.
    pub first_char_left_mm: f64,
    /// Line centre at the line's middle.
    pub centre_y_mm: f64,
    /// Character pitch.
    pub pitch_mm: f64,
    /// Angle of the line against the frame's x axis, degrees.
    pub skew_deg: f64,
}

/// Fits each line's character centres mapped through `to_frame`.
pub fn measure_lines(reading: &MrzReading, to_frame: &Homography) -> Option<Vec<LineMeasure>> {
    let mut out = Vec::new();
    for line in &reading.chars {
        let pts: Vec<(f64, f64, f64)> = line
            .iter()
            .enumerate()
            .filter_map(|(j, c)| to_frame.apply(c.centre.x as f64, c.centre.y as f64).map(|(x, y)| (j as f64, x, y)))
            .collect();
        if pts.len() < 10 {
            return None;
        }
        let (x0, pitch) = robust_line(&pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>())?;
        let mid_x = x0 + pitch * (line.len() as f64 - 1.0) / 2.0;
        let (b, k) = robust_line(&pts.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>())?;
        out.push(LineMeasure {
            first_char_left_mm: x0 - pitch / 2.0,
            centre_y_mm: b + k * mid_x,
            pitch_mm: pitch,
            skew_deg: k.atan().to_degrees(),
        });
    }
    Some(out)
}

/// Least-squares y = a + b·x with one round of outlier rejection (a glyph
/// whose centre was mislocated).
fn robust_line(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let fit = |p: &[(f64, f64)]| -> Option<(f64, f64)> {
        let n = p.len() as f64;
        if n < 2.0 {
            return None;
        }
        let (mx, my) = p.iter().fold((0.0, 0.0), |a, q| (a.0 + q.0 / n, a.1 + q.1 / n));
        let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
        if sxx < 1e-12 {
            return None;
        }
        let b = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum::<f64>() / sxx;
        Some((my - b * mx, b))
    };
    let (a, b) = fit(pts)?;
    let mut res: Vec<f64> = pts.iter().map(|q| (q.1 - a - b * q.0).abs()).collect();
    res.sort_by(f64::total_cmp);
    let cut = (res[res.len() / 2] * 4.0).max(1e-6);
    let keep: Vec<(f64, f64)> = pts.iter().copied().filter(|q| (q.1 - a - b * q.0).abs() <= cut).collect();
    fit(&keep).or(Some((a, b)))
}

fn geometry_finding(msg: String, score: f64, threshold: f64, rect: Option<RectMm>, reg: &Registration) -> Finding {
    let severity = if reg.firm() { Severity::Fail } else { Severity::Warning };
    let mut f = Finding::new(FindingCode::MrzGeometry, severity, msg).zone("mrz").score(score, threshold);
    if let Some(r) = rect {
        f = f.at_mm(r).at_px(reg.rect_polygon(&r));
    }
    f
}

/// Geometry findings for the MRZ of `reading` on a document registered by `reg`.
pub fn check(reading: &MrzReading, reg: &Registration, template: &Template) -> Vec<Finding> {
    let mut out = Vec::new();
    let format = template.file.format;
    let g = FormatGeometry::of(format);
    let spec = template.mrz_spec();
    let mrz_rect = g.mrz_zone();

    // Internal consistency, in the page frame when the page was placed (it
    // undoes perspective), else in the reader's own MRZ frame, which assumes
    // the same scale both ways.
    let mrz_frame = if reg.page_found() {
        Some(reg.image_to_doc)
    } else {
        let a = reading.mrz_to_image;
        Homography::from_affine(a.a, a.b, a.c, a.d, a.e, a.f).inverse()
    };
    if let Some(lines) = mrz_frame.as_ref().and_then(|h| measure_lines(reading, h)) {
        for (i, l) in lines.iter().enumerate().skip(1) {
            let dx = l.first_char_left_mm - lines[0].first_char_left_mm;
            if dx.abs() > MAX_ALIGNMENT_MM {
                out.push(geometry_finding(
                    format!("line {} starts {dx:+.2} mm from line 1 (lines must be left-aligned)", i + 1),
                    dx.abs(),
                    MAX_ALIGNMENT_MM,
                    Some(mrz_rect),
                    reg,
                ));
            }
            let spacing = l.centre_y_mm - lines[i - 1].centre_y_mm;
            let err = spacing - g.line_pitch_mm;
            if err.abs() > MAX_SPACING_ERROR_MM {
                out.push(geometry_finding(
                    format!("lines {} and {} are {spacing:.2} mm apart (nominal {:.2} mm)", i, i + 1, g.line_pitch_mm),
                    err.abs(),
                    MAX_SPACING_ERROR_MM,
                    Some(mrz_rect),
                    reg,
                ));
            }
        }
    }

    if !reg.page_found() {
        out.push(
            Finding::new(
                FindingCode::CheckSkipped,
                Severity::Info,
                "page outline not found: MRZ position, pitch and skew against the page not checked",
            )
            .zone("mrz"),
        );
        return out;
    }
    let Some(lines) = measure_lines(reading, &reg.image_to_doc) else { return out };
    let pitch_nominal = g.char_pitch_mm;
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        let [lo, hi] = spec.first_char_x_mm;
        let (lo, hi) = (lo - MARGIN_POSITION_MM, hi + MARGIN_POSITION_MM);
        if l.first_char_left_mm < lo || l.first_char_left_mm > hi {
            out.push(geometry_finding(
                format!("line {n} starts {:.2} mm from the left edge (allowed {lo:.1}–{hi:.1} mm)", l.first_char_left_mm),
                l.first_char_left_mm,
                if l.first_char_left_mm < lo { lo } else { hi },
                Some(mrz_rect),
                reg,
            ));
        }
        if let Some(nominal_y) = (i < g.line_centres_from_bottom_mm.len()).then(|| g.line_centre_y_mm(i) + spec.line_centre_offset_mm.unwrap_or(0.0)) {
            let dy = l.centre_y_mm - nominal_y;
            let tol = spec.line_centre_tolerance_mm + MARGIN_POSITION_MM;
            if dy.abs() > tol {
                out.push(geometry_finding(
                    format!("line {n} centre is {dy:+.2} mm from its printing band centre (allowed ±{tol:.1} mm)"),
                    dy.abs(),
                    tol,
                    Some(RectMm::new(0.0, nominal_y - tol, g.width_mm, 2.0 * tol)),
                    reg,
                ));
            }
        }
        let rel = l.pitch_mm / pitch_nominal - 1.0;
        let tol = spec.pitch_tolerance + MARGIN_PITCH;
        if rel.abs() > tol {
            out.push(geometry_finding(
                format!("line {n} pitch is {:.3} mm (nominal {pitch_nominal} mm ± {:.1} %)", l.pitch_mm, tol * 100.0),
                rel.abs(),
                tol,
                Some(mrz_rect),
                reg,
            ));
        }
        let tol = spec.max_skew_deg + MARGIN_SKEW_DEG;
        if l.skew_deg.abs() > tol {
            out.push(geometry_finding(
                format!("line {n} is skewed {:.2}° against the page (allowed {tol:.1}°)", l.skew_deg),
                l.skew_deg.abs(),
                tol,
                Some(mrz_rect),
                reg,
            ));
        }
    }
    out
}
