//! disktest: mounts the FAT volume on the first disk and prints every directory and every file
//! with its size and FNV-1a checksum (`file PATH SIZE CHECKSUM`), so that a test can compare
//! with the files the image was built from.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::storage::io::Read;
use stardust::storage::{BlockDevice, Disk, fatfs};

type Dir<'a> = fatfs::Dir<'a, stardust_fat_io::Io>;

mod stardust_fat_io {
    pub type Io = stardust::storage::fatfs_io::BlockIo<stardust::storage::Disk>;
}

fn checksum(file: &mut impl Read) -> Option<(u64, u64)> {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut size = 0u64;
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let count = file.read(&mut chunk).ok()?;
        if count == 0 {
            return Some((size, hash));
        }
        for &byte in &chunk[..count] {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        size += count as u64;
    }
}

fn walk(dir: &Dir<'_>, path: &str, depth: u32) -> Result<(), String> {
    if depth > 16 {
        return Err(format!("{path}: too deep"));
    }
    let mut entries = Vec::new();
    for entry in dir.iter() {
        let entry = entry.map_err(|error| format!("{path}: {error}"))?;
        let name = entry.file_name();
        if name != "." && name != ".." {
            entries.push(entry);
        }
    }
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let child = format!("{path}/{}", entry.file_name());
        if entry.is_dir() {
            println!("dir {child}");
            walk(&entry.to_dir(), &child, depth + 1)?;
        } else {
            let (size, hash) = checksum(&mut entry.to_file()).ok_or_else(|| format!("{child}: read failed"))?;
            println!("file {child} {size} {hash:016x}");
        }
    }
    Ok(())
}

/// The app's entry.
pub fn main() -> i32 {
    let mut disks = stardust::storage::disks();
    println!("disktest: {} disk(s)", disks.len());
    if disks.is_empty() {
        return 1;
    }
    let disk: Disk = disks.remove(0);
    println!(
        "disktest: {} blocks of {} bytes{}",
        disk.block_count(),
        disk.block_size(),
        if disk.read_only() { ", read-only" } else { "" }
    );
    let fs = match stardust::storage::mount_fat(disk) {
        Ok(fs) => fs,
        Err(error) => {
            println!("disktest: cannot mount: {error}");
            return 2;
        }
    };
    println!("disktest: {:?} volume", fs.fat_type());
    match walk(&fs.root_dir(), "", 0) {
        Ok(()) => {
            println!("disktest: done");
            0
        }
        Err(error) => {
            println!("disktest: FAILED: {error}");
            3
        }
    }
}
