//! What the monitor hands the kernel at boot, parsed: the PVH `start_info` (memory map,
//! command line, ACPI RSDP) and the command line's split into kernel options and app arguments.
//!
//! Everything here faces input the kernel does not control, so it never panics: bad input is a
//! typed error or a warning flag. Memory is read through [`PhysicalMemory`], which the kernel
//! implements over its boot mapping and tests implement over a byte vector.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

mod cmdline;
pub mod start_info;

pub use cmdline::{
    AppArguments, KernelOption, LogLevel, SEPARATOR, Word, Words, app_arguments, kernel_options, parse_ipv4,
    parse_ipv4_cidr, unquote, words,
};
pub use start_info::{PhysicalMemory, StartInfo, StartInfoError};
