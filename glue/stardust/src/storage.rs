//! Disks as the image's disk driver (the block slot) finds them (most apps want [`crate::fs`]
//! instead, where the storage slot mounts the first disk at `/data`).

use alloc_crate::boxed::Box;
use alloc_crate::vec::Vec;
pub use core_io as io;
pub use stardust_api::conformance::{check_block_device, check_read_only_block_device};
pub use stardust_api::{BlockDevice, BlockError};

/// A disk the monitor gave the VM, as the image's disk driver (the block slot) found it.
pub struct Disk(Box<dyn BlockDevice + Send>);

impl BlockDevice for Disk {
    fn block_size(&self) -> usize {
        self.0.block_size()
    }

    fn block_count(&self) -> u64 {
        self.0.block_count()
    }

    fn read_only(&self) -> bool {
        self.0.read_only()
    }

    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError> {
        self.0.read_blocks(first, buffer)
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError> {
        self.0.write_blocks(first, buffer)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.0.flush()
    }
}

/// The block slot's driver, registered at boot by images that have one.
static FIND_DISKS: spin::Once<DiskFinder> = spin::Once::new();

/// The block slot's function: the command line in, the disks out.
pub type DiskFinder = fn(&str) -> Vec<Box<dyn BlockDevice + Send>>;

pub(crate) fn register(find_disks: DiskFinder) {
    FIND_DISKS.call_once(|| find_disks);
}

/// Every disk, in the order the monitor lists them (found when called); none in images whose
/// block slot is `none`.
pub fn disks() -> Vec<Disk> {
    let Some(find_disks) = FIND_DISKS.get() else { return Vec::new() };
    let cmdline = hal::boot::info().map_or("", |info| info.cmdline());
    find_disks(cmdline).into_iter().map(Disk).collect()
}
