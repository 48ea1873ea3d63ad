//! The print between personal text strokes: a patch of the page's print
//! copied over a personal text row is found where enrollment marked the
//! row's print as alike on every specimen (mask value 192), and only there.

#![cfg(feature = "synth")]

use docscreen::checks::zones::{MASK_PERSONAL_PRINT, REF_PX_PER_MM};
use docscreen::read::Reader;
use docscreen::report::{Report, Verdict};
use docscreen::screen::{Screener, hex_sha256};
use docscreen::synth;
use docscreen::template::enroll::{Enrolled, enroll};
use image::{DynamicImage, GrayImage};

mod common;

const MODEL: &str = "uto-r-2020";
const DPI: u32 = 300;

/// The `w`×`h` mm rectangle (on a 1 mm grid, 3 mm inside the page, above
/// `max_y` mm) with the highest `score` of its pixels (reference frame;
/// `None`: not a candidate), and that score.
fn best_rect(width_px: u32, w: f64, h: f64, max_y: f64, score: impl Fn(&[(u32, u32)]) -> Option<f64>) -> ((f64, f64), f64) {
    let px = |mm: f64| (mm * REF_PX_PER_MM).round() as u32;
    let mut best = ((0.0, 0.0), -1.0);
    for y in (3..(max_y - h) as u32).map(f64::from) {
        for x in (3..(width_px as f64 / REF_PX_PER_MM - w - 3.0) as u32).map(f64::from) {
            let pixels: Vec<(u32, u32)> = (px(y)..px(y + h)).flat_map(|yy| (px(x)..px(x + w)).map(move |xx| (xx, yy))).collect();
            if let Some(v) = score(&pixels).filter(|&v| v > best.1) {
                best = ((x, y), v);
            }
        }
    }
    best
}

/// The share of `pixels` whose mask value satisfies `wanted`.
fn mask_share(mask: &GrayImage, pixels: &[(u32, u32)], wanted: impl Fn(u8) -> bool) -> f64 {
    pixels.iter().filter(|&&(x, y)| wanted(mask.get_pixel(x, y).0[0])).count() as f64 / pixels.len() as f64
}

/// Among the `w`×`h` mm rectangles of stable print only (no ink), the one whose
/// reference has the most detail (mean absolute difference between
/// neighbouring pixels).
fn busiest_stable_rect(mask: &GrayImage, reference: &GrayImage, w: f64, h: f64, max_y: f64) -> (f64, f64) {
    let luma = |x: u32, y: u32| reference.get_pixel(x, y).0[0];
    let (at, detail) = best_rect(mask.width(), w, h, max_y, |pixels| {
        // Stable, and print rather than ink.
        let stable = pixels.iter().all(|&(x, y)| mask.get_pixel(x, y).0[0] == 0 && luma(x, y) > 110);
        stable.then(|| pixels.iter().map(|&(x, y)| (luma(x, y) as f64 - luma(x + 1, y) as f64).abs()).sum::<f64>() / pixels.len() as f64)
    });
    assert!(detail > 0.0, "no stable rectangle to copy");
    at
}

fn screen(enrolled: &Enrolled, bytes: &[u8]) -> Report {
    let screener = Screener::builder().template(enrolled.clone().into_template().expect("template")).build().expect("screener");
    screener.screen_encoded(bytes).expect("screen")
}

/// Local changes reported over the rectangle at `at` (mm), `w`×`h` mm.
fn local_changes_at(r: &Report, at: (f64, f64), w: f64, h: f64) -> usize {
    r.findings
        .iter()
        .filter(|f| f.zone.as_deref().is_some_and(|z| z.starts_with("local_")))
        .filter(|f| f.zone_mm.is_some_and(|z| z.x < at.0 + w && at.0 < z.x + z.w && z.y < at.1 + h && at.1 < z.y + z.h))
        .count()
}

#[test]
fn print_copied_over_a_personal_text_row_is_found() {
    let reader = Reader::new();
    let specimens: Vec<DynamicImage> = (0..4).map(|i| DynamicImage::ImageRgb8(synth::genuine_document(MODEL, DPI, 9300 + i).expect("specimen").image)).collect();
    let enrolled = enroll(MODEL, &specimens, &reader).expect("enroll");
    let mask = image::load_from_memory(&enrolled.mask_png).expect("mask").to_luma8();
    let (w, h) = (8.0, 6.0);
    let top = enrolled.file.zones.iter().find(|z| z.name == "mrz").map(|z| z.rect.y).expect("mrz zone") - 2.0;
    let (to, share) = best_rect(mask.width(), w, h, top, |pixels| Some(mask_share(&mask, pixels, |m| m == MASK_PERSONAL_PRINT)));
    assert!(share > 0.7, "no text row with its print compared: best {share:.2} at {to:?}");
    // The source: stable print with the most fine detail, so that the
    // patch keeps the row's print energy and differs only in its lines.
    let reference = image::load_from_memory(&enrolled.reference_png).expect("reference").to_luma8();
    let from = busiest_stable_rect(&mask, &reference, w, h, top);

    let doc = synth::genuine_document(MODEL, DPI, 9400).expect("document");
    let genuine = screen(&enrolled, &common::on_border(&doc.image, 60));
    assert_eq!(genuine.verdict, Verdict::Pass, "{:#?}", genuine.findings);

    // The stable print at `from` pasted over the text row at `to`.
    let ppm = doc.px_per_mm;
    let px = |mm: f64| (mm * ppm).round() as u32;
    let patch = image::imageops::crop_imm(&doc.image, px(from.0), px(from.1), px(w), px(h)).to_image();
    let mut forged = doc.image.clone();
    image::imageops::replace(&mut forged, &patch, px(to.0) as i64, px(to.1) as i64);
    let forged = common::on_border(&forged, 60);
    let report = screen(&enrolled, &forged);
    println!("copy {from:?} -> {to:?} ({share:.2} of it compared): {:?} {:#?}", report.verdict, report.findings);
    assert_eq!(report.verdict, Verdict::Fail);
    assert!(local_changes_at(&report, to, w, h) > 0, "no local change reported over the pasted patch");

    // The same template without the class: the row is personal throughout,
    // and the patch goes unseen by the window comparison.
    let mut without = enrolled.clone();
    let personal: GrayImage = GrayImage::from_fn(mask.width(), mask.height(), |x, y| {
        let m = mask.get_pixel(x, y).0[0];
        image::Luma([if m == MASK_PERSONAL_PRINT { 255 } else { m }])
    });
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(personal).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("encode");
    without.file.reference.as_mut().expect("reference").mask_sha256 = hex_sha256(&png);
    without.mask_png = png;
    let plain = screen(&without, &forged);
    assert_eq!(local_changes_at(&plain, to, w, h), 0, "the patch was found without the print under the text: {:#?}", plain.findings);
}
