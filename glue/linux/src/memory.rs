//! mmap, munmap, mprotect, mremap and brk: decided on the program's [`UserMemory`] (host-tested
//! in `stardust-linux-abi`), then carried out on the user page tables. Anonymous memory is
//! backed when first touched, as on Linux: a thread's 2 MiB stack costs the pages it uses. A
//! page the heap cannot back when touched ends the program with SIGKILL and a report, Linux's
//! out-of-memory answer.

use crate::process::with_memory;
use hal::user::{MapError, PAGE, Rights};
use stardust_linux_abi::{Backing, Errno, MapRequest, Placement, Protection, Remapped};

fn rights(protection: Protection) -> Rights {
    Rights {
        accessible: protection.read || protection.write || protection.execute,
        write: protection.write,
        execute: protection.execute,
    }
}

/// Reserves `length` bytes at `address` (page-aligned) with `rights`, backed when first
/// touched.
pub fn reserve_pages(address: u64, length: u64, rights: Rights) -> Result<(), MapError> {
    hal::user::reserve(address, length, rights)
}

fn unmap_pages(address: u64, length: u64) {
    hal::user::unmap(address, length);
}

fn map_error(error: MapError) -> Errno {
    match error {
        MapError::WritableAndExecutable => Errno::EACCES,
        MapError::OutOfMemory | MapError::BadAddress(_) | MapError::Mapped(_) => Errno::ENOMEM,
    }
}

/// `mmap(address, length, prot, flags, fd, offset)`: anonymous memory (file mappings are
/// `ENODEV`: not yet). The address space is decided on a copy first, so a refused call changes
/// nothing.
pub fn mmap(address: u64, length: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> Result<u64, Errno> {
    let request = MapRequest::decode(address, length, prot, flags, fd, offset)?;
    if let Backing::File { .. } = request.backing {
        return Err(Errno::ENODEV);
    }
    with_memory(|memory| {
        let mut next = memory.clone();
        if let Placement::Replace { address } = request.placement {
            // MAP_FIXED replaces what is there.
            next.unmap(address, request.length)?;
        }
        let placed = next.place(&request)?;
        if let Placement::Replace { address } = request.placement {
            unmap_pages(address, request.length);
        }
        if let Err(error) = reserve_pages(placed, request.length, rights(request.protection)) {
            unmap_pages(placed, request.length);
            // The old pages are gone (as Linux may leave them after a failed MAP_FIXED).
            let _ = next.unmap(placed, request.length);
            *memory = next;
            return Err(map_error(error));
        }
        *memory = next;
        Ok(placed)
    })
}

/// `munmap(address, length)`.
pub fn munmap(address: u64, length: u64) -> Result<u64, Errno> {
    with_memory(|memory| {
        memory.unmap(address, length)?;
        // Checked by `unmap`: aligned, and the rounded range inside the address space.
        unmap_pages(address, length.div_ceil(PAGE) * PAGE);
        Ok(0)
    })
}

/// `mprotect(address, length, prot)`.
pub fn mprotect(address: u64, length: u64, prot: u64) -> Result<u64, Errno> {
    let protection = Protection::from_bits(prot)?;
    with_memory(|memory| {
        memory.protect(address, length, protection)?;
        // Checked by `protect`: aligned, the rounded range mapped.
        hal::user::protect(address, length.div_ceil(PAGE) * PAGE, rights(protection)).map_err(map_error)?;
        Ok(0)
    })
}

/// `mremap(old_address, old_size, new_size, flags, new_address)`. The address space decides
/// (`UserMemory::remap`, on a copy); the pages follow: new pages are reserved before anything
/// moves, so a refused call changes nothing.
pub fn mremap(old_address: u64, old_size: u64, new_size: u64, flags: u64, new_address: u64) -> Result<u64, Errno> {
    with_memory(|memory| {
        let protection = memory.protection_at(old_address).ok_or(Errno::EFAULT)?;
        let mut next = memory.clone();
        let outcome = next.remap(old_address, old_size, new_size, flags, new_address)?;
        // `remap` checked both sizes: they round up to whole pages without overflow.
        let old_size = old_size.div_ceil(PAGE) * PAGE;
        let new_size = new_size.div_ceil(PAGE) * PAGE;
        let address = match outcome {
            Remapped::InPlace { address } => {
                if new_size < old_size {
                    unmap_pages(address + new_size, old_size - new_size);
                } else if new_size > old_size {
                    reserve_pages(address + old_size, new_size - old_size, rights(protection)).map_err(map_error)?;
                }
                address
            }
            Remapped::Moved { from, to, moved } => {
                // A MREMAP_FIXED target's old pages go first (the address space dropped them).
                unmap_pages(to, new_size);
                if new_size > moved {
                    reserve_pages(to + moved, new_size - moved, rights(protection)).map_err(map_error)?;
                }
                if let Err(error) = hal::user::move_pages(from, to, moved) {
                    unmap_pages(to + moved, new_size - moved);
                    return Err(map_error(error));
                }
                unmap_pages(from + moved, old_size.saturating_sub(moved));
                to
            }
        };
        *memory = next;
        Ok(address)
    })
}
