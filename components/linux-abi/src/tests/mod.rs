//! Host tests: one or more per rule, property tests against page-by-page and descriptor-by-
//! descriptor reference models, decoders on arbitrary bytes, and the numbers checked against the
//! host's Linux headers when they are installed.

mod errno;
mod fd;
mod fd_properties;
mod flags;
mod headers;
mod layout;
mod memory;
mod memory_properties;
mod sysno;
