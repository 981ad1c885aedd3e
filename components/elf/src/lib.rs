//! Static x86-64 Linux executables, read for Stardust's loader: what an ELF file asks to be
//! loaded, where each page goes at a given base and with which permissions, the RELATIVE
//! relocations of a static-pie, and the initial process stack that Linux's ABI promises a new
//! program. Pure functions over byte slices: this crate maps nothing, runs nothing and makes no
//! system calls; the kernel's loader does that with what it returns.
//!
//! Not a general ELF library: it accepts only what Stardust can run, a statically linked x86-64
//! program (`ET_EXEC` at fixed addresses, or `ET_DYN` without an interpreter: a static-pie whose
//! only relocations are `R_X86_64_RELATIVE`), and refuses everything else with an [`ElfError`]
//! that says why, in words a user can act on. Section headers are never read: a loader needs
//! only the program headers.
//!
//! The order of use:
//! 1. [`parse`] checks the file and returns a [`Program`];
//! 2. [`Program::layout`] places it at a base: page ranges and their permissions ([`Layout`]);
//! 3. [`Layout::load`] copies the file's segments into an image buffer and zeroes the rest, and
//!    [`Layout::apply_relocations`] relocates a static-pie in that buffer;
//! 4. [`initial_stack`] builds argc, argv, envp, the auxiliary vector and the strings.
//!
//! No input makes any of these panic: every offset and size read from the file goes through
//! checked arithmetic and bounds-checked slicing.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod dynamic;
mod error;
mod layout;
mod program;
mod read;
mod stack;

#[cfg(test)]
mod tests;

pub use error::{ElfError, LoadError, StackError};
pub use layout::{Layout, PageRange};
pub use program::{Kind, MAX_PROGRAM_HEADERS, Permissions, Program, ProgramHeaders, Relocation, Segment, Tls, parse};
pub use stack::{InitialStack, Process, initial_stack};

/// The page size of x86-64 user space (`AT_PAGESZ`): layouts are rounded to it.
pub const PAGE_SIZE: u64 = 4096;

/// The first address above user space: x86-64's lower canonical half ends here (4-level paging).
pub const USER_SPACE_END: u64 = 1 << 47;
