//! `docscreen read`, run as a program: JSON lines, directory walking, the
//! not-found case, undecodable inputs and exit codes.

use docscreen::mrz::Format;
use docscreen::read::testkit::{Rng, Scene, random_mrz_of, render};
use serde_json::Value;
use std::process::{Command, Output, Stdio};

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docscreen"))
        .arg("read")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("docscreen runs")
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect()
}

#[test]
fn json_lines_for_a_folder_with_an_mrz_a_blank_page_and_a_broken_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("scans");
    std::fs::create_dir(&sub).expect("subdir");
    let lines = random_mrz_of(&mut Rng::new(77), Format::Td2);
    let mut s = Scene::new(Format::Td2, lines.clone());
    s.mrz_only = true;
    s.px_per_mm = 7.0;
    render(&s).image.save(sub.join("a.png")).expect("write a.png");
    image::GrayImage::from_pixel(300, 200, image::Luma([240])).save(sub.join("b.png")).expect("write b.png");
    std::fs::write(sub.join("c.jpg"), b"not a jpeg").expect("write c.jpg");
    std::fs::write(sub.join("notes.txt"), b"ignored: not an image extension").expect("write notes");

    let o = run(&[std::ffi::OsStr::new("--json"), dir.path().as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "an undecodable input makes the exit status 2");
    let v = json_lines(&o);
    assert_eq!(v.len(), 3, "one line per image file, in sorted order: {v:?}");
    assert!(v[0]["file"].as_str().unwrap().ends_with("a.png"));
    assert_eq!(v[0]["found"], true);
    assert_eq!(v[0]["format"], "TD2");
    assert_eq!(v[0]["valid"], true);
    assert_eq!(v[0]["lines"], serde_json::json!(lines));
    assert_eq!(v[0]["confidence"].as_array().map(Vec::len), Some(2));
    assert_eq!(v[1]["found"], false);
    assert_eq!(v[1]["format"], Value::Null);
    assert_eq!(v[1]["valid"], false);
    assert!(v[2]["error"].is_string() && v[2].get("found").is_none());

    // Without the broken file: status 0, and the table output.
    let o = run(&[sub.join("a.png").as_os_str(), sub.join("b.png").as_os_str()]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&lines[1]) && text.contains("NOT FOUND"), "{text}");
}

#[test]
fn usage_errors_exit_1() {
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(&[std::ffi::OsStr::new("--no-such-flag"), std::ffi::OsStr::new("x.png")]);
    assert_eq!(o.status.code(), Some(1));
}
