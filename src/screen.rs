//! The [`Screener`]: built once (templates loaded, reference glyphs rendered),
//! immutable, `Send + Sync`, shared across threads. One call per image gives a
//! [`Report`].
//!
//! ```no_run
//! use docscreen::screen::Screener;
//! let screener = Screener::builder().template_file("uto-p-2024.toml")?.build()?;
//! let report = screener.screen_file("passport.jpg")?;
//! println!("{} {}", report.verdict, report.to_json());
//! # Ok::<(), docscreen::Error>(())
//! ```

use crate::checks;
use crate::error::Error;
use crate::read::Reader;
use crate::report::{ImageInfo, Report, Timings};
use crate::template::{Template, TemplateSet};
use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, RgbImage, RgbaImage};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

/// Limits checked before any decoding or large allocation. The defaults fit
/// a 24-megapixel photo and refuse decompression bombs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum image width and height in pixels.
    pub max_width: u32,
    pub max_height: u32,
    /// Maximum width × height.
    pub max_pixels: u64,
    /// Maximum size of an encoded input (file bytes).
    pub max_encoded_bytes: u64,
    /// Maximum memory the decoder may allocate.
    pub max_alloc: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_width: 16_384,
            max_height: 16_384,
            // 24 MP photos are ~6000×4000; leave room for 50 MP phone sensors.
            max_pixels: 52_000_000,
            max_encoded_bytes: 100 * 1024 * 1024,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// Checks image dimensions against the limits.
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<(), Error> {
        if width == 0 || height == 0 {
            return Err(Error::InvalidArgument(format!("image is {width}×{height} pixels")));
        }
        if width > self.max_width || height > self.max_height || width as u64 * height as u64 > self.max_pixels {
            return Err(Error::Limits(format!(
                "image is {width}×{height} pixels; limits are {}×{} and {} pixels",
                self.max_width, self.max_height, self.max_pixels
            )));
        }
        Ok(())
    }
}

/// Layout of raw pixel input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    Gray8,
    Rgb8,
    Rgba8,
    Bgr8,
    Bgra8,
}

impl PixelFormat {
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Gray8 => 1,
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => 3,
            PixelFormat::Rgba8 | PixelFormat::Bgra8 => 4,
        }
    }
}

/// A borrowed pixel buffer: `height` rows of `width` pixels, row `y` starting
/// at byte `y * stride`.
#[derive(Clone, Copy, Debug)]
pub struct PixelBuffer<'a> {
    pub data: &'a [u8],
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub format: PixelFormat,
}

impl PixelBuffer<'_> {
    /// Checks that the buffer holds what its dimensions claim.
    pub fn validate(&self) -> Result<(), Error> {
        let row = (self.width as usize)
            .checked_mul(self.format.bytes_per_pixel())
            .ok_or_else(|| Error::InvalidArgument("width overflows".into()))?;
        if self.stride < row {
            return Err(Error::InvalidArgument(format!("stride {} is less than a row of {row} bytes", self.stride)));
        }
        let need = (self.height as usize)
            .checked_sub(1)
            .and_then(|h| h.checked_mul(self.stride))
            .and_then(|n| n.checked_add(row))
            .ok_or_else(|| Error::InvalidArgument("dimensions overflow".into()))?;
        if self.data.len() < need {
            return Err(Error::InvalidArgument(format!(
                "buffer has {} bytes; {}×{} with stride {} needs {need}",
                self.data.len(),
                self.width,
                self.height,
                self.stride
            )));
        }
        Ok(())
    }

    fn rows(&self) -> impl Iterator<Item = &[u8]> {
        let row = self.width as usize * self.format.bytes_per_pixel();
        (0..self.height as usize).map(move |y| &self.data[y * self.stride..y * self.stride + row])
    }
}

/// Builds a [`Screener`].
#[derive(Debug, Default)]
pub struct ScreenerBuilder {
    templates: Vec<Template>,
    limits: Limits,
}

impl ScreenerBuilder {
    /// Adds an issuer template.
    pub fn template(mut self, t: Template) -> Self {
        self.templates.push(t);
        self
    }

    /// Loads a template file (TOML; its reference data beside it, verified
    /// against the recorded digest).
    pub fn template_file(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        self.templates.push(Template::load(path.as_ref())?);
        Ok(self)
    }

    /// Loads every `*.toml` template in a directory (not recursive), or one file.
    pub fn templates_path(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        self.templates.extend(Template::load_path(path.as_ref())?);
        Ok(self)
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn build(self) -> Result<Screener, Error> {
        Ok(Screener { reader: Reader::new(), templates: TemplateSet::new(self.templates)?, limits: self.limits })
    }
}

/// Screens document images. Immutable once built; share it across threads.
#[derive(Debug)]
pub struct Screener {
    reader: Reader,
    templates: TemplateSet,
    limits: Limits,
}

impl Screener {
    pub fn builder() -> ScreenerBuilder {
        ScreenerBuilder::default()
    }

    /// A screener with the built-in ICAO templates only.
    pub fn new() -> Screener {
        Screener { reader: Reader::new(), templates: TemplateSet::default(), limits: Limits::default() }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Decodes encoded image bytes (PNG, JPEG, TIFF, WebP, BMP, GIF, PNM)
    /// within the limits.
    pub fn decode(&self, bytes: &[u8]) -> Result<DynamicImage, Error> {
        decode_with_limits(bytes, &self.limits)
    }

    /// Screens encoded image bytes.
    pub fn screen_encoded(&self, bytes: &[u8]) -> Result<Report, Error> {
        let t0 = Instant::now();
        let sha = hex_sha256(bytes);
        let img = self.decode(bytes)?;
        let decode_ms = ms(t0);
        Ok(self.screen_decoded(&img, sha, decode_ms, t0))
    }

    /// Reads and screens an image file.
    pub fn screen_file(&self, path: impl AsRef<Path>) -> Result<Report, Error> {
        let bytes = read_file_limited(path.as_ref(), self.limits.max_encoded_bytes)?;
        self.screen_encoded(&bytes)
    }

    /// Screens raw pixels.
    pub fn screen_pixels(&self, px: PixelBuffer<'_>) -> Result<Report, Error> {
        let t0 = Instant::now();
        px.validate()?;
        self.limits.check_dimensions(px.width, px.height)?;
        let mut hasher = Sha256::new();
        for r in px.rows() {
            hasher.update(r);
        }
        let sha = hex(&hasher.finalize());
        let img = pixels_to_image(&px)?;
        let decode_ms = ms(t0);
        Ok(self.screen_decoded(&img, sha, decode_ms, t0))
    }

    /// Screens an already decoded image. The digest is over its raw pixel
    /// bytes (as `screen_pixels` would see them).
    pub fn screen_image(&self, img: &DynamicImage) -> Result<Report, Error> {
        let t0 = Instant::now();
        self.limits.check_dimensions(img.width(), img.height())?;
        let sha = hex_sha256(img.as_bytes());
        Ok(self.screen_decoded(img, sha, 0.0, t0))
    }

    /// Screens an image with an MRZ reading obtained elsewhere (another
    /// reader, or ground truth in research): the reader stage is skipped.
    pub fn screen_with_reading(&self, img: &DynamicImage, reading: crate::read::MrzReading) -> Result<Report, Error> {
        let t0 = Instant::now();
        self.limits.check_dimensions(img.width(), img.height())?;
        let sha = hex_sha256(img.as_bytes());
        let gray: GrayImage = crate::raster::gray(img);
        Ok(self.finish(img, &gray, reading, sha, 0.0, 0.0, t0))
    }

    fn screen_decoded(&self, img: &DynamicImage, image_sha256: String, decode_ms: f64, t0: Instant) -> Report {
        let t_read = Instant::now();
        let gray: GrayImage = crate::raster::gray(img);
        let reading = self.reader.read(&gray);
        let read_ms = ms(t_read);
        self.finish(img, &gray, reading, image_sha256, decode_ms, read_ms, t0)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(&self, img: &DynamicImage, gray: &GrayImage, reading: crate::read::MrzReading, image_sha256: String, decode_ms: f64, read_ms: f64, t0: Instant) -> Report {
        let t_checks = Instant::now();
        let outcome = checks::run_all(img, gray, &reading, &self.templates);
        let checks_ms = ms(t_checks);
        let verdict = Report::verdict_of(&outcome.findings);
        Report {
            verdict,
            mrz: outcome.mrz,
            template: outcome.template,
            findings: outcome.findings,
            image_sha256,
            library_version: crate::VERSION,
            image: ImageInfo { width: img.width(), height: img.height() },
            px_per_mm: reading.found.then_some(reading.px_per_mm),
            rotation_deg: reading.found.then_some(reading.rotation_deg),
            document_polygon_px: outcome.document_polygon_px,
            reading,
            timings: Timings { decode_ms, read_ms, checks_ms, total_ms: ms(t0) },
        }
    }
}

impl Default for Screener {
    fn default() -> Self {
        Screener::new()
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Reads a file, refusing it before reading when it exceeds `max_bytes`.
pub fn read_file_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Error> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::InvalidArgument(format!("{} is not a regular file", path.display())));
    }
    let too_big = |len: u64| Error::Limits(format!("{} has {len} bytes; the limit is {max_bytes}", path.display()));
    if meta.len() > max_bytes {
        return Err(too_big(meta.len()));
    }
    // The size may change after the check (a file still being written, or
    // one whose reported size is 0 such as under /proc): never read more
    // than the limit.
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Decodes `bytes`, checking size and dimensions before decoding.
pub fn decode_with_limits(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, Error> {
    if bytes.len() as u64 > limits.max_encoded_bytes {
        return Err(Error::Limits(format!("input has {} bytes; the limit is {}", bytes.len(), limits.max_encoded_bytes)));
    }
    if bytes.is_empty() {
        return Err(Error::InvalidArgument("input is empty".into()));
    }
    // The header is read first, with every limit: the decoder refuses
    // dimensions over the limits as soon as it has read them (a PNG bomb
    // may end right after its header). `check_dimensions` adds the pixel
    // count and, when the decoder refused, says which dimensions.
    let reader = |dimensions: bool| -> Result<ImageReader<Cursor<&[u8]>>, Error> {
        let mut r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| Error::Image(image::ImageError::IoError(e)))?;
        let mut l = image::Limits::default();
        if dimensions {
            l.max_image_width = Some(limits.max_width);
            l.max_image_height = Some(limits.max_height);
        }
        l.max_alloc = Some(limits.max_alloc);
        r.limits(l);
        Ok(r)
    };
    let r = reader(true)?;
    let format = r.format();
    let (w, h) = match r.into_dimensions().map_err(map_image_error) {
        Ok(dims) => dims,
        Err(Error::Limits(m)) => {
            if let Ok((w, h)) = reader(false)?.into_dimensions() {
                limits.check_dimensions(w, h)?;
            }
            return Err(Error::Limits(m));
        }
        Err(e) => return Err(e),
    };
    limits.check_dimensions(w, h)?;
    if format == Some(ImageFormat::Jpeg) {
        jpeg_complete(bytes)?;
    }
    reader(true)?.decode().map_err(map_image_error)
}

/// Refuses a JPEG that ends before its end-of-image marker. The decoder
/// fills a cut-off scan with grey and reports success; a truncated upload
/// must not be screened as if it were the whole document (the MRZ is at
/// the bottom, the part lost first).
fn jpeg_complete(bytes: &[u8]) -> Result<(), Error> {
    let truncated = |why: &str| {
        Err(Error::Image(image::ImageError::Decoding(image::error::DecodingError::new(
            ImageFormat::Jpeg.into(),
            format!("truncated JPEG: {why}"),
        ))))
    };
    if !jpeg_has_eoi(bytes) {
        return truncated("no end-of-image marker (FFD9) after the image data");
    }
    Ok(())
}

/// Walks the marker segments from SOI: lengths are skipped (so markers in an
/// EXIF thumbnail do not count), entropy-coded data after each SOS is
/// scanned to the next marker (FF00 is a stuffed byte, FFD0–FFD7 restart
/// markers, FFFF fill). True when an EOI is reached.
fn jpeg_has_eoi(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    loop {
        // Markers may be preceded by any number of FF fill bytes.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&m)) = (b.get(i), b.get(i + 1)) else { return false };
        i += 2;
        match m {
            0xD9 => return true,
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = b.get(i..i + 2).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else { return false };
        if len < 2 {
            return false;
        }
        i += len;
        if m == 0xDA {
            // Entropy-coded data: up to the first FF not followed by 00 or a restart marker.
            loop {
                let Some(off) = b.get(i..).and_then(|rest| rest.iter().position(|&x| x == 0xFF)) else { return false };
                i += off;
                match b.get(i + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7) => i += 2,
                    Some(_) => break,
                }
            }
        }
    }
}

fn map_image_error(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(l) => Error::Limits(l.to_string()),
        other => Error::Image(other),
    }
}

fn pixels_to_image(px: &PixelBuffer<'_>) -> Result<DynamicImage, Error> {
    let (w, h) = (px.width, px.height);
    let mut packed = Vec::new();
    packed
        .try_reserve_exact(w as usize * h as usize * px.format.bytes_per_pixel().max(3))
        .map_err(|_| Error::Limits("cannot allocate the image".into()))?;
    let bad = || Error::InvalidArgument("pixel buffer size mismatch".into());
    Ok(match px.format {
        PixelFormat::Gray8 => {
            px.rows().for_each(|r| packed.extend_from_slice(r));
            DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, packed).ok_or_else(bad)?)
        }
        PixelFormat::Rgb8 => {
            px.rows().for_each(|r| packed.extend_from_slice(r));
            DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, packed).ok_or_else(bad)?)
        }
        PixelFormat::Rgba8 => {
            px.rows().for_each(|r| packed.extend_from_slice(r));
            DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, packed).ok_or_else(bad)?)
        }
        PixelFormat::Bgr8 => {
            px.rows().for_each(|r| r.chunks_exact(3).for_each(|p| packed.extend_from_slice(&[p[2], p[1], p[0]])));
            DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, packed).ok_or_else(bad)?)
        }
        PixelFormat::Bgra8 => {
            px.rows().for_each(|r| r.chunks_exact(4).for_each(|p| packed.extend_from_slice(&[p[2], p[1], p[0], p[3]])));
            DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, packed).ok_or_else(bad)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screener_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Screener>();
    }

    #[test]
    fn pixel_buffer_validation() {
        let data = vec![0u8; 100];
        let ok = PixelBuffer { data: &data, width: 10, height: 10, stride: 10, format: PixelFormat::Gray8 };
        assert!(ok.validate().is_ok());
        let short = PixelBuffer { height: 11, ..ok };
        assert!(matches!(short.validate(), Err(Error::InvalidArgument(_))));
        let narrow = PixelBuffer { stride: 9, ..ok };
        assert!(matches!(narrow.validate(), Err(Error::InvalidArgument(_))));
        let huge = PixelBuffer { width: u32::MAX, height: u32::MAX, stride: usize::MAX, ..ok };
        assert!(huge.validate().is_err());
    }

    #[test]
    fn refuses_empty_and_garbage_bytes() {
        let s = Screener::new();
        assert!(matches!(s.screen_encoded(&[]), Err(Error::InvalidArgument(_))));
        assert!(matches!(s.screen_encoded(b"not an image at all"), Err(Error::Image(_))));
    }

    #[test]
    fn decompression_bomb_is_refused_before_decoding() {
        // A PNG header declaring 100000×100000 pixels.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(b"IHDR");
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        let r = Screener::new().screen_encoded(&png);
        assert!(matches!(r, Err(Error::Limits(_))), "{r:?}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
