//! Stardust's Java virtual machine: runs the class files an ordinary `javac` (OpenJDK 17) makes.
//!
//! - [`classfile`] reads class files, checking every index and length;
//! - [`verify`] proves each method's code well-formed and type-safe before it first runs;
//! - [`vm`] loads, links and initialises classes, and interprets bytecode with frames on a
//!   value stack of its own (a Java recursion costs heap, not Rust stack);
//! - [`heap`] holds objects under a precise mark-and-sweep collector with a byte budget
//!   (OutOfMemoryError past it);
//! - [`lambda`] runs javac's two invokedynamic bootstraps (string concatenation, lambdas);
//! - [`lang`] and [`collections`] are the class library, in Rust.
//!
//! The VM reaches the world through [`vm::Host`] (output, clocks) and [`vm::ClassSource`]
//! (class files): the kernel's app and the host runner (`--features host`) each provide them.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod classfile;
pub mod collections;
pub mod decimal;
pub mod descriptor;
pub mod error;
pub mod format;
pub mod heap;
pub mod lambda;
pub mod lang;
pub mod numbered;
pub mod sorted;
pub mod threads;
pub mod util;
pub mod verify;
pub mod vm;

pub use error::LinkError;
pub use threads::Vm;
pub use vm::{ClassSource, Config, Host, Machine};

/// Classes sealed into an image: `u32` name length, name (internal form), `u32` length, bytes;
/// repeated; all little-endian. The build writes it from a directory or a jar.
pub struct Bundle<'a> {
    entries: alloc::vec::Vec<(&'a str, &'a [u8])>,
}

impl<'a> Bundle<'a> {
    /// Reads a bundle; Err names what is wrong with it.
    pub fn parse(bytes: &'a [u8]) -> Result<Bundle<'a>, &'static str> {
        let mut entries = alloc::vec::Vec::new();
        let mut at = 0;
        let take = |at: &mut usize| -> Result<&'a [u8], &'static str> {
            let header = bytes.get(*at..*at + 4).ok_or("truncated class bundle")?;
            let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
            let body = bytes.get(*at + 4..*at + 4 + length).ok_or("truncated class bundle")?;
            *at += 4 + length;
            Ok(body)
        };
        while at < bytes.len() {
            let name = core::str::from_utf8(take(&mut at)?).map_err(|_| "a class name in the bundle is not UTF-8")?;
            let class = take(&mut at)?;
            entries.push((name, class));
        }
        Ok(Bundle { entries })
    }

    /// Writes a bundle of `(name, bytes)`.
    pub fn write(classes: &[(&str, &[u8])]) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        for (name, bytes) in classes {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries.iter().map(|(name, _)| *name)
    }
}

impl ClassSource for Bundle<'_> {
    fn find(&self, name: &str) -> Option<&[u8]> {
        self.entries.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
    }
}
