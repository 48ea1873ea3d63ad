//! Integer stand-ins for the enums C passes *in*. A C caller can pass any
//! number where the header says `docscreen_status` or
//! `docscreen_pixel_format` (both `uint32_t` typedefs in C); receiving them
//! as Rust enums would make an unknown number undefined behaviour, so they
//! arrive as `u32` and are mapped with a fallback. The aliases are hidden
//! from cbindgen, so the header shows the enums' names.

/// cbindgen:ignore
pub type docscreen_status = u32;

/// cbindgen:ignore
pub type docscreen_pixel_format = u32;
