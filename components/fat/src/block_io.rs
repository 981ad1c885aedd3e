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
    /// Where a `..` entry is being written (see `settle`).
    pending_dot_dot: Option<u64>,
    /// The root directory's cluster on FAT32 (a `..` naming it must say 0 instead).
    fat32_root: Option<u32>,
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
        BlockIo { device, position: 0, length, cache, cached: None, pending_dot_dot: None, fat32_root: None }
    }

    /// Tells the stream the volume is FAT32 with its root directory at `cluster` (see `settle`).
    pub fn set_fat32_root(&mut self, cluster: u32) {
        self.fat32_root = Some(cluster);
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

    /// How many of `wanted` bytes lie before the end of the disk.
    fn transfer_length(&self, wanted: usize) -> usize {
        (wanted as u64).min(self.length.saturating_sub(self.position)) as usize
    }

    /// The block under the position, the offset in it, and how many of `remaining` bytes fit.
    fn span(&self, remaining: usize) -> (u64, usize, usize) {
        let size = self.cache.len() as u64;
        let offset = (self.position % size) as usize;
        (self.position / size, offset, remaining.min(self.cache.len() - offset))
    }
}

impl<D: BlockDevice> Read for BlockIo<D> {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        self.settle_unless_within(self.position)?;
        let count = self.transfer_length(buffer.len());
        let mut done = 0;
        while done < count {
            let (block, offset, chunk) = self.span(count - done);
            self.load(block)?;
            buffer[done..done + chunk].copy_from_slice(&self.cache[offset..offset + chunk]);
            done += chunk;
            self.position += chunk as u64;
        }
        Ok(count)
    }
}

const ENTRY: usize = 32;
const DOT: &[u8; 11] = b".          ";
const DOT_DOT: &[u8; 11] = b"..         ";
const LONG_NAME: u8 = 0x0f;

/// True if `entry` is a long-name entry holding exactly `name` (ASCII, at most 2 characters).
fn is_long_name_for(entry: &[u8], name: &[u8]) -> bool {
    if entry.len() != ENTRY || entry[11] != LONG_NAME {
        return false;
    }
    // The first five UTF-16 characters sit at bytes 1..11: the name, a NUL, then 0xFFFF padding.
    let characters: [u16; 5] = core::array::from_fn(|i| u16::from_le_bytes([entry[1 + 2 * i], entry[2 + 2 * i]]));
    characters.iter().enumerate().all(|(i, &c)| match i.cmp(&name.len()) {
        core::cmp::Ordering::Less => c == u16::from(name[i]),
        core::cmp::Ordering::Equal => c == 0,
        core::cmp::Ordering::Greater => c == 0xffff,
    })
}

impl<D: BlockDevice> BlockIo<D> {
    /// fatfs 0.3.6 gives the `.` and `..` entries of a new directory long-name entries of their
    /// own, so they land in slots 1 and 3 of the directory instead of 0 and 1, which fsck.fat and
    /// other systems reject. fatfs writes entries field by field, so when the name `..` is
    /// written at the start of an entry, the repair waits until fatfs moves on (or flushes);
    /// then, if the four slots hold exactly that pattern (long `.`, `.`, long `..`, `..`), they
    /// are rewritten as `.`, `..` and two free entries (and a `..` naming the FAT32 root gets
    /// cluster 0, as FAT requires). Nothing else matches: a rename that updates `..` later finds
    /// `.` in slot 0.
    fn settle(&mut self) -> Result<()> {
        let Some(at) = self.pending_dot_dot.take() else { return Ok(()) };
        if at < 3 * ENTRY as u64 {
            return Ok(());
        }
        let start = at - 3 * ENTRY as u64;
        let mut slots = [0u8; 4 * ENTRY];
        let saved = self.position;
        self.position = start;
        let read = self.read(&mut slots);
        self.position = saved;
        if read? != slots.len()
            || !is_long_name_for(&slots[..ENTRY], b".")
            || &slots[ENTRY..ENTRY + 11] != DOT
            || !is_long_name_for(&slots[2 * ENTRY..3 * ENTRY], b"..")
            || &slots[3 * ENTRY..3 * ENTRY + 11] != DOT_DOT
        {
            return Ok(());
        }
        let mut repaired = [0u8; 4 * ENTRY];
        repaired[..ENTRY].copy_from_slice(&slots[ENTRY..2 * ENTRY]);
        repaired[ENTRY..2 * ENTRY].copy_from_slice(&slots[3 * ENTRY..]);
        // fatfs also names the FAT32 root by its cluster in `..`, where FAT says 0.
        let dot_dot = &mut repaired[ENTRY..2 * ENTRY];
        let cluster = u32::from(u16::from_le_bytes([dot_dot[20], dot_dot[21]])) << 16
            | u32::from(u16::from_le_bytes([dot_dot[26], dot_dot[27]]));
        if Some(cluster) == self.fat32_root {
            dot_dot[20..22].fill(0);
            dot_dot[26..28].fill(0);
        }
        self.position = start;
        let written = self.write_bytes(&repaired);
        self.position = saved;
        written.map(|_| ())
    }

    /// Settles a pending repair unless `position` lies inside the entry still being written.
    fn settle_unless_within(&mut self, position: u64) -> Result<()> {
        match self.pending_dot_dot {
            Some(at) if (at..at + ENTRY as u64).contains(&position) => Ok(()),
            Some(_) => self.settle(),
            None => Ok(()),
        }
    }
}

impl<D: BlockDevice> Write for BlockIo<D> {
    fn write(&mut self, buffer: &[u8]) -> Result<usize> {
        if self.device.read_only() {
            return Err(to_io(BlockError::ReadOnly));
        }
        self.settle_unless_within(self.position)?;
        let at = self.position;
        let written = self.write_bytes(buffer)?;
        if buffer == DOT_DOT && at.is_multiple_of(ENTRY as u64) {
            self.pending_dot_dot = Some(at);
        }
        Ok(written)
    }

    fn flush(&mut self) -> Result<()> {
        self.settle()?;
        self.write_back()?;
        self.device.flush().map_err(to_io)
    }
}

impl<D: BlockDevice> BlockIo<D> {
    fn write_bytes(&mut self, buffer: &[u8]) -> Result<usize> {
        let count = self.transfer_length(buffer.len());
        let mut done = 0;
        while done < count {
            let (block, offset, chunk) = self.span(count - done);
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
