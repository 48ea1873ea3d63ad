//! Checks: each a pure function from (image, template, reading) to findings.
