//! Small CPU operations with safe wrappers.

use x86_64::instructions::port::Port;

/// Writes a byte to an I/O port.
///
/// Port writes can reconfigure devices; callers in this crate only name ports of devices they
/// own (COM1, the PIT, the PIC, QEMU's debug-exit, the i8042).
pub(crate) fn outb(port: u16, value: u8) {
    // SAFETY: an I/O port write has no memory-safety effect in this kernel: no device is set up
    // for DMA into memory, and every caller owns the port it names.
    unsafe { Port::new(port).write(value) }
}

/// Writes a 32-bit value to an I/O port.
pub(crate) fn outl(port: u16, value: u32) {
    // SAFETY: as for `outb`.
    unsafe { Port::new(port).write(value) }
}

/// Reads a byte from an I/O port.
pub(crate) fn inb(port: u16) -> u8 {
    // SAFETY: reading a device register of a device this crate owns has no memory effect.
    unsafe { Port::new(port).read() }
}

/// The time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads a counter; it is available on every x86_64 CPU.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Stops this CPU for good: interrupts off, halt forever.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// The calling CPU's initial local APIC ID (CPUID leaf 1), found without memory: crash paths
/// use it where the per-CPU area (GS) may not be the kernel's (an NMI or machine check in the
/// few instructions of a user-mode entry or exit).
pub fn apic_id() -> u32 {
    cpuid(1).1 >> 24
}

/// Runs CPUID leaf `leaf`, sub-leaf 0: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let result = core::arch::x86_64::__cpuid(leaf);
    (result.eax, result.ebx, result.ecx, result.edx)
}

/// A random number from the CPU's generator (RDRAND), or `None` when the CPU has none or it
/// failed ten times in a row (Intel's advice for a transient underflow).
pub fn hardware_random() -> Option<u64> {
    const RDRAND: u32 = 1 << 30;
    if cpuid(1).2 & RDRAND == 0 {
        return None;
    }
    for _ in 0..10 {
        let value: u64;
        let ok: u8;
        // SAFETY: RDRAND only writes its register and the carry flag; the CPU has it (checked).
        unsafe {
            core::arch::asm!("rdrand {0}", "setc {1}", out(reg) value, out(reg_byte) ok, options(nomem, nostack))
        };
        if ok != 0 {
            return Some(value);
        }
    }
    None
}
