//! Virtio for Stardust: the `Hal` that the `virtio-drivers` crate needs (DMA memory from the
//! heap, identity-mapped; device registers mapped uncached), PCI configuration access through
//! ports 0xCF8/0xCFC, discovery of virtio block devices on PCI bus 0 (q35) and in the
//! `virtio_mmio.device=` words QEMU's microvm puts on the command line, and virtio-blk as a
//! [`BlockDevice`]. Requests are polled: the driver waits for each to complete.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::ptr::NonNull;
use stardust_api::{BlockDevice, BlockError};
use virtio_drivers::device::blk::{SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, SomeTransport, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};
use x86_64::instructions::port::Port;

const PAGE: usize = 4096;

/// DMA and device memory for virtio-drivers: physical and virtual addresses are the same.
pub struct KernelHal;

// SAFETY: `dma_alloc` returns zeroed, page-aligned heap memory that nothing else uses until
// `dma_dealloc` frees it, and its physical address (the identity map) is what a device must be
// given; `mmio_phys_to_virt` maps the registers before returning them; `share` hands out the
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

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let _ = hal::interrupts::without(|| hal::paging::map_device(paddr, size as u64));
        NonNull::new(paddr as *mut u8).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        buffer.as_ptr() as *mut u8 as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// PCI configuration space through the legacy ports 0xCF8 (address) and 0xCFC (data).
struct PortConfiguration;

fn configuration_address(function: DeviceFunction, offset: u8) -> u32 {
    1 << 31
        | u32::from(function.bus) << 16
        | u32::from(function.device) << 11
        | u32::from(function.function) << 8
        | u32::from(offset & 0xfc)
}

impl ConfigurationAccess for PortConfiguration {
    fn read_word(&self, function: DeviceFunction, offset: u8) -> u32 {
        hal::interrupts::without(|| {
            // SAFETY: the PCI configuration ports only select and read configuration registers;
            // interrupts are off so no other access comes between the two.
            unsafe {
                Port::<u32>::new(0xcf8).write(configuration_address(function, offset));
                Port::<u32>::new(0xcfc).read()
            }
        })
    }

    fn write_word(&mut self, function: DeviceFunction, offset: u8, data: u32) {
        hal::interrupts::without(|| {
            // SAFETY: as for `read_word`; the drivers write only their devices' registers.
            unsafe {
                Port::<u32>::new(0xcf8).write(configuration_address(function, offset));
                Port::<u32>::new(0xcfc).write(data);
            }
        });
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortConfiguration
    }
}

/// A virtio block device.
pub struct VirtioDisk {
    device: VirtIOBlk<KernelHal, SomeTransport<'static>>,
}

impl BlockDevice for VirtioDisk {
    fn block_size(&self) -> usize {
        SECTOR_SIZE
    }

    fn block_count(&self) -> u64 {
        self.device.capacity()
    }

    fn read_only(&self) -> bool {
        self.device.readonly()
    }

    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError> {
        stardust_api::block::check_range(self, first, buffer.len())?;
        if buffer.is_empty() {
            return Ok(());
        }
        self.device.read_blocks(first as usize, buffer).map_err(|_| BlockError::Device)
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError> {
        if self.read_only() {
            return Err(BlockError::ReadOnly);
        }
        stardust_api::block::check_range(self, first, buffer.len())?;
        if buffer.is_empty() {
            return Ok(());
        }
        self.device.write_blocks(first as usize, buffer).map_err(|_| BlockError::Device)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.device.flush().map_err(|_| BlockError::Device)
    }
}

/// Parses `SIZE@ADDRESS:IRQ` (sizes and addresses in decimal or 0x hex, sizes with an optional
/// K or M suffix), the value of a `virtio_mmio.device=` word.
pub fn parse_mmio_word(value: &str) -> Option<(u64, u64)> {
    let (size, rest) = value.split_once('@')?;
    let address = rest.split(':').next()?;
    let number = |text: &str| match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    let size = match size.strip_suffix(['K', 'k']) {
        Some(kib) => number(kib)?.checked_mul(1024)?,
        None => match size.strip_suffix(['M', 'm']) {
            Some(mib) => number(mib)?.checked_mul(1 << 20)?,
            None => number(size)?,
        },
    };
    Some((size, number(address)?))
}

fn block_device(transport: SomeTransport<'static>) -> Option<VirtioDisk> {
    if transport.device_type() != DeviceType::Block {
        return None;
    }
    match VirtIOBlk::new(transport) {
        Ok(device) => Some(VirtioDisk { device }),
        Err(error) => {
            log::warn!("virtio-blk: {error:?}");
            None
        }
    }
}

/// QEMU's microvm puts its virtio-mmio transports here, 512 bytes apart (it announces them in
/// ACPI, and on the command line only for Linux kernels).
const MICROVM_MMIO_BASE: u64 = 0xfeb0_0000;
const MICROVM_MMIO_SLOTS: u64 = 24;
const MMIO_SLOT_SIZE: u64 = 0x200;
const MMIO_MAGIC: u32 = 0x7472_6976; // "virt"

/// Opens the virtio-mmio block device at `address` (`size` bytes of registers), if it is one.
fn mmio_block_device(address: u64, size: u64) -> Option<VirtioDisk> {
    if !hal::interrupts::without(|| hal::paging::map_device(address, size)) {
        log::warn!("virtio-mmio device at {address:#x} cannot be mapped");
        return None;
    }
    let header = NonNull::new(address as *mut VirtIOHeader)?;
    // SAFETY: the registers were just mapped uncached; reading the magic and device-ID words of
    // an empty or absent transport has no effect.
    let (magic, device) =
        unsafe { ((address as *const u32).read_volatile(), ((address + 8) as *const u32).read_volatile()) };
    if magic != MMIO_MAGIC || device == 0 {
        return None;
    }
    // SAFETY: a virtio-mmio register block of `size` bytes lies at `address` (its magic says so),
    // mapped above, and each device is opened once.
    match unsafe { MmioTransport::new(header, size as usize) } {
        Ok(transport) => block_device(SomeTransport::Mmio(transport)),
        Err(error) => {
            log::warn!("virtio-mmio at {address:#x}: {error:?}");
            None
        }
    }
}

/// Every virtio block device: those named by `virtio_mmio.device=` words in `cmdline` (as
/// Firecracker gives them), those on PCI bus 0 (q35, cloud-hypervisor), and on a machine
/// without PCI, those in QEMU microvm's virtio-mmio slots. Devices that fail to start are
/// reported (warn) and skipped.
pub fn block_devices(cmdline: &str) -> Vec<Box<dyn BlockDevice + Send>> {
    let mut disks: Vec<Box<dyn BlockDevice + Send>> = Vec::new();
    let named: Vec<(u64, u64)> = cmdline
        .split_ascii_whitespace()
        .filter_map(|word| word.strip_prefix("virtio_mmio.device=").and_then(parse_mmio_word))
        .collect();
    for &(size, address) in &named {
        disks.extend(mmio_block_device(address, size).map(|d| Box::new(d) as _));
    }
    let mut configuration = PortConfiguration;
    let host_bridge = configuration.read_word(DeviceFunction { bus: 0, device: 0, function: 0 }, 0);
    if host_bridge & 0xffff == 0xffff {
        if named.is_empty() {
            for slot in 0..MICROVM_MMIO_SLOTS {
                let address = MICROVM_MMIO_BASE + slot * MMIO_SLOT_SIZE;
                disks.extend(mmio_block_device(address, MMIO_SLOT_SIZE).map(|d| Box::new(d) as _));
            }
        }
        return disks;
    }
    let mut root = PciRoot::new(PortConfiguration);
    for device in 0..32u8 {
        let function = DeviceFunction { bus: 0, device, function: 0 };
        let identity = configuration.read_word(function, 0);
        if identity & 0xffff != 0x1af4 {
            continue;
        }
        // Memory space and bus mastering (the device reads and writes our buffers).
        let command = configuration.read_word(function, 4);
        configuration.write_word(function, 4, command | 0x6);
        match PciTransport::new::<KernelHal, _>(&mut root, function) {
            Ok(transport) => disks.extend(block_device(SomeTransport::Pci(transport)).map(|d| Box::new(d) as _)),
            Err(error) => log::debug!("virtio-pci 00:{device:02x}.0: {error:?}"),
        }
    }
    disks
}
