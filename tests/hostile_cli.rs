//! Hostile input through the CLI: `docscreen screen` gives exit status 2
//! and, for each input it could not process, a JSON line with `error` and
//! `error_kind`; inputs that decode get a verdict. Broken templates are
//! refused before any input is read (exit status 1, the reason on stderr).

#[path = "common/hostile.rs"]
mod hostile;

use hostile::*;
use image::ImageFormat;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn screen(args: &[&std::ffi::OsStr], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docscreen"));
    cmd.arg("screen").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("docscreen runs");
    if let Some(bytes) = stdin {
        use std::io::Write;
        // The CLI may stop reading at the limit: a broken pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(bytes);
    }
    child.wait_with_output().expect("docscreen finishes")
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect()
}

fn os(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

/// The error line for `file`: its kind and message.
fn error_of<'a>(v: &'a [Value], file: &str) -> (&'a str, &'a str) {
    let line = v.iter().find(|l| l["file"].as_str().is_some_and(|f| f.ends_with(file))).unwrap_or_else(|| panic!("no line for {file}: {v:?}"));
    assert!(line.get("verdict").is_none(), "{line}");
    (line["error_kind"].as_str().unwrap_or_else(|| panic!("{line}")), line["error"].as_str().unwrap())
}

#[test]
fn each_bad_input_gets_an_error_line_and_exit_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let jpg = encode(&gradient(200, 120), ImageFormat::Jpeg);
    let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let png = encode(&gradient(200, 120), ImageFormat::Png);
    let tif = encode(&gradient(200, 120), ImageFormat::Tiff);
    let webp = encode(&gradient(200, 120), ImageFormat::WebP);
    std::fs::write(d.join("a-empty.jpg"), b"").unwrap();
    std::fs::write(d.join("b-bomb.png"), png_bomb(100_000, 100_000)).unwrap();
    std::fs::write(d.join("c-cut-scan.jpg"), &jpg[..sos + (jpg.len() - sos) / 2]).unwrap();
    std::fs::write(d.join("d-cut.png"), &png[..png.len() / 2]).unwrap();
    std::fs::write(d.join("e-cut.tif"), &tif[..tif.len() / 2]).unwrap();
    std::fs::write(d.join("f-cut.webp"), &webp[..webp.len() / 2]).unwrap();
    std::fs::write(d.join("g-garbage.png"), b"\x89PNG but not really".repeat(10)).unwrap();
    std::fs::File::create(d.join("h-huge.jpg")).unwrap().set_len(2 << 30).unwrap();
    std::fs::write(d.join("i-wide.png"), encode(&gradient(30_000, 10), ImageFormat::Png)).unwrap();
    std::fs::write(d.join("j-white.png"), encode(&flat(400, 300, 255), ImageFormat::Png)).unwrap();
    std::fs::write(d.join("k-black.jpg"), encode(&flat(400, 300, 0), ImageFormat::Jpeg)).unwrap();
    std::fs::write(d.join("l-one.png"), encode(&flat(1, 1, 0), ImageFormat::Png)).unwrap();
    let missing = d.join("sub/missing.png");

    let o = screen(&[os(Path::new("--json")), os(d), os(&missing)], None);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json_lines(&o);
    assert_eq!(v.len(), 13, "one line per input, in order: {v:?}");
    let expected = [
        ("a-empty.jpg", "invalid_argument", "empty"),
        ("b-bomb.png", "limits", "100000×100000"),
        ("c-cut-scan.jpg", "image", "truncated JPEG"),
        ("d-cut.png", "image", ""),
        ("e-cut.tif", "image", ""),
        ("f-cut.webp", "image", ""),
        ("g-garbage.png", "image", ""),
        ("h-huge.jpg", "limits", "2147483648 bytes"),
        ("i-wide.png", "limits", "30000×10"),
        ("missing.png", "io", "missing.png"),
    ];
    for (file, kind, words) in expected {
        let (k, m) = error_of(&v, file);
        assert_eq!(k, kind, "{file}: {m}");
        assert!(m.contains(words), "{file}: {m:?} does not mention {words:?}");
    }
    // Images that decode are screened: capture problems are inconclusive.
    for file in ["j-white.png", "k-black.jpg", "l-one.png"] {
        let line = v.iter().find(|l| l["file"].as_str().unwrap().ends_with(file)).unwrap();
        assert_eq!(line["verdict"], "inconclusive", "{line}");
        assert!(line.get("error").is_none());
        assert!(line["findings"].as_array().unwrap().iter().any(|f| f["code"] == "mrz_unreadable"), "{line}");
    }
    assert!(v.last().unwrap()["file"].as_str().unwrap().ends_with("missing.png"), "inputs keep their order");

    // The table output says ERROR with the message.
    let o = screen(&[os(&d.join("b-bomb.png")), os(&d.join("j-white.png"))], None);
    assert_eq!(o.status.code(), Some(2));
    let text = String::from_utf8_lossy(&o.stdout);
    let bomb = text.lines().find(|l| l.contains("b-bomb.png")).expect("a row for the bomb");
    assert!(bomb.contains("ERROR") && bomb.contains("limits exceeded: image is 100000×100000 pixels"), "{text}");
    let white = text.lines().find(|l| l.contains("j-white.png")).expect("a row for the white image");
    assert!(white.contains("inconclusive"), "{text}");

    // Only good inputs: exit status 0.
    let o = screen(&[os(Path::new("--json")), os(&d.join("j-white.png")), os(&d.join("l-one.png"))], None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json_lines(&o).len(), 2);
}

#[test]
fn stdin_bomb_and_empty_stdin() {
    let o = screen(&[std::ffi::OsStr::new("--json"), std::ffi::OsStr::new("-")], Some(&png_bomb(100_000, 100_000)));
    assert_eq!(o.status.code(), Some(2));
    let v = json_lines(&o);
    assert_eq!(error_of(&v, "-").0, "limits");
    let o = screen(&[std::ffi::OsStr::new("--json"), std::ffi::OsStr::new("-")], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(error_of(&json_lines(&o), "-").0, "invalid_argument");
}

#[test]
fn broken_templates_are_refused_before_screening() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let reference = encode(&gradient(750, 528), ImageFormat::Png);
    let mask = encode(&flat(750, 528, 0), ImageFormat::Png);
    std::fs::write(d.join("r.png"), &reference).unwrap();
    std::fs::write(d.join("m.png"), &mask).unwrap();
    let good = format!(
        "format_version = 1\nid = \"uto-cli\"\nissuer = \"UTO\"\nformat = \"TD3\"\nwidth_mm = 125.0\nheight_mm = 88.0\n\
         [[zones]]\nname = \"emblem\"\nkind = \"static\"\nrect = {{ x = 10.0, y = 10.0, w = 20.0, h = 15.0 }}\n\
         [reference]\nimage = \"r.png\"\nsha256 = \"{}\"\npx_per_mm = 6.0\nmask = \"m.png\"\nmask_sha256 = \"{}\"\n",
        docscreen::screen::hex_sha256(&reference),
        docscreen::screen::hex_sha256(&mask)
    );
    let image = d.join("white.png");
    std::fs::write(&image, encode(&flat(400, 300, 255), ImageFormat::Png)).unwrap();
    let t = d.join("t.toml");
    std::fs::write(&t, &good).unwrap();
    let o = screen(&[os(Path::new("--templates")), os(&t), os(Path::new("--json")), os(&image)], None);
    assert_eq!(o.status.code(), Some(0), "the valid template loads: {}", String::from_utf8_lossy(&o.stderr));

    let cases = [
        ("digest", docscreen::screen::hex_sha256(&reference)[..12].to_string(), "000000000000".to_string(), "reference data r.png has SHA-256"),
        ("missing field", "issuer = \"UTO\"\n".into(), String::new(), "issuer"),
        ("wrong type", "width_mm = 125.0".into(), "width_mm = \"wide\"".into(), "width_mm"),
        ("negative zone", "x = 10.0".into(), "x = -40.0".into(), "emblem"),
        ("zone outside the page", "w = 20.0".into(), "w = 200.0".into(), "emblem"),
        ("version", "format_version = 1".into(), "format_version = 7".into(), "format_version 7 is not supported"),
    ];
    for (what, from, to, words) in cases {
        std::fs::write(&t, good.replacen(&from, &to, 1)).unwrap();
        let o = screen(&[os(Path::new("--templates")), os(&t), os(Path::new("--json")), os(&image)], None);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(o.stdout.is_empty(), "{what}: nothing is screened");
        assert!(err.contains("template error") && err.contains("t.toml") && err.contains(words), "{what}: {err}");
    }
}
