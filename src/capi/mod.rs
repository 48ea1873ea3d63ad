//! The C API: `include/docscreen.h` is generated from this module by cbindgen
//! (see `tests/capi_header.rs`); the conventions are in `cbindgen.toml`'s
//! header comment and in `docs/c-api.md`.
//!
//! Every exported function is an ordinary `extern "C"` function whose body
//! runs inside [`call`] (status-returning functions: a panic becomes
//! `DOCSCREEN_STATUS_PANIC`, and the thread's last error is recorded) or
//! [`guard`] (accessors and `_free`: a panic becomes NULL/0), checks its pointers through [`handle`] (NULL → status,
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

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `body`, turning a panic into `on_panic`. Every exported function
/// wraps its body in this: unwinding into C is undefined behaviour (and an
/// abort since Rust 1.81), which would take the host process down.
pub(crate) fn guard<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(r) => r,
        Err(payload) => {
            drop_payload(payload);
            on_panic
        }
    }
}

/// Drops a panic payload. Its `Drop` may panic in turn, which must not
/// escape either.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
}

thread_local! {
    /// Detail of the error the current call is failing with (see [`fail`]).
    static DETAIL: RefCell<Option<String>> = const { RefCell::new(None) };
    /// What `docscreen_last_error_message` returns: set by every call that
    /// returns a status, NULL after a success.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Maps a Rust error to its status, keeping its text for
/// `docscreen_last_error_message`.
pub(crate) fn fail(e: &crate::Error) -> docscreen_status {
    fail_with(e.into(), e.to_string())
}

/// Returns `status`, keeping `detail` for `docscreen_last_error_message`.
pub(crate) fn fail_with(status: docscreen_status, detail: String) -> docscreen_status {
    let _ = DETAIL.try_with(|d| *d.borrow_mut() = Some(detail));
    status
}

/// [`guard`] for a function that returns a status: also records the last
/// error of this thread, "name: detail", or clears it on success.
pub(crate) fn call(name: &'static str, body: impl FnOnce() -> docscreen_status) -> docscreen_status {
    let _ = DETAIL.try_with(|d| d.borrow_mut().take());
    let mut panic_text = None;
    let status = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(s) => s,
        Err(payload) => {
            panic_text = payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned());
            drop_payload(payload);
            docscreen_status::Panic
        }
    };
    // Recording must not itself unwind into C.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let detail = DETAIL.try_with(|d| d.borrow_mut().take()).ok().flatten();
        let last = (status != docscreen_status::Ok).then(|| {
            let what = match (status, panic_text, detail) {
                (docscreen_status::Panic, Some(p), _) => format!("panic: {p}"),
                (_, _, Some(d)) => d,
                _ => docscreen_status::message_of(status as u32).to_string_lossy().into_owned(),
            };
            c_string(&format!("{name}: {what}"))
        });
        let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = last);
    }));
    status
}

/// The last error of this thread: which function failed and why, e.g.
/// "docscreen_screen_pixels: invalid argument: stride 63 is less than a row
/// of 64 bytes". NULL when the last function that returns a
/// `docscreen_status` succeeded on this thread. Borrowed: valid until this
/// thread's next call that returns a `docscreen_status`; copy it to keep it.
/// For logs and people, not for parsing: the status is the stable part.
#[unsafe(no_mangle)]
pub extern "C" fn docscreen_last_error_message() -> *const c_char {
    guard(std::ptr::null(), || {
        LAST_ERROR.try_with(|l| l.borrow().as_ref().map_or(std::ptr::null(), |c| c.as_ptr())).unwrap_or(std::ptr::null())
    })
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
    fn call_records_the_last_error() {
        let last = || unsafe { std::ffi::CStr::from_ptr(docscreen_last_error_message()) }.to_str().unwrap().to_string();
        let e = crate::Error::Limits("too big".into());
        assert_eq!(call("f", || fail(&e)), docscreen_status::LimitsExceeded);
        assert_eq!(last(), "f: limits exceeded: too big");
        assert_eq!(call("g", || docscreen_status::NullArgument), docscreen_status::NullArgument);
        assert_eq!(last(), "g: a required pointer argument is NULL");
        assert_eq!(call("h", || panic!("boom")), docscreen_status::Panic);
        assert_eq!(last(), "h: panic: boom");
        assert_eq!(call("i", || docscreen_status::Ok), docscreen_status::Ok);
        assert!(docscreen_last_error_message().is_null());
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
