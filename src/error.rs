//! Errors for misuse, unreadable input and limits. Findings about a document
//! (a bad check digit, a template mismatch) are never errors: they go in the
//! report.

use std::path::PathBuf;

/// The crate-level error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// MRZ text that cannot be interpreted at all (see [`crate::mrz::MrzError`]).
    #[error(transparent)]
    Mrz(#[from] crate::mrz::MrzError),
    /// The image could not be decoded.
    #[error("cannot decode image: {0}")]
    Image(#[from] image::ImageError),
    /// The input exceeds a configured limit; nothing was decoded or allocated.
    #[error("limits exceeded: {0}")]
    Limits(String),
    /// An argument is out of its domain (zero width, stride too small, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A template file or template pack is malformed or fails its digest.
    #[error("template error: {0}")]
    Template(String),
}

impl Error {
    /// A stable snake_case name of the error's kind, as the CLI prints it
    /// under `error_kind`: `mrz`, `image`, `limits`, `invalid_argument`,
    /// `io`, `template`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Mrz(_) => "mrz",
            Error::Image(_) => "image",
            Error::Limits(_) => "limits",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Io { .. } => "io",
            Error::Template(_) => "template",
        }
    }
}
