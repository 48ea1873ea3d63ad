//! Hostile image input through the Rust API: limits, decompression bombs,
//! truncated and corrupted files, empty and huge files, degenerate images.
//! Every case asserts the error kind or the verdict (docs/hostile-input.md).

#[path = "common/hostile.rs"]
mod hostile;

use docscreen::Error;
use docscreen::report::{FindingCode, Report, Verdict};
use docscreen::screen::{Limits, PixelBuffer, PixelFormat, Screener, decode_with_limits, read_file_limited};
use hostile::*;
use image::ImageFormat;

fn has(r: &Report, code: FindingCode) -> bool {
    r.findings.iter().any(|f| f.code == code)
}

/// No MRZ was found: inconclusive with `mrz_unreadable`, never fail.
fn assert_unreadable(r: &Report, what: &str) {
    assert_eq!(r.verdict, Verdict::Inconclusive, "{what}: {}", r.to_json());
    assert!(has(r, FindingCode::MrzUnreadable), "{what}: {}", r.to_json());
    assert!(r.mrz.is_none(), "{what}");
}

#[test]
fn default_limits_fit_a_24_megapixel_photo() {
    let l = Limits::default();
    l.check_dimensions(6000, 4000).unwrap();
    l.check_dimensions(4000, 6000).unwrap();
    // A 50 MP phone sensor too.
    l.check_dimensions(8192, 6144).unwrap();
    // And a real 24 MP JPEG decodes within max_alloc.
    let jpg = encode(&flat(6000, 4000, 200), ImageFormat::Jpeg);
    let img = decode_with_limits(&jpg, &l).unwrap();
    assert_eq!((img.width(), img.height()), (6000, 4000));
}

#[test]
fn decompression_bombs_are_refused_as_limits() {
    let s = Screener::new();
    for (w, h) in [(100_000, 100_000), (16_384, 16_384), (20_000, 10), (10, 20_000), (9000, 6000)] {
        let png = png_bomb(w, h);
        assert!(png.len() < 100, "the bomb is tiny");
        let r = s.screen_encoded(&png);
        assert!(matches!(r, Err(Error::Limits(ref m)) if m.contains(&format!("{w}×{h}"))), "{w}×{h}: {r:?}");
    }
    // 65535 × 65535 declared in a JPEG frame header.
    let r = s.screen_encoded(&jpeg_declaring(65_535, 65_535));
    assert!(matches!(r, Err(Error::Limits(_))), "{r:?}");
    // Within the dimensions but not the pixel count: 16000 × 4000 = 64 MP.
    let r = s.screen_encoded(&png_bomb(16_000, 4_000));
    assert!(matches!(r, Err(Error::Limits(ref m)) if m.contains("52000000 pixels")), "{r:?}");
}

#[test]
fn limits_are_configurable_and_checked_before_decoding() {
    let tight = Limits { max_width: 100, max_height: 100, max_pixels: 5_000, max_encoded_bytes: 10_000, max_alloc: 1 << 20 };
    let s = Screener::builder().limits(tight).build().unwrap();
    let png = encode(&gradient(120, 40), ImageFormat::Png);
    assert!(matches!(s.screen_encoded(&png), Err(Error::Limits(_))));
    // 80 × 80 = 6400 pixels: over max_pixels although each side fits.
    let png = encode(&gradient(80, 80), ImageFormat::Png);
    assert!(matches!(s.screen_encoded(&png), Err(Error::Limits(_))));
    let big = vec![0u8; 10_001];
    assert!(matches!(s.screen_encoded(&big), Err(Error::Limits(m)) if m.contains("10001 bytes")));
    let px = vec![0u8; 120 * 40];
    let buf = PixelBuffer { data: &px, width: 120, height: 40, stride: 120, format: PixelFormat::Gray8 };
    assert!(matches!(s.screen_pixels(buf), Err(Error::Limits(_))));
    // max_alloc binds the decoder: a 70 × 70 RGBA PNG needs 19600 bytes.
    let tight_alloc = Limits { max_alloc: 4_096, ..Limits::default() };
    let png = encode(&image::DynamicImage::ImageRgba8(flat(70, 70, 9).to_rgba8()), ImageFormat::Png);
    assert!(matches!(decode_with_limits(&png, &tight_alloc), Err(Error::Limits(_))));
}

#[test]
fn empty_and_huge_files() {
    let s = Screener::new();
    assert!(matches!(s.screen_encoded(&[]), Err(Error::InvalidArgument(m)) if m.contains("empty")));
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(s.screen_file(&empty), Err(Error::InvalidArgument(m)) if m.contains("empty")));
    // A sparse 2 GiB file: refused from its size, before any reading.
    let huge = dir.path().join("huge.jpg");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(2 << 30).unwrap();
    let t = std::time::Instant::now();
    assert!(matches!(s.screen_file(&huge), Err(Error::Limits(m)) if m.contains("2147483648 bytes")));
    assert!(t.elapsed().as_secs() < 2);
    // Just over the limit in memory, as a caller might pass it.
    let over = vec![0xFFu8; (Limits::default().max_encoded_bytes + 1) as usize];
    assert!(matches!(s.screen_encoded(&over), Err(Error::Limits(_))));
    // Not a regular file, missing file.
    assert!(matches!(s.screen_file(dir.path()), Err(Error::InvalidArgument(_))));
    assert!(matches!(s.screen_file(dir.path().join("missing.png")), Err(Error::Io { .. })));
    #[cfg(unix)]
    assert!(matches!(s.screen_file("/dev/zero"), Err(Error::InvalidArgument(_))));
}

#[test]
fn read_file_limited_never_reads_past_the_limit() {
    // /proc files report a size of 0 but have content: the limit still holds.
    #[cfg(target_os = "linux")]
    {
        let r = read_file_limited(std::path::Path::new("/proc/self/maps"), 16);
        assert!(matches!(r, Err(Error::Limits(_))), "{r:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, [1u8; 100]).unwrap();
    assert_eq!(read_file_limited(&p, 100).unwrap().len(), 100);
    assert!(matches!(read_file_limited(&p, 99), Err(Error::Limits(_))));
}

#[test]
fn truncated_images_are_bad_images() {
    let s = Screener::new();
    let img = gradient(96, 64);
    for format in FORMATS {
        let full = encode(&img, format);
        s.screen_encoded(&full).unwrap_or_else(|e| panic!("{format:?} whole: {e}"));
        // A PNG's pixels end with its last IDAT chunk, and the decoder
        // stops at the IEND chunk's type: a file that lacks only the IEND
        // CRC holds the whole image and is screened as such. Every other
        // cut is refused.
        let whole_from = if format == ImageFormat::Png { full.len() - 4 } else { full.len() };
        let mut cuts = cut_points(full.len());
        cuts.extend(whole_from.saturating_sub(2)..full.len());
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            let r = s.screen_encoded(&full[..cut]);
            if cut >= whole_from {
                let r = r.unwrap_or_else(|e| panic!("{format:?} without its IEND (cut at {cut}): {e}"));
                assert_unreadable(&r, "PNG without IEND");
                let pixels = decode_with_limits(&full[..cut], &Limits::default()).unwrap();
                assert_eq!(pixels.to_luma8(), img.to_luma8(), "PNG cut at {cut}");
            } else {
                assert!(matches!(r, Err(Error::Image(_))), "{format:?} cut at {cut} of {}: {:?}", full.len(), r.map(|r| r.verdict));
            }
        }
    }
}

#[test]
fn jpeg_cut_inside_its_scan_is_refused_with_a_clear_error() {
    let full = encode(&gradient(96, 64), ImageFormat::Jpeg);
    let sos = full.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let cut = &full[..sos + (full.len() - sos) / 2];
    let e = Screener::new().screen_encoded(cut).unwrap_err();
    assert!(matches!(e, Error::Image(_)), "{e:?}");
    assert!(e.to_string().contains("truncated JPEG: no end-of-image marker"), "{e}");
    // Bytes after the end-of-image marker are tolerated (cameras append data).
    let mut trailing = full.clone();
    trailing.extend_from_slice(b"\0\0\0 appended by a phone");
    Screener::new().screen_encoded(&trailing).unwrap();
}

#[test]
fn jpeg_thumbnail_end_marker_does_not_hide_a_truncated_main_image() {
    // An APP1 segment holding a complete little JPEG (as an EXIF thumbnail
    // does), in front of a main image cut inside its scan.
    let thumb = encode(&gradient(8, 8), ImageFormat::Jpeg);
    let main = encode(&gradient(96, 64), ImageFormat::Jpeg);
    let mut jpg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpg.extend_from_slice(&((thumb.len() + 2) as u16).to_be_bytes());
    jpg.extend_from_slice(&thumb);
    jpg.extend_from_slice(&main[2..main.len() - 40]);
    let r = Screener::new().screen_encoded(&jpg);
    assert!(matches!(r, Err(Error::Image(ref e)) if e.to_string().contains("truncated JPEG")), "{r:?}");
    // With its end marker the same file is accepted.
    jpg.truncate(jpg.len() - (main.len() - 40 - 2));
    jpg.extend_from_slice(&main[2..]);
    Screener::new().screen_encoded(&jpg).unwrap();
}

#[test]
fn corrupted_headers_are_bad_images() {
    let s = Screener::new();
    let img = gradient(96, 64);
    // PNG: every chunk up to the last IDAT is CRC-checked, so a flipped
    // byte anywhere there is caught (the last is the IDAT's CRC; the IEND
    // chunk after it is not read, see truncated_images_are_bad_images).
    let png = encode(&img, ImageFormat::Png);
    for at in [0, 3, 9, 12, 16, 20, 29, 40, png.len() / 2, png.len() - 13] {
        let r = s.screen_encoded(&flip(&png, at));
        assert!(matches!(r, Err(Error::Image(_))), "PNG flipped at {at}: {r:?}");
    }
    // JPEG: a broken marker or table.
    let jpg = encode(&img, ImageFormat::Jpeg);
    let dqt = jpg.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
    let sof = jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    for at in [1, dqt + 1, sof + 1, sof + 9] {
        let r = s.screen_encoded(&flip(&jpg, at));
        assert!(matches!(r, Err(Error::Image(_))), "JPEG flipped at {at}: {r:?}");
    }
    // TIFF: byte order mark and the first IFD offset.
    let tif = encode(&img, ImageFormat::Tiff);
    for at in [0, 2, 4, 5] {
        let r = s.screen_encoded(&flip(&tif, at));
        assert!(matches!(r, Err(Error::Image(_))), "TIFF flipped at {at}: {r:?}");
    }
    // WebP: RIFF header, chunk header, lossless signature.
    let webp = encode(&img, ImageFormat::WebP);
    for at in [0, 8, 12, 20] {
        let r = s.screen_encoded(&flip(&webp, at));
        assert!(matches!(r, Err(Error::Image(_))), "WebP flipped at {at}: {r:?}");
    }
    assert!(matches!(s.screen_encoded(b"not an image at all"), Err(Error::Image(_))));
}

#[test]
fn corrupted_jpeg_image_data_decodes_and_screens_as_unreadable() {
    // Damage inside the entropy-coded data is not detectable from the file
    // structure: the image decodes with garbage blocks and is screened.
    let jpg = encode(&gradient(200, 120), ImageFormat::Jpeg);
    let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut bad = jpg.clone();
    for i in (sos + 20..jpg.len() - 10).step_by(37) {
        if bad[i] != 0xFF && bad[i - 1] != 0xFF {
            bad[i] = bad[i].wrapping_add(0x11) & 0x7F;
        }
    }
    let r = Screener::new().screen_encoded(&bad).unwrap();
    assert_unreadable(&r, "corrupt JPEG scan");
}

#[test]
fn tiny_and_degenerate_images() {
    let s = Screener::new();
    // 1 × 1 in every pixel format and as a PNG.
    for format in [PixelFormat::Gray8, PixelFormat::Rgb8, PixelFormat::Rgba8, PixelFormat::Bgr8, PixelFormat::Bgra8] {
        let px = [128u8; 4];
        let r = s.screen_pixels(PixelBuffer { data: &px, width: 1, height: 1, stride: 4, format }).unwrap();
        assert_unreadable(&r, "1×1");
    }
    assert_unreadable(&s.screen_encoded(&encode(&flat(1, 1, 0), ImageFormat::Png)).unwrap(), "1×1 PNG");
    // 30000 × 10 exceeds the default maximum width...
    let wide = encode(&gradient(30_000, 10), ImageFormat::Png);
    assert!(matches!(s.screen_encoded(&wide), Err(Error::Limits(m)) if m.contains("30000×10")));
    // ...and screens when the limits allow it; so does 10 × 30000.
    let roomy = Screener::builder().limits(Limits { max_width: 30_000, max_height: 30_000, ..Limits::default() }).build().unwrap();
    assert_unreadable(&roomy.screen_encoded(&wide).unwrap(), "30000×10");
    let tall = encode(&gradient(10, 30_000), ImageFormat::Png);
    assert_unreadable(&roomy.screen_encoded(&tall).unwrap(), "10×30000");
    // Zero-sized pixel buffers are invalid arguments.
    let px = [0u8; 4];
    for (w, h) in [(0, 1), (1, 0), (0, 0)] {
        let r = s.screen_pixels(PixelBuffer { data: &px, width: w, height: h, stride: 4, format: PixelFormat::Gray8 });
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{w}×{h}: {r:?}");
    }
}

#[test]
fn all_black_and_all_white_pages() {
    let s = Screener::new();
    for level in [0u8, 255] {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let r = s.screen_encoded(&encode(&flat(1250, 880, level), format)).unwrap();
            assert_unreadable(&r, &format!("level {level} {format:?}"));
        }
    }
}

#[test]
fn pixel_buffers_with_hostile_geometry() {
    let s = Screener::new();
    let data = vec![7u8; 1000];
    let base = PixelBuffer { data: &data, width: 10, height: 10, stride: 10, format: PixelFormat::Gray8 };
    let cases = [
        PixelBuffer { stride: 9, ..base },
        PixelBuffer { height: 101, ..base },
        PixelBuffer { stride: 100, height: 11, ..base },
        PixelBuffer { width: u32::MAX, ..base },
        PixelBuffer { height: u32::MAX, stride: usize::MAX, ..base },
        PixelBuffer { width: 334, stride: 1002, format: PixelFormat::Rgb8, height: 1, ..base },
        PixelBuffer { data: &data[..0], ..base },
    ];
    for px in cases {
        let r = s.screen_pixels(px);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{px:?}: {r:?}");
    }
    // A stride of 100 with 10 rows fits exactly when the last row is short.
    let r = s.screen_pixels(PixelBuffer { stride: 100, ..base }).unwrap();
    assert_unreadable(&r, "strided");
}

#[cfg(feature = "synth")]
mod documents {
    use super::*;

    fn screen(img: &image::DynamicImage) -> Report {
        Screener::new().screen_encoded(&encode(img, ImageFormat::Png)).unwrap()
    }

    #[test]
    fn mrz_only_crop_reads_the_mrz_and_is_not_called_a_forgery() {
        let doc = passport(200, 3);
        let ppm = doc.px_per_mm;
        let b = doc.mrz_box_mm;
        let (x0, y0) = (((b.x - 3.0) * ppm).max(0.0) as u32, ((b.y - 3.0) * ppm).max(0.0) as u32);
        let (w, h) = (((b.w + 6.0) * ppm) as u32, ((b.h + 6.0) * ppm) as u32);
        let w = w.min(doc.image.width() - x0);
        let h = h.min(doc.image.height() - y0);
        let crop = image::DynamicImage::ImageRgb8(doc.image.clone()).crop_imm(x0, y0, w, h);
        let r = screen(&crop);
        let mrz = r.mrz.as_ref().expect("MRZ read from the crop");
        assert_eq!(mrz.lines, doc.mrz, "{}", r.to_json());
        assert!(mrz.valid);
        // Only the MRZ is visible: nothing says the document is forged.
        assert_ne!(r.verdict, Verdict::Fail, "{}", r.to_json());
    }

    #[test]
    fn document_rotated_180_degrees_reads_like_the_upright_one() {
        let doc = passport(200, 4);
        let upright = image::DynamicImage::ImageRgb8(doc.image.clone());
        let a = screen(&upright);
        let b = screen(&rotate180(&upright));
        let (ma, mb) = (a.mrz.as_ref().expect("upright MRZ"), b.mrz.as_ref().expect("rotated MRZ"));
        assert_eq!(ma.lines, doc.mrz);
        assert_eq!(mb.lines, doc.mrz, "{}", b.to_json());
        assert!(mb.valid);
        assert_eq!(a.verdict, b.verdict, "{}\n{}", a.to_json(), b.to_json());
        let rot = b.rotation_deg.expect("rotation measured");
        assert!((rot.abs() - 180.0).abs() < 3.0, "rotation {rot}");
    }
}
