//! PVH boot: the ELF note, the 32-bit entry, long mode, and the boot information.
//!
//! The monitor enters `_start32` in 32-bit protected mode, paging off, with the physical address
//! of `hvm_start_info` in EBX. The 32-bit code does as little as possible (32-bit code is slow
//! under some hypervisors): three page-table entries mapping the first 2 MiB, long mode on, jump.
//! Rust then builds the real page tables ([`crate::paging`]).

use crate::{cpu, exceptions, exit_code, gdt, paging, power, serial::SERIAL};
use core::fmt::Write;
use stardust_api::MemoryRegion;

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
    rdtsc
    movl %eax, stardust_entry_tsc
    movl %edx, stardust_entry_tsc + 4
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
    orl $0x900, %eax           /* long mode, no-execute */
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax      /* paging, write-protect, protected mode */
    movl %eax, %cr0
    lgdt stardust_gdt_pointer
    ljmp $0x08, $start64

    .code64
start64:
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
        pub static __stack_guard: u8;
        pub static __boot_stack_top: u8;
        pub static __image_end: u8;
    }
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
            stack_guard: (&raw const layout::__stack_guard) as u64,
            stack_top: (&raw const layout::__boot_stack_top) as u64,
            end: (&raw const layout::__image_end) as u64,
        }
    }
}

/// How many RAM ranges of the memory map are kept.
const MAX_RAM_REGIONS: usize = 16;
/// The longest command line kept (Linux's x86 limit).
pub const MAX_CMDLINE: usize = 2048;
const START_INFO_MAGIC: u32 = 0x336e_c578;
const E820_RAM: u32 = 1;
/// Page 0 is never mapped (null pointers fault), so never heap.
const NULL_PAGE_END: u64 = 4096;

/// What the monitor told us at boot, copied out of its memory so the heap may reuse that memory.
pub struct BootInfo {
    ram: [MemoryRegion; MAX_RAM_REGIONS],
    ram_count: usize,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_length: usize,
    /// True if the command line was longer than [`MAX_CMDLINE`] and was cut.
    pub cmdline_truncated: bool,
    /// Bytes of RAM the kernel cannot use (above [`paging::RAM_LIMIT`], or past the region limit).
    pub unusable_ram: u64,
    /// Physical address of the ACPI RSDP, if the monitor gave one.
    pub rsdp: Option<u64>,
    /// TSC when the kernel was entered.
    pub entry_tsc: u64,
    /// Where the image lies.
    pub image: ImageLayout,
}

/// Why the start_info could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootError {
    /// The pointer is null or outside the first 2 MiB.
    BadPointer(u64),
    /// The structure's magic number is wrong.
    BadMagic(u32),
    /// Version 0 has no memory map, and we need one.
    NoMemoryMap,
    /// The memory map holds no usable RAM.
    NoRam,
}

impl core::fmt::Display for BootError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootError::BadPointer(address) => {
                write!(f, "boot information at {address:#x} lies outside the first 2 MiB")
            }
            BootError::BadMagic(magic) => write!(f, "start_info magic is {magic:#x}, not {START_INFO_MAGIC:#x}"),
            BootError::NoMemoryMap => f.write_str("start_info version 0 carries no memory map"),
            BootError::NoRam => f.write_str("the memory map lists no usable RAM"),
        }
    }
}

/// Reads `T` from physical memory at `address`, which must lie in the boot code's mapping (the
/// first 2 MiB, where every monitor we know puts its boot structures).
fn read_physical<T: Copy>(address: u64) -> Result<T, BootError> {
    let size = core::mem::size_of::<T>() as u64;
    if address == 0 || address.saturating_add(size) > paging::BOOT_MAPPED_LIMIT {
        return Err(BootError::BadPointer(address));
    }
    // SAFETY: the range is inside the identity map (checked above) and `T` is plain data for
    // which any bit pattern is valid (callers use integers only); the read may be unaligned.
    Ok(unsafe { core::ptr::read_unaligned(address as *const T) })
}

impl BootInfo {
    fn parse(start_info: u64) -> Result<BootInfo, BootError> {
        let magic: u32 = read_physical(start_info)?;
        if magic != START_INFO_MAGIC {
            return Err(BootError::BadMagic(magic));
        }
        let version: u32 = read_physical(start_info + 4)?;
        let cmdline_address: u64 = read_physical(start_info + 24)?;
        let rsdp: u64 = read_physical(start_info + 32)?;
        if version < 1 {
            return Err(BootError::NoMemoryMap);
        }
        let memmap_address: u64 = read_physical(start_info + 40)?;
        let memmap_entries: u32 = read_physical(start_info + 48)?;
        let mut info = BootInfo {
            ram: [MemoryRegion::EMPTY; MAX_RAM_REGIONS],
            ram_count: 0,
            cmdline: [0; MAX_CMDLINE],
            cmdline_length: 0,
            cmdline_truncated: false,
            unusable_ram: 0,
            rsdp: (rsdp != 0).then_some(rsdp),
            // SAFETY: written once by the 32-bit entry code, before Rust ran.
            entry_tsc: unsafe { (&raw const ENTRY_TSC).read() },
            image: ImageLayout::get(),
        };
        for index in 0..u64::from(memmap_entries) {
            let entry = memmap_address + index * 24;
            let start: u64 = read_physical(entry)?;
            let size: u64 = read_physical(entry + 8)?;
            let kind: u32 = read_physical(entry + 16)?;
            if kind != E820_RAM || size == 0 {
                continue;
            }
            let end = start.saturating_add(size);
            let usable_end = end.min(paging::RAM_LIMIT);
            info.unusable_ram += end - usable_end.max(start);
            if usable_end <= start {
                continue;
            }
            if info.ram_count == MAX_RAM_REGIONS {
                info.unusable_ram += usable_end - start;
                continue;
            }
            info.ram[info.ram_count] = MemoryRegion { start, end: usable_end };
            info.ram_count += 1;
        }
        if info.ram_count == 0 {
            return Err(BootError::NoRam);
        }
        if cmdline_address != 0 {
            info.copy_cmdline(cmdline_address)?;
        }
        Ok(info)
    }

    fn copy_cmdline(&mut self, address: u64) -> Result<(), BootError> {
        for offset in 0..=MAX_CMDLINE as u64 {
            let byte: u8 = read_physical(address + offset)?;
            if byte == 0 {
                return Ok(());
            }
            if offset as usize == MAX_CMDLINE {
                self.cmdline_truncated = true;
                return Ok(());
            }
            // Keep the text valid UTF-8 without an allocator: non-ASCII bytes become '?'.
            self.cmdline[offset as usize] = if byte.is_ascii() { byte } else { b'?' };
            self.cmdline_length += 1;
        }
        Ok(())
    }

    /// The kernel command line (non-ASCII bytes replaced by `?`).
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_length]).unwrap_or("")
    }

    /// The RAM ranges of the memory map that the kernel maps.
    pub fn ram(&self) -> &[MemoryRegion] {
        &self.ram[..self.ram_count]
    }

    /// RAM that nothing uses: the memory map's RAM less page 0 (kept unmapped to catch null
    /// pointers) and the image. The monitor's own boot structures have been copied out.
    pub fn free_memory(&self) -> impl Iterator<Item = MemoryRegion> + '_ {
        let image = MemoryRegion { start: self.image.start, end: self.image.end };
        self.ram()
            .iter()
            .map(|region| MemoryRegion { start: region.start.max(NULL_PAGE_END), end: region.end })
            .flat_map(move |region| {
                let (below, above) = region.subtract(&image);
                [below, above]
            })
            .filter(|region| !region.is_empty())
    }
}

static BOOT_INFO: spin::Once<BootInfo> = spin::Once::new();

/// The Rust entry, called by `start64` on the boot stack.
#[unsafe(no_mangle)]
extern "C" fn stardust_hal_entry(start_info: u64) -> ! {
    SERIAL.init();
    gdt::init();
    exceptions::init();
    mask_legacy_pic();
    let info = match BootInfo::parse(start_info) {
        Ok(info) => BOOT_INFO.call_once(|| info),
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
