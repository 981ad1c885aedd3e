//! Host tests: one or more per rule, property tests against page-by-page and descriptor-by-
//! descriptor reference models, decoders on arbitrary bytes, and the numbers checked against the
//! host's Linux headers and the layouts against the host's C compiler when they are installed.

mod c_layouts;
mod errno;
mod fd;
mod fd_properties;
mod flags;
mod headers;
mod layout;
mod lock;
mod memory;
mod memory_properties;
mod mmap;
mod registers;
mod seek_clock;
mod sysno;

/// Skips the calling test, counted as skipped by scripts/test (the api's `record_skip`).
fn record_skip(test: &str, reason: &str) {
    stardust_api::fakes::record_skip(&format!("stardust-linux-abi, {test}"), reason);
}
