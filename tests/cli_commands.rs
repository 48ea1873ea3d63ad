//! The other subcommands run as a program — `read`, `enroll`, `templates
//! list`, `synth` — and the help of every command (`mrz` has its own file,
//! `cli_mrz.rs`; `read_cli.rs` covers `read` on rendered MRZ scenes).

mod cli_support;

use cli_support::*;
use serde_json::Value;

#[test]
fn templates_list_shows_the_builtins() {
    let o = run(&["templates", "list"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let header = out.lines().next().unwrap();
    for col in ["ID", "ISSUER", "FORMAT", "CODES", "DIGEST", "SOURCE"] {
        assert!(header.contains(col), "{header}");
    }
    for id in ["icao-td1", "icao-td2", "icao-td3", "icao-mrva", "icao-mrvb"] {
        let row = out.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("{id} missing:\n{out}"));
        assert!(row.ends_with("built-in"), "{row}");
    }
    let j = run(&["templates", "list", "--json"], None);
    let lines = json_lines(&j);
    let td3 = lines.iter().find(|v| v["id"] == "icao-td3").expect("icao-td3");
    assert_eq!(td3["format"], "TD3");
    assert_eq!(td3["builtin"], true);
    assert_eq!(td3["source"], Value::Null);
    assert_eq!(td3["digest"].as_str().unwrap().len(), 64);

    // A template that does not load is a usage error.
    let bad = run(&["templates", "list", "--templates", "no/such/template.toml"], None);
    assert_eq!(code(&bad), 1);
    assert!(stderr(&bad).contains("no/such/template.toml"), "{}", stderr(&bad));
    assert_eq!(code(&run(&["templates"], None)), 1, "the subcommand is required");
}

/// Enrolls a template from generated specimens, lists it, and screens a
/// further genuine document with it: the report names the template by the
/// id and digest the listing shows.
#[test]
fn enroll_then_list_then_screen() {
    let dir = tempfile::tempdir().unwrap();
    let specimens = dir.path().join("specimens");
    std::fs::create_dir(&specimens).unwrap();
    for seed in 0..3 {
        std::fs::write(specimens.join(format!("s{seed}.png")), genuine_png("uto-i-2021", 150, seed)).unwrap();
    }
    let toml = dir.path().join("templates/test-uto-i.toml");
    let o = run(&["enroll", "--id", "test-uto-i", "-o", s(&toml), s(&specimens)], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("UTO ID TD1"), "{}", stderr(&o));
    for f in ["test-uto-i.toml", "test-uto-i.ref.png", "test-uto-i.mask.png"] {
        assert!(dir.path().join("templates").join(f).is_file(), "{f} written");
    }

    let tdir = dir.path().join("templates");
    let l = run(&["templates", "list", "--json", "-t", s(&tdir)], None);
    assert_eq!(code(&l), 0, "{}", stderr(&l));
    let listed = json_lines(&l);
    let t = listed.iter().find(|v| v["id"] == "test-uto-i").expect("enrolled template listed");
    assert_eq!(t["issuer"], "UTO");
    assert_eq!(t["format"], "TD1");
    assert_eq!(t["document_codes"], serde_json::json!(["ID"]));
    assert_eq!(t["builtin"], false);
    assert_eq!(t["source"], s(&toml));
    assert_eq!(t["specimens"], 3);
    let digest = t["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    let table = run(&["templates", "list", "-t", s(&tdir)], None);
    assert!(stdout(&table).lines().any(|r| r.starts_with("test-uto-i") && r.contains(&digest[..16])), "{}", stdout(&table));

    let probe = genuine_png("uto-i-2021", 150, 77);
    let sc = run(&["screen", "--json", "--templates", s(&tdir), "-"], Some(&probe));
    assert_eq!(code(&sc), 0, "{}", stderr(&sc));
    let rep = &json_lines(&sc)[0];
    assert_eq!(rep["template"]["id"], "test-uto-i", "{rep}");
    assert_eq!(rep["template"]["digest"], digest);
}

#[test]
fn enroll_refuses_bad_specimens_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.png");
    std::fs::write(&good, genuine_png("uto-i-2021", 100, 1)).unwrap();
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n truncated").unwrap();
    let toml = dir.path().join("t.toml");
    let o = run(&["enroll", "--id", "x", "-o", s(&toml), s(&good), s(&bad)], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.png"), "names the bad specimen: {}", stderr(&o));
    assert!(!toml.exists());
    assert_eq!(code(&run(&["enroll", "-o", s(&toml), s(&good)], None)), 1, "--id is required");
    assert_eq!(code(&run(&["enroll", "--id", "x", s(&good)], None)), 1, "-o is required");
}

#[test]
fn synth_writes_a_labelled_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("set");
    let o = run(&["synth", "--out", s(&out), "--seed", "3", "--count", "2", "--specimens", "1", "--models", "uto-i-2021", "--dpi", "120", "--threads", "2"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let labels = std::fs::read_to_string(out.join("labels.jsonl")).unwrap();
    let labels: Vec<Value> = labels.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(labels.len(), 2);
    for l in &labels {
        assert_eq!(l["model"], "uto-i-2021");
        assert_eq!(l["dpi"], 120);
        assert!(out.join("images").join(l["file"].as_str().unwrap()).is_file());
    }
    assert!(out.join("specimens/uto-i-2021/uto-i-2021-specimen-0.png").is_file());

    let m = run(&["synth", "--list-models"], None);
    assert_eq!(code(&m), 0, "--list-models needs no --out: {}", stderr(&m));
    assert!(stdout(&m).lines().any(|l| l.starts_with("uto-p-2024\tUTO\tTD3")), "{}", stdout(&m));
    assert_eq!(code(&run(&["synth", "--out", s(&out), "--models", "nope"], None)), 1);
    assert_eq!(code(&run(&["synth", "--count", "1"], None)), 1, "--out is required");
}

/// A help text split into its options — (long flag, description), from
/// clap's layouts (flag lines indented 2–6 spaces, descriptions deeper or on
/// the same line) — and its example command lines (outside the options).
fn options_and_examples(help: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut opts: Vec<(String, String)> = Vec::new();
    let mut examples = Vec::new();
    let mut in_options = false;
    for line in help.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_options = line == "Options:";
            if !in_options && line.contains("docscreen ") {
                examples.push(line.to_string());
            }
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if !in_options {
            if t.contains("docscreen ") {
                examples.push(t.to_string());
            }
        } else if t.starts_with('-') && indent <= 6 {
            let long = t.split([' ', ',', '=']).find(|w| w.starts_with("--")).unwrap_or(t).to_string();
            // Short layout: the description follows on the same line.
            let rest = t.split_once("  ").map(|(_, d)| d.trim().to_string()).unwrap_or_default();
            opts.push((long, rest));
        } else if let Some(last) = opts.last_mut() {
            last.1.push(' ');
            last.1.push_str(t);
        }
    }
    (opts, examples)
}

/// Every command's --help explains every flag, and shows each in an example.
#[test]
fn help_explains_every_flag_with_an_example() {
    let top = run(&["--help"], None);
    assert_eq!(code(&top), 0);
    let top = stdout(&top);
    for cmd in ["screen", "read", "mrz", "enroll", "templates", "synth"] {
        assert!(top.lines().any(|l| l.trim_start().starts_with(cmd)), "{cmd} listed:\n{top}");
        assert!(top.contains(&format!("docscreen {cmd} ")), "an example of {cmd}:\n{top}");
    }
    assert!(top.contains("Exit status"), "{top}");

    for cmd in [&["screen"][..], &["read"], &["mrz"], &["enroll"], &["synth"], &["templates", "list"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let o = run(&args, None);
        assert_eq!(code(&o), 0, "{cmd:?}");
        let help = stdout(&o);
        let (opts, examples) = options_and_examples(&help);
        assert!(!examples.is_empty(), "{cmd:?} has examples:\n{help}");
        assert!(opts.len() >= 2, "{cmd:?}: {opts:?}");
        for (flag, text) in opts {
            if flag == "--help" || flag == "--version" {
                continue;
            }
            assert!(text.trim().len() > 10, "{cmd:?} {flag} is explained: {text:?}");
            assert!(text.contains("Example") || examples.iter().any(|e| e.contains(&flag)), "{cmd:?} {flag} has an example");
        }
    }
}

/// `read` on the bundled images: input order under two jobs, stdin, the
/// summary line, exit codes.
#[test]
fn read_keeps_order_reads_stdin_and_summarises() {
    let names = ["zone_tamper.jpg", "mrz_digit.jpg", "genuine-uto-i-2021.jpg", "genuine-zza-v-2020.jpg"];
    let paths: Vec<_> = names.iter().map(|n| sample(n)).collect();
    let mut args = vec!["read", "--json", "--jobs", "2"];
    args.extend(paths.iter().map(|p| s(p)));
    let o = run(&args, None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), names.len());
    for (v, p) in lines.iter().zip(&paths) {
        assert_eq!(v["file"], s(p));
        for k in ["found", "format", "lines", "confidence", "valid"] {
            assert!(v.get(k).is_some(), "{k} missing: {v}");
        }
        assert_eq!(v["found"], true, "{v}");
    }
    assert_eq!(lines[0]["format"], "MRVB");
    assert_eq!(lines[2]["format"], "TD1");
    assert_eq!(lines[2]["lines"].as_array().unwrap().len(), 3);
    assert_eq!(lines[1]["valid"], false, "the forged check digit");
    assert_eq!(lines[2]["valid"], true);
    assert_eq!(lines[3]["valid"], false, "ZZA is no ICAO code: a field rule fails");
    let err = stderr(&o);
    assert!(err.starts_with("docscreen read: 4 images in ") && err.contains("2 valid, 2 invalid, 0 not found, 0 errors"), "{err}");

    let bytes = std::fs::read(&paths[2]).unwrap();
    let st = run(&["read", "--json", "-q", "-"], Some(&bytes));
    assert_eq!(code(&st), 0);
    assert_eq!(stderr(&st), "", "--quiet");
    let v = &json_lines(&st)[0];
    assert_eq!(v["file"], "-");
    assert_eq!(v["lines"], lines[2]["lines"], "same reading from stdin as from the file");

    let bad = run(&["read", "--json", "-q", "-"], Some(b"not an image"));
    assert_eq!(code(&bad), 2);
    assert!(json_lines(&bad)[0]["error"].is_string());
    assert_eq!(code(&run(&["read", "--jobs", "0", s(&paths[0])], None)), 1);
}
