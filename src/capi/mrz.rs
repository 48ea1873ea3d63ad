//! MRZ text validation (no image involved).

use super::handle;
use super::{c_string, call, docscreen_status, fail, fail_with};
use std::ffi::c_char;

/// Validates MRZ text: `len` bytes of UTF-8 (no NUL terminator needed), lines
/// separated by newlines or '|'. On success `*out_json` is the JSON object
/// `docscreen mrz --json` prints for the same text (owned: free it with
/// `docscreen_string_free`). A document that breaks the MRZ rules is a
/// success with `"valid": false` in the JSON. Errors: `MRZ_TEXT` (no MRZ:
/// empty, not 2 or 3 lines, overlong lines), `INVALID_ARGUMENT` (not UTF-8).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_mrz_validate(text: *const c_char, len: usize, out_json: *mut *mut c_char) -> docscreen_status {
    call("docscreen_mrz_validate", || {
        if text.is_null() || out_json.is_null() {
            return docscreen_status::NullArgument;
        }
        if len > isize::MAX as usize {
            return docscreen_status::InvalidArgument;
        }
        // SAFETY: the caller passes `len` readable bytes.
        let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return fail_with(docscreen_status::InvalidArgument, format!("MRZ text is not UTF-8: {e}")),
        };
        let v = match crate::mrz::validate(text, None) {
            Ok(v) => v,
            Err(e) => return fail(&crate::Error::from(e)),
        };
        let Ok(json) = serde_json::to_string(&v) else {
            return docscreen_status::InternalError;
        };
        // SAFETY: checked non-NULL.
        unsafe { *out_json = handle::new_string(c_string(&json)) };
        docscreen_status::Ok
    })
}
