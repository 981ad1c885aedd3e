//! FAT12/16/32 with long file names for Stardust: the `fatfs` crate over a [`BlockDevice`].
//!
//! [`BlockIo`] turns a block device into the byte stream fatfs reads and writes (through a
//! one-block write-back cache: fatfs makes many small accesses to the same sector), and
//! [`mount`] checks the volume before handing out a `fatfs::FileSystem`. A corrupt or truncated
//! disk is a [`MountError`] or an I/O error from the operation, never a panic.
//!
//! [`FatSession`] puts a mounted volume behind the VFS contract (`stardust_vfs::FileSystem`).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod block_io;
mod clock;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
mod session;

pub use block_io::{BlockIo, DEFAULT_CHUNKS};
pub use clock::fat_date_time;
pub use fatfs;
pub use session::{FatSession, fs_error};
pub use stardust_vfs::{Clock, set_clock};

use alloc::rc::Rc;
use core::cell::RefCell;
use core::fmt;
use core_io::{Read, Seek, SeekFrom};
use stardust_api::BlockDevice;

/// A mounted FAT volume over a block device.
pub type FileSystem<D> = fatfs::FileSystem<SharedIo<D>>;

/// The disk stream of a mounted volume, shared between fatfs and its owner (who may flush it:
/// fatfs itself only flushes through a file). Not `Send`: the volume stays in one thread.
pub struct SharedIo<D: BlockDevice>(Rc<RefCell<BlockIo<D>>>);

impl<D: BlockDevice> Clone for SharedIo<D> {
    fn clone(&self) -> Self {
        SharedIo(Rc::clone(&self.0))
    }
}

impl<D: BlockDevice> SharedIo<D> {
    /// True if the disk refuses writes.
    pub fn read_only(&self) -> bool {
        self.0.borrow().device().read_only()
    }

    /// Writes the cache back and flushes the disk (see [`BlockIo::sync`]).
    pub fn sync(&self) -> core_io::Result<()> {
        self.0.borrow_mut().sync()
    }

    /// See [`BlockIo::set_lazy_flush`].
    pub fn set_lazy_flush(&self, lazy: bool) {
        self.0.borrow_mut().set_lazy_flush(lazy);
    }
}

impl<D: BlockDevice> core_io::Read for SharedIo<D> {
    fn read(&mut self, buffer: &mut [u8]) -> core_io::Result<usize> {
        self.0.borrow_mut().read(buffer)
    }
}

impl<D: BlockDevice> core_io::Write for SharedIo<D> {
    fn write(&mut self, buffer: &[u8]) -> core_io::Result<usize> {
        self.0.borrow_mut().write(buffer)
    }

    fn flush(&mut self) -> core_io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

impl<D: BlockDevice> core_io::Seek for SharedIo<D> {
    fn seek(&mut self, position: core_io::SeekFrom) -> core_io::Result<u64> {
        self.0.borrow_mut().seek(position)
    }
}

/// Why a volume could not be mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountError {
    /// The device's blocks are not 512, 1024, 2048 or 4096 bytes.
    BlockSize(usize),
    /// The device is too small to hold a FAT boot sector.
    TooSmall,
    /// The boot sector is not a FAT one (no 0x55AA signature).
    NotFat,
    /// The volume says it is longer than the disk (a truncated image).
    Truncated { volume_bytes: u64, disk_bytes: u64 },
    /// The volume is corrupt: fatfs's description.
    Corrupt(&'static str),
}

impl MountError {
    /// What is wrong, in a few words (`Display` adds the numbers).
    pub fn reason(&self) -> &'static str {
        match self {
            MountError::BlockSize(_) => "the disk's blocks are not 512, 1024, 2048 or 4096 bytes",
            MountError::TooSmall => "the disk is too small for a FAT volume",
            MountError::NotFat => "not a FAT file system (no 0x55AA boot signature)",
            MountError::Truncated { .. } => "the disk is shorter than its FAT volume (truncated image)",
            MountError::Corrupt(reason) => reason,
        }
    }
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::BlockSize(size) => write!(f, "{} (they are {size})", self.reason()),
            MountError::Truncated { volume_bytes, disk_bytes } => {
                write!(f, "the volume needs {volume_bytes} bytes but the disk has {disk_bytes}: truncated image")
            }
            MountError::Corrupt(reason) => write!(f, "corrupt FAT volume: {reason}"),
            _ => f.write_str(self.reason()),
        }
    }
}

/// A volume that cannot be mounted, as the VFS reports it: a disk it cannot use is an I/O error,
/// anything else a corrupt file system.
impl From<MountError> for stardust_vfs::FsError {
    fn from(error: MountError) -> Self {
        match error {
            MountError::BlockSize(_) => stardust_vfs::FsError::Io(error.reason()),
            _ => stardust_vfs::FsError::Corrupt(error.reason()),
        }
    }
}

/// Mounts the FAT volume on `device` (the whole device: no partition table).
pub fn mount<D: BlockDevice>(device: D) -> Result<FileSystem<D>, MountError> {
    mount_shared(device, block_io::DEFAULT_CHUNKS).map(|(fs, _)| fs)
}

/// Mounts as [`mount`] with a cache of `cache_chunks` chunks of 64 blocks, also returning the
/// volume's disk stream (for [`FatSession`]).
pub fn mount_shared<D: BlockDevice>(
    device: D,
    cache_chunks: usize,
) -> Result<(FileSystem<D>, SharedIo<D>), MountError> {
    let block_size = device.block_size();
    if !matches!(block_size, 512 | 1024 | 2048 | 4096) {
        return Err(MountError::BlockSize(block_size));
    }
    let mut io = BlockIo::with_cache(device, cache_chunks);
    let mut sector = [0u8; 512];
    if io.seek(SeekFrom::Start(0)).is_err() || io.read_exact(&mut sector).is_err() {
        return Err(MountError::TooSmall);
    }
    if sector[510..512] != [0x55, 0xaa] {
        return Err(MountError::NotFat);
    }
    // fatfs trusts the boot sector's size; a shorter disk would fail later, mid-operation.
    let bytes_per_sector = u64::from(u16::from_le_bytes([sector[11], sector[12]]));
    let sectors = match u16::from_le_bytes([sector[19], sector[20]]) {
        0 => u64::from(u32::from_le_bytes([sector[32], sector[33], sector[34], sector[35]])),
        small => u64::from(small),
    };
    let (volume_bytes, disk_bytes) = (sectors * bytes_per_sector, io.device().block_count() * block_size as u64);
    if volume_bytes > disk_bytes {
        return Err(MountError::Truncated { volume_bytes, disk_bytes });
    }
    // fatfs adds these up in 32 bits (an overflow found by fuzzing): check them in 64 first.
    let word = |at: usize| u64::from(u16::from_le_bytes([sector[at], sector[at + 1]]));
    let sectors_per_fat = match word(22) {
        0 => u64::from(u32::from_le_bytes([sector[36], sector[37], sector[38], sector[39]])),
        small => small,
    };
    let root_dir_sectors = (word(17) * 32).div_ceil(bytes_per_sector.max(1));
    let first_data_sector = word(14) + u64::from(sector[16]) * sectors_per_fat + root_dir_sectors;
    if first_data_sector >= sectors {
        return Err(MountError::Corrupt("the reserved, FAT and root directory areas exceed the volume"));
    }
    // FAT32 (no 16-bit FAT size): its root directory's cluster, for `BlockIo`'s `..` repair.
    if u16::from_le_bytes([sector[22], sector[23]]) == 0 {
        io.set_fat32_root(u32::from_le_bytes([sector[44], sector[45], sector[46], sector[47]]));
    }
    io.seek(SeekFrom::Start(0)).map_err(|_| MountError::TooSmall)?;
    let shared = SharedIo(Rc::new(RefCell::new(io)));
    let fs = fatfs::FileSystem::new(shared.clone(), fatfs::FsOptions::new().time_provider(&clock::WALL_CLOCK))
        .map_err(|error| MountError::Corrupt(error.message()))?;
    Ok((fs, shared))
}

#[cfg(test)]
mod tests;
