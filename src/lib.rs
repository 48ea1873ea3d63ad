//! docscreen screens images of travel documents (passport data pages, ID cards,
//! visas) for signs of forgery.
//!
//! The pipeline is a chain of types you can stop at:
//! image → [`read::MrzReading`] (OCR-B reader) → [`mrz::Validation`] (ICAO 9303
//! checks) → [`report::Report`] (template checks, verdict) via [`screen::Screener`].
//!
//! Everything geometric is in millimetres in the document's own frame
//! (origin top-left, x right, y down); see [`geometry`].

pub mod align;
pub mod error;
pub mod font;
pub mod geometry;
pub mod mrz;
pub mod raster;
pub mod register;
pub mod read;
#[cfg(feature = "synth")]
pub mod synth;
pub mod template;
pub mod checks;
pub mod report;
pub mod screen;
mod stats;

#[cfg(feature = "capi")]
pub mod capi;

pub use error::Error;

/// The library version, as in `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
