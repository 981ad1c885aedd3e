//! Virtio for Stardust: the `Hal` that the `virtio-drivers` crate needs (DMA memory from the
//! heap, identity-mapped; device registers mapped uncached), PCI configuration access through
//! ports 0xCF8/0xCFC, discovery of virtio block devices on PCI bus 0 (q35) and in the
//! `virtio_mmio.device=` words QEMU's microvm puts on the command line, virtio-blk as a
//! [`BlockDevice`] and virtio-net as a [`Nic`]. Both are polled: the driver waits for each request
//! to complete, and received frames are picked up when the network stack looks for them.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::ptr::NonNull;
use stardust_api::{BlockDevice, BlockError, Nic, NicError, NicStats};
use virtio_drivers::device::blk::{SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, SomeTransport};
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

/// QEMU's microvm puts its virtio-mmio transports here, 512 bytes apart (it announces them in
/// ACPI, and on the command line only for Linux kernels).
const MICROVM_MMIO_BASE: u64 = 0xfeb0_0000;
const MICROVM_MMIO_SLOTS: u64 = 24;
const MMIO_SLOT_SIZE: u64 = 0x200;
const MMIO_MAGIC: u32 = 0x7472_6976; // "virt"

/// Opens the virtio-mmio transport at `address` (`size` bytes of registers), if one of type
/// `wanted` is there.
fn mmio_transport(address: u64, size: u64, wanted: DeviceType) -> Option<SomeTransport<'static>> {
    if !hal::interrupts::without(|| hal::paging::map_device(address, size)) {
        log::warn!("virtio-mmio device at {address:#x} cannot be mapped");
        return None;
    }
    let header = NonNull::new(address as *mut VirtIOHeader)?;
    // SAFETY: the registers were just mapped uncached; reading the magic and device-ID words of
    // an empty or absent transport has no effect.
    let (magic, device) =
        unsafe { ((address as *const u32).read_volatile(), ((address + 8) as *const u32).read_volatile()) };
    if magic != MMIO_MAGIC || device == 0 || DeviceType::try_from(device).ok() != Some(wanted) {
        return None;
    }
    // SAFETY: a virtio-mmio register block of `size` bytes lies at `address` (its magic says so),
    // mapped above, and each device is opened once.
    match unsafe { MmioTransport::new(header, size as usize) } {
        Ok(transport) => Some(SomeTransport::Mmio(transport)),
        Err(error) => {
            log::warn!("virtio-mmio at {address:#x}: {error:?}");
            None
        }
    }
}

/// Every virtio transport of type `wanted`: those named by `virtio_mmio.device=` words in
/// `cmdline` (as Firecracker gives them), those on PCI bus 0 (q35, cloud-hypervisor), and on a
/// machine without PCI, those in QEMU microvm's virtio-mmio slots.
fn transports(cmdline: &str, wanted: DeviceType) -> Vec<SomeTransport<'static>> {
    let mut found = Vec::new();
    let named: Vec<(u64, u64)> = cmdline
        .split_ascii_whitespace()
        .filter_map(|word| word.strip_prefix("virtio_mmio.device=").and_then(parse_mmio_word))
        .collect();
    for &(size, address) in &named {
        found.extend(mmio_transport(address, size, wanted));
    }
    let mut configuration = PortConfiguration;
    let host_bridge = configuration.read_word(DeviceFunction { bus: 0, device: 0, function: 0 }, 0);
    if host_bridge & 0xffff == 0xffff {
        if named.is_empty() {
            for slot in 0..MICROVM_MMIO_SLOTS {
                let address = MICROVM_MMIO_BASE + slot * MMIO_SLOT_SIZE;
                found.extend(mmio_transport(address, MMIO_SLOT_SIZE, wanted));
            }
        }
        return found;
    }
    let mut root = PciRoot::new(PortConfiguration);
    for device in 0..32u8 {
        let function = DeviceFunction { bus: 0, device, function: 0 };
        let identity = configuration.read_word(function, 0);
        if identity & 0xffff != 0x1af4 || pci_device_type(identity >> 16) != Some(wanted) {
            continue;
        }
        // Memory space and bus mastering (the device reads and writes our buffers).
        let command = configuration.read_word(function, 4);
        configuration.write_word(function, 4, command | 0x6);
        match PciTransport::new::<KernelHal, _>(&mut root, function) {
            Ok(transport) => found.push(SomeTransport::Pci(transport)),
            Err(error) => log::debug!("virtio-pci 00:{device:02x}.0: {error:?}"),
        }
    }
    found
}

/// The virtio device type of a PCI device ID (transitional 0x1000.. or modern 0x1040..).
fn pci_device_type(device_id: u32) -> Option<DeviceType> {
    match device_id {
        0x1000 => Some(DeviceType::Network),
        0x1001 => Some(DeviceType::Block),
        0x1041..=0x107f => DeviceType::try_from(device_id - 0x1040).ok(),
        _ => None,
    }
}

/// Every virtio block device (see `transports` for where they are looked for). Devices that fail
/// to start are reported (warn) and skipped.
pub fn block_devices(cmdline: &str) -> Vec<Box<dyn BlockDevice + Send>> {
    let mut disks: Vec<Box<dyn BlockDevice + Send>> = Vec::new();
    for transport in transports(cmdline, DeviceType::Block) {
        match VirtIOBlk::new(transport) {
            Ok(device) => disks.push(Box::new(VirtioDisk { device })),
            Err(error) => log::warn!("virtio-blk: {error:?}"),
        }
    }
    disks
}

/// Receive buffers per card: each holds one frame (1,526 bytes with the virtio header), and the
/// device fills them while the stack is busy.
const RX_QUEUE: usize = 32;
/// A receive buffer: the largest frame and the virtio-net header.
const RX_BUFFER: usize = 1526;

/// Transmit buffers per card: frames queued to the device and not yet sent.
const TX_BUFFERS: usize = 16;

/// A virtio network card. Frames are polled: `receive` looks at the used ring, copies the frame
/// out and gives the buffer straight back to the device; `transmit` copies the frame behind a
/// virtio-net header into a free transmit buffer, queues it and returns without waiting (the
/// device's monitor sends it from another host thread); finished buffers are taken back at the
/// next transmit.
pub struct VirtioNic {
    /// First, so that it is dropped first: its transport's drop resets the device, which then
    /// no longer touches the buffers below when they are freed. Keep this field first.
    device: VirtIONetRaw<KernelHal, SomeTransport<'static>, RX_QUEUE>,
    /// The receive buffers, by the token the device knows them by. Each is lent to the device
    /// from `receive_begin` until `receive_complete`; the heap never moves a boxed slice.
    buffers: Vec<Option<Box<[u8]>>>,
    /// Transmit buffers the device holds, by token, with the length queued.
    sending: Vec<Option<(Box<[u8]>, usize)>>,
    /// Transmit buffers free for the next frame.
    free: Vec<Box<[u8]>>,
    stats: NicStats,
}

impl VirtioNic {
    fn new(transport: SomeTransport<'static>) -> Result<VirtioNic, virtio_drivers::Error> {
        let device = VirtIONetRaw::new(transport)?;
        let mut nic = VirtioNic {
            device,
            buffers: (0..RX_QUEUE).map(|_| None).collect(),
            sending: (0..RX_QUEUE).map(|_| None).collect(),
            free: (0..TX_BUFFERS).map(|_| alloc::vec![0; RX_BUFFER].into_boxed_slice()).collect(),
            stats: NicStats::default(),
        };
        for _ in 0..RX_QUEUE {
            nic.lend(alloc::vec![0; RX_BUFFER].into_boxed_slice())?;
        }
        Ok(nic)
    }

    /// Gives a receive buffer to the device.
    fn lend(&mut self, mut buffer: Box<[u8]>) -> Result<(), virtio_drivers::Error> {
        // SAFETY: the buffer is kept in `buffers` under its token and not touched until the
        // device gives the token back (`receive`); it is not freed while lent, as dropping a
        // card resets the device first (see `VirtioNic`'s field order).
        let token = unsafe { self.device.receive_begin(&mut buffer)? };
        match self.buffers.get_mut(usize::from(token)) {
            Some(slot @ None) => {
                *slot = Some(buffer);
                Ok(())
            }
            _ => {
                // The device holds it now and may write to it: never free it.
                core::mem::forget(buffer);
                Err(virtio_drivers::Error::WrongToken)
            }
        }
    }
}

impl VirtioNic {
    /// Takes back the transmit buffers the device has finished with.
    fn reclaim(&mut self) {
        while let Some(token) = self.device.poll_transmit() {
            let Some((buffer, length)) = self.sending.get_mut(usize::from(token)).and_then(Option::take) else {
                log::error!("virtio-net: the device finished an unknown transmit {token}");
                return;
            };
            // SAFETY: the same buffer and length that `transmit_begin` was given for `token`.
            if unsafe { self.device.transmit_complete(token, &buffer[..length]) }.is_err() {
                log::error!("virtio-net: transmit {token} did not complete cleanly");
            }
            self.free.push(buffer);
        }
    }
}

impl Nic for VirtioNic {
    fn mac_address(&self) -> [u8; 6] {
        self.device.mac_address()
    }

    fn receive(&mut self, buffer: &mut [u8]) -> Option<usize> {
        loop {
            let token = self.device.poll_receive()?;
            let Some(mut lent) = self.buffers.get_mut(usize::from(token)).and_then(Option::take) else {
                log::error!("virtio-net: the device returned an unknown receive buffer {token}");
                return None;
            };
            // SAFETY: `lent` is the buffer given to the device under `token`.
            let copied = match unsafe { self.device.receive_complete(token, &mut lent) } {
                Ok((header, length)) if length > 0 && length <= buffer.len() => lent
                    .get(header..header + length)
                    .map(|frame| buffer[..length].copy_from_slice(frame))
                    .map(|()| length),
                _ => None,
            };
            if let Err(error) = self.lend(lent) {
                log::error!("virtio-net: a receive buffer could not be given back: {error:?}");
            }
            match copied {
                Some(length) => {
                    self.stats.received += 1;
                    return Some(length);
                }
                None => self.stats.dropped += 1,
            }
        }
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), NicError> {
        stardust_api::nic::check_frame(frame)?;
        // Take back what the device has sent; with every buffer in flight, wait for one (the
        // device always finishes: the frame goes to the host's backend, not the network).
        let mut buffer = loop {
            self.reclaim();
            if let Some(buffer) = self.free.pop() {
                break buffer;
            }
            core::hint::spin_loop();
        };
        let Ok(header) = self.device.fill_buffer_header(&mut buffer) else {
            self.free.push(buffer);
            return Err(NicError::Device);
        };
        let length = header + frame.len();
        buffer[header..length].copy_from_slice(frame);
        // SAFETY: the buffer stays in `sending` under its token, untouched and not freed, until
        // the device hands the token back (`reclaim`); dropping a card resets the device before
        // its buffers are freed (field order).
        match unsafe { self.device.transmit_begin(&buffer[..length]) } {
            Ok(token) => match self.sending.get_mut(usize::from(token)) {
                Some(slot @ None) => {
                    *slot = Some((buffer, length));
                    self.stats.sent += 1;
                    Ok(())
                }
                _ => {
                    log::error!("virtio-net: the device gave an unknown transmit token {token}");
                    // Leaked on purpose: the device may still read it.
                    core::mem::forget(buffer);
                    Err(NicError::Device)
                }
            },
            Err(virtio_drivers::Error::QueueFull) => {
                self.free.push(buffer);
                Err(NicError::Busy)
            }
            Err(_) => {
                self.free.push(buffer);
                Err(NicError::Device)
            }
        }
    }

    fn stats(&self) -> NicStats {
        self.stats
    }
}

/// Every virtio network card (found as `block_devices` finds disks). Cards that fail to start
/// are reported (warn) and skipped.
pub fn network_cards(cmdline: &str) -> Vec<VirtioNic> {
    let mut cards = Vec::new();
    for transport in transports(cmdline, DeviceType::Network) {
        match VirtioNic::new(transport) {
            Ok(card) => cards.push(card),
            Err(error) => log::warn!("virtio-net: {error:?}"),
        }
    }
    cards
}

/// Every virtio network card, as the nic slot's driver gives them to the network stack.
pub fn nics(cmdline: &str) -> Vec<Box<dyn Nic + Send>> {
    network_cards(cmdline).into_iter().map(|card| Box::new(card) as Box<dyn Nic + Send>).collect()
}
