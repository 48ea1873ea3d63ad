//! Hostile template files: missing fields, wrong types, absurd zones,
//! unknown versions, reference data that fails its digest or is not what it
//! claims. Each is refused with a `Template` error that says what is wrong
//! (or `Io`/`Limits`/`InvalidArgument` for the file itself).

#[path = "common/hostile.rs"]
mod hostile;

use docscreen::Error;
use docscreen::screen::{Screener, hex_sha256};
use docscreen::template::Template;
use image::ImageFormat;
use std::path::{Path, PathBuf};

/// A valid issuer template with reference data (750 × 528 px = 125 × 88 mm
/// at 6 px/mm), written into a fresh directory.
struct Fixture {
    dir: tempfile::TempDir,
    reference: Vec<u8>,
    mask: Vec<u8>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let reference = hostile::encode(&hostile::gradient(750, 528), ImageFormat::Png);
        let mask = hostile::encode(&hostile::flat(750, 528, 0), ImageFormat::Png);
        std::fs::write(dir.path().join("t.ref.png"), &reference).unwrap();
        std::fs::write(dir.path().join("t.mask.png"), &mask).unwrap();
        Fixture { dir, reference, mask }
    }

    fn toml(&self) -> String {
        format!(
            r#"format_version = 1
id = "uto-p-hostile"
issuer = "UTO"
document_codes = ["P"]
format = "TD3"
width_mm = 125.0
height_mm = 88.0

[[zones]]
name = "emblem"
kind = "static"
rect = {{ x = 10.0, y = 10.0, w = 20.0, h = 15.0 }}
thresholds = [0.5]

[reference]
image = "t.ref.png"
sha256 = "{}"
px_per_mm = 6.0
mask = "t.mask.png"
mask_sha256 = "{}"
"#,
            hex_sha256(&self.reference),
            hex_sha256(&self.mask)
        )
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Loads `text` as a template file; the error message.
    fn refuse(&self, text: &str) -> String {
        match Template::load(&self.write("t.toml", text)) {
            Err(Error::Template(m)) => m,
            other => panic!("expected a template error, got {other:?}\nfor:\n{text}"),
        }
    }

    /// The valid file with `from` replaced by `to`.
    fn edited(&self, from: &str, to: &str) -> String {
        let t = self.toml();
        assert!(t.contains(from), "{from:?} not in the fixture");
        t.replacen(from, to, 1)
    }
}

fn assert_mentions(msg: &str, words: &[&str]) {
    for w in words {
        assert!(msg.contains(w), "{msg:?} does not mention {w:?}");
    }
}

#[test]
fn the_fixture_loads_and_records_its_digest() {
    let f = Fixture::new();
    let t = Template::load(&f.write("t.toml", &f.toml())).unwrap();
    assert_eq!(t.id(), "uto-p-hostile");
    assert_eq!(t.reference.as_ref().unwrap().dimensions(), (750, 528));
    assert_eq!(t.digest.len(), 64);
    Screener::builder().template(t).build().unwrap();
}

#[test]
fn reference_data_failing_its_digest_is_refused() {
    let f = Fixture::new();
    let p = f.write("t.toml", &f.toml());
    // Another valid PNG of the right size in place of the reference.
    let swapped = hostile::encode(&hostile::flat(750, 528, 77), ImageFormat::Png);
    std::fs::write(f.dir.path().join("t.ref.png"), &swapped).unwrap();
    let m = match Template::load(&p) {
        Err(Error::Template(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_mentions(&m, &["t.toml", "reference data t.ref.png has SHA-256", &hex_sha256(&swapped), &hex_sha256(&f.reference)]);
    // One flipped byte in the mask.
    std::fs::write(f.dir.path().join("t.ref.png"), &f.reference).unwrap();
    std::fs::write(f.dir.path().join("t.mask.png"), hostile::flip(&f.mask, 40)).unwrap();
    assert!(matches!(Template::load(&p), Err(Error::Template(m)) if m.contains("t.mask.png has SHA-256")));
    // A digest that is not hex at all.
    std::fs::write(f.dir.path().join("t.mask.png"), &f.mask).unwrap();
    let m = f.refuse(&f.edited(&hex_sha256(&f.reference), "not-a-digest"));
    assert_mentions(&m, &["the template records not-a-digest"]);
}

#[test]
fn missing_or_escaping_reference_files() {
    let f = Fixture::new();
    std::fs::remove_file(f.dir.path().join("t.mask.png")).unwrap();
    let r = Template::load(&f.write("t.toml", &f.toml()));
    assert!(matches!(r, Err(Error::Io { ref path, .. }) if path.ends_with("t.mask.png")), "{r:?}");
    for path in ["../t.ref.png", "/etc/passwd", "sub/../../t.ref.png"] {
        let m = f.refuse(&f.edited("image = \"t.ref.png\"", &format!("image = \"{path}\"")));
        assert_mentions(&m, &["must be a plain relative path"]);
    }
    // A directory where the reference should be.
    std::fs::create_dir(f.dir.path().join("dir.png")).unwrap();
    let r = Template::load(&f.write("t.toml", &f.edited("image = \"t.ref.png\"", "image = \"dir.png\"")));
    assert!(matches!(r, Err(Error::InvalidArgument(ref m)) if m.contains("not a regular file")), "{r:?}");
}

#[test]
fn reference_data_that_is_not_a_fitting_image() {
    let f = Fixture::new();
    // Right digest, wrong content: each is refused after the digest check.
    let cases: [(&str, Vec<u8>, &[&str]); 4] = [
        ("garbage", b"this is not a PNG".to_vec(), &["reference data", "cannot decode"]),
        ("small", hostile::encode(&hostile::gradient(100, 70), ImageFormat::Png), &["needs 750×528"]),
        ("bomb", hostile::png_bomb(100_000, 100_000), &["reference data", "limits exceeded"]),
        ("empty", Vec::new(), &["reference data", "empty"]),
    ];
    for (name, bytes, words) in cases {
        std::fs::write(f.dir.path().join(format!("{name}.png")), &bytes).unwrap();
        let text = f
            .edited("image = \"t.ref.png\"", &format!("image = \"{name}.png\""))
            .replace(&hex_sha256(&f.reference), &hex_sha256(&bytes));
        let m = f.refuse(&text);
        assert_mentions(&m, words);
    }
}

#[test]
fn missing_fields_are_named() {
    let f = Fixture::new();
    for field in ["format_version = 1\n", "id = \"uto-p-hostile\"\n", "issuer = \"UTO\"\n", "format = \"TD3\"\n", "width_mm = 125.0\n", "height_mm = 88.0\n"] {
        let name = field.split(' ').next().unwrap();
        let m = f.refuse(&f.edited(field, ""));
        assert_mentions(&m, &["t.toml", &format!("missing field `{name}`")]);
    }
    for field in ["name = \"emblem\"\n", "kind = \"static\"\n", "rect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }\n"] {
        let name = field.split(' ').next().unwrap();
        let m = f.refuse(&f.edited(field, ""));
        assert_mentions(&m, &[&format!("missing field `{name}`")]);
    }
    let m = f.refuse(&f.edited("mask_sha256 = ", "# "));
    assert_mentions(&m, &["missing field `mask_sha256`"]);
    let m = f.refuse(&f.edited("w = 20.0, ", ""));
    assert_mentions(&m, &["missing field `w`"]);
    // An empty file lacks everything.
    assert_mentions(&f.refuse(""), &["missing field"]);
}

#[test]
fn wrong_types_are_refused() {
    let f = Fixture::new();
    let cases = [
        ("id = \"uto-p-hostile\"", "id = 5"),
        ("width_mm = 125.0", "width_mm = \"wide\""),
        ("format = \"TD3\"", "format = \"TD9\""),
        ("format = \"TD3\"", "format = 3"),
        ("document_codes = [\"P\"]", "document_codes = \"P\""),
        ("kind = \"static\"", "kind = \"hologram\""),
        ("rect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }", "rect = \"10,10,20,15\""),
        ("rect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }", "rect = [10.0, 10.0, 20.0]"),
        ("rect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }", "rect = { x = 10.0, y = 10.0, w = \"20\", h = 15.0 }"),
        ("thresholds = [0.5]", "thresholds = [\"high\"]"),
        ("px_per_mm = 6.0", "px_per_mm = true"),
        ("format_version = 1", "format_version = \"1\""),
        ("format_version = 1", "format_version = 1.5"),
        ("[[zones]]", "zones = 7\n[[zones]]"),
    ];
    for (from, to) in cases {
        let m = f.refuse(&f.edited(from, to));
        assert!(m.starts_with(&f.dir.path().join("t.toml").display().to_string()), "{m}");
        // The message quotes the offending line, so it names the key.
        let key = to.split(" =").next().unwrap();
        let quoted = m.split_once(": line ").and_then(|(_, r)| r.split_once("): ")).map(|(l, _)| l);
        assert!(quoted.is_some_and(|l| l.contains(key)), "{m}");
    }
    // Unknown keys are mistakes, not extensions.
    assert_mentions(&f.refuse(&f.edited("issuer = ", "isuer = \"UTO\"\nissuer = ")), &["unknown field `isuer`"]);
    assert_mentions(&f.refuse(&f.edited("kind = ", "colour = \"red\"\nkind = ")), &["unknown field `colour`"]);
}

#[test]
fn unknown_versions_are_refused() {
    let f = Fixture::new();
    for v in ["0", "2", "99", "4294967295"] {
        let m = f.refuse(&f.edited("format_version = 1", &format!("format_version = {v}")));
        assert_mentions(&m, &[&format!("format_version {v} is not supported (this library reads 1)")]);
    }
    // Out of range for the field's type.
    for v in ["-1", "4294967296", "99999999999999999999"] {
        f.refuse(&f.edited("format_version = 1", &format!("format_version = {v}")));
    }
}

#[test]
fn absurd_zones_and_values_are_refused() {
    let f = Fixture::new();
    let rect = "rect = { x = 10.0, y = 10.0, w = 20.0, h = 15.0 }";
    for r in [
        "{ x = -10.0, y = 10.0, w = 20.0, h = 15.0 }",
        "{ x = 10.0, y = -3.0, w = 20.0, h = 15.0 }",
        "{ x = 120.0, y = 10.0, w = 20.0, h = 15.0 }",
        "{ x = 10.0, y = 80.0, w = 20.0, h = 15.0 }",
        "{ x = 1e308, y = 10.0, w = 1e308, h = 15.0 }",
        "{ x = 10.0, y = 10.0, w = 0.0, h = 15.0 }",
        "{ x = 10.0, y = 10.0, w = -5.0, h = 15.0 }",
        "{ x = nan, y = 10.0, w = 20.0, h = 15.0 }",
        "{ x = 10.0, y = 10.0, w = inf, h = 15.0 }",
        "{ x = 10.0, y = 10.0, w = 20.0, h = -inf }",
    ] {
        let m = f.refuse(&f.edited(rect, &format!("rect = {r}")));
        assert_mentions(&m, &["zone \"emblem\"", "lies outside the 125 × 88 mm page or is empty"]);
    }
    let value_cases = [
        ("thresholds = [0.5]", "thresholds = [2.0]", "outside [-1, 1]"),
        ("thresholds = [0.5]", "thresholds = [nan]", "outside [-1, 1]"),
        ("thresholds = [0.5]", "thresholds = [0.1, 0.2, 0.3, 0.4, 0.5]", "at most 4"),
        ("thresholds = [0.5]", "tolerance_mm = -1.0", "tolerance -1 mm is not plausible"),
        ("width_mm = 125.0", "width_mm = 0.0", "not plausible"),
        ("width_mm = 125.0", "width_mm = 1e9", "not plausible"),
        ("height_mm = 88.0", "height_mm = nan", "not plausible"),
        ("issuer = \"UTO\"", "issuer = \"uto\"", "1-3 letter ICAO code"),
        ("issuer = \"UTO\"", "issuer = \"\"", "1-3 letter ICAO code"),
        ("id = \"uto-p-hostile\"", "id = \" \"", "id must be"),
        ("document_codes = [\"P\"]", "document_codes = [\"PASS\"]", "1-2 MRZ characters"),
        ("px_per_mm = 6.0", "px_per_mm = 6000.0", "px_per_mm 6000 is not supported"),
    ];
    for (from, to, want) in value_cases {
        assert_mentions(&f.refuse(&f.edited(from, to)), &[want]);
    }
    // Too many zones.
    let zone = "[[zones]]\nname = \"z\"\nkind = \"blank\"\nrect = { x = 1.0, y = 1.0, w = 1.0, h = 1.0 }\n";
    let many = f.toml().replacen("[reference]", &format!("{}[reference]", zone.repeat(257)), 1);
    assert_mentions(&f.refuse(&many), &["258 zones; at most 256"]);
    // MRZ tolerances.
    let mrz = "[mrz]\nfirst_char_x_mm = [7.0, 5.0]\n";
    assert_mentions(&f.refuse(&f.toml().replacen("[reference]", &format!("{mrz}[reference]"), 1)), &["mrz tolerances"]);
    // The issuer's MRZ position and font record.
    for (field, want) in [("line_centre_offset_mm = 30.0", "line_centre_offset_mm"), ("font_p10_min = 1.5", "font_p25_min, font_p10_min and"), ("font_median_min = nan", "font_median_min"), ("font_filler_median_min = -0.1", "font_filler_median_min must lie")] {
        let mrz = format!("[mrz]\n{field}\n");
        assert_mentions(&f.refuse(&f.toml().replacen("[reference]", &format!("{mrz}[reference]"), 1)), &[want]);
    }
}

#[test]
fn files_that_are_not_templates() {
    let f = Fixture::new();
    // Not UTF-8, binary garbage, a PNG.
    let p = f.dir.path().join("t.toml");
    for bytes in [vec![0xFF, 0xFE, 0x00, 0x41], f.reference.clone()] {
        std::fs::write(&p, &bytes).unwrap();
        assert!(matches!(Template::load(&p), Err(Error::Template(m)) if m.contains("not UTF-8")));
    }
    for text in ["\0\0\0", "[[[[", "id = \"unterminated", "= = =", "format_version = 1\nformat_version = 1\n"] {
        f.refuse(text);
    }
    // Deep nesting must not overflow the stack (the process would abort).
    for depth in [1_000, 100_000] {
        f.refuse(&format!("a = {}{}", "[".repeat(depth), "]".repeat(depth)));
        f.refuse(&format!("a = {}{}", "{b = ".repeat(depth), "}".repeat(depth)));
        f.refuse(&format!("{}= 1", "a.".repeat(depth)));
    }
    // Over the 64 MiB template limit (sparse: nothing is read).
    let huge = std::fs::File::create(&p).unwrap();
    huge.set_len(65 << 20).unwrap();
    assert!(matches!(Template::load(&p), Err(Error::Limits(_))));
}

#[test]
fn template_directories() {
    let f = Fixture::new();
    f.write("a.toml", &f.toml());
    f.write("b.toml", &f.toml());
    f.write("notes.txt", "ignored");
    // Two templates with one id: refused when building the screener.
    let ts = Template::load_path(f.dir.path()).unwrap();
    assert_eq!(ts.len(), 2);
    let r = Screener::builder().templates_path(f.dir.path()).unwrap().build();
    assert!(matches!(r, Err(Error::Template(m)) if m.contains("two templates have the id \"uto-p-hostile\"")));
    // One bad file spoils the directory, and the error names it.
    f.write("c.toml", "id = 5");
    let r = Template::load_path(f.dir.path());
    assert!(matches!(r, Err(Error::Template(ref m)) if m.contains("c.toml")), "{r:?}");
    // A missing path.
    assert!(matches!(Template::load_path(Path::new("/no/such/templates")), Err(Error::Io { .. })));
}
