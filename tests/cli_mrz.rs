//! `docscreen mrz`, run as a program: output formats, input forms and exit
//! codes (0 processed whatever the validity, 1 usage error, 2 an input that
//! is no MRZ at all).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD3_BAD_DOB: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408123F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<|7408122F1204159UTO<<<<<<<<<<<6|ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const MRVA: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L8988901C4XXX7408122F96121096ZE184226B<<<<<<";

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docscreen"));
    cmd.arg("mrz").args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("docscreen runs");
    if let Some(input) = stdin {
        // Written from a thread so a large input cannot dead-lock on a full pipe.
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

/// Every stdout line parsed as JSON.
fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"))).collect()
}

fn failed_checks(v: &Value) -> Vec<String> {
    v["checks"].as_array().unwrap().iter().filter(|c| c["ok"] == false).map(|c| c["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn human_output_for_a_valid_mrz() {
    let o = run(&[TD3], None);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("VALID TD3"));
    assert_eq!(lines.next().map(str::trim), Some("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"));
    assert_eq!(lines.next().map(str::trim), Some("L898902C36UTO7408122F1204159ZE184226B<<<<<10"));
    for name in ["length", "charset", "document_type", "country", "nationality", "date", "sex", "name", "filler", "document_number", "birth_date", "expiry_date", "optional_data", "composite"] {
        assert!(out.lines().any(|l| l.split_whitespace().take(2).eq(["ok", name])), "no `ok {name}` line in\n{out}");
    }
    assert!(!out.contains("FAIL"));
    assert!(out.contains("name: ERIKSSON / ANNA MARIA"), "{out}");
    assert!(out.contains("number: L898902C3"), "{out}");
}

#[test]
fn human_output_names_the_failing_digit() {
    let o = run(&[TD3_BAD_DOB], None);
    assert_eq!(code(&o), 0, "an invalid MRZ is still processed");
    let out = stdout(&o);
    assert!(out.starts_with("INVALID TD3\n"), "{out}");
    let fail: Vec<&str> = out.lines().filter(|l| l.trim_start().starts_with("FAIL")).collect();
    assert_eq!(fail.len(), 2, "{out}");
    assert!(fail[0].contains("birth_date") && fail[0].contains("(printed 3, computes 2)"), "{}", fail[0]);
    assert!(fail[0].contains("line 2 cols 14-19"), "{}", fail[0]);
    assert!(fail[1].contains("composite"), "{}", fail[1]);
}

#[test]
fn json_output_has_the_documented_keys() {
    let o = run(&["--json", TD3], None);
    assert_eq!(code(&o), 0);
    let v = json_lines(&o);
    assert_eq!(v.len(), 1);
    let v = &v[0];
    assert_eq!(v["valid"], true);
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["lines"], serde_json::json!(TD3.split('|').collect::<Vec<_>>()));
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["name"].is_string() && c["ok"] == true));
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for n in ["document_number", "birth_date", "expiry_date", "optional_data", "composite"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let f = &v["fields"];
    assert_eq!(f["primary_identifier"], "ERIKSSON");
    assert_eq!(f["secondary_identifier"], "ANNA MARIA");
    assert_eq!(f["document_number"], "L898902C3");
    assert_eq!(f["birth_date"], "740812");
    assert_eq!(f["nationality"], "UTO");

    let bad = &json_lines(&run(&["--json", TD3_BAD_DOB], None))[0];
    assert_eq!(bad["valid"], false);
    assert_eq!(failed_checks(bad), ["birth_date", "composite"]);
    let dob = bad["checks"].as_array().unwrap().iter().find(|c| c["name"] == "birth_date").unwrap();
    assert_eq!(dob["printed"], "3");
    assert_eq!(dob["expected"], "2");
    assert_eq!((dob["line"].as_u64(), dob["start"].as_u64(), dob["end"].as_u64()), (Some(1), Some(13), Some(19)));
}

#[test]
fn format_option_checks_as_that_format() {
    // Detected: a valid visa.
    let v = &json_lines(&run(&["--json", MRVA], None))[0];
    assert_eq!((v["format"].as_str(), v["valid"].as_bool()), (Some("MRVA"), Some(true)));
    // Checked as a passport: the document code is wrong, the rest holds.
    let o = run(&["--json", "--format", "TD3", MRVA], None);
    assert_eq!(code(&o), 0);
    let v = &json_lines(&o)[0];
    assert_eq!(v["format"], "TD3");
    assert_eq!(v["valid"], false);
    assert!(failed_checks(v).contains(&"document_type".to_string()), "{:?}", failed_checks(v));
    // Case and dashes do not matter.
    let v = &json_lines(&run(&["--json", "--format", "mrv-a", MRVA], None))[0];
    assert_eq!((v["format"].as_str(), v["valid"].as_bool()), (Some("MRVA"), Some(true)));
    // A TD1 checked as TD3 has the wrong shape.
    let v = &json_lines(&run(&["--json", "--format=TD3", TD1], None))[0];
    assert_eq!(failed_checks(v), ["length"]);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let o = run(&["--json", "--format", "TD4", TD3], None);
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("TD4") && err.contains("TD1"), "{err}");
}

#[test]
fn other_usage_errors_exit_1() {
    assert_eq!(code(&run(&["--no-such-flag"], None)), 1);
    assert_eq!(code(&run(&["--format"], None)), 1, "--format needs a value");
    // --batch reads stdin only.
    let o = run(&["--batch", TD3], Some(b""));
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--batch"));
}

#[test]
fn help_explains_every_flag_with_examples() {
    let o = run(&["--help"], None);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for flag in ["--json", "--format", "--batch", "[LINE]"] {
        assert!(help.contains(flag), "help lacks {flag}:\n{help}");
    }
    assert!(help.contains("Examples"), "{help}");
    assert!(help.contains("docscreen mrz --batch --json"), "{help}");
    assert!(help.contains("Exit status"), "{help}");
}

#[test]
fn lines_from_args_stdin_and_pipe_joined_agree() {
    let (l1, l2) = TD3.split_once('|').unwrap();
    let reference = stdout(&run(&["--json", TD3], None));
    let two_args = stdout(&run(&["--json", l1, l2], None));
    let stdin_newlines = stdout(&run(&["--json"], Some(format!("{l1}\n{l2}\n").as_bytes())));
    let stdin_crlf = stdout(&run(&["--json"], Some(format!("{l1}\r\n{l2}\r\n").as_bytes())));
    let stdin_pipe = stdout(&run(&["--json"], Some(TD3.as_bytes())));
    assert!(reference.contains("\"valid\":true"), "{reference}");
    for (what, out) in [("two args", two_args), ("stdin lines", stdin_newlines), ("stdin CRLF", stdin_crlf), ("stdin |", stdin_pipe)] {
        assert_eq!(out, reference, "{what}");
    }
    // Three TD1 lines from three arguments.
    let parts: Vec<&str> = TD1.split('|').collect();
    let v = &json_lines(&run(&["--json", parts[0], parts[1], parts[2]], None))[0];
    assert_eq!((v["format"].as_str(), v["valid"].as_bool()), (Some("TD1"), Some(true)));
}

#[test]
fn batch_json_gives_one_object_per_line_in_order() {
    let input = format!("{TD3}\n{TD1}\n\n{TD3_BAD_DOB}\n{MRVA}\n");
    let o = run(&["--batch", "--json"], Some(input.as_bytes()));
    assert_eq!(code(&o), 0);
    let v = json_lines(&o);
    let summary: Vec<(&str, bool)> = v.iter().map(|x| (x["format"].as_str().unwrap(), x["valid"].as_bool().unwrap())).collect();
    assert_eq!(summary, [("TD3", true), ("TD1", true), ("TD3", false), ("MRVA", true)]);
    assert_eq!(failed_checks(&v[2]), ["birth_date", "composite"]);
    // With --format every line is checked as that format.
    let o = run(&["--batch", "--json", "--format", "TD3"], Some(input.as_bytes()));
    let v = json_lines(&o);
    assert!(v.iter().all(|x| x["format"] == "TD3"));
    assert_eq!(failed_checks(&v[1]), ["length"]);
    assert!(failed_checks(&v[3]).contains(&"document_type".to_string()));
}

#[test]
fn batch_continues_past_inputs_that_are_no_mrz() {
    let input = format!("{TD3}\nA|B|C|D\n{TD1}\n{}\n", "X".repeat(500));
    let o = run(&["--batch", "--json"], Some(input.as_bytes()));
    assert_eq!(code(&o), 2, "some inputs could not be processed");
    let v = json_lines(&o);
    assert_eq!(v.len(), 4);
    assert_eq!(v[0]["valid"], true);
    assert_eq!(v[1]["valid"], false);
    assert!(v[1]["error"].as_str().unwrap().contains("4 lines"), "{}", v[1]);
    assert_eq!(v[2]["format"], "TD1");
    assert!(v[2].get("error").is_none());
    assert!(v[3]["error"].as_str().unwrap().contains("500 characters"), "{}", v[3]);
}

#[test]
fn batch_reports_lines_that_are_not_utf8() {
    let mut input = format!("{TD3}\n").into_bytes();
    input.extend_from_slice(b"P<UTO\xff\xfe|L898\n");
    input.extend_from_slice(format!("{TD1}\n").as_bytes());
    let o = run(&["--batch", "--json"], Some(&input));
    assert_eq!(code(&o), 2);
    let v = json_lines(&o);
    assert_eq!(v.len(), 3, "one object per input line");
    assert!(v[1]["error"].as_str().unwrap().contains("UTF-8"), "{}", v[1]);
    assert_eq!(v[2]["format"], "TD1");
}

#[test]
fn input_that_is_no_mrz_exits_2() {
    for (args, stdin) in [
        (vec!["--json", "A|B|C|D"], None),
        (vec!["--json"], Some(&b""[..])),
        (vec!["--json"], Some(&b" \n | \n"[..])),
    ] {
        let o = run(&args, stdin);
        assert_eq!(code(&o), 2, "{args:?} {stdin:?}");
        let v = json_lines(&o);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["valid"], false);
        assert!(v[0]["error"].is_string());
    }
    // Human output says why.
    let o = run(&["A|B|C|D"], None);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).starts_with("error: 4 lines"), "{}", stdout(&o));
    // Non-UTF-8 stdin.
    let o = run(&["--json"], Some(b"\xff\xfe"));
    assert_eq!(code(&o), 2);
}

#[test]
fn text_of_the_wrong_shape_is_processed_not_an_error() {
    // Wrong length or alphabet is a finding (exit 0), not an unprocessable input.
    let o = run(&["--json", &TD3.to_lowercase()], None);
    assert_eq!(code(&o), 0);
    assert_eq!(failed_checks(&json_lines(&o)[0]), ["charset"]);
    assert!(json_lines(&o)[0]["fields"].is_null());
    let o = run(&["--json", &TD3[..80]], None);
    assert_eq!(code(&o), 0);
    assert_eq!(failed_checks(&json_lines(&o)[0]), ["length"]);
}

#[test]
fn large_batch() {
    // 20 000 MRZs in, 20 000 objects out, in order.
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(if i % 2 == 0 { TD3 } else { TD3_BAD_DOB });
        input.push('\n');
    }
    let o = run(&["--batch", "--json"], Some(input.as_bytes()));
    assert_eq!(code(&o), 0);
    let v = json_lines(&o);
    assert_eq!(v.len(), 20_000);
    assert!(v.iter().enumerate().all(|(i, x)| x["valid"] == (i % 2 == 0)));
}
