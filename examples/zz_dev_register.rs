use serde::Deserialize;
#[derive(Deserialize)]
struct Label { file: String, kind: String, format: String, mrz_printed: Vec<String>, doc_to_image: Option<Vec<f64>>, #[serde(default)] detail: serde_json::Value, doc_quad: Vec<[f64;2]> }
include!("/tmp/dev/oracle.rs");
fn main() {
    let set = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    for line in std::fs::read_to_string(set.join("labels.jsonl")).unwrap().lines() {
        let l: Label = serde_json::from_str(line).unwrap();
        let img = image::open(set.join("images").join(&l.file)).unwrap();
        let rd = oracle_reading(&l).unwrap();
        let f: docscreen::mrz::Format = l.format.parse().unwrap();
        let r = docscreen::register::register(&img, &rd, f);
        let g = docscreen::geometry::FormatGeometry::of(f);
        let corners = [(0.0,0.0),(g.width_mm,0.0),(g.width_mm,g.height_mm),(0.0,g.height_mm)];
        let errs: Vec<String> = corners.iter().zip(l.doc_quad.iter()).map(|(c,q)| { let p = r.doc_to_image.apply(c.0,c.1).unwrap(); format!("{:.1}", ((p.0-q[0]).powi(2)+(p.1-q[1]).powi(2)).sqrt()/rd.px_per_mm as f64) }).collect();
        let nom: Vec<String> = corners.iter().zip(l.doc_quad.iter()).map(|(c,q)| { let p = r.nominal.apply(c.0,c.1).unwrap(); format!("{:.1}", ((p.0-q[0]).powi(2)+(p.1-q[1]).powi(2)).sqrt()/rd.px_per_mm as f64) }).collect();
        println!("{} {} {} found={:?} err_mm={:?} nominal_err={:?} contrast={:?}", l.file, l.kind, l.format, r.edges_found, errs, nom, r.edge_contrast.map(|c| c.round()));
    }
}
