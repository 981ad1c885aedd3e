//! The user address space: pointer checks, mmap/munmap/mprotect and the choice of free space.

use crate::{
    Access, DEFAULT_MAX_REGIONS, Errno, LOWEST_ADDRESS, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE,
    Protection, Region, USER_SPACE_END, UserMemory,
};

const BASE: u64 = 0x40_0000;

fn memory() -> UserMemory {
    UserMemory::new(USER_SPACE_END, DEFAULT_MAX_REGIONS)
}

fn region(start: u64, end: u64, protection: Protection) -> Region {
    Region { start, end, protection }
}

#[test]
fn protection_bits_decode_as_linux_and_keep_w_xor_x() {
    assert_eq!(Protection::from_bits(PROT_NONE), Ok(Protection::NONE));
    assert_eq!(Protection::from_bits(PROT_READ), Ok(Protection::READ));
    assert_eq!(Protection::from_bits(PROT_READ | PROT_WRITE), Ok(Protection::READ_WRITE));
    assert_eq!(Protection::from_bits(PROT_READ | PROT_EXEC), Ok(Protection::READ_EXECUTE));
    assert_eq!(Protection::from_bits(PROT_WRITE | PROT_EXEC), Err(Errno::EACCES));
    assert_eq!(Protection::from_bits(0x8), Err(Errno::EINVAL));
    assert_eq!(Protection::from_bits(0x0100_0000), Err(Errno::EINVAL), "PROT_GROWSDOWN");
}

#[test]
fn any_permission_makes_a_page_readable() {
    let write_only = Protection { read: false, write: true, execute: false };
    let execute_only = Protection { read: false, write: false, execute: true };
    assert!(write_only.allows(Access::Read) && write_only.allows(Access::Write));
    assert!(execute_only.allows(Access::Read) && !execute_only.allows(Access::Write));
    assert!(!Protection::NONE.allows(Access::Read));
    assert!(!Protection::READ.allows(Access::Write));
}

#[test]
fn check_accepts_mapped_bytes_with_the_permission() {
    let mut memory = memory();
    memory.map(BASE, 2 * PAGE_SIZE, Protection::READ_WRITE).unwrap();
    assert_eq!(memory.check(BASE, 2 * PAGE_SIZE, Access::Write), Ok(()));
    assert_eq!(memory.check(BASE + 10, 100, Access::Read), Ok(()));
    assert_eq!(memory.check(BASE + 2 * PAGE_SIZE - 1, 1, Access::Read), Ok(()));
}

#[test]
fn check_refuses_any_byte_outside() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    assert_eq!(memory.check(BASE + PAGE_SIZE - 1, 2, Access::Read), Err(Errno::EFAULT), "one byte past the end");
    assert_eq!(memory.check(BASE - 1, 2, Access::Read), Err(Errno::EFAULT), "one byte before");
    assert_eq!(memory.check(0, 8, Access::Read), Err(Errno::EFAULT), "null");
    assert_eq!(memory.check(USER_SPACE_END, 1, Access::Read), Err(Errno::EFAULT), "kernel half");
    assert_eq!(memory.check(0xffff_8000_0000_0000, 8, Access::Read), Err(Errno::EFAULT));
}

#[test]
fn check_refuses_wrap_around() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    assert_eq!(memory.check(BASE, u64::MAX, Access::Read), Err(Errno::EFAULT));
    assert_eq!(memory.check(u64::MAX, 2, Access::Read), Err(Errno::EFAULT));
    assert_eq!(memory.check(u64::MAX, 0, Access::Read), Err(Errno::EFAULT), "empty, but above user space");
}

#[test]
fn check_refuses_a_missing_permission() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + PAGE_SIZE, PAGE_SIZE, Protection::NONE).unwrap();
    assert_eq!(memory.check(BASE, 8, Access::Write), Err(Errno::EFAULT), "read-only");
    assert_eq!(memory.check(BASE + PAGE_SIZE, 8, Access::Read), Err(Errno::EFAULT), "PROT_NONE");
    assert_eq!(memory.check(BASE + PAGE_SIZE - 4, 8, Access::Read), Err(Errno::EFAULT), "spills into PROT_NONE");
}

#[test]
fn check_crosses_regions_that_touch() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + PAGE_SIZE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    memory.map(BASE + 2 * PAGE_SIZE, PAGE_SIZE, Protection::READ_EXECUTE).unwrap();
    assert_eq!(memory.regions().len(), 3);
    assert_eq!(memory.check(BASE, 3 * PAGE_SIZE, Access::Read), Ok(()));
    assert_eq!(memory.check(BASE, 3 * PAGE_SIZE, Access::Write), Err(Errno::EFAULT));
    assert_eq!(memory.check(BASE + PAGE_SIZE, PAGE_SIZE, Access::Write), Ok(()));
}

#[test]
fn an_empty_range_is_allowed_at_any_user_address() {
    let memory = memory();
    assert_eq!(memory.check(0, 0, Access::Write), Ok(()));
    assert_eq!(memory.check(BASE, 0, Access::Read), Ok(()), "unmapped");
    assert_eq!(memory.check(USER_SPACE_END, 0, Access::Read), Ok(()), "the limit itself");
    assert_eq!(memory.check(USER_SPACE_END + 1, 0, Access::Read), Err(Errno::EFAULT));
}

#[test]
fn map_refuses_misaligned_empty_and_outside_ranges() {
    let mut memory = memory();
    assert_eq!(memory.map(BASE + 1, PAGE_SIZE, Protection::READ), Err(Errno::EINVAL));
    assert_eq!(memory.map(BASE, 0, Protection::READ), Err(Errno::EINVAL));
    assert_eq!(memory.map(USER_SPACE_END - PAGE_SIZE, 2 * PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM));
    assert_eq!(memory.map(BASE, u64::MAX, Protection::READ), Err(Errno::ENOMEM), "length rounds past 2^64");
    assert_eq!(memory.map(USER_SPACE_END, PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM));
    assert_eq!(memory.map(0, PAGE_SIZE, Protection::READ), Err(Errno::EPERM), "page 0 stays unmapped");
    assert_eq!(memory.map(BASE, PAGE_SIZE, Protection { read: true, write: true, execute: true }), Err(Errno::EACCES));
    assert!(memory.regions().is_empty(), "no failure changed anything");
}

#[test]
fn map_rounds_the_length_up_to_pages() {
    let mut memory = memory();
    memory.map(BASE, 1, Protection::READ).unwrap();
    assert_eq!(memory.regions(), &[region(BASE, BASE + PAGE_SIZE, Protection::READ)]);
    memory.map(LOWEST_ADDRESS, PAGE_SIZE + 1, Protection::READ_WRITE).unwrap();
    assert_eq!(memory.regions()[0], region(LOWEST_ADDRESS, LOWEST_ADDRESS + 2 * PAGE_SIZE, Protection::READ_WRITE));
}

#[test]
fn map_fixed_replaces_what_was_there() {
    let mut memory = memory();
    memory.map(BASE, 4 * PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + PAGE_SIZE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    assert_eq!(
        memory.regions(),
        &[
            region(BASE, BASE + PAGE_SIZE, Protection::READ),
            region(BASE + PAGE_SIZE, BASE + 2 * PAGE_SIZE, Protection::READ_WRITE),
            region(BASE + 2 * PAGE_SIZE, BASE + 4 * PAGE_SIZE, Protection::READ),
        ]
    );
    // Across a hole and two regions.
    memory.map(BASE + 10 * PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + 3 * PAGE_SIZE, 8 * PAGE_SIZE, Protection::NONE).unwrap();
    assert_eq!(memory.regions()[3], region(BASE + 3 * PAGE_SIZE, BASE + 11 * PAGE_SIZE, Protection::NONE));
    assert_eq!(memory.regions().len(), 4);
}

#[test]
fn neighbours_with_equal_permissions_merge() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + 2 * PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    assert_eq!(memory.regions(), &[region(BASE, BASE + 3 * PAGE_SIZE, Protection::READ)]);
}

#[test]
fn munmap_splits_and_trims() {
    let mut memory = memory();
    memory.map(BASE, 5 * PAGE_SIZE, Protection::READ_WRITE).unwrap();
    memory.unmap(BASE + 2 * PAGE_SIZE, PAGE_SIZE).unwrap();
    assert_eq!(
        memory.regions(),
        &[
            region(BASE, BASE + 2 * PAGE_SIZE, Protection::READ_WRITE),
            region(BASE + 3 * PAGE_SIZE, BASE + 5 * PAGE_SIZE, Protection::READ_WRITE),
        ]
    );
    assert_eq!(memory.check(BASE + 2 * PAGE_SIZE, 1, Access::Read), Err(Errno::EFAULT));
    memory.unmap(BASE, PAGE_SIZE + 1).unwrap();
    assert_eq!(memory.regions()[0], region(BASE + 3 * PAGE_SIZE, BASE + 5 * PAGE_SIZE, Protection::READ_WRITE));
    memory.unmap(BASE + PAGE_SIZE, 100 * PAGE_SIZE).unwrap();
    assert!(memory.regions().is_empty());
}

#[test]
fn munmap_of_unmapped_pages_succeeds_and_bad_ranges_do_not() {
    let mut memory = memory();
    assert_eq!(memory.unmap(BASE, PAGE_SIZE), Ok(()));
    assert_eq!(memory.unmap(0, PAGE_SIZE), Ok(()), "page 0: nothing there, fine");
    assert_eq!(memory.unmap(BASE + 1, PAGE_SIZE), Err(Errno::EINVAL));
    assert_eq!(memory.unmap(BASE, 0), Err(Errno::EINVAL));
    assert_eq!(memory.unmap(USER_SPACE_END - PAGE_SIZE, 2 * PAGE_SIZE), Err(Errno::EINVAL));
    assert_eq!(memory.unmap(BASE, u64::MAX), Err(Errno::EINVAL));
}

#[test]
fn mprotect_splits_regions_at_its_ends() {
    let mut memory = memory();
    memory.map(BASE, 3 * PAGE_SIZE, Protection::READ_WRITE).unwrap();
    memory.protect(BASE + PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    assert_eq!(
        memory.regions(),
        &[
            region(BASE, BASE + PAGE_SIZE, Protection::READ_WRITE),
            region(BASE + PAGE_SIZE, BASE + 2 * PAGE_SIZE, Protection::READ),
            region(BASE + 2 * PAGE_SIZE, BASE + 3 * PAGE_SIZE, Protection::READ_WRITE),
        ]
    );
    memory.protect(BASE, 3 * PAGE_SIZE, Protection::NONE).unwrap();
    assert_eq!(memory.regions(), &[region(BASE, BASE + 3 * PAGE_SIZE, Protection::NONE)]);
}

#[test]
fn mprotect_follows_linux_on_bad_ranges() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    memory.map(BASE + 2 * PAGE_SIZE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    let before = memory.clone();
    assert_eq!(memory.protect(BASE + 1, PAGE_SIZE, Protection::READ), Err(Errno::EINVAL));
    assert_eq!(memory.protect(BASE, 0, Protection::READ), Ok(()), "length 0 is a successful no-op");
    assert_eq!(memory.protect(BASE, 3 * PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM), "a hole");
    assert_eq!(memory.protect(BASE + 5 * PAGE_SIZE, PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM));
    assert_eq!(memory.protect(BASE, u64::MAX, Protection::READ), Err(Errno::ENOMEM));
    let writable_code = Protection { read: true, write: true, execute: true };
    assert_eq!(memory.protect(BASE, PAGE_SIZE, writable_code), Err(Errno::EACCES));
    assert_eq!(memory, before, "no failure changed anything");
}

#[test]
fn find_free_takes_a_free_hint() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ).unwrap();
    assert_eq!(memory.find_free(PAGE_SIZE, BASE + PAGE_SIZE), Ok(BASE + PAGE_SIZE));
    assert_eq!(memory.find_free(PAGE_SIZE, BASE + PAGE_SIZE + 1), Ok(BASE + 2 * PAGE_SIZE), "rounded up");
}

#[test]
fn find_free_goes_top_down_past_a_bad_hint() {
    let mut memory = memory();
    let top = USER_SPACE_END - PAGE_SIZE;
    assert_eq!(memory.find_free(1, 0), Ok(top), "no hint: the highest page");
    memory.map(top, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    assert_eq!(memory.find_free(PAGE_SIZE, top), Ok(top - PAGE_SIZE), "hint taken");
    assert_eq!(memory.find_free(PAGE_SIZE, 0), Ok(top - PAGE_SIZE), "page 0 is never a hint");
    assert_eq!(memory.find_free(PAGE_SIZE, USER_SPACE_END), Ok(top - PAGE_SIZE), "a hint above user space");
    assert_eq!(memory.find_free(PAGE_SIZE, u64::MAX), Ok(top - PAGE_SIZE), "a hint that rounds past 2^64");
}

#[test]
fn find_free_fills_the_highest_gap_that_fits() {
    let mut memory = UserMemory::new(BASE + 10 * PAGE_SIZE, DEFAULT_MAX_REGIONS);
    memory.map(BASE + 9 * PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + 5 * PAGE_SIZE, 2 * PAGE_SIZE, Protection::READ).unwrap();
    // Gaps: 7..9 (2 pages), below 5.
    assert_eq!(memory.find_free(2 * PAGE_SIZE, 0), Ok(BASE + 7 * PAGE_SIZE));
    assert_eq!(memory.find_free(3 * PAGE_SIZE, 0), Ok(BASE + 2 * PAGE_SIZE));
    assert_eq!(memory.find_free(BASE + 5 * PAGE_SIZE - LOWEST_ADDRESS, 0), Ok(LOWEST_ADDRESS));
    assert_eq!(memory.find_free(BASE + 5 * PAGE_SIZE, 0), Err(Errno::ENOMEM));
    assert_eq!(memory.find_free(0, 0), Err(Errno::EINVAL));
    assert_eq!(memory.find_free(u64::MAX, 0), Err(Errno::ENOMEM));
}

#[test]
fn the_region_limit_is_enforced() {
    let mut memory = UserMemory::new(USER_SPACE_END, 2);
    memory.map(BASE, 3 * PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + 4 * PAGE_SIZE, PAGE_SIZE, Protection::READ).unwrap();
    let before = memory.clone();
    assert_eq!(memory.map(BASE + 6 * PAGE_SIZE, PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM));
    assert_eq!(memory.unmap(BASE + PAGE_SIZE, PAGE_SIZE), Err(Errno::ENOMEM), "a split needs a third");
    assert_eq!(memory.protect(BASE, PAGE_SIZE, Protection::NONE), Err(Errno::ENOMEM));
    assert_eq!(memory, before);
    assert_eq!(memory.map(BASE + 3 * PAGE_SIZE, PAGE_SIZE, Protection::READ), Ok(()), "a merge needs fewer");
    assert_eq!(memory.regions().len(), 1);
}

#[test]
fn the_limit_is_capped_and_page_aligned() {
    assert_eq!(UserMemory::new(u64::MAX, 1).limit(), USER_SPACE_END);
    assert_eq!(UserMemory::new(BASE + 5, 1).limit(), BASE);
}

#[test]
fn readable_length_stops_at_unreadable_memory() {
    let mut memory = memory();
    memory.map(BASE, PAGE_SIZE, Protection::READ).unwrap();
    memory.map(BASE + PAGE_SIZE, PAGE_SIZE, Protection::READ_WRITE).unwrap();
    memory.map(BASE + 2 * PAGE_SIZE, PAGE_SIZE, Protection::NONE).unwrap();
    assert_eq!(memory.readable_length(BASE + 100, 4096), 4096);
    assert_eq!(memory.readable_length(BASE + PAGE_SIZE + 100, 4096), PAGE_SIZE - 100, "PROT_NONE stops it");
    assert_eq!(memory.readable_length(BASE + 2 * PAGE_SIZE, 10), 0);
    assert_eq!(memory.readable_length(0, 10), 0);
    assert_eq!(memory.readable_length(BASE, u64::MAX), 2 * PAGE_SIZE, "no overflow");
    assert_eq!(memory.protection_at(BASE + PAGE_SIZE), Some(Protection::READ_WRITE));
    assert_eq!(memory.protection_at(BASE + 3 * PAGE_SIZE), None);
}

#[test]
fn a_floor_keeps_mappings_in_the_window() {
    const FLOOR: u64 = 1 << 39;
    const TOP: u64 = FLOOR + 64 * PAGE_SIZE;
    let mut memory = UserMemory::with_floor(FLOOR, TOP, DEFAULT_MAX_REGIONS);
    assert_eq!(memory.floor(), FLOOR);
    // Below the floor: refused (page 0 keeps Linux's EPERM); hints there are not taken.
    assert_eq!(memory.map(FLOOR - PAGE_SIZE, PAGE_SIZE, Protection::READ), Err(Errno::ENOMEM));
    assert_eq!(memory.map(0, PAGE_SIZE, Protection::READ), Err(Errno::EPERM));
    assert_eq!(memory.find_free(PAGE_SIZE, PAGE_SIZE), Ok(TOP - PAGE_SIZE));
    // The lowest gap ends at the floor: 64 pages fit, 65 do not.
    assert_eq!(memory.find_free(64 * PAGE_SIZE, 0), Ok(FLOOR));
    assert_eq!(memory.find_free(65 * PAGE_SIZE, 0), Err(Errno::ENOMEM));
    memory.map(FLOOR, PAGE_SIZE, Protection::READ).unwrap();
    assert_eq!(memory.find_free(63 * PAGE_SIZE, 0), Ok(FLOOR + PAGE_SIZE));
    assert_eq!(memory.find_free(64 * PAGE_SIZE, 0), Err(Errno::ENOMEM));
    // A floor that is not page-aligned rounds up; one below page 1 becomes page 1.
    assert_eq!(UserMemory::with_floor(FLOOR + 1, TOP, 8).floor(), FLOOR + PAGE_SIZE);
    assert_eq!(UserMemory::with_floor(0, TOP, 8).floor(), LOWEST_ADDRESS);
}
