//! Reader accuracy and speed on labelled image folders.
//!
//! ```sh
//! cargo run --release --example eval_read -- ../shared/data/samples ../shared/data/real
//! cargo run --release --example eval_read -- --verbose out/synth-seed2
//! ```
//!
//! A folder is either the samples layout (`labels.jsonl` with `file`,
//! `mrz_printed`, `capture`, `dpi`, `kind`; images in `images/`) or the real
//! specimens layout (`truth.tsv` with `file`, `lines` joined by `|` or
//! `none`, `px_per_mm`). Prints, per group (capture × dpi, or for real
//! specimens the resolution class), the found rate, the exact-document read
//! rate (every line exactly right), the character accuracy and the median
//! time per image (decode + read, one thread).

use docscreen::read::Reader;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Item {
    path: PathBuf,
    /// Printed MRZ lines; empty when the image has no MRZ.
    truth: Vec<String>,
    groups: Vec<String>,
    /// Extra label text printed with misses (kind, capture, dpi).
    tag: String,
}

#[derive(Default)]
struct Tally {
    n: usize,
    with_mrz: usize,
    found: usize,
    exact: usize,
    chars: usize,
    chars_ok: usize,
    false_found: usize,
    no_mrz: usize,
    times: Vec<f64>,
}

impl Tally {
    fn add(&mut self, truth: &[String], lines: &[String], found: bool, ms: f64) {
        self.n += 1;
        self.times.push(ms);
        if truth.is_empty() {
            self.no_mrz += 1;
            self.false_found += found as usize;
            return;
        }
        self.with_mrz += 1;
        self.found += found as usize;
        self.exact += (lines == truth) as usize;
        for (i, t) in truth.iter().enumerate() {
            self.chars += t.len();
            if let Some(l) = lines.get(i) {
                if l.len() == t.len() {
                    self.chars_ok += l.bytes().zip(t.bytes()).filter(|(a, b)| a == b).count();
                }
            }
        }
    }

    fn row(&self, name: &str) -> String {
        let pct = |a: usize, b: usize| if b == 0 { "    -".to_string() } else { format!("{:5.1}", 100.0 * a as f64 / b as f64) };
        let mut t = self.times.clone();
        t.sort_by(f64::total_cmp);
        let med = t.get(t.len() / 2).copied().unwrap_or(0.0);
        format!(
            "{name:<24} {:>5} {:>5}  {}%  {}%  {}%  {:>3}/{:<3} {:8.1}",
            self.n,
            self.with_mrz,
            pct(self.found, self.with_mrz),
            pct(self.exact, self.with_mrz),
            pct(self.chars_ok, self.chars),
            self.false_found,
            self.no_mrz,
            med
        )
    }
}

fn load_samples(dir: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(dir.join("labels.jsonl")).map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let file = v["file"].as_str().ok_or("labels.jsonl: no file")?;
        let truth: Vec<String> =
            v["mrz_printed"].as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default();
        let capture = v["capture"].as_str().unwrap_or("?").to_string();
        let dpi = v["dpi"].as_u64().map(|d| format!("{d}dpi")).unwrap_or_else(|| "?dpi".into());
        let mut groups = vec![format!("capture={capture}"), format!("dpi={dpi}"), format!("{capture} {dpi}")];
        if let Some(kind) = v["kind"].as_str() {
            if kind == "mrz_font" {
                groups.push("kind=mrz_font".into());
            } else {
                groups.push("kind!=mrz_font".into());
            }
        }
        let images = dir.join("images");
        let path = if images.join(file).is_file() { images.join(file) } else { dir.join(file) };
        let tag = format!("{} {} {}", v["kind"].as_str().unwrap_or(""), capture, dpi);
        items.push(Item { path, truth, groups, tag });
    }
    Ok(items)
}

fn load_real(dir: &Path) -> Result<Vec<Item>, String> {
    let text = std::fs::read_to_string(dir.join("truth.tsv")).map_err(|e| e.to_string())?;
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().ok_or("truth.tsv is empty")?.split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).ok_or(format!("truth.tsv: no column {name}"));
    let (cf, cl, cp) = (col("file")?, col("lines")?, col("px_per_mm")?);
    let mut items = Vec::new();
    for r in rows.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = r.split('\t').collect();
        let file = f.get(cf).copied().unwrap_or("");
        let lines = f.get(cl).copied().unwrap_or("");
        let truth: Vec<String> = if lines.is_empty() || lines == "none" { vec![] } else { lines.split('|').map(String::from).collect() };
        let ppm: f64 = f.get(cp).and_then(|v| v.parse().ok()).unwrap_or(0.0);
        let class = if truth.is_empty() {
            "no MRZ"
        } else if ppm >= 4.0 {
            "MRZ, >=4 px/mm"
        } else {
            "MRZ, <4 px/mm"
        };
        items.push(Item { path: dir.join(file), truth, groups: vec![class.to_string()], tag: format!("{ppm} px/mm") });
    }
    Ok(items)
}

fn main() {
    let mut verbose = false;
    let mut dirs = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--verbose" | "-v" => verbose = true,
            "--help" | "-h" => {
                eprintln!("usage: eval_read [--verbose] DIR...  (DIR with labels.jsonl + images/, or truth.tsv)");
                return;
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if dirs.is_empty() {
        eprintln!("usage: eval_read [--verbose] DIR...");
        std::process::exit(1);
    }
    let reader = Reader::new();
    for dir in dirs {
        let items = if dir.join("labels.jsonl").is_file() {
            load_samples(&dir)
        } else if dir.join("truth.tsv").is_file() {
            load_real(&dir)
        } else {
            Err("neither labels.jsonl nor truth.tsv".into())
        };
        let items = match items {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                continue;
            }
        };
        let mut all = Tally::default();
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        for it in &items {
            let t = Instant::now();
            let (found, lines, note) = match image::open(&it.path) {
                Ok(img) => {
                    let m = reader.read_image(&img);
                    (m.found, m.lines, m.notes.join("; "))
                }
                Err(e) => (false, vec![], format!("decode error: {e}")),
            };
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            all.add(&it.truth, &lines, found, ms);
            for g in &it.groups {
                groups.entry(g.clone()).or_default().add(&it.truth, &lines, found, ms);
            }
            if verbose && lines != it.truth {
                println!("MISS {} [{}] found={found} {note}", it.path.display(), it.tag);
                for (i, t) in it.truth.iter().enumerate() {
                    let r = lines.get(i).map(String::as_str).unwrap_or("");
                    let marks: String = t.bytes().zip(r.bytes().chain(std::iter::repeat(b' '))).map(|(a, b)| if a == b { ' ' } else { '^' }).collect();
                    println!("  truth {t}\n  read  {r}\n        {marks}");
                }
            }
        }
        println!("\n{}", dir.display());
        println!("{:<24} {:>5} {:>5}  {:>6}  {:>6}  {:>6}  {:>7} {:>8}", "group", "imgs", "mrz", "found", "exact", "chars", "false+", "med ms");
        println!("{}", all.row("all"));
        for (name, t) in &groups {
            println!("{}", t.row(name));
        }
    }
}
