//! `docscreen screen`, run as a program: JSON Lines shape, input order under
//! parallel jobs, directories, stdin, a corrupt file inside a batch, the
//! table, annotated images and exit codes (0 processed, 1 usage, 2 an input
//! could not be processed). Fixtures are the small committed gallery images
//! (`examples/data/synth`, 130 dpi) so that the debug build stays quick.

mod cli_support;

use cli_support::*;
use docscreen::screen::hex_sha256;
use serde_json::Value;

const SCREEN_KEYS: [&str; 6] = ["file", "verdict", "mrz", "template", "findings", "image_sha256"];

fn assert_report_shape(v: &Value) {
    for k in SCREEN_KEYS {
        assert!(v.get(k).is_some(), "key {k} missing from {v}");
    }
    assert!(v.get("error").is_none(), "unexpected error: {v}");
    assert!(["pass", "fail", "inconclusive"].contains(&v["verdict"].as_str().unwrap()), "{v}");
    assert!(v["mrz"].is_null() || v["mrz"]["lines"].is_array());
    assert!(v["template"].is_null() || (v["template"]["id"].is_string() && v["template"]["digest"].is_string()));
    for f in v["findings"].as_array().unwrap() {
        for k in ["code", "severity", "message"] {
            assert!(f[k].is_string(), "finding without {k}: {f}");
        }
    }
}

#[test]
fn json_lines_keep_input_order_under_two_jobs() {
    // Deliberately not in name order; the slow and quick images interleave.
    let names = ["zone_tamper.jpg", "mrz_digit.jpg", "genuine-uto-i-2021.jpg", "mrz_shift.jpg", "capture-scan.jpg"];
    let paths: Vec<_> = names.iter().map(|n| sample(n)).collect();
    let mut args = vec!["screen", "--json", "--jobs", "2", "--quiet"];
    args.extend(paths.iter().map(|p| s(p)));
    let o = run(&args, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "--quiet prints nothing on stderr");
    let lines = json_lines(&o);
    assert_eq!(lines.len(), names.len());
    for (v, p) in lines.iter().zip(&paths) {
        assert_report_shape(v);
        assert_eq!(v["file"], s(p));
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(v["image_sha256"], hex_sha256(&bytes), "digest of the file's bytes");
    }
    // Specific outcomes on these images (built-in ICAO templates only).
    assert_eq!(lines[1]["verdict"], "fail");
    assert!(codes(&lines[1]).contains(&"mrz_check_digit".to_string()), "{:?}", codes(&lines[1]));
    assert_eq!(lines[1]["mrz"]["valid"], false);
    assert_eq!(lines[2]["verdict"], "pass");
    assert_eq!(lines[2]["mrz"]["format"], "TD1");
    assert_eq!(lines[2]["template"]["id"], "icao-td1");
    assert!(codes(&lines[3]).contains(&"mrz_geometry".to_string()), "{:?}", codes(&lines[3]));
    // The file key comes first, as documented.
    assert!(stdout(&o).lines().all(|l| l.starts_with("{\"file\":")));
}

#[test]
fn same_reports_with_one_job_and_two() {
    let p = [sample("mrz_digit.jpg"), sample("genuine-uto-r-2020.jpg"), sample("mrz_shift.jpg")];
    let strip = |o: &std::process::Output| -> Vec<Value> {
        json_lines(o)
            .into_iter()
            .map(|mut v| {
                v.as_object_mut().unwrap().remove("timings");
                v
            })
            .collect()
    };
    let one = run(&["screen", "--json", "-q", "-j", "1", s(&p[0]), s(&p[1]), s(&p[2])], None);
    let two = run(&["screen", "--json", "-q", "-j", "2", s(&p[0]), s(&p[1]), s(&p[2])], None);
    assert_eq!(code(&one), 0);
    assert_eq!(strip(&one), strip(&two), "reports do not depend on the job count");
}

#[test]
fn corrupt_file_inside_a_directory_gets_an_error_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(sample("genuine-uto-i-2021.jpg")).unwrap();
    std::fs::write(dir.path().join("a.jpg"), &good).unwrap();
    // A JPEG cut short: the header parses, the data does not.
    std::fs::write(dir.path().join("b-corrupt.jpg"), &good[..400]).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(sample("mrz_digit.jpg"), dir.path().join("sub/c.jpg")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not an image, not an input").unwrap();

    let o = run(&["screen", "--json", "--jobs", "2", s(dir.path())], None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let lines = json_lines(&o);
    let files: Vec<&str> = lines.iter().map(|v| v["file"].as_str().unwrap()).collect();
    let expect: Vec<String> = ["a.jpg", "b-corrupt.jpg", "sub/c.jpg"].iter().map(|f| dir.path().join(f).display().to_string()).collect();
    assert_eq!(files, expect, "sorted, recursive, images only");
    assert_report_shape(&lines[0]);
    assert_eq!(lines[0]["verdict"], "pass");
    let err = lines[1]["error"].as_str().expect("error key");
    assert!(!err.is_empty());
    assert!(lines[1].get("verdict").is_none());
    assert_report_shape(&lines[2]);
    assert_eq!(lines[2]["verdict"], "fail");
    // The summary counts the error.
    assert!(stderr(&o).contains("1 pass, 1 fail, 0 inconclusive, 1 error"), "{}", stderr(&o));

    // The table says the same, with exit 2 too.
    let t = run(&["screen", "-q", s(dir.path())], None);
    assert_eq!(code(&t), 2);
    let row = stdout(&t).lines().find(|l| l.contains("b-corrupt.jpg")).unwrap().to_string();
    assert!(row.contains("ERROR"), "{row}");
}

#[test]
fn missing_file_is_an_input_error_not_a_usage_error() {
    let o = run(&["screen", "--json", "-q", "does/not/exist.jpg", s(&sample("genuine-uto-i-2021.jpg"))], None);
    assert_eq!(code(&o), 2);
    let lines = json_lines(&o);
    assert_eq!(lines[0]["file"], "does/not/exist.jpg");
    assert!(lines[0]["error"].as_str().unwrap().contains("does/not/exist.jpg"), "{}", lines[0]);
    assert_eq!(lines[1]["verdict"], "pass");
}

#[test]
fn stdin_input() {
    let bytes = std::fs::read(sample("mrz_digit.jpg")).unwrap();
    let o = run(&["screen", "--json", "-"], Some(&bytes));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    assert_report_shape(&lines[0]);
    assert_eq!(lines[0]["file"], "-");
    assert_eq!(lines[0]["image_sha256"], hex_sha256(&bytes));
    assert_eq!(lines[0]["verdict"], "fail");

    // Empty stdin is an input that cannot be processed.
    let e = run(&["screen", "--json", "-"], Some(b""));
    assert_eq!(code(&e), 2);
    assert!(json_lines(&e)[0]["error"].is_string());
}

#[test]
fn usage_errors_exit_1() {
    let img = sample("genuine-uto-i-2021.jpg");
    let dir = tempfile::tempdir().unwrap();
    let bad_template = dir.path().join("bad.toml");
    std::fs::write(&bad_template, "id = 3\n").unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["screen"],
        vec!["screen", "--jobs", "0", s(&img)],
        vec!["screen", "--jobs", "many", s(&img)],
        vec!["screen", "--no-such-flag", s(&img)],
        vec!["screen", "--templates", "no/such/dir", s(&img)],
        vec!["screen", "--templates", s(&bad_template), s(&img)],
        vec!["screen", "-", "-"],
        vec!["screen", s(&empty)],
        vec!["no-such-command"],
    ];
    for args in cases {
        let o = run(&args, Some(b""));
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        assert!(!stderr(&o).is_empty(), "{args:?} says why");
    }
}

#[test]
fn table_summary_and_no_colour_when_piped() {
    let o = run(&["screen", s(&sample("mrz_digit.jpg")), s(&sample("genuine-uto-i-2021.jpg"))], None);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "no colour codes into a pipe");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("FILE") && lines[0].contains("VERDICT") && lines[0].contains("TEMPLATE"), "{}", lines[0]);
    assert!(lines[1].contains("mrz_digit.jpg") && lines[1].contains(" fail "), "{}", lines[1]);
    assert!(lines[1].contains("TD3 P UTO"), "document column: {}", lines[1]);
    assert!(lines[2].starts_with("    fail") && lines[2].contains("mrz_check_digit"), "finding underneath: {}", lines[2]);
    let genuine = lines.iter().find(|l| l.contains("genuine-uto-i-2021.jpg")).unwrap();
    assert!(genuine.contains(" pass ") && genuine.contains("icao-td1"), "{genuine}");
    let err = stderr(&o);
    assert!(err.starts_with("docscreen screen: 2 images in "), "{err}");
    assert!(err.contains("images/s") && err.contains("1 pass, 1 fail, 0 inconclusive, 0 errors") && err.contains("mrz_check_digit 2"), "{err}");
}

#[test]
fn annotate_writes_one_png_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annotated");
    // Two inputs with the same stem get distinct names.
    std::fs::create_dir(dir.path().join("other")).unwrap();
    let copy = dir.path().join("other/mrz_digit.jpg");
    std::fs::copy(sample("genuine-uto-i-2021.jpg"), &copy).unwrap();
    let a = sample("mrz_digit.jpg");
    let o = run(&["screen", "--json", "-q", "--annotate", s(&out), s(&a), s(&copy)], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = json_lines(&o);
    let expect = [out.join("mrz_digit.annotated.png"), out.join("mrz_digit-2.annotated.png")];
    for (v, (png, src)) in lines.iter().zip(expect.iter().zip([&a, &copy])) {
        assert_eq!(v["annotation"], s(png));
        let img = image::open(png).expect("a readable PNG").to_rgb8();
        let (w, h) = image::image_dimensions(src).unwrap();
        assert_eq!(img.width(), w, "gallery images are below the size limit: not scaled");
        assert!(img.height() > h, "a banner above the image");
        // The banner is in the verdict's colour: red for fail, green for pass.
        let px = img.get_pixel(img.width() - 2, 2).0;
        if v["verdict"] == "fail" {
            assert!(px[0] > 200 && px[1] < 80, "{px:?}");
        } else {
            assert!(px[1] > 150 && px[0] < 50, "{px:?}");
        }
    }
    assert_eq!(lines[0]["verdict"], "fail");
    assert_eq!(lines[1]["verdict"], "pass");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
}

/// The README's first command: the bundled images with the bundled
/// templates (`examples/templates`, enrolled by
/// `scripts/make_example_templates.sh`). Each document is matched to its own
/// model's template, and the forgeries that the checks are built for are
/// caught by the check named.
#[test]
fn readme_command_screens_the_bundled_examples() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .current_dir(root)
        .args(["screen", "--json", "--templates", "examples/templates", "examples/data/synth"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 18, "every bundled image, one line each");
    let by_name = |n: &str| -> &Value {
        lines.iter().find(|v| v["file"] == format!("examples/data/synth/{n}")).unwrap_or_else(|| panic!("{n} screened"))
    };
    for v in &lines {
        assert_report_shape(v);
    }
    // Genuine documents are matched to their own model's template.
    for m in ["uto-i-2021", "uto-p-2024", "uto-r-2020", "uto-v-2022", "uto-va-2023", "zza-i-2018", "zza-p-2019", "zza-v-2020", "zza-va-2021"] {
        let v = by_name(&format!("genuine-{m}.jpg"));
        assert_eq!(v["template"]["id"], m, "{v}");
        assert!(!codes(v).contains(&"template_mismatch".to_string()), "{v}");
    }
    for m in ["uto-i-2021", "uto-p-2024", "uto-r-2020", "uto-v-2022"] {
        assert_eq!(by_name(&format!("genuine-{m}.jpg"))["verdict"], "pass", "{m}");
    }
    // Forgeries, each caught by its own check.
    for (file, code) in [("mrz_digit.jpg", "mrz_check_digit"), ("mrz_shift.jpg", "mrz_geometry"), ("wrong_template.jpg", "template_mismatch"), ("zone_tamper.jpg", "zone_mismatch")] {
        let v = by_name(file);
        assert_eq!(v["verdict"], "fail", "{file}: {v}");
        assert!(codes(v).contains(&code.to_string()), "{file}: {:?}", codes(v));
    }
    // The bundled templates load with their digests verified, as listed.
    let l = run(&["templates", "list", "--json", "-t", s(&root.join("examples/templates"))], None);
    assert_eq!(code(&l), 0, "{}", stderr(&l));
    assert_eq!(json_lines(&l).iter().filter(|v| v["builtin"] == false).count(), 9);
}
