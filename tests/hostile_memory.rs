//! Peak memory for screening a 24-megapixel JPEG stays under 400 MB (the
//! process's VmHWM; this file holds one test so that nothing else counts).
//! docs/hostile-input.md gives the release CLI's figure, measured with
//! `/usr/bin/time -v`.
#![cfg(all(feature = "synth", target_os = "linux"))]

use docscreen::report::Verdict;
use docscreen::screen::Screener;
use image::DynamicImage;

fn status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("{key} in /proc/self/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn screening_a_24_megapixel_jpeg_peaks_under_400_mb() {
    // A synthetic passport page scaled to a 6000 × 4000 photo.
    let doc = docscreen::synth::genuine_document("uto-p-2024", 300, 11).unwrap();
    let big = image::imageops::resize(&doc.image, 6000, 4000, image::imageops::FilterType::Triangle);
    drop(doc);
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90).encode_image(&DynamicImage::ImageRgb8(big)).unwrap();
    // Reset the peak to the current RSS (Linux: "5" to clear_refs), so that
    // the set-up above does not count; if that is refused, it does.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before_kb = status_kb("VmRSS:");
    let r = Screener::new().screen_encoded(&jpg).unwrap();
    assert_eq!((r.image.width, r.image.height), (6000, 4000));
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.to_json());
    // The peak includes the test harness and the encoded JPEG.
    let peak_mb = status_kb("VmHWM:") / 1024;
    eprintln!("RSS before screening {} MB, peak {peak_mb} MB (peak reset: {reset})", before_kb / 1024);
    assert!(peak_mb < 400, "peak RSS {peak_mb} MB");
}
