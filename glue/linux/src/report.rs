//! A crash in the program: a report on the console, and the VM ends with 128 + the signal's
//! number, the status a shell reports for a process killed by that signal.

use core::fmt::Write;
use hal::user::UserFault;

const SIGILL: u8 = 4;
const SIGTRAP: u8 = 5;
const SIGBUS: u8 = 7;
const SIGFPE: u8 = 8;
const SIGSEGV: u8 = 11;

/// The signal Linux sends for a CPU exception, with its name and what it means.
pub fn signal_for(vector: u64) -> (u8, &'static str, &'static str) {
    match vector {
        0 | 16 | 19 => (SIGFPE, "SIGFPE", "floating-point exception"),
        1 | 3 => (SIGTRAP, "SIGTRAP", "trace/breakpoint trap"),
        6 => (SIGILL, "SIGILL", "illegal instruction"),
        11 | 12 | 17 => (SIGBUS, "SIGBUS", "bus error"),
        _ => (SIGSEGV, "SIGSEGV", "segmentation fault"),
    }
}

const SIGKILL: u8 = 9;

/// The hal's user-fault reporter: runs with interrupts off, takes no lock; the status it gives
/// is what the program ends with (the hal then calls `process::exit_process` on the thread's
/// kernel stack, which writes the file systems back first).
pub fn fault(fault: &UserFault) -> u8 {
    if fault.out_of_memory {
        let mut out = &hal::serial::SERIAL;
        let _ = writeln!(
            out,
            "\nstardust: the program was killed by SIGKILL: out of memory, touching {:#x} at RIP {:#x} (give the VM more with --mem)",
            fault.address, fault.rip
        );
        return 128 + SIGKILL;
    }
    let (signal, name, meaning) = signal_for(fault.vector);
    let mut out = &hal::serial::SERIAL;
    let _ =
        write!(out, "\nstardust: the program was killed by {name} ({meaning}): {} at RIP {:#x}", fault.name, fault.rip);
    if fault.vector == 14 {
        let _ = write!(out, ", address {:#x} ({})", fault.address, fault.cause);
    } else if fault.error_code != 0 {
        let _ = write!(out, ", error code {:#x}", fault.error_code);
    }
    let _ = writeln!(out);
    128 + signal
}
