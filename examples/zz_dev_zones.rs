use serde::Deserialize;
#[derive(Deserialize)]
struct Label { file: String, kind: String, model: String, format: String, mrz_printed: Vec<String>, doc_to_image: Option<Vec<f64>>, #[serde(default)] detail: serde_json::Value, #[serde(default)] capture: String, #[serde(default)] dpi: u32, #[serde(default)] blur: f64, #[serde(default)] jpeg_q: Option<u32> }
include!("/tmp/dev/oracle.rs");
fn main() {
    let set = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let tdir = std::path::PathBuf::from(std::env::args().nth(2).unwrap());
    let templates = docscreen::template::Template::load_path(&tdir).unwrap();
    for line in std::fs::read_to_string(set.join("labels.jsonl")).unwrap().lines() {
        let l: Label = serde_json::from_str(line).unwrap();
        let claimed = if l.kind == "wrong_template" { l.model.clone() } else { l.model.clone() };
        let Some(t) = templates.iter().find(|t| t.id() == claimed) else { continue };
        let img = image::open(set.join("images").join(&l.file)).unwrap();
        let rd = oracle_reading(&l).unwrap();
        let f: docscreen::mrz::Format = l.format.parse().unwrap();
        let factor = docscreen::register::downscale_factor(rd.px_per_mm, 6.0);
        let work = docscreen::raster::Planes::from_image_downscaled(&img, factor);
        let reg = docscreen::register::register_planes(&work, factor, &rd, f);
        if !reg.page_found() { println!("{} {} nopage", l.file, l.kind); continue; }
        let g = docscreen::geometry::FormatGeometry::of(f);
        let rect = docscreen::checks::zones::rectify(&work, factor, &reg, g.width_mm, g.height_mm);
        if std::env::var("DUMP").ok().as_deref() == Some(&l.file) { dump(&rect, t, "/tmp/view/dump.png"); }
        let Some(e) = docscreen::checks::zones::evaluate(&rect, t) else { continue };
        let mut zs: Vec<_> = e.zones.iter().map(|z| (z.score - z.threshold, z.name.clone(), z.score)).collect();
        zs.sort_by(|a,b| a.0.total_cmp(&b.0));
        let worst: Vec<String> = zs.iter().take(4).map(|z| format!("{}:{:.2}({:+.2})", z.1, z.2, z.0)).collect();
        println!("{} {:15} {} {}dpi blur{:.1} q{:?} mean{:.2} fail{:.2} | {}", l.file, l.kind, l.capture, l.dpi, l.blur, l.jpeg_q, e.score, e.fail_fraction, worst.join(" "));
    }
}
#[allow(dead_code)]
fn dump(rect: &docscreen::checks::zones::Rectified, t: &docscreen::template::Template, path: &str) {
    let r = t.reference.as_ref().unwrap();
    let a = rect.rgb.to_rgb_image();
    let (w, h) = (a.width(), a.height());
    let mut c = image::RgbImage::new(w, h * 2);
    image::imageops::replace(&mut c, &a, 0, 0);
    image::imageops::replace(&mut c, r, 0, h as i64);
    c.save(path).unwrap();
}
