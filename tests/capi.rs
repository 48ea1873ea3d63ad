//! Builds the C test programs, the C example and a C++ translation unit
//! against the static and shared libraries that cargo built for this test
//! run, and runs them.
//!
//! The compiler is `$CC` / `$CXX` (default `cc` / `c++`). With
//! `DOCSCREEN_VALGRIND=1` every C program runs under valgrind and any error
//! or leak fails the test (CI does this; see `.ci/run`).
#![cfg(all(feature = "capi", unix))]

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use docscreen::report::{Report, Severity, Verdict};
use docscreen::screen::Screener;
use docscreen::template::Template;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding this build's `libdocscreen.{a,so}`. For `cargo
/// test` cargo links them beside the test binary, in `<profile>/deps`;
/// `cargo build` puts them in `<profile>` (also under `--target` and
/// `CARGO_TARGET_DIR`). Of the two, the newer static library wins.
fn lib_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        let deps = exe.parent().expect("deps directory").to_path_buf();
        let candidates = [deps.clone(), deps.parent().expect("profile directory").to_path_buf()];
        let modified = |d: &PathBuf| {
            let a = d.join("libdocscreen.a").metadata().and_then(|m| m.modified()).ok()?;
            d.join("libdocscreen.so").is_file().then_some(a)
        };
        candidates
            .iter()
            .filter_map(|d| modified(d).map(|t| (t, d)))
            .max_by_key(|(t, _)| *t)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("no libdocscreen.a and libdocscreen.so in {candidates:?}"))
    })
    .clone()
}

/// Where the C programs are built: under the target directory, so each run
/// overwrites the last. (A `TempDir` in a static is never dropped: each run
/// left ~0.6 GB of statically linked programs in /tmp.)
fn out_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capi");
        std::fs::create_dir_all(&dir).expect("create the C build directory");
        dir
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Static,
    Shared,
}

/// Libraries a Rust staticlib needs on Linux (`rustc --print
/// native-static-libs` lists them); harmless where some live in libc.
const STATIC_DEPS: &[&str] = &["-lpthread", "-ldl", "-lm", "-lrt", "-lgcc_s", "-lc"];

/// Compiles and links `sources` into `out_dir()/name`.
fn build(name: &str, sources: &[PathBuf], cxx: bool, link: Link) -> PathBuf {
    let exe = out_dir().join(name);
    let compiler = if cxx { std::env::var("CXX").unwrap_or("c++".into()) } else { std::env::var("CC").unwrap_or("cc".into()) };
    let mut cmd = Command::new(&compiler);
    if cxx {
        cmd.args(["-std=c++11"]);
    } else {
        cmd.args(["-std=c99"]);
    }
    cmd.args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-g", "-O1"]);
    cmd.arg("-I").arg(root().join("include"));
    cmd.arg("-I").arg(root().join("tests/c"));
    cmd.args(sources);
    let lib = lib_dir();
    match link {
        Link::Static => {
            cmd.arg(lib.join("libdocscreen.a"));
            cmd.args(STATIC_DEPS);
        }
        Link::Shared => {
            cmd.arg("-L").arg(&lib).arg("-ldocscreen").arg(format!("-Wl,-rpath,{}", lib.display()));
        }
    }
    cmd.arg("-o").arg(&exe);
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
    assert!(
        out.status.success(),
        "compiling {name} failed: {cmd:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn valgrind() -> bool {
    std::env::var_os("DOCSCREEN_VALGRIND").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Runs a built program, under valgrind when asked.
fn run(exe: &Path, args: &[&str]) -> Output {
    let mut cmd = if valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible",
            "--track-origins=yes",
            "-q",
        ]);
        c.arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(args);
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()));
    if valgrind() {
        assert_ne!(
            out.status.code(),
            Some(99),
            "valgrind found errors in {} {args:?}:\n{}",
            exe.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Inputs for the status tests, made here so that they need no data files.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        use image::{GrayImage, ImageFormat, Luma};
        let dir = out_dir().join("fixtures");
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::create_dir_all(dir.join("no-templates")).unwrap();
        let img = GrayImage::from_fn(160, 120, |x, y| Luma([((x * 3 + y * 5) % 256) as u8]));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png).unwrap();
        std::fs::write(dir.join("gray.png"), &png).unwrap();
        let mut jpg = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut jpg), ImageFormat::Jpeg).unwrap();
        std::fs::write(dir.join("gray.jpg"), &jpg).unwrap();
        let sos = jpg.windows(2).position(|w| w == [0xFF, 0xDA]).expect("JPEG has a start of scan");
        // Cut inside the tables before the scan, and inside the scan.
        std::fs::write(dir.join("truncated.jpg"), &jpg[..sos / 2]).unwrap();
        std::fs::write(dir.join("truncated-scan.jpg"), &jpg[..sos + (jpg.len() - sos) / 3]).unwrap();
        std::fs::write(dir.join("garbage.bin"), b"\xff\x00 this is not an image, nor a template \x01\x02".repeat(20)).unwrap();
        std::fs::write(dir.join("bomb.png"), png_bomb()).unwrap();
        // A clean synthetic passport data page, so that the C tests screen a
        // document even without ../shared/data.
        #[cfg(feature = "synth")]
        {
            let doc = docscreen::synth::genuine_document("uto-p-2024", 150, 1).expect("synthetic passport");
            doc.image.save_with_format(dir.join("passport.png"), ImageFormat::Png).unwrap();
            std::fs::write(dir.join("passport.mrz"), doc.mrz.join("|")).unwrap();
        }
        std::fs::write(dir.join("templates/bad.toml"), "id = 5\n[[zones]]\nname = \n").unwrap();
        // A valid issuer template (no reference image), once alone and once
        // in a directory with a second one.
        let mut file = docscreen::template::Template::icao(docscreen::mrz::Format::Td3).file;
        file.id = "uto-p-test".into();
        file.issuer = "UTO".into();
        std::fs::create_dir_all(dir.join("good-templates")).unwrap();
        std::fs::write(dir.join("uto-p-test.toml"), toml::to_string(&file).unwrap()).unwrap();
        std::fs::write(dir.join("good-templates/a.toml"), toml::to_string(&file).unwrap()).unwrap();
        file.id = "uto-p-test-2".into();
        std::fs::write(dir.join("good-templates/b.toml"), toml::to_string(&file).unwrap()).unwrap();
        dir
    })
}

/// A PNG header declaring 100000 × 100000 pixels.
fn png_bomb() -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png
}

fn capi_test() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build("capi_test", &[root().join("tests/c/capi_test.c")], false, Link::Static))
}

/// Sample document images from `../shared/data` (absent in a user's clone).
fn samples() -> Vec<PathBuf> {
    let Some(data) = common::shared_data() else { return Vec::new() };
    // A genuine TD3 passport scan and an MRV-B visa with an edited digit.
    ["samples/images/0005.jpg", "samples/images/0006.jpg"].iter().map(|p| data.join(p)).filter(|p| p.is_file()).collect()
}

/// Document images: the synthetic passport (feature `synth`) and the shared
/// samples.
fn documents() -> Vec<PathBuf> {
    let passport = fixtures().join("passport.png");
    passport.is_file().then_some(passport).into_iter().chain(samples()).collect()
}

/// The line `common.h`'s `summary()` prints, built from the Rust report.
fn summary(r: &Report) -> String {
    let bits = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:016x}", v.to_bits()));
    let verdict = match r.verdict {
        Verdict::Pass => 1,
        Verdict::Fail => 2,
        Verdict::Inconclusive => 3,
    };
    let findings: String = r
        .findings
        .iter()
        .map(|f| {
            let sev = match f.severity {
                Severity::Info => 0,
                Severity::Warning => 1,
                Severity::Fail => 2,
            };
            format!(
                "{}/{sev}/{}/{}/{}/{};",
                f.code.as_str(),
                f.zone.as_deref().unwrap_or("-"),
                bits(f.score),
                bits(f.threshold),
                f.message
            )
        })
        .collect();
    format!(
        "verdict={verdict} sha256={} mrz={} valid={} lines={} template={} findings={findings}",
        r.image_sha256,
        r.mrz.as_ref().map_or("-", |m| m.format.as_str()),
        r.mrz.as_ref().is_some_and(|m| m.valid) as u8,
        r.mrz.as_ref().map(|m| m.lines.join("|")).unwrap_or_default(),
        r.template.as_ref().map_or("-", |t| t.id.as_str()),
    )
}

/// The status number the C API documents for a Rust error.
fn status_of(e: &docscreen::Error) -> u32 {
    use docscreen::Error as E;
    match e {
        E::InvalidArgument(_) => 2,
        E::Image(_) => 3,
        E::Limits(_) => 4,
        E::Io { .. } => 5,
        E::Template(_) => 6,
        E::Mrz(_) => 7,
        _ => 11,
    }
}

#[test]
fn c_status_paths() {
    let dir = fixtures();
    let out = run(capi_test(), &["statuses", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "C status tests failed:\n{stdout}\n{}", text(&out.stderr));
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with("passed, 0 failed"), "{stdout}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 150, "only {passed} C checks ran");
}

#[test]
fn c_reports_equal_rust_reports() {
    let mut files: Vec<PathBuf> = ["gray.png", "gray.jpg", "truncated-scan.jpg", "truncated.jpg", "garbage.bin", "bomb.png"]
        .iter()
        .map(|f| fixtures().join(f))
        .collect();
    let documents = documents();
    if documents.is_empty() {
        eprintln!("NOTICE: no document images (feature synth off, no ../shared/data); checking plain images only");
    }
    files.extend(documents.iter().cloned());
    let args: Vec<&str> = std::iter::once("dump").chain(files.iter().map(|f| f.to_str().unwrap())).collect();
    let out = run(capi_test(), &args);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), files.len(), "{stdout}");
    let screener = Screener::builder().build().unwrap();
    for (file, line) in files.iter().zip(&lines) {
        let want = match screener.screen_encoded(&std::fs::read(file).unwrap()) {
            Ok(report) => format!("{} {}", file.display(), summary(&report)),
            Err(e) => format!("{} error={}", file.display(), status_of(&e)),
        };
        assert_eq!(*line, want, "C and Rust disagree on {}", file.display());
    }
    // The reader's accuracy is tested elsewhere; here the C side must only
    // agree with the Rust side (above). Say how the synthetic page read.
    if let Ok(truth) = std::fs::read_to_string(fixtures().join("passport.mrz")) {
        let r = screener.screen_file(fixtures().join("passport.png")).unwrap();
        eprintln!("passport.png: {} (mrz read: {:?}, printed: {truth})", r.verdict, r.mrz.as_ref().map(|m| m.lines.join("|")));
    }
    for s in &samples() {
        let r = screener.screen_file(s).unwrap();
        eprintln!("{}: {} (mrz: {:?})", s.display(), r.verdict, r.mrz.as_ref().map(|m| &m.lines));
    }
}

#[test]
fn c_mrz_json_equals_rust_json() {
    let examples = std::fs::read_to_string(root().join("examples/data/mrz-examples.txt")).unwrap();
    let mut texts: Vec<String> = examples.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect();
    texts.push("P<UTO".into()); // one line: an invalid MRZ
    texts.push("A|B|C|D".into()); // four lines: not an MRZ
    texts.push("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<".into());
    let args: Vec<&str> = std::iter::once("mrz").chain(texts.iter().map(String::as_str)).collect();
    let out = run(capi_test(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), texts.len(), "{stdout}");
    for (t, line) in texts.iter().zip(&lines) {
        let want = match docscreen::mrz::validate(t, None) {
            Ok(v) => serde_json::to_string(&v).unwrap(),
            Err(_) => "error=7".to_string(), // DOCSCREEN_STATUS_MRZ_TEXT
        };
        assert_eq!(*line, want, "for {t:?}");
    }
}

#[test]
fn two_threads_share_one_screener() {
    let exe = build("threads", &[root().join("tests/c/threads.c")], false, Link::Static);
    let mut files = vec![fixtures().join("gray.png"), fixtures().join("gray.jpg")];
    // Under valgrind every screening is ~50× slower: one document will do.
    files.extend(documents().into_iter().take(if valgrind() { 1 } else { usize::MAX }));
    let rounds = if valgrind() { "1" } else { "3" };
    let mut args = vec![rounds];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = run(&exe, &args);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("all reports equal"), "{}", text(&out.stdout));
}

#[test]
fn cpp_includes_the_header() {
    let exe = build("header_check_cpp", &[root().join("examples/c/header_check.cpp")], true, Link::Static);
    let out = run(&exe, &[]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!("C++: docscreen {}", docscreen::VERSION)));
}

#[test]
fn example_screen_c_against_both_libraries() {
    for link in [Link::Static, Link::Shared] {
        let name = if link == Link::Static { "screen_static" } else { "screen_shared" };
        let exe = build(name, &[root().join("examples/c/screen.c")], false, link);
        let png = fixtures().join("gray.png");
        let mut args = vec![png.to_str().unwrap().to_string()];
        // Under valgrind, documents through one of the two builds only.
        let documents = if valgrind() && link == Link::Shared { Vec::new() } else { documents() };
        args.extend(documents.iter().map(|p| p.to_str().unwrap().to_string()));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&exe, &argv);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
        assert!(stdout.starts_with(&format!("docscreen {}\n", docscreen::VERSION)), "{stdout}");
        // The generated image has no MRZ.
        assert!(stdout.contains(&format!("{}: INCONCLUSIVE\n  no MRZ read\n", png.display())), "{stdout}");
        let screener = Screener::builder().build().unwrap();
        for s in &documents {
            let r = screener.screen_file(s).unwrap();
            let mut want = format!("{}: {}\n", s.display(), r.verdict.as_str().to_uppercase());
            match &r.mrz {
                Some(m) => {
                    want += &format!("  MRZ {}, {}\n", m.format, if m.valid { "valid" } else { "INVALID" });
                    for l in &m.lines {
                        want += &format!("    {l}\n");
                    }
                }
                None => want += "  no MRZ read\n",
            }
            assert!(stdout.contains(&want), "missing {want:?} in\n{stdout}");
        }
        if link == Link::Shared {
            // Usage and input errors give the CLI's exit codes.
            assert_eq!(run(&exe, &[]).status.code(), Some(1));
            let missing = fixtures().join("no-such-image.jpg");
            let out = run(&exe, &[missing.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2));
            assert!(text(&out.stdout).contains("error: cannot read file"), "{}", text(&out.stdout));
            let good = fixtures().join("good-templates");
            let out = run(&exe, &["--templates", good.to_str().unwrap(), png.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let bad = fixtures().join("templates/bad.toml");
            let out = run(&exe, &["--templates", bad.to_str().unwrap(), png.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2));
            assert!(text(&out.stderr).contains("template error"), "{}", text(&out.stderr));
        }
    }
}

/// Under valgrind, a program that leaks a report and a string must fail:
/// otherwise a clean valgrind run would prove nothing.
#[test]
fn valgrind_would_catch_a_leak() {
    if !valgrind() {
        return;
    }
    let exe = build("leak", &[root().join("tests/c/leak.c")], false, Link::Static);
    let out = Command::new("valgrind")
        .args(["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect", "-q"])
        .arg(&exe)
        .output()
        .expect("valgrind runs");
    assert_eq!(out.status.code(), Some(99), "valgrind missed the leak:\n{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("definitely lost"), "{}", text(&out.stderr));
}

#[test]
fn shared_library_exports_exactly_the_header_functions() {
    let header = std::fs::read_to_string(root().join("include/docscreen.h")).unwrap();
    let out = Command::new("nm").args(["-D", "--defined-only"]).arg(lib_dir().join("libdocscreen.so")).output();
    let Ok(out) = out else {
        eprintln!("NOTICE: nm is not installed; skipping the symbol check");
        return;
    };
    let syms = text(&out.stdout);
    let exported: Vec<&str> = syms.lines().filter_map(|l| l.split_whitespace().nth(2)).filter(|s| s.starts_with("docscreen_")).collect();
    assert!(exported.len() >= 25, "{exported:?}");
    for s in &exported {
        assert!(declares(&header, s), "{s} is exported but not in the header");
    }
    for l in header.lines().filter(|l| l.contains("docscreen_") && l.contains('(') && !l.trim_start().starts_with(['*', '/', '#'])) {
        let name = l.split('(').next().unwrap().rsplit([' ', '*']).next().unwrap();
        assert!(exported.contains(&name), "{name} is declared but not exported by libdocscreen.so");
    }
}

/// Whether the header declares function `name` (preceded by a space or `*`).
fn declares(header: &str, name: &str) -> bool {
    header.match_indices(&format!("{name}(")).any(|(i, _)| i > 0 && matches!(header.as_bytes()[i - 1], b' ' | b'*'))
}

/// Writes the hostile inputs of `tests/common/hostile.rs` and bad template
/// files, and the cases for `tests/c/hostile.c` with their expected
/// outcomes; the Rust API must give the same outcome for each file.
fn hostile_cases() -> Vec<String> {
    use image::ImageFormat;
    let dir = out_dir().join("hostile-cases");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    let mut files: Vec<(String, Vec<u8>, u32, u32)> = vec![
        ("empty.jpg".into(), Vec::new(), 2, 0),
        ("bomb.png".into(), hostile::png_bomb(100_000, 100_000), 4, 0),
        ("bomb.jpg".into(), hostile::jpeg_declaring(65_535, 65_535), 4, 0),
        ("wide.png".into(), hostile::encode(&hostile::gradient(30_000, 10), ImageFormat::Png), 4, 0),
        ("garbage.bin".into(), b"\x00\x01 not an image".repeat(50), 3, 0),
        ("one-pixel.png".into(), hostile::encode(&hostile::flat(1, 1, 0), ImageFormat::Png), 0, 3),
        ("black.png".into(), hostile::encode(&hostile::flat(400, 300, 0), ImageFormat::Png), 0, 3),
        ("white.jpg".into(), hostile::encode(&hostile::flat(400, 300, 255), ImageFormat::Jpeg), 0, 3),
    ];
    let img = hostile::gradient(96, 64);
    for format in hostile::FORMATS {
        let full = hostile::encode(&img, format);
        let ext = format.extensions_str()[0];
        // The last cut is inside the last chunk the decoder reads (for a
        // PNG, the last IDAT: a PNG without its IEND is whole).
        let last = if format == ImageFormat::Png { full.len() - 13 } else { full.len() - 1 };
        for cut in [8, full.len() / 3, full.len() * 2 / 3, last] {
            files.push((format!("cut-{cut}.{ext}"), full[..cut].to_vec(), 3, 0));
        }
    }
    let png = hostile::encode(&img, ImageFormat::Png);
    files.push(("flipped.png".into(), hostile::flip(&png, png.len() / 2), 3, 0));
    let screener = Screener::new();
    let mut cases = Vec::new();
    for (name, bytes, status, verdict) in &files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let rust = match screener.screen_file(&path) {
            Ok(r) => (0, match r.verdict {
                Verdict::Pass => 1,
                Verdict::Fail => 2,
                Verdict::Inconclusive => 3,
            }),
            Err(e) => (status_of(&e), 0),
        };
        assert_eq!(rust, (*status, *verdict), "Rust outcome for {name}");
        cases.push(format!("e:{status}:{verdict}:{}", path.display()));
    }
    // Files the C side only screens by path.
    let huge = dir.join("huge.jpg");
    std::fs::File::create(&huge).unwrap().set_len(2 << 30).unwrap();
    cases.push(format!("f:4:0:{}", huge.display()));
    cases.push(format!("f:2:0:{}", dir.display()));
    cases.push(format!("f:5:0:{}", dir.join("missing.png").display()));
    // Pixel buffers: W:H:STRIDE:FORMAT:LEN.
    for (status, verdict, spec) in [
        (2, 0, "10:10:9:1:100"),         // stride shorter than a row
        (2, 0, "10:10:10:1:99"),         // buffer one byte short
        (2, 0, "10:10:30:2:299"),        // RGB rows
        (2, 0, "0:10:10:1:100"),         // zero width
        (2, 0, "10:0:10:1:100"),         // zero height
        (2, 0, "10:10:10:0:100"),        // format 0
        (2, 0, "10:10:10:9:100"),        // unknown format
        (2, 0, "4294967295:4294967295:18446744073709551615:5:64"), // overflow
        (4, 0, "20000:1:20000:1:20000"), // wider than the limits
        (0, 3, "1:1:1:1:1"),             // 1 × 1
        (0, 3, "64:48:300:5:14356"),     // BGRA with padding, last row short
    ] {
        cases.push(format!("p:{status}:{verdict}:{spec}"));
    }
    // Templates: a valid one (with reference data), then broken copies.
    let t = dir.join("templates");
    let reference = hostile::encode(&hostile::gradient(750, 528), ImageFormat::Png);
    let mask = hostile::encode(&hostile::flat(750, 528, 0), ImageFormat::Png);
    std::fs::write(t.join("ref.png"), &reference).unwrap();
    std::fs::write(t.join("mask.png"), &mask).unwrap();
    let good = format!(
        "format_version = 1\nid = \"uto-c\"\nissuer = \"UTO\"\nformat = \"TD3\"\nwidth_mm = 125.0\nheight_mm = 88.0\n\
         [[zones]]\nname = \"emblem\"\nkind = \"static\"\nrect = {{ x = 10.0, y = 10.0, w = 20.0, h = 15.0 }}\n\
         [reference]\nimage = \"ref.png\"\nsha256 = \"{}\"\npx_per_mm = 6.0\nmask = \"mask.png\"\nmask_sha256 = \"{}\"\n",
        docscreen::screen::hex_sha256(&reference),
        docscreen::screen::hex_sha256(&mask)
    );
    let edits: [(&str, &str, &str, u32); 9] = [
        ("good", "", "", 0),
        ("missing-field", "issuer = \"UTO\"\n", "", 6),
        ("wrong-type", "width_mm = 125.0", "width_mm = \"wide\"", 6),
        ("absurd-zone", "x = 10.0", "x = -40.0", 6),
        ("outside-page", "w = 20.0", "w = 200.0", 6),
        ("version", "format_version = 1", "format_version = 2", 6),
        ("digest", &docscreen::screen::hex_sha256(&reference)[..8], "00000000", 6),
        ("escaping-reference", "image = \"ref.png\"", "image = \"../ref.png\"", 6),
        ("missing-reference", "image = \"ref.png\"", "image = \"gone.png\"", 5),
    ];
    for (name, from, to, status) in edits {
        let path = t.join(format!("{name}.toml"));
        std::fs::write(&path, good.replacen(from, to, 1)).unwrap();
        let rust = Template::load(&path).map_or_else(|e| status_of(&e), |_| 0);
        assert_eq!(rust, status, "Rust outcome for {name}.toml");
        cases.push(format!("t:{status}:{}", path.display()));
    }
    let deep = t.join("deep.toml");
    std::fs::write(&deep, format!("a = {}{}", "[".repeat(50_000), "]".repeat(50_000))).unwrap();
    cases.push(format!("t:6:{}", deep.display()));
    let binary = t.join("binary.toml");
    std::fs::write(&binary, &reference).unwrap();
    cases.push(format!("t:6:{}", binary.display()));
    cases
}

#[test]
fn c_hostile_inputs() {
    let exe = build("hostile", &[root().join("tests/c/hostile.c")], false, Link::Static);
    let cases = hostile_cases();
    let args: Vec<&str> = cases.iter().map(String::as_str).collect();
    let out = run(&exe, &args);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "C hostile-input tests failed:\n{stdout}\n{}", text(&out.stderr));
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with(" passed, 0 failed"), "{stdout}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 3 * cases.len(), "only {passed} checks for {} cases", cases.len());
}
