//! Virtio devices on a virtio-mmio transport: the `virtio_mmio.device=` words Firecracker puts
//! on the command line, and QEMU microvm's fixed slots.

use core::ptr::NonNull;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, SomeTransport};

/// Parses `SIZE@ADDRESS:IRQ` (sizes and addresses in decimal or 0x hex, sizes with an optional
/// K or M suffix), the value of a `virtio_mmio.device=` word: the size, the address and the
/// interrupt line (`None` when missing or unreadable).
pub fn parse_mmio_word(value: &str) -> Option<(u64, u64, Option<u32>)> {
    let (size, rest) = value.split_once('@')?;
    let mut parts = rest.split(':');
    let address = parts.next()?;
    let line = parts.next().and_then(|line| line.parse().ok());
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
    Some((size, number(address)?, line))
}

/// The interrupt line of microvm's virtio-mmio slot `slot`, as QEMU wires them: with a second
/// I/O APIC (GSIs 24-47, 24 slots) from 24, else with ACPI from 16 (8 slots), else from 5.
pub(crate) fn microvm_line(slot: u64) -> u32 {
    let base = if hal::ioapic::carries(24) {
        24
    } else if hal::acpi::tables().is_ok() {
        16
    } else {
        5
    };
    base + slot as u32
}

/// QEMU's microvm puts its virtio-mmio transports here, 512 bytes apart (it announces them in
/// ACPI, and on the command line only for Linux kernels).
pub(crate) const MICROVM_MMIO_BASE: u64 = 0xfeb0_0000;
pub(crate) const MICROVM_MMIO_SLOTS: u64 = 24;
pub(crate) const MMIO_SLOT_SIZE: u64 = 0x200;
const MMIO_MAGIC: u32 = 0x7472_6976; // "virt"

/// Opens the virtio-mmio transport at `address` (`size` bytes of registers), if one of type
/// `wanted` is there.
pub(crate) fn mmio_transport(address: u64, size: u64, wanted: DeviceType) -> Option<SomeTransport<'static>> {
    if let Err(reason) = hal::interrupts::without(|| hal::paging::map_device(address, size)) {
        log::warn!("virtio-mmio device at {address:#x} ({size:#x} bytes) {reason}; device ignored");
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
