//! virtio-blk as a [`BlockDevice`]: polled requests, one at a time.

use crate::discovery::transports;
use crate::kernel_hal::KernelHal;
use alloc::boxed::Box;
use alloc::vec::Vec;
use stardust_api::{BlockDevice, BlockError};
use virtio_drivers::device::blk::{SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::DeviceType;

/// A virtio block device.
pub struct VirtioDisk {
    device: VirtIOBlk<KernelHal, crate::discovery::Transport>,
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

/// Every virtio block device (see `transports` for where they are looked for). Devices that fail
/// to start are reported (warn) and skipped.
pub fn block_devices(cmdline: &str) -> Vec<Box<dyn BlockDevice + Send>> {
    let mut disks: Vec<Box<dyn BlockDevice + Send>> = Vec::new();
    for (transport, _) in transports(cmdline, DeviceType::Block) {
        match VirtIOBlk::new(transport) {
            Ok(device) => disks.push(Box::new(VirtioDisk { device })),
            Err(error) => log::warn!("virtio-blk: {error:?}"),
        }
    }
    disks
}
