//! Format and scale: the page measured with the MRZ's pitch as a ruler must
//! have the size of the format the MRZ claims (a visa page is not a passport
//! page, a TD2 card is not a TD1 card).

use crate::geometry::FormatGeometry;
use crate::read::MrzReading;
use crate::register::Registration;
use crate::report::{Finding, FindingCode, Severity};
use crate::template::Template;

/// Allowed relative deviation of the measured page width (printing and
/// trimming tolerances, plus perspective in photos), calibrated on genuine
/// synthetic captures. The closest formats, MRV-A and TD3, differ by 4 % in
/// width and 9 % in height.
pub const SIZE_TOLERANCE: f64 = 0.04;
/// The height is measured with the few MRZ line spacings as ruler, a
/// shorter and noisier ruler than the 30–44 character pitches of the width.
pub const HEIGHT_TOLERANCE: f64 = 0.06;

/// Page width and height in mm, measured with the MRZ as ruler: the page is
/// registered by its edges as a `width_mm`×`height_mm` page, so the MRZ's
/// character pitch and line spacing, read in that frame, scale the page to
/// its true size.
pub fn measure_page(reading: &MrzReading, reg: &Registration, width_mm: f64, height_mm: f64, format: crate::mrz::Format) -> Option<(f64, f64)> {
    let g = FormatGeometry::of(format);
    let lines = crate::checks::mrz_geometry::measure_lines(reading, &reg.image_to_doc)?;
    let pitch = lines.iter().map(|l| l.pitch_mm).sum::<f64>() / lines.len() as f64;
    let spacing = if lines.len() > 1 {
        (lines[lines.len() - 1].centre_y_mm - lines[0].centre_y_mm) / (lines.len() - 1) as f64
    } else {
        g.line_pitch_mm
    };
    if !(pitch > 0.0 && spacing > 0.0) {
        return None;
    }
    Some((width_mm * g.char_pitch_mm / pitch, height_mm * g.line_pitch_mm / spacing))
}

pub fn check(reading: &MrzReading, reg: &Registration, template: &Template) -> Vec<Finding> {
    if !reg.page_found() {
        return Vec::new();
    }
    let g = FormatGeometry::of(template.file.format);
    let (w, h) = (template.file.width_mm, template.file.height_mm);
    let Some((mw, mh)) = measure_page(reading, reg, w, h, template.file.format) else { return Vec::new() };
    let (ew, eh) = (mw / w - 1.0, mh / h - 1.0);
    if ew.abs() > SIZE_TOLERANCE || eh.abs() > HEIGHT_TOLERANCE {
        let worst = (ew.abs() / SIZE_TOLERANCE).max(eh.abs() / HEIGHT_TOLERANCE);
        return vec![Finding::new(
            FindingCode::FormatMismatch,
            if reg.firm() { Severity::Fail } else { Severity::Warning },
            format!(
                "page measures {mw:.1} × {mh:.1} mm with the MRZ as ruler; a {} document is {:.1} × {:.1} mm",
                template.file.format, g.width_mm, g.height_mm
            ),
        )
        .zone("page")
        .score(worst, 1.0)
        .at_px(reg.page_polygon(w, h))];
    }
    Vec::new()
}
