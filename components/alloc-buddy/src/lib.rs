//! A binary buddy allocator for Stardust's heap slot.
//!
//! Memory is cut into naturally aligned power-of-two blocks (16 bytes to 64 GiB). Allocation
//! rounds a request up to a power of two (at least its alignment, so alignment is free), takes
//! the smallest free block that fits and splits it; freeing merges a block with its buddy (the
//! other half of its parent) for as long as the buddy is free. Every operation is O(orders).
//!
//! Bookkeeping lives in the heap itself, through [`HeapMemory`]: each free block holds its free
//! list links and its order in its first two words, and a bitmap (one bit per 16-byte granule,
//! 1/128 of the heap, taken from the largest region) says which addresses start a free block,
//! so a buddy's header is read only when it really is a free block. Waste: up to half a block
//! per allocation (rounding), which is the price of O(1)-per-order coalescing.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::alloc::Layout;
use stardust_api::{AllocationError, HeapAllocator, HeapMemory, HeapStats, MemoryRegion};

/// The smallest block: 16 bytes, room for the two link words of a free block.
pub const MIN_ORDER: u32 = 4;
/// The largest block: 64 GiB.
pub const MAX_ORDER: u32 = 36;
const ORDERS: usize = (MAX_ORDER - MIN_ORDER + 1) as usize;
const GRANULE: u64 = 1 << MIN_ORDER;
/// End of a free list.
const NIL: u64 = 0;
/// Free-block header, word 1: the previous block's address in the low bits, the order on top.
const ORDER_SHIFT: u32 = 56;
const ADDRESS_MASK: u64 = (1 << ORDER_SHIFT) - 1;

/// The buddy allocator over heap memory `M`.
pub struct BuddyAllocator<M> {
    memory: M,
    heads: [u64; ORDERS],
    bitmap: u64,
    span_start: u64,
    span_end: u64,
    stats: HeapStats,
}

impl<M: HeapMemory> BuddyAllocator<M> {
    /// An allocator with no memory yet, that will keep its bookkeeping in `memory`.
    pub const fn new(memory: M) -> Self {
        BuddyAllocator {
            memory,
            heads: [NIL; ORDERS],
            bitmap: 0,
            span_start: 0,
            span_end: 0,
            stats: HeapStats { in_use: 0, peak: 0, free: 0, largest_free: 0, failed: 0, total: 0 },
        }
    }

    fn bit(&self, address: u64) -> Option<(u64, u64)> {
        if address < self.span_start || address >= self.span_end {
            return None;
        }
        let granule = (address - self.span_start) / GRANULE;
        Some((self.bitmap + granule / 64 * 8, 1 << (granule % 64)))
    }

    fn set_free_bit(&mut self, address: u64, free: bool) {
        if let Some((word, mask)) = self.bit(address) {
            let value = self.memory.read(word);
            self.memory.write(word, if free { value | mask } else { value & !mask });
        }
    }

    fn is_free_block(&self, address: u64, order: u32) -> bool {
        match self.bit(address) {
            Some((word, mask)) => {
                self.memory.read(word) & mask != 0 && self.memory.read(address + 8) >> ORDER_SHIFT == u64::from(order)
            }
            None => false,
        }
    }

    fn push(&mut self, address: u64, order: u32) {
        let index = (order - MIN_ORDER) as usize;
        let head = self.heads[index];
        self.memory.write(address, head);
        self.memory.write(address + 8, NIL | u64::from(order) << ORDER_SHIFT);
        if head != NIL {
            let tagged = self.memory.read(head + 8) & !ADDRESS_MASK;
            self.memory.write(head + 8, tagged | address);
        }
        self.heads[index] = address;
        self.set_free_bit(address, true);
        self.stats.free += 1 << order;
    }

    fn remove(&mut self, address: u64, order: u32) {
        let next = self.memory.read(address);
        let previous = self.memory.read(address + 8) & ADDRESS_MASK;
        if previous == NIL {
            self.heads[(order - MIN_ORDER) as usize] = next;
        } else {
            self.memory.write(previous, next);
        }
        if next != NIL {
            let tagged = self.memory.read(next + 8) & !ADDRESS_MASK;
            self.memory.write(next + 8, tagged | previous);
        }
        self.set_free_bit(address, false);
        self.stats.free -= 1 << order;
    }

    /// Frees `[start, end)` as the largest aligned blocks that tile it.
    fn add_range(&mut self, mut start: u64, end: u64) {
        while end - start >= GRANULE {
            let fits = 63 - (end - start).leading_zeros();
            let order = start.trailing_zeros().min(fits).min(MAX_ORDER);
            self.push(start, order);
            start += 1 << order;
        }
    }

    fn order_of(layout: Layout) -> Option<u32> {
        let size = layout.size().max(layout.align()).max(GRANULE as usize);
        let order = size.checked_next_power_of_two()?.trailing_zeros();
        (order <= MAX_ORDER).then_some(order)
    }

    fn count_use(&mut self, old: u64, new: u64) {
        self.stats.in_use = self.stats.in_use - old + new;
        self.stats.peak = self.stats.peak.max(self.stats.in_use);
    }
}

impl<M: HeapMemory> HeapAllocator for BuddyAllocator<M> {
    fn init(&mut self, regions: &[MemoryRegion]) {
        let aligned = |r: &MemoryRegion| (r.start.next_multiple_of(GRANULE), r.end / GRANULE * GRANULE);
        let usable = || regions.iter().map(aligned).filter(|(start, end)| end > start);
        let (Some(span_start), Some(span_end)) = (usable().map(|r| r.0).min(), usable().map(|r| r.1).max()) else {
            return;
        };
        let bitmap_bytes = ((span_end - span_start) / GRANULE).div_ceil(64) * 8;
        let Some(home) = usable().filter(|(s, e)| e - s > bitmap_bytes).max_by_key(|(s, e)| e - s) else {
            return; // no region can hold the bitmap: an empty heap
        };
        self.span_start = span_start;
        self.span_end = span_end;
        self.bitmap = home.0;
        for word in (self.bitmap..self.bitmap + bitmap_bytes).step_by(8) {
            self.memory.write(word, 0);
        }
        for (start, end) in usable() {
            let start = if start == home.0 { (start + bitmap_bytes).next_multiple_of(GRANULE) } else { start };
            if end > start {
                self.stats.total += end - start;
                self.add_range(start, end);
            }
        }
    }

    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError> {
        let found = Self::order_of(layout).and_then(|order| {
            let start = (order - MIN_ORDER) as usize;
            let index = (start..ORDERS).find(|&index| self.heads[index] != NIL)?;
            Some((order, index as u32 + MIN_ORDER))
        });
        let Some((order, mut available)) = found else {
            self.stats.failed += 1;
            return Err(AllocationError::OutOfMemory);
        };
        let address = self.heads[(available - MIN_ORDER) as usize];
        self.remove(address, available);
        while available > order {
            available -= 1;
            self.push(address + (1 << available), available);
        }
        self.count_use(0, layout.size() as u64);
        Ok(address)
    }

    fn deallocate(&mut self, address: u64, layout: Layout) {
        let Some(mut order) = Self::order_of(layout) else { return };
        let mut address = address;
        while order < MAX_ORDER {
            let buddy = address ^ (1 << order);
            if !self.is_free_block(buddy, order) {
                break;
            }
            self.remove(buddy, order);
            address = address.min(buddy);
            order += 1;
        }
        self.push(address, order);
        self.count_use(layout.size() as u64, 0);
    }

    fn resize_in_place(&mut self, address: u64, layout: Layout, new_size: usize) -> bool {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else { return false };
        let (Some(old), Some(new)) = (Self::order_of(layout), Self::order_of(new_layout)) else { return false };
        if new > old {
            return false;
        }
        // Shrinking by whole orders hands the upper halves back; their buddies are still in use.
        for order in (new..old).rev() {
            self.push(address + (1 << order), order);
        }
        self.count_use(layout.size() as u64, new_size as u64);
        true
    }

    fn stats(&self) -> HeapStats {
        let largest_free =
            self.heads.iter().rposition(|&head| head != NIL).map_or(0, |index| 1 << (index as u32 + MIN_ORDER));
        HeapStats { largest_free, ..self.stats }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use stardust_api::fakes::{self, SharedMemory, layout};

    const REGIONS: [MemoryRegion; 2] = fakes::SAMPLE_REGIONS;

    fn heap(regions: &[MemoryRegion]) -> (BuddyAllocator<SharedMemory>, SharedMemory) {
        fakes::heap_over(regions, BuddyAllocator::new)
    }

    #[test]
    fn blocks_are_powers_of_two_aligned_to_their_size() {
        let (mut heap, _) = heap(&REGIONS);
        for size in [1, 17, 100, 4096, 5000, 1 << 20] {
            let address = heap.allocate(layout(size, 1)).unwrap();
            let block = size.next_power_of_two().max(16) as u64;
            assert_eq!(address % block, 0, "size {size}");
        }
    }

    #[test]
    fn freeing_everything_makes_the_heap_whole_again() {
        let (mut heap, _) = heap(&REGIONS);
        let fresh = heap.stats();
        let blocks: Vec<(u64, Layout)> = (0..200)
            .map(|i| layout(1 + i * 37 % 9000, 1 << (i % 12)))
            .map(|l| (heap.allocate(l).unwrap(), l))
            .collect();
        for (address, layout) in blocks.into_iter().rev() {
            heap.deallocate(address, layout);
        }
        assert_eq!(heap.stats().free, fresh.free);
        assert_eq!(heap.stats().largest_free, fresh.largest_free);
    }

    #[test]
    fn a_request_larger_than_the_heap_fails_cleanly() {
        let (mut heap, _) = heap(&REGIONS);
        let before = heap.stats();
        assert_eq!(heap.allocate(layout(16 << 20, 1)), Err(AllocationError::OutOfMemory));
        assert_eq!(heap.allocate(layout(usize::MAX / 2, 1)), Err(AllocationError::OutOfMemory));
        assert_eq!(heap.stats(), HeapStats { failed: 2, ..before });
    }

    #[test]
    fn a_heap_too_small_for_its_bitmap_is_empty_not_broken() {
        let (mut heap, _) = heap(&[MemoryRegion { start: 0x1000, end: 0x1010 }]);
        assert_eq!(heap.stats().total, 0);
        assert!(heap.allocate(layout(1, 1)).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn random_sequences_keep_the_contract(operations in fakes::operations(300)) {
            fakes::check_whole_again(BuddyAllocator::new, &operations);
        }

        #[test]
        fn random_sequences_keep_the_contract_behind_the_cache(operations in fakes::operations(300)) {
            fakes::check_cached_whole_again::<_, 4096>(BuddyAllocator::new, &operations);
        }
    }
}
