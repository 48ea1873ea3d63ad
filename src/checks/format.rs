//! Format and scale: the page measured with the MRZ's pitch as a ruler must
//! have the size of the format the MRZ claims (a visa page is not a passport
//! page, a TD2 card is not a TD1 card).

use crate::geometry::{FormatGeometry, Homography};
use crate::read::MrzReading;
use crate::register::Registration;
use crate::report::{Finding, FindingCode, Severity};
use crate::template::Template;

/// Allowed relative deviation of the measured page size (printing and
/// trimming tolerances, plus perspective in photos), calibrated on genuine
/// synthetic captures.
pub const SIZE_TOLERANCE: f64 = 0.04;

/// Page width and height in mm, measured in the MRZ's metric frame.
pub fn measure_page(reading: &MrzReading, reg: &Registration, width_mm: f64, height_mm: f64) -> Option<(f64, f64)> {
    let a = reading.mrz_to_image;
    let to_mrz = Homography::from_affine(a.a, a.b, a.c, a.d, a.e, a.f).inverse()?;
    let corners: Option<Vec<(f64, f64)>> = [(0.0, 0.0), (width_mm, 0.0), (width_mm, height_mm), (0.0, height_mm)]
        .iter()
        .map(|&(x, y)| reg.doc_to_image.apply(x, y).and_then(|(u, v)| to_mrz.apply(u, v)))
        .collect();
    let c = corners?;
    let d = |p: (f64, f64), q: (f64, f64)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
    Some(((d(c[0], c[1]) + d(c[3], c[2])) / 2.0, (d(c[0], c[3]) + d(c[1], c[2])) / 2.0))
}

pub fn check(reading: &MrzReading, reg: &Registration, template: &Template) -> Vec<Finding> {
    if !reg.page_found() {
        return Vec::new();
    }
    let g = FormatGeometry::of(template.file.format);
    let (w, h) = (template.file.width_mm, template.file.height_mm);
    let Some((mw, mh)) = measure_page(reading, reg, w, h) else { return Vec::new() };
    let (ew, eh) = (mw / w - 1.0, mh / h - 1.0);
    if ew.abs() > SIZE_TOLERANCE || eh.abs() > SIZE_TOLERANCE {
        let worst = ew.abs().max(eh.abs());
        return vec![Finding::new(
            FindingCode::FormatMismatch,
            Severity::Fail,
            format!(
                "page measures {mw:.1} × {mh:.1} mm with the MRZ as ruler; a {} document is {:.1} × {:.1} mm",
                template.file.format, g.width_mm, g.height_mm
            ),
        )
        .zone("page")
        .score(worst, SIZE_TOLERANCE)
        .at_px(reg.page_polygon(w, h))];
    }
    Vec::new()
}
