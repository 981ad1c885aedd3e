//! The program's address space as the system-call layer sees it: which pages are mapped and
//! with which permissions. Every user pointer is checked against it before the kernel touches
//! the memory behind it, and mmap, munmap and mprotect are decided on it before the page tables
//! are changed to match.

use alloc::vec::Vec;

use crate::Errno;

/// The page size of x86-64 user space.
pub const PAGE_SIZE: u64 = 4096;

/// The first address above user space: the lower canonical half of 4-level paging ends here.
pub const USER_SPACE_END: u64 = 1 << 47;

/// The lowest address a mapping may start at: page 0 stays unmapped so that null pointers fault.
pub const LOWEST_ADDRESS: u64 = PAGE_SIZE;

/// `PROT_READ`: pages may be read.
pub const PROT_READ: u64 = 0x1;
/// `PROT_WRITE`: pages may be written.
pub const PROT_WRITE: u64 = 0x2;
/// `PROT_EXEC`: pages may be executed.
pub const PROT_EXEC: u64 = 0x4;
/// `PROT_NONE`: no access.
pub const PROT_NONE: u64 = 0x0;

/// What may be done with a range of pages. All three false is `PROT_NONE`: the pages are
/// reserved (mmap will not hand them out again) but any access faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Protection {
    /// `PROT_READ`.
    pub read: bool,
    /// `PROT_WRITE`.
    pub write: bool,
    /// `PROT_EXEC`.
    pub execute: bool,
}

impl Protection {
    /// `PROT_NONE`.
    pub const NONE: Protection = Protection { read: false, write: false, execute: false };
    /// `PROT_READ`.
    pub const READ: Protection = Protection { read: true, write: false, execute: false };
    /// `PROT_READ | PROT_WRITE`.
    pub const READ_WRITE: Protection = Protection { read: true, write: true, execute: false };
    /// `PROT_READ | PROT_EXEC`.
    pub const READ_EXECUTE: Protection = Protection { read: true, write: false, execute: true };

    /// Decodes mmap's and mprotect's `prot` argument.
    ///
    /// Errors: `EINVAL` for a bit other than `PROT_READ`, `PROT_WRITE`, `PROT_EXEC` (Linux's
    /// `PROT_GROWSDOWN`/`PROT_GROWSUP` included: Stardust has no growing mappings); `EACCES` for
    /// `PROT_WRITE | PROT_EXEC`, which Stardust refuses to keep W^X for programs too (Linux
    /// answers the same where a security module forbids writable code).
    pub fn from_bits(bits: u64) -> Result<Protection, Errno> {
        if bits & !(PROT_READ | PROT_WRITE | PROT_EXEC) != 0 {
            return Err(Errno::EINVAL);
        }
        let protection =
            Protection { read: bits & PROT_READ != 0, write: bits & PROT_WRITE != 0, execute: bits & PROT_EXEC != 0 };
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        Ok(protection)
    }

    /// Whether the pages can be read. x86-64 page tables cannot express a page that is writable
    /// or executable but not readable, so any permission at all makes a page readable, as it is
    /// on Linux (without protection keys).
    pub const fn readable(self) -> bool {
        self.read || self.write || self.execute
    }

    /// Whether `access` is allowed.
    pub const fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => self.readable(),
            Access::Write => self.write,
        }
    }
}

/// What the kernel is about to do with user memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Copy from the program (a `write` buffer, a path, a `timespec` argument).
    Read,
    /// Copy to the program (a `read` buffer, a `struct stat`).
    Write,
}

/// A mapped range: `start..end`, both page-aligned, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// The first byte.
    pub start: u64,
    /// The first byte after the range.
    pub end: u64,
    /// What the program may do with it.
    pub protection: Protection,
}

/// The program's mappings: page-aligned ranges with their permissions, all inside
/// `LOWEST_ADDRESS..limit`.
///
/// Invariants (held after every operation, checked by the property tests): regions are sorted,
/// do not overlap, and two regions that touch have different permissions (touching regions
/// with the same permissions are merged, as Linux merges VMAs), so equal address spaces compare
/// equal. The number of regions is bounded by the constructor's `max_regions` (Linux's
/// `vm.max_map_count`), so a program cannot grow the kernel's bookkeeping without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMemory {
    regions: Vec<Region>,
    floor: u64,
    limit: u64,
    max_regions: usize,
}

/// Linux's default `vm.max_map_count`.
pub const DEFAULT_MAX_REGIONS: usize = 65_530;

impl UserMemory {
    /// An empty address space below `limit`, with at most `max_regions` regions.
    ///
    /// `limit` is rounded down to a page and capped at [`USER_SPACE_END`]; most callers pass
    /// `USER_SPACE_END` and [`DEFAULT_MAX_REGIONS`].
    pub fn new(limit: u64, max_regions: usize) -> UserMemory {
        UserMemory::with_floor(LOWEST_ADDRESS, limit, max_regions)
    }

    /// An empty address space `floor..limit` (a kernel that keeps the low addresses for itself
    /// gives the program only a window). `floor` is rounded up to a page and is at least
    /// [`LOWEST_ADDRESS`]; `limit` as for [`UserMemory::new`]. Below the floor, [`UserMemory::map`]
    /// answers `ENOMEM` (`EPERM` in page 0) and [`UserMemory::find_free`] never looks.
    pub fn with_floor(floor: u64, limit: u64, max_regions: usize) -> UserMemory {
        let limit = limit.min(USER_SPACE_END) / PAGE_SIZE * PAGE_SIZE;
        let floor = round_up_to_page(floor).unwrap_or(limit).clamp(LOWEST_ADDRESS, limit.max(LOWEST_ADDRESS));
        UserMemory { regions: Vec::new(), floor, limit, max_regions }
    }

    /// The lowest address a mapping may have.
    pub fn floor(&self) -> u64 {
        self.floor
    }

    /// The first address above every possible mapping.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The mapped regions, sorted by address.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The permissions of the page holding `address`, or `None` when it is not mapped.
    pub fn protection_at(&self, address: u64) -> Option<Protection> {
        self.region_index(address).map(|index| self.regions[index].protection)
    }

    /// Whether the kernel may do `access` on the `length` bytes at `address`.
    ///
    /// Errors: `EFAULT` when any byte is outside a mapped region, lies in a region that does not
    /// allow `access`, or `address + length` wraps past 2^64 or passes the limit. A length of 0 is
    /// allowed at any address up to the limit, mapped or not (Linux's `access_ok` of an empty
    /// range: `write(1, p, 0)` succeeds for any user `p`), and is `EFAULT` above it.
    pub fn check(&self, address: u64, length: u64, access: Access) -> Result<(), Errno> {
        let end = address.checked_add(length).ok_or(Errno::EFAULT)?;
        if end > self.limit {
            return Err(Errno::EFAULT);
        }
        if length == 0 {
            return Ok(());
        }
        let Some(mut index) = self.region_index(address) else { return Err(Errno::EFAULT) };
        let mut covered = address;
        loop {
            let region = self.regions.get(index).ok_or(Errno::EFAULT)?;
            if region.start > covered || !region.protection.allows(access) {
                return Err(Errno::EFAULT);
            }
            if region.end >= end {
                return Ok(());
            }
            covered = region.end;
            index += 1;
        }
    }

    /// How many bytes from `address` (at most `maximum`) the kernel may read without leaving
    /// readable memory: how much of a C string, such as a path, can be looked at before the
    /// terminating NUL is found. 0 when `address` itself is not readable.
    pub fn readable_length(&self, address: u64, maximum: u64) -> u64 {
        let wanted_end = address.saturating_add(maximum).min(self.limit);
        let Some(mut index) = self.region_index(address) else { return 0 };
        let mut covered = address;
        while let Some(region) = self.regions.get(index) {
            if region.start > covered || !region.protection.readable() || covered >= wanted_end {
                break;
            }
            covered = region.end;
            index += 1;
        }
        covered.min(wanted_end).saturating_sub(address)
    }

    /// Maps `length` bytes at `address` (mmap with `MAP_FIXED`): whatever was mapped there is
    /// replaced, as Linux unmaps it first. `length` is rounded up to whole pages.
    ///
    /// Errors: `EINVAL` when `address` is not page-aligned or `length` is 0; `ENOMEM` when the
    /// range (rounded) does not fit below the limit or wraps; `EPERM` when it starts in page 0
    /// (Linux's answer below `vm.mmap_min_addr`); `EACCES` for writable and executable;
    /// `ENOMEM` when it would make more than `max_regions` regions. On error nothing changes.
    pub fn map(&mut self, address: u64, length: u64, protection: Protection) -> Result<(), Errno> {
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        let end = self.range_end(address, length, Errno::ENOMEM)?;
        if address < LOWEST_ADDRESS {
            return Err(Errno::EPERM);
        }
        if address < self.floor {
            return Err(Errno::ENOMEM);
        }
        self.rewrite(address, end, |_| Some(protection), Some(protection))
    }

    /// Unmaps every page in `length` bytes at `address` (munmap): parts of regions are cut out,
    /// splitting a region in two where the range lies inside it; pages that were not mapped are
    /// fine. `length` is rounded up to whole pages.
    ///
    /// Errors: `EINVAL` when `address` is not page-aligned, `length` is 0, or the range (rounded)
    /// passes the limit or wraps; `ENOMEM` when splitting a region would exceed `max_regions`
    /// (Linux answers the same). On error nothing changes.
    pub fn unmap(&mut self, address: u64, length: u64) -> Result<(), Errno> {
        let end = self.range_end(address, length, Errno::EINVAL)?;
        self.rewrite(address, end, |_| None, None)
    }

    /// Changes the permissions of every page in `length` bytes at `address` (mprotect),
    /// splitting regions at the range's ends. `length` is rounded up to whole pages; a length of
    /// 0 at an aligned address succeeds and changes nothing, as on Linux.
    ///
    /// Errors: `EINVAL` when `address` is not page-aligned; `ENOMEM` when the range wraps, passes
    /// the limit, or holds any page that is not mapped, or when splitting would exceed
    /// `max_regions`; `EACCES` for writable and executable. On error nothing changes (Linux may
    /// already have changed the regions before a hole; no program relies on that).
    pub fn protect(&mut self, address: u64, length: u64, protection: Protection) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if length == 0 {
            return Ok(());
        }
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        let end = self.range_end(address, length, Errno::ENOMEM)?;
        if !self.is_mapped(address, end) {
            return Err(Errno::ENOMEM);
        }
        self.rewrite(address, end, |_| Some(protection), None)
    }

    /// Where mmap without `MAP_FIXED` puts `length` bytes: at `hint` (rounded up to a page) if
    /// that range is free and inside `LOWEST_ADDRESS..limit`, otherwise in the highest free gap
    /// that holds it (Linux's top-down layout). Nothing is mapped; call [`UserMemory::map`] with
    /// the answer.
    ///
    /// Errors: `EINVAL` when `length` is 0; `ENOMEM` when no gap holds `length` rounded up to
    /// whole pages.
    pub fn find_free(&self, length: u64, hint: u64) -> Result<u64, Errno> {
        if length == 0 {
            return Err(Errno::EINVAL);
        }
        let length = round_up_to_page(length).ok_or(Errno::ENOMEM)?;
        if let Some(hint) = round_up_to_page(hint)
            && hint >= self.floor
            && let Some(end) = hint.checked_add(length)
            && end <= self.limit
            && self.is_free(hint, end)
        {
            return Ok(hint);
        }
        // Gaps from the top: between each region's end and the next region's start (or the limit).
        let mut gap_end = self.limit;
        for region in self.regions.iter().rev() {
            if gap_end - region.end >= length {
                return Ok(gap_end - length);
            }
            gap_end = region.start;
        }
        if gap_end.saturating_sub(self.floor) >= length {
            return Ok(gap_end - length);
        }
        Err(Errno::ENOMEM)
    }

    /// The end of a range that munmap or mmap may act on: `address` aligned, `length` above 0
    /// and rounded up to pages, and the whole range below the limit (else `outside`).
    fn range_end(&self, address: u64, length: u64, outside: Errno) -> Result<u64, Errno> {
        if !address.is_multiple_of(PAGE_SIZE) || length == 0 {
            return Err(Errno::EINVAL);
        }
        let length = round_up_to_page(length).ok_or(outside)?;
        match address.checked_add(length) {
            Some(end) if end <= self.limit => Ok(end),
            _ => Err(outside),
        }
    }

    /// The index of the region holding `address`.
    fn region_index(&self, address: u64) -> Option<usize> {
        let index = self.regions.partition_point(|region| region.end <= address);
        match self.regions.get(index) {
            Some(region) if region.start <= address => Some(index),
            _ => None,
        }
    }

    /// Whether every page of `start..end` is mapped.
    fn is_mapped(&self, start: u64, end: u64) -> bool {
        let mut covered = start;
        let first = self.regions.partition_point(|region| region.end <= start);
        for region in &self.regions[first..] {
            if region.start > covered {
                return false;
            }
            covered = region.end;
            if covered >= end {
                return true;
            }
        }
        false
    }

    /// Whether no page of `start..end` is mapped.
    fn is_free(&self, start: u64, end: u64) -> bool {
        let first = self.regions.partition_point(|region| region.end <= start);
        self.regions.get(first).is_none_or(|region| region.start >= end)
    }

    /// Rebuilds the regions with `start..end` changed: each piece of an existing region inside
    /// it becomes `inside(old)` (`None` removes it), and when `fill` is given the whole range is
    /// one region with it (holes included). Commits only if the result fits `max_regions`.
    fn rewrite(
        &mut self,
        start: u64,
        end: u64,
        inside: impl Fn(Protection) -> Option<Protection>,
        fill: Option<Protection>,
    ) -> Result<(), Errno> {
        let mut result: Vec<Region> = Vec::with_capacity(self.regions.len() + 2);
        let mut filled = false;
        for region in &self.regions {
            if region.end <= start || region.start >= end {
                if region.start >= end && !filled {
                    push_fill(&mut result, start, end, fill);
                    filled = true;
                }
                push_merged(&mut result, *region);
                continue;
            }
            if region.start < start {
                push_merged(&mut result, Region { end: start, ..*region });
            }
            if !filled {
                if fill.is_some() {
                    push_fill(&mut result, start, end, fill);
                    filled = true;
                } else if let Some(protection) = inside(region.protection) {
                    let piece = Region { start: region.start.max(start), end: region.end.min(end), protection };
                    push_merged(&mut result, piece);
                }
            }
            if region.end > end {
                push_merged(&mut result, Region { start: end, ..*region });
            }
        }
        if !filled {
            push_fill(&mut result, start, end, fill);
        }
        if result.len() > self.max_regions {
            return Err(Errno::ENOMEM);
        }
        self.regions = result;
        Ok(())
    }
}

fn push_fill(result: &mut Vec<Region>, start: u64, end: u64, fill: Option<Protection>) {
    if let Some(protection) = fill {
        push_merged(result, Region { start, end, protection });
    }
}

/// Appends `region` (which starts at or after the last one's end), merging it into the last one
/// when they touch with equal permissions.
fn push_merged(result: &mut Vec<Region>, region: Region) {
    if let Some(last) = result.last_mut()
        && last.end == region.start
        && last.protection == region.protection
    {
        last.end = region.end;
        return;
    }
    result.push(region);
}

/// `value` rounded up to a whole number of pages, or `None` when that passes 2^64.
pub fn round_up_to_page(value: u64) -> Option<u64> {
    Some(value.checked_add(PAGE_SIZE - 1)? / PAGE_SIZE * PAGE_SIZE)
}
