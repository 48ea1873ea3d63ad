//! `docscreen_builder`: collects templates and limits, then builds a screener.

use super::handle::{self, Handle, Kind};
use super::screen::docscreen_screener;
use super::{call, docscreen_status, fail, guard};
use crate::screen::{Limits, Screener};
use crate::template::Template;
use std::ffi::{CStr, c_char};
use std::path::PathBuf;

/// Collects templates and limits for a screener. Not thread-safe: use one
/// builder from one thread at a time.
pub struct docscreen_builder {
    magic: u64,
    // Kept here rather than in a `ScreenerBuilder`, whose methods consume
    // it: a failed `add_template_file` must leave the builder as it was.
    templates: Vec<Template>,
    limits: Limits,
}

impl Handle for docscreen_builder {
    const KIND: Kind = Kind::Builder;
    const MAGIC: u64 = u64::from_le_bytes(*b"DSbuildr");
    fn magic(&self) -> u64 {
        self.magic
    }
    fn clear_magic(&mut self) {
        self.magic = 0;
    }
}

/// A NUL-terminated path from C. Unix paths are bytes; elsewhere they must
/// be UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
pub(crate) unsafe fn path_arg(p: *const c_char) -> Result<PathBuf, docscreen_status> {
    if p.is_null() {
        return Err(docscreen_status::NullArgument);
    }
    // SAFETY: the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    if bytes.is_empty() {
        return Err(docscreen_status::InvalidArgument);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).map(PathBuf::from).map_err(|_| docscreen_status::InvalidArgument)
    }
}

/// Creates a builder with no issuer templates (the built-in ICAO format
/// templates are always present) and the default limits.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_new(out: *mut *mut docscreen_builder) -> docscreen_status {
    call("docscreen_builder_new", || {
        if out.is_null() {
            return docscreen_status::NullArgument;
        }
        let b = docscreen_builder { magic: docscreen_builder::MAGIC, templates: Vec::new(), limits: Limits::default() };
        // SAFETY: checked non-NULL; the caller passes a writable pointer.
        unsafe { *out = handle::new_handle(b) };
        docscreen_status::Ok
    })
}

/// Applies `f` to a live builder.
fn with_builder(
    name: &'static str,
    b: *mut docscreen_builder,
    f: impl FnOnce(&mut docscreen_builder) -> docscreen_status,
) -> docscreen_status {
    call(name, || {
        // SAFETY: registry-checked; builders are single-threaded by contract.
        match unsafe { handle::borrow_mut(b) } {
            Ok(b) => f(b),
            Err(e) => e,
        }
    })
}

/// Loads an issuer template file (TOML; its reference image and mask beside
/// it, verified against their recorded digests). On error the builder is
/// unchanged. Errors: `IO`, `TEMPLATE`, `INVALID_ARGUMENT` (empty path or not
/// a regular file), `LIMITS_EXCEEDED` (file too large).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_add_template_file(b: *mut docscreen_builder, path: *const c_char) -> docscreen_status {
    with_builder("docscreen_builder_add_template_file", b, |b| {
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let path = match unsafe { path_arg(path) } {
            Ok(p) => p,
            Err(e) => return e,
        };
        match Template::load(&path) {
            Ok(t) => {
                b.templates.push(t);
                docscreen_status::Ok
            }
            Err(e) => fail(&e),
        }
    })
}

/// Loads every `*.toml` template of a directory (not recursive, sorted by
/// name), or one template file. All or nothing: on error no template of the
/// directory is added.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_add_templates_path(b: *mut docscreen_builder, path: *const c_char) -> docscreen_status {
    with_builder("docscreen_builder_add_templates_path", b, |b| {
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let path = match unsafe { path_arg(path) } {
            Ok(p) => p,
            Err(e) => return e,
        };
        match Template::load_path(&path) {
            Ok(ts) => {
                b.templates.extend(ts);
                docscreen_status::Ok
            }
            Err(e) => fail(&e),
        }
    })
}

/// Sets the largest accepted image width and height in pixels (defaults
/// 16384 × 16384). `INVALID_ARGUMENT` when either is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_set_max_dimensions(b: *mut docscreen_builder, max_width: u32, max_height: u32) -> docscreen_status {
    with_builder("docscreen_builder_set_max_dimensions", b, |b| {
        if max_width == 0 || max_height == 0 {
            return docscreen_status::InvalidArgument;
        }
        b.limits.max_width = max_width;
        b.limits.max_height = max_height;
        docscreen_status::Ok
    })
}

/// Sets the largest accepted width × height (default 52 000 000).
/// `INVALID_ARGUMENT` when 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_set_max_pixels(b: *mut docscreen_builder, max_pixels: u64) -> docscreen_status {
    with_builder("docscreen_builder_set_max_pixels", b, |b| {
        if max_pixels == 0 {
            return docscreen_status::InvalidArgument;
        }
        b.limits.max_pixels = max_pixels;
        docscreen_status::Ok
    })
}

/// Sets the largest accepted encoded input, in bytes (default 100 MiB); it
/// also bounds `docscreen_screen_file`. `INVALID_ARGUMENT` when 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_set_max_encoded_bytes(b: *mut docscreen_builder, max_bytes: u64) -> docscreen_status {
    with_builder("docscreen_builder_set_max_encoded_bytes", b, |b| {
        if max_bytes == 0 {
            return docscreen_status::InvalidArgument;
        }
        b.limits.max_encoded_bytes = max_bytes;
        docscreen_status::Ok
    })
}

/// Sets the most memory an image decoder may allocate, in bytes (default
/// 512 MiB). `INVALID_ARGUMENT` when 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_set_max_alloc(b: *mut docscreen_builder, max_bytes: u64) -> docscreen_status {
    with_builder("docscreen_builder_set_max_alloc", b, |b| {
        if max_bytes == 0 {
            return docscreen_status::InvalidArgument;
        }
        b.limits.max_alloc = max_bytes;
        docscreen_status::Ok
    })
}

/// Builds a screener and frees the builder: `b` is consumed on every path,
/// success or error, and must not be used or freed afterwards. (Except when
/// the status is `INVALID_HANDLE`: then `b` was not a builder and nothing
/// was freed.) Errors: `TEMPLATE` (e.g. two templates with one id),
/// `NULL_ARGUMENT` (`b` or `out`; a non-NULL `b` is still freed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_build(b: *mut docscreen_builder, out: *mut *mut docscreen_screener) -> docscreen_status {
    call("docscreen_builder_build", || {
        // Take ownership first so that every later exit frees the builder.
        // SAFETY: registry-checked.
        let b = match unsafe { handle::take(b) } {
            Ok(b) => b,
            Err(e) => return e,
        };
        if out.is_null() {
            return docscreen_status::NullArgument;
        }
        let b = *b;
        let mut sb = Screener::builder().limits(b.limits);
        for t in b.templates {
            sb = sb.template(t);
        }
        match sb.build() {
            Ok(s) => {
                // SAFETY: checked non-NULL.
                unsafe { *out = handle::new_handle(docscreen_screener::new(s)) };
                docscreen_status::Ok
            }
            Err(e) => fail(&e),
        }
    })
}

/// Frees a builder that was not passed to `docscreen_builder_build`. NULL,
/// an already freed builder or another handle type are ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_builder_free(b: *mut docscreen_builder) {
    // SAFETY: registry-checked.
    guard((), || unsafe { handle::free(b) })
}
