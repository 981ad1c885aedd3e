//! The heap's kernel side: the global-allocator adapter, which turns a [`HeapAllocator`]
//! (dealing in addresses) into Rust's `GlobalAlloc` (dealing in pointers), and [`HeapWords`],
//! the window through which allocators keep their bookkeeping inside free memory.

use crate::boot::ImageLayout;
use core::alloc::{GlobalAlloc, Layout};
use spin::Mutex;
use stardust_api::{CachedHeap, HeapAllocator, HeapMemory, HeapStats, MemoryRegion};

/// The most regions the heap is given (the memory map rarely has more than three RAM ranges).
const MAX_REGIONS: usize = 16;

/// A heap allocator behind a lock, usable as `#[global_allocator]`, with up to `CACHE` bytes of
/// freed small blocks kept for reuse in front of it ([`CachedHeap`]; 0 for none).
///
/// The lock is only ever taken with interrupts off: on one CPU no thread can then be preempted
/// while holding it, so allocating and freeing are safe anywhere (in a timer interrupt, with
/// interrupts off, under any scheduler) and never spin on a holder that cannot run.
pub struct GlobalHeap<A, const CACHE: usize = 0> {
    allocator: Mutex<CachedHeap<A, HeapWords, CACHE>>,
    last_failure: Mutex<Option<Layout>>,
}

impl<A: HeapAllocator, const CACHE: usize> GlobalHeap<A, CACHE> {
    /// Wraps an allocator that has no memory yet.
    pub const fn new(allocator: A) -> Self {
        GlobalHeap { allocator: Mutex::new(CachedHeap::new(allocator, HeapWords)), last_failure: Mutex::new(None) }
    }

    /// Hands the heap its memory, once. Every region MUST be mapped, writable, and used by
    /// nothing else for as long as the kernel runs: [`crate::BootInfo::free_memory`] gives such
    /// regions.
    pub fn init(&self, regions: impl Iterator<Item = MemoryRegion>) {
        let mut list = [MemoryRegion::EMPTY; MAX_REGIONS];
        let mut count = 0;
        for region in regions.take(MAX_REGIONS) {
            list[count] = region;
            count += 1;
        }
        crate::interrupts::without(|| self.allocator.lock().init(&list[..count]));
    }

    /// Current statistics.
    pub fn stats(&self) -> HeapStats {
        crate::interrupts::without(|| self.allocator.lock().stats())
    }

    /// The request that failed most recently, if any did.
    pub fn last_failure(&self) -> Option<Layout> {
        crate::interrupts::without(|| *self.last_failure.lock())
    }
}

// SAFETY: `alloc` returns either null or an address the allocator's contract guarantees to be
// aligned, inside memory handed over by `init` (mapped and owned by the heap), and disjoint from
// every live block; `dealloc` and `realloc` pass back exactly what `alloc` returned. The lock
// serialises all access to the allocator.
unsafe impl<A: HeapAllocator, const CACHE: usize> GlobalAlloc for GlobalHeap<A, CACHE> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        crate::interrupts::without(|| match self.allocator.lock().allocate(layout) {
            Ok(address) => address as *mut u8,
            Err(_) => {
                *self.last_failure.lock() = Some(layout);
                core::ptr::null_mut()
            }
        })
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        crate::interrupts::without(|| self.allocator.lock().deallocate(pointer as u64, layout));
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if crate::interrupts::without(|| self.allocator.lock().resize_in_place(pointer as u64, layout, new_size)) {
            return pointer;
        }
        // SAFETY: the caller guarantees `layout.align()` with `new_size` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: `new_layout` has a non-zero size (GlobalAlloc's contract for realloc).
        let new_pointer = unsafe { self.alloc(new_layout) };
        if !new_pointer.is_null() {
            // SAFETY: both blocks are live, distinct (the old one is not freed yet) and at least
            // `min(old, new)` bytes long.
            unsafe {
                core::ptr::copy_nonoverlapping(pointer, new_pointer, layout.size().min(new_size));
                self.dealloc(pointer, layout);
            }
        }
        new_pointer
    }
}

/// The heap's memory, a word at a time, for allocators that keep bookkeeping in free blocks.
///
/// Every access is checked to lie in RAM and outside the kernel image (code, data, page tables,
/// boot stack): an allocator bug panics instead of corrupting the kernel.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeapWords;

impl HeapWords {
    fn check(address: u64) {
        let image = ImageLayout::get();
        let outside_image = address + 8 <= image.start || address >= image.end;
        let in_ram = address >= 4096 && address + 8 <= crate::paging::RAM_LIMIT;
        if !address.is_multiple_of(8) || !outside_image || !in_ram {
            panic!("heap allocator bug: it touched {address:#x}, outside the heap");
        }
    }
}

impl HeapMemory for HeapWords {
    fn read(&self, address: u64) -> u64 {
        Self::check(address);
        // SAFETY: `check` confines the access to aligned RAM outside the image, which the kernel
        // gave to the heap; the allocator's contract keeps it outside live allocations.
        unsafe { (address as *const u64).read() }
    }

    fn write(&mut self, address: u64, value: u64) {
        Self::check(address);
        // SAFETY: as for `read`.
        unsafe { (address as *mut u64).write(value) }
    }
}
