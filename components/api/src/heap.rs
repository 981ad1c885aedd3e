//! The heap allocator slot.
//!
//! An implementation manages *addresses*: it never reads or writes the memory it hands out, so
//! it can be written without `unsafe` and tested on the host with made-up address ranges. The
//! kernel's global-allocator adapter turns addresses into pointers.

use crate::memory::MemoryRegion;
use core::alloc::Layout;

/// Why an allocation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationError {
    /// No free block can hold the request (size and alignment); the heap is unchanged.
    OutOfMemory,
}

/// Heap statistics, in bytes unless named otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes in live allocations (as requested, before any rounding by the allocator).
    pub in_use: u64,
    /// The highest `in_use` ever seen.
    pub peak: u64,
    /// Bytes the allocator could still hand out (ignoring fragmentation).
    pub free: u64,
    /// The largest single request (with alignment 1) that could succeed now.
    pub largest_free: u64,
    /// Number of requests that returned `OutOfMemory`.
    pub failed: u64,
    /// Total bytes of the regions given to the allocator.
    pub total: u64,
}

/// A heap allocator: the contract every `alloc-*` crate implements.
///
/// - `add_region` hands the allocator a range of free memory. Regions MUST NOT overlap each
///   other; an implementation MAY ignore a region too small to be useful (it is then not counted
///   in `total`).
/// - `allocate` MUST return an address aligned to `layout.align()` such that
///   `[address, address + layout.size())` lies inside one added region and overlaps no other live
///   allocation; on failure it MUST return `OutOfMemory`, count it in `failed`, and change nothing
///   else. `layout.size()` is never 0.
/// - `deallocate` takes an address and layout that `allocate` returned and that were not freed
///   since. An implementation MAY keep the memory (a bump allocator does) but MUST keep the
///   statistics true.
/// - `stats` MUST be cheap (no walk over the heap) and consistent: `in_use <= peak`,
///   `largest_free <= free <= total`.
pub trait HeapAllocator {
    /// Adds free memory to the heap.
    fn add_region(&mut self, region: MemoryRegion);
    /// Allocates a block for `layout`; returns its address.
    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError>;
    /// Returns a block to the heap.
    fn deallocate(&mut self, address: u64, layout: Layout);
    /// Current statistics.
    fn stats(&self) -> HeapStats;
}
