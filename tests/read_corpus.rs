//! Reader accuracy on the shared corpora (`../shared/data`): the synthetic
//! samples and the real specimens. Prints the rates and fails below minimum
//! rates set a little under what the reader measures (see `examples/eval_read`
//! for the full breakdown). Skips with a notice when `../shared` is absent.

mod common;

use docscreen::read::Reader;
use std::path::Path;

struct Rates {
    docs: usize,
    exact: usize,
    found: usize,
    chars: usize,
    chars_ok: usize,
    false_found: usize,
    no_mrz: usize,
}

fn tally(reader: &Reader, items: &[(std::path::PathBuf, Vec<String>)]) -> Rates {
    let mut r = Rates { docs: 0, exact: 0, found: 0, chars: 0, chars_ok: 0, false_found: 0, no_mrz: 0 };
    for (path, truth) in items {
        let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let m = reader.read_image(&img);
        if truth.is_empty() {
            r.no_mrz += 1;
            r.false_found += m.found as usize;
            continue;
        }
        r.docs += 1;
        r.found += m.found as usize;
        if &m.lines == truth {
            r.exact += 1;
        } else {
            eprintln!("  miss {}: {:?}", path.file_name().unwrap_or_default().to_string_lossy(), m.lines);
        }
        for (i, t) in truth.iter().enumerate() {
            r.chars += t.len();
            if let Some(l) = m.lines.get(i).filter(|l| l.len() == t.len()) {
                r.chars_ok += l.bytes().zip(t.bytes()).filter(|(a, b)| a == b).count();
            }
        }
    }
    r
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 { 100.0 } else { 100.0 * a as f64 / b as f64 }
}

fn report(name: &str, r: &Rates) {
    println!(
        "{name}: exact {}/{} ({:.1}%), found {:.1}%, chars {:.2}%, false finds {}/{}",
        r.exact,
        r.docs,
        pct(r.exact, r.docs),
        pct(r.found, r.docs),
        pct(r.chars_ok, r.chars),
        r.false_found,
        r.no_mrz
    );
}

fn samples(dir: &Path, keep: impl Fn(&serde_json::Value) -> bool) -> Vec<(std::path::PathBuf, Vec<String>)> {
    let text = std::fs::read_to_string(dir.join("labels.jsonl")).expect("labels.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| keep(v))
        .map(|v| {
            let file = v["file"].as_str().unwrap_or_default().to_string();
            let truth = v["mrz_printed"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default();
            (dir.join("images").join(file), truth)
        })
        .collect()
}

#[test]
fn shared_samples_read_rates() {
    let Some(data) = common::shared_data() else { return };
    let reader = Reader::new();
    let dir = data.join("samples");
    // OCR-B documents (every kind but the wrong-font forgery) must read
    // exactly; the wrong-font forgeries are read as well as a non-OCR-B
    // print allows (characters, not whole documents).
    let ocrb = tally(&reader, &samples(&dir, |v| v["kind"] != "mrz_font"));
    report("samples, OCR-B", &ocrb);
    assert_eq!(ocrb.found, ocrb.docs, "every sample MRZ is found");
    assert!(pct(ocrb.exact, ocrb.docs) >= 94.0, "exact-document rate fell below 94%");
    let font = tally(&reader, &samples(&dir, |v| v["kind"] == "mrz_font"));
    report("samples, other fonts", &font);
    assert!(pct(font.chars_ok, font.chars) >= 95.0, "character accuracy on non-OCR-B prints fell below 95%");
}

#[test]
fn real_specimens_read_rates() {
    let Some(data) = common::shared_data() else { return };
    let dir = data.join("real");
    let text = std::fs::read_to_string(dir.join("truth.tsv")).expect("truth.tsv");
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap_or_default().split('\t').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("truth.tsv has no {n} column"));
    let (cf, cl, cp) = (col("file"), col("lines"), col("px_per_mm"));
    let (mut big, mut small, mut none) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows.filter(|r| !r.trim().is_empty()) {
        let f: Vec<&str> = r.split('\t').collect();
        let lines = f.get(cl).copied().unwrap_or_default();
        let truth: Vec<String> = if lines.is_empty() || lines == "none" { vec![] } else { lines.split('|').map(String::from).collect() };
        let ppm: f64 = f.get(cp).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let item = (dir.join(f.get(cf).copied().unwrap_or_default()), truth);
        if item.1.is_empty() {
            none.push(item);
        } else if ppm >= 4.0 {
            big.push(item);
        } else {
            small.push(item);
        }
    }
    let reader = Reader::new();
    let rb = tally(&reader, &big);
    report("real, MRZ at >= 4 px/mm", &rb);
    let rs = tally(&reader, &small);
    report("real, MRZ below 4 px/mm", &rs);
    let rn = tally(&reader, &none);
    report("real, no MRZ", &rn);
    assert!(pct(rb.exact, rb.docs) >= 85.0, "exact-document rate on real specimens >= 4 px/mm fell below 85%");
    assert!(pct(rb.chars_ok, rb.chars) >= 98.0, "character accuracy on real specimens >= 4 px/mm fell below 98%");
    assert!(pct(rs.found, rs.docs) >= 75.0, "found rate on small real specimens fell below 75%");
    assert_eq!(rn.false_found, 0, "an MRZ was reported on a page without one");
}
