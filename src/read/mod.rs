//! Reading the MRZ from an image with the built-in OCR-B reader.
