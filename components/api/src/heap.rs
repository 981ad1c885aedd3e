//! The heap allocator slot.
//!
//! An implementation manages *addresses*. Allocators that keep bookkeeping inside free memory
//! (free lists, block headers) reach that memory through [`HeapMemory`], a word-sized window
//! the kernel provides; so allocators need no `unsafe`, and on the host they run over a
//! `Vec`-backed fake (feature `fakes`) that catches any access outside the heap.

use crate::memory::MemoryRegion;
use core::alloc::Layout;

/// Why an allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationError {
    /// No free block can hold the request (size and alignment); the heap is unchanged except
    /// for the `failed` count.
    OutOfMemory,
}

/// Heap statistics, in bytes unless named otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes in live allocations (as requested, before any rounding by the allocator).
    pub in_use: u64,
    /// The highest `in_use` ever seen.
    pub peak: u64,
    /// Bytes the allocator could still hand out, summed over free blocks (ignoring
    /// fragmentation, including per-block overhead the allocator would use).
    pub free: u64,
    /// The largest single request (alignment 16 or less) that would succeed now.
    pub largest_free: u64,
    /// Number of requests that returned `OutOfMemory`.
    pub failed: u64,
    /// Bytes of the regions the allocator manages (less what its own bookkeeping takes).
    pub total: u64,
}

/// Word access to the heap's memory, for allocators that store bookkeeping in free blocks.
///
/// The allocator MUST only touch words inside the regions it was given and outside every live
/// allocation; addresses are 8-byte aligned. An implementation MAY panic on an access outside
/// the heap (that is an allocator bug, never input-driven).
pub trait HeapMemory {
    /// The word at `address`.
    fn read(&self, address: u64) -> u64;
    /// Stores `value` at `address`.
    fn write(&mut self, address: u64, value: u64);
}

/// For allocators that keep all their bookkeeping outside the heap: no memory access at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMemory;

impl HeapMemory for NoMemory {
    fn read(&self, _address: u64) -> u64 {
        0
    }

    fn write(&mut self, _address: u64, _value: u64) {}
}

/// A heap allocator: the contract every `alloc-*` crate implements.
///
/// - `init` is called once, before any other method, with every free region (sorted by address,
///   not overlapping). An implementation MAY leave out regions too small to be useful and MAY
///   keep part of the memory for its own bookkeeping; `total` says what it manages.
/// - `allocate` MUST return an address aligned to `layout.align()` such that
///   `[address, address + layout.size())` lies inside one region and overlaps no other live
///   allocation and no bookkeeping the allocator still needs. On failure it MUST return
///   `OutOfMemory`, count it in `failed`, and change nothing else. `layout.size()` is never 0.
/// - `deallocate` takes an address and the layout `allocate` (or a successful
///   `resize_in_place`) gave it, not freed since. An implementation MAY keep the memory (a bump
///   allocator does) but MUST keep the statistics true.
/// - `resize_in_place` changes a live block's size to `new_size` without moving it, if it can;
///   it returns false (changing nothing) otherwise, and the caller then moves the block itself.
///   Bytes up to `min(old, new)` size MUST be preserved.
/// - `stats` SHOULD be cheap (no walk over the whole heap) and MUST be consistent:
///   `in_use <= peak`, `largest_free <= free <= total`.
pub trait HeapAllocator {
    /// Hands the allocator its memory. Called once.
    fn init(&mut self, regions: &[MemoryRegion]);
    /// Allocates a block for `layout`; returns its address.
    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError>;
    /// Returns a block to the heap.
    fn deallocate(&mut self, address: u64, layout: Layout);
    /// Grows or shrinks a live block in place; false if it cannot.
    fn resize_in_place(&mut self, address: u64, layout: Layout, new_size: usize) -> bool;
    /// Current statistics.
    fn stats(&self) -> HeapStats;
}
