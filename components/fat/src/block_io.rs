//! A block device as a seekable byte stream, through a write-back block cache.
//!
//! The cache holds chunks of 64 consecutive blocks (32 KiB with 512-byte blocks), each with a
//! bitmap of the blocks it holds and of those written since, evicted least recently used. A
//! read that misses fetches the rest of its chunk in one request (read-ahead); a write of a
//! whole block never reads it; write-back sends each run of written blocks as one request.
//! fatfs makes many small accesses (32-byte directory entries, 4-byte FAT entries, one cluster
//! at a time), so nearly all of them are served from memory.

use alloc::vec::Vec;
use core_io::{Error, ErrorKind, Read, Result, Seek, SeekFrom, Write};
use stardust_api::{BlockDevice, BlockError};

/// Blocks per cache chunk (the bitmaps are `u64`s).
const CHUNK_BLOCKS: usize = 64;
/// Chunks cached unless `with_cache` says otherwise.
pub const DEFAULT_CHUNKS: usize = 8;

struct Chunk {
    /// Which chunk of the disk (its first block is `number * CHUNK_BLOCKS`).
    number: u64,
    data: Vec<u8>,
    /// Bit i: block i holds the disk's data (or newer).
    valid: u64,
    /// Bit i: block i was written and is not on the disk yet.
    dirty: u64,
    /// When it was last used (for eviction).
    used: u64,
}

/// A block device read and written as bytes at any offset.
pub struct BlockIo<D: BlockDevice> {
    device: D,
    position: u64,
    length: u64,
    block_size: usize,
    chunks: Vec<Chunk>,
    max_chunks: usize,
    clock: u64,
    /// The chunk used last (most accesses hit it again).
    last: usize,
    /// If set, `Write::flush` (which fatfs calls after every file operation) keeps the cache;
    /// only [`BlockIo::sync`] writes it back.
    lazy_flush: bool,
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

/// The runs of set bits in `bits` (below `limit`), as (first, count).
fn runs(bits: u64, limit: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut at = 0;
    core::iter::from_fn(move || {
        while at < limit && bits & (1 << at) == 0 {
            at += 1;
        }
        if at >= limit {
            return None;
        }
        let first = at;
        while at < limit && bits & (1 << at) != 0 {
            at += 1;
        }
        Some((first, at - first))
    })
}

/// Bits `first..first + count`.
fn mask(first: usize, count: usize) -> u64 {
    if count >= 64 { u64::MAX << first } else { ((1u64 << count) - 1) << first }
}

impl<D: BlockDevice> BlockIo<D> {
    /// The device as a stream, positioned at its start, with the default cache.
    pub fn new(device: D) -> Self {
        Self::with_cache(device, DEFAULT_CHUNKS)
    }

    /// As `new`, caching at most `chunks` chunks of 64 blocks (at least one).
    pub fn with_cache(device: D, chunks: usize) -> Self {
        let block_size = device.block_size();
        let length = device.block_count().saturating_mul(block_size as u64);
        BlockIo {
            device,
            position: 0,
            length,
            block_size,
            chunks: Vec::new(),
            max_chunks: chunks.max(1),
            clock: 0,
            last: 0,
            lazy_flush: false,
            pending_dot_dot: None,
            fat32_root: None,
        }
    }

    /// Makes `Write::flush` keep the cache (see the field); [`BlockIo::sync`] still writes back.
    pub fn set_lazy_flush(&mut self, lazy: bool) {
        self.lazy_flush = lazy;
    }

    /// Tells the stream the volume is FAT32 with its root directory at `cluster` (see `settle`).
    pub fn set_fat32_root(&mut self, cluster: u32) {
        self.fat32_root = Some(cluster);
    }

    /// The device (after `sync`, everything written is on it).
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Writes every cached change to the device, in disk order, and flushes the device: when it
    /// returns Ok, everything written before is durable.
    pub fn sync(&mut self) -> Result<()> {
        self.settle()?;
        let mut order: Vec<usize> = (0..self.chunks.len()).filter(|&i| self.chunks[i].dirty != 0).collect();
        order.sort_by_key(|&i| self.chunks[i].number);
        for index in order {
            self.write_back(index)?;
        }
        self.device.flush().map_err(to_io)
    }

    /// Blocks of the chunk that lie on the disk (the last chunk may be cut short).
    fn blocks_in(&self, number: u64) -> usize {
        let total = self.device.block_count();
        let first = number * CHUNK_BLOCKS as u64;
        (total.saturating_sub(first)).min(CHUNK_BLOCKS as u64) as usize
    }

    fn write_back(&mut self, index: usize) -> Result<()> {
        let (number, dirty) = (self.chunks[index].number, self.chunks[index].dirty);
        let size = self.block_size;
        for (first, count) in runs(dirty, CHUNK_BLOCKS) {
            let block = number * CHUNK_BLOCKS as u64 + first as u64;
            let data = &self.chunks[index].data[first * size..(first + count) * size];
            self.device.write_blocks(block, data).map_err(to_io)?;
            self.chunks[index].dirty &= !mask(first, count);
        }
        Ok(())
    }

    /// The cache slot holding chunk `number` (made, or taken from the least recently used).
    fn chunk(&mut self, number: u64) -> Result<usize> {
        self.clock += 1;
        let index = if self.chunks.get(self.last).is_some_and(|c| c.number == number) {
            self.last
        } else if let Some(found) = self.chunks.iter().position(|c| c.number == number) {
            found
        } else if let Some(data) = self.new_chunk_data() {
            self.chunks.push(Chunk { number, data, valid: 0, dirty: 0, used: 0 });
            self.chunks.len() - 1
        } else if self.chunks.is_empty() {
            return Err(Error::new(ErrorKind::Other, "no memory for the disk cache"));
        } else {
            let victim = (0..self.chunks.len()).min_by_key(|&i| self.chunks[i].used).unwrap_or(0);
            self.write_back(victim)?;
            let chunk = &mut self.chunks[victim];
            chunk.number = number;
            chunk.valid = 0;
            victim
        };
        self.chunks[index].used = self.clock;
        self.last = index;
        Ok(index)
    }

    /// Memory for one more chunk, if the cache may grow and the heap has it.
    fn new_chunk_data(&self) -> Option<Vec<u8>> {
        if self.chunks.len() >= self.max_chunks {
            return None;
        }
        let mut data: Vec<u8> = Vec::new();
        data.try_reserve_exact(CHUNK_BLOCKS * self.block_size).ok()?;
        data.resize(CHUNK_BLOCKS * self.block_size, 0);
        Some(data)
    }

    /// Reads the blocks from `first` to the end of the chunk that it does not hold yet.
    fn fill(&mut self, index: usize, first: usize) -> Result<()> {
        let (number, valid) = (self.chunks[index].number, self.chunks[index].valid);
        let limit = self.blocks_in(number);
        let size = self.block_size;
        let missing = !valid & mask(first, CHUNK_BLOCKS - first);
        for (start, count) in runs(missing, limit) {
            let block = number * CHUNK_BLOCKS as u64 + start as u64;
            let data = &mut self.chunks[index].data[start * size..(start + count) * size];
            self.device.read_blocks(block, data).map_err(to_io)?;
            self.chunks[index].valid |= mask(start, count);
        }
        Ok(())
    }

    /// How many of `wanted` bytes lie before the end of the disk.
    fn transfer_length(&self, wanted: usize) -> usize {
        (wanted as u64).min(self.length.saturating_sub(self.position)) as usize
    }

    /// For the position: its chunk, its block in the chunk, the offset in the block, and how
    /// many of `remaining` bytes fit in that block.
    fn span(&self, remaining: usize) -> (u64, usize, usize, usize) {
        let size = self.block_size as u64;
        let block = self.position / size;
        let offset = (self.position % size) as usize;
        let chunk = block / CHUNK_BLOCKS as u64;
        let in_chunk = (block % CHUNK_BLOCKS as u64) as usize;
        (chunk, in_chunk, offset, remaining.min(self.block_size - offset))
    }
}

impl<D: BlockDevice> BlockIo<D> {
    /// Where `len` bytes at the position lie in the last-used chunk, if they all do and its
    /// blocks hold them (fatfs reads directory entries and FAT entries a few bytes at a time:
    /// this is their path).
    fn in_last_chunk(&self, len: usize) -> Option<usize> {
        let chunk = self.chunks.get(self.last)?;
        let chunk_bytes = (CHUNK_BLOCKS * self.block_size) as u64;
        let offset = self.position.checked_sub(chunk.number * chunk_bytes)?;
        let end = offset + len as u64;
        if len == 0 || end > chunk_bytes || self.position + len as u64 > self.length {
            return None;
        }
        let (first, last) = ((offset as usize) / self.block_size, (end as usize - 1) / self.block_size);
        let blocks = mask(first, last - first + 1);
        (chunk.valid & blocks == blocks).then_some(offset as usize)
    }
}

impl<D: BlockDevice> Read for BlockIo<D> {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        if self.pending_dot_dot.is_none()
            && let Some(at) = self.in_last_chunk(buffer.len())
        {
            buffer.copy_from_slice(&self.chunks[self.last].data[at..at + buffer.len()]);
            self.position += buffer.len() as u64;
            return Ok(buffer.len());
        }
        self.settle_unless_within(self.position)?;
        let count = self.transfer_length(buffer.len());
        let mut done = 0;
        while done < count {
            let (number, block, offset, chunk) = self.span(count - done);
            let index = self.chunk(number)?;
            if self.chunks[index].valid & (1 << block) == 0 {
                self.fill(index, block)?;
            }
            let at = block * self.block_size + offset;
            buffer[done..done + chunk].copy_from_slice(&self.chunks[index].data[at..at + chunk]);
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

    /// Writes everything back and flushes the device, unless the flush is lazy (see
    /// `set_lazy_flush`).
    fn flush(&mut self) -> Result<()> {
        if self.lazy_flush { self.settle() } else { self.sync() }
    }
}

impl<D: BlockDevice> BlockIo<D> {
    fn write_bytes(&mut self, buffer: &[u8]) -> Result<usize> {
        let count = self.transfer_length(buffer.len());
        let mut done = 0;
        while done < count {
            let (number, block, offset, chunk) = self.span(count - done);
            let index = self.chunk(number)?;
            let bit = 1u64 << block;
            if self.chunks[index].valid & bit == 0 && chunk < self.block_size {
                // Part of a block: the rest of it must come from the disk first.
                self.fill(index, block)?;
            }
            let at = block * self.block_size + offset;
            let slot = &mut self.chunks[index];
            slot.data[at..at + chunk].copy_from_slice(&buffer[done..done + chunk]);
            slot.valid |= bit;
            slot.dirty |= bit;
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
        let _ = self.sync();
    }
}
