//! Screening accuracy gates. Each test enrolls issuer templates from genuine
//! specimens, screens a labelled set, prints its rates and fails below the
//! minimum rates written here (set a little under the rates measured when
//! they were written; the evaluation example reports the full picture).
//!
//! The synthetic set is generated here from seeds used nowhere in
//! development (calibration used seed 2, the report set seed 7).

#![cfg(feature = "synth")]

use docscreen::read::Reader;
use docscreen::report::Verdict;
use docscreen::screen::Screener;
use docscreen::synth::{self, CaptureKind, DatasetSpec};
use docscreen::template::enroll::enroll;
use image::DynamicImage;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Default)]
struct Tally {
    n: usize,
    fail: usize,
    inconclusive: usize,
}

fn rate(k: usize, n: usize) -> f64 {
    if n == 0 { 0.0 } else { k as f64 / n as f64 }
}

fn print_table(title: &str, t: &BTreeMap<String, Tally>) {
    println!("{title}");
    for (kind, x) in t {
        println!("  {kind:15} n={:3} fail {:5.1}%  inconclusive {:5.1}%", x.n, 100.0 * rate(x.fail, x.n), 100.0 * rate(x.inconclusive, x.n));
    }
}

/// A screener with `models` enrolled from four clean 300-dpi specimens each.
fn screener_for(models: &[&str]) -> Screener {
    let reader = Reader::new();
    let mut builder = Screener::builder();
    for &m in models {
        let specimens: Vec<DynamicImage> = (0..4)
            .map(|i| DynamicImage::ImageRgb8(synth::genuine_document(m, 300, 9100 + i).expect("specimen").image))
            .collect();
        let enrolled = enroll(m, &specimens, &reader).expect("enroll");
        builder = builder.template(enrolled.into_template().expect("template"));
    }
    builder.build().expect("screener")
}

/// Screens every document of `spec`, tallied by kind.
fn screen_set(screener: &Screener, spec: &DatasetSpec) -> BTreeMap<String, Tally> {
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    for i in 0..spec.count {
        let s = synth::render(spec, i).expect("render");
        let report = screener.screen_encoded(&s.bytes).expect("screen");
        let t = tally.entry(s.label.kind.clone()).or_default();
        t.n += 1;
        match report.verdict {
            Verdict::Fail => t.fail += 1,
            Verdict::Inconclusive => t.inconclusive += 1,
            Verdict::Pass => {}
        }
    }
    tally
}

#[test]
fn synthetic_documents_screen_within_the_minimum_rates() {
    let models = ["uto-p-2024", "zza-i-2018"];
    let screener = screener_for(&models);
    let spec = DatasetSpec {
        seed: 9101,
        count: 48,
        models: models.iter().map(|m| m.to_string()).collect(),
        genuine_share: 0.4,
        captures: vec![CaptureKind::Scan, CaptureKind::Photo],
        dpi: vec![200, 300, 400],
        specimens: 0,
        ..Default::default()
    };
    let tally = screen_set(&screener, &spec);
    print_table("synthetic set (seed 9101, uto-p-2024 + zza-i-2018, 200-400 dpi scans and photos):", &tally);
    let g = &tally["genuine"];
    assert!(g.n >= 10, "too few genuine documents drawn: {}", g.n);
    // Genuine documents: few false alarms, and mostly a conclusion.
    assert!(rate(g.fail, g.n) <= 0.10, "false-alarm rate {:.1}% above 10%", 100.0 * rate(g.fail, g.n));
    assert!(rate(g.fail + g.inconclusive, g.n) <= 0.25, "genuine not passed: {:.1}% above 25%", 100.0 * rate(g.fail + g.inconclusive, g.n));
    // Forgeries the MRZ itself gives away are always flagged.
    // Pasted photos: where the page's print stops around the portrait.
    for (kind, min) in [("mrz_digit", 1.0), ("mrz_shift", 0.75), ("wrong_template", 0.75), ("mrz_font", 0.65), ("photo_swap", 0.5)] {
        if let Some(t) = tally.get(kind) {
            let flagged = rate(t.fail + t.inconclusive, t.n);
            assert!(flagged >= min, "{kind}: flagged {:.1}% below {:.0}%", 100.0 * flagged, 100.0 * min);
        }
    }
    let forged: (usize, usize) = tally.iter().filter(|(k, _)| *k != "genuine").fold((0, 0), |a, (_, t)| (a.0 + t.fail, a.1 + t.n));
    println!("all forgeries: {} of {} fail ({:.1}%)", forged.0, forged.1, 100.0 * rate(forged.0, forged.1));
    // Measured 58.3 % (14 of 24) when this gate was set, 62.5 % (15 of 24)
    // with the portrait overhang check.
    assert!(rate(forged.0, forged.1) >= 0.55, "forgeries failed {:.1}% below 55%", 100.0 * rate(forged.0, forged.1));
}

/// Screens `count` documents of one forgery `kind` (seed, models and
/// resolutions as given; scans and photos), prints the table, and checks
/// that every one was screened and at least `min_fail` of them failed.
fn assert_kind_fails(what: &str, kind: synth::Kind, seed: u64, count: usize, models: &[&str], dpi: &[u32], min_fail: f64) {
    let screener = screener_for(models);
    let spec = DatasetSpec {
        seed,
        count,
        models: models.iter().map(|m| m.to_string()).collect(),
        kinds: vec![kind],
        captures: vec![CaptureKind::Scan, CaptureKind::Photo],
        dpi: dpi.to_vec(),
        specimens: 0,
        ..Default::default()
    };
    let tally = screen_set(&screener, &spec);
    print_table(&format!("{what} (seed {seed}, {}, {:?} dpi scans and photos):", models.join(" + "), dpi), &tally);
    let t = &tally[kind.as_str()];
    assert_eq!(t.n, spec.count);
    assert!(rate(t.fail, t.n) >= min_fail, "{what} failed {:.1}% below {:.0}%", 100.0 * rate(t.fail, t.n), 100.0 * min_fail);
}

/// MRZs printed in look-alike monospace fonts, down to 150 dpi where they
/// blur towards OCR-B: they must fail (the font check, or the check digits
/// of what the reader makes of them), not pass nor stay unread.
#[test]
fn look_alike_fonts_fail() {
    assert_kind_fails("look-alike fonts", synth::Kind::MrzFont, 9102, 20, &["uto-i-2021", "zza-p-2019"], &[150, 200, 300], MIN_FONT_FAIL);
}
/// Measured 85 % (17 of 20) when set; the code before the font work
/// (04b93a4) failed 75 % and left 15 % unread.
const MIN_FONT_FAIL: f64 = 0.80;

/// Edits to the page's print (an emblem or title redrawn, a patch copied
/// from elsewhere, an area erased) on sharp scans and photos.
#[test]
fn zone_tampering_fails() {
    assert_kind_fails("zone tampering", synth::Kind::ZoneTamper, 9103, 24, &["uto-p-2024", "zza-i-2018", "uto-v-2022"], &[300, 400], MIN_ZONE_TAMPER_FAIL);
}
/// Measured 87.5 % (21 of 24) when set; 83.3 % at 84d8eaa, before small
/// erasures were reported. The target (95 %) is not met.
const MIN_ZONE_TAMPER_FAIL: f64 = 0.80;

/// The shared labelled samples (present in CI and development checkouts
/// beside `../shared`; skipped with a notice in a user's clone).
#[test]
fn shared_samples_screen_within_the_minimum_rates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/samples");
    if !dir.join("labels.jsonl").exists() {
        println!("skipped: {} not present", dir.display());
        return;
    }
    let reader = Reader::new();
    let mut builder = Screener::builder();
    let mut models: Vec<_> = std::fs::read_dir(dir.join("specimens")).expect("specimens").flatten().map(|e| e.path()).collect();
    models.sort();
    for m in &models {
        let mut files: Vec<_> = std::fs::read_dir(m).expect("model dir").flatten().map(|e| e.path()).collect();
        files.sort();
        let images: Vec<DynamicImage> = files.iter().map(|f| image::open(f).expect("specimen image")).collect();
        let id = m.file_name().unwrap().to_string_lossy().to_string();
        builder = builder.template(enroll(&id, &images, &reader).expect("enroll").into_template().expect("template"));
    }
    let screener = builder.build().expect("screener");
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    for line in std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("label json");
        let (file, kind) = (v["file"].as_str().unwrap(), v["kind"].as_str().unwrap().to_string());
        let report = screener.screen_file(dir.join("images").join(file)).expect("screen");
        let t = tally.entry(kind).or_default();
        t.n += 1;
        match report.verdict {
            Verdict::Fail => t.fail += 1,
            Verdict::Inconclusive => t.inconclusive += 1,
            Verdict::Pass => {}
        }
    }
    print_table("shared samples:", &tally);
    let g = &tally["genuine"];
    assert_eq!(g.fail, 0, "a genuine shared sample failed");
    let t = &tally["mrz_digit"];
    assert_eq!(t.fail, t.n, "every mrz_digit sample fails");
    let forged: (usize, usize) = tally.iter().filter(|(k, _)| *k != "genuine").fold((0, 0), |a, (_, t)| (a.0 + t.fail + t.inconclusive, a.1 + t.n));
    println!("forgeries flagged: {} of {}", forged.0, forged.1);
    // Measured 12 of 14 when this gate was set.
    assert!(rate(forged.0, forged.1) >= 0.75, "forgeries flagged {:.1}% below 75%", 100.0 * rate(forged.0, forged.1));
}
