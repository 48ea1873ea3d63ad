//! Helpers shared by integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` beside the checkout, if present. Tests that need it skip
/// with a printed notice when it is absent (a user's clone has no `../shared`).
pub fn shared_data() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("NOTICE: {} is absent; skipping this corpus test", p.display());
        None
    }
}

/// `img` on a dark border `border` pixels wide, as a scan shows the page,
/// PNG-encoded.
pub fn on_border(img: &image::RgbImage, border: u32) -> Vec<u8> {
    let mut out = image::RgbImage::from_pixel(img.width() + 2 * border, img.height() + 2 * border, image::Rgb([40, 40, 45]));
    image::imageops::replace(&mut out, img, border as i64, border as i64);
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(out).write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).expect("encode");
    bytes
}
