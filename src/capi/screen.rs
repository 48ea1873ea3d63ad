//! `docscreen_screener` and the screening calls.

use super::builder::path_arg;
use super::handle::{self, Handle, Kind};
use super::report::docscreen_report;
use super::{call, docscreen_status, fail, fail_with, guard, incoming};
use crate::Error;
use crate::report::Report;
use crate::screen::{PixelBuffer, PixelFormat, Screener};
use std::ffi::c_char;

/// An immutable screener: templates loaded, limits fixed. Any number of
/// threads may screen with one screener at once.
pub struct docscreen_screener {
    magic: u64,
    inner: Screener,
}

impl docscreen_screener {
    pub(crate) fn new(inner: Screener) -> Self {
        docscreen_screener { magic: Self::MAGIC, inner }
    }
}

impl Handle for docscreen_screener {
    const KIND: Kind = Kind::Screener;
    const MAGIC: u64 = u64::from_le_bytes(*b"DSscrnr1");
    fn magic(&self) -> u64 {
        self.magic
    }
    fn clear_magic(&mut self) {
        self.magic = 0;
    }
}

/// Layout of raw pixels: bytes per pixel and channel order. 0 is not a
/// format, so a zeroed variable is refused rather than read as grey.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // built from C integers by `pixel_format`, never in Rust
pub enum docscreen_pixel_format {
    /// 1 byte per pixel, luminance.
    Gray8 = 1,
    /// 3 bytes per pixel: red, green, blue.
    Rgb8 = 2,
    /// 4 bytes per pixel: red, green, blue, alpha (alpha is ignored).
    Rgba8 = 3,
    /// 3 bytes per pixel: blue, green, red (Windows DIBs, OpenCV `Mat`).
    Bgr8 = 4,
    /// 4 bytes per pixel: blue, green, red, alpha.
    Bgra8 = 5,
}

/// Maps a pixel-format number from C; `None` for numbers this version does
/// not know.
fn pixel_format(raw: u32) -> Option<PixelFormat> {
    use docscreen_pixel_format as F;
    [
        (F::Gray8, PixelFormat::Gray8),
        (F::Rgb8, PixelFormat::Rgb8),
        (F::Rgba8, PixelFormat::Rgba8),
        (F::Bgr8, PixelFormat::Bgr8),
        (F::Bgra8, PixelFormat::Bgra8),
    ]
    .into_iter()
    .find(|(c, _)| *c as u32 == raw)
    .map(|(_, f)| f)
}

/// A byte slice from C, refusing lengths no allocation can have.
///
/// # Safety
/// `data` is non-NULL and points at `len` readable bytes.
unsafe fn bytes<'a>(data: *const u8, len: usize) -> Result<&'a [u8], docscreen_status> {
    if len > isize::MAX as usize {
        return Err(docscreen_status::InvalidArgument);
    }
    // SAFETY: the caller's contract; `len` is in range for a slice.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Common tail of the screening calls: checks `s` and `out`, runs `screen`
/// and stores the report.
fn screen_with(
    name: &'static str,
    s: *const docscreen_screener,
    out: *mut *mut docscreen_report,
    screen: impl FnOnce(&Screener) -> Result<Result<Report, Error>, docscreen_status>,
) -> docscreen_status {
    call(name, || {
        // SAFETY: registry-checked; screeners are only read.
        let s = match unsafe { handle::borrow(s) } {
            Ok(s) => s,
            Err(e) => return e,
        };
        if out.is_null() {
            return docscreen_status::NullArgument;
        }
        match screen(&s.inner) {
            Err(status) => status,
            Ok(Err(e)) => fail(&e),
            Ok(Ok(report)) => {
                let r = docscreen_report::new(report);
                // SAFETY: checked non-NULL.
                unsafe { *out = handle::new_handle(r) };
                docscreen_status::Ok
            }
        }
    })
}

/// Screens an encoded image (PNG, JPEG, TIFF, WebP, BMP, GIF, PNM) of `len`
/// bytes. The image's dimensions are checked against the limits before it is
/// decoded. Errors: `BAD_IMAGE` (not an image, unsupported, corrupt or
/// truncated), `LIMITS_EXCEEDED`, `INVALID_ARGUMENT` (`len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_screen_encoded(
    s: *const docscreen_screener,
    data: *const u8,
    len: usize,
    out: *mut *mut docscreen_report,
) -> docscreen_status {
    screen_with("docscreen_screen_encoded", s, out, |s| {
        if data.is_null() {
            return Err(docscreen_status::NullArgument);
        }
        // SAFETY: the caller passes `len` readable bytes.
        let bytes = unsafe { bytes(data, len) }?;
        Ok(s.screen_encoded(bytes))
    })
}

/// Screens raw pixels: `height` rows of `width` pixels of `format`, row `y`
/// starting at byte `y * stride`; `len` is the size of the buffer (at least
/// `(height - 1) * stride + width * bytes_per_pixel`). Errors:
/// `INVALID_ARGUMENT` (a zero dimension, `stride` shorter than a row, `len`
/// too small, an unknown `format` number), `LIMITS_EXCEEDED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_screen_pixels(
    s: *const docscreen_screener,
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    format: incoming::docscreen_pixel_format,
    out: *mut *mut docscreen_report,
) -> docscreen_status {
    screen_with("docscreen_screen_pixels", s, out, |s| {
        if pixels.is_null() {
            return Err(docscreen_status::NullArgument);
        }
        let Some(format) = pixel_format(format) else {
            return Err(fail_with(docscreen_status::InvalidArgument, format!("unknown pixel format {format}")));
        };
        // SAFETY: the caller passes `len` readable bytes.
        let data = unsafe { bytes(pixels, len) }?;
        Ok(s.screen_pixels(PixelBuffer { data, width, height, stride, format }))
    })
}

/// Reads and screens an image file (refused before reading when larger than
/// the encoded-bytes limit). Errors: as `docscreen_screen_encoded`, plus
/// `IO` and `INVALID_ARGUMENT` (empty path, not a regular file).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_screen_file(
    s: *const docscreen_screener,
    path: *const c_char,
    out: *mut *mut docscreen_report,
) -> docscreen_status {
    screen_with("docscreen_screen_file", s, out, |s| {
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let path = unsafe { path_arg(path) }?;
        Ok(s.screen_file(path))
    })
}

/// Frees a screener. NULL, an already freed screener or another handle type
/// are ignored. No other thread may be using the screener.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_screener_free(s: *mut docscreen_screener) {
    // SAFETY: registry-checked.
    guard((), || unsafe { handle::free(s) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_formats_map_with_a_fallback() {
        assert_eq!(pixel_format(1), Some(PixelFormat::Gray8));
        assert_eq!(pixel_format(5), Some(PixelFormat::Bgra8));
        assert_eq!(pixel_format(0), None);
        assert_eq!(pixel_format(6), None);
        assert_eq!(pixel_format(u32::MAX), None);
    }
}
