//! mmap's and mremap's arguments, decided against the address space: where a mapping goes,
//! what backs it, and which error Linux would give.

use crate::Errno;
use crate::memory::{PAGE_SIZE, Protection, UserMemory, round_up_to_page};

/// Changes are visible to other mappings of the same object.
pub const MAP_SHARED: u64 = 0x01;
/// Changes are private (copy on write).
pub const MAP_PRIVATE: u64 = 0x02;
/// `MAP_SHARED` that refuses flags it does not know.
pub const MAP_SHARED_VALIDATE: u64 = 0x03;
/// The field that holds the mapping's type.
pub const MAP_TYPE: u64 = 0x0f;
/// Place the mapping exactly at the address, replacing what is there.
pub const MAP_FIXED: u64 = 0x10;
/// Not backed by a file: zero-filled memory.
pub const MAP_ANONYMOUS: u64 = 0x20;
/// A stack that grows down (accepted as an ordinary mapping).
pub const MAP_GROWSDOWN: u64 = 0x100;
/// Ignored by Linux.
pub const MAP_DENYWRITE: u64 = 0x800;
/// Ignored by Linux.
pub const MAP_EXECUTABLE: u64 = 0x1000;
/// Lock the pages in memory (all memory is resident in Stardust).
pub const MAP_LOCKED: u64 = 0x2000;
/// Do not reserve swap (there is none).
pub const MAP_NORESERVE: u64 = 0x4000;
/// Fault the pages in now.
pub const MAP_POPULATE: u64 = 0x8000;
/// With `MAP_POPULATE`: do not block.
pub const MAP_NONBLOCK: u64 = 0x1_0000;
/// A thread stack (a hint).
pub const MAP_STACK: u64 = 0x2_0000;
/// Huge pages from the huge-page pool.
pub const MAP_HUGETLB: u64 = 0x4_0000;
/// Synchronous page faults for persistent memory.
pub const MAP_SYNC: u64 = 0x8_0000;
/// As `MAP_FIXED`, but `EEXIST` instead of replacing a mapping.
pub const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;

/// The flags `MAP_SHARED_VALIDATE` accepts: Linux's legacy set and `MAP_SYNC`.
const VALIDATED_FLAGS: u64 = MAP_TYPE
    | MAP_FIXED
    | MAP_ANONYMOUS
    | MAP_DENYWRITE
    | MAP_EXECUTABLE
    | MAP_UNINITIALIZED
    | MAP_GROWSDOWN
    | MAP_LOCKED
    | MAP_NORESERVE
    | MAP_POPULATE
    | MAP_NONBLOCK
    | MAP_STACK
    | MAP_HUGETLB
    | MAP_FIXED_NOREPLACE
    | MAP_SYNC;
/// Part of the legacy set, meaningful only on kernels built for no-MMU machines.
const MAP_UNINITIALIZED: u64 = 0x400_0000;

/// Where the program wants a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Anywhere; `hint` is tried first ([`UserMemory::find_free`]).
    Anywhere {
        /// The address argument.
        hint: u64,
    },
    /// Exactly here (`MAP_FIXED`), replacing what is there.
    Replace {
        /// The address argument, page-aligned.
        address: u64,
    },
    /// Exactly here, but `EEXIST` if anything is mapped there (`MAP_FIXED_NOREPLACE`).
    NoReplace {
        /// The address argument, page-aligned.
        address: u64,
    },
}

/// What fills a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Zeroes (`MAP_ANONYMOUS`).
    Anonymous,
    /// A file's bytes from `offset`: the kernel checks that `fd` is open for reading (`EBADF`,
    /// `EACCES`) and that its object can be mapped (`ENODEV`).
    File {
        /// The descriptor (the register's low 32 bits).
        fd: u32,
        /// The offset in the file, page-aligned.
        offset: u64,
    },
}

/// A decoded `mmap(address, length, prot, flags, fd, offset)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapRequest {
    /// Where.
    pub placement: Placement,
    /// How many bytes, rounded up to whole pages.
    pub length: u64,
    /// The pages' permissions.
    pub protection: Protection,
    /// What fills them.
    pub backing: Backing,
    /// `MAP_SHARED`: writes reach the file (or, for anonymous memory, other processes; with one
    /// process, the same as private).
    pub shared: bool,
}

impl MapRequest {
    /// Decodes mmap's six registers, with Linux's checks in Linux's order.
    ///
    /// Errors: `EINVAL` for an offset that is not page-aligned, a length of 0, a type other than
    /// `MAP_SHARED`, `MAP_PRIVATE` or `MAP_SHARED_VALIDATE`, a `MAP_FIXED` address that is not
    /// page-aligned, or a bad `prot` bit ([`Protection::from_bits`], which also gives `EACCES`
    /// for writable code); `ENOMEM` for a length that rounds past 2^64 and for `MAP_HUGETLB`
    /// (what Linux answers with no huge pages reserved, its default); `EOVERFLOW` when the
    /// offset plus the length passes 2^64; `EOPNOTSUPP` for an unknown flag with
    /// `MAP_SHARED_VALIDATE`, and for `MAP_SYNC` (no persistent memory). Other unknown flags are
    /// ignored, as Linux ignores them; `MAP_GROWSDOWN`, `MAP_STACK`, `MAP_POPULATE`,
    /// `MAP_LOCKED`, `MAP_NORESERVE` and friends give an ordinary mapping. For `MAP_ANONYMOUS`
    /// the fd and offset are ignored, as Linux ignores them.
    pub fn decode(address: u64, length: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> Result<MapRequest, Errno> {
        if !offset.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if length == 0 {
            return Err(Errno::EINVAL);
        }
        let length = round_up_to_page(length).ok_or(Errno::ENOMEM)?;
        let anonymous = flags & MAP_ANONYMOUS != 0;
        if !anonymous && offset.checked_add(length).is_none() {
            return Err(Errno::EOVERFLOW);
        }
        let shared = match flags & MAP_TYPE {
            MAP_PRIVATE => false,
            MAP_SHARED => true,
            MAP_SHARED_VALIDATE => {
                if flags & !VALIDATED_FLAGS != 0 || flags & MAP_SYNC != 0 {
                    return Err(Errno::EOPNOTSUPP);
                }
                true
            }
            _ => return Err(Errno::EINVAL),
        };
        if flags & MAP_HUGETLB != 0 {
            return Err(Errno::ENOMEM);
        }
        let placement = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
            if !address.is_multiple_of(PAGE_SIZE) {
                return Err(Errno::EINVAL);
            }
            if flags & MAP_FIXED_NOREPLACE != 0 {
                Placement::NoReplace { address }
            } else {
                Placement::Replace { address }
            }
        } else {
            Placement::Anywhere { hint: address }
        };
        let protection = Protection::from_bits(prot)?;
        // An fd is an `int`: the low 32 bits of the register.
        let backing = if anonymous { Backing::Anonymous } else { Backing::File { fd: fd as u32, offset } };
        Ok(MapRequest { placement, length, protection, backing, shared })
    }
}

impl UserMemory {
    /// Carries out a decoded mmap in the address space and returns the mapping's address. The
    /// kernel then maps the pages (zeroed, or filled from the file) with the same permissions.
    ///
    /// Errors: those of [`UserMemory::find_free`] and [`UserMemory::map`] (`ENOMEM` when there
    /// is no room or the range passes the limit, `EPERM` in page 0); `EEXIST` for
    /// `MAP_FIXED_NOREPLACE` over a mapped page. On error nothing changes.
    pub fn place(&mut self, request: &MapRequest) -> Result<u64, Errno> {
        let address = match request.placement {
            Placement::Anywhere { hint } => self.find_free(request.length, hint)?,
            Placement::Replace { address } => address,
            Placement::NoReplace { address } => {
                let end = address.checked_add(request.length).ok_or(Errno::ENOMEM)?;
                if self.regions().iter().any(|region| region.start < end && address < region.end) {
                    return Err(Errno::EEXIST);
                }
                address
            }
        };
        self.map(address, request.length, request.protection)?;
        Ok(address)
    }
}

/// `mremap` may move the mapping.
pub const MREMAP_MAYMOVE: u64 = 1;
/// `mremap` must move it to the fifth argument.
pub const MREMAP_FIXED: u64 = 2;
/// `mremap` leaves the old range mapped (empty) after a move.
pub const MREMAP_DONTUNMAP: u64 = 4;

/// What [`UserMemory::remap`] did: the kernel moves or grows the page-table entries to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remapped {
    /// The mapping stayed at its address with its new size: pages past the new end were
    /// unmapped (shrinking), or new zeroed pages were added after the old end (growing).
    InPlace {
        /// The (unchanged) address.
        address: u64,
    },
    /// The mapping moved: the kernel moves the first `moved` bytes' pages from `from` to `to`,
    /// then gives the rest (growing) zeroed pages. The old range is no longer mapped.
    Moved {
        /// The old address.
        from: u64,
        /// The new address: mremap's result.
        to: u64,
        /// How many bytes of contents move (the smaller of the old and new sizes).
        moved: u64,
    },
}

impl UserMemory {
    /// `mremap(old_address, old_size, new_size, flags, new_address)`, decided on the address
    /// space (which is changed to match). The sizes are rounded up to whole pages. Only private
    /// anonymous semantics are modelled: the new pages get the old range's permissions.
    ///
    /// Errors, in Linux's order: `EINVAL` for an unknown flag, `MREMAP_FIXED` or
    /// `MREMAP_DONTUNMAP` (not supported: `EINVAL`, a documented answer of older Linux) without
    /// `MREMAP_MAYMOVE`, a misaligned old address, a new size of 0, an old size of 0 (duplicating
    /// a shared mapping, which Stardust does not have), a size that rounds past 2^64, or a
    /// misaligned, overlapping or out-of-range `MREMAP_FIXED` target; `EFAULT` when the old
    /// range is not one mapped region with one permission (Linux: not within one VMA); `ENOMEM`
    /// when it cannot grow in place and may not move, when no free range holds the new size, or
    /// when the move would exceed the region limit; `EPERM` for an `MREMAP_FIXED` target in page
    /// 0. On error nothing changes.
    pub fn remap(
        &mut self,
        old_address: u64,
        old_size: u64,
        new_size: u64,
        flags: u64,
        new_address: u64,
    ) -> Result<Remapped, Errno> {
        if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
            || flags & MREMAP_DONTUNMAP != 0
            || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
        {
            return Err(Errno::EINVAL);
        }
        if !old_address.is_multiple_of(PAGE_SIZE) || new_size == 0 || old_size == 0 {
            return Err(Errno::EINVAL);
        }
        // A size that rounds past 2^64 is 0 to Linux, hence EINVAL.
        let old_size = round_up_to_page(old_size).ok_or(Errno::EINVAL)?;
        let new_size = round_up_to_page(new_size).ok_or(Errno::EINVAL)?;
        let old_end = old_address.checked_add(old_size).ok_or(Errno::EFAULT)?;
        let protection = match self.protection_at(old_address) {
            Some(protection) if self.same_region(old_address, old_end) => protection,
            _ => return Err(Errno::EFAULT),
        };

        if flags & MREMAP_FIXED != 0 {
            let new_end = new_address.checked_add(new_size).ok_or(Errno::EINVAL)?;
            let overlapping = new_address < old_end && old_address < new_end;
            if !new_address.is_multiple_of(PAGE_SIZE) || new_end > self.limit() || overlapping {
                return Err(Errno::EINVAL);
            }
            return self.move_mapping(old_address, old_size, new_address, new_size, protection);
        }
        if new_size <= old_size {
            if new_size < old_size {
                self.unmap(old_address + new_size, old_size - new_size)?;
            }
            return Ok(Remapped::InPlace { address: old_address });
        }
        // Growing: in place if the pages after the old end are free.
        let grown_end = old_address.checked_add(new_size);
        if let Some(grown_end) = grown_end
            && grown_end <= self.limit()
            && self.regions().iter().all(|region| region.end <= old_end || region.start >= grown_end)
        {
            self.map(old_end, grown_end - old_end, protection)?;
            return Ok(Remapped::InPlace { address: old_address });
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::ENOMEM);
        }
        let target = self.find_free(new_size, 0)?;
        self.move_mapping(old_address, old_size, target, new_size, protection)
    }

    /// Whether `start..end` lies inside one region.
    fn same_region(&self, start: u64, end: u64) -> bool {
        self.regions().iter().any(|region| region.start <= start && end <= region.end)
    }

    /// Maps `new_size` at `to` and unmaps the old range, all or nothing.
    fn move_mapping(
        &mut self,
        from: u64,
        old_size: u64,
        to: u64,
        new_size: u64,
        protection: Protection,
    ) -> Result<Remapped, Errno> {
        let before = self.clone();
        let result = self.map(to, new_size, protection).and_then(|()| self.unmap(from, old_size));
        if let Err(errno) = result {
            *self = before;
            return Err(errno);
        }
        Ok(Remapped::Moved { from, to, moved: old_size.min(new_size) })
    }
}
