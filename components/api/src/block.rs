//! The block-device contract: fixed-size blocks read and written by number.

use crate::nic::DeviceInterrupt;
use core::fmt;

/// Why a block operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockError {
    /// The range lies (partly) beyond the device's last block.
    OutOfRange,
    /// The buffer is not a whole number of blocks.
    BadLength,
    /// The device is read-only and this was a write.
    ReadOnly,
    /// The device reported a failure.
    Device,
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlockError::OutOfRange => "block out of range",
            BlockError::BadLength => "buffer is not a whole number of blocks",
            BlockError::ReadOnly => "the device is read-only",
            BlockError::Device => "the device reported an I/O error",
        })
    }
}

/// A block device (a virtio disk, a RAM disk).
///
/// - `block_size` MUST be a power of two of at least 512 and never change; `block_count` never
///   changes.
/// - `read_blocks`/`write_blocks` transfer `buffer.len() / block_size` blocks starting at
///   `first`; a buffer that is not a whole number of blocks is `BadLength`, a range past the end
///   `OutOfRange`, and then nothing is transferred.
/// - A write on a read-only device MUST fail with `ReadOnly` and change nothing.
/// - After `flush` returns Ok, every write that returned Ok before it MUST survive a power loss.
pub trait BlockDevice {
    /// Bytes per block.
    fn block_size(&self) -> usize;
    /// Number of blocks.
    fn block_count(&self) -> u64;
    /// True if writes are refused.
    fn read_only(&self) -> bool;
    /// Reads blocks `first..` into `buffer`.
    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError>;
    /// Writes `buffer` to blocks `first..`.
    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError>;
    /// Makes written blocks durable.
    fn flush(&mut self) -> Result<(), BlockError>;
    /// How the device signals a finished request, if it can signal in a way the kernel can
    /// route; `None` (the default): its requests are waited for by polling.
    fn interrupt(&self) -> Option<DeviceInterrupt> {
        None
    }
    /// From now on, waits for each request with `wait`, which the kernel made for the
    /// device's interrupt once it routed it (`interrupt`). A device that cannot signal ignores
    /// it (the default). However long it waits, a request MUST still complete as the contract
    /// says: `wait` only spares the CPU.
    fn wait_by_interrupt(&mut self, wait: &'static dyn InterruptWait) {
        let _ = wait;
    }
}

/// A device's routed interrupt, for its driver to wait on ([`BlockDevice::wait_by_interrupt`]).
///
/// A driver whose device keeps its line raised until acknowledged acknowledges it when `count`
/// moved since its last acknowledgement, then looks at the device, then calls `wait` with the
/// count it read before the look: an interrupt that comes after the look ends the wait.
pub trait InterruptWait: Sync {
    /// The device's interrupts so far: a count that only grows.
    fn count(&self) -> u64;
    /// Waits until `count` passes `seen`, at once if it has. It MAY return early (the driver
    /// looks again), and MUST return at once where no wait is possible (interrupts off, no
    /// threads to switch to): the driver then polls.
    fn wait(&self, seen: u64);
}

/// Checks a transfer against a device's geometry: the number of blocks, or the error.
pub fn check_range(device: &dyn BlockDevice, first: u64, length: usize) -> Result<u64, BlockError> {
    let size = device.block_size();
    if size == 0 || !length.is_multiple_of(size) {
        return Err(BlockError::BadLength);
    }
    let count = (length / size) as u64;
    match first.checked_add(count) {
        Some(end) if end <= device.block_count() => Ok(count),
        _ => Err(BlockError::OutOfRange),
    }
}

impl<D: BlockDevice + ?Sized> BlockDevice for &mut D {
    fn block_size(&self) -> usize {
        (**self).block_size()
    }

    fn block_count(&self) -> u64 {
        (**self).block_count()
    }

    fn read_only(&self) -> bool {
        (**self).read_only()
    }

    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError> {
        (**self).read_blocks(first, buffer)
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError> {
        (**self).write_blocks(first, buffer)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        (**self).flush()
    }

    fn interrupt(&self) -> Option<DeviceInterrupt> {
        (**self).interrupt()
    }

    fn wait_by_interrupt(&mut self, wait: &'static dyn InterruptWait) {
        (**self).wait_by_interrupt(wait)
    }
}
