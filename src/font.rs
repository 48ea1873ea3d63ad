//! The vendored OCR-B font (public domain, Matthew Skala; see
//! `assets/OCRB-LICENSE.txt`) and glyph rasterisation shared by the reader
//! (reference glyphs) and the synthetic generator.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::GrayImage;
use std::sync::OnceLock;

/// The OCR-B font file as embedded in the library.
pub static OCRB_OTF: &[u8] = include_bytes!("../assets/OCRB.otf");

/// The 37 characters of the MRZ alphabet, in the order used for class indices.
pub const MRZ_ALPHABET: &[u8; 37] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";

/// The parsed OCR-B font.
pub fn ocrb() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    // The font is compiled in and tested; failing to parse it is a build defect.
    FONT.get_or_init(|| FontRef::try_from_slice(OCRB_OTF).expect("embedded OCR-B font parses"))
}

/// OCR-B "size 1" as printed in an MRZ: cap height 2.42 mm ± 10 % (ISO 1073-2),
/// character pitch 2.54 mm.
pub const MRZ_PITCH_MM: f32 = 2.54;
/// Nominal MRZ cap height in millimetres.
pub const MRZ_CAP_HEIGHT_MM: f32 = 2.42;

/// Rasterises one character of `font` so that its cap height is `cap_px`
/// pixels. Returns a coverage image (0 = background, 255 = full ink), tightly
/// cropped to the glyph's ink box, or `None` for a glyph without ink or a
/// character the font lacks.
pub fn rasterize<F: Font>(font: &F, ch: char, cap_px: f32) -> Option<GrayImage> {
    let cap_units = font
        .outline(font.glyph_id('H'))
        .map(|o| (o.bounds.max.y - o.bounds.min.y).abs())
        .unwrap_or(font.units_per_em().unwrap_or(1000.0) * 0.7);
    // PxScale is the font's ascent-to-descent height in pixels.
    let scale = PxScale::from(cap_px * font.height_unscaled() / cap_units);
    let scaled = font.as_scaled(scale);
    let gid = font.glyph_id(ch);
    if gid.0 == 0 {
        return None;
    }
    let glyph = gid.with_scale_and_position(scale, ab_glyph::point(0.0, scaled.ascent()));
    let outlined = font.outline_glyph(glyph)?;
    let bounds = outlined.px_bounds();
    let w = bounds.width().ceil() as u32;
    let h = bounds.height().ceil() as u32;
    if w == 0 || h == 0 {
        return None;
    }
    let mut img = GrayImage::new(w, h);
    outlined.draw(|x, y, c| {
        if x < w && y < h {
            img.put_pixel(x, y, image::Luma([(c.clamp(0.0, 1.0) * 255.0).round() as u8]));
        }
    });
    Some(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mrz_character_has_an_ocrb_glyph() {
        for &c in MRZ_ALPHABET {
            let g = rasterize(ocrb(), c as char, 40.0).unwrap_or_else(|| panic!("no glyph for {}", c as char));
            assert!(g.width() > 3 && g.height() > 3, "glyph {} too small", c as char);
        }
    }

    #[test]
    fn cap_height_matches_request() {
        let h = rasterize(ocrb(), 'H', 50.0).unwrap();
        assert!((h.height() as i32 - 50).abs() <= 2, "H is {} px high", h.height());
    }
}
