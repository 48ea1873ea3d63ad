//! The Screener.
