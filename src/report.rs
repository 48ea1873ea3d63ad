//! The screening report.
