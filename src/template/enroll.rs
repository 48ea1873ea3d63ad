//! Enrollment: an issuer template from genuine specimen images of one model.
//!
//! Each specimen is read (MRZ), registered (page edges) and rectified into the
//! template frame at [`REF_PX_PER_MM`]. The per-pixel median is the
//! reference; pixels that vary between specimens are personal data (masked);
//! the portrait is the largest photo-sized personal region; the rest of the
//! page above the MRZ is cut into tiles compared as static or background
//! zones. Each zone's threshold is calibrated leave-one-out: every specimen,
//! also degraded as a capture would degrade it, is scored against the median
//! of the others, and the threshold sits a margin below the lowest score.
//! With fewer than three specimens the defaults apply, and the template says so.

use super::{Calibration, FORMAT_VERSION, MrzSpec, ReferenceSpec, Template, TemplateFile, Zone, ZoneKind};
use crate::checks::zones::{self, DEFAULT_ZONE_THRESHOLD, LEVELS, PreparedReference, REF_PX_PER_MM, Rectified};
use crate::error::Error;
use crate::geometry::{FormatGeometry, MRZ_ZONE_HEIGHT_MM, RectMm};
use crate::mrz;
use crate::raster::{self, Planes, box_blur};
use crate::read::{MrzReading, Reader};
use crate::register;
use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use std::io::Cursor;
use std::path::Path;

/// Luminance difference from the median above which a pixel is personal.
const VARIATION_LEVELS: f32 = 28.0;
/// Personal regions are grown by this much (anti-aliased text edges).
const MASK_GROW_MM: f64 = 0.8;
/// Tile size for static/background zones.
const TILE_MM: f64 = 12.0;
/// Threshold margin below the lowest leave-one-out score.
const THRESHOLD_MARGIN: f64 = 0.12;
const THRESHOLD_RANGE: (f64, f64) = (0.2, 0.9);

/// An enrolled template: the file and its reference data, ready to write.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub file: TemplateFile,
    pub reference_png: Vec<u8>,
    pub mask_png: Vec<u8>,
    pub notes: Vec<String>,
}

impl Enrolled {
    /// Writes `path` (TOML) and the reference data beside it
    /// (`<stem>.ref.png`, `<stem>.mask.png`).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| Error::Io { path: p, source }
        };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut file = self.file.clone();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("template").to_string();
        let r = file.reference.as_mut().ok_or_else(|| Error::Template("enrolled template has no reference".into()))?;
        r.image = format!("{stem}.ref.png");
        r.mask = format!("{stem}.mask.png");
        let ref_path = dir.join(&r.image);
        let mask_path = dir.join(&r.mask);
        std::fs::write(&ref_path, &self.reference_png).map_err(io(&ref_path))?;
        std::fs::write(&mask_path, &self.mask_png).map_err(io(&mask_path))?;
        let text = toml::to_string(&file).map_err(|e| Error::Template(format!("cannot serialise template: {e}")))?;
        let header = "# docscreen issuer template, made by `docscreen enroll`.\n# Reference data beside this file is verified against the SHA-256 recorded here.\n";
        std::fs::write(path, format!("{header}{text}")).map_err(io(path))
    }

    /// The template in memory, without writing files.
    pub fn into_template(self) -> Result<Template, Error> {
        let (r, m) = (self.reference_png, self.mask_png);
        let names = self.file.reference.clone().map(|x| (x.image, x.mask)).unwrap_or_default();
        Template::from_file(self.file, move |name| {
            if name == names.0 {
                Ok(r.clone())
            } else if name == names.1 {
                Ok(m.clone())
            } else {
                Err(Error::Template(format!("no reference data named {name}")))
            }
        })
    }
}

struct Specimen {
    rect: Rectified,
    /// Where the MRZ prints on this specimen (mm, page frame): the left
    /// edge of the first character and the offset of the line centres from
    /// their Doc 9303 nominal positions, means over the lines.
    mrz_position: Option<(f64, f64)>,
    issuer: String,
    code: String,
    format: mrz::Format,
}

fn prepare(img: &DynamicImage, reading: &MrzReading, index: usize) -> Result<Specimen, Error> {
    let bad = |m: String| Error::Template(format!("specimen {}: {m}", index + 1));
    if !reading.found {
        return Err(bad(format!("no MRZ read ({})", reading.notes.join("; "))));
    }
    let v = mrz::validate_lines(&reading.lines, reading.format).map_err(|e| bad(e.to_string()))?;
    if let Some(c) = v.failed().find(|c| c.name.kind() == mrz::CheckKind::CheckDigit) {
        return Err(bad(format!("MRZ check digit {} fails: not a clean genuine specimen", c.name)));
    }
    let format = v.format();
    let g = FormatGeometry::of(format);
    let factor = register::downscale_factor(reading.px_per_mm, REF_PX_PER_MM);
    let work = Planes::from_image_downscaled(img, factor);
    let reg = register::register_planes(&work, factor, reading, format);
    if !reg.page_found() {
        return Err(bad("page outline not found: enroll from scans showing the whole page on a contrasting background".into()));
    }
    let f = v.fields();
    let mrz_position = crate::checks::mrz_geometry::measure_lines(reading, &reg.image_to_doc).map(|lines| {
        let n = lines.len() as f64;
        let x = lines.iter().map(|l| l.first_char_left_mm).sum::<f64>() / n;
        let dy = lines.iter().enumerate().map(|(i, l)| l.centre_y_mm - g.line_centre_y_mm(i)).sum::<f64>() / n;
        (x, dy)
    });
    Ok(Specimen {
        mrz_position,
        rect: zones::rectify(&work, factor, &reg, g.width_mm, g.height_mm),
        issuer: f.issuing_state,
        code: f.document_code,
        format,
    })
}

/// How far the MRZ of a genuine document may print from where the issuer's
/// specimens print it, mm, beyond the specimens' own spread. An issuer's
/// personalisation printer holds its registration far tighter than the
/// ±2 mm (vertical) and ±1 mm (horizontal) Doc 9303 allows any issuer.
const ISSUER_POSITION_TOLERANCE_MM: f64 = 0.6;

/// The Doc 9303 tolerances, with the position narrowed to where the
/// specimens print the MRZ (unchanged when no specimen could be measured).
fn issuer_mrz_position(specs: &[Specimen], format: mrz::Format) -> MrzSpec {
    let icao = MrzSpec::icao(format);
    let pos: Vec<(f64, f64)> = specs.iter().filter_map(|s| s.mrz_position).collect();
    if pos.is_empty() {
        return icao;
    }
    let n = pos.len() as f64;
    let (x, dy) = (pos.iter().map(|p| p.0).sum::<f64>() / n, pos.iter().map(|p| p.1).sum::<f64>() / n);
    let spread_x = pos.iter().map(|p| (p.0 - x).abs()).fold(0.0, f64::max);
    let spread_y = pos.iter().map(|p| (p.1 - dy).abs()).fold(0.0, f64::max);
    let tol_x = ISSUER_POSITION_TOLERANCE_MM + spread_x;
    MrzSpec {
        first_char_x_mm: [x - tol_x, x + tol_x],
        line_centre_tolerance_mm: ISSUER_POSITION_TOLERANCE_MM + spread_y,
        line_centre_offset_mm: Some(dy),
        ..icao
    }
}

fn median(values: &mut [f32]) -> f32 {
    values.sort_by(f32::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn median_planes(specs: &[&Rectified]) -> Planes {
    let (w, h) = (specs[0].width, specs[0].height);
    let mut out = Planes::new(w, h);
    let mut buf = vec![0.0f32; specs.len()];
    for i in 0..w * h {
        for c in 0..3 {
            for (k, s) in specs.iter().enumerate() {
                buf[k] = s.rgb.data[i][c];
            }
            out.data[i][c] = median(&mut buf);
        }
    }
    out
}

fn median_of(planes: &[&[f32]]) -> Vec<f32> {
    let n = planes[0].len();
    let mut buf = vec![0.0f32; planes.len()];
    (0..n)
        .map(|i| {
            for (k, p) in planes.iter().enumerate() {
                buf[k] = p[i];
            }
            median(&mut buf)
        })
        .collect()
}

/// Grows the set pixels of a binary mask by `r` pixels (square structuring element).
fn dilate(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let f: Vec<f32> = mask.iter().map(|&m| if m { 1.0 } else { 0.0 }).collect();
    box_blur(&f, w, h, r).iter().map(|&v| v > 1e-4).collect()
}

fn blur_rgb(rgb: &mut Planes, r: usize) {
    let (w, h) = (rgb.width, rgb.height);
    for c in 0..3 {
        let ch: Vec<f32> = rgb.data.iter().map(|p| p[c]).collect();
        let b = box_blur(&box_blur(&ch, w, h, r), w, h, r);
        rgb.data.iter_mut().zip(b).for_each(|(p, v)| p[c] = v);
    }
}

fn jpeg_round_trip(rgb: &Planes, quality: u8) -> Option<Planes> {
    let img = rgb.to_rgb_image();
    let mut bytes = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    img.write_with_encoder(enc).ok()?;
    let d = image::load_from_memory(&bytes).ok()?;
    Some(Planes::from_rgb_image(&d.to_rgb8()))
}

/// The degradations a specimen goes through during calibration, standing
/// for what captures do: blur, sensor noise, JPEG, and low resolution.
const DEGRADATIONS: usize = 5;

/// Deterministic capture degradations of a rectified specimen.
fn degrade(r: &Rectified, kind: usize) -> Rectified {
    let (w, h) = (r.width, r.height);
    let mut rgb = r.rgb.clone();
    match kind {
        1 => blur_rgb(&mut rgb, 1),
        2 => {
            let mut s = 0x9e37_79b9_7f4a_7c15u64;
            for p in rgb.data.iter_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let n = ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 24.0;
                for c in p.iter_mut() {
                    *c = (*c + n).clamp(0.0, 255.0);
                }
            }
        }
        3 => {
            if let Some(j) = jpeg_round_trip(&rgb, 40) {
                rgb = j;
            }
        }
        4 => {
            // Half resolution (a 150 dpi capture seen at 6 px/mm), then JPEG.
            let small = Planes {
                width: w / 2,
                height: h / 2,
                data: (0..(w / 2) * (h / 2))
                    .map(|i| {
                        let (x, y) = (2 * (i % (w / 2)), 2 * (i / (w / 2)));
                        let p = [rgb.data[y * w + x], rgb.data[y * w + x + 1], rgb.data[(y + 1) * w + x], rgb.data[(y + 1) * w + x + 1]];
                        [0, 1, 2].map(|c| p.iter().map(|q| q[c]).sum::<f32>() / 4.0)
                    })
                    .collect(),
            };
            let small = jpeg_round_trip(&small, 60).unwrap_or(small);
            for y in 0..h {
                for x in 0..w {
                    let s = small.sample((x as f64 + 0.5) / 2.0, (y as f64 + 0.5) / 2.0).unwrap_or(rgb.data[y * w + x]);
                    rgb.data[y * w + x] = s;
                }
            }
        }
        _ => {}
    }
    Rectified::from_rgb(rgb, r.valid.clone())
}

fn png(img: &DynamicImage) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).map_err(Error::Image)?;
    Ok(out)
}

/// Below this window correlation with the reference, at the finest detail,
/// a specimen's print is taken to vary there (screening flags a document's
/// window below `local::MAX_WINDOW_NCC`).
const FINE_STABLE_NCC: f32 = 0.6;

/// Pixels, outside `personal`, where some specimen's fine detail does not
/// correlate with the reference's (all false with one specimen).
fn fine_variation(rects: &[&Rectified], ref_base: &[f32], personal: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = vec![false; w * h];
    if rects.len() < 2 {
        return out;
    }
    for r in rects {
        let stable: Vec<bool> = (0..w * h).map(|i| r.valid[i] && !personal[i]).collect();
        let ncc = crate::checks::local::window_ncc(&r.base, ref_base, &stable, w, h);
        for i in 0..w * h {
            out[i] |= !personal[i] && ncc[i] < FINE_STABLE_NCC;
        }
    }
    out
}

/// Specimens needed to tell the print under personal text from print that
/// varies itself: with two, one odd specimen cannot be outvoted.
const MIN_PRINT_SPECIMENS: usize = 3;
/// Specimens that must show a pixel's print free of their text ink.
const MIN_PRINT_VIEWS: usize = 2;
/// Glyphs at least this tall (mm), and at most three times it, inside the
/// personal block are values, not captions: the text ink of the nine seed 33
/// templates ran 0.7–1.3 mm tall in captions, 1.8–2.2 mm in values.
const VALUE_GLYPH_MIN_MM: f64 = 1.6;
/// The rim masked around such a glyph that every specimen printed alike,
/// pixels at [`REF_PX_PER_MM`].
const SHARED_VALUE_RIM_PX: usize = 3;

/// Masks value-sized glyphs in the personal block that did not vary between
/// specimens, their box and a rim (`text`: the reference's text ink;
/// `varies`: the pixels that varied). Five visas that all read `MULT` under
/// "Entries" leave the word in the reference; its strokes are masked as
/// block text, but their soft edges would still be compared, and a genuine
/// visa reading `2` failed its tile there (seed 33: 9 of 13 genuine
/// `uto-v-2022`).
fn mask_shared_values(personal: &mut [bool], text: &[bool], varies: &[bool], in_block: impl Fn(usize) -> bool, w: usize, h: usize) {
    let min_h = (VALUE_GLYPH_MIN_MM * REF_PX_PER_MM).round() as usize;
    let in_block_text: Vec<bool> = (0..w * h).map(|i| text[i] && in_block(i) && !varies[i]).collect();
    for (x0, y0, x1, y1, _) in raster::components(&in_block_text, w, h) {
        // Glyph-shaped: a few letters run together at most.
        let (gw, gh) = (x1 - x0, y1 - y0);
        if gh < min_h || gh > 3 * min_h || 2 * gw > 5 * gh {
            continue;
        }
        let r = SHARED_VALUE_RIM_PX;
        for y in y0.saturating_sub(r)..(y1 + r).min(h) {
            for x in x0.saturating_sub(r)..(x1 + r).min(w) {
                personal[y * w + x] = true;
            }
        }
    }
}

/// Spread (0–255) of the specimens' ink-free 5-pixel means, lighting
/// removed, above which the page varies without ink there (a ghost
/// portrait; the photo). Measured on five `uto-va-2023` specimens (seed
/// 12): over stable print, median 0 and 90th percentile 5; over the ghost
/// portrait, 90th percentile 13 and 99th 26.
const PRINT_SPREAD_LEVELS: f32 = 8.0;
/// Regions varying without ink at least this large (mm, both ways) are left
/// out whole, their bounding box grown by [`VARYING_MARGIN_MM`]: a ghost
/// varies in places only, and a document's ghost elsewhere.
const VARYING_REGION_MM: f64 = 3.0;
const VARYING_MARGIN_MM: f64 = 1.5;
/// Radius over which a specimen's lighting is measured against the
/// reference (px, 2.5 mm).
const LIGHTING_RADIUS: usize = 15;

/// Personal pixels above the MRZ, clear of the photo and its ring, where the
/// page's print under the text agreed on the specimens that show it free of
/// ink (at least [`MIN_PRINT_VIEWS`]): the print under text of varying
/// length, not print that varies itself (a ghost portrait, which the text
/// rows' mask also covers).
fn personal_print(rects: &[&Rectified], ref_base: &[f32], personal: &[bool], photo_ring: Option<RectMm>, mrz_top: usize, w: usize, h: usize) -> Vec<bool> {
    let n = w * h;
    let mut out = vec![false; n];
    if rects.len() < MIN_PRINT_SPECIMENS {
        return out;
    }
    let rim = zones::PRINT_INK_RIM_PX;
    let above = |i: usize| i / w < mrz_top;
    let stable: Vec<f32> = (0..n).map(|i| if !personal[i] && rects.iter().all(|r| r.valid[i]) { 1.0 } else { 0.0 }).collect();
    let stable_share = box_blur(&stable, w, h, LIGHTING_RADIUS);
    let (mut lo, mut hi, mut views) = (vec![f32::INFINITY; n], vec![f32::NEG_INFINITY; n], vec![0usize; n]);
    for r in rects {
        let ink = zones::grow(&zones::text_ink(&r.base, w, h), w, h, rim);
        let free: Vec<f32> = (0..n).map(|i| if r.valid[i] && !ink[i] { 1.0 } else { 0.0 }).collect();
        let free_share = box_blur(&free, w, h, 2);
        let free_sum = box_blur(&(0..n).map(|i| free[i] * r.base[i]).collect::<Vec<f32>>(), w, h, 2);
        // The capture's lighting against the reference, over stable print.
        let offset = box_blur(&(0..n).map(|i| stable[i] * (r.base[i] - ref_base[i])).collect::<Vec<f32>>(), w, h, LIGHTING_RADIUS);
        for i in (0..n).filter(|&i| above(i) && free[i] > 0.0 && free_share[i] > 0.2) {
            let lighting = if stable_share[i] > 0.05 { offset[i] / stable_share[i] } else { 0.0 };
            let v = free_sum[i] / free_share[i] - lighting;
            lo[i] = lo[i].min(v);
            hi[i] = hi[i].max(v);
            views[i] += 1;
        }
    }
    let varies: Vec<bool> = (0..n).map(|i| views[i] >= MIN_PRINT_VIEWS && hi[i] - lo[i] > PRINT_SPREAD_LEVELS).collect();
    let mm = |px: usize| px as f64 / REF_PX_PER_MM;
    let margin = (VARYING_MARGIN_MM * REF_PX_PER_MM).round() as usize;
    let mut excluded = dilate(&varies, w, h, (REF_PX_PER_MM).round() as usize);
    for (x0, y0, x1, y1, _) in raster::components(&excluded, w, h) {
        if mm(x1 - x0) >= VARYING_REGION_MM && mm(y1 - y0) >= VARYING_REGION_MM {
            for y in y0.saturating_sub(margin)..(y1 + margin).min(h) {
                excluded[y * w + x0.saturating_sub(margin)..y * w + (x1 + margin).min(w)].fill(true);
            }
        }
    }
    let ref_ink = zones::grow(&zones::text_ink(ref_base, w, h), w, h, rim);
    let in_ring = |i: usize| photo_ring.is_some_and(|r| r.contains((i % w) as f64 / REF_PX_PER_MM, (i / w) as f64 / REF_PX_PER_MM));
    for i in 0..n {
        out[i] = personal[i] && above(i) && views[i] >= MIN_PRINT_VIEWS && !excluded[i] && !ref_ink[i] && !in_ring(i);
    }
    out
}

/// Enrolls a template with id `id` from genuine specimens of one model.
pub fn enroll(id: &str, specimens: &[DynamicImage], reader: &Reader) -> Result<Enrolled, Error> {
    let readings: Vec<MrzReading> = specimens.iter().map(|s| reader.read(&crate::raster::gray(s))).collect();
    let pairs: Vec<(&DynamicImage, &MrzReading)> = specimens.iter().zip(readings.iter()).collect();
    enroll_with_readings(id, &pairs)
}

/// Like [`enroll`], with the MRZ readings already made (by another reader,
/// or from ground truth).
pub fn enroll_with_readings(id: &str, specimens: &[(&DynamicImage, &MrzReading)]) -> Result<Enrolled, Error> {
    if specimens.is_empty() {
        return Err(Error::InvalidArgument("enrollment needs at least one specimen image".into()));
    }
    let specs: Vec<Specimen> = specimens.iter().enumerate().map(|(i, (s, r))| prepare(s, r, i)).collect::<Result<_, _>>()?;
    let first = &specs[0];
    for (i, s) in specs.iter().enumerate().skip(1) {
        if (s.format, &s.issuer, &s.code) != (first.format, &first.issuer, &first.code) {
            return Err(Error::Template(format!(
                "specimen {} is {} {} {}, specimen 1 is {} {} {}: enroll one model at a time",
                i + 1,
                s.issuer,
                s.code,
                s.format,
                first.issuer,
                first.code,
                first.format
            )));
        }
    }
    let format = first.format;
    let g = FormatGeometry::of(format);
    let (w, h) = (first.rect.width, first.rect.height);
    let rects: Vec<&Rectified> = specs.iter().map(|s| &s.rect).collect();
    let mut notes = Vec::new();

    // Reference and personal mask.
    let reference = median_planes(&rects);
    let bases: Vec<&[f32]> = rects.iter().map(|r| r.base.as_slice()).collect();
    let ref_base = median_of(&bases);
    // Variation is judged at the finest comparison level, where sub-pixel
    // misregistration of fine guilloche lines between specimens is smoothed.
    let ref_luma = zones::level_luma(&ref_base, w, h, 0);
    let spec_lumas: Vec<Vec<f32>> = rects.iter().map(|r| zones::level_luma(&r.base, w, h, 0)).collect();
    let mrz_top = ((g.height_mm - MRZ_ZONE_HEIGHT_MM) * REF_PX_PER_MM).floor() as usize;
    let mut personal: Vec<bool> = (0..w * h)
        .map(|i| {
            i / w >= mrz_top
                || rects.iter().any(|r| !r.valid[i])
                || (rects.len() > 1 && spec_lumas.iter().any(|l| (l[i] - ref_luma[i]).abs() > VARIATION_LEVELS))
        })
        .collect();
    if rects.len() == 1 {
        // One specimen cannot show what varies: mask every dark mark
        // (personal text included, pre-printed text too) and say so.
        let bg = box_blur(&ref_luma, w, h, (3.0 * REF_PX_PER_MM) as usize);
        for i in 0..w * h {
            if ref_luma[i] < bg[i] - 30.0 {
                personal[i] = true;
            }
        }
        notes.push("one specimen: personal data cannot be told from pre-printed ink; every dark mark is masked and default thresholds apply".into());
    }
    let grow = (MASK_GROW_MM * REF_PX_PER_MM).round() as usize;
    let personal = dilate(&personal, w, h, grow);

    // Portrait: the largest photo-shaped personal region above the MRZ.
    // Clear of the band just above the MRZ zone, where registration jitter
    // between specimens can join the portrait to a page-wide strip.
    let above_limit = mrz_top.saturating_sub((2.0 * REF_PX_PER_MM) as usize);
    let above: Vec<bool> = (0..w * h).map(|i| personal[i] && i / w < above_limit).collect();
    let mm = |px: usize| px as f64 / REF_PX_PER_MM;
    let portrait = raster::components(&above, w, h)
        .into_iter()
        .filter(|&(x0, y0, x1, y1, _)| {
            let (bw, bh) = (mm(x1 - x0), mm(y1 - y0));
            bw >= 12.0 && bh >= 15.0 && (0.9..=1.8).contains(&(bh / bw)) && bw < g.width_mm * 0.6
        })
        .max_by_key(|c| c.4)
        .map(|(x0, y0, x1, y1, _)| RectMm::new(mm(x0), mm(y0), mm(x1 - x0), mm(y1 - y0)));
    // The zone is the photo's frame, which extends beyond the varying face.
    let blob = portrait;
    let portrait = portrait.map(|p| {
        crate::checks::portrait::frame_around(&zones::level_luma(&ref_base, w, h, 0), w, h, &p)
            .filter(|f| f.x >= 0.0 && f.y >= 0.0 && f.right() <= g.width_mm && f.bottom() <= g.height_mm)
            .unwrap_or(p)
    });
    // The photo and the 2 mm around it, where a person's own photo varies.
    let photo_ring = portrait.map(|p| zones::ring_outer(&p));
    // Personal fields whose values happened to agree across the specimens
    // (a visa type, an issuing office) look pre-printed. Inside the block of
    // personal data, every text stroke is therefore masked; its background
    // stays compared.
    let personal = if rects.len() > 1 {
        let mut block: Option<(usize, usize, usize, usize)> = None;
        for (x0, y0, x1, y1, area) in raster::components(&above, w, h) {
            let r = RectMm::new(mm(x0), mm(y0), mm(x1 - x0), mm(y1 - y0));
            let is_portrait = blob.is_some_and(|p| (p.x - r.x).abs() < 0.5 && (p.y - r.y).abs() < 0.5);
            // Text-sized personal regions only.
            if is_portrait || area < 20 || r.h > 12.0 {
                continue;
            }
            block = Some(match block {
                None => (x0, y0, x1, y1),
                Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
            });
        }
        match block {
            Some((x0, y0, x1, y1)) => {
                let m = (2.0 * REF_PX_PER_MM) as usize;
                let (x0, y0, x1, y1) = (x0.saturating_sub(m), y0.saturating_sub(m), (x1 + m).min(w), (y1 + m).min(h));
                let in_block = |i: usize| (x0..x1).contains(&(i % w)) && (y0..y1).contains(&(i / w));
                let text = zones::text_ink(&ref_base, w, h);
                let ink = zones::grow(&text, w, h, 1);
                let mut out: Vec<bool> = (0..w * h).map(|i| personal[i] || (ink[i] && in_block(i))).collect();
                // Not on the photo: its shoulders are as dark and as alike.
                let off_photo = |i: usize| !photo_ring.is_some_and(|r| r.contains((i % w) as f64 / REF_PX_PER_MM, (i / w) as f64 / REF_PX_PER_MM));
                mask_shared_values(&mut out, &text, &personal, |i| in_block(i) && off_photo(i), w, h);
                out
            }
            None => personal,
        }
    } else {
        personal
    };
    // A value runs as far right as its holder's name is long: each personal
    // text line is masked on to the portrait or the page margin, as the
    // specimens cannot show how long values get.
    let personal = if rects.len() > 1 {
        let mut out = personal.clone();
        let guard = (2.0 * REF_PX_PER_MM) as usize;
        for (x0, y0, x1, y1, area) in raster::components(&above, w, h) {
            let r = RectMm::new(mm(x0), mm(y0), mm(x1 - x0), mm(y1 - y0));
            let is_portrait = blob.is_some_and(|p| (p.x - r.x).abs() < 0.5 && (p.y - r.y).abs() < 0.5);
            if is_portrait || area < 20 || r.h > 12.0 || y0 as f64 >= (g.height_mm - MRZ_ZONE_HEIGHT_MM) * REF_PX_PER_MM {
                continue;
            }
            let limit = photo_ring
                .filter(|f| f.x >= r.right() && f.y < r.bottom() && f.bottom() > r.y)
                .map_or(w.saturating_sub(guard), |f| ((f.x * REF_PX_PER_MM) as usize).min(w));
            for y in y0.saturating_sub(1)..(y1 + 1).min(h) {
                for x in x1.min(limit)..limit {
                    out[y * w + x] = true;
                }
            }
        }
        out
    } else {
        personal
    };
    if portrait.is_none() && rects.len() > 1 {
        notes.push("no portrait-sized personal region found: no portrait zone".into());
    }

    // Zones.
    let mut zones = vec![Zone { name: "mrz".into(), kind: ZoneKind::Mrz, rect: g.mrz_zone(), thresholds: vec![], tolerance_mm: 2.0 }];
    if let Some(p) = portrait {
        zones.push(Zone { name: "portrait".into(), kind: ZoneKind::Portrait, rect: p, thresholds: vec![], tolerance_mm: 0.5 });
    }
    let top_h = g.height_mm - MRZ_ZONE_HEIGHT_MM;
    let cols = (g.width_mm / TILE_MM).round().max(1.0) as usize;
    let rows = (top_h / TILE_MM).round().max(1.0) as usize;
    let (tw, th) = (g.width_mm / cols as f64, top_h / rows as f64);
    // Fine detail that varies between specimens although the smoothed
    // luminance does not (a faint ghost portrait, thin personal print): only
    // the smoothed comparisons judge it.
    let fine_varies = fine_variation(&rects, &ref_base, &personal, w, h);
    let print_agrees = personal_print(&rects, &ref_base, &personal, photo_ring, mrz_top, w, h);
    let mask_u8: Vec<u8> = (0..w * h)
        .map(|i| match (personal[i], print_agrees[i], fine_varies[i]) {
            (true, true, _) => zones::MASK_PERSONAL_PRINT,
            (true, false, _) => 255,
            (false, _, true) => zones::MASK_FINE_VARIES,
            (false, _, false) => 0,
        })
        .collect();
    for r in 0..rows {
        for c in 0..cols {
            let rect = RectMm::new(c as f64 * tw, r as f64 * th, tw, th);
            if let Some(o) = photo_ring {
                let ix = (rect.right().min(o.right()) - rect.x.max(o.x)).max(0.0);
                let iy = (rect.bottom().min(o.bottom()) - rect.y.max(o.y)).max(0.0);
                if ix * iy > 0.3 * rect.w * rect.h {
                    continue;
                }
            }
            let px = zones::zone_pixels(ZoneKind::Static, &rect, &mask_u8, w, h);
            let (x0, y0, x1, y1) = zones::zone_px(&rect, w, h);
            let area = ((x1 - x0) * (y1 - y0)).max(1);
            let stable = px.len() as f64 / area as f64;
            let kind = if stable < 0.3 {
                ZoneKind::Text
            } else {
                let n = px.len() as f64;
                let mean = px.iter().map(|&i| ref_luma[i] as f64).sum::<f64>() / n;
                let var = px.iter().map(|&i| (ref_luma[i] as f64 - mean).powi(2)).sum::<f64>() / n;
                if var.sqrt() > 20.0 { ZoneKind::Static } else { ZoneKind::Background }
            };
            zones.push(Zone { name: format!("r{}c{}", r + 1, c + 1), kind, rect, thresholds: vec![], tolerance_mm: 0.5 });
        }
    }

    // Where every specimen printed a value: a part of it gone is reported.
    let value_area: Vec<bool> = (0..w * h)
        .map(|i| {
            let (x, y) = (mm(i % w), mm(i / w));
            mask_u8[i] >= 128 && i / w + ((2.0 * REF_PX_PER_MM) as usize) < mrz_top && !photo_ring.is_some_and(|r| r.contains(x, y))
        })
        .collect();
    let inks: Vec<Vec<bool>> =
        if rects.len() >= crate::checks::values::MIN_SPECIMENS { rects.iter().map(|r| zones::text_ink(&r.base, w, h)).collect() } else { Vec::new() };
    for (k, rect) in crate::checks::values::extents(&inks, &value_area, w, h).into_iter().enumerate() {
        zones.push(Zone { name: format!("value_{}", k + 1), kind: ZoneKind::Text, rect, thresholds: vec![], tolerance_mm: 0.5 });
    }

    // Calibration: every specimen, clean and degraded, against the median of
    // the others, at every comparison level.
    let calibration = if rects.len() >= 3 {
        let loo: Vec<PreparedReference> = (0..rects.len())
            .map(|s| {
                let others: Vec<&[f32]> = rects.iter().enumerate().filter(|(k, _)| *k != s).map(|(_, r)| r.base.as_slice()).collect();
                PreparedReference::from_base(&median_of(&others), w, h, &mask_u8)
            })
            .collect();
        // degraded[s][d][level]
        let degraded: Vec<Vec<(Vec<bool>, Vec<Vec<f32>>)>> = rects
            .iter()
            .enumerate()
            .map(|(s, r)| {
                (0..DEGRADATIONS)
                    .map(|d| {
                        let x = degrade(r, d);
                        let levels = (0..LEVELS.len()).map(|l| x.at_level(l)).collect();
                        (loo[s].usable(&x), levels)
                    })
                    .collect()
            })
            .collect();
        for z in zones.iter_mut().filter(|z| matches!(z.kind, ZoneKind::Static | ZoneKind::Background | ZoneKind::Portrait)) {
            let px = zones::zone_pixels(z.kind, &z.rect, &mask_u8, w, h);
            let outer = if z.kind == ZoneKind::Portrait { zones::ring_outer(&z.rect) } else { z.rect };
            let (x0, y0, x1, y1) = zones::zone_px(&outer, w, h);
            let area = (x1 - x0) * (y1 - y0);
            let shift = (z.tolerance_mm * REF_PX_PER_MM).round() as i32;
            let mut thresholds = Vec::with_capacity(LEVELS.len());
            for level in 0..LEVELS.len() {
                let mut lowest = f64::INFINITY;
                for (s, degs) in degraded.iter().enumerate() {
                    for (usable, levels) in degs {
                        if let Some(score) = zones::best_ncc(&levels[level], usable, w, h, &loo[s].levels[level], &px, shift, area) {
                            lowest = lowest.min(score);
                        }
                    }
                }
                let t = if lowest.is_finite() { lowest - THRESHOLD_MARGIN } else { DEFAULT_ZONE_THRESHOLD };
                thresholds.push(t.clamp(THRESHOLD_RANGE.0, THRESHOLD_RANGE.1));
            }
            z.thresholds = thresholds;
        }
        Calibration {
            specimens: rects.len() as u32,
            method: "leave-one-out".into(),
            notes: vec![format!(
                "per comparison level, threshold = lowest score of each specimen (clean, blurred, noisy, JPEG q40, half resolution + JPEG) against the median of the others, minus {THRESHOLD_MARGIN}, within [{}, {}]",
                THRESHOLD_RANGE.0, THRESHOLD_RANGE.1
            )],
        }
    } else {
        notes.push(format!("{} specimen(s): thresholds not calibrated, default {DEFAULT_ZONE_THRESHOLD} applies; enroll three or more", rects.len()));
        Calibration { specimens: rects.len() as u32, method: "defaults".into(), notes: vec![] }
    };
    let mut calibration = calibration;
    calibration.notes.extend(notes.iter().cloned());

    let reference_png = png(&DynamicImage::ImageRgb8(reference.to_rgb_image()))?;
    let mask_img = GrayImage::from_fn(w as u32, h as u32, |x, y| Luma([mask_u8[y as usize * w + x as usize]]));
    let mask_png = png(&DynamicImage::ImageLuma8(mask_img))?;
    let code = first.code.trim_end_matches('<').to_string();
    // The issuer's own MRZ font, as the specimens print it.
    let font: Vec<crate::checks::mrz_font::FontStats> = specimens.iter().filter_map(|(_, r)| crate::checks::mrz_font::stats(r)).collect();
    let lowest = |f: fn(&crate::checks::mrz_font::FontStats) -> f32| font.iter().map(f).map(f64::from).reduce(f64::min);
    let (font_median_min, font_p25_min, font_p10_min) = (lowest(|s| s.median), lowest(|s| s.p25), lowest(|s| s.p10));
    // Recorded only when every specimen has one.
    let font_filler_median_min = font.iter().map(|s| s.filler_median).collect::<Option<Vec<f32>>>().and_then(|v| v.into_iter().map(f64::from).reduce(f64::min));
    let file = TemplateFile {
        format_version: FORMAT_VERSION,
        id: id.to_string(),
        issuer: first.issuer.clone(),
        document_codes: if code.is_empty() { vec![] } else { vec![code] },
        format,
        width_mm: g.width_mm,
        height_mm: g.height_mm,
        description: format!("enrolled from {} specimen(s)", rects.len()),
        mrz: Some(MrzSpec { font_median_min, font_p25_min, font_p10_min, font_filler_median_min, ..issuer_mrz_position(&specs, format) }),
        zones,
        reference: Some(ReferenceSpec {
            image: format!("{id}.ref.png"),
            sha256: crate::screen::hex_sha256(&reference_png),
            px_per_mm: REF_PX_PER_MM,
            mask: format!("{id}.mask.png"),
            mask_sha256: crate::screen::hex_sha256(&mask_png),
        }),
        calibration: Some(calibration),
    };
    Ok(Enrolled { file, reference_png, mask_png, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of fine print, one text row whose value differs per specimen,
    /// and a faint ghost portrait that differs per specimen without ink.
    fn specimen(k: usize, w: usize, h: usize) -> Rectified {
        let mut base: Vec<f32> = (0..w * h).map(|i| 170.0 + 30.0 * ((i % w) as f32 * 1.3 + (i / w) as f32 * 0.7).sin()).collect();
        // Text: strokes 2 px wide, every 5 px, as far as this holder's value runs.
        for y in 30..50 {
            for x in (20..80 + 30 * k).filter(|x| (x + 3 * k) % 5 < 2) {
                base[y * w + x] = 30.0;
            }
        }
        // Ghost: a faint disc (20 levels darker) of another size and place.
        let (cx, cy, r) = (170.0 + 4.0 * k as f32, 105.0, 16.0 + 3.0 * k as f32);
        for y in 80..140 {
            for x in 140..210 {
                if ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() < r {
                    base[y * w + x] -= 20.0;
                }
            }
        }
        Rectified { width: w, height: h, rgb: Planes::new(0, 0), base, valid: vec![true; w * h] }
    }

    #[test]
    fn a_value_every_specimen_shared_is_masked_with_its_rim_and_a_caption_is_not() {
        let (w, h) = (120, 80);
        let mut text = vec![false; w * h];
        let mut glyph = |x0: usize, y0: usize, gw: usize, gh: usize| {
            for y in y0..y0 + gh {
                for x in x0..x0 + gw {
                    text[y * w + x] = true;
                }
            }
        };
        glyph(10, 10, 8, 12); // a 2 mm value glyph in the block
        glyph(40, 10, 5, 6); // a 1 mm caption in the block
        glyph(100, 10, 8, 12); // a value glyph outside the block
        glyph(10, 50, 8, 12); // a value glyph where the specimens varied
        glyph(25, 30, 50, 12); // a dark band, not a glyph
        let varies: Vec<bool> = (0..w * h).map(|i| (45..70).contains(&(i / w)) && (i % w) < 30).collect();
        let in_block = |i: usize| (i % w) < 80;
        let mut personal = varies.clone();
        mask_shared_values(&mut personal, &text, &varies, in_block, w, h);
        let at = |x: usize, y: usize| personal[y * w + x];
        // The shared value: its strokes' rim, 3 px out, is masked.
        assert!(at(7, 7) && at(20, 24) && !at(6, 6) && !at(21, 25));
        // Not the caption, the glyph outside the block, or beyond the varying area.
        assert!(!at(39, 9) && !at(42, 12));
        assert!(!at(99, 9) && !at(104, 15));
        assert!(!at(10, 44) && !at(31, 55));
        assert!(!at(24, 29) && !at(50, 35));
    }

    #[test]
    fn print_under_personal_text_is_compared_and_a_ghost_portrait_is_not() {
        let (w, h) = (240, 180);
        let specs: Vec<Rectified> = (0..4).map(|k| specimen(k, w, h)).collect();
        let rects: Vec<&Rectified> = specs.iter().collect();
        let bases: Vec<&[f32]> = rects.iter().map(|r| r.base.as_slice()).collect();
        let ref_base = median_of(&bases);
        // As enrollment masks them: the text row to the page margin, and the
        // ghost, which the row's bar runs over.
        let in_row = |i: usize| (26..54).contains(&(i / w)) && (16..236).contains(&(i % w));
        let in_ghost = |i: usize| (80..140).contains(&(i / w)) && (140..210).contains(&(i % w));
        let personal: Vec<bool> = (0..w * h).map(|i| in_row(i) || in_ghost(i)).collect();
        let print = personal_print(&rects, &ref_base, &personal, None, h, w, h);
        assert!((0..w * h).filter(|&i| in_ghost(i)).all(|i| !print[i]), "ghost pixels were taken for the page's print");
        // Beyond every specimen's value, and between the strokes, the row's print is compared.
        let beyond: Vec<usize> = (0..w * h).filter(|&i| in_row(i) && (180..230).contains(&(i % w)) && (30..50).contains(&(i / w))).collect();
        assert!(beyond.iter().all(|&i| print[i]), "{} of {} pixels beyond the values", beyond.iter().filter(|&&i| print[i]).count(), beyond.len());
        let between = (0..w * h).filter(|&i| in_row(i) && (20..80).contains(&(i % w)) && print[i]).count();
        assert!(between > 0, "no print between the strokes");
        // Nothing outside the personal areas, and nothing with two specimens.
        assert!((0..w * h).all(|i| personal[i] || !print[i]));
        assert!(personal_print(&rects[..2], &ref_base, &personal, None, h, w, h).iter().all(|&p| !p));
    }
}
