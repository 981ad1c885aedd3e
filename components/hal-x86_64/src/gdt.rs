//! Descriptor tables per CPU: the boot CPU's GDT is in `boot.rs`; each other CPU gets a copy
//! with its own task-state segment. The TSS gives exceptions that must not trust the current
//! stack (double fault, page fault, NMI, machine check) a stack of their own.

use crate::smp::MAX_CPUS;

/// The TSS selector in the GDT.
const TSS_SELECTOR: u16 = 0x18;
const TSS_SIZE: u64 = 104;
/// Interrupt-stack-table slot used by the exceptions in [`crate::exceptions`].
pub(crate) const EMERGENCY_IST: u8 = 1;
const KERNEL_CODE: u64 = 0x00af_9b00_0000_ffff;
const KERNEL_DATA: u64 = 0x00cf_9300_0000_ffff;
const USER_DATA: u64 = 0x00cf_f300_0000_ffff;
const USER_CODE: u64 = 0x00af_fb00_0000_ffff;
/// GDT entries: null, kernel code, kernel data, the TSS (two), user data, user code. SYSCALL
/// loads CS 0x08 and SS 0x10; SYSRET loads SS 0x28|3 and CS 0x30|3 (STAR's user base 0x20).
const ENTRIES: usize = 7;
/// The user-mode selectors (RPL 3).
pub(crate) const USER_DATA_SELECTOR: u64 = 0x2b;
pub(crate) const USER_CODE_SELECTOR: u64 = 0x33;
/// STAR's selector bases: kernel CS (SYSCALL) and the user base (SYSRET).
pub(crate) const STAR: u64 = (0x20 << 48) | (0x08 << 32);

/// Each CPU's TSS as 32-bit words: IST1 is at byte 36, the I/O map base at byte 102.
static mut TSS: [[u32; 26]; MAX_CPUS] = [[0; 26]; MAX_CPUS];
/// The GDTs of the CPUs other than the boot CPU (index 0 unused).
static mut GDTS: [[u64; ENTRIES]; MAX_CPUS] = [[0; ENTRIES]; MAX_CPUS];

unsafe extern "C" {
    static mut stardust_gdt: [u64; ENTRIES];
}

/// Fills `cpu`'s TSS (emergency stack `stack_top`) and its descriptor in `gdt`.
///
/// # Safety
/// `gdt` MUST point to a 7-entry GDT that no CPU uses yet or that only the calling CPU uses, and
/// `cpu` MUST be the calling CPU's index (each TSS belongs to one CPU).
unsafe fn fill(cpu: usize, gdt: *mut u64, stack_top: u64) {
    // SAFETY: `cpu` < MAX_CPUS (callers check); only this CPU touches its TSS.
    let words = unsafe { (&raw mut TSS).cast::<[u32; 26]>().add(cpu).cast::<u32>() };
    let tss = words as u64;
    let low = (TSS_SIZE - 1)
        | (tss & 0xff_ffff) << 16
        | 0x89 << 40 // present, 64-bit available TSS
        | ((tss >> 24) & 0xff) << 56;
    // SAFETY: as the function's contract says; the writes stay inside the TSS and GDT.
    unsafe {
        words.add(9).write(stack_top as u32);
        words.add(10).write((stack_top >> 32) as u32);
        words.add(25).write((TSS_SIZE as u32) << 16); // no I/O permission map
        gdt.add(3).write(low);
        gdt.add(4).write(tss >> 32);
    }
}

/// The boot CPU: its GDT is loaded already; add its TSS.
pub(crate) fn init() {
    let stack_top = crate::boot::ImageLayout::get().emergency_stack_top;
    // SAFETY: runs once on the boot CPU before interrupts or other CPUs exist; `ltr` loads a
    // descriptor that is now valid.
    unsafe {
        fill(0, (&raw mut stardust_gdt).cast::<u64>(), stack_top);
        core::arch::asm!("ltr {0:x}", in(reg) TSS_SELECTOR, options(nostack, preserves_flags));
    }
}

/// Another CPU (`cpu` ≥ 1, the caller): loads a GDT of its own with its TSS, reloads every
/// segment register, and loads the TSS.
pub(crate) fn init_secondary(cpu: usize, stack_top: u64) {
    if cpu == 0 || cpu >= MAX_CPUS {
        return;
    }
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    // SAFETY: `cpu`'s GDT and TSS are used by this CPU only; the code and data descriptors match
    // the boot GDT's, so the reloaded segments describe the same flat space; the far return
    // reloads CS with the 64-bit code selector.
    unsafe {
        let gdt = (&raw mut GDTS).cast::<[u64; ENTRIES]>().add(cpu).cast::<u64>();
        gdt.write(0);
        gdt.add(1).write(KERNEL_CODE);
        gdt.add(2).write(KERNEL_DATA);
        gdt.add(5).write(USER_DATA);
        gdt.add(6).write(USER_CODE);
        fill(cpu, gdt, stack_top);
        let pointer = Pointer { limit: (ENTRIES * 8 - 1) as u16, base: gdt as u64 };
        core::arch::asm!(
            "lgdt [{pointer}]",
            "push 0x08",
            "lea {scratch}, [rip + 2f]",
            "push {scratch}",
            "retfq",
            "2:",
            "mov {scratch:x}, 0x10",
            "mov ds, {scratch:x}",
            "mov es, {scratch:x}",
            "mov ss, {scratch:x}",
            "ltr {selector:x}",
            pointer = in(reg) &pointer,
            scratch = out(reg) _,
            selector = in(reg) TSS_SELECTOR,
        );
    }
}

/// Sets the stack the CPU switches to when an interrupt or exception arrives in user mode (the
/// TSS's RSP0) on the calling CPU, `cpu`.
pub(crate) fn set_kernel_stack(cpu: usize, top: u64) {
    if cpu >= MAX_CPUS {
        return;
    }
    // SAFETY: only the calling CPU (`cpu`) writes its TSS, with interrupts off (callers), and
    // the CPU reads RSP0 only when an interrupt arrives in user mode.
    unsafe {
        let words = (&raw mut TSS).cast::<[u32; 26]>().add(cpu).cast::<u32>();
        words.add(1).write_volatile(top as u32);
        words.add(2).write_volatile((top >> 32) as u32);
    }
}
