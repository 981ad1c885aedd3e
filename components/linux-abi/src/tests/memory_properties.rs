//! Property tests of the address space against a page-by-page reference model: random sequences
//! of map, unmap and mprotect (aligned or not, inside or past the limit, with a small region
//! limit so that some fail), after each of which the regions, every pointer check (wrap-around
//! included), the readable lengths and the free-space choice agree with the model.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;

use crate::{Access, Errno, LOWEST_ADDRESS, PAGE_SIZE, Protection, UserMemory};

/// The model's address space: 64 pages, small enough that operations collide often.
const PAGES: u64 = 64;
const LIMIT: u64 = PAGES * PAGE_SIZE;

/// Each mapped page and its permissions.
#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    pages: BTreeMap<u64, Protection>,
}

impl Model {
    /// The pages `address..address + length` touches, if the range is inside the limit.
    fn page_range(address: u64, length: u64) -> Option<std::ops::Range<u64>> {
        let end = address.checked_add(length)?.checked_add(PAGE_SIZE - 1)? / PAGE_SIZE * PAGE_SIZE;
        (end <= LIMIT).then_some(address / PAGE_SIZE..end / PAGE_SIZE)
    }

    /// How many regions (maximal runs of touching pages with equal permissions) the pages make.
    fn region_count(&self) -> usize {
        let mut count = 0;
        let mut previous: Option<(u64, Protection)> = None;
        for (&page, &protection) in &self.pages {
            if previous != Some((page.wrapping_sub(1), protection)) {
                count += 1;
            }
            previous = Some((page, protection));
        }
        count
    }

    /// Applies `change` to a copy and keeps it only if it has at most `max_regions` regions.
    fn commit(&mut self, max_regions: usize, change: impl FnOnce(&mut Model)) -> Result<(), Errno> {
        let mut next = self.clone();
        change(&mut next);
        if next.region_count() > max_regions {
            return Err(Errno::ENOMEM);
        }
        *self = next;
        Ok(())
    }

    fn map(&mut self, address: u64, length: u64, protection: Protection, max_regions: usize) -> Result<(), Errno> {
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        if !address.is_multiple_of(PAGE_SIZE) || length == 0 {
            return Err(Errno::EINVAL);
        }
        let pages = Model::page_range(address, length).ok_or(Errno::ENOMEM)?;
        if address < LOWEST_ADDRESS {
            return Err(Errno::EPERM);
        }
        self.commit(max_regions, |model| {
            for page in pages {
                model.pages.insert(page, protection);
            }
        })
    }

    fn unmap(&mut self, address: u64, length: u64, max_regions: usize) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_SIZE) || length == 0 {
            return Err(Errno::EINVAL);
        }
        let pages = Model::page_range(address, length).ok_or(Errno::EINVAL)?;
        self.commit(max_regions, |model| {
            for page in pages {
                model.pages.remove(&page);
            }
        })
    }

    fn protect(&mut self, address: u64, length: u64, protection: Protection, max_regions: usize) -> Result<(), Errno> {
        if !address.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if length == 0 {
            return Ok(());
        }
        if protection.write && protection.execute {
            return Err(Errno::EACCES);
        }
        let pages = Model::page_range(address, length).ok_or(Errno::ENOMEM)?;
        if pages.clone().any(|page| !self.pages.contains_key(&page)) {
            return Err(Errno::ENOMEM);
        }
        self.commit(max_regions, |model| {
            for page in pages {
                model.pages.insert(page, protection);
            }
        })
    }

    fn check(&self, address: u64, length: u64, access: Access) -> Result<(), Errno> {
        let end = address.checked_add(length).ok_or(Errno::EFAULT)?;
        if end > LIMIT {
            return Err(Errno::EFAULT);
        }
        let allowed = (address / PAGE_SIZE..end.div_ceil(PAGE_SIZE))
            .all(|page| self.pages.get(&page).is_some_and(|protection| protection.allows(access)));
        if length == 0 || allowed { Ok(()) } else { Err(Errno::EFAULT) }
    }

    fn readable_length(&self, address: u64, maximum: u64) -> u64 {
        let mut length = 0;
        while length < maximum {
            let byte = address.saturating_add(length);
            if byte >= LIMIT || !self.pages.get(&(byte / PAGE_SIZE)).is_some_and(|protection| protection.readable()) {
                break;
            }
            length = (length + PAGE_SIZE - byte % PAGE_SIZE).min(maximum);
        }
        length
    }

    fn find_free(&self, length: u64, hint: u64) -> Result<u64, Errno> {
        if length == 0 {
            return Err(Errno::EINVAL);
        }
        let pages = length.div_ceil(PAGE_SIZE);
        let free = |first: u64| (first..first + pages).all(|page| page < PAGES && !self.pages.contains_key(&page));
        let hint_page = hint.div_ceil(PAGE_SIZE);
        if (1..PAGES).contains(&hint_page) && free(hint_page) {
            return Ok(hint_page * PAGE_SIZE);
        }
        (1..PAGES).rev().find(|&first| free(first)).map(|first| first * PAGE_SIZE).ok_or(Errno::ENOMEM)
    }
}

#[derive(Debug, Clone)]
enum Operation {
    Map { address: u64, length: u64, protection: Protection },
    Unmap { address: u64, length: u64 },
    Protect { address: u64, length: u64, protection: Protection },
}

fn protection() -> impl Strategy<Value = Protection> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(read, write, execute)| Protection { read, write, execute })
}

/// Mostly page-aligned addresses in and just past the model's space, sometimes misaligned or
/// wild.
fn address() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (0..PAGES + 4).prop_map(|page| page * PAGE_SIZE),
        1 => 0..LIMIT + 4 * PAGE_SIZE,
        1 => any::<u64>(),
    ]
}

/// Mostly a few pages, sometimes a few bytes, zero, or wild.
fn length() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => (1..12u64).prop_map(|pages| pages * PAGE_SIZE),
        2 => 0..3 * PAGE_SIZE,
        1 => any::<u64>(),
    ]
}

fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (address(), length(), protection()).prop_map(|(address, length, protection)| Operation::Map {
            address,
            length,
            protection
        }),
        (address(), length()).prop_map(|(address, length)| Operation::Unmap { address, length }),
        (address(), length(), protection()).prop_map(|(address, length, protection)| Operation::Protect {
            address,
            length,
            protection
        }),
    ]
}

/// The regions keep their invariants and cover exactly the model's pages.
fn assert_same(memory: &UserMemory, model: &Model, max_regions: usize) -> Result<(), TestCaseError> {
    let regions = memory.regions();
    prop_assert!(regions.len() <= max_regions);
    let mut pages = BTreeMap::new();
    for (index, region) in regions.iter().enumerate() {
        prop_assert!(region.start % PAGE_SIZE == 0 && region.end % PAGE_SIZE == 0 && region.start < region.end);
        prop_assert!(region.start >= LOWEST_ADDRESS && region.end <= LIMIT);
        prop_assert!(!(region.protection.write && region.protection.execute));
        if let Some(next) = regions.get(index + 1) {
            prop_assert!(region.end <= next.start, "sorted, apart");
            prop_assert!(region.end < next.start || region.protection != next.protection, "merged");
        }
        for page in region.start / PAGE_SIZE..region.end / PAGE_SIZE {
            pages.insert(page, region.protection);
        }
    }
    prop_assert_eq!(&pages, &model.pages);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn operations_agree_with_the_page_model(
        operations in proptest::collection::vec(operation(), 1..40),
        max_regions in 1usize..12,
        probes in proptest::collection::vec((address(), length(), any::<bool>()), 24),
        wrapping in proptest::collection::vec((0..2 * PAGE_SIZE, any::<u64>()), 4),
    ) {
        let mut memory = UserMemory::new(LIMIT, max_regions);
        let mut model = Model::default();
        for operation in operations {
            let before = memory.clone();
            let (result, expected) = match operation {
                Operation::Map { address, length, protection } => (
                    memory.map(address, length, protection),
                    model.map(address, length, protection, max_regions),
                ),
                Operation::Unmap { address, length } => {
                    (memory.unmap(address, length), model.unmap(address, length, max_regions))
                }
                Operation::Protect { address, length, protection } => (
                    memory.protect(address, length, protection),
                    model.protect(address, length, protection, max_regions),
                ),
            };
            prop_assert_eq!(result, expected, "{:?}", operation);
            if result.is_err() {
                prop_assert_eq!(&memory, &before, "a failed operation changed nothing");
            }
            assert_same(&memory, &model, max_regions)?;

            // Checks at random places, and ranges that wrap past 2^64.
            let wrapped = wrapping.iter().map(|&(below_top, length)| (u64::MAX - below_top, length, true));
            for (address, length, write) in probes.iter().copied().chain(wrapped) {
                let access = if write { Access::Write } else { Access::Read };
                prop_assert_eq!(
                    memory.check(address, length, access),
                    model.check(address, length, access),
                    "check({:#x}, {:#x}, {:?})", address, length, access
                );
                let maximum = length % (3 * PAGE_SIZE);
                prop_assert_eq!(memory.readable_length(address, maximum), model.readable_length(address, maximum));
            }
            for &(hint, length, _) in probes.iter().take(4) {
                prop_assert_eq!(memory.find_free(length, hint), model.find_free(length, hint), "find_free({:#x}, {:#x})", length, hint);
            }
        }
    }
}

/// A whole mmap or an mremap with arbitrary registers.
#[derive(Debug, Clone)]
enum Request {
    Mmap { address: u64, length: u64, prot: u64, flags: u64 },
    Mremap { old: u64, old_size: u64, new_size: u64, flags: u64, new_address: u64, pick: Option<Index> },
}

fn request() -> impl Strategy<Value = Request> {
    let prot = prop_oneof![0..8u64, any::<u64>()];
    let flags = prop_oneof![
        4 => (0..4u64, any::<bool>(), any::<bool>()).prop_map(|(kind, fixed, anonymous)| {
            kind | if fixed { crate::MAP_FIXED } else { 0 } | if anonymous { crate::MAP_ANONYMOUS } else { 0 }
        }),
        1 => any::<u64>(),
    ];
    prop_oneof![
        (address(), length(), prot, flags).prop_map(|(address, length, prot, flags)| Request::Mmap {
            address,
            length,
            prot,
            flags
        }),
        (
            address(),
            length(),
            length(),
            prop_oneof![4 => 0..4u64, 1 => any::<u64>()],
            address(),
            proptest::option::weighted(0.8, any::<Index>())
        )
            .prop_map(|(old, old_size, new_size, flags, new_address, pick)| Request::Mremap {
                old,
                old_size,
                new_size,
                flags,
                new_address,
                pick
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// mmap and mremap with arbitrary registers never panic, keep the regions' invariants, put
    /// what they return inside user space with the permissions asked for, and change nothing
    /// when they fail.
    #[test]
    fn mmap_and_mremap_keep_the_invariants(
        requests in proptest::collection::vec(request(), 1..40),
        max_regions in 1usize..12,
    ) {
        let mut memory = UserMemory::new(LIMIT, max_regions);
        let mut model = Model::default();
        for request in requests {
            let before = memory.clone();
            match request {
                Request::Mmap { address, length, prot, flags } => {
                    let placed = crate::MapRequest::decode(address, length, prot, flags, 3, 0)
                        .and_then(|decoded| memory.place(&decoded).map(|start| (start, decoded)));
                    if let Ok((start, decoded)) = placed {
                        prop_assert!(start >= LOWEST_ADDRESS && start + decoded.length <= LIMIT);
                        prop_assert_eq!(memory.protection_at(start), Some(decoded.protection));
                        prop_assert_eq!(memory.protection_at(start + decoded.length - 1), Some(decoded.protection));
                    }
                    if placed.is_err() {
                        prop_assert_eq!(&memory, &before);
                    }
                }
                Request::Mremap { old, old_size, new_size, flags, new_address, pick } => {
                    // Mostly a range inside an existing region, so that remaps succeed often.
                    let (old, old_size) = match pick {
                        Some(pick) if !memory.regions().is_empty() => {
                            let region = memory.regions()[pick.index(memory.regions().len())];
                            (region.start, old_size.min(region.end - region.start))
                        }
                        _ => (old, old_size),
                    };
                    let protection = memory.protection_at(old);
                    match memory.remap(old, old_size, new_size, flags, new_address) {
                        Ok(crate::Remapped::InPlace { address }) => {
                            prop_assert_eq!(address, old);
                            prop_assert_eq!(memory.protection_at(address), protection);
                        }
                        Ok(crate::Remapped::Moved { from, to, moved }) => {
                            prop_assert_eq!(from, old);
                            prop_assert!(moved > 0 && moved.is_multiple_of(PAGE_SIZE));
                            prop_assert_eq!(memory.protection_at(to), protection);
                            prop_assert_eq!(memory.protection_at(from), None);
                        }
                        Err(_) => prop_assert_eq!(&memory, &before),
                    }
                }
            }
            // Rebuild the model from the regions so that assert_same checks only the invariants.
            model.pages.clear();
            for region in memory.regions() {
                for page in region.start / PAGE_SIZE..region.end / PAGE_SIZE {
                    model.pages.insert(page, region.protection);
                }
            }
            assert_same(&memory, &model, max_regions)?;
        }
    }
}
