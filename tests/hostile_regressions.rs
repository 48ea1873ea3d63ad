//! Replays every input in `fuzz/regressions/<target>/` through the body of
//! the fuzz target of that name (`fuzz/harness.rs`): each crash or hang the
//! fuzzers found is kept there, named after the bug, once it is fixed.

#[path = "../fuzz/harness.rs"]
mod harness;
mod common;

use std::path::PathBuf;

#[test]
fn fuzz_regressions_replay_cleanly() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, body) in harness::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep" && n != "README.md"))
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let t = std::time::Instant::now();
            if let Err(p) = std::panic::catch_unwind(|| body(&data)) {
                let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                panic!("{} panicked: {}", f.display(), msg.unwrap_or_default());
            }
            // Hangs count too: each input must finish well within the fuzzers' timeout.
            assert!(t.elapsed().as_secs() < 20, "{} took {:?}", f.display(), t.elapsed());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} fuzz regression inputs");
}

/// The targets' invariants hold on a few plain inputs (so that a harness that
/// rejects everything cannot pass unnoticed).
#[test]
fn harness_accepts_valid_inputs() {
    harness::mrz_text(b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10");
    let mut px = vec![16u8, 0, 12, 0, 16, 0, 0, 0, 0];
    px.extend(std::iter::repeat_n(200u8, 16 * 12));
    harness::screen_pixels(&px);
    let toml = "format_version = 1\nid = \"x\"\nissuer = \"UTO\"\nformat = \"TD3\"\nwidth_mm = 125.0\nheight_mm = 88.0\n";
    harness::template_file(toml.as_bytes());
}

/// Writes the seed corpus in `fuzz/seeds/` (committed; rerun after changing
/// the generator): small documents from the synthetic generator in each
/// image format, the MRZ examples, template files with reference data.
///
/// ```sh
/// cargo test --test hostile_regressions -- --ignored write_fuzz_seeds
/// ```
#[test]
#[ignore = "writes fuzz/seeds"]
#[cfg(feature = "synth")]
fn write_fuzz_seeds() {
    use image::{DynamicImage, ImageFormat};
    use std::io::Cursor;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seeds = root.join("fuzz/seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let d = seeds.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    };
    let encode = |img: &DynamicImage, f: ImageFormat| {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), f).unwrap();
        out
    };

    // MRZ text: every example, and one per format from the generator.
    let examples = std::fs::read_to_string(root.join("examples/data/mrz-examples.txt")).unwrap();
    for (i, l) in examples.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).enumerate() {
        write("mrz_text", &format!("example-{i:02}"), l.as_bytes());
    }

    // From ../shared/data when present: a spread of the MRZ test vectors
    // (every format, valid and each kind of failure), and sample scans
    // scaled down to fit the fuzz limits.
    if let Some(data) = common::shared_data() {
        let tsv = std::fs::read_to_string(data.join("mrz-vectors.tsv")).unwrap();
        for (i, row) in tsv.lines().skip(1).enumerate().filter(|(i, _)| i % 6 == 0) {
            let mrz = row.split('\t').nth(3).unwrap();
            write("mrz_text", &format!("vector-{i:03}"), mrz.replace('|', "\n").as_bytes());
        }
        for name in ["0004.jpg", "0006.jpg"] {
            let img = image::open(data.join("samples/images").join(name)).unwrap();
            let small = img.resize(img.width() / 2, img.height() / 2, image::imageops::FilterType::Triangle);
            let mut jpg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 70).encode_image(&small).unwrap();
            write("screen_encoded", &format!("sample-{name}"), &jpg);
        }
    }

    // Documents at 100 dpi (within the fuzz limits), whole and the MRZ band.
    let doc = docscreen::synth::genuine_document("uto-p-2024", 100, 7).unwrap();
    let card = docscreen::synth::genuine_document("uto-i-2021", 100, 7).unwrap();
    write("mrz_text", "synth-td3", doc.mrz.join("\n").as_bytes());
    write("mrz_text", "synth-td1", card.mrz.join("|").as_bytes());
    let page = DynamicImage::ImageRgb8(doc.image.clone());
    let b = doc.mrz_box_mm;
    let ppm = doc.px_per_mm;
    let band = page.crop_imm(0, ((b.y - 2.0) * ppm) as u32, page.width(), ((b.h + 4.0) * ppm) as u32).to_luma8();
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 60).encode_image(&page).unwrap();
    write("screen_encoded", "passport-100dpi.jpg", &jpg);
    write("screen_encoded", "card-100dpi.png", &encode(&DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(card.image.clone()).to_luma8()), ImageFormat::Png));
    let band_img = DynamicImage::ImageLuma8(band.clone());
    for (f, name) in [(ImageFormat::Png, "band.png"), (ImageFormat::Tiff, "band.tif"), (ImageFormat::Bmp, "band.bmp"), (ImageFormat::Pnm, "band.pgm")] {
        write("screen_encoded", name, &encode(&band_img, f));
    }
    // The GIF encoder takes RGBA only.
    write("screen_encoded", "band.gif", &encode(&DynamicImage::ImageRgba8(band_img.to_rgba8()), ImageFormat::Gif));
    write("screen_encoded", "band.webp", &encode(&DynamicImage::ImageRgb8(band_img.to_rgb8()), ImageFormat::WebP));

    // Raw pixels: the MRZ band as grey with padding, a small BGRA patch.
    let (w, h) = band.dimensions();
    let stride = w + 3;
    let mut px = Vec::new();
    px.extend_from_slice(&(w as u16).to_le_bytes());
    px.extend_from_slice(&(h as u16).to_le_bytes());
    px.extend_from_slice(&stride.to_le_bytes());
    px.push(0); // Gray8
    for row in band.rows() {
        px.extend(row.map(|p| p.0[0]));
        px.extend_from_slice(&[0xEE; 3]);
    }
    write("screen_pixels", "band-gray8", &px);
    let mut small = vec![8u8, 0, 6, 0, 32, 0, 0, 0, 4];
    small.extend((0..8 * 6 * 4).map(|i| (i * 37) as u8));
    write("screen_pixels", "patch-bgra8", &small);

    // Templates: the ICAO one as TOML, and an issuer template with reference
    // data (the leading `#` asks the harness to fix up the digests).
    let icao = toml::to_string(&docscreen::template::Template::icao(docscreen::mrz::Format::Td3).file).unwrap();
    write("template_file", "icao-td3.toml", icao.replace("id = \"icao-td3\"", "id = \"x\"").replace("issuer = \"\"", "issuer = \"UTO\"").as_bytes());
    let reference = encode(&DynamicImage::ImageLuma8(image::GrayImage::from_pixel(750, 528, image::Luma([200]))), ImageFormat::Png);
    let mask = encode(&DynamicImage::ImageLuma8(image::GrayImage::new(750, 528)), ImageFormat::Png);
    let mut t = b"# issuer template\nformat_version = 1\nid = \"uto-seed\"\nissuer = \"UTO\"\ndocument_codes = [\"P\"]\nformat = \"TD3\"\nwidth_mm = 125.0\nheight_mm = 88.0\n\
[[zones]]\nname = \"emblem\"\nkind = \"static\"\nrect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }\nthresholds = [0.5, 0.4]\ntolerance_mm = 1.5\n\
[[zones]]\nname = \"photo\"\nkind = \"portrait\"\nrect = { x = 5.0, y = 20.0, w = 35.0, h = 45.0 }\n\
[mrz]\nfirst_char_x_mm = [5.0, 7.0]\nline_centre_tolerance_mm = 2.0\npitch_tolerance = 0.04\nmax_skew_deg = 3.0\n\
[reference]\nimage = \"r.png\"\nsha256 = \"\"\npx_per_mm = 6.0\nmask = \"m.png\"\nmask_sha256 = \"\"\n\
[calibration]\nspecimens = 3\nmethod = \"seed\"\nnotes = []\n"
        .to_vec();
    t.push(0);
    t.extend_from_slice(&(reference.len() as u32).to_le_bytes());
    t.extend_from_slice(&reference);
    t.extend_from_slice(&mask);
    write("template_file", "issuer-with-reference", &t);
    // Both template seeds load, so the fuzzer starts past the parser.
    for name in ["icao-td3.toml", "issuer-with-reference"] {
        let seed = std::fs::read(seeds.join("template_file").join(name)).unwrap();
        assert!(harness::template_file_loads(&seed), "{name} does not load");
    }
}
