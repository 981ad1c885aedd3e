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

/// Skips the calling test: says so, and records it in the file named by `STARDUST_SKIPPED` (set
/// by scripts/test), which reports it as skipped, not passed.
fn record_skip(test: &str, reason: &str) {
    println!("skipped: {reason}");
    if let Some(path) = std::env::var_os("STARDUST_SKIPPED") {
        use std::io::Write as _;
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "stardust-linux-abi, {test}: {reason}"));
        if let Err(error) = written {
            panic!("cannot record a skipped test in {}: {error}", path.to_string_lossy());
        }
    }
}
