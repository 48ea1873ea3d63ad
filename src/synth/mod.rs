//! Synthetic documents and forgeries for tests, benchmarks and research.
