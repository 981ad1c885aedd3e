//! A bump allocator for Stardust's heap slot: the smallest allocator there is.
//!
//! Each region keeps a cursor that moves up on every allocation. Freeing the most recent block
//! of a region moves its cursor back (so a LIFO pattern reuses memory); any other free only
//! updates the statistics. It is not a general-purpose allocator: long-running apps that free
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
}

impl HeapAllocator for BumpAllocator {
    fn add_region(&mut self, region: MemoryRegion) {
        if region.is_empty() || self.count == MAX_REGIONS {
            return;
        }
        self.arenas[self.count] = Arena { next: region.start, end: region.end };
        self.count += 1;
        self.stats.total += region.len();
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
                self.stats.in_use += size;
                self.stats.peak = self.stats.peak.max(self.stats.in_use);
                self.refresh_free();
                return Ok(start);
            }
        }
        self.stats.failed += 1;
        Err(AllocationError::OutOfMemory)
    }

    fn deallocate(&mut self, address: u64, layout: Layout) {
        let size = layout.size() as u64;
        self.stats.in_use = self.stats.in_use.saturating_sub(size);
        if let Some(arena) = self.arenas[..self.count].iter_mut().find(|a| a.next == address + size) {
            arena.next = address;
            self.refresh_free();
        }
    }

    fn stats(&self) -> HeapStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    fn heap(regions: &[(u64, u64)]) -> BumpAllocator {
        let mut heap = BumpAllocator::new();
        for &(start, end) in regions {
            heap.add_region(MemoryRegion { start, end });
        }
        heap
    }

    #[test]
    fn allocations_are_aligned_disjoint_and_inside_a_region() {
        let mut heap = heap(&[(0x1001, 0x2000), (0x10000, 0x20000)]);
        let mut blocks: Vec<(u64, u64)> = Vec::new();
        for (size, align) in [(1, 1), (3, 8), (100, 64), (4096, 4096), (7, 2), (0x8000, 16)] {
            let address = heap.allocate(layout(size, align)).unwrap();
            assert_eq!(address % align as u64, 0);
            let end = address + size as u64;
            assert!((0x1001..=0x2000).contains(&end) && address >= 0x1001 || address >= 0x10000 && end <= 0x20000);
            assert!(blocks.iter().all(|&(s, e)| end <= s || address >= e));
            blocks.push((address, end));
        }
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
    fn extra_regions_are_ignored_not_lost_track_of() {
        let mut heap = BumpAllocator::new();
        for index in 0..(MAX_REGIONS as u64 + 3) {
            heap.add_region(MemoryRegion { start: index * 0x1000, end: index * 0x1000 + 0x800 });
        }
        assert_eq!(heap.stats().total, MAX_REGIONS as u64 * 0x800);
    }
}
