//! Invariants of the synthetic generator: MRZs validate (or fail exactly as
//! the forgery says), labels match what was drawn, output is deterministic.
//! Images are small (100–150 dpi) to stay fast in the dev profile.
#![cfg(feature = "synth")]

mod common;

use docscreen::mrz::{CheckName, validate_lines};
use docscreen::synth::{self, CaptureKind, DatasetSpec, Kind, Label};
use image::RgbImage;

fn spec(seed: u64, count: usize, kinds: &[Kind], captures: &[CaptureKind], dpi: u32) -> DatasetSpec {
    DatasetSpec { seed, count, kinds: kinds.to_vec(), captures: captures.to_vec(), dpi: vec![dpi], specimens: 0, ..DatasetSpec::default() }
}

/// Checks that fail on a genuine MRZ only because the issuer (ZZA) is a
/// fictional, unassigned code.
fn unassigned_code_failures(label: &Label) -> Vec<CheckName> {
    let v = validate_lines(&label.mrz_true, None).unwrap();
    v.failed().map(|c| c.name).filter(|n| matches!(n, CheckName::Country | CheckName::Nationality)).collect()
}

fn failed(lines: &[String]) -> Vec<&'static str> {
    let v = validate_lines(lines, None).unwrap();
    let mut f: Vec<&str> = v.failed().map(|c| c.name.as_str()).collect();
    f.sort();
    f
}

#[test]
fn every_genuine_mrz_validates() {
    let s = spec(11, 120, &[Kind::Genuine], &[CaptureKind::Clean], 72);
    let mut models = std::collections::BTreeSet::new();
    let mut long_numbers = 0;
    let mut truncated = 0;
    for i in 0..s.count {
        let l = synth::render(&s, i).unwrap().label;
        assert_eq!(l.mrz_true, l.mrz_printed);
        let v = validate_lines(&l.mrz_printed, None).unwrap();
        let zza = l.mrz_printed[0][2..5].contains("ZZA") || l.mrz_printed.iter().any(|x| x.contains("ZZA"));
        for c in v.failed() {
            // Only the unassigned ZZA code may fail, and only its code rules.
            assert!(zza && matches!(c.name, CheckName::Country | CheckName::Nationality), "{}: {:?} fails {}", l.file, l.mrz_printed, c.name);
        }
        assert_eq!(v.format().as_str(), l.format);
        let f = v.fields();
        long_numbers += (f.document_number.len() > 9) as usize;
        truncated += f.name_truncated as usize;
        models.insert(l.model.clone());
    }
    assert_eq!(models.len(), synth::MODELS.len(), "every model drawn: {models:?}");
    assert!(long_numbers > 0 && truncated > 0, "long numbers {long_numbers}, truncated names {truncated}");
}

#[test]
fn mrz_digit_fails_exactly_its_check() {
    let s = spec(12, 60, &[Kind::MrzDigit], &[CaptureKind::Clean], 72);
    let mut fields = std::collections::BTreeSet::new();
    for i in 0..s.count {
        let l = synth::render(&s, i).unwrap().label;
        let d = &l.detail;
        let (line, col) = (d["line"].as_u64().unwrap() as usize, d["col"].as_u64().unwrap() as usize);
        let (was, now) = (d["was"].as_str().unwrap(), d["now"].as_str().unwrap());
        assert_ne!(was, now);
        // Exactly one character differs, where the label says.
        let mut diffs = vec![];
        for (i, (a, b)) in l.mrz_true.iter().zip(&l.mrz_printed).enumerate() {
            for (j, (x, y)) in a.chars().zip(b.chars()).enumerate() {
                if x != y {
                    diffs.push((i, j, x.to_string(), y.to_string()));
                }
            }
        }
        assert_eq!(diffs, vec![(line, col, was.to_string(), now.to_string())], "{}", l.file);
        let pre: Vec<&str> = unassigned_code_failures(&l).iter().map(|c| c.as_str()).collect();
        let got: Vec<&str> = failed(&l.mrz_printed).into_iter().filter(|c| !pre.contains(c)).collect();
        let mut want: Vec<&str> = d["fails"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        want.sort();
        assert_eq!(got, want, "{}: {:?}", l.file, l.mrz_printed);
        let field = d["field"].as_str().unwrap();
        assert!(want.contains(&field));
        fields.insert(field.to_string());
    }
    assert!(fields.len() >= 3, "targets vary: {fields:?}");
}

#[test]
fn mrz_recomputed_is_valid_but_differs_from_the_viz() {
    let s = spec(13, 40, &[Kind::MrzRecomputed], &[CaptureKind::Clean], 72);
    for i in 0..s.count {
        let l = synth::render(&s, i).unwrap().label;
        assert_ne!(l.mrz_true, l.mrz_printed, "{}", l.file);
        let pre: Vec<&str> = unassigned_code_failures(&l).iter().map(|c| c.as_str()).collect();
        let got: Vec<&str> = failed(&l.mrz_printed).into_iter().filter(|c| !pre.contains(c)).collect();
        assert!(got.is_empty(), "{}: recomputed MRZ fails {got:?}", l.file);
        let t = validate_lines(&l.mrz_true, None).unwrap().fields();
        let p = validate_lines(&l.mrz_printed, None).unwrap().fields();
        let d = &l.detail;
        let (viz, mrz) = (d["viz"].as_str().unwrap(), d["mrz"].as_str().unwrap());
        let (tv, pv) = match d["field"].as_str().unwrap() {
            "birth_date" => (t.birth_date, p.birth_date),
            "expiry_date" => (t.expiry_date.unwrap(), p.expiry_date.unwrap()),
            "document_number" => (t.document_number, p.document_number),
            "nationality" => (t.nationality.unwrap(), p.nationality.unwrap()),
            "sex" => (t.sex, p.sex),
            other => panic!("unexpected field {other}"),
        };
        assert_eq!((tv.as_str(), pv.as_str()), (viz, mrz), "{}", l.file);
        // The visual zone still shows the true value.
        if d["field"] == "document_number" {
            assert_eq!(l.viz.document_number, viz);
        }
    }
}

#[test]
fn wrong_template_uses_another_issuers_layout_of_the_same_size() {
    let s = spec(14, 20, &[Kind::WrongTemplate], &[CaptureKind::Clean], 72);
    for i in 0..s.count {
        let smp = synth::render(&s, i).unwrap();
        let l = smp.label;
        let claimed = synth::model(&l.model).unwrap();
        let drawn = synth::model(l.detail["rendered_as"].as_str().unwrap()).unwrap();
        assert_ne!(claimed.issuer, drawn.issuer);
        assert_eq!(l.mrz_true, l.mrz_printed);
        assert!(l.mrz_printed[0].contains(claimed.issuer));
        // The image is the drawn layout's blank under the personal data.
        let blank = synth::blank_document(drawn.id, 72).unwrap();
        assert_eq!(blank.dimensions(), smp.image.dimensions());
    }
}

fn darkness(img: &RgbImage, x: f64, y: f64) -> f32 {
    if x < 0.0 || y < 0.0 || x >= img.width() as f64 || y >= img.height() as f64 {
        return 0.0;
    }
    let p = img.get_pixel(x as u32, y as u32);
    255.0 - (0.299 * p.0[0] as f32 + 0.587 * p.0[1] as f32 + 0.114 * p.0[2] as f32)
}

fn quad_point(q: &[[f64; 2]; 4], u: f64, v: f64) -> (f64, f64) {
    // Bilinear inside the quad (u along the top edge, v down).
    let top = (q[0][0] + (q[1][0] - q[0][0]) * u, q[0][1] + (q[1][1] - q[0][1]) * u);
    let bot = (q[3][0] + (q[2][0] - q[3][0]) * u, q[3][1] + (q[2][1] - q[3][1]) * u);
    (top.0 + (bot.0 - top.0) * v, top.1 + (bot.1 - top.1) * v)
}

#[test]
fn clean_mrz_quad_holds_all_mrz_ink() {
    // Genuine and every MRZ-moving forgery: the ink in the MRZ zone lies in
    // the labelled box, and every character cell of it has ink.
    let s = spec(15, 24, &[Kind::Genuine, Kind::MrzShift, Kind::MrzFont], &[CaptureKind::Clean], 150);
    for i in 0..s.count {
        let smp = synth::render(&s, i).unwrap();
        let l = &smp.label;
        let img = &smp.image;
        let ppm = 150.0 / 25.4;
        let q = l.mrz_quad;
        let (x0, y0, x1, y1) = (q[0][0], q[0][1], q[2][0], q[2][1]);
        let m = synth::model(&l.model).unwrap();
        let zone_top = (m.height_mm() - docscreen::geometry::MRZ_ZONE_HEIGHT_MM) * ppm;
        let (mut inside, mut outside) = (0usize, 0usize);
        for y in (zone_top as u32)..img.height() {
            for x in 0..img.width() {
                if darkness(img, x as f64 + 0.5, y as f64 + 0.5) > 150.0 {
                    let (xf, yf) = (x as f64 + 0.5, y as f64 + 0.5);
                    if xf >= x0 - 0.5 * ppm && xf <= x1 + 0.5 * ppm && yf >= y0 - 0.6 * ppm && yf <= y1 + 0.6 * ppm {
                        inside += 1;
                    } else {
                        outside += 1;
                    }
                }
            }
        }
        assert!(inside > 500 && outside * 200 < inside, "{} {}: ink inside {inside}, outside {outside}", l.file, l.kind);
        // Every character column of the box holds ink: the box's x extent
        // and pitch match the print.
        let n = l.mrz_printed[0].len();
        for c in 0..n {
            let mut ink = 0.0f32;
            for sx in 0..6 {
                let x = x0 + (x1 - x0) * (c as f64 + (sx as f64 + 0.5) / 6.0) / n as f64;
                let mut y = y0;
                while y < y1 {
                    ink = ink.max(darkness(img, x, y));
                    y += 0.5;
                }
            }
            assert!(ink > 120.0, "{} {}: no ink in column {c}", l.file, l.kind);
        }
    }
}

#[test]
fn quads_locate_the_document_and_mrz_in_scans_and_photos() {
    let s = spec(16, 16, &[Kind::Genuine], &[CaptureKind::Scan, CaptureKind::Photo], 120);
    let mut orientations = std::collections::BTreeSet::new();
    for i in 0..s.count {
        let smp = synth::render(&s, i).unwrap();
        let l = &smp.label;
        let img = &smp.image;
        assert_eq!(l.size, [img.width(), img.height()]);
        orientations.insert(l.orientation);
        // MRZ band: much darker on average than the same-size band above it
        // (inside the light MRZ zone).
        let q = l.mrz_quad;
        let (mut inside, mut above) = (vec![], vec![]);
        let k = 60;
        for a in 0..k {
            for b in 0..8 {
                let (u, v) = ((a as f64 + 0.5) / k as f64, (b as f64 + 0.5) / 8.0);
                let (x, y) = quad_point(&q, u, v);
                inside.push(darkness(img, x, y));
                // A thin band just above the box, still inside the light MRZ
                // zone (from 0.4 to 0.1 box heights above its top).
                let (x2, y2) = quad_point(&q, u, -0.4 + 0.3 * v);
                above.push(darkness(img, x2, y2));
            }
        }
        // Ink = clearly darker than the paper just above the MRZ (lighting
        // and blur make absolute levels meaningless).
        let mut sorted = above.clone();
        sorted.sort_by(f32::total_cmp);
        let paper = sorted[sorted.len() / 2];
        let ink = |v: &[f32]| v.iter().filter(|d| **d > paper + 45.0).count() as f64 / v.len() as f64;
        let (fi, fa) = (ink(&inside), ink(&above));
        assert!(fi > 0.08 && fa < 0.02, "{} ({} {}°): ink share in MRZ box {fi:.3}, above it {fa:.3}", l.file, l.capture, l.angle);
        // Document corners: the homography maps mm corners to doc_quad.
        let m = synth::model(&l.model).unwrap();
        let (cx, cy) = synth::apply_homography(&l.doc_to_image, m.width_mm(), m.height_mm());
        assert!((cx - l.doc_quad[2][0]).abs() < 0.02 && (cy - l.doc_quad[2][1]).abs() < 0.02);
        for c in l.doc_quad {
            assert!(c[0] >= -1.0 && c[1] >= -1.0 && c[0] <= img.width() as f64 + 1.0 && c[1] <= img.height() as f64 + 1.0, "{}: corner outside", l.file);
        }
    }
    assert!(orientations.contains(&0));
}

#[test]
fn forgery_labels_carry_their_zone() {
    let s = spec(17, 28, &Kind::FORGERIES, &[CaptureKind::Scan], 100);
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..s.count {
        let l = synth::render(&s, i).unwrap().label;
        assert!(!l.genuine);
        let z = l.detail["zone_mm"].as_array().unwrap_or_else(|| panic!("{} {} has no zone", l.file, l.kind));
        let m = synth::model(&l.model).unwrap();
        let (x, y, w, h) = (z[0].as_f64().unwrap(), z[1].as_f64().unwrap(), z[2].as_f64().unwrap(), z[3].as_f64().unwrap());
        assert!(w > 0.0 && h > 0.0 && x >= -2.0 && y >= -2.0 && x + w <= m.width_mm() + 2.0 && y + h <= m.height_mm() + 2.0, "{} {}: {z:?}", l.file, l.kind);
        assert_eq!(l.detail["zone_quad"].as_array().unwrap().len(), 4);
        kinds.insert(l.kind.clone());
    }
    assert_eq!(kinds.len(), 7, "{kinds:?}");
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let s = DatasetSpec { seed: 18, count: 6, dpi: vec![100], specimens: 1, models: vec!["uto-i-2021".into(), "zza-v-2020".into()], ..DatasetSpec::default() };
    let a = synth::render(&s, 3).unwrap();
    let b = synth::render(&s, 3).unwrap();
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.label, b.label);
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| synth::write_dataset(&one, &s)).unwrap();
    rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap().install(|| synth::write_dataset(&two, &s)).unwrap();
    let files = |d: &std::path::Path| {
        let mut v = vec![];
        for sub in ["images", "specimens/uto-i-2021", "specimens/zza-v-2020"] {
            for e in std::fs::read_dir(d.join(sub)).unwrap() {
                let p = e.unwrap().path();
                v.push((p.strip_prefix(d).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
        v.push(("labels.jsonl".into(), std::fs::read(d.join("labels.jsonl")).unwrap()));
        v.sort();
        v
    };
    let (fa, fb) = (files(&one), files(&two));
    assert_eq!(fa.len(), 6 + 2 + 1);
    assert!(fa == fb, "outputs differ between 1 and 3 threads");
    let other = synth::render(&DatasetSpec { seed: 19, ..s.clone() }, 3).unwrap();
    assert_ne!(other.bytes, a.bytes);
}

#[test]
fn labels_follow_the_shared_schema() {
    let s = spec(20, 2, &[], &[], 100);
    let l = synth::render(&s, 0).unwrap().label;
    let text = serde_json::to_string(&l).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The shared keys come first, in the shared order.
    let pos: Vec<usize> = ["file", "model", "format", "kind", "genuine", "mrz_true", "mrz_printed", "dpi", "capture", "detail", "angle"]
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} missing")))
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with("{\"file\":"));
    if let Some(shared) = common::shared_data() {
        let first = std::fs::read_to_string(shared.join("samples/labels.jsonl")).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        for k in theirs.as_object().unwrap().keys() {
            assert!(v.get(k).is_some(), "shared key {k} missing");
        }
    }
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let bad_model = DatasetSpec { models: vec!["nope".into()], ..DatasetSpec::default() };
    assert!(synth::render(&bad_model, 0).is_err());
    let bad_dpi = DatasetSpec { dpi: vec![5000], ..DatasetSpec::default() };
    assert!(synth::render(&bad_dpi, 0).is_err());
    let no_dpi = DatasetSpec { dpi: vec![], ..DatasetSpec::default() };
    assert!(synth::render(&no_dpi, 0).is_err());
    assert!(synth::genuine_document("nope", 300, 1).is_err());
    assert!(synth::genuine_document("uto-p-2024", 0, 1).is_err());
    assert!("fake".parse::<Kind>().is_err());
    assert!("fax".parse::<CaptureKind>().is_err());
}

#[test]
fn genuine_document_helper_gives_the_icao_geometry() {
    let d = synth::genuine_document("uto-p-2024", 200, 5).unwrap();
    let ppm: f64 = 200.0 / 25.4;
    assert_eq!(d.image.width(), (125.0 * ppm).round() as u32);
    assert!((d.mrz_box_mm.x - 6.0).abs() < 1e-9, "first character at 6.0 mm");
    assert!((d.mrz_box_mm.w - 44.0 * 2.54).abs() < 1e-9);
    let v = validate_lines(&d.mrz, None).unwrap();
    assert!(v.is_valid());
    let other = synth::genuine_document("uto-p-2024", 200, 6).unwrap();
    assert_ne!(d.mrz, other.mrz, "different seeds, different people");
    assert!(d.zones.iter().any(|z| z.kind == "portrait") && d.zones.iter().any(|z| z.name == "mrz"));
}

#[test]
fn cli_writes_a_set_and_rejects_bad_flags() {
    let exe = env!("CARGO_BIN_EXE_docscreen");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set");
    let st = std::process::Command::new(exe)
        .args(["synth", "--out", out.to_str().unwrap(), "--seed", "3", "--count", "3", "--dpi", "100", "--specimens", "1", "--models", "uto-v-2022"])
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    let labels = std::fs::read_to_string(out.join("labels.jsonl")).unwrap();
    assert_eq!(labels.lines().count(), 3);
    assert!(out.join("specimens/uto-v-2022/uto-v-2022-specimen-0.png").is_file());
    for args in [vec!["--kinds", "bogus"], vec!["--dpi", "0"], vec!["--models", "xx"], vec!["--capture", "fax"]] {
        let st = std::process::Command::new(exe).args(["synth", "--out", out.to_str().unwrap(), "--count", "1"]).args(&args).output().unwrap();
        assert_eq!(st.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&st.stderr));
    }
}
