//! A TLSF (two-level segregated fit) allocator for Stardust's heap slot.
//!
//! Free blocks sit in lists indexed by two levels: the first by the power of two of their size,
//! the second by 16 equal steps within it. Two bitmaps say which lists are non-empty, so
//! finding a block big enough is a couple of bit scans, and allocate, free and coalescing are
//! constant time whatever the heap's size or state. A request is rounded up to the next list
//! boundary, so any block of the chosen list fits (good fit, bounded internal waste of 1/16).
//!
//! Every block carries a 16-byte header in the heap (reached through [`HeapMemory`]): the
//! address of the previous block in memory (valid while that one is free) and its own size with
//! two flags (free, previous free). Free blocks also hold their list links. Each region ends in
//! a 16-byte sentinel header that stops merging at its end.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::alloc::Layout;
use stardust_api::{AllocationError, HeapAllocator, HeapMemory, HeapStats, MemoryRegion};

/// Block sizes and payload addresses are multiples of this.
pub const GRANULE: u64 = 16;
const HEADER: u64 = 16;
/// A free block needs its header and two links.
const MIN_BLOCK: u64 = 32;
const SECOND_LEVEL_LOG2: u32 = 4;
const SECOND_LEVELS: usize = 1 << SECOND_LEVEL_LOG2;
/// Sizes below this map linearly onto the first list row.
const SMALL_LOG2: u32 = SECOND_LEVEL_LOG2 + GRANULE.trailing_zeros();
const FIRST_LEVELS: usize = 32;
const FREE: u64 = 1;
const PREVIOUS_FREE: u64 = 2;
const FLAGS: u64 = GRANULE - 1;
const NIL: u64 = 0;

/// The TLSF allocator over heap memory `M`.
pub struct TlsfAllocator<M> {
    memory: M,
    first_bitmap: u32,
    second_bitmaps: [u16; FIRST_LEVELS],
    heads: [[u64; SECOND_LEVELS]; FIRST_LEVELS],
    stats: HeapStats,
}

/// The list for a block of `size` bytes.
fn list_of(size: u64) -> Option<(usize, usize)> {
    if size < 1 << SMALL_LOG2 {
        return Some((0, (size / GRANULE) as usize));
    }
    let log2 = 63 - size.leading_zeros();
    let first = (log2 - SMALL_LOG2 + 1) as usize;
    let second = ((size >> (log2 - SECOND_LEVEL_LOG2)) as usize) & (SECOND_LEVELS - 1);
    (first < FIRST_LEVELS).then_some((first, second))
}

/// The smallest block size of list `(first, second)`: the inverse of [`list_of`] at its lower
/// bound.
fn list_base(first: usize, second: usize) -> u64 {
    if first == 0 {
        return second as u64 * GRANULE;
    }
    let log2 = first as u32 + SMALL_LOG2 - 1;
    (1 << log2) + ((second as u64) << (log2 - SECOND_LEVEL_LOG2))
}

/// The first list whose every block holds `size` bytes.
fn list_at_least(size: u64) -> Option<(usize, usize)> {
    if size < 1 << SMALL_LOG2 {
        return list_of(size.next_multiple_of(GRANULE));
    }
    let log2 = 63 - size.leading_zeros();
    list_of(size.checked_add((1 << (log2 - SECOND_LEVEL_LOG2)) - 1)?)
}

impl<M: HeapMemory> TlsfAllocator<M> {
    /// An allocator with no memory yet, that will keep its bookkeeping in `memory`.
    pub const fn new(memory: M) -> Self {
        TlsfAllocator {
            memory,
            first_bitmap: 0,
            second_bitmaps: [0; FIRST_LEVELS],
            heads: [[NIL; SECOND_LEVELS]; FIRST_LEVELS],
            stats: HeapStats { in_use: 0, peak: 0, free: 0, largest_free: 0, failed: 0, total: 0 },
        }
    }

    fn size_of(&self, block: u64) -> u64 {
        self.memory.read(block + 8) & !FLAGS
    }

    fn flags_of(&self, block: u64) -> u64 {
        self.memory.read(block + 8) & FLAGS
    }

    fn set_header(&mut self, block: u64, size: u64, flags: u64) {
        self.memory.write(block + 8, size | flags);
    }

    /// Tells the block after `block` (in memory) whether `block` is free, and where it starts.
    fn tell_next(&mut self, block: u64, free: bool) {
        let next = block + self.size_of(block);
        let header = self.memory.read(next + 8);
        if free {
            self.memory.write(next, block);
            self.memory.write(next + 8, header | PREVIOUS_FREE);
        } else if header & PREVIOUS_FREE != 0 {
            self.memory.write(next + 8, header & !PREVIOUS_FREE);
        }
    }

    fn insert(&mut self, block: u64, size: u64) {
        let Some((first, second)) = list_of(size) else { return };
        let head = self.heads[first][second];
        self.memory.write(block + 16, head);
        self.memory.write(block + 24, NIL);
        if head != NIL {
            self.memory.write(head + 24, block);
        }
        self.heads[first][second] = block;
        self.second_bitmaps[first] |= 1 << second;
        self.first_bitmap |= 1 << first;
        self.stats.free += size;
    }

    fn remove(&mut self, block: u64, size: u64) {
        let Some((first, second)) = list_of(size) else { return };
        let next = self.memory.read(block + 16);
        let previous = self.memory.read(block + 24);
        if previous == NIL {
            self.heads[first][second] = next;
            if next == NIL {
                self.second_bitmaps[first] &= !(1 << second);
                if self.second_bitmaps[first] == 0 {
                    self.first_bitmap &= !(1 << first);
                }
            }
        } else {
            self.memory.write(previous + 16, next);
        }
        if next != NIL {
            self.memory.write(next + 24, previous);
        }
        self.stats.free -= size;
    }

    /// A free block from the first non-empty list at or after `(first, second)`.
    fn find(&self, (first, second): (usize, usize)) -> Option<u64> {
        let seconds = u32::from(self.second_bitmaps[first]) & (u32::MAX << second);
        let (first, seconds) = if seconds != 0 {
            (first, seconds)
        } else {
            let firsts =
                self.first_bitmap.checked_shl(first as u32 + 1).map(|_| self.first_bitmap & (u32::MAX << (first + 1)));
            let first = firsts.filter(|&bits| bits != 0)?.trailing_zeros() as usize;
            (first, u32::from(self.second_bitmaps[first]))
        };
        Some(self.heads[first][seconds.trailing_zeros() as usize])
    }

    /// Cuts `block` (not in a list) to `size` bytes if the rest can be a free block of its
    /// own, and frees the rest, merging it with a free block after it.
    fn trim(&mut self, block: u64, size: u64) {
        let total = self.size_of(block);
        if total - size < MIN_BLOCK {
            return;
        }
        let flags = self.flags_of(block);
        self.set_header(block, size, flags);
        let rest = block + size;
        self.set_header(rest, total - size, FREE);
        self.merge_with_next(rest);
        self.tell_next(rest, true);
        let rest_size = self.size_of(rest);
        self.insert(rest, rest_size);
    }

    /// Absorbs the block after `block` into it if that one is free (removing it from its list).
    fn merge_with_next(&mut self, block: u64) {
        let header = self.memory.read(block + 8);
        let next = block + (header & !FLAGS);
        let next_header = self.memory.read(next + 8);
        if next_header & FREE != 0 {
            let next_size = next_header & !FLAGS;
            self.remove(next, next_size);
            self.memory.write(block + 8, header + next_size);
        }
    }

    /// The largest request (alignment 16 or less) that would succeed now: `allocate` only takes
    /// blocks from lists whose every block fits, so it is the smallest size of the highest
    /// non-empty list, less the header. (A bigger block in that list cannot serve a bigger
    /// request: such a request maps to the next list.)
    fn largest_free(&self) -> u64 {
        let Some(first) = self.first_bitmap.checked_ilog2() else { return 0 };
        let second = u32::from(self.second_bitmaps[first as usize]).ilog2();
        list_base(first as usize, second as usize).saturating_sub(HEADER)
    }

    fn count_use(&mut self, old: u64, new: u64) {
        self.stats.in_use = self.stats.in_use - old + new;
        self.stats.peak = self.stats.peak.max(self.stats.in_use);
    }

    fn block_size_for(size: usize) -> Option<u64> {
        (size as u64).max(GRANULE).checked_next_multiple_of(GRANULE)?.checked_add(HEADER)
    }
}

impl<M: HeapMemory> HeapAllocator for TlsfAllocator<M> {
    fn init(&mut self, regions: &[MemoryRegion]) {
        for region in regions {
            let start = region.start.next_multiple_of(GRANULE);
            let end = region.end / GRANULE * GRANULE;
            if end < start + MIN_BLOCK + HEADER {
                continue;
            }
            let sentinel = end - HEADER;
            let size = (sentinel - start).min(1 << (FIRST_LEVELS as u32 + SMALL_LOG2 - 1));
            let sentinel = start + size;
            self.set_header(start, size, FREE);
            self.set_header(sentinel, 0, PREVIOUS_FREE);
            self.memory.write(sentinel, start);
            self.stats.total += size;
            self.insert(start, size);
        }
    }

    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError> {
        let align = layout.align() as u64;
        let needed = Self::block_size_for(layout.size());
        let search = needed.and_then(|n| if align <= GRANULE { Some(n) } else { n.checked_add(align + MIN_BLOCK) });
        let Some((needed, mut block)) =
            search.and_then(list_at_least).and_then(|list| Some((needed?, self.find(list)?)))
        else {
            self.stats.failed += 1;
            return Err(AllocationError::OutOfMemory);
        };
        let mut size = self.size_of(block);
        self.remove(block, size);
        if align > GRANULE {
            let mut payload = (block + HEADER).next_multiple_of(align);
            if payload - HEADER - block != 0 && payload - HEADER - block < MIN_BLOCK {
                payload += align;
            }
            let lead = payload - HEADER - block;
            if lead > 0 {
                // The leading part stays a free block; its flags (previous free) are unchanged
                // and it cannot have a free neighbour before it (free blocks never touch).
                let flags = self.flags_of(block);
                self.set_header(block, lead, flags);
                self.insert(block, lead);
                block += lead;
                size -= lead;
                self.set_header(block, size, FREE | PREVIOUS_FREE);
                self.memory.write(block, block - lead);
            }
        }
        let flags = self.flags_of(block) & PREVIOUS_FREE;
        self.set_header(block, size, flags);
        self.trim(block, needed);
        self.tell_next(block, false);
        self.count_use(0, layout.size() as u64);
        Ok(block + HEADER)
    }

    fn deallocate(&mut self, address: u64, layout: Layout) {
        let mut block = address - HEADER;
        let flags = self.flags_of(block) & PREVIOUS_FREE;
        let size = self.size_of(block);
        self.set_header(block, size, flags | FREE);
        self.merge_with_next(block);
        if flags & PREVIOUS_FREE != 0 {
            let previous = self.memory.read(block);
            let previous_size = self.size_of(previous);
            self.remove(previous, previous_size);
            let merged = previous_size + self.size_of(block);
            let previous_flags = self.flags_of(previous);
            self.set_header(previous, merged, previous_flags | FREE);
            block = previous;
        }
        self.tell_next(block, true);
        let size = self.size_of(block);
        self.insert(block, size);
        self.count_use(layout.size() as u64, 0);
    }

    fn resize_in_place(&mut self, address: u64, layout: Layout, new_size: usize) -> bool {
        let block = address - HEADER;
        let Some(needed) = Self::block_size_for(new_size) else { return false };
        let size = self.size_of(block);
        if needed > size {
            let next = block + size;
            if self.flags_of(next) & FREE == 0 || size + self.size_of(next) < needed {
                return false;
            }
            self.merge_with_next(block);
        }
        self.trim(block, needed);
        self.tell_next(block, false);
        self.count_use(layout.size() as u64, new_size as u64);
        true
    }

    fn stats(&self) -> HeapStats {
        HeapStats { largest_free: self.largest_free(), ..self.stats }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use stardust_api::fakes::{self, SharedMemory, layout};

    const REGIONS: [MemoryRegion; 2] = fakes::SAMPLE_REGIONS;

    fn heap(regions: &[MemoryRegion]) -> (TlsfAllocator<SharedMemory>, SharedMemory) {
        fakes::heap_over(regions, TlsfAllocator::new)
    }

    #[test]
    fn lists_cover_sizes_without_gaps() {
        let mut previous = (0, 0);
        for size in (0..1 << 20).step_by(16) {
            let list = list_of(size).unwrap();
            assert!(list >= previous, "size {size}");
            previous = list;
            let at_least = list_at_least(size).unwrap();
            assert!(at_least >= list);
        }
        assert_eq!(list_of(256), Some((1, 0)));
        assert_eq!(list_of(255), Some((0, 15)));
        assert_eq!(list_at_least(257), Some((1, 1)));
        assert_eq!(list_at_least(u64::MAX), None);
    }

    #[test]
    fn a_fresh_heap_is_one_block_per_region() {
        let (mut heap, _) = heap(&REGIONS);
        let region = REGIONS[1].len() - 2 * HEADER;
        let largest = heap.stats().largest_free;
        // Within 1/16 of the whole region (the list granularity), and exactly servable.
        assert!(largest <= region && largest >= region - region / 16, "{largest} of {region}");
        assert!(heap.allocate(layout(largest as usize, 16)).is_ok());
        assert_eq!(heap.stats().total, REGIONS.iter().map(|r| r.len() - HEADER).sum::<u64>());
    }

    #[test]
    fn list_bases_invert_list_of() {
        for size in (16..1u64 << 24).step_by(4093).map(|s| s / 16 * 16) {
            let (first, second) = list_of(size).unwrap();
            let base = list_base(first, second);
            assert!(base <= size, "size {size}");
            assert_eq!(list_of(base), Some((first, second)), "size {size}");
        }
    }

    #[test]
    fn freeing_in_any_order_makes_the_heap_whole_again() {
        let (mut heap, _) = heap(&REGIONS);
        let fresh = heap.stats();
        let mut blocks: Vec<(u64, Layout)> = (0..300)
            .map(|i| layout(1 + i * 53 % 7000, 1 << (i % 13)))
            .map(|l| (heap.allocate(l).unwrap(), l))
            .collect();
        // Free every other block first, then the rest: exercises both merge directions.
        let odd: Vec<_> = blocks.iter().copied().skip(1).step_by(2).collect();
        blocks = blocks.into_iter().step_by(2).collect();
        for (address, layout) in odd.into_iter().chain(blocks) {
            heap.deallocate(address, layout);
        }
        assert_eq!(heap.stats().free, fresh.free);
        assert_eq!(heap.stats().largest_free, fresh.largest_free);
    }

    #[test]
    fn out_of_memory_changes_nothing_but_the_count() {
        let (mut heap, _) = heap(&REGIONS);
        let before = heap.stats();
        assert!(heap.allocate(layout(8 << 20, 1)).is_err());
        assert!(heap.allocate(layout(isize::MAX as usize - 64, 1)).is_err());
        assert!(heap.allocate(layout(16, 1 << 40)).is_err());
        assert_eq!(heap.stats(), HeapStats { failed: 3, ..before });
    }

    /// The kernel's heap: TLSF behind a cache of small freed blocks.
    fn cached<const BYTES: usize>() -> stardust_api::CachedHeap<TlsfAllocator<SharedMemory>, SharedMemory, BYTES> {
        let memory = SharedMemory::new(&REGIONS);
        let mut heap = stardust_api::CachedHeap::new(TlsfAllocator::new(memory.clone()), memory);
        heap.init(&REGIONS);
        heap
    }

    #[test]
    fn the_cache_gives_a_freed_small_block_to_the_next_request_of_its_size() {
        let mut heap = cached::<4096>();
        let first = heap.allocate(layout(100, 8)).unwrap();
        heap.deallocate(first, layout(100, 8));
        assert_eq!(heap.stats().in_use, 0);
        assert_eq!(heap.allocate(layout(112, 16)).unwrap(), first, "97..=112 bytes share a list");
        assert_eq!(heap.stats().in_use, 112, "requests are counted as made");
        assert!(heap.resize_in_place(first, layout(112, 16), 97), "within the list's size");
        assert!(!heap.resize_in_place(first, layout(97, 16), 300), "out of the cache's sizes: moved");
        let large = heap.allocate(layout(300, 8)).unwrap();
        heap.deallocate(large, layout(300, 8));
        let small = heap.allocate(layout(16, 8)).unwrap();
        heap.deallocate(small, layout(16, 8));
        let aligned = heap.allocate(layout(16, 32)).unwrap();
        assert_eq!(aligned % 32, 0);
        assert_eq!(heap.allocate(layout(16, 8)).unwrap(), small, "alignment above 16 left the cached block");
    }

    #[test]
    fn the_cache_holds_at_most_its_bytes() {
        let mut heap = cached::<256>();
        let blocks: Vec<u64> = (0..4).map(|_| heap.allocate(layout(128, 16)).unwrap()).collect();
        let before = heap.allocator().stats().free;
        for &block in &blocks {
            heap.deallocate(block, layout(128, 16));
        }
        let returned = heap.allocator().stats().free - before;
        assert!(returned >= 2 * 128, "two blocks went back to the allocator, {returned} bytes did");
        assert_eq!(heap.stats().in_use, 0);
    }

    #[test]
    fn a_full_cache_is_given_back_before_a_request_fails() {
        let mut heap = cached::<{ 1 << 30 }>();
        let fresh = heap.stats();
        let mut blocks = Vec::new();
        while let Ok(block) = heap.allocate(layout(256, 16)) {
            blocks.push(block);
        }
        assert_eq!(heap.stats().failed, 1);
        for &block in &blocks {
            heap.deallocate(block, layout(256, 16));
        }
        assert!(heap.allocator().stats().largest_free < 256, "every block sits in the cache");
        let big = layout((fresh.largest_free / 2) as usize, 16);
        assert!(heap.allocate(big).is_ok(), "the cache went back to the allocator first");
        assert_eq!(heap.stats().failed, 1, "the request that succeeded after the flush is no failure");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn random_sequences_keep_the_contract(operations in fakes::operations(300)) {
            fakes::check_whole_again(TlsfAllocator::new, &operations);
        }

        #[test]
        fn random_sequences_keep_the_contract_behind_the_cache(operations in fakes::operations(300)) {
            fakes::check_cached_whole_again::<_, 4096>(TlsfAllocator::new, &operations);
            fakes::check_cached_whole_again::<_, { 1 << 30 }>(TlsfAllocator::new, &operations);
        }
    }
}
