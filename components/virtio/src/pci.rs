//! Virtio devices on PCI bus 0 (q35, cloud-hypervisor), through the hal's configuration access.
//!
//! `PciTransport::new` maps the registers its capabilities point at through
//! [`KernelHal`]'s `mmio_phys_to_virt`, which cannot fail. So before a transport is opened, and
//! before the device may decode or master the bus, every memory BAR is checked against what the
//! hal can map; a device with one it cannot is refused here, with the BAR, its address and the
//! reason. (A capability that names a BAR above 5 is a broken device: `PciTransport` reads
//! another register as its address, and should that be unmappable, `mmio_phys_to_virt` stops
//! the VM with the reason rather than hand out the pointer.)
//!
//! A device (network card or disk) with an MSI-X capability gets MSI-X enabled, its table
//! claimed from the hal (every entry masked) and entry 0 named as every queue's vector as the
//! queues are set up (which virtio-drivers does not do: [`Stepwise`](crate::stepwise::Stepwise)
//! writes it): its interrupt is that entry, for whoever waits for the device to route.

use crate::kernel_hal::KernelHal;
use alloc::vec::Vec;
use hal::paging::DeviceRangeError;
use hal::pci::Function;
use stardust_api::DeviceInterrupt;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{BarInfo, ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, SomeTransport};

/// The vendor ID of virtio devices.
const VIRTIO_VENDOR: u32 = 0x1af4;
/// The command register's offset, and its bits for memory decoding and bus mastering.
const COMMAND: u8 = 4;
const MEMORY_SPACE: u32 = 1 << 1;
const BUS_MASTER: u32 = 1 << 2;
/// A function has six BARs.
const BARS: u8 = 6;
/// Capability IDs: vendor-specific (virtio's structures), MSI-X.
const VENDOR_CAPABILITY: u8 = 0x09;
const MSIX_CAPABILITY: u8 = 0x11;
/// virtio's structure type of the common configuration.
const COMMON_CONFIGURATION: u16 = 1;
/// The common configuration's size (virtio 1.0's fields, up to the queue's device area).
const COMMON_LENGTH: u64 = 0x38;
/// MSI-X message control (the capability's upper 16 bits): enable, function mask, table size.
const MSIX_ENABLE: u32 = 1 << 31;
const MSIX_FUNCTION_MASK: u32 = 1 << 30;

/// A transport found on PCI, with the address of its common configuration when MSI-X entry 0 is
/// to be each queue's vector, and that entry.
pub(crate) type Found = (SomeTransport<'static>, Option<u64>, Option<DeviceInterrupt>);

/// PCI configuration space for virtio-drivers, through [`hal::pci`].
struct HalConfiguration;

impl ConfigurationAccess for HalConfiguration {
    fn read_word(&self, function: DeviceFunction, offset: u8) -> u32 {
        match Function::new(function.bus, function.device, function.function) {
            Some(function) => hal::pci::read_config(function, offset),
            // No such function can answer: read as absent.
            None => u32::MAX,
        }
    }

    fn write_word(&mut self, function: DeviceFunction, offset: u8, data: u32) {
        if let Some(function) = Function::new(function.bus, function.device, function.function) {
            // SAFETY: virtio-drivers writes only the function it was handed, which is a virtio
            // device this crate drives (`transports`): its command register, and its BARs while
            // sizing them (decoding off, the old value written back). Bus mastering is on only for
            // devices whose BARs passed `check_bars`, and they are given only DMA buffers of
            // their driver.
            unsafe { hal::pci::write_config(function, offset, data) };
        }
    }

    unsafe fn unsafe_clone(&self) -> Self {
        HalConfiguration
    }
}

/// Whether the machine has PCI: a host bridge answers at 00:00.0.
pub(crate) fn present() -> bool {
    let host_bridge = Function::new(0, 0, 0).map_or(u32::MAX, |bridge| hal::pci::read_config(bridge, 0));
    host_bridge & 0xffff != 0xffff
}

/// Adds every virtio transport of type `wanted` on PCI bus 0 to `found`.
pub(crate) fn transports(wanted: DeviceType, found: &mut Vec<Found>) {
    let mut root = PciRoot::new(HalConfiguration);
    for device in 0..hal::pci::DEVICES {
        let Some(address) = Function::new(0, device, 0) else { continue };
        let function = DeviceFunction { bus: 0, device, function: 0 };
        let identity = hal::pci::read_config(address, 0);
        if identity & 0xffff != VIRTIO_VENDOR || pci_device_type(identity >> 16) != Some(wanted) {
            continue;
        }
        let bars = match check_bars(&mut root, function) {
            Ok(bars) => bars,
            Err((bar, base, reason)) => {
                log::warn!(
                    "{} at 00:{device:02x}.0: BAR {bar} at {base:#x} {reason}; device ignored",
                    device_name(wanted)
                );
                continue;
            }
        };
        // Memory space and bus mastering (the device reads and writes our buffers).
        let command = hal::pci::read_config(address, COMMAND);
        // SAFETY: a virtio device this crate drives; its BARs are where the hal maps devices
        // (checked just above), and it gets only buffers its driver allocates.
        unsafe { hal::pci::write_config(address, COMMAND, command | MEMORY_SPACE | BUS_MASTER) };
        match PciTransport::new::<KernelHal, _>(&mut root, function) {
            Ok(transport) => {
                // After the transport, so that a device it refuses claims nothing; before the
                // driver sets up the queues.
                let (common, interrupt) = enable_msix(&root, function, address, &bars).unzip();
                found.push((SomeTransport::Pci(transport), common, interrupt))
            }
            Err(error) => log::debug!("virtio-pci 00:{device:02x}.0: {error:?}"),
        }
    }
}

/// Enables MSI-X on the device at `address`, if it has the capability and virtio's common
/// configuration: the common configuration's address and entry 0 of its table (claimed, every
/// entry masked). `None`, and MSI-X left off, otherwise. Both structures must lie inside their
/// memory BAR (as `PciTransport` found the common configuration, which it mapped).
fn enable_msix(
    root: &PciRoot<HalConfiguration>,
    function: DeviceFunction,
    address: Function,
    bars: &[(u64, u64); BARS as usize],
) -> Option<(u64, DeviceInterrupt)> {
    let read = |offset: u8| hal::pci::read_config(address, offset);
    // `length` bytes at `offset` in memory BAR `bar`: their address.
    let in_bar = |bar: u32, offset: u32, length: u64| {
        let &(base, size) = bars.get(bar as usize)?;
        (base != 0 && u64::from(offset).checked_add(length)? <= size).then_some(base + u64::from(offset))
    };
    let mut common = None;
    let mut msix = None;
    for capability in root.capabilities(function) {
        let length = capability.private_header & 0xff;
        if capability.id == VENDOR_CAPABILITY
            && capability.private_header >> 8 == COMMON_CONFIGURATION
            && length >= 16
            && common.is_none()
        {
            common = in_bar(read(capability.offset + 4) & 0xff, read(capability.offset + 8), COMMON_LENGTH);
        } else if capability.id == MSIX_CAPABILITY {
            let table = read(capability.offset + 4);
            let entries = (capability.private_header & 0x7ff) + 1;
            let size = u64::from(entries) * hal::msix::ENTRY_SIZE;
            msix = in_bar(table & 7, table & !7, size).map(|table| (capability.offset, table, entries));
        }
    }
    let (common, (capability, table, entries)) = (common?, msix?);
    // SAFETY: the table is this virtio device's own MSI-X table, where its capability says.
    if !unsafe { hal::msix::claim(table, entries) } {
        log::debug!("virtio-pci {address}: its MSI-X table at {table:#x} cannot be claimed; polled");
        return None;
    }
    let control = read(capability);
    // SAFETY: MSI-X on, the function mask off: the device now sends its queues' messages
    // through their entries, all masked (claimed above), until one is routed.
    unsafe { hal::pci::write_config(address, capability, (control | MSIX_ENABLE) & !MSIX_FUNCTION_MASK) };
    Some((common, DeviceInterrupt::MsiX(table)))
}

/// Checks every memory BAR of `function` against what the hal can map: the first that fails,
/// with its number, address and the reason; else every BAR's memory address and size (zeroes
/// for the others). Every memory BAR, not only those the virtio
/// capabilities name: walking the capabilities here as well cost bytes the `net` profile's
/// budget does not have, and a card with an unmappable BAR it does not use for virtio is rare
/// (it is refused too). BARs that are I/O ports, unassigned or unreadable are left to
/// `PciTransport`, which refuses them without mapping anything.
fn check_bars(
    root: &mut PciRoot<HalConfiguration>,
    function: DeviceFunction,
) -> Result<[(u64, u64); BARS as usize], (u8, u64, DeviceRangeError)> {
    let mut addresses = [(0, 0); BARS as usize];
    let mut bar = 0;
    while bar < BARS {
        let info = root.bar_info(function, bar);
        let index = bar;
        bar +=
            if info.as_ref().is_ok_and(|info| info.as_ref().is_some_and(BarInfo::takes_two_entries)) { 2 } else { 1 };
        let Ok(Some(BarInfo::Memory { address, size, .. })) = info else { continue };
        // Unassigned: `PciTransport` says so.
        if address != 0 {
            hal::paging::check_device_range(address, size).map_err(|reason| (index, address, reason))?;
            addresses[usize::from(index)] = (address, size);
        }
    }
    Ok(addresses)
}

/// The driver's name for a device type, for messages.
fn device_name(device_type: DeviceType) -> &'static str {
    match device_type {
        DeviceType::Network => "virtio-net",
        DeviceType::Block => "virtio-blk",
        _ => "virtio device",
    }
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
