//! The C API: `include/docscreen.h` is generated from this module by cbindgen
//! (see `tests/capi_header.rs`); the conventions are in `cbindgen.toml`'s
//! header comment and in `docs/c-api.md`.
//!
//! Every exported function is an ordinary `extern "C"` function whose body
//! runs inside [`guard`] (a panic becomes `DOCSCREEN_STATUS_PANIC`, or NULL/0
//! for accessors), checks its pointers through [`handle`] (NULL → status,
//! wrong type or freed → `DOCSCREEN_STATUS_INVALID_HANDLE`) and writes its
//! out-parameters last, only on success.
//!
//! Enums that C passes *in* (status, pixel format) are received as `u32` and
//! mapped with a fallback: a C caller can pass any integer, and an invalid
//! value in a Rust enum would be undefined behaviour.

#![allow(non_camel_case_types)]

mod builder;
mod handle;
mod incoming;
mod mrz;
mod report;
mod screen;
mod status;

pub use builder::docscreen_builder;
pub use report::{docscreen_finding, docscreen_report, docscreen_severity, docscreen_verdict};
pub use screen::{docscreen_pixel_format, docscreen_screener};
pub use status::docscreen_status;

use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `body`, turning a panic into `on_panic`. Every exported function
/// wraps its body in this: unwinding into C is undefined behaviour (and an
/// abort since Rust 1.81), which would take the host process down.
pub(crate) fn guard<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => {
            // Dropping the payload runs foreign code too; a panic there must
            // not escape either.
            if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(again);
            }
            on_panic
        }
    }
}

/// A C string for text that may, in principle, hold NUL (template zone
/// names, messages): NULs are dropped rather than failing the call.
pub(crate) fn c_string(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "")).unwrap_or_default())
}

/// The library version ("0.1.0"), a static string: never free it. Equals
/// `DOCSCREEN_VERSION_MAJOR.MINOR.PATCH` of the header it was built with.
#[unsafe(no_mangle)]
pub extern "C" fn docscreen_version() -> *const c_char {
    const V: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version has a NUL"),
    };
    V.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_the_fallback() {
        assert_eq!(guard(7, || -> i32 { panic!("boom") }), 7);
        assert_eq!(guard(7, || 3), 3);
    }

    #[test]
    fn c_string_drops_nul() {
        assert_eq!(c_string("a\0b").as_bytes(), b"ab");
    }

    #[test]
    fn version_matches_cargo() {
        let v = unsafe { std::ffi::CStr::from_ptr(docscreen_version()) };
        assert_eq!(v.to_str().unwrap(), crate::VERSION);
    }
}
