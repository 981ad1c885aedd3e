//! The global-allocator adapter: turns a [`HeapAllocator`] (which deals in addresses) into
//! Rust's `GlobalAlloc` (which deals in pointers).

use core::alloc::{GlobalAlloc, Layout};
use spin::Mutex;
use stardust_api::{HeapAllocator, HeapStats, MemoryRegion};

/// A heap allocator behind a lock, usable as `#[global_allocator]`.
pub struct GlobalHeap<A> {
    allocator: Mutex<A>,
}

impl<A: HeapAllocator> GlobalHeap<A> {
    /// Wraps an allocator that has no memory yet.
    pub const fn new(allocator: A) -> Self {
        GlobalHeap { allocator: Mutex::new(allocator) }
    }

    /// Hands the heap its memory. Every region MUST be mapped, writable, and used by nothing
    /// else for as long as the kernel runs: [`crate::BootInfo::free_memory`] gives such regions.
    pub fn init(&self, regions: impl Iterator<Item = MemoryRegion>) {
        let mut allocator = self.allocator.lock();
        for region in regions {
            allocator.add_region(region);
        }
    }

    /// Current statistics.
    pub fn stats(&self) -> HeapStats {
        self.allocator.lock().stats()
    }
}

// SAFETY: `alloc` returns either null or an address the allocator's contract guarantees to be
// aligned, inside memory handed over by `init` (mapped and owned by the heap), and disjoint from
// every live block; `dealloc` passes back exactly what `alloc` returned. The lock serialises all
// access to the allocator.
unsafe impl<A: HeapAllocator> GlobalAlloc for GlobalHeap<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.allocator.lock().allocate(layout) {
            Ok(address) => address as *mut u8,
            Err(_) => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        self.allocator.lock().deallocate(pointer as u64, layout);
    }
}
