//! mmap's and mremap's arguments, decided against the address space.

use crate::{
    Backing, DEFAULT_MAX_REGIONS, Errno, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_HUGETLB,
    MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_STACK, MAP_SYNC, MREMAP_DONTUNMAP, MREMAP_FIXED,
    MREMAP_MAYMOVE, MapRequest, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, Placement, Protection, Region,
    Remapped, USER_SPACE_END, UserMemory,
};

const BASE: u64 = 0x10_0000;
const ANONYMOUS: u64 = MAP_PRIVATE | MAP_ANONYMOUS;
/// What musl passes for "no file".
const NO_FILE: u64 = u64::MAX;

fn memory() -> UserMemory {
    UserMemory::new(USER_SPACE_END, DEFAULT_MAX_REGIONS)
}

#[test]
fn the_flag_values_are_x86_64_linuxs() {
    assert_eq!((MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FIXED, MAP_ANONYMOUS), (1, 2, 3, 0x10, 0x20));
    assert_eq!((MAP_GROWSDOWN, MAP_POPULATE, MAP_STACK, MAP_HUGETLB), (0x100, 0x8000, 0x2_0000, 0x4_0000));
    assert_eq!((MAP_SYNC, MAP_FIXED_NOREPLACE), (0x8_0000, 0x10_0000));
    assert_eq!((MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP), (1, 2, 4));
}

#[test]
fn musls_malloc_request_decodes() {
    let request = MapRequest::decode(0, 5000, PROT_READ | PROT_WRITE, ANONYMOUS, NO_FILE, 0).unwrap();
    assert_eq!(
        request,
        MapRequest {
            placement: Placement::Anywhere { hint: 0 },
            length: 2 * PAGE_SIZE,
            protection: Protection::READ_WRITE,
            backing: Backing::Anonymous,
            shared: false,
        }
    );
}

#[test]
fn placement_and_backing_follow_the_flags() {
    let fixed = MapRequest::decode(BASE, 1, PROT_NONE, ANONYMOUS | MAP_FIXED, 0, 0).unwrap();
    assert_eq!(fixed.placement, Placement::Replace { address: BASE });
    let no_replace = MapRequest::decode(BASE, 1, PROT_READ, ANONYMOUS | MAP_FIXED_NOREPLACE, 0, 0).unwrap();
    assert_eq!(no_replace.placement, Placement::NoReplace { address: BASE });
    let both = MapRequest::decode(BASE, 1, PROT_READ, ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE, 0, 0).unwrap();
    assert_eq!(both.placement, Placement::NoReplace { address: BASE });
    let file = MapRequest::decode(BASE + 5, 1, PROT_READ, MAP_SHARED, 3, 2 * PAGE_SIZE).unwrap();
    assert_eq!(file.placement, Placement::Anywhere { hint: BASE + 5 }, "a hint need not be aligned");
    assert_eq!(file.backing, Backing::File { fd: 3, offset: 2 * PAGE_SIZE });
    assert!(file.shared);
    let ignored = ANONYMOUS | MAP_GROWSDOWN | MAP_STACK | MAP_POPULATE | (1 << 40);
    assert!(MapRequest::decode(0, 1, PROT_READ, ignored, 0, 0).is_ok());
}

#[test]
fn bad_requests_get_linuxs_errors() {
    let rw = PROT_READ | PROT_WRITE;
    assert_eq!(MapRequest::decode(0, 1, rw, ANONYMOUS, 0, 1), Err(Errno::EINVAL), "misaligned offset");
    assert_eq!(MapRequest::decode(0, 0, rw, ANONYMOUS, 0, 0), Err(Errno::EINVAL), "zero length");
    assert_eq!(MapRequest::decode(0, u64::MAX, rw, ANONYMOUS, 0, 0), Err(Errno::ENOMEM), "length rounds past 2^64");
    assert_eq!(MapRequest::decode(0, PAGE_SIZE, rw, MAP_SHARED, 3, u64::MAX - PAGE_SIZE + 1), Err(Errno::EOVERFLOW));
    assert_eq!(MapRequest::decode(0, 1, rw, MAP_ANONYMOUS, 0, 0), Err(Errno::EINVAL), "neither private nor shared");
    assert_eq!(MapRequest::decode(0, 1, rw, MAP_ANONYMOUS | 0xf, 0, 0), Err(Errno::EINVAL), "an unknown type");
    assert_eq!(MapRequest::decode(BASE + 1, 1, rw, ANONYMOUS | MAP_FIXED, 0, 0), Err(Errno::EINVAL));
    assert_eq!(MapRequest::decode(0, 1, rw, ANONYMOUS | MAP_HUGETLB, 0, 0), Err(Errno::ENOMEM));
    assert_eq!(
        MapRequest::decode(0, 1, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | (1 << 40), 0, 0),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(MapRequest::decode(0, 1, rw, MAP_SHARED_VALIDATE | MAP_SYNC, 3, 0), Err(Errno::EOPNOTSUPP));
    assert!(MapRequest::decode(0, 1, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, 0, 0).is_ok());
    assert_eq!(MapRequest::decode(0, 1, 0x10, ANONYMOUS, 0, 0), Err(Errno::EINVAL), "a bad prot bit");
    assert_eq!(MapRequest::decode(0, 1, PROT_WRITE | PROT_EXEC, ANONYMOUS, 0, 0), Err(Errno::EACCES));
}

#[test]
fn place_puts_mappings_where_asked() {
    let mut memory = memory();
    let anywhere = MapRequest::decode(0, PAGE_SIZE, PROT_READ, ANONYMOUS, 0, 0).unwrap();
    assert_eq!(memory.place(&anywhere), Ok(USER_SPACE_END - PAGE_SIZE));
    assert_eq!(memory.place(&anywhere), Ok(USER_SPACE_END - 2 * PAGE_SIZE), "below the last");
    let fixed = MapRequest::decode(BASE, 2 * PAGE_SIZE, PROT_READ, ANONYMOUS | MAP_FIXED, 0, 0).unwrap();
    assert_eq!(memory.place(&fixed), Ok(BASE));
    let over = MapRequest::decode(BASE + PAGE_SIZE, PAGE_SIZE, PROT_NONE, ANONYMOUS | MAP_FIXED, 0, 0).unwrap();
    assert_eq!(memory.place(&over), Ok(BASE + PAGE_SIZE), "MAP_FIXED replaces");
    assert_eq!(memory.protection_at(BASE + PAGE_SIZE), Some(Protection::NONE));
    let no_replace =
        MapRequest::decode(BASE + PAGE_SIZE, PAGE_SIZE, PROT_READ, ANONYMOUS | MAP_FIXED_NOREPLACE, 0, 0).unwrap();
    assert_eq!(memory.place(&no_replace), Err(Errno::EEXIST));
    let next_to =
        MapRequest::decode(BASE + 2 * PAGE_SIZE, 1, PROT_READ, ANONYMOUS | MAP_FIXED_NOREPLACE, 0, 0).unwrap();
    assert_eq!(memory.place(&next_to), Ok(BASE + 2 * PAGE_SIZE), "touching is not overlapping");
    let hinted = MapRequest::decode(BASE + 8 * PAGE_SIZE, 1, PROT_READ, ANONYMOUS, 0, 0).unwrap();
    assert_eq!(memory.place(&hinted), Ok(BASE + 8 * PAGE_SIZE));
    let null = MapRequest::decode(0, 1, PROT_READ, ANONYMOUS | MAP_FIXED, 0, 0).unwrap();
    assert_eq!(memory.place(&null), Err(Errno::EPERM));
    let huge = MapRequest::decode(0, USER_SPACE_END, PROT_READ, ANONYMOUS, 0, 0).unwrap();
    assert_eq!(memory.place(&huge), Err(Errno::ENOMEM));
}

fn mapped(regions: &[(u64, u64, Protection)]) -> UserMemory {
    let mut memory = memory();
    for &(start, pages, protection) in regions {
        memory.map(start, pages * PAGE_SIZE, protection).unwrap();
    }
    memory
}

#[test]
fn mremap_shrinks_in_place() {
    let mut memory = mapped(&[(BASE, 4, Protection::READ_WRITE)]);
    assert_eq!(memory.remap(BASE, 4 * PAGE_SIZE, PAGE_SIZE + 1, 0, 0), Ok(Remapped::InPlace { address: BASE }));
    assert_eq!(
        memory.regions(),
        &[Region { start: BASE, end: BASE + 2 * PAGE_SIZE, protection: Protection::READ_WRITE }]
    );
    assert_eq!(memory.remap(BASE, 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), Ok(Remapped::InPlace { address: BASE }));
}

#[test]
fn mremap_grows_in_place_when_the_pages_after_are_free() {
    let mut memory = mapped(&[(BASE, 2, Protection::READ_WRITE), (BASE + 5 * PAGE_SIZE, 1, Protection::READ)]);
    assert_eq!(memory.remap(BASE, 2 * PAGE_SIZE, 5 * PAGE_SIZE, 0, 0), Ok(Remapped::InPlace { address: BASE }));
    assert_eq!(
        memory.regions()[0],
        Region { start: BASE, end: BASE + 5 * PAGE_SIZE, protection: Protection::READ_WRITE }
    );
    assert_eq!(memory.remap(BASE, 5 * PAGE_SIZE, 6 * PAGE_SIZE, 0, 0), Err(Errno::ENOMEM), "blocked, may not move");
}

#[test]
fn mremap_moves_when_allowed() {
    let mut memory = mapped(&[(BASE, 2, Protection::READ), (BASE + 2 * PAGE_SIZE, 1, Protection::READ_WRITE)]);
    let moved = memory.remap(BASE, 2 * PAGE_SIZE, 3 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
    let to = USER_SPACE_END - 3 * PAGE_SIZE;
    assert_eq!(moved, Ok(Remapped::Moved { from: BASE, to, moved: 2 * PAGE_SIZE }));
    assert_eq!(memory.protection_at(BASE), None, "the old range is gone");
    assert_eq!(memory.protection_at(to + 2 * PAGE_SIZE), Some(Protection::READ), "the new one keeps its permissions");
    let fixed = memory.remap(to, 3 * PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE);
    assert_eq!(fixed, Ok(Remapped::Moved { from: to, to: BASE, moved: PAGE_SIZE }));
    assert_eq!(memory.regions().len(), 2);
}

#[test]
fn mremap_refuses_what_linux_refuses() {
    let mut memory = mapped(&[(BASE, 2, Protection::READ), (BASE + 2 * PAGE_SIZE, 1, Protection::READ_WRITE)]);
    let before = memory.clone();
    let page = PAGE_SIZE;
    assert_eq!(memory.remap(BASE, page, page, 8, 0), Err(Errno::EINVAL), "unknown flag");
    assert_eq!(memory.remap(BASE, page, page, MREMAP_FIXED, BASE * 2), Err(Errno::EINVAL), "FIXED without MAYMOVE");
    assert_eq!(memory.remap(BASE, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), Err(Errno::EINVAL));
    assert_eq!(memory.remap(BASE + 1, page, page, 0, 0), Err(Errno::EINVAL), "misaligned");
    assert_eq!(memory.remap(BASE, page, 0, 0, 0), Err(Errno::EINVAL), "new size 0");
    assert_eq!(memory.remap(BASE, 0, page, MREMAP_MAYMOVE, 0), Err(Errno::EINVAL), "old size 0");
    assert_eq!(memory.remap(BASE, u64::MAX, page, 0, 0), Err(Errno::EINVAL), "rounds past 2^64");
    assert_eq!(memory.remap(BASE, 3 * page, page, 0, 0), Err(Errno::EFAULT), "spans two regions");
    assert_eq!(memory.remap(BASE + 4 * page, page, page, 0, 0), Err(Errno::EFAULT), "not mapped");
    let overlapping = memory.remap(BASE, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + page);
    assert_eq!(overlapping, Err(Errno::EINVAL));
    let misaligned = memory.remap(BASE, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, BASE * 4 + 1);
    assert_eq!(misaligned, Err(Errno::EINVAL));
    let beyond = memory.remap(BASE, page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, USER_SPACE_END - page);
    assert_eq!(beyond, Err(Errno::EINVAL), "a target past user space");
    assert_eq!(memory.remap(BASE, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, 0), Err(Errno::EPERM), "page 0");
    assert_eq!(memory, before, "no failure changed anything");
}
