//! The heap, as apps see it: statistics, and the out-of-memory report.
//!
//! Fallible paths (`Vec::try_reserve`, `Box::try_new` and friends) get an error and go on; an
//! infallible allocation that fails ends the app with a report and exit code 103.

use core::alloc::Layout;
use core::fmt::Write;
pub use stardust_api::HeapStats;

/// What the runtime needs of the heap, whatever allocator fills the slot.
pub(crate) trait HeapStatus: Sync {
    fn stats(&self) -> HeapStats;
    fn last_failure(&self) -> Option<Layout>;
}

impl<A: stardust_api::HeapAllocator, const CACHE: usize> HeapStatus for hal::heap::GlobalHeap<A, CACHE>
where
    hal::heap::GlobalHeap<A, CACHE>: Sync,
{
    fn stats(&self) -> HeapStats {
        hal::heap::GlobalHeap::stats(self)
    }

    fn last_failure(&self) -> Option<Layout> {
        hal::heap::GlobalHeap::last_failure(self)
    }
}

static HEAP: spin::Once<&'static dyn HeapStatus> = spin::Once::new();

pub(crate) fn register(heap: &'static dyn HeapStatus) {
    HEAP.call_once(|| heap);
}

/// The heap's statistics now: bytes in use, peak, free, largest free block, failed requests.
pub fn stats() -> HeapStats {
    HEAP.get().map(|heap| heap.stats()).unwrap_or_default()
}

/// If the panic being handled is Rust's reaction to a failed infallible allocation, prints the
/// out-of-memory report and returns true.
pub(crate) fn report_out_of_memory(info: &core::panic::PanicInfo<'_>) -> bool {
    // `handle_alloc_error` panics from the alloc crate's alloc.rs; a failed request was recorded.
    let from_alloc = info.location().is_some_and(|location| location.file().ends_with("alloc/src/alloc.rs"));
    let Some(layout) = HEAP.get().and_then(|heap| heap.last_failure()).filter(|_| from_alloc) else {
        return false;
    };
    let stats = stats();
    // Without the console's lock, like every crash report: the allocation may have failed
    // while it was held.
    let mut out = &hal::serial::SERIAL;
    let _ = writeln!(
        out,
        "\nstardust: out of memory: an allocation of {} bytes (align {}) failed",
        layout.size(),
        layout.align()
    );
    let _ = writeln!(
        out,
        "stardust: heap: {} bytes total, {} in use, {} peak, {} free, largest free block {}, {} failed requests",
        stats.total, stats.in_use, stats.peak, stats.free, stats.largest_free, stats.failed
    );
    true
}
