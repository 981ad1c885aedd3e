//! The task-state segment: gives exceptions that must not trust the current stack (double fault,
//! page fault, NMI, machine check) a stack of their own. The GDT itself is in `boot.rs`.

/// The TSS selector in the GDT.
const TSS_SELECTOR: u16 = 0x18;
const TSS_SIZE: u64 = 104;
/// Interrupt-stack-table slot used by the exceptions in [`crate::exceptions`].
pub(crate) const EMERGENCY_IST: u8 = 1;

/// The TSS as 32-bit words: IST1 is at byte 36, the I/O map base at byte 102.
static mut TSS: [u32; 26] = [0; 26];

unsafe extern "C" {
    static mut stardust_gdt: [u64; 5];
}

pub(crate) fn init() {
    let stack_top = crate::boot::ImageLayout::get().emergency_stack_top;
    let tss = (&raw mut TSS) as u64;
    let low = (TSS_SIZE - 1)
        | (tss & 0xff_ffff) << 16
        | 0x89 << 40 // present, 64-bit available TSS
        | ((tss >> 24) & 0xff) << 56;
    // SAFETY: runs once on the boot CPU before interrupts or other CPUs exist; `TSS` and the GDT
    // slots 3-4 are written by nobody else, and `ltr` loads a descriptor that is now valid.
    unsafe {
        let words = (&raw mut TSS).cast::<u32>();
        words.add(9).write(stack_top as u32);
        words.add(10).write((stack_top >> 32) as u32);
        words.add(25).write((TSS_SIZE as u32) << 16); // no I/O permission map
        let gdt = (&raw mut stardust_gdt).cast::<u64>();
        gdt.add(3).write(low);
        gdt.add(4).write(tss >> 32);
        core::arch::asm!("ltr {0:x}", in(reg) TSS_SELECTOR, options(nostack, preserves_flags));
    }
}
