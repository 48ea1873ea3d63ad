//! A personal value every enrollment specimen happens to share (five visas
//! with `MULT` entries) is not learned as the model's print: a genuine visa
//! with other entries passes against the template.

#![cfg(feature = "synth")]

use docscreen::read::Reader;
use docscreen::report::{FindingCode, Verdict};
use docscreen::screen::Screener;
use docscreen::synth;
use docscreen::template::enroll::enroll;
use image::DynamicImage;

mod common;

const MODEL: &str = "uto-v-2022";
const DPI: u32 = 200;
/// Seeds whose visas all read `MULT` under "Entries" (asserted below).
const SHARED_SEEDS: [u64; 5] = [3, 9, 10, 12, 15];
/// Seeds with 2 and 1 entries.
const OTHER_SEEDS: [u64; 2] = [0, 1];

#[test]
fn a_value_every_specimen_shared_does_not_fail_other_values() {
    let reader = Reader::new();
    let specimens: Vec<DynamicImage> = SHARED_SEEDS
        .iter()
        .map(|&s| {
            let d = synth::genuine_document(MODEL, DPI, s).expect("specimen");
            assert_eq!(d.person.entries, "MULT", "seed {s} no longer prints MULT entries: pick other seeds");
            DynamicImage::ImageRgb8(d.image)
        })
        .collect();
    let template = enroll(MODEL, &specimens, &reader).expect("enroll").into_template().expect("template");
    let screener = Screener::builder().template(template).build().expect("screener");
    for s in OTHER_SEEDS {
        let d = synth::genuine_document(MODEL, DPI, s).expect("document");
        assert_ne!(d.person.entries, "MULT", "seed {s} prints MULT entries: pick another seed");
        let report = screener.screen_encoded(&common::on_border(&d.image, 50)).expect("screen");
        let mismatches: Vec<_> = report.findings.iter().filter(|f| f.code == FindingCode::ZoneMismatch).map(|f| &f.message).collect();
        println!("seed {s} ({} entries): {:?}, zone mismatches {mismatches:?}", d.person.entries, report.verdict);
        assert_eq!(report.template.as_ref().map(|t| t.id.as_str()), Some(MODEL), "the issuer template was not used");
        assert!(mismatches.is_empty(), "seed {s}: {mismatches:?}");
        assert_eq!(report.verdict, Verdict::Pass, "seed {s}: {:?}", report.findings);
    }
}
