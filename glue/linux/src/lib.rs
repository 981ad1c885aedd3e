//! Linux programs on Stardust: a static x86-64 ELF runs in ring 3 of the kernel's address space
//! and this crate serves its system calls.
//!
//! - [`run`] loads the program ([`loader`]: segments into user pages with their own rights,
//!   relocations for a static-pie, the initial stack with argv, envp and the auxiliary vector),
//!   starts its first thread in user mode, and never returns: the VM ends with the program's exit
//!   status (`exit_group`), or with 128 + the signal number when the program crashes (139 for
//!   SIGSEGV), as a shell reports it.
//! - [`syscall`] is the table by Linux number; every decision about the program's arguments is
//!   taken by `stardust-linux-abi` (host-tested), every pointer is checked by the hal's user-copy
//!   functions (a bad one is `EFAULT`, never a kernel fault), files go through `stardust::fs`
//!   (the RAM root, FAT at `/data`), descriptors 0-2 are the console.
//!
//! - [`threads`]: `clone` for threads (musl's and Rust std's flag sets), `futex`, exit with
//!   `CLONE_CHILD_CLEARTID`; the program's threads run on every CPU.
//!
//! - pipes ([`pipe`]) between the program's threads.
//!
//! - [`sockets`] (feature `sockets`, in profiles with a network): IPv4 TCP and UDP over
//!   `stardust::net`; [`events`]: epoll and eventfd, for sockets, pipes and eventfds.
//!
//! What is not here yet: file-backed `mmap`, `sendmsg`/`recvmsg`, loopback (127.0.0.1),
//! signals beyond accepting handlers, `fork`/`execve` (one program per VM).

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod events;
mod files;
mod loader;
mod memory;
mod pipe;
mod process;
mod readiness;
mod report;
mod shared;
#[cfg(feature = "sockets")]
mod sockets;
#[cfg(not(feature = "sockets"))]
#[path = "no_sockets.rs"]
mod sockets;
mod syscall;
mod threads;
mod user;

use alloc::string::String;
use alloc::vec::Vec;
pub use loader::LoadError;

/// The kernel stack of each program thread (the first and every `clone`d one): system calls run on it (the file system's work runs
/// in its own server thread).
pub(crate) const KERNEL_STACK: usize = 32 * 1024;

/// The heap the kernel keeps for itself at least, whatever the program maps.
const KERNEL_RESERVE: u64 = 384 * 1024;

/// The exit status the VM ends with when the program cannot be loaded (a shell's "cannot
/// execute").
pub const CANNOT_EXECUTE: u8 = 126;

/// The Linux program sealed into this image (section `.stardust.program`; empty if none).
pub fn sealed_program() -> &'static [u8] {
    hal::boot::sealed_program()
}

/// Runs `program` (a static x86-64 ELF's bytes) with `arguments` (argv, the program's name
/// first) and `environment` (`KEY=VALUE` entries) as the image's one program. Never returns:
/// the VM ends with the program's exit status.
pub fn run(program: &'static [u8], arguments: Vec<String>, environment: Vec<String>) -> ! {
    hal::user::set_syscall_handler(syscall::handle);
    hal::user::set_fault_handler(report::fault, process::exit_process);
    sockets::prepare();
    // The program's pages may take the heap but a reserve: the kernel's own allocations (thread
    // stacks, I/O buffers, the file systems' caches) must never be the ones that fail.
    let free = stardust::heap::stats().free;
    let reserve = KERNEL_RESERVE.max(free / 16);
    hal::user::set_frame_limit(free.saturating_sub(reserve) / hal::user::PAGE);
    let start = match loader::load(program, &arguments, &environment) {
        Ok(start) => start,
        Err(error) => {
            stardust::eprintln!("stardust: cannot run the program: {error}");
            process::exit_process(CANNOT_EXECUTE);
        }
    };
    process::init(start.memory, start.program_break);
    shared::clean_unlinked();
    let spawned = stardust::thread::Builder::new()
        .name(String::from("program"))
        .stack_size(KERNEL_STACK)
        .spawn(move || process::enter_first_thread(start.entry, start.stack_pointer));
    match spawned {
        Ok(handle) => {
            let _ = handle.join();
            // The first thread never returns: it ends the VM or leaves as a thread.
            loop {
                stardust::thread::sleep(stardust::time::Duration::from_secs(3600));
            }
        }
        Err(error) => {
            stardust::eprintln!("stardust: cannot run the program: no thread for it ({error:?})");
            process::exit_process(CANNOT_EXECUTE);
        }
    }
}
