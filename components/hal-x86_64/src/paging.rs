//! The kernel's page tables: an identity map of the first 4 GiB, W^X inside the image.
//!
//! The first 2 MiB are mapped with 4 KiB pages: text read+execute, rodata read-only, everything
//! else no-execute; page 0 and the boot stack's guard page are left unmapped so that a null
//! pointer or a stack overflow faults. The rest is mapped with 2 MiB pages, read-write,
//! no-execute (RAM, and the device registers between 3 and 4 GiB).

use crate::boot::ImageLayout;

/// The lowest mapped address: page 0 stays unmapped.
pub const FIRST_MAPPED: u64 = 4096;
/// One past the highest mapped address.
pub const MAPPED_LIMIT: u64 = 4 << 30;

const PRESENT: u64 = 1;
const WRITABLE: u64 = 1 << 1;
const HUGE: u64 = 1 << 7;
const NO_EXECUTE: u64 = 1 << 63;
const ENTRIES: usize = 512;
const SMALL_PAGE: u64 = 4096;
const LARGE_PAGE: u64 = 2 << 20;
const DIRECTORIES: usize = (MAPPED_LIMIT >> 30) as usize;

#[repr(C, align(4096))]
struct Table([u64; ENTRIES]);

#[unsafe(export_name = "stardust_pml4")]
static mut PML4: Table = Table([0; ENTRIES]);
#[unsafe(export_name = "stardust_pdpt")]
static mut PDPT: Table = Table([0; ENTRIES]);
#[unsafe(export_name = "stardust_page_directories")]
static mut DIRECTORIES_TABLES: [Table; DIRECTORIES] = [const { Table([0; ENTRIES]) }; DIRECTORIES];
static mut FIRST_TABLE: Table = Table([0; ENTRIES]);

/// The entry for the 4 KiB page at `address` in the first 2 MiB. Page 0 is mapped read-only
/// until [`unmap_null_page`]: some monitors put the PVH start_info there.
fn small_page_entry(address: u64, image: &ImageLayout) -> u64 {
    let guard = image.stack_guard..image.stack_guard + SMALL_PAGE;
    if guard.contains(&address) {
        0
    } else if address < FIRST_MAPPED {
        address | PRESENT | NO_EXECUTE
    } else if (image.start..image.text_end).contains(&address) {
        address | PRESENT
    } else if (image.text_end..image.rodata_end).contains(&address) {
        address | PRESENT | NO_EXECUTE
    } else {
        address | PRESENT | WRITABLE | NO_EXECUTE
    }
}

/// True if `address` lies in the boot stack's guard page.
pub fn is_boot_stack_guard(address: u64) -> bool {
    let guard = ImageLayout::get().stack_guard;
    (guard..guard + SMALL_PAGE).contains(&address)
}

pub(crate) fn init() {
    let image = ImageLayout::get();
    // SAFETY: runs once on the boot CPU, before anything else reads these tables except the MMU.
    // The MMU still uses the boot mapping (a 2 MiB page for the first 2 MiB): the new entries
    // for that range are written into a table the MMU does not see until `PD[0]` points at it,
    // and every new mapping keeps the addresses the running code uses. CR3 is reloaded at the
    // end, which flushes the old translations.
    unsafe {
        let first = (&raw mut FIRST_TABLE).cast::<u64>();
        for index in 0..ENTRIES {
            first.add(index).write(small_page_entry(index as u64 * SMALL_PAGE, &image));
        }
        let directories = (&raw mut DIRECTORIES_TABLES).cast::<u64>();
        for index in 1..DIRECTORIES * ENTRIES {
            let address = index as u64 * LARGE_PAGE;
            directories.add(index).write(address | PRESENT | WRITABLE | HUGE | NO_EXECUTE);
        }
        directories.write(first as u64 | PRESENT | WRITABLE);
        let pdpt = (&raw mut PDPT).cast::<u64>();
        for index in 0..DIRECTORIES {
            pdpt.add(index).write(directories.add(index * ENTRIES) as u64 | PRESENT | WRITABLE);
        }
        let pml4 = (&raw mut PML4) as u64;
        core::arch::asm!("mov cr3, {0}", in(reg) pml4, options(nostack, preserves_flags));
    }
}

/// Unmaps page 0, so that null pointers fault. Called once the boot information is copied.
pub(crate) fn unmap_null_page() {
    // SAFETY: only the boot CPU runs; nothing refers to page 0 any more (the boot information
    // was copied out of it), and `invlpg` drops the stale translation.
    unsafe {
        (&raw mut FIRST_TABLE).cast::<u64>().write(0);
        core::arch::asm!("invlpg [{0}]", in(reg) 0u64, options(nostack, preserves_flags));
    }
}
