//! The `Hal` that virtio-drivers needs: DMA memory from the heap (identity-mapped, so physical
//! and virtual addresses are the same) and device registers mapped uncached.

use core::alloc::Layout;
use core::ptr::NonNull;
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

const PAGE: usize = 4096;

/// DMA and device memory for virtio-drivers: physical and virtual addresses are the same.
pub struct KernelHal;

// SAFETY: `dma_alloc` returns zeroed, page-aligned heap memory that nothing else uses until
// `dma_dealloc` frees it, and its physical address (the identity map) is what a device must be
// given; `mmio_phys_to_virt` returns a pointer only to registers it has mapped (the hal's
// `map_device` said so: otherwise it stops the VM rather than return one); `share` hands out the
// buffer's own (identity) address, valid while the caller keeps the buffer.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let layout = Layout::from_size_align(pages.max(1) * PAGE, PAGE).unwrap_or(Layout::new::<u8>());
        // SAFETY: the layout's size is not zero.
        let pointer = unsafe { alloc::alloc::alloc_zeroed(layout) };
        match NonNull::new(pointer) {
            Some(pointer) => (pointer.as_ptr() as PhysAddr, pointer),
            None => alloc::alloc::handle_alloc_error(layout),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        let Ok(layout) = Layout::from_size_align(pages.max(1) * PAGE, PAGE) else { return -1 };
        // SAFETY: the driver frees what `dma_alloc` gave it, with the same page count.
        unsafe { alloc::alloc::dealloc(vaddr.as_ptr(), layout) };
        0
    }

    /// Maps `size` bytes of device registers at `paddr` and returns their (identity) address.
    ///
    /// This trait method cannot fail, and the driver writes through what it returns. PCI
    /// discovery (`pci::check_bars`) refuses every device with a BAR the hal cannot map, so the
    /// mapping here succeeds; if it ever does not, that check has a bug, and the VM stops with a
    /// panic (exit 101) that names the range and the reason, instead of handing out a pointer to
    /// unmapped memory that would fault later, somewhere less clear, or reach RAM.
    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        if let Err(reason) = hal::interrupts::without(|| hal::paging::map_device(paddr, size as u64)) {
            panic!(
                "virtio: registers at {paddr:#x} ({size:#x} bytes) {reason}; discovery should have refused the device"
            );
        }
        // A mapped range starts at `hal::paging::RAM_LIMIT` or above, never at address 0.
        NonNull::new(paddr as *mut u8).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr() as *mut u8 as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}
