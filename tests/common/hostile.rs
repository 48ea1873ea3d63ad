//! Hostile inputs made in code (no data files): bombs, truncations,
//! corruptions and degenerate images. Used by `tests/hostile_*.rs` and by
//! `tests/capi.rs`, which writes them out for the C tests.
#![allow(dead_code)]

use image::{DynamicImage, GrayImage, ImageFormat, Luma, RgbImage};
use std::io::Cursor;

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A PNG signature and IHDR declaring `w`×`h` 8-bit grey pixels, then an
/// IDAT of a few zero bytes: a few dozen bytes that would decode to `w·h`.
pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let chunk = |png: &mut Vec<u8>, kind: &[u8], body: &[u8]| {
        let mut c = kind.to_vec();
        c.extend_from_slice(body);
        png.extend_from_slice(&(body.len() as u32).to_be_bytes());
        png.extend_from_slice(&c);
        png.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    // zlib stream of a stored empty block: valid but far too short.
    chunk(&mut png, b"IDAT", &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A small JPEG whose frame header is rewritten to declare `w`×`h`.
pub fn jpeg_declaring(w: u16, h: u16) -> Vec<u8> {
    let mut jpg = encode(&gradient(64, 48), ImageFormat::Jpeg);
    let sof = jpg.windows(2).position(|m| m == [0xFF, 0xC0]).expect("baseline JPEG has SOF0");
    // SOF0: marker, length (2), precision (1), height (2), width (2).
    jpg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpg
}

/// A grey gradient with some structure.
pub fn gradient(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| Luma([((x * 7 + y * 3) % 251) as u8])))
}

/// A flat image of one grey level, as RGB.
pub fn flat(w: u32, h: u32, level: u8) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_pixel(w, h, image::Rgb([level; 3])))
}

/// `img` encoded as `format` (RGB for formats without grey, e.g. WebP).
pub fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    let img = match format {
        ImageFormat::WebP => DynamicImage::ImageRgb8(img.to_rgb8()),
        _ => img.clone(),
    };
    img.write_to(&mut Cursor::new(&mut out), format).expect("encodes");
    out
}

/// The image formats whose truncation and corruption are tested.
pub const FORMATS: [ImageFormat; 4] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Tiff, ImageFormat::WebP];

/// Cut points spread over the file, header to last byte: every one must be
/// refused as a bad image.
pub fn cut_points(len: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = [1, 2, 3, 4, 8, 12, 16, 24, 33, 64].into_iter().filter(|&c| c < len).collect();
    cuts.extend((1..10).map(|k| len * k / 10));
    cuts.push(len - 1);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// A flipped byte at each of a few positions: the CRC (PNG), the checksum
/// or the structure must catch it, or the image still decodes.
pub fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 0x5A;
    b
}

/// `img` rotated by 180 degrees.
pub fn rotate180(img: &DynamicImage) -> DynamicImage {
    img.rotate180()
}

/// A synthetic genuine passport data page (clean scan) as JPEG.
#[cfg(feature = "synth")]
pub fn passport(dpi: u32, seed: u64) -> docscreen::synth::CleanDocument {
    docscreen::synth::genuine_document("uto-p-2024", dpi, seed).expect("synthetic passport")
}
