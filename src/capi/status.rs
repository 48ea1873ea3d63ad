//! Status codes.

use crate::Error;
use std::ffi::c_char;

/// The result of every fallible function. The numbers are stable: values are
/// never renumbered or reused, new ones are only appended. In C the type is a
/// `uint32_t`, so a caller must expect values this header does not name yet
/// (`docscreen_status_message` describes them as unknown).
///
/// Findings about a document (a failed check digit, a template mismatch) are
/// never a status: they are in the report of a successful call.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum docscreen_status {
    /// Success; the out-parameters were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument is out of its domain: zero or inconsistent sizes, a pixel
    /// buffer shorter than `height` rows of `stride` bytes, an unknown pixel
    /// format, text that is not UTF-8, a path that is not a regular file.
    InvalidArgument = 2,
    /// The bytes are not an image of a supported format, or it is corrupt or
    /// truncated.
    BadImage = 3,
    /// The input exceeds a configured limit (dimensions, pixels, bytes,
    /// decoder memory); nothing was decoded.
    LimitsExceeded = 4,
    /// Reading a file failed (missing, unreadable).
    Io = 5,
    /// A template file is malformed or its reference data fails its digest.
    Template = 6,
    /// MRZ text that cannot be interpreted as any MRZ (empty, wrong line
    /// count, overlong lines). Text with an MRZ's shape that breaks its rules
    /// is not an error: `docscreen_mrz_validate` reports it as invalid.
    MrzText = 7,
    /// A handle argument is not a live handle of the expected type (already
    /// freed, or a pointer to something else). See "Handles" in the header
    /// comment for what can be detected.
    InvalidHandle = 8,
    /// The library panicked (a bug); no out-parameter was written and the
    /// handles passed in are still valid.
    Panic = 9,
    /// An index is not below the corresponding count.
    IndexOutOfRange = 10,
    /// An error this version of the C API does not classify.
    InternalError = 11,
}

impl docscreen_status {
    /// The static message for a status number (any `u32`).
    pub(crate) fn message_of(status: u32) -> &'static std::ffi::CStr {
        use docscreen_status as S;
        const ALL: [docscreen_status; 12] = [
            S::Ok,
            S::NullArgument,
            S::InvalidArgument,
            S::BadImage,
            S::LimitsExceeded,
            S::Io,
            S::Template,
            S::MrzText,
            S::InvalidHandle,
            S::Panic,
            S::IndexOutOfRange,
            S::InternalError,
        ];
        match ALL.iter().find(|s| **s as u32 == status) {
            None => c"unknown status (from a newer version of the library?)",
            Some(S::Ok) => c"ok",
            Some(S::NullArgument) => c"a required pointer argument is NULL",
            Some(S::InvalidArgument) => c"invalid argument",
            Some(S::BadImage) => c"unsupported, corrupt or truncated image",
            Some(S::LimitsExceeded) => c"input exceeds a configured limit",
            Some(S::Io) => c"cannot read file",
            Some(S::Template) => c"template error",
            Some(S::MrzText) => c"not MRZ text",
            Some(S::InvalidHandle) => c"not a live handle of the expected type",
            Some(S::Panic) => c"internal error: the library panicked",
            Some(S::IndexOutOfRange) => c"index out of range",
            Some(S::InternalError) => c"internal error",
        }
    }
}

impl From<&Error> for docscreen_status {
    fn from(e: &Error) -> Self {
        match e {
            Error::Mrz(_) => docscreen_status::MrzText,
            Error::Image(_) => docscreen_status::BadImage,
            Error::Limits(_) => docscreen_status::LimitsExceeded,
            Error::InvalidArgument(_) => docscreen_status::InvalidArgument,
            Error::Io { .. } => docscreen_status::Io,
            Error::Template(_) => docscreen_status::Template,
            #[allow(unreachable_patterns)] // `Error` is non_exhaustive: new kinds land here
            _ => docscreen_status::InternalError,
        }
    }
}

/// A short English description of `status`, a static string (never NULL,
/// never to be freed). Accepts any number: unknown ones get a generic text.
#[unsafe(no_mangle)]
pub extern "C" fn docscreen_status_message(status: super::incoming::docscreen_status) -> *const c_char {
    crate::capi::guard(c"internal error".as_ptr(), || docscreen_status::message_of(status).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable() {
        assert_eq!(docscreen_status::Ok as u32, 0);
        assert_eq!(docscreen_status::NullArgument as u32, 1);
        assert_eq!(docscreen_status::InvalidHandle as u32, 8);
        assert_eq!(docscreen_status::Panic as u32, 9);
        assert_eq!(docscreen_status::InternalError as u32, 11);
    }

    #[test]
    fn every_number_has_a_message() {
        for n in 0..=11 {
            assert!(!docscreen_status::message_of(n).to_str().unwrap().starts_with("unknown"), "{n}");
        }
        assert!(docscreen_status::message_of(12).to_str().unwrap().starts_with("unknown"));
        assert!(docscreen_status::message_of(u32::MAX).to_str().unwrap().starts_with("unknown"));
    }
}
