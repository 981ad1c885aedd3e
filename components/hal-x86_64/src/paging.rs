//! The kernel's page tables: an identity map of RAM, W^X inside the image.
//!
//! The first 2 MiB are mapped with 4 KiB pages: text read+execute, rodata read-only, everything
//! else no-execute; page 0 and the boot stack's guard page are not mapped, so that a null
//! pointer or a stack overflow faults. RAM above 2 MiB (up to [`RAM_LIMIT`]) is mapped with
//! 2 MiB pages, read-write, no-execute. Nothing else is mapped: device registers are mapped by
//! the drivers that need them ([`map_device`]): in the last GiB below 4 GiB, or above 4 GiB
//! (cloud-hypervisor puts 64-bit BARs just below 64 TiB) through tables taken from the heap.
//!
//! The boot code (boot.rs) maps the first 2 MiB with one large page through the *last* page
//! directory, which device mappings use later. So every table written here is not yet in use
//! when it is written, and only the page-directory-pointer entries change under the MMU's feet.
//! Some hypervisors trap every write to a live page table; this keeps boot fast there. (Device
//! mappings above 4 GiB later link new tables into the live PML4 and PDPTs: entries that were
//! not present, which the MMU never caches.)

use crate::boot::ImageLayout;
use core::fmt;
use stardust_api::MemoryRegion;

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

static MAPPED_END: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(BOOT_MAPPED_LIMIT);

/// One past the highest address of the identity map below the device range.
pub fn mapped_end() -> u64 {
    MAPPED_END.load(core::sync::atomic::Ordering::Relaxed)
}

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
    MAPPED_END.store(large_pages.max(1) as u64 * LARGE_PAGE, core::sync::atomic::Ordering::Relaxed);
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

const CACHE_DISABLE: u64 = (1 << 3) | (1 << 4);
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

/// The page-directory entry that maps `address` (below 4 GiB: the kernel's own directories).
fn directory_entry(address: u64) -> *mut u64 {
    let index = (address >> 21) as usize;
    // SAFETY: `index` < DIRECTORIES * ENTRIES for every address below 4 GiB (callers check);
    // only a pointer is formed here.
    unsafe { (&raw mut DIRECTORIES_TABLES).cast::<u64>().add(index) }
}

/// Device registers are mapped up to here: the lower half of the 48-bit address space (the
/// upper half is not canonical for identity-mapped addresses).
pub const DEVICE_LIMIT: u64 = 1 << 47;
// `DeviceRangeError`'s messages name these limits in words.
const _: () = assert!(
    RAM_LIMIT == 3 << 30
        && DEVICE_LIMIT == 128 << 40
        && crate::user::USER_BASE == 512 << 30
        && crate::user::USER_END == 1 << 40
);

/// Why a range of device registers cannot be mapped ([`check_device_range`]). Its `Display`
/// completes a sentence whose subject is the range ("BAR 4 at 0x... is above 128 TiB, ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRangeError {
    /// The range runs past the end of the address space.
    Wraps,
    /// It starts below [`RAM_LIMIT`], in the part of the address space whose page directories
    /// hold the kernel's identity map of RAM (the heap, the image, the stacks): device registers
    /// are never mapped there.
    InRamRange,
    /// It reaches above [`DEVICE_LIMIT`] (128 TiB), where identity-mapped addresses end.
    BeyondAddressSpace,
    /// It overlaps the programs' range ([`USER_BASE`](crate::user::USER_BASE)..
    /// [`USER_END`](crate::user::USER_END)), whose pages belong to ring 3.
    InUserRange,
    /// A page table it needs could not be taken from the heap ([`map_device`] only).
    OutOfMemory,
    /// It reaches above 4 GiB, and [`map_low_device`] maps only below.
    NotLow,
    /// Its 2 MiB pages overlap RAM of the memory map (above [`RAM_LIMIT`], unused by the kernel
    /// but RAM all the same, not device registers).
    OverlapsRam,
}

impl fmt::Display for DeviceRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceRangeError::Wraps => f.write_str("wraps around the address space"),
            DeviceRangeError::InRamRange => f.write_str("is below 3 GiB, where this kernel maps only RAM"),
            DeviceRangeError::BeyondAddressSpace => {
                f.write_str("is above 128 TiB, beyond the addresses this kernel maps")
            }
            DeviceRangeError::InUserRange => f.write_str("is between 512 GiB and 1 TiB, where programs live"),
            DeviceRangeError::OutOfMemory => f.write_str("needs a page table, and the heap has no 4 KiB for it"),
            DeviceRangeError::NotLow => f.write_str("is above 4 GiB, where no platform register should be"),
            DeviceRangeError::OverlapsRam => f.write_str("overlaps RAM of the memory map"),
        }
    }
}

/// Whether [`map_device`] can map device registers `[start, start + length)`: from 3 GiB up to
/// [`DEVICE_LIMIT`], outside the programs' range, and, in whole 2 MiB pages (the unit it maps),
/// clear of any RAM the memory map lists there. A pure check: nothing is mapped.
pub fn check_device_range(start: u64, length: u64) -> Result<(), DeviceRangeError> {
    let end = start.checked_add(length).ok_or(DeviceRangeError::Wraps)?;
    if start < RAM_LIMIT {
        return Err(DeviceRangeError::InRamRange);
    }
    if end > DEVICE_LIMIT {
        return Err(DeviceRangeError::BeyondAddressSpace);
    }
    if start < crate::user::USER_END && end > crate::user::USER_BASE {
        return Err(DeviceRangeError::InUserRange);
    }
    // `end` <= 128 TiB, so rounding it up cannot overflow.
    let pages = MemoryRegion { start: start & !(LARGE_PAGE - 1), end: end.next_multiple_of(LARGE_PAGE) };
    let ram = crate::boot::info().map_or(&[][..], |info| info.ram_beyond_limit());
    if ram.iter().any(|ram| ram.overlaps(&pages)) {
        return Err(DeviceRangeError::OverlapsRam);
    }
    Ok(())
}

/// Maps device registers `[start, start + length)` uncached, in 2 MiB pages, if
/// [`check_device_range`] allows it (otherwise nothing is mapped, and the error says why).
/// Above 4 GiB the page-directory-pointer table and directory a page needs are taken from the
/// heap the first time (4 KiB each, never freed); should the heap have none, the pages mapped
/// so far stay mapped and the error says so. Call with interrupts off.
pub fn map_device(start: u64, length: u64) -> Result<(), DeviceRangeError> {
    if start.saturating_add(length) <= LOW_DEVICE_LIMIT {
        return map_low_device(start, length);
    }
    check_device_range(start, length)?;
    let _changing = CHANGES.lock();
    let end = start + length;
    let mut page = start & !(LARGE_PAGE - 1);
    while page < end {
        set_device_page(device_directory_entry(page)?, page);
        page += LARGE_PAGE;
    }
    Ok(())
}

/// [`map_device`] for registers below 4 GiB, where the platform's own are (the local and I/O
/// APICs, ACPI's): no heap and no lock (the exit path maps ACPI's registers this way, and must
/// not wait for a lock its own CPU may hold), and none of the code for tables above 4 GiB in
/// the images that need only these. A range above 4 GiB is refused.
pub fn map_low_device(start: u64, length: u64) -> Result<(), DeviceRangeError> {
    check_device_range(start, length)?;
    if start + length > LOW_DEVICE_LIMIT {
        return Err(DeviceRangeError::NotLow);
    }
    let mut page = start & !(LARGE_PAGE - 1);
    while page < start + length {
        set_device_page(directory_entry(page), page);
        page += LARGE_PAGE;
    }
    Ok(())
}

/// Where the kernel's own page directories end (4 GiB).
const LOW_DEVICE_LIMIT: u64 = (DIRECTORIES as u64) << 30;

/// Makes the directory entry `entry` map the device page `page` uncached.
fn set_device_page(entry: *mut u64, page: u64) {
    // SAFETY: both callers checked the page with `check_device_range` and took `entry` for it
    // from a directory of the device range (3 GiB and above, outside the programs' range),
    // which maps no RAM the kernel uses and no kernel code, and the page holds no RAM of the
    // memory map either; making a not-present entry present needs no TLB flush, and writing a
    // present one again (the one value it can have) changes nothing. Two CPUs may write it at
    // once (below 4 GiB no lock is taken): an atomic store makes that no data race. The entry
    // is an aligned u64 of a table that lives as long as the kernel.
    let entry = unsafe { core::sync::atomic::AtomicU64::from_ptr(entry) };
    entry.store(page | PRESENT | WRITABLE | HUGE | NO_EXECUTE | CACHE_DISABLE, core::sync::atomic::Ordering::Relaxed);
}

/// The page-directory entry for the device page at `page` (checked by [`check_device_range`]),
/// with the tables above it made present: below 4 GiB the kernel's own directories, above it
/// tables from the heap. The caller holds `CHANGES`.
fn device_directory_entry(page: u64) -> Result<*mut u64, DeviceRangeError> {
    if page < LOW_DEVICE_LIMIT {
        return Ok(directory_entry(page));
    }
    let mut table = (&raw mut PML4).cast::<u64>();
    for shift in [39, 30] {
        let index = (page >> shift) as usize % ENTRIES;
        // SAFETY: `table` is the kernel's PML4 or a table this function made (a 4 KiB heap block
        // of ENTRIES entries), and `index` < ENTRIES.
        let entry = unsafe { table.add(index) };
        // SAFETY: as above; the caller holds `CHANGES`, so no other CPU changes the entry.
        let value = unsafe { entry.read_volatile() };
        table = if value & PRESENT != 0 {
            (value & ADDRESS_MASK) as *mut u64
        } else {
            let fresh = new_table().ok_or(DeviceRangeError::OutOfMemory)?;
            // The zeroes written by the allocator before the MMU can see the table (the asm
            // statement may touch any memory, so no store moves past it).
            // SAFETY: an empty asm statement does nothing (it is given the table, so that the
            // compiler takes it to read it).
            unsafe { core::arch::asm!("/* {0} */", in(reg) fresh, options(nostack, preserves_flags)) };
            // SAFETY: the entry was not present (the range is neither the first 4 GiB, whose
            // tables exist, nor the programs' PML4 entry: checked by the caller), so nothing
            // used it; the fresh, zeroed table maps nothing until the entries below are written.
            unsafe { entry.write_volatile(fresh as u64 | PRESENT | WRITABLE) };
            fresh
        };
    }
    // SAFETY: `table` is a page directory (ENTRIES entries) made above or earlier.
    Ok(unsafe { table.add((page >> 21) as usize % ENTRIES) })
}

/// A zeroed, page-aligned 4 KiB table from the heap (identity-mapped, so its address is the one
/// the MMU is given), never freed.
fn new_table() -> Option<*mut u64> {
    let layout = core::alloc::Layout::from_size_align(SMALL_PAGE as usize, SMALL_PAGE as usize).ok()?;
    // SAFETY: the layout has a non-zero size.
    let table = unsafe { alloc::alloc::alloc_zeroed(layout) };
    (!table.is_null()).then_some(table.cast())
}

/// Why a guard page could not be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardError {
    /// The address is not page-aligned RAM outside the image.
    BadAddress(u64),
    /// A page table was needed to split a 2 MiB page, and the heap had no 4 KiB for it.
    OutOfMemory,
}

fn flush(address: u64) {
    // SAFETY: invalidating a TLB entry has no effect but a later page walk.
    unsafe { core::arch::asm!("invlpg [{0}]", in(reg) address, options(nostack, preserves_flags)) };
}

/// The page-table entry for the 4 KiB page at `address` in RAM, splitting its 2 MiB page into
/// 4 KiB pages first if needed (the new table comes from the heap and is never freed).
fn small_entry(address: u64) -> Result<*mut u64, GuardError> {
    let image = ImageLayout::get();
    let in_image = address < image.end && address + SMALL_PAGE > image.start;
    if !address.is_multiple_of(SMALL_PAGE) || !(SMALL_PAGE..RAM_LIMIT).contains(&address) || in_image {
        return Err(GuardError::BadAddress(address));
    }
    let directory = directory_entry(address);
    // SAFETY: `directory` points into the kernel's page directories (address < RAM_LIMIT).
    let entry = unsafe { directory.read_volatile() };
    if entry & PRESENT == 0 {
        return Err(GuardError::BadAddress(address));
    }
    let table = if entry & HUGE == 0 {
        entry & ADDRESS_MASK
    } else {
        let table = new_table().ok_or(GuardError::OutOfMemory)? as u64;
        let base = entry & ADDRESS_MASK;
        // SAFETY: `table` is a fresh 4 KiB, 4 KiB-aligned heap block that nothing else uses and
        // that is never freed; it maps the same 2 MiB with the same rights before the directory
        // entry points at it, so no running code loses its mapping; the flush drops the old
        // large-page translation.
        unsafe {
            for index in 0..ENTRIES as u64 {
                ((table as *mut u64).add(index as usize))
                    .write_volatile((base + index * SMALL_PAGE) | PRESENT | WRITABLE | NO_EXECUTE);
            }
            core::arch::asm!("", options(nostack, preserves_flags));
            directory.write_volatile(table | PRESENT | WRITABLE);
            let cr3: u64;
            core::arch::asm!("mov {0}, cr3", "mov cr3, {0}", out(reg) cr3, options(nostack, preserves_flags));
            let _ = cr3;
        }
        table
    };
    let index = (address >> 12) as usize % ENTRIES;
    // SAFETY: `table` is a page table of the kernel's (from the directory entry).
    Ok(unsafe { (table as *mut u64).add(index) })
}

/// Serialises changes to the page tables between CPUs (two could split the same 2 MiB page).
/// A new guard page is flushed from the other CPUs' TLBs by an IPI; a page mapped again needs no
/// flush (x86 never caches a not-present entry).
static CHANGES: spin::Mutex<()> = spin::Mutex::new(());

/// Unmaps the 4 KiB page at `address` (heap RAM), so that touching it faults: a stack's guard.
/// Call with interrupts off.
pub fn set_guard_page(address: u64) -> Result<(), GuardError> {
    let _changing = CHANGES.lock();
    let entry = small_entry(address)?;
    // SAFETY: the page belongs to the caller (a stack it allocated) and nothing uses it.
    unsafe { entry.write_volatile(0) };
    flush(address);
    if crate::smp::online() > 1 {
        crate::smp::flush_other_cpus();
    }
    Ok(())
}

/// Drops every cached translation of the calling CPU.
pub(crate) fn flush_all() {
    // SAFETY: reloading CR3 with its own value only flushes the TLB.
    unsafe {
        core::arch::asm!("mov {0}, cr3", "mov cr3, {0}", out(reg) _, options(nostack, preserves_flags));
    }
}

/// Maps a guard page again (before its memory goes back to the heap). Call with interrupts off.
pub fn clear_guard_page(address: u64) {
    let _changing = CHANGES.lock();
    if let Ok(entry) = small_entry(address) {
        // SAFETY: restores the identity mapping the heap expects for this page.
        unsafe { entry.write_volatile(address | PRESENT | WRITABLE | NO_EXECUTE) };
        flush(address);
    }
}

/// Maps the low page at `address` (below 2 MiB, outside the image) read+execute, or unmaps it:
/// the page that other CPUs start in. Call with interrupts off.
pub(crate) fn set_startup_page(address: u64, executable: bool) {
    let image = ImageLayout::get();
    if !address.is_multiple_of(SMALL_PAGE) || address < SMALL_PAGE || address >= image.start {
        return;
    }
    let entry = if executable { address | PRESENT } else { 0 };
    // SAFETY: the page lies below the image, in the first table, and belongs to the startup code
    // (the heap never gets it: see `BootInfo::free_memory`).
    unsafe { (&raw mut FIRST_TABLE).cast::<u64>().add((address / SMALL_PAGE) as usize).write_volatile(entry) };
    flush(address);
}
