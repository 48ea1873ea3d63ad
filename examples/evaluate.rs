//! Screening evaluation on a labelled set (the layout of
//! `../shared/data/samples` and of `docscreen synth`): enroll one issuer
//! template per model from `specimens/<model>/`, screen `images/`, and print
//! per forgery kind the rate flagged `fail` and `inconclusive`, the false
//! alarm rate on genuine images, the MRZ exact-read rate and the median time
//! per image. Also writes the table as CSV and a PNG bar chart.
//!
//! ```sh
//! cargo run --release --example evaluate -- ../shared/data/samples --out out/eval-samples
//! docscreen synth --out out/set-b --seed 2 --count 400 && cargo run --release --example evaluate -- out/set-b
//! ```

use docscreen::font;
use docscreen::read::Reader;
use docscreen::report::{Report, Verdict};
use docscreen::screen::{Screener, decode_with_limits, read_file_limited, Limits};
use docscreen::template::enroll::enroll;
use image::{Rgb, RgbImage};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Label {
    file: String,
    model: String,
    kind: String,
    genuine: bool,
    mrz_printed: Vec<String>,
    #[serde(default)]
    capture: String,
    #[serde(default)]
    dpi: u32,
    #[serde(default)]
    format: String,
    #[serde(default)]
    doc_to_image: Option<Vec<f64>>,
    #[serde(default)]
    detail: serde_json::Value,
}

/// The reading a perfect reader would return, from the generator's geometric
/// truth (`doc_to_image`, and the MRZ zone of `mrz_shift` forgeries).
/// Development aid: isolates the template checks from reader errors.
fn oracle_reading(l: &Label) -> Option<docscreen::read::MrzReading> {
    use docscreen::geometry::{FormatGeometry, Homography};
    use docscreen::read::{Affine, CharReading, MrzReading, Point};
    let format: docscreen::mrz::Format = l.format.parse().ok()?;
    let h = Homography(l.doc_to_image.clone()?.try_into().ok()?);
    let g = FormatGeometry::of(format);
    let n = format.line_count();
    let (mut x0, mut pitch, mut y0) = (g.first_char_x_mm, g.char_pitch_mm, g.line_centre_y_mm(0));
    if l.kind == "mrz_shift" || l.kind == "mrz_font" {
        if let Some(z) = l.detail.get("zone_mm").and_then(|z| z.as_array()) {
            let z: Vec<f64> = z.iter().filter_map(|v| v.as_f64()).collect();
            if z.len() == 4 {
                x0 = z[0];
                pitch = z[2] / format.line_len() as f64;
                let cap = z[3] - (n - 1) as f64 * g.line_pitch_mm;
                y0 = z[1] + cap / 2.0;
            }
        }
    }
    let to_img = |x: f64, y: f64| h.apply(x, y).map(|(u, v)| Point::new(u as f32, v as f32)).unwrap_or_default();
    let o = h.apply(x0, y0)?;
    let ex = h.apply(x0 + 1.0, y0)?;
    let ey = h.apply(x0, y0 + 1.0)?;
    let aff = Affine { a: ex.0 - o.0, b: ey.0 - o.0, c: o.0, d: ex.1 - o.1, e: ey.1 - o.1, f: o.1 };
    let chars = l
        .mrz_printed
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line.chars()
                .enumerate()
                .map(|(j, ch)| {
                    let (cx, cy) = (x0 + (j as f64 + 0.5) * pitch, y0 + i as f64 * g.line_pitch_mm);
                    let c = to_img(cx, cy);
                    CharReading {
                        ch,
                        confidence: 1.0,
                        runner_up: '<',
                        runner_up_confidence: 0.0,
                        ocrb_score: if l.kind == "mrz_font" { 0.0 } else { 1.0 },
                        centre: c,
                        quad: [to_img(cx - 1.0, cy - 1.2), to_img(cx + 1.0, cy - 1.2), to_img(cx + 1.0, cy + 1.2), to_img(cx - 1.0, cy + 1.2)],
                    }
                })
                .collect()
        })
        .collect();
    Some(MrzReading {
        found: true,
        format: Some(format),
        lines: l.mrz_printed.clone(),
        chars,
        mrz_to_image: aff,
        quad: [to_img(x0, y0 - 2.0), to_img(x0 + pitch * format.line_len() as f64, y0 - 2.0), to_img(x0 + pitch * format.line_len() as f64, y0 + 2.0 + (n - 1) as f64 * g.line_pitch_mm), to_img(x0, y0 + 2.0 + (n - 1) as f64 * g.line_pitch_mm)],
        rotation_deg: 0.0,
        px_per_mm: ((aff.a * aff.a + aff.d * aff.d).sqrt()) as f32,
        check_digit_choices: vec![],
        notes: vec!["oracle reading from labels".into()],
    })
}

struct Row {
    kind: String,
    n: usize,
    fail: usize,
    inconclusive: usize,
    exact: usize,
    codes: BTreeMap<String, usize>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut set = None;
    let mut out = PathBuf::from("out/eval");
    let mut oracle = false;
    let mut enroll_from: Option<PathBuf> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--oracle" => oracle = true,
            "--enroll-from" => {
                i += 1;
                enroll_from = args.get(i).map(PathBuf::from);
            }
            "--out" => {
                i += 1;
                out = PathBuf::from(args.get(i).cloned().unwrap_or_default());
            }
            a => set = Some(PathBuf::from(a)),
        }
        i += 1;
    }
    let Some(set) = set else {
        eprintln!("usage: evaluate SET_DIR [--out DIR] [--oracle]   (SET_DIR has labels.jsonl, images/, specimens/<model>/;\n  --oracle screens with readings built from the labels' geometric truth: a development aid for the template checks)");
        std::process::exit(1);
    };
    std::fs::create_dir_all(&out).expect("create output directory");
    let templates = out.join("templates");
    std::fs::create_dir_all(&templates).expect("create template directory");

    // Enroll one template per model.
    let reader = Reader::new();
    let limits = Limits::default();
    let load = |p: &Path| read_file_limited(p, limits.max_encoded_bytes).and_then(|b| decode_with_limits(&b, &limits));
    if let Some(from) = &enroll_from {
        // Development path: genuine scans of another labelled set as
        // specimens, read by the oracle (calibrate on one set, report on another).
        let labels = read_labels(from);
        let mut by_model: BTreeMap<String, Vec<&Label>> = BTreeMap::new();
        for l in labels.iter().filter(|l| l.kind == "genuine" && l.capture == "scan") {
            by_model.entry(l.model.clone()).or_default().push(l);
        }
        for (id, ls) in by_model {
            let pairs: Vec<(image::DynamicImage, docscreen::read::MrzReading)> = ls
                .iter()
                .take(3)
                .filter_map(|l| Some((load(&from.join("images").join(&l.file)).ok()?, oracle_reading(l)?)))
                .collect();
            let refs: Vec<(&image::DynamicImage, &docscreen::read::MrzReading)> = pairs.iter().map(|(a, b)| (a, b)).collect();
            match docscreen::template::enroll::enroll_with_readings(&id, &refs).and_then(|e| e.write(&templates.join(format!("{id}.toml")))) {
                Ok(()) => eprintln!("enrolled {id} from {} labelled genuine scans of {}", refs.len(), from.display()),
                Err(e) => eprintln!("enrollment of {id} failed: {e}"),
            }
        }
    } else {
        let mut models: Vec<PathBuf> = std::fs::read_dir(set.join("specimens"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect())
            .unwrap_or_default();
        models.sort();
        for m in &models {
            let id = m.file_name().and_then(|s| s.to_str()).unwrap_or("model").to_string();
            let mut files: Vec<PathBuf> = std::fs::read_dir(m).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
            files.sort();
            let imgs: Vec<_> = files.iter().filter_map(|f| load(f).ok()).collect();
            match enroll(&id, &imgs, &reader).and_then(|e| e.write(&templates.join(format!("{id}.toml")))) {
                Ok(()) => eprintln!("enrolled {id} from {} specimens", imgs.len()),
                Err(e) => eprintln!("enrollment of {id} failed: {e}"),
            }
        }
    }
    let screener = Screener::builder().templates_path(&templates).and_then(|b| b.build()).unwrap_or_else(|e| {
        eprintln!("templates: {e}; screening with the ICAO templates only");
        Screener::new()
    });

    let labels = read_labels(&set);
    let results: Vec<(&Label, Option<Report>, f64)> = labels
        .par_iter()
        .map(|l| {
            let t = std::time::Instant::now();
            let bytes = read_file_limited(&set.join("images").join(&l.file), limits.max_encoded_bytes);
            let r = if oracle {
                bytes.and_then(|b| decode_with_limits(&b, &limits)).ok().and_then(|img| oracle_reading(l).and_then(|rd| screener.screen_with_reading(&img, rd).ok()))
            } else {
                bytes.and_then(|b| screener.screen_encoded(&b)).ok()
            };
            (l, r, t.elapsed().as_secs_f64() * 1000.0)
        })
        .collect();

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut times = Vec::new();
    let mut details = Vec::new();
    let mut reports = String::new();
    for (l, r, ms) in &results {
        if let Some(r) = r {
            reports.push_str(&format!("{{\"file\":{:?},\"kind\":{:?},\"report\":{}}}\n", l.file, l.kind, r.to_json()));
        }
        times.push(*ms);
        let row = rows.entry(l.kind.clone()).or_insert_with(|| Row { kind: l.kind.clone(), n: 0, fail: 0, inconclusive: 0, exact: 0, codes: BTreeMap::new() });
        row.n += 1;
        let Some(r) = r else {
            details.push(format!("{}\t{}\t{}\terror", l.file, l.model, l.kind));
            continue;
        };
        match r.verdict {
            Verdict::Fail => row.fail += 1,
            Verdict::Inconclusive => row.inconclusive += 1,
            Verdict::Pass => {}
        }
        if r.mrz.as_ref().is_some_and(|m| m.lines == l.mrz_printed) {
            row.exact += 1;
        }
        let codes: Vec<&str> = r.findings.iter().filter(|f| f.severity >= docscreen::report::Severity::Warning).map(|f| f.code.as_str()).collect();
        for c in &codes {
            *row.codes.entry(c.to_string()).or_default() += 1;
        }
        details.push(format!("{}\t{}\t{}\t{}\t{}\t{}dpi\t{}\t{}", l.file, l.model, l.kind, l.capture, r.verdict, l.dpi, l.genuine, codes.join(",")));
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);

    let mut csv = String::from("kind,n,fail_rate,inconclusive_rate,pass_rate,mrz_exact_rate,findings\n");
    println!("{:<16} {:>5} {:>8} {:>8} {:>8} {:>9}  findings (warning+)", "kind", "n", "fail", "inconcl", "pass", "mrz exact");
    for r in rows.values() {
        let pct = |k: usize| 100.0 * k as f64 / r.n.max(1) as f64;
        let codes: Vec<String> = r.codes.iter().map(|(c, n)| format!("{c}:{n}")).collect();
        println!(
            "{:<16} {:>5} {:>7.1}% {:>7.1}% {:>7.1}% {:>8.1}%  {}",
            r.kind,
            r.n,
            pct(r.fail),
            pct(r.inconclusive),
            pct(r.n - r.fail - r.inconclusive),
            pct(r.exact),
            codes.join(" ")
        );
        csv.push_str(&format!(
            "{},{},{:.4},{:.4},{:.4},{:.4},{}\n",
            r.kind,
            r.n,
            r.fail as f64 / r.n as f64,
            r.inconclusive as f64 / r.n as f64,
            (r.n - r.fail - r.inconclusive) as f64 / r.n as f64,
            r.exact as f64 / r.n as f64,
            codes.join(" ")
        ));
    }
    if let Some(g) = rows.get("genuine") {
        println!("false alarms (fail on genuine): {}/{} = {:.1}%", g.fail, g.n, 100.0 * g.fail as f64 / g.n.max(1) as f64);
    }
    let exact: usize = rows.values().map(|r| r.exact).sum();
    println!("MRZ exact-read rate: {}/{} = {:.1}%", exact, results.len(), 100.0 * exact as f64 / results.len().max(1) as f64);
    println!("median time per image: {median:.1} ms (wall, {} threads)", rayon::current_num_threads());
    std::fs::write(out.join("evaluation.csv"), csv).expect("write csv");
    std::fs::write(out.join("details.tsv"), details.join("\n") + "\n").expect("write details");
    std::fs::write(out.join("reports.jsonl"), reports).expect("write reports");
    chart(&rows.values().collect::<Vec<_>>()).save(out.join("evaluation.png")).expect("write chart");
    println!("wrote {}/evaluation.csv, details.tsv, evaluation.png", out.display());
}

fn read_labels(set: &Path) -> Vec<Label> {
    std::fs::read_to_string(set.join("labels.jsonl"))
        .expect("labels.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("label line"))
        .collect()
}

/// Stacked bars per kind: fail (red), inconclusive (grey), pass (green).
fn chart(rows: &[&Row]) -> RgbImage {
    let (bar_w, gap, h, top, left) = (70u32, 20u32, 260u32, 30u32, 40u32);
    let w = left + rows.len() as u32 * (bar_w + gap) + gap;
    let mut img = RgbImage::from_pixel(w, h + top + 60, Rgb([255, 255, 255]));
    for (i, r) in rows.iter().enumerate() {
        let x0 = left + gap + i as u32 * (bar_w + gap);
        let parts = [(r.fail, Rgb([200, 40, 40])), (r.inconclusive, Rgb([150, 150, 150])), (r.n - r.fail - r.inconclusive, Rgb([60, 160, 80]))];
        let mut y = top + h;
        for (k, col) in parts {
            let bh = (h as f64 * k as f64 / r.n.max(1) as f64).round() as u32;
            for yy in y.saturating_sub(bh)..y {
                for xx in x0..x0 + bar_w {
                    img.put_pixel(xx, yy, col);
                }
            }
            y = y.saturating_sub(bh);
        }
        text(&mut img, &r.kind.to_ascii_uppercase(), x0, top + h + 8, 10.0);
        text(&mut img, &format!("{:.0}", 100.0 * r.fail as f64 / r.n.max(1) as f64), x0 + 4, top.saturating_sub(22) + 4, 12.0);
    }
    text(&mut img, "FAIL RATE PER KIND", left, 2, 12.0);
    img
}

fn text(img: &mut RgbImage, s: &str, x: u32, y: u32, cap: f32) {
    let mut cx = x;
    for ch in s.chars() {
        let c = if ch == '_' { '<' } else { ch };
        if let Some(g) = font::rasterize(font::ocrb(), c, cap) {
            for (gx, gy, p) in g.enumerate_pixels() {
                let (px, py) = (cx + gx, y + gy);
                if p[0] > 100 && px < img.width() && py < img.height() {
                    img.put_pixel(px, py, Rgb([0, 0, 0]));
                }
            }
        }
        cx += (cap * 0.8) as u32;
    }
}
