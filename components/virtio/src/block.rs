//! virtio-blk as a [`BlockDevice`]: one request at a time, waited for by interrupt once the
//! kernel routed it ([`BlockDevice::wait_by_interrupt`]), else by polling.

use crate::discovery::transports;
use crate::kernel_hal::KernelHal;
use alloc::boxed::Box;
use alloc::vec::Vec;
use stardust_api::{BlockDevice, BlockError, DeviceInterrupt, InterruptWait};
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::DeviceType;

/// A virtio block device.
pub struct VirtioDisk {
    device: VirtIOBlk<KernelHal, crate::discovery::Transport>,
    /// How it signals, where discovery knows it.
    interrupt: Option<DeviceInterrupt>,
    /// The kernel's wait on that interrupt, once routed; requests are polled without it.
    wait: Option<&'static dyn InterruptWait>,
    /// The interrupt count when the device was last acknowledged (`u64::MAX`: never).
    acknowledged: u64,
}

impl VirtioDisk {
    /// Waits until the device has finished the request it holds (one at a time): its token is
    /// in the used ring. A line stays raised until the device is acknowledged, so a new
    /// interrupt is acknowledged before the look (a completion after it raises the line again);
    /// an MSI-X message needs nothing, and the read would cost an exit to the monitor.
    fn finish(&mut self) {
        let Some(wait) = self.wait else {
            while self.device.peek_used().is_none() {
                core::hint::spin_loop();
            }
            return;
        };
        loop {
            let seen = wait.count();
            if seen != self.acknowledged {
                if !matches!(self.interrupt, Some(DeviceInterrupt::MsiX(_))) {
                    self.device.ack_interrupt();
                }
                self.acknowledged = seen;
            }
            if self.device.peek_used().is_some() {
                return;
            }
            wait.wait(seen);
        }
    }
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
        let (mut request, mut response) = (BlkReq::default(), BlkResp::default());
        // SAFETY: the request, the buffer and the response stay borrowed by this call, untouched,
        // until `finish` has seen the device give the request back.
        let token = unsafe { self.device.read_blocks_nb(first as usize, &mut request, buffer, &mut response) }
            .map_err(|_| BlockError::Device)?;
        self.finish();
        // SAFETY: the same request, buffer and response as `read_blocks_nb` was given.
        unsafe { self.device.complete_read_blocks(token, &request, buffer, &mut response) }
            .map_err(|_| BlockError::Device)
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError> {
        if self.read_only() {
            return Err(BlockError::ReadOnly);
        }
        stardust_api::block::check_range(self, first, buffer.len())?;
        if buffer.is_empty() {
            return Ok(());
        }
        let (mut request, mut response) = (BlkReq::default(), BlkResp::default());
        // SAFETY: as in `read_blocks`.
        let token = unsafe { self.device.write_blocks_nb(first as usize, &mut request, buffer, &mut response) }
            .map_err(|_| BlockError::Device)?;
        self.finish();
        // SAFETY: the same request, buffer and response as `write_blocks_nb` was given.
        unsafe { self.device.complete_write_blocks(token, &request, buffer, &mut response) }
            .map_err(|_| BlockError::Device)
    }

    /// Polled: virtio-drivers has no flush that returns before the device finished it.
    fn flush(&mut self) -> Result<(), BlockError> {
        self.device.flush().map_err(|_| BlockError::Device)
    }

    fn interrupt(&self) -> Option<DeviceInterrupt> {
        self.interrupt
    }

    fn wait_by_interrupt(&mut self, wait: &'static dyn InterruptWait) {
        if self.interrupt.is_some() {
            self.wait = Some(wait);
        }
    }
}

/// Every virtio block device (see `transports` for where they are looked for). Devices that fail
/// to start are reported (warn) and skipped.
pub fn block_devices(cmdline: &str) -> Vec<Box<dyn BlockDevice + Send>> {
    let mut disks: Vec<Box<dyn BlockDevice + Send>> = Vec::new();
    for (transport, interrupt) in transports(cmdline, DeviceType::Block) {
        match VirtIOBlk::new(transport) {
            Ok(device) => disks.push(Box::new(VirtioDisk { device, interrupt, wait: None, acknowledged: u64::MAX })),
            Err(error) => log::warn!("virtio-blk: {error:?}"),
        }
    }
    disks
}
