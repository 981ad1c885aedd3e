//! The storage slot's `fat` choice: glue between the runtime (`stardust`: its threads, its file
//! name space, its disks) and the FAT component (`stardust-fat`: fatfs over a block cache). At
//! boot it mounts the first disk's FAT volume where the profile says, served by a thread of its
//! own (fatfs volumes cannot move between threads); apps that want fatfs itself (disktest) mount
//! a disk's volume directly with [`mount`].
//!
//! What it is not: a file system (that is `stardust-fat`) or the file API (`stardust::fs`).

#![no_std]
#![forbid(unsafe_code)]

pub use stardust_fat::{FileSystem, MountError, SharedIo, fatfs};

use stardust::fs::{FsError, Server};
use stardust::storage::{BlockDevice, Disk};
use stardust::time::{SystemTime, UNIX_EPOCH};

/// The wall clock, for the timestamps of the files the VM writes.
fn unix_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs())
}

/// Mounts the FAT volume on `disk` (the whole disk, no partition table) for fatfs's own API.
pub fn mount(disk: Disk) -> Result<FileSystem<Disk>, MountError> {
    stardust_fat::set_clock(unix_seconds);
    stardust_fat::mount(disk)
}

/// The thread that owns a mounted volume: mounts it, serves the name space's calls until the
/// image exits, then unmounts it (written back and marked clean).
fn serve(disk: Disk, cache_chunks: usize, server: Server) {
    let (volume, io) = match stardust_fat::mount_shared(disk, cache_chunks) {
        Ok(mounted) => mounted,
        Err(error) => return server.failed(FsError::from(error)),
    };
    let mut session = stardust_fat::FatSession::new(&volume, io);
    let served = server.serve(&mut session);
    drop(session);
    if let Err(error) = volume.unmount() {
        log::error!("unmounting failed: {error}");
    }
    drop(served);
}

/// The storage slot's value: at boot, mounts the first disk's FAT volume at `path` (or says why
/// not, and keeps the mount point answering with the reason).
pub fn mount_first_disk(path: &str) {
    let Some(disk) = stardust::storage::disks().into_iter().next() else {
        log::info!("no disk: nothing mounted at {path}");
        if let Err(error) = stardust::fs::mount_unavailable(path, FsError::NoDevice) {
            log::error!("{path}: {error}");
        }
        return;
    };
    stardust_fat::set_clock(unix_seconds);
    // The disk cache: a 64th of the heap, from 4 chunks (128 KiB with 512-byte blocks) to 128.
    let chunk_bytes = 64 * disk.block_size();
    let cache_chunks = (stardust::heap::stats().total / 64 / chunk_bytes.max(1) as u64).clamp(4, 128) as usize;
    match stardust::fs::mount_served(path, 64 * 1024, move |server| serve(disk, cache_chunks, server)) {
        Ok(()) => log::info!("{path}: first disk mounted ({})", stardust::fs::mounted_kind(path).unwrap_or("?")),
        Err(error) => log::error!("cannot mount the first disk at {path}: {error}"),
    }
}
