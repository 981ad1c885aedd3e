//! The kernel's page tables: an identity map of RAM, W^X inside the image.
//!
//! The first 2 MiB are mapped with 4 KiB pages: text read+execute, rodata read-only, everything
//! else no-execute; page 0 and the boot stack's guard page are not mapped, so that a null
//! pointer or a stack overflow faults. RAM above 2 MiB (up to [`RAM_LIMIT`]) is mapped with
//! 2 MiB pages, read-write, no-execute. Nothing else is mapped: device registers will be mapped
//! by the drivers that need them.
//!
//! The boot code (boot.rs) maps the first 2 MiB with one large page through the *last* page
//! directory, which device mappings use later. So every table written here is not yet in use
//! when it is written, and only the page-directory-pointer entries change under the MMU's feet.
//! Some hypervisors trap every write to a live page table; this keeps boot fast there.

use crate::boot::ImageLayout;

/// Identity-mapped RAM ends here at most: the last GiB below 4 GiB holds device registers.
pub const RAM_LIMIT: u64 = 3 << 30;
/// The boot code's mapping: the first 2 MiB.
pub const BOOT_MAPPED_LIMIT: u64 = 2 << 20;

const PRESENT: u64 = 1;
const WRITABLE: u64 = 1 << 1;
const HUGE: u64 = 1 << 7;
const NO_EXECUTE: u64 = 1 << 63;
const ENTRIES: usize = 512;
const SMALL_PAGE: u64 = 4096;
const LARGE_PAGE: u64 = 2 << 20;
const DIRECTORIES: usize = 4;
const DEVICE_DIRECTORY: usize = 3;

#[repr(C, align(4096))]
struct Table([u64; ENTRIES]);

#[unsafe(export_name = "stardust_pml4")]
static mut PML4: Table = Table([0; ENTRIES]);
#[unsafe(export_name = "stardust_pdpt")]
static mut PDPT: Table = Table([0; ENTRIES]);
#[unsafe(export_name = "stardust_page_directories")]
static mut DIRECTORIES_TABLES: [Table; DIRECTORIES] = [const { Table([0; ENTRIES]) }; DIRECTORIES];
static mut FIRST_TABLE: Table = Table([0; ENTRIES]);

/// The entry for the 4 KiB page at `address` in the first 2 MiB.
fn small_page_entry(address: u64, image: &ImageLayout) -> u64 {
    let guard = |start: u64| (start..start + SMALL_PAGE).contains(&address);
    if address < SMALL_PAGE || guard(image.stack_guard) || guard(image.emergency_stack_guard) {
        0
    } else if (image.start..image.text_end).contains(&address) {
        address | PRESENT
    } else if (image.text_end..image.rodata_end).contains(&address) {
        address | PRESENT | NO_EXECUTE
    } else {
        address | PRESENT | WRITABLE | NO_EXECUTE
    }
}

/// Which stack's guard page `address` lies in, if any.
pub fn guarded_stack(address: u64) -> Option<&'static str> {
    let image = ImageLayout::get();
    let within = |start: u64| (start..start + SMALL_PAGE).contains(&address);
    if within(image.stack_guard) {
        Some("the boot stack")
    } else if within(image.emergency_stack_guard) {
        Some("the exception stack")
    } else {
        None
    }
}

/// Builds the final tables, mapping RAM up to `ram_end` (clipped to [`RAM_LIMIT`]), and
/// switches to them.
pub(crate) fn init(ram_end: u64) {
    let image = ImageLayout::get();
    let large_pages = ram_end.min(RAM_LIMIT).div_ceil(LARGE_PAGE) as usize;
    // SAFETY: runs once on the boot CPU before anything but the MMU reads these tables. The
    // first table and the RAM directories are not reachable from the live tables while they are
    // written (the boot mapping goes through the device directory). The first PDPT entry then
    // swaps the boot mapping for one with the same addresses, so the running code stays mapped;
    // a CR3 reload flushes every cached translation and paging-structure entry; only then is
    // the boot entry cleared, and the other PDPT entries (new, so never cached) are filled.
    unsafe {
        let first = (&raw mut FIRST_TABLE).cast::<u64>();
        for index in 0..ENTRIES {
            first.add(index).write(small_page_entry(index as u64 * SMALL_PAGE, &image));
        }
        let directories = (&raw mut DIRECTORIES_TABLES).cast::<u64>();
        directories.write(first as u64 | PRESENT | WRITABLE);
        for index in 1..large_pages {
            let address = index as u64 * LARGE_PAGE;
            directories.add(index).write(address | PRESENT | WRITABLE | HUGE | NO_EXECUTE);
        }
        // The compiler knows nothing of the MMU reading these tables: every store above must be
        // done before the switch, and the asm statements (which may touch any memory) say so.
        let pdpt = (&raw mut PDPT).cast::<u64>();
        let directory = |index: usize| directories.add(index * ENTRIES) as u64 | PRESENT | WRITABLE;
        let pml4 = (&raw mut PML4) as u64;
        core::arch::asm!("", options(nostack, preserves_flags));
        pdpt.write_volatile(directory(0));
        core::arch::asm!("mov cr3, {0}", in(reg) pml4, options(nostack, preserves_flags));
        directories.add(DEVICE_DIRECTORY * ENTRIES).write_volatile(0);
        for index in 1..DIRECTORIES {
            pdpt.add(index).write_volatile(directory(index));
        }
        core::arch::asm!("mov cr3, {0}", in(reg) pml4, options(nostack, preserves_flags));
    }
}
