//! `docscreen_report` and its accessors.

use super::handle::{self, Handle, Kind};
use super::{c_string, call, docscreen_status, guard};
use crate::mrz::Format;
use crate::report::{Report, Severity, Verdict};
use std::ffi::{CStr, CString, c_char};
use std::ptr;

/// The outcome of screening one image. Owned by the caller, freed with
/// `docscreen_report_free`; strings borrowed from it stay valid until then.
/// Reading a report from several threads at once is safe.
pub struct docscreen_report {
    magic: u64,
    report: Report,
    // NUL-terminated copies, made once, so that accessors can hand out
    // borrowed pointers.
    mrz_lines: Vec<CString>,
    findings: Vec<FindingStrings>,
    sha256: CString,
    template_id: Option<CString>,
}

struct FindingStrings {
    code: CString,
    zone: Option<CString>,
    message: CString,
}

impl docscreen_report {
    pub(crate) fn new(report: Report) -> Self {
        docscreen_report {
            magic: Self::MAGIC,
            mrz_lines: report.mrz.iter().flat_map(|m| m.lines.iter()).map(|l| c_string(l)).collect(),
            findings: report
                .findings
                .iter()
                .map(|f| FindingStrings {
                    code: c_string(f.code.as_str()),
                    zone: f.zone.as_deref().map(c_string),
                    message: c_string(&f.message),
                })
                .collect(),
            sha256: c_string(&report.image_sha256),
            template_id: report.template.as_ref().map(|t| c_string(&t.id)),
            report,
        }
    }
}

impl Handle for docscreen_report {
    const KIND: Kind = Kind::Report;
    const MAGIC: u64 = u64::from_le_bytes(*b"DSreport");
    fn magic(&self) -> u64 {
        self.magic
    }
    fn clear_magic(&mut self) {
        self.magic = 0;
    }
}

/// The overall outcome of a screening.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum docscreen_verdict {
    /// Not a verdict: `docscreen_report_verdict` was given NULL or a pointer
    /// that is not a live report. Zero, so that it is never mistaken for one.
    Error = 0,
    /// Every check ran and none found evidence of forgery.
    Pass = 1,
    /// At least one check found evidence of forgery.
    Fail = 2,
    /// The capture does not allow a decision (MRZ unreadable, too small, too
    /// blurred); never a claim of forgery.
    Inconclusive = 3,
}

/// How much a finding weighs.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum docscreen_severity {
    Info = 0,
    Warning = 1,
    /// Evidence of forgery: the verdict is `DOCSCREEN_VERDICT_FAIL`.
    Fail = 2,
}

/// One finding, filled in by `docscreen_report_finding`. The strings are
/// borrowed from the report. This struct never grows: a later version that
/// reports more about a finding does so through a new function.
#[repr(C)]
pub struct docscreen_finding {
    /// Stable snake_case code, e.g. "mrz_check_digit", "zone_mismatch" (the
    /// list is in docs/c-api.md; new codes may appear).
    pub code: *const c_char,
    pub severity: docscreen_severity,
    /// The template zone or MRZ field concerned, or NULL.
    pub zone: *const c_char,
    /// Whether `score` holds a measured value (else it is 0).
    pub has_score: bool,
    pub score: f64,
    /// Whether `threshold` holds the value `score` was compared with.
    pub has_threshold: bool,
    pub threshold: f64,
    /// A human-readable explanation (English).
    pub message: *const c_char,
}

/// Runs `f` on a live report; `fallback` for NULL, a dead or foreign
/// pointer, or a panic (accessors that return a value, not a status).
fn with_report<R: Copy>(r: *const docscreen_report, fallback: R, f: impl FnOnce(&docscreen_report) -> R) -> R {
    guard(fallback, || {
        // SAFETY: registry-checked; reports are only read.
        match unsafe { handle::borrow(r) } {
            Ok(r) => f(r),
            Err(_) => fallback,
        }
    })
}

/// The verdict; `DOCSCREEN_VERDICT_ERROR` (0) when `r` is NULL or not a live
/// report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_verdict(r: *const docscreen_report) -> docscreen_verdict {
    with_report(r, docscreen_verdict::Error, |r| match r.report.verdict {
        Verdict::Pass => docscreen_verdict::Pass,
        Verdict::Fail => docscreen_verdict::Fail,
        Verdict::Inconclusive => docscreen_verdict::Inconclusive,
    })
}

/// The number of findings; 0 when `r` is NULL or not a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_finding_count(r: *const docscreen_report) -> usize {
    with_report(r, 0, |r| r.findings.len())
}

/// Fills `*out` with finding `i` (0-based, below
/// `docscreen_report_finding_count`). Its strings are borrowed from `r`.
/// Errors: `INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_finding(
    r: *const docscreen_report,
    i: usize,
    out: *mut docscreen_finding,
) -> docscreen_status {
    call("docscreen_report_finding", || {
        // SAFETY: registry-checked; reports are only read.
        let r = match unsafe { handle::borrow(r) } {
            Ok(r) => r,
            Err(e) => return e,
        };
        if out.is_null() {
            return docscreen_status::NullArgument;
        }
        let (Some(f), Some(s)) = (r.report.findings.get(i), r.findings.get(i)) else {
            return docscreen_status::IndexOutOfRange;
        };
        let finding = docscreen_finding {
            code: s.code.as_ptr(),
            severity: match f.severity {
                Severity::Info => docscreen_severity::Info,
                Severity::Warning => docscreen_severity::Warning,
                Severity::Fail => docscreen_severity::Fail,
            },
            zone: s.zone.as_ref().map_or(ptr::null(), |z| z.as_ptr()),
            has_score: f.score.is_some(),
            score: f.score.unwrap_or(0.0),
            has_threshold: f.threshold.is_some(),
            threshold: f.threshold.unwrap_or(0.0),
            message: s.message.as_ptr(),
        };
        // SAFETY: checked non-NULL; `docscreen_finding` is plain data.
        unsafe { out.write(finding) };
        docscreen_status::Ok
    })
}

/// The number of MRZ lines read (2 or 3), 0 when no MRZ was read or `r` is
/// NULL or not a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_mrz_line_count(r: *const docscreen_report) -> usize {
    with_report(r, 0, |r| r.mrz_lines.len())
}

/// MRZ line `i` as read (e.g. "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"),
/// borrowed from `r`; NULL when `i` is out of range or `r` is NULL or not a
/// live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_mrz_line(r: *const docscreen_report, i: usize) -> *const c_char {
    with_report(r, ptr::null(), |r| r.mrz_lines.get(i).map_or(ptr::null(), |l| l.as_ptr()))
}

/// The MRZ format ("TD1", "TD2", "TD3", "MRVA", "MRVB" or "FRA_ID"), a
/// static string; NULL when no MRZ was read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_mrz_format(r: *const docscreen_report) -> *const c_char {
    with_report(r, ptr::null(), |r| r.report.mrz.as_ref().map_or(ptr::null(), |m| format_name(m.format).as_ptr()))
}

/// Whether an MRZ was read and passed every check digit and field rule;
/// false when no MRZ was read (see `docscreen_report_mrz_line_count`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_mrz_valid(r: *const docscreen_report) -> bool {
    with_report(r, false, |r| r.report.mrz.as_ref().is_some_and(|m| m.valid))
}

/// The lower-case hex SHA-256 of the input (the encoded bytes as given, or
/// the pixel rows without stride padding), borrowed from `r`; NULL when `r`
/// is NULL or not a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_image_sha256(r: *const docscreen_report) -> *const c_char {
    with_report(r, ptr::null(), |r| r.sha256.as_ptr())
}

/// The id of the issuer template applied, borrowed from `r`; NULL when none
/// was.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_template_id(r: *const docscreen_report) -> *const c_char {
    with_report(r, ptr::null(), |r| r.template_id.as_ref().map_or(ptr::null(), |t| t.as_ptr()))
}

/// The whole report as one line of JSON (the object `docscreen screen
/// --json` prints, without its "file" key). `*out` is owned by the caller:
/// free it with `docscreen_string_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_json(r: *const docscreen_report, out: *mut *mut c_char) -> docscreen_status {
    call("docscreen_report_json", || {
        // SAFETY: registry-checked; reports are only read.
        let r = match unsafe { handle::borrow(r) } {
            Ok(r) => r,
            Err(e) => return e,
        };
        if out.is_null() {
            return docscreen_status::NullArgument;
        }
        let json = c_string(&r.report.to_json());
        // SAFETY: checked non-NULL.
        unsafe { *out = handle::new_string(json) };
        docscreen_status::Ok
    })
}

/// Frees a string this library returned as owned (`char *`, not `const
/// char *`). NULL, strings already freed and pointers this library did not
/// hand out as owned are ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_string_free(s: *mut c_char) {
    // SAFETY: registry-checked before use.
    guard((), || {
        unsafe { handle::free_string(s) };
    })
}

/// Frees a report; its borrowed strings become invalid. NULL, an already
/// freed report or another handle type are ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn docscreen_report_free(r: *mut docscreen_report) {
    // SAFETY: registry-checked.
    guard((), || unsafe { handle::free(r) })
}

fn format_name(f: Format) -> &'static CStr {
    match f {
        Format::Td1 => c"TD1",
        Format::Td2 => c"TD2",
        Format::Td3 => c"TD3",
        Format::MrvA => c"MRVA",
        Format::MrvB => c"MRVB",
        Format::FrenchId => c"FRA_ID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_match_rust() {
        for f in Format::ALL {
            assert_eq!(format_name(f).to_str().unwrap(), f.as_str());
        }
    }
}
