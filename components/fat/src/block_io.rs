//! A block device as a seekable byte stream, with a one-block write-back cache.

use alloc::vec;
use alloc::vec::Vec;
use core_io::{Error, ErrorKind, Read, Result, Seek, SeekFrom, Write};
use stardust_api::{BlockDevice, BlockError};

/// A block device read and written as bytes at any offset.
pub struct BlockIo<D: BlockDevice> {
    device: D,
    position: u64,
    length: u64,
    cache: Vec<u8>,
    /// The block in `cache`, if any, and whether it holds writes not yet on the device.
    cached: Option<(u64, bool)>,
}

fn to_io(error: BlockError) -> Error {
    match error {
        BlockError::ReadOnly => Error::new(ErrorKind::PermissionDenied, "the disk is read-only"),
        BlockError::OutOfRange => Error::new(ErrorKind::UnexpectedEof, "past the end of the disk"),
        BlockError::BadLength => Error::new(ErrorKind::InvalidInput, "not a whole number of blocks"),
        BlockError::Device => Error::new(ErrorKind::Other, "the disk reported an I/O error"),
    }
}

impl<D: BlockDevice> BlockIo<D> {
    /// The device as a stream, positioned at its start.
    pub fn new(device: D) -> Self {
        let length = device.block_count().saturating_mul(device.block_size() as u64);
        let cache = vec![0; device.block_size()];
        BlockIo { device, position: 0, length, cache, cached: None }
    }

    /// The device (after `flush`, everything written is on it).
    pub fn device(&self) -> &D {
        &self.device
    }

    fn write_back(&mut self) -> Result<()> {
        if let Some((block, true)) = self.cached {
            self.device.write_blocks(block, &self.cache).map_err(to_io)?;
            self.cached = Some((block, false));
        }
        Ok(())
    }

    /// Makes `block` the cached one.
    fn load(&mut self, block: u64) -> Result<()> {
        if matches!(self.cached, Some((cached, _)) if cached == block) {
            return Ok(());
        }
        self.write_back()?;
        self.cached = None;
        self.device.read_blocks(block, &mut self.cache).map_err(to_io)?;
        self.cached = Some((block, false));
        Ok(())
    }

    fn block_size(&self) -> u64 {
        self.cache.len() as u64
    }
}

impl<D: BlockDevice> Read for BlockIo<D> {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        let available = self.length.saturating_sub(self.position);
        let count = (buffer.len() as u64).min(available) as usize;
        let mut done = 0;
        while done < count {
            let block = self.position / self.block_size();
            let offset = (self.position % self.block_size()) as usize;
            let chunk = (count - done).min(self.cache.len() - offset);
            self.load(block)?;
            buffer[done..done + chunk].copy_from_slice(&self.cache[offset..offset + chunk]);
            done += chunk;
            self.position += chunk as u64;
        }
        Ok(count)
    }
}

impl<D: BlockDevice> Write for BlockIo<D> {
    fn write(&mut self, buffer: &[u8]) -> Result<usize> {
        if self.device.read_only() {
            return Err(to_io(BlockError::ReadOnly));
        }
        let available = self.length.saturating_sub(self.position);
        let count = (buffer.len() as u64).min(available) as usize;
        let mut done = 0;
        while done < count {
            let block = self.position / self.block_size();
            let offset = (self.position % self.block_size()) as usize;
            let chunk = (count - done).min(self.cache.len() - offset);
            if offset == 0 && chunk == self.cache.len() {
                // A whole block: no need to read it first.
                self.write_back()?;
                self.cache.copy_from_slice(&buffer[done..done + chunk]);
            } else {
                self.load(block)?;
                self.cache[offset..offset + chunk].copy_from_slice(&buffer[done..done + chunk]);
            }
            self.cached = Some((block, true));
            done += chunk;
            self.position += chunk as u64;
        }
        Ok(count)
    }

    fn flush(&mut self) -> Result<()> {
        self.write_back()?;
        self.device.flush().map_err(to_io)
    }
}

impl<D: BlockDevice> Seek for BlockIo<D> {
    fn seek(&mut self, position: SeekFrom) -> Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(offset) => self.length.checked_add_signed(offset),
            SeekFrom::Current(offset) => self.position.checked_add_signed(offset),
        };
        match target {
            Some(target) => {
                self.position = target;
                Ok(target)
            }
            None => Err(Error::new(ErrorKind::InvalidInput, "seek before the start of the disk")),
        }
    }
}

/// A stream dropped with writes still in its cache writes them (fatfs's `unmount` does not flush
/// the disk itself).
impl<D: BlockDevice> Drop for BlockIo<D> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
