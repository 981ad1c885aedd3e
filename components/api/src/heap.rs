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

/// The largest request [`CachedHeap`] serves from its lists.
pub const CACHED_SIZE: usize = 256;
/// Cached blocks come in sizes of multiples of this many bytes, with this alignment.
const CACHE_STEP: usize = 16;
const CACHE_CLASSES: usize = CACHED_SIZE / CACHE_STEP;

/// A heap allocator with lists of freed small blocks in front of it, holding at most `BYTES`.
///
/// A request of at most [`CACHED_SIZE`] bytes, aligned to 16 or less, is served at its size
/// rounded up to a multiple of 16: from the list of freed blocks of that size when it has one,
/// otherwise from the allocator. Freeing such a block puts it on its list (its first word links
/// the list) while the lists hold less than `BYTES`, else gives it back. A list pop or push is
/// a few words' work where a general allocator searches, splits and merges: the kernel's
/// system calls allocate and free a few small blocks each (paths, replies, queue nodes), and
/// under TCG the TLSF allocator took three quarters of a `stat` call's time.
///
/// It keeps the [`HeapAllocator`] contract: a request the allocator refuses first returns every
/// cached block and is tried again (a failed request leaves the cache empty), so cached blocks
/// never make a request fail; `in_use`, `peak` and `failed` count requests as made; cached
/// blocks count as `free`, and `largest_free` is rounded down so that its rounded-up request
/// fits. It is meant for allocators that merge freed blocks (TLSF, buddy): a bump allocator
/// takes back only its newest block, which the cache keeps, and at its very end a small request
/// can fail for the 15 bytes of rounding. With `BYTES` 0 every call goes straight to the
/// allocator.
pub struct CachedHeap<A, M, const BYTES: usize> {
    allocator: A,
    memory: M,
    /// The first free block of each size (`(class + 1) * 16` bytes), 0 for none.
    heads: [u64; CACHE_CLASSES],
    /// Bytes in all the lists.
    cached: u64,
    in_use: u64,
    peak: u64,
    failed: u64,
}

impl<A: HeapAllocator, M: HeapMemory, const BYTES: usize> CachedHeap<A, M, BYTES> {
    /// `allocator`, and the window on its memory the lists' links are written through.
    pub const fn new(allocator: A, memory: M) -> Self {
        CachedHeap { allocator, memory, heads: [0; CACHE_CLASSES], cached: 0, in_use: 0, peak: 0, failed: 0 }
    }

    /// The list that serves `layout`, if one does.
    fn class_of(layout: Layout) -> Option<usize> {
        (BYTES > 0 && layout.align() <= CACHE_STEP && layout.size() <= CACHED_SIZE)
            .then(|| layout.size().max(1).div_ceil(CACHE_STEP) - 1)
    }

    /// The size in which the allocator gives out the blocks of list `class`.
    fn class_layout(class: usize) -> Layout {
        Layout::from_size_align((class + 1) * CACHE_STEP, CACHE_STEP).unwrap_or(Layout::new::<u128>())
    }

    fn pop(&mut self, class: usize) -> Option<u64> {
        let block = self.heads[class];
        if block == 0 {
            return None;
        }
        self.heads[class] = self.memory.read(block);
        self.cached -= ((class + 1) * CACHE_STEP) as u64;
        Some(block)
    }

    /// The allocator behind the cache.
    pub fn allocator(&self) -> &A {
        &self.allocator
    }

    /// Gives every cached block back to the allocator.
    pub fn flush(&mut self) {
        for class in 0..CACHE_CLASSES {
            while let Some(block) = self.pop(class) {
                self.allocator.deallocate(block, Self::class_layout(class));
            }
        }
    }

    fn count(&mut self, freed: usize, taken: usize) {
        self.in_use = self.in_use - freed as u64 + taken as u64;
        self.peak = self.peak.max(self.in_use);
    }
}

impl<A: HeapAllocator, M: HeapMemory, const BYTES: usize> HeapAllocator for CachedHeap<A, M, BYTES> {
    fn init(&mut self, regions: &[MemoryRegion]) {
        self.allocator.init(regions);
    }

    fn allocate(&mut self, layout: Layout) -> Result<u64, AllocationError> {
        if BYTES == 0 {
            return self.allocator.allocate(layout);
        }
        let class = Self::class_of(layout);
        if let Some(block) = class.and_then(|class| self.pop(class)) {
            self.count(0, layout.size());
            return Ok(block);
        }
        let request = class.map_or(layout, Self::class_layout);
        let outcome = self.allocator.allocate(request).or_else(|error| {
            if self.cached == 0 {
                return Err(error);
            }
            self.flush();
            self.allocator.allocate(request)
        });
        match outcome {
            Ok(_) => self.count(0, layout.size()),
            Err(_) => self.failed += 1,
        }
        outcome
    }

    fn deallocate(&mut self, address: u64, layout: Layout) {
        if BYTES == 0 {
            return self.allocator.deallocate(address, layout);
        }
        self.count(layout.size(), 0);
        match Self::class_of(layout) {
            Some(class) if self.cached + ((class + 1) * CACHE_STEP) as u64 <= BYTES as u64 => {
                self.memory.write(address, self.heads[class]);
                self.heads[class] = address;
                self.cached += ((class + 1) * CACHE_STEP) as u64;
            }
            Some(class) => self.allocator.deallocate(address, Self::class_layout(class)),
            None => self.allocator.deallocate(address, layout),
        }
    }

    fn resize_in_place(&mut self, address: u64, layout: Layout, new_size: usize) -> bool {
        if BYTES == 0 {
            return self.allocator.resize_in_place(address, layout, new_size);
        }
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else { return false };
        let resized = match (Self::class_of(layout), Self::class_of(new_layout)) {
            // The block already has the list's size.
            (Some(old), Some(new)) => old == new,
            // A block of a list's size keeps that layout: it moves.
            (None, None) => self.allocator.resize_in_place(address, layout, new_size),
            _ => false,
        };
        if resized {
            self.count(layout.size(), new_size);
        }
        resized
    }

    fn stats(&self) -> HeapStats {
        let inner = self.allocator.stats();
        if BYTES == 0 {
            return inner;
        }
        HeapStats {
            in_use: self.in_use,
            peak: self.peak,
            free: (inner.free + self.cached).min(inner.total),
            // A request up to it rounded up to the next 16 bytes must still fit.
            largest_free: if inner.largest_free <= CACHED_SIZE as u64 {
                inner.largest_free / CACHE_STEP as u64 * CACHE_STEP as u64
            } else {
                inner.largest_free
            },
            failed: self.failed,
            total: inner.total,
        }
    }
}
