//! PVH boot: the ELF note, the 32-bit entry, long mode, and the boot information.
//!
//! The monitor enters `_start32` in 32-bit protected mode, paging off, with the physical address
//! of `hvm_start_info` in EBX. The 32-bit code does as little as possible (32-bit code is slow
//! under some hypervisors): three page-table entries mapping the first 2 MiB, long mode on, jump.
//! Rust then builds the real page tables ([`crate::paging`]).

use crate::{cpu, exceptions, exit_code, gdt, paging, power, serial::SERIAL};
use core::fmt::Write;
use stardust_api::MemoryRegion;
use stardust_bootargs::start_info::{self, PhysicalMemory, StartInfo};

core::arch::global_asm!(
    r#"
    .pushsection .note.stardust.pvh, "a", @note
    .balign 4
    .long 4                 /* name size: "Xen\0" */
    .long 4                 /* descriptor size */
    .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long _start32
    .popsection

    .pushsection .data.stardust_gdt, "aw"
    .balign 16
    .global stardust_gdt
stardust_gdt:
    .quad 0
    .quad 0x00af9b000000ffff   /* 0x08: 64-bit code, accessed bit preset */
    .quad 0x00cf93000000ffff   /* 0x10: data, accessed bit preset */
    .quad 0, 0                 /* 0x18: the TSS, written by gdt::init */
    .quad 0x00cff3000000ffff   /* 0x28: user data (SYSRET: STAR's user base 0x20 + 8) */
    .quad 0x00affb000000ffff   /* 0x30: user 64-bit code (STAR's user base + 16) */
stardust_gdt_end:
    .global stardust_gdt_pointer
stardust_gdt_pointer:
    .word stardust_gdt_end - stardust_gdt - 1
    .quad stardust_gdt
    .popsection

    .pushsection .text.boot, "ax"
    .code32
    .global _start32
_start32:
    movl %ebx, %edi
    /* Everything the image occupies (bss, stacks, page tables) must be RAM: below a minimum the
       monitor's memory map ends inside it, and the first write to a page table or the stack
       would vanish, a silent reset. So before writing anything, look for a RAM entry of the PVH
       memory map (start_info version 1 and later) that covers 1 MiB to __image_end. */
    cmpl $1, 4(%ebx)           /* version */
    jb 19f                     /* no memory map: nothing to check here */
    cmpl $0, 44(%ebx)          /* memmap_paddr above 4 GiB: not readable here */
    jne 19f
    movl 40(%ebx), %edx        /* memmap_paddr */
    movl 48(%ebx), %ecx        /* memmap_entries */
10:
    testl %ecx, %ecx
    jz 15f
    cmpl $1, 16(%edx)          /* type: RAM */
    jne 11f
    cmpl $0, 4(%edx)           /* starts above 4 GiB */
    jne 11f
    cmpl $0x100000, 0(%edx)    /* starts at or below 1 MiB */
    ja 11f
    movl 0(%edx), %eax         /* end = start + size, 64 bits */
    movl 12(%edx), %ebp
    addl 8(%edx), %eax
    adcl $0, %ebp
    jnz 19f                    /* ends above 4 GiB: covers the image */
    cmpl $__image_end, %eax
    jae 19f
11:
    addl $24, %edx
    decl %ecx
    jmp 10b
15:
    /* Too little memory: say so on COM1, then leave as power::exit does with code 105 (the
       debug console's "exit 105", isa-debug-exit, the code as the last console line, a reset). */
    movl $stardust_too_little_memory, %esi
    movw $0x3f8, %dx
16:
    movb (%esi), %al
    testb %al, %al
    jz 17f
    outb %al, %dx
    incl %esi
    jmp 16b
17:
    movl $stardust_exit_105, %esi
    movw $0xe9, %dx
18:
    movb (%esi), %al
    testb %al, %al
    jz 20f
    outb %al, %dx
    incl %esi
    jmp 18b
20:
    movw $0xf4, %dx
    movl $106, %eax
    outl %eax, %dx
    movl $stardust_exit_code_105, %esi
    movw $0x3f8, %dx
21:
    movb (%esi), %al
    testb %al, %al
    jz 22f
    outb %al, %dx
    incl %esi
    jmp 21b
22:
    movb $0xfe, %al
    outb %al, $0x64            /* i8042 reset (Firecracker stops the VM on it) */
23:
    hlt
    jmp 23b
19:
    /* On q35 with little memory the firmware's leftovers can cover the image's data even where
       the memory map says RAM: the GDT pointer is the canary (its base is the GDT's address). */
    cmpl $stardust_gdt, stardust_gdt_pointer + 2
    jne 15b
    /* Zero the bss, stacks and page tables: a loader need not (QEMU's q35 option ROM copies
       the file only, and with little memory the firmware's leftovers lie there), and Rust's
       zero-initialised statics and the page tables below assume zeros. */
    movl %edi, %ebp
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl %ebp, %edi
    rdtsc
    movl %eax, stardust_entry_tsc
    movl %edx, stardust_entry_tsc + 4
    /* No-execute pages only if the CPU has them (setting EFER.NXE otherwise faults); Rust then
       stops with a message, as W^X needs them. */
    movl $0x80000001, %eax
    cpuid
    xorl %esi, %esi
    btl $20, %edx
    jnc 1f
    movl $0x800, %esi
1:
    movl $stardust_pdpt + 3, stardust_pml4
    /* the first 2 MiB, through the last page directory (see paging.rs) */
    movl $stardust_page_directories + 3 * 4096 + 3, stardust_pdpt
    movl $0x83, stardust_page_directories + 3 * 4096
    movl $stardust_pml4, %eax
    movl %eax, %cr3
    movl %cr4, %eax
    orl $0x20, %eax            /* PAE */
    movl %eax, %cr4
    movl $0xc0000080, %ecx     /* EFER */
    rdmsr
    orl $0x100, %eax           /* long mode */
    orl %esi, %eax             /* no-execute, if present */
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax      /* paging, write-protect, protected mode */
    movl %eax, %cr0
    lgdt stardust_gdt_pointer
    ljmp $0x08, $start64

    .code64
start64:
    cld                        /* PVH leaves the direction flag unspecified; Rust assumes it clear */
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    movq $__boot_stack_top, %rsp
    movl %edi, %edi
    call stardust_hal_entry
    ud2
    .popsection

    /* Next to the entry code: on q35 with too little memory the firmware's leftovers can cover
       later parts of the image, but not the page that is running. */
    .pushsection .text.boot, "ax"
stardust_too_little_memory:
    .asciz "\nstardust: cannot boot: too little memory for the image at 1 MiB (2 MiB is enough)\n"
stardust_exit_105:
    .asciz "exit 105\n"
stardust_exit_code_105:
    .asciz "stardust: exit code 105\n"
    .popsection

"#,
    options(att_syntax)
);

/// TSC at the first instruction of `_start32`, written by the 32-bit code.
#[unsafe(export_name = "stardust_entry_tsc")]
static mut ENTRY_TSC: u64 = 0;

unsafe extern "Rust" {
    /// The image's main, defined once in the image crate (glue/image).
    fn stardust_image_main(boot: &'static BootInfo) -> !;
}

/// Linker-script symbols; only their addresses mean anything.
mod layout {
    unsafe extern "C" {
        pub static __image_start: u8;
        pub static __text_end: u8;
        pub static __rodata_end: u8;
        pub static __emergency_stack_guard: u8;
        pub static __emergency_stack_top: u8;
        pub static __stack_guard: u8;
        pub static __boot_stack_top: u8;
        pub static __image_end: u8;
        pub static __program_start: u8;
        pub static __program_end: u8;
    }
}

/// The Linux program sealed into the image (its linker section `.stardust.program`, which
/// apps/posix's build script fills), or nothing.
pub fn sealed_program() -> &'static [u8] {
    let start = (&raw const layout::__program_start) as usize;
    let end = (&raw const layout::__program_end) as usize;
    // SAFETY: the linker script puts both symbols around the section, in the image's read-only
    // program segment, which the loader loaded, nothing writes, and the heap never gets
    // (`free_memory` leaves out the whole image); `end >= start` by construction.
    unsafe { core::slice::from_raw_parts(start as *const u8, end.saturating_sub(start)) }
}

/// Addresses of the image's parts, from the linker script.
#[derive(Debug, Clone, Copy)]
pub struct ImageLayout {
    /// First byte of the image (its text).
    pub start: u64,
    /// End of text (executable, read-only).
    pub text_end: u64,
    /// End of read-only data.
    pub rodata_end: u64,
    /// The emergency stack's guard page (never mapped).
    pub emergency_stack_guard: u64,
    /// Top of the emergency stack (exceptions that cannot trust the current stack).
    pub emergency_stack_top: u64,
    /// The boot stack's guard page (never mapped).
    pub stack_guard: u64,
    /// Top of the boot stack.
    pub stack_top: u64,
    /// End of everything the image occupies (data, bss, boot stack).
    pub end: u64,
}

impl ImageLayout {
    /// Reads the linker's symbols.
    pub fn get() -> ImageLayout {
        ImageLayout {
            start: (&raw const layout::__image_start) as u64,
            text_end: (&raw const layout::__text_end) as u64,
            rodata_end: (&raw const layout::__rodata_end) as u64,
            emergency_stack_guard: (&raw const layout::__emergency_stack_guard) as u64,
            emergency_stack_top: (&raw const layout::__emergency_stack_top) as u64,
            stack_guard: (&raw const layout::__stack_guard) as u64,
            stack_top: (&raw const layout::__boot_stack_top) as u64,
            end: (&raw const layout::__image_end) as u64,
        }
    }
}

/// The longest command line kept.
pub const MAX_CMDLINE: usize = start_info::MAX_CMDLINE;
/// Page 0 is never mapped (null pointers fault), so never heap.
const NULL_PAGE_END: u64 = 4096;

/// What the monitor told us at boot, copied out of its memory so the heap may reuse that memory.
pub struct BootInfo {
    start_info: StartInfo,
    /// TSC when the kernel was entered.
    pub entry_tsc: u64,
    /// Where the image lies.
    pub image: ImageLayout,
}

/// Physical memory as the boot code maps it: the first 2 MiB (where every monitor we know puts
/// its boot structures), page 0 included until the final page tables replace this mapping.
struct BootMapping;

impl PhysicalMemory for BootMapping {
    fn read(&self, address: u64, buffer: &mut [u8]) -> bool {
        let Some(end) = address.checked_add(buffer.len() as u64) else { return false };
        if address == 0 || end > paging::BOOT_MAPPED_LIMIT {
            return false;
        }
        // SAFETY: the range is inside the boot mapping (checked above) and is only read, into
        // a byte buffer (any bit pattern is valid); nothing writes it concurrently.
        unsafe { core::ptr::copy_nonoverlapping(address as *const u8, buffer.as_mut_ptr(), buffer.len()) };
        true
    }
}

impl BootInfo {
    /// The kernel command line (non-ASCII bytes replaced by `?`).
    pub fn cmdline(&self) -> &str {
        self.start_info.cmdline()
    }

    /// The command line was longer than [`MAX_CMDLINE`] and was cut.
    pub fn cmdline_truncated(&self) -> bool {
        self.start_info.cmdline_truncated
    }

    /// The command line could not be read; it is taken as empty.
    pub fn cmdline_unreadable(&self) -> bool {
        self.start_info.cmdline_unreadable
    }

    /// Bytes of RAM the kernel does not use (above [`paging::RAM_LIMIT`], or listed twice).
    pub fn unusable_ram(&self) -> u64 {
        self.start_info.unusable_ram
    }

    /// Physical address of the ACPI RSDP, if the monitor gave one.
    pub fn rsdp(&self) -> Option<u64> {
        self.start_info.rsdp
    }

    /// The RAM ranges of the memory map, sorted and not overlapping.
    pub fn ram(&self) -> &[MemoryRegion] {
        self.start_info.ram()
    }

    /// RAM the memory map lists at or above [`paging::RAM_LIMIT`], which the kernel does not use
    /// (and may cover more than RAM): no device registers are mapped over it.
    pub fn ram_beyond_limit(&self) -> &[MemoryRegion] {
        self.start_info.ram_beyond_limit()
    }

    /// RAM that nothing uses: the memory map's RAM less page 0 (kept unmapped to catch null
    /// pointers), the image, and the two pages other CPUs start in. The monitor's own boot structures have been copied out.
    pub fn free_memory(&self) -> impl Iterator<Item = MemoryRegion> + '_ {
        let image = MemoryRegion { start: self.image.start, end: self.image.end };
        let startup = MemoryRegion { start: crate::smp::STARTUP_PAGES.start, end: crate::smp::STARTUP_PAGES.end };
        self.ram()
            .iter()
            .map(|region| MemoryRegion { start: region.start.max(NULL_PAGE_END), end: region.end })
            .flat_map(move |region| {
                let (below, above) = region.subtract(&image);
                [below, above]
            })
            .flat_map(move |region| {
                let (below, above) = region.subtract(&startup);
                [below, above]
            })
            .filter(|region| !region.is_empty())
    }
}

static BOOT_INFO: spin::Once<BootInfo> = spin::Once::new();

/// The boot information, once the entry has read it.
pub fn info() -> Option<&'static BootInfo> {
    BOOT_INFO.get()
}

/// The Rust entry, called by `start64` on the boot stack.
#[unsafe(no_mangle)]
extern "C" fn stardust_hal_entry(start_info: u64) -> ! {
    SERIAL.init();
    const NO_EXECUTE: u32 = 1 << 20;
    if cpu::cpuid(0x8000_0001).3 & NO_EXECUTE == 0 {
        let _ = writeln!(&SERIAL, "stardust: cannot boot: this CPU has no no-execute pages (NX), which W^X needs");
        power::exit(exit_code::BOOT_FAILURE);
    }
    gdt::init();
    exceptions::init();
    crate::smp::init_boot_cpu();
    mask_legacy_pic();
    let info = match StartInfo::parse(&BootMapping, start_info, paging::RAM_LIMIT) {
        Ok(start_info) => BOOT_INFO.call_once(|| BootInfo {
            start_info,
            // SAFETY: written once by the 32-bit entry code, before Rust ran.
            entry_tsc: unsafe { (&raw const ENTRY_TSC).read() },
            image: ImageLayout::get(),
        }),
        Err(error) => {
            let _ = writeln!(&SERIAL, "stardust: cannot boot: {error}");
            power::exit(exit_code::BOOT_FAILURE)
        }
    };
    paging::init(info.ram().iter().map(|region| region.end).max().unwrap_or(0));
    // SAFETY: `stardust_image_main` is defined exactly once, by the image crate, with this
    // signature; the hardware it relies on is set up above.
    unsafe { stardust_image_main(info) }
}

/// Masks both 8259 PICs: the kernel uses the local APIC, and a firmware may have left the PIC's
/// timer line open.
fn mask_legacy_pic() {
    cpu::outb(0x21, 0xff);
    cpu::outb(0xa1, 0xff);
}

/// The words a monitor added to the command line for the drivers (`virtio_mmio.device=...`),
/// found by the command-line rule (so a quoted app argument that looks like one is not one).
pub fn monitor_words(cmdline: &str) -> impl Iterator<Item = &str> {
    stardust_bootargs::kernel_options(cmdline).filter_map(|option| match option {
        stardust_bootargs::KernelOption::Monitor(word) => Some(word),
        _ => None,
    })
}
