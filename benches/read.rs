//! End-to-end MRZ reading: decode + locate + read of a 300-dpi TD3 scan
//! (JPEG, about 1.5 megapixels), and the read alone on the decoded grey
//! image. The fixture is rendered here by the reader's own test renderer
//! (`docscreen::read::testkit`) from a fixed seed: a passport page with a
//! photo block, visual-zone text and a light guilloche, mild blur and noise,
//! JPEG quality 90. See benches/README.md.

use criterion::{Criterion, criterion_group, criterion_main};
use docscreen::mrz::Format;
use docscreen::read::Reader;
use docscreen::read::testkit::{Rng, Scene, random_mrz_of, render};
use std::hint::black_box;

fn fixture() -> (Vec<u8>, Vec<String>) {
    let lines = random_mrz_of(&mut Rng::new(2024), Format::Td3);
    let mut s = Scene::new(Format::Td3, lines.clone());
    s.px_per_mm = 300.0 / 25.4;
    s.rotation_deg = 1.2;
    s.viz = true;
    s.guilloche = 30.0;
    s.blur_px = 0.6;
    s.noise = 2.0;
    s.margin_mm = 3.0;
    s.seed = 7;
    let img = render(&s).image;
    let mut jpeg = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
    img.write_with_encoder(enc).expect("encode the fixture");
    (jpeg, lines)
}

fn bench_read(c: &mut Criterion) {
    let (jpeg, lines) = fixture();
    let reader = Reader::new();
    // The fixture must actually be read, or the timing means nothing.
    let img = image::load_from_memory(&jpeg).expect("decode the fixture");
    let m = reader.read_image(&img);
    assert_eq!(m.lines, lines, "the bench fixture is not read correctly");
    let gray = img.to_luma8();
    let mut g = c.benchmark_group("read");
    g.bench_function("td3_300dpi_jpeg_decode_locate_read", |b| {
        b.iter(|| {
            let img = image::load_from_memory(black_box(&jpeg)).expect("decode");
            black_box(reader.read_image(&img))
        })
    });
    g.bench_function("td3_300dpi_locate_read", |b| b.iter(|| black_box(reader.read(black_box(&gray)))));
    g.bench_function("reader_new", |b| b.iter(|| black_box(Reader::new())));
    g.finish();
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
