//! Enrollment: building an issuer template from genuine specimen images.
