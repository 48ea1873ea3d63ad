//! Document templates: built-in ICAO format templates and issuer templates
//! enrolled from genuine specimens.
