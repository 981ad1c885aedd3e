//! Where virtio devices are looked for: the command line, PCI, and microvm's virtio-mmio slots.

use crate::stepwise::Stepwise;
use crate::{mmio, pci};
use alloc::vec::Vec;
use stardust_api::DeviceInterrupt;
use virtio_drivers::transport::{DeviceType, SomeTransport};

/// The transport every driver here uses: any of virtio-drivers', status written step by step.
pub(crate) type Transport = Stepwise<SomeTransport<'static>>;

/// Every virtio transport of type `wanted`, with its interrupt where the kernel knows it: those
/// named by `virtio_mmio.device=` words in `cmdline` (as Firecracker gives them, line included),
/// those on PCI bus 0 (q35, cloud-hypervisor; MSI-X where the device has it), and on a machine
/// without PCI, those in QEMU microvm's virtio-mmio slots (lines as QEMU wires them).
pub(crate) fn transports(cmdline: &str, wanted: DeviceType) -> Vec<(Transport, Option<DeviceInterrupt>)> {
    found(cmdline, wanted)
        .into_iter()
        .map(|(transport, common, interrupt)| (Stepwise(transport, common), interrupt))
        .collect()
}

fn found(cmdline: &str, wanted: DeviceType) -> Vec<pci::Found> {
    let mut found = Vec::new();
    let named: Vec<(u64, u64, Option<u32>)> = hal::boot::monitor_words(cmdline)
        .filter_map(|word| word.strip_prefix("virtio_mmio.device=").and_then(mmio::parse_mmio_word))
        .collect();
    for &(size, address, line) in &named {
        found.extend(
            mmio::mmio_transport(address, size, wanted)
                .map(|transport| (transport, None, line.map(DeviceInterrupt::Line))),
        );
    }
    if !pci::present() {
        if named.is_empty() {
            for slot in 0..mmio::MICROVM_MMIO_SLOTS {
                let address = mmio::MICROVM_MMIO_BASE + slot * mmio::MMIO_SLOT_SIZE;
                found.extend(
                    mmio::mmio_transport(address, mmio::MMIO_SLOT_SIZE, wanted)
                        .map(|transport| (transport, None, Some(DeviceInterrupt::Line(mmio::microvm_line(slot))))),
                );
            }
        }
        return found;
    }
    pci::transports(wanted, &mut found);
    found
}
