//! Helpers shared by integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/data` beside the checkout, if present. Tests that need it skip
/// with a printed notice when it is absent (a user's clone has no `../shared`).
pub fn shared_data() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("NOTICE: {} is absent; skipping this corpus test", p.display());
        None
    }
}
