//! Writes a labelled folder of synthetic MRZ scenes (the reader's own test
//! renderer, `docscreen::read::testkit`) in the samples layout, for tuning
//! and evaluating the reader with `eval_read`.
//!
//! ```sh
//! cargo run --release --example read_scenes -- --out /tmp/scenes-a --seed 1 --count 200 --capture mixed
//! cargo run --release --example eval_read -- /tmp/scenes-a
//! ```
//!
//! `--capture scan|photo|mixed`; `--turn P` is the probability of a 90/180/270°
//! turn (default 0.25); `--font PATH` prints the MRZ in another font
//! (kind `mrz_font`).

use docscreen::read::testkit::{Rng, Scene, SceneFont, render, system_font};
use rayon::prelude::*;
use std::io::Write;
use std::path::PathBuf;

fn main() {
    let mut out = None;
    let mut seed = 1u64;
    let mut count = 100usize;
    let mut capture = "mixed".to_string();
    let mut turn = 0.25f64;
    let mut font = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--out" => out = Some(PathBuf::from(val())),
            "--seed" => seed = val().parse().expect("--seed N"),
            "--count" => count = val().parse().expect("--count N"),
            "--capture" => capture = val(),
            "--turn" => turn = val().parse().expect("--turn P"),
            "--font" => font = Some(val()),
            _ => panic!("unknown argument {a}"),
        }
    }
    let out = out.expect("--out DIR");
    std::fs::create_dir_all(out.join("images")).expect("create output folder");
    let font = font.map(|p| system_font(&p).unwrap_or_else(|| panic!("cannot load font {p}")));
    let labels: Vec<String> = (0..count)
        .into_par_iter()
        .map(|i| {
            let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
            let photo = match capture.as_str() {
                "scan" => false,
                "photo" => true,
                _ => i % 2 == 1,
            };
            let mut s = if photo { Scene::random_photo(&mut rng, turn) } else { Scene::random_scan(&mut rng, turn) };
            if let Some(f) = &font {
                s.font = SceneFont::Other(f.clone());
            }
            let r = render(&s);
            let file = format!("{i:05}.png");
            r.image.save(out.join("images").join(&file)).expect("write image");
            serde_json::json!({
                "file": file,
                "format": s.format.as_str(),
                "kind": if font.is_some() { "mrz_font" } else { "genuine" },
                "genuine": font.is_none(),
                "mrz_true": s.lines,
                "mrz_printed": s.lines,
                "dpi": ((s.px_per_mm * 25.4 / 50.0).round() * 50.0) as u32,
                "capture": if photo { "photo" } else { "scan" },
                "px_per_mm": r.px_per_mm_along_mrz(s.pitch_mm),
                "rotation_deg": s.rotation_deg,
                "blur_px": s.blur_px,
                "tilt": [s.tilt_x, s.tilt_y],
            })
            .to_string()
        })
        .collect();
    let mut f = std::fs::File::create(out.join("labels.jsonl")).expect("write labels");
    for l in labels {
        writeln!(f, "{l}").expect("write labels");
    }
}
