//! Stardust's x86_64 hardware layer: everything that touches the CPU or a device register.
//!
//! Boot (PVH entry, long mode), descriptor tables, CPU exceptions, W^X page tables, the COM1
//! console, the TSC clock, PCI configuration space, and leaving the VM. Most of the project's `unsafe` lives here, each
//! block with a `// SAFETY:` line; the crates above it forbid `unsafe`.
//!
//! Entry: the monitor jumps to `_start32` (named by the PVH ELF note) → long mode →
//! [`boot::entry`] sets up this crate → calls `stardust_image_main`, which the image defines.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod acpi;
pub mod boot;
pub mod cpu;
pub mod exceptions;
mod gdt;
pub mod heap;
pub mod interrupts;
pub mod ioapic;
pub mod kvmclock;
pub mod lapic;
pub mod msix;
pub mod paging;
pub mod pci;
pub mod power;
pub mod rtc;
pub mod serial;
pub mod smp;
pub mod thread;
pub mod time;
pub mod user;

pub use boot::BootInfo;

/// Exit codes the kernel itself uses. An app's own code is 0..=126 (see [`power::exit`]).
pub mod exit_code {
    /// A Rust panic (the same code Rust's std uses).
    pub const PANIC: u8 = 101;
    /// A CPU exception (page fault, invalid opcode, ...).
    pub const CPU_EXCEPTION: u8 = 102;
    /// The heap could not satisfy an allocation.
    pub const OUT_OF_MEMORY: u8 = 103;
    /// A stack ran into its guard page.
    pub const STACK_OVERFLOW: u8 = 104;
    /// The boot information from the monitor was unusable.
    pub const BOOT_FAILURE: u8 = 105;
    /// Every thread is blocked and none sleeps: nothing can ever run again.
    pub const DEADLOCK: u8 = 106;
    /// The largest code that can leave the VM through QEMU's isa-debug-exit.
    pub const MAX: u8 = 126;
}
