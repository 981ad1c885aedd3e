//! Leaving the VM with an exit code.
//!
//! QEMU: the `isa-debug-exit` device at port 0xf4 makes QEMU exit with `(value << 1) | 1`. We
//! write `code + 1`, so that QEMU's own status 1 (its start-up errors) and 0 (a reset or triple
//! fault under `-no-reboot`) never look like an app's code: `scripts/run` turns QEMU status `s`
//! back into `(s >> 1) - 1`. That leaves 0..=126 for codes.
//!
//! Before that, the kernel writes `exit N` to QEMU's debug console port (0xe9), which
//! `scripts/run` captures to a file: a QEMU status that does not match it (a signal, a crash of
//! QEMU itself) is then never mistaken for the app's code.
//!
//! Other monitors have no such port; there the last console line carries the code and the VM
//! is powered off through ACPI (the FADT's PM1a control or, on hardware-reduced ACPI such as
//! cloud-hypervisor's and microvm's, its sleep control register, with the DSDT's S5 sleep type),
//! or else reset through the i8042 (Firecracker stops the VM on it).

use crate::cpu::{halt_forever, outb, outl};
use crate::exit_code;
use stardust_api::Console;

const DEBUG_EXIT_PORT: u16 = 0xf4;
/// QEMU's debug console (`-debugcon`): a side channel the console never shows.
const DEBUG_CONSOLE_PORT: u16 = 0xe9;
const I8042_COMMAND: u16 = 0x64;
const I8042_RESET: u8 = 0xfe;

/// The CPU that is ending the VM, once one is (`usize::MAX` before).
static EXIT_OWNER: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(usize::MAX);

/// Claims the end of the VM for the calling CPU: true for the first CPU to ask (and again for
/// it), false for any other. Two CPUs that end the VM at once (both find the deadlock, say)
/// would interleave their reports and their `exit N` lines on the debug console, where
/// `scripts/run` then finds no code it can trust; a CPU that is refused should halt.
pub fn claim_exit() -> bool {
    use core::sync::atomic::Ordering;
    // The APIC ID, not the per-CPU index: no GS access on the way out.
    let cpu = crate::cpu::apic_id() as usize;
    match EXIT_OWNER.compare_exchange(usize::MAX, cpu, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => true,
        Err(owner) => owner == cpu,
    }
}

/// Stops the VM with `code` (0..=126; a larger value is reported and replaced by 126). Only one
/// CPU ends the VM ([`claim_exit`]); another that calls this meanwhile halts.
pub fn exit(code: u8) -> ! {
    if code > exit_code::MAX && claim_exit() {
        crate::serial::SERIAL.write_bytes(b"stardust: exit code out of range 0..=126, using 126\n");
        leave(exit_code::MAX)
    }
    leave(code)
}

/// Stops the VM with a Linux program's exit status, 0..=255 (128 + N for a program killed by
/// signal N). QEMU's isa-debug-exit carries 0..=126 exactly; for 126..=255 it gives QEMU status
/// 255 and `scripts/run` takes the number from the debug console, where the kernel writes it
/// first; other monitors read it from the last console line, as for every code.
pub fn exit_status(status: u8) -> ! {
    leave(status)
}

fn leave(code: u8) -> ! {
    if !claim_exit() {
        halt_forever()
    }
    let (digits, used) = decimal(code);
    let number = &digits[3 - used..];
    for &byte in b"exit ".iter().chain(number).chain(b"\n") {
        outb(DEBUG_CONSOLE_PORT, byte);
    }
    outl(DEBUG_EXIT_PORT, u32::from(code.min(exit_code::MAX)) + 1);
    // Still running: this monitor has no isa-debug-exit. Say the code, then reset.
    let console = &crate::serial::SERIAL;
    console.write_bytes(b"stardust: exit code ");
    console.write_bytes(number);
    console.write_bytes(b"\n");
    crate::acpi::power_off();
    outb(I8042_COMMAND, I8042_RESET);
    halt_forever()
}

/// `code` in decimal, without a formatter: three digit bytes, of which the last `used` count.
fn decimal(code: u8) -> ([u8; 3], usize) {
    let used = if code >= 100 {
        3
    } else if code >= 10 {
        2
    } else {
        1
    };
    ([b'0' + code / 100, b'0' + code / 10 % 10, b'0' + code % 10], used)
}
