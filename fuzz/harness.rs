//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*` (cargo
//! fuzz) and `tests/hostile_regressions.rs` (which replays every input in
//! `fuzz/regressions/<target>/`). Each one panics only when docscreen breaks
//! a promise: a panic inside docscreen, or an error of a kind the entry point
//! does not document.
#![allow(dead_code)]

use docscreen::Error;
use docscreen::mrz::{self, Format};
use docscreen::screen::{Limits, PixelBuffer, PixelFormat, Screener};
use docscreen::template::{Template, TemplateFile};
use std::sync::OnceLock;

/// The targets, by the directory names used in `fuzz/regressions/`.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("mrz_text", mrz_text),
    ("template_file", template_file),
    ("screen_encoded", screen_encoded),
    ("screen_pixels", screen_pixels),
];

/// MRZ text: validation with and without a format, and repair.
pub fn mrz_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let formats = std::iter::once(None).chain(Format::ALL.into_iter().map(Some));
    for format in formats {
        match mrz::validate(text, format) {
            Ok(v) => {
                // A validation always serialises, and holds 1 to 3 lines (one
                // line is an invalid MRZ, not an error).
                let n = v.lines().count();
                assert!((1..=3).contains(&n), "validation with {n} lines");
                serde_json_roundtrip(&v);
                if let Ok(r) = mrz::repair(text, format) {
                    assert_eq!(r.lines.len(), n);
                }
            }
            Err(_) => assert!(mrz::repair(text, format).is_err(), "repair accepts what validate refuses"),
        }
    }
}

fn serde_json_roundtrip(v: &mrz::Validation) {
    let s = serde_json::to_string(v).expect("a validation serialises");
    assert!(s.starts_with('{'), "{s}");
}

/// A template file and its reference data. The input is the TOML text, a
/// NUL byte, the length of the reference image (u32, little-endian), the
/// reference image bytes, and the mask bytes (the rest). When the TOML
/// starts with `#`, the digests in the file are replaced by the real ones so
/// that the fuzzer reaches the decoder and the size checks behind the
/// digest check.
pub fn template_file(data: &[u8]) {
    template_file_loads(data);
}

/// The body of `template_file`; whether the template loaded (for the seed
/// test: a seed that never loads only exercises the parser).
pub fn template_file_loads(data: &[u8]) -> bool {
    let (toml_bytes, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (image, mask) = match rest {
        [a, b, c, d, rest @ ..] => rest.split_at((u32::from_le_bytes([*a, *b, *c, *d]) as usize).min(rest.len())),
        _ => (rest, &[][..]),
    };
    let (image, mask) = (image.to_vec(), mask.to_vec());
    let Ok(text) = std::str::from_utf8(toml_bytes) else { return false };
    let Ok(mut file) = toml::from_str::<TemplateFile>(text) else { return false };
    if text.starts_with('#') {
        if let Some(r) = &mut file.reference {
            r.sha256 = docscreen::screen::hex_sha256(&image);
            r.mask_sha256 = docscreen::screen::hex_sha256(&mask);
        }
    }
    let names = file.reference.as_ref().map(|r| (r.image.clone(), r.mask.clone()));
    let read = |name: &str| -> Result<Vec<u8>, Error> {
        match &names {
            Some((i, _)) if i == name => Ok(image.clone()),
            Some((_, m)) if m == name => Ok(mask.clone()),
            _ => Err(Error::Io { path: name.into(), source: std::io::ErrorKind::NotFound.into() }),
        }
    };
    match Template::from_file(file, read) {
        Ok(t) => {
            // A template that loads can be used: a screener accepts it.
            assert!(Screener::builder().template(t).build().is_ok());
            true
        }
        Err(Error::Template(_) | Error::Io { .. }) => false,
        Err(e) => panic!("template loading gave an undocumented error kind: {e:?}"),
    }
}

/// Limits small enough that each input screens in milliseconds; the default
/// limits are exercised by the tests.
pub fn fuzz_limits() -> Limits {
    Limits { max_width: 4096, max_height: 4096, max_pixels: 1 << 18, max_encoded_bytes: 1 << 20, max_alloc: 64 << 20 }
}

fn screener() -> &'static Screener {
    static S: OnceLock<Screener> = OnceLock::new();
    S.get_or_init(|| Screener::builder().limits(fuzz_limits()).build().expect("screener"))
}

/// Arbitrary bytes as an encoded image.
pub fn screen_encoded(data: &[u8]) {
    match screener().screen_encoded(data) {
        Ok(r) => {
            let l = fuzz_limits();
            assert!(r.image.width <= l.max_width && r.image.height <= l.max_height);
            assert!(r.image.width as u64 * r.image.height as u64 <= l.max_pixels);
            assert!(r.to_json().starts_with("{\"verdict\""));
        }
        Err(Error::Image(_) | Error::Limits(_) | Error::InvalidArgument(_)) => {}
        Err(e) => panic!("screen_encoded gave an undocumented error kind: {e:?}"),
    }
}

/// Arbitrary dimensions, stride and format over arbitrary pixels. The first
/// 9 bytes are width (u16), height (u16), stride (u32, little-endian) and
/// the format; the rest are the pixels.
pub fn screen_pixels(data: &[u8]) {
    if data.len() < 9 {
        return;
    }
    let width = u16::from_le_bytes([data[0], data[1]]) as u32;
    let height = u16::from_le_bytes([data[2], data[3]]) as u32;
    let stride = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
    let format = [PixelFormat::Gray8, PixelFormat::Rgb8, PixelFormat::Rgba8, PixelFormat::Bgr8, PixelFormat::Bgra8]
        [data[8] as usize % 5];
    let px = PixelBuffer { data: &data[9..], width, height, stride, format };
    let fits = px.validate().is_ok();
    match screener().screen_pixels(px) {
        Ok(r) => {
            assert!(fits, "a buffer that fails validation was screened");
            assert_eq!((r.image.width, r.image.height), (width, height));
        }
        Err(Error::InvalidArgument(_)) => {}
        Err(Error::Limits(_)) => assert!(fits, "a limits error hid an invalid buffer"),
        Err(e) => panic!("screen_pixels gave an undocumented error kind: {e:?}"),
    }
}
