//! The reader on images rendered in the test from the vendored OCR-B font
//! (no `../shared` needed): every format, the four orientations, skew and
//! perspective, geometry outputs, hostile images, and font conformity.

use docscreen::mrz::{self, Format};
use docscreen::read::testkit::{Rng, Scene, SceneFont, random_mrz_of, render, system_font};
use docscreen::read::{MrzReading, Reader};
use image::{GrayImage, Luma};
use std::sync::OnceLock;

fn reader() -> &'static Reader {
    static R: OnceLock<Reader> = OnceLock::new();
    R.get_or_init(Reader::new)
}

/// A band around the MRZ only, at a modest resolution: fast to render in
/// the dev profile.
fn band(format: Format, seed: u64, px_per_mm: f64, rotation: f64) -> Scene {
    let mut s = Scene::new(format, random_mrz_of(&mut Rng::new(seed), format));
    s.mrz_only = true;
    s.px_per_mm = px_per_mm;
    s.rotation_deg = rotation;
    s.blur_px = 0.6;
    s.noise = 2.0;
    s.seed = seed;
    s
}

fn assert_reads(s: &Scene) -> MrzReading {
    let r = render(s);
    let m = reader().read(&r.image);
    assert!(m.found, "{:?} at {}°: not found ({:?})", s.format, s.rotation_deg, m.notes);
    assert_eq!(m.lines, s.lines, "{:?} at {}°", s.format, s.rotation_deg);
    assert_eq!(m.format, Some(s.format));
    // Geometry: scale from the pitch, rotation, and every character centre.
    let ppm = r.px_per_mm_along_mrz(s.pitch_mm);
    assert!((m.px_per_mm as f64 / ppm - 1.0).abs() < 0.01, "px/mm {} vs {ppm}", m.px_per_mm);
    let dr = (m.rotation_deg as f64 - s.rotation_deg + 540.0).rem_euclid(360.0) - 180.0;
    assert!(dr.abs() < 1.0, "rotation {} vs {}", m.rotation_deg, s.rotation_deg);
    let pitch = ppm * s.pitch_mm;
    for (j, line) in m.chars.iter().enumerate() {
        for (k, c) in line.iter().enumerate() {
            let (x, y) = r.cell_centres[j][k];
            let d = (c.centre.x as f64 - x).hypot(c.centre.y as f64 - y);
            assert!(d < 0.2 * pitch, "line {j} cell {k} centre off by {d:.1} px (pitch {pitch:.1})");
        }
    }
    // The MRZ frame maps the first cell's centre (x = pitch/2 on line 0).
    let (x0, y0) = m.mrz_to_image.apply(s.pitch_mm / 2.0, 0.0);
    let (tx, ty) = r.cell_centres[0][0];
    assert!((x0 - tx).hypot(y0 - ty) < 0.2 * pitch, "mrz_to_image origin off");
    m
}

#[test]
fn reads_every_format_upright() {
    for (i, f) in [Format::Td1, Format::Td2, Format::Td3, Format::MrvA, Format::MrvB].into_iter().enumerate() {
        let m = assert_reads(&band(f, 10 + i as u64, 7.0, 0.0));
        assert!(mrz::validate_lines(&m.lines, None).is_ok_and(|v| v.is_valid()));
        assert!(m.check_digit_choices.is_empty(), "a clean read needs no check-digit help");
        assert!(m.line_confidence().iter().all(|&c| c > 0.5), "confidence {:?}", m.line_confidence());
    }
}

#[test]
fn reads_the_four_orientations_with_skew() {
    for (i, rot) in [90.0, 183.0, 266.0, -14.0].into_iter().enumerate() {
        assert_reads(&band(Format::Td3, 20 + i as u64, 6.5, rot));
    }
}

#[test]
fn reads_through_perspective_noise_and_jpeg() {
    let mut s = band(Format::Td1, 31, 8.0, 7.0);
    s.tilt_x = 0.06;
    s.tilt_y = -0.04;
    s.blur_px = 1.0;
    s.noise = 5.0;
    s.jpeg_quality = Some(60);
    s.light = 0.3;
    s.guilloche = 40.0;
    s.guilloche_under_mrz = true;
    let r = render(&s);
    let m = reader().read(&r.image);
    assert_eq!(m.lines, s.lines);
}

#[test]
fn hostile_images_give_not_found_without_panicking() {
    let mut rng = Rng::new(9);
    let images = [
        GrayImage::new(0, 0),
        GrayImage::new(1, 1),
        GrayImage::new(30000, 10),
        GrayImage::new(10, 30000),
        GrayImage::from_pixel(640, 480, Luma([0])),
        GrayImage::from_pixel(640, 480, Luma([255])),
        GrayImage::from_fn(700, 500, |_, _| Luma([(rng.next_u64() & 0xff) as u8])),
        // Stripes: evenly spaced "glyphs" that are not characters.
        GrayImage::from_fn(900, 300, |x, y| Luma([if (x / 7) % 2 == 0 && (y / 20) % 3 == 0 { 20 } else { 230 }])),
    ];
    for img in &images {
        let m = reader().read(img);
        assert!(!m.found, "{}x{}: found {:?}", img.width(), img.height(), m.lines);
        assert!(!m.notes.is_empty(), "a not-found reading says why");
        assert!(m.lines.is_empty() && m.chars.is_empty());
    }
}

#[test]
fn reader_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Reader>();
}

#[test]
fn ocrb_scores_are_lower_for_another_font() {
    let Some(font) = ["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "/usr/share/fonts/dejavu/DejaVuSansMono.ttf"]
        .iter()
        .find_map(|p| system_font(p))
    else {
        eprintln!("NOTICE: DejaVu Sans Mono is not installed; skipping the font-conformity test");
        return;
    };
    let median = |m: &MrzReading| {
        let mut v: Vec<f32> = m.chars.iter().flatten().filter(|c| c.ch != '<').map(|c| c.ocrb_score).collect();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    for seed in [41, 42] {
        let genuine = band(Format::Td3, seed, 9.0, 0.0);
        let mut fake = genuine.clone();
        fake.font = SceneFont::Other(font.clone());
        let mg = reader().read(&render(&genuine).image);
        let mf = reader().read(&render(&fake).image);
        assert!(mg.found && mf.found);
        let (g, f) = (median(&mg), median(&mf));
        assert!(g > f + 0.02, "OCR-B median {g:.3} vs DejaVu {f:.3}");
    }
}

/// A look-alike monospace font draws `<` at about half its capitals' height
/// and lower (OCR-B's is taller): at 150 dpi, runs of fillers must still
/// join their line, or the forged MRZ goes unread (inconclusive) instead of
/// failing the font check.
#[test]
fn look_alike_fonts_at_150_dpi_are_located() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fonts/");
    let mut located = 0;
    let mut cases = 0;
    for file in ["DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "LiberationMono-Regular.ttf"] {
        let font = system_font(&format!("{dir}{file}")).expect("vendored font");
        for (format, seed) in [(Format::Td1, 51), (Format::Td3, 52), (Format::Td1, 53), (Format::Td3, 54)] {
            let mut fake = band(format, seed, 150.0 / 25.4, 7.0);
            fake.font = SceneFont::Other(font.clone());
            fake.blur_px = 0.8;
            let m = reader().read(&render(&fake).image);
            cases += 1;
            if m.found && m.lines.len() == fake.lines.len() {
                located += 1;
            } else {
                eprintln!("{file} {format:?} seed {seed}: {:?}", m.notes);
            }
        }
    }
    eprintln!("look-alike fonts located at 150 dpi: {located}/{cases}");
    assert_eq!(located, cases, "every look-alike MRZ located");
}
