//! Every vector of ../shared/data/mrz-vectors.tsv, checked as the format its
//! `format` column names, must give exactly the expected failing checks.

mod common;

use docscreen::mrz::{self, Format};
use std::collections::BTreeSet;

#[test]
fn shared_mrz_vectors_agree_with_expectations() {
    let Some(dir) = common::shared_data() else { return };
    let text = std::fs::read_to_string(dir.join("mrz-vectors.tsv")).unwrap();
    let mut total = 0;
    let mut wrong = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, format, expect, mrz_text) = (cols[0], cols[1], cols[2], cols[3]);
        let format: Format = format.parse().unwrap();
        total += 1;
        let v = match mrz::validate(mrz_text, Some(format)) {
            Ok(v) => v,
            Err(e) => {
                wrong.push(format!("{id}: error {e}"));
                continue;
            }
        };
        let expected: BTreeSet<&str> = if expect == "valid" { BTreeSet::new() } else { expect.split(',').collect() };
        let got: BTreeSet<&str> = v.failed().map(|c| c.name.as_str()).collect();
        if expected != got || v.is_valid() != (expect == "valid") {
            wrong.push(format!("{id}: expected {expected:?}, got {got:?}"));
        }
    }
    println!("mrz vectors: {}/{} agree", total - wrong.len(), total);
    assert!(total >= 240, "only {total} vectors read");
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}
