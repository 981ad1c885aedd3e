//! Virtio devices on PCI bus 0 (q35, cloud-hypervisor), through the legacy configuration ports.

use crate::kernel_hal::KernelHal;
use alloc::vec::Vec;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::{DeviceType, SomeTransport};
use x86_64::instructions::port::Port;

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

/// Whether the machine has PCI: a host bridge answers at 00:00.0.
pub(crate) fn present() -> bool {
    let host_bridge = PortConfiguration.read_word(DeviceFunction { bus: 0, device: 0, function: 0 }, 0);
    host_bridge & 0xffff != 0xffff
}

/// Every virtio transport of type `wanted` on PCI bus 0.
pub(crate) fn transports(wanted: DeviceType) -> Vec<SomeTransport<'static>> {
    let mut found = Vec::new();
    let mut configuration = PortConfiguration;
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
