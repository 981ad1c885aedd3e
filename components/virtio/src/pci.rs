//! Virtio devices on PCI bus 0 (q35, cloud-hypervisor), through the hal's configuration access.
//!
//! `PciTransport::new` maps the registers its capabilities point at through
//! [`KernelHal`]'s `mmio_phys_to_virt`, which cannot fail. So before a transport is opened, every
//! BAR that those capabilities name is checked against what the hal can map; a device with one
//! it cannot is refused here, with its address and the reason.

use crate::kernel_hal::KernelHal;
use alloc::vec::Vec;
use hal::paging::DeviceRangeError;
use hal::pci::Function;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{BarInfo, ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, SomeTransport};

/// The vendor ID of virtio devices.
const VIRTIO_VENDOR: u32 = 0x1af4;
/// The command register's offset, and its bits for memory decoding and bus mastering.
const COMMAND: u8 = 4;
const MEMORY_SPACE: u32 = 1 << 1;
const BUS_MASTER: u32 = 1 << 2;
/// Vendor-specific capabilities, the kind that locate virtio's register structures.
const VENDOR_CAPABILITY: u8 = 0x09;
/// Where a virtio capability holds the number of the BAR its structure lies in.
const CAPABILITY_BAR: u8 = 4;
/// The structures `PciTransport` maps: common configuration (1), notifications (2), interrupt
/// status (3), device configuration (4). Other types name BARs it never maps.
const MAPPED_STRUCTURES: core::ops::RangeInclusive<u8> = 1..=4;
/// A function has six BARs.
const BARS: u8 = 6;
/// Capabilities that fit in the 192 bytes after the standard header: a longer (looping) list
/// is corrupt, and is not followed further.
const MAX_CAPABILITIES: usize = 48;

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

/// Every virtio transport of type `wanted` on PCI bus 0.
pub(crate) fn transports(wanted: DeviceType) -> Vec<SomeTransport<'static>> {
    let mut found = Vec::new();
    let mut root = PciRoot::new(HalConfiguration);
    for device in 0..hal::pci::DEVICES {
        let Some(address) = Function::new(0, device, 0) else { continue };
        let function = DeviceFunction { bus: 0, device, function: 0 };
        let identity = hal::pci::read_config(address, 0);
        if identity & 0xffff != VIRTIO_VENDOR || pci_device_type(identity >> 16) != Some(wanted) {
            continue;
        }
        if let Err(refusal) = check_bars(&mut root, function) {
            log::warn!("{} at {address}: {refusal}; device ignored", device_name(wanted));
            continue;
        }
        // Memory space and bus mastering (the device reads and writes our buffers).
        let command = hal::pci::read_config(address, COMMAND);
        // SAFETY: a virtio device this crate drives; its BARs are where the hal maps devices
        // (checked just above), and it gets only buffers its driver allocates.
        unsafe { hal::pci::write_config(address, COMMAND, command | MEMORY_SPACE | BUS_MASTER) };
        match PciTransport::new::<KernelHal, _>(&mut root, function) {
            Ok(transport) => found.push(SomeTransport::Pci(transport)),
            Err(error) => log::debug!("virtio-pci {address}: {error:?}"),
        }
    }
    found
}

/// Why a device is refused before its transport is opened.
enum Refusal {
    /// A virtio capability names a BAR number above 5: `PciTransport` would read some other
    /// register as its address.
    NoSuchBar(u8),
    /// A BAR a capability names lies where the hal cannot map it.
    Unmappable { bar: u8, address: u64, reason: DeviceRangeError },
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Refusal::NoSuchBar(bar) => write!(f, "a virtio capability names BAR {bar}, which does not exist"),
            Refusal::Unmappable { bar, address, reason } => write!(f, "BAR {bar} at {address:#x} {reason}"),
        }
    }
}

/// Checks every BAR that `function`'s virtio capabilities name (the ones `PciTransport` maps
/// regions of) against what the hal can map. BARs that are I/O ports, unassigned or unreadable
/// are left to `PciTransport`, which refuses them without mapping anything.
fn check_bars(root: &mut PciRoot<HalConfiguration>, function: DeviceFunction) -> Result<(), Refusal> {
    let mut named = [false; BARS as usize];
    for capability in root.capabilities(function).take(MAX_CAPABILITIES) {
        let structure = (capability.private_header >> 8) as u8;
        if capability.id != VENDOR_CAPABILITY || !MAPPED_STRUCTURES.contains(&structure) {
            continue;
        }
        let bar = HalConfiguration.read_word(function, capability.offset.wrapping_add(CAPABILITY_BAR)) as u8;
        *named.get_mut(usize::from(bar)).ok_or(Refusal::NoSuchBar(bar))? = true;
    }
    for bar in (0..BARS).filter(|&bar| named[usize::from(bar)]) {
        let Ok(Some(BarInfo::Memory { address, size, .. })) = root.bar_info(function, bar) else { continue };
        // Unassigned: `PciTransport` says so.
        if address == 0 {
            continue;
        }
        hal::paging::check_device_range(address, size).map_err(|reason| Refusal::Unmappable {
            bar,
            address,
            reason,
        })?;
    }
    Ok(())
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
