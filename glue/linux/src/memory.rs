//! mmap, munmap, mprotect, mremap and brk: decided on the program's [`UserMemory`] (host-tested
//! in `stardust-linux-abi`), then carried out on the user page tables. Pages are backed when
//! mapped (no demand paging): a mapping the heap cannot back is `ENOMEM` at once, never a fault
//! later.

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

/// Maps zeroed pages over `length` bytes at `address` (page-aligned) with `rights`; on failure
/// the pages mapped so far are unmapped again.
pub fn map_pages(address: u64, length: u64, rights: Rights) -> Result<(), MapError> {
    let mut page = address;
    while page < address + length {
        if let Err(error) = hal::user::map(page, rights) {
            unmap_pages(address, page - address);
            return Err(error);
        }
        page += PAGE;
    }
    Ok(())
}

fn unmap_pages(address: u64, length: u64) {
    let mut page = address;
    while page < address.saturating_add(length) {
        hal::user::unmap(page);
        page += PAGE;
    }
}

fn map_error(error: MapError) -> Errno {
    match error {
        MapError::WritableAndExecutable => Errno::EACCES,
        MapError::OutOfMemory | MapError::BadAddress(_) | MapError::Mapped(_) => Errno::ENOMEM,
    }
}

/// `mmap(address, length, prot, flags, fd, offset)`: anonymous memory (file mappings are
/// `ENODEV`: not yet).
pub fn mmap(address: u64, length: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> Result<u64, Errno> {
    let request = MapRequest::decode(address, length, prot, flags, fd, offset)?;
    if let Backing::File { .. } = request.backing {
        return Err(Errno::ENODEV);
    }
    with_memory(|memory| {
        let before = memory.clone();
        if let Placement::Replace { address } = request.placement {
            // MAP_FIXED replaces what is there: those pages go first.
            memory.unmap(address, request.length)?;
            unmap_pages(address, request.length);
        }
        let placed = match memory.place(&request) {
            Ok(placed) => placed,
            Err(error) => {
                *memory = before;
                return Err(error);
            }
        };
        if let Err(error) = map_pages(placed, request.length, rights(request.protection)) {
            let _ = memory.unmap(placed, request.length);
            return Err(map_error(error));
        }
        Ok(placed)
    })
}

/// `munmap(address, length)`.
pub fn munmap(address: u64, length: u64) -> Result<u64, Errno> {
    with_memory(|memory| {
        memory.unmap(address, length)?;
        unmap_pages(address, length.next_multiple_of(PAGE));
        Ok(0)
    })
}

/// `mprotect(address, length, prot)`.
pub fn mprotect(address: u64, length: u64, prot: u64) -> Result<u64, Errno> {
    let protection = Protection::from_bits(prot)?;
    with_memory(|memory| {
        memory.protect(address, length, protection)?;
        let mut page = address;
        let end = address.saturating_add(length.next_multiple_of(PAGE));
        while page < end {
            // The stack's guard page has no frame: it stays inaccessible.
            let _ = hal::user::protect(page, rights(protection));
            page += PAGE;
        }
        Ok(0)
    })
}

/// `mremap(old_address, old_size, new_size, flags, new_address)`.
pub fn mremap(old_address: u64, old_size: u64, new_size: u64, flags: u64, new_address: u64) -> Result<u64, Errno> {
    with_memory(|memory| {
        let before = memory.clone();
        let protection = memory.protection_at(old_address).ok_or(Errno::EFAULT)?;
        let old_size = old_size.next_multiple_of(PAGE);
        let new_size = new_size.next_multiple_of(PAGE);
        let outcome = memory.remap(old_address, old_size, new_size, flags, new_address)?;
        let result = match outcome {
            Remapped::InPlace { address } => {
                if new_size < old_size {
                    unmap_pages(address + new_size, old_size - new_size);
                    Ok(address)
                } else {
                    map_pages(address + old_size, new_size - old_size, rights(protection)).map(|()| address)
                }
            }
            Remapped::Moved { from, to, moved } => {
                let mut offset = 0;
                while offset < moved {
                    let _ = hal::user::move_page(from + offset, to + offset);
                    offset += PAGE;
                }
                unmap_pages(from + moved, old_size.saturating_sub(moved));
                map_pages(to + moved, new_size - moved, rights(protection)).map(|()| to)
            }
        };
        result.map_err(|error| {
            *memory = before;
            map_error(error)
        })
    })
}
