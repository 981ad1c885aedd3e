//! A virtio transport that changes the device status one bit at a time, and lets go of a
//! device whose monitor will not reset it.
//!
//! virtio-drivers writes the status in one step where the virtio specification (3.1.1) lists
//! several: after the reset it writes ACKNOWLEDGE | DRIVER at once, and DRIVER_OK with
//! FEATURES_OK. QEMU and cloud-hypervisor take that; Firecracker accepts only the next bit
//! ("invalid virtio driver status transition 0x0 -> 0x3") and never activates the device, so
//! the first disk request waited forever. And when a driver is dropped it unsets its queues,
//! waiting until QueueReady reads 0; Firecracker refuses queue writes once the device is
//! running, so that wait never ended either.
//!
//! It also names MSI-X entry 0 as each queue's vector on a virtio-pci device whose MSI-X is on
//! (virtio-drivers leaves the vector unset, so the device would never signal), as the queue is
//! set up: the specification has the driver set it before enabling the queue.

use virtio_drivers::transport::{DeviceStatus, DeviceType, InterruptStatus, Transport};
use virtio_drivers::{PhysAddr, Result};
use zerocopy::{FromBytes, Immutable, IntoBytes};

/// The status bits in the order the specification sets them.
const STEPS: [DeviceStatus; 4] =
    [DeviceStatus::ACKNOWLEDGE, DeviceStatus::DRIVER, DeviceStatus::FEATURES_OK, DeviceStatus::DRIVER_OK];

/// `T`, with the status written step by step and queues let go of safely (see the module); and
/// the address of a virtio-pci device's common configuration, when its queues signal through
/// MSI-X entry 0.
#[derive(Debug)]
pub struct Stepwise<T>(pub T, pub Option<u64>);

/// Offsets in virtio-pci's common configuration: the queue selector and the selected queue's
/// MSI-X vector.
const QUEUE_SELECT: u64 = 0x16;
const QUEUE_MSIX_VECTOR: u64 = 0x1a;

impl<T: Transport> Transport for Stepwise<T> {
    fn device_type(&self) -> DeviceType {
        self.0.device_type()
    }

    fn read_device_features(&mut self) -> u64 {
        self.0.read_device_features()
    }

    fn write_driver_features(&mut self, driver_features: u64) {
        self.0.write_driver_features(driver_features)
    }

    fn max_queue_size(&mut self, queue: u16) -> u32 {
        self.0.max_queue_size(queue)
    }

    fn notify(&mut self, queue: u16) {
        self.0.notify(queue)
    }

    fn get_status(&self) -> DeviceStatus {
        self.0.get_status()
    }

    /// Adds the missing bits of `status` one at a time, in the specification's order; a reset
    /// (empty) or anything else (FAILED, a bit taken away) is written as it is.
    fn set_status(&mut self, status: DeviceStatus) {
        let mut now = self.0.get_status();
        if status.is_empty() || !status.contains(now) {
            self.0.set_status(status);
            return;
        }
        for step in STEPS {
            if status.contains(step) && !now.contains(step) {
                now |= step;
                self.0.set_status(now);
            }
        }
        if now != status {
            self.0.set_status(status);
        }
    }

    fn set_guest_page_size(&mut self, guest_page_size: u32) {
        self.0.set_guest_page_size(guest_page_size)
    }

    fn requires_legacy_layout(&self) -> bool {
        self.0.requires_legacy_layout()
    }

    fn queue_set(
        &mut self,
        queue: u16,
        size: u32,
        descriptors: PhysAddr,
        driver_area: PhysAddr,
        device_area: PhysAddr,
    ) {
        if let Some(common) = self.1 {
            // SAFETY: `common` is the device's common configuration, mapped by its transport (see
            // `pci::enable_msix`); selecting a queue and naming its vector change only which
            // (claimed, masked) MSI-X entry the device signals through, and the transport
            // selects the queue again before every access of its own.
            let vector = unsafe {
                ((common + QUEUE_SELECT) as *mut u16).write_volatile(queue);
                ((common + QUEUE_MSIX_VECTOR) as *mut u16).write_volatile(0);
                ((common + QUEUE_MSIX_VECTOR) as *const u16).read_volatile()
            };
            if vector != 0 {
                log::warn!("virtio-pci: the device refused MSI-X entry 0 for queue {queue}");
            }
        }
        self.0.queue_set(queue, size, descriptors, driver_area, device_area)
    }

    /// Resets a running device first, which then lets go of every queue. A monitor that
    /// cannot reset it (Firecracker's block device) keeps the queue ready: unsetting it would
    /// wait forever, so it is left as it is. This happens as the VM ends, with nothing in
    /// flight; the device is never told of the queue's memory again.
    fn queue_unset(&mut self, queue: u16) {
        if self.0.get_status().contains(DeviceStatus::DRIVER_OK) {
            self.0.set_status(DeviceStatus::empty());
            if self.0.queue_used(queue) {
                log::debug!("virtio: the monitor did not reset the device; its queue {queue} is left to it");
                return;
            }
        }
        self.0.queue_unset(queue)
    }

    fn queue_used(&mut self, queue: u16) -> bool {
        self.0.queue_used(queue)
    }

    fn ack_interrupt(&mut self) -> InterruptStatus {
        self.0.ack_interrupt()
    }

    fn read_config_generation(&self) -> u32 {
        self.0.read_config_generation()
    }

    fn read_config_space<V: FromBytes + IntoBytes>(&self, offset: usize) -> Result<V> {
        self.0.read_config_space(offset)
    }

    fn write_config_space<V: IntoBytes + Immutable>(&mut self, offset: usize, value: V) -> Result<()> {
        self.0.write_config_space(offset, value)
    }
}
