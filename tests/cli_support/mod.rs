//! Helpers for the tests that run the `docscreen` binary.
#![allow(dead_code)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `docscreen ARGS` with `stdin` (closed when `None`).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docscreen"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env_remove("NO_COLOR");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("docscreen runs");
    if let Some(input) = stdin {
        // From a thread, so that a large input cannot dead-lock on a full pipe.
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    child.wait_with_output().expect("docscreen finishes")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every stdout line parsed as JSON.
pub fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}"))).collect()
}

/// A committed sample image (`examples/data/synth/NAME`).
pub fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data/synth").join(name)
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The finding codes of a screen JSON line.
pub fn codes(v: &Value) -> Vec<String> {
    v["findings"].as_array().expect("findings is an array").iter().map(|f| f["code"].as_str().expect("code").to_string()).collect()
}

/// A clean genuine document of `model` rendered by the generator, as PNG bytes.
pub fn genuine_png(model: &str, dpi: u32, seed: u64) -> Vec<u8> {
    let doc = docscreen::synth::genuine_document(model, dpi, seed).expect("model renders");
    let mut bytes = Vec::new();
    doc.image.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).expect("PNG encodes");
    bytes
}
