//! End-to-end screening: decode + read + register + every check of a
//! 300-dpi TD3 scan (JPEG), with the issuer template enrolled from four
//! synthetic specimens, and with the built-in ICAO templates only. The
//! fixture comes from the synthetic generator with fixed seeds. See
//! benches/README.md.

use criterion::{Criterion, criterion_group, criterion_main};
use docscreen::read::Reader;
use docscreen::report::Verdict;
use docscreen::screen::Screener;
use docscreen::synth::{self, CaptureKind, DatasetSpec, Kind};
use docscreen::template::enroll::enroll;
use image::DynamicImage;
use std::hint::black_box;

const MODEL: &str = "uto-p-2024";

fn fixture() -> (Vec<u8>, Screener) {
    let reader = Reader::new();
    let specimens: Vec<DynamicImage> =
        (0..4).map(|i| DynamicImage::ImageRgb8(synth::genuine_document(MODEL, 300, 500 + i).expect("specimen").image)).collect();
    let template = enroll(MODEL, &specimens, &reader).expect("enroll").into_template().expect("template");
    let screener = Screener::builder().template(template).build().expect("screener");
    let spec = DatasetSpec {
        seed: 77,
        count: 1,
        models: vec![MODEL.into()],
        kinds: vec![Kind::Genuine],
        captures: vec![CaptureKind::Scan],
        dpi: vec![300],
        specimens: 0,
        ..Default::default()
    };
    let sample = synth::render(&spec, 0).expect("render the fixture");
    (sample.bytes, screener)
}

fn bench_screen(c: &mut Criterion) {
    let (jpeg, screener) = fixture();
    // The fixture must be screened fully, or the timing means nothing.
    let report = screener.screen_encoded(&jpeg).expect("screen");
    assert_eq!(report.verdict, Verdict::Pass, "the bench fixture does not pass: {:?}", report.findings);
    assert_eq!(report.template.as_ref().map(|t| t.id.as_str()), Some(MODEL), "the issuer template was not used");
    let generic = Screener::new();
    let mut g = c.benchmark_group("screen");
    g.sample_size(20);
    g.bench_function("td3_300dpi_jpeg_issuer_template", |b| b.iter(|| black_box(screener.screen_encoded(black_box(&jpeg)).expect("screen"))));
    g.bench_function("td3_300dpi_jpeg_icao_only", |b| b.iter(|| black_box(generic.screen_encoded(black_box(&jpeg)).expect("screen"))));
    g.finish();
}

criterion_group!(benches, bench_screen);
criterion_main!(benches);
