//! A bump allocator for Stardust's heap slot: the smallest allocator there is.
//!
//! Each region keeps a cursor that moves up on every allocation. Freeing (or shrinking) the
//! most recent block of a region moves its cursor back, so a LIFO pattern reuses memory; any
//! other free only updates the statistics. It is not a general-purpose allocator: apps that free
//! and allocate in a loop want `alloc-buddy` or `alloc-tlsf`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::alloc::Layout;
use stardust_api::{AllocationError, HeapAllocator, HeapStats, MemoryRegion};

/// How many separate regions the allocator tracks. The PVH memory map of a QEMU, Firecracker or
/// cloud-hypervisor guest has two or three RAM ranges; more are ignored (and not counted).
pub const MAX_REGIONS: usize = 8;

#[derive(Clone, Copy)]
struct Arena {
    next: u64,
    end: u64,
}

/// The bump allocator. `const`-constructible so it can sit in a `static`.
pub struct BumpAllocator {
    arenas: [Arena; MAX_REGIONS],
    count: usize,
    stats: HeapStats,
}

impl Default for BumpAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl BumpAllocator {
    /// An allocator with no memory yet.
    pub const fn new() -> Self {
        BumpAllocator {
            arenas: [Arena { next: 0, end: 0 }; MAX_REGIONS],
            count: 0,
            stats: HeapStats { in_use: 0, peak: 0, free: 0, largest_free: 0, failed: 0, total: 0 },
        }
    }

    fn refresh_free(&mut self) {
        let arenas = &self.arenas[..self.count];
        self.stats.free = arenas.iter().map(|a| a.end - a.next).sum();
        self.stats.largest_free = arenas.iter().map(|a| a.end - a.next).max().unwrap_or(0);
    }

    /// The arena whose newest block ends at `end`.
    fn arena_ending_at(&mut self, end: u64) -> Option<&mut Arena> {
        self.arenas[..self.count].iter_mut().find(|a| a.next == end)
    }

    fn count_use(&mut self, old: u64, new: u64) {
        self.stats.in_use = self.stats.in_use.saturating_sub(old) + new;
        self.stats.peak = self.stats.peak.max(self.stats.in_use);
        self.refresh_free();
    }
}

impl HeapAllocator for BumpAllocator {
    fn init(&mut self, regions: &[MemoryRegion]) {
        for region in regions.iter().filter(|r| !r.is_empty()).take(MAX_REGIONS) {
            self.arenas[self.count] = Arena { next: region.start, end: region.end };
            self.count += 1;
            self.stats.total += region.len();
        }
        self.refresh_free();
    }

    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError> {
        let size = layout.size() as u64;
        let align = layout.align() as u64;
        for arena in &mut self.arenas[..self.count] {
            let Some(start) = arena.next.checked_next_multiple_of(align) else { continue };
            let Some(end) = start.checked_add(size) else { continue };
            if end <= arena.end {
                arena.next = end;
                self.count_use(0, size);
                return Ok(start);
            }
        }
        self.stats.failed += 1;
        Err(AllocationError::OutOfMemory)
    }

    fn deallocate(&mut self, address: u64, layout: Layout) {
        let size = layout.size() as u64;
        if let Some(arena) = self.arena_ending_at(address + size) {
            arena.next = address;
        }
        self.count_use(size, 0);
    }

    fn resize_in_place(&mut self, address: u64, layout: Layout, new_size: usize) -> bool {
        let (old, new) = (layout.size() as u64, new_size as u64);
        match self.arena_ending_at(address + old) {
            Some(arena) if address + new <= arena.end => arena.next = address + new,
            Some(_) => return false,
            None if new > old => return false,
            None => {} // shrinking a block in the middle: the tail stays unused
        }
        self.count_use(old, new);
        true
    }

    fn stats(&self) -> HeapStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use stardust_api::fakes::{self, layout};

    fn heap(regions: &[(u64, u64)]) -> BumpAllocator {
        let regions: Vec<MemoryRegion> = regions.iter().map(|&(start, end)| MemoryRegion { start, end }).collect();
        let mut heap = BumpAllocator::new();
        heap.init(&regions);
        heap
    }

    #[test]
    fn out_of_memory_changes_nothing_but_the_count() {
        let mut heap = heap(&[(0x1000, 0x2000)]);
        heap.allocate(layout(0x800, 1)).unwrap();
        let before = heap.stats();
        assert_eq!(heap.allocate(layout(0x801, 1)), Err(AllocationError::OutOfMemory));
        assert_eq!(heap.allocate(layout(1, 1 << 20)), Err(AllocationError::OutOfMemory));
        let after = heap.stats();
        assert_eq!(after.failed, 2);
        assert_eq!(HeapStats { failed: 0, ..after }, before);
    }

    #[test]
    fn freeing_the_newest_block_reuses_it_and_stats_stay_true() {
        let mut heap = heap(&[(0x1000, 0x2000)]);
        let a = heap.allocate(layout(0x100, 8)).unwrap();
        let b = heap.allocate(layout(0x200, 8)).unwrap();
        assert_eq!(heap.stats().in_use, 0x300);
        heap.deallocate(b, layout(0x200, 8));
        assert_eq!(heap.allocate(layout(0x200, 8)).unwrap(), b);
        heap.deallocate(a, layout(0x100, 8));
        let stats = heap.stats();
        assert_eq!((stats.in_use, stats.peak, stats.total), (0x200, 0x300, 0x1000));
        assert_eq!(stats.free, 0x1000 - 0x300);
        assert_eq!(stats.largest_free, stats.free);
    }

    #[test]
    fn the_newest_block_grows_in_place_older_ones_do_not() {
        let mut heap = heap(&[(0x1000, 0x2000)]);
        let a = heap.allocate(layout(0x100, 8)).unwrap();
        let b = heap.allocate(layout(0x100, 8)).unwrap();
        assert!(!heap.resize_in_place(a, layout(0x100, 8), 0x200));
        assert!(heap.resize_in_place(a, layout(0x100, 8), 0x80));
        assert!(heap.resize_in_place(b, layout(0x100, 8), 0x800));
        assert!(!heap.resize_in_place(b, layout(0x800, 8), 0x1000));
        assert_eq!(heap.stats().in_use, 0x880);
    }

    #[test]
    fn extra_regions_are_ignored_not_lost_track_of() {
        let regions: Vec<(u64, u64)> = (0..MAX_REGIONS as u64 + 3).map(|i| (i * 0x1000, i * 0x1000 + 0x800)).collect();
        assert_eq!(heap(&regions).stats().total, MAX_REGIONS as u64 * 0x800);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn random_sequences_keep_the_contract(operations in fakes::operations(200)) {
            let regions = [MemoryRegion { start: 0x1000, end: 0x9f000 }, MemoryRegion { start: 0x10_0000, end: 0x40_0000 }];
            let (mut heap, mut memory) = fakes::heap_over(&regions, |_| BumpAllocator::new());
            fakes::check(&mut heap, &mut memory, &regions, &operations);
        }

        #[test]
        fn random_sequences_keep_the_contract_behind_the_cache(operations in fakes::operations(200)) {
            let regions = [MemoryRegion { start: 0x1000, end: 0x9f000 }, MemoryRegion { start: 0x10_0000, end: 0x40_0000 }];
            let (mut heap, mut memory) = fakes::heap_over(&regions, |memory| {
                stardust_api::CachedHeap::<_, _, 4096>::new(BumpAllocator::new(), memory)
            });
            fakes::check(&mut heap, &mut memory, &regions, &operations);
        }
    }
}
