//! disktest: mounts the FAT volume on the first disk, then by mode (first argument):
//! - `list` (default): prints every directory and every file with its size and FNV-1a checksum
//!   (`file PATH SIZE CHECKSUM`), so that a test can compare with the files the image was built
//!   from;
//! - `write`: creates directories and files (long names, 3 MiB of data), renames one, removes
//!   another, and unmounts: the host then checks the volume with fsck.fat and extracts the files;
//! - `fill`: writes until the disk is full, reports the error, and unmounts cleanly;
//! - `sync`: writes a file, flushes it to the disk, prints `disktest: synced` and then waits to be
//!   killed (the host checks the data survived);
//! - `readonly`: tries to create a file and reports the error;
//! - `contract`: runs the block-device contract's conformance checks on the raw disk (it
//!   overwrites blocks: give it a scratch disk; a read-only disk gets the read-only checks) and
//!   mounts nothing;
//! - `interrupts`: reads the disk's first MiB in 4 KiB requests (mounting nothing) and says
//!   how many of its waits the disk's interrupt ended and how many timed out, or that the disk
//!   is polled (the counts depend on timing: for tests, not for comparing output).

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::storage::io::{Read, Write};
use stardust::storage::{BlockDevice, Disk};
use stardust_storage_fat::fatfs;

type Dir<'a> = fatfs::Dir<'a, stardust_fat_io::Io>;

mod stardust_fat_io {
    pub type Io = stardust_storage_fat::SharedIo<stardust::storage::Disk>;
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

fn pattern(length: usize, seed: u8) -> Vec<u8> {
    (0..length).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

type Fs = stardust_storage_fat::FileSystem<Disk>;

fn write_tree(fs: &Fs) -> Result<(), String> {
    let root = fs.root_dir();
    let error = |what: &'static str| move |e: stardust::storage::io::Error| format!("{what}: {e}");
    let dir = root.create_dir("Written By The VM").map_err(error("create dir"))?;
    let inner = dir.create_dir("inner directory").map_err(error("create inner"))?;
    inner
        .create_file("a long file name.bin")
        .map_err(error("create"))?
        .write_all(&pattern(3 << 20, 7))
        .map_err(error("write"))?;
    dir.create_file("notes.txt")
        .map_err(error("create"))?
        .write_all(b"written by stardust\n")
        .map_err(error("write"))?;
    dir.create_file("to be removed.txt").map_err(error("create"))?.write_all(b"gone").map_err(error("write"))?;
    dir.remove("to be removed.txt").map_err(error("remove"))?;
    dir.rename("notes.txt", &dir, "renamed notes.txt").map_err(error("rename"))?;
    Ok(())
}

fn fill(fs: &Fs) -> Result<u64, String> {
    let mut file = fs.root_dir().create_file("filler.bin").map_err(|e| format!("create: {e}"))?;
    let chunk = pattern(64 * 1024, 3);
    let mut written = 0u64;
    loop {
        match file.write_all(&chunk) {
            Ok(()) => written += chunk.len() as u64,
            Err(error) => {
                println!("disktest: disk full after {written} bytes: {error}");
                return Ok(written);
            }
        }
    }
}

/// The `interrupts` mode: 4 KiB reads over the first MiB (or the whole disk, if smaller).
fn read_and_count_interrupts(disk: &mut Disk) -> i32 {
    let mut buffer = vec![0u8; 4096];
    let per_request = (buffer.len() / disk.block_size()) as u64;
    let mut requests = 0;
    let mut first = 0;
    while requests < 256 && first + per_request <= disk.block_count() {
        if let Err(error) = disk.read_blocks(first, &mut buffer) {
            println!("disktest: FAILED: read at block {first}: {error}");
            return 3;
        }
        first += per_request;
        requests += 1;
    }
    match disk.interrupt_waits() {
        Some(waits) => {
            println!("disktest: {requests} reads; waits woken by the disk's interrupt {}", waits.woken);
            println!("disktest: waits that timed out {}", waits.timed_out);
        }
        None => println!("disktest: {requests} reads; the disk is polled"),
    }
    0
}

/// The app's entry.
pub fn main() -> i32 {
    let mode = stardust::env::args().nth(1).unwrap_or_else(|| "list".to_string());
    let mut disks = stardust::storage::disks();
    println!("disktest: {} disk(s)", disks.len());
    if disks.is_empty() {
        return 1;
    }
    let mut disk: Disk = disks.remove(0);
    println!(
        "disktest: {} blocks of {} bytes{}",
        disk.block_count(),
        disk.block_size(),
        if disk.read_only() { ", read-only" } else { "" }
    );
    if mode == "contract" {
        let checked = if disk.read_only() {
            stardust::storage::check_read_only_block_device(&mut disk)
        } else {
            stardust::storage::check_block_device(&mut disk)
        };
        return match checked {
            Ok(()) => {
                println!("disktest: contract ok");
                0
            }
            Err(violation) => {
                println!("disktest: FAILED: contract: {violation}");
                3
            }
        };
    }
    if mode == "interrupts" {
        return read_and_count_interrupts(&mut disk);
    }
    let fs = match stardust_storage_fat::mount(disk) {
        Ok(fs) => fs,
        Err(error) => {
            println!("disktest: cannot mount: {error}");
            return 2;
        }
    };
    println!("disktest: {:?} volume", fs.fat_type());
    let result = match mode.as_str() {
        "list" => walk(&fs.root_dir(), "", 0),
        "write" => write_tree(&fs),
        "fill" => fill(&fs).map(|_| ()),
        "readonly" => match fs.root_dir().create_file("new.txt") {
            Ok(_) => Err("a read-only disk accepted a new file".into()),
            Err(error) => {
                println!("disktest: write refused: {error}");
                Ok(())
            }
        },
        "sync" => {
            let written = fs.root_dir().create_file("durable.bin").and_then(|mut file| {
                file.write_all(&pattern(256 * 1024, 9))?;
                file.flush()
            });
            // `File::flush` writes the file's directory entry and flushes the disk.
            match written {
                Ok(()) => {
                    println!("disktest: synced");
                    loop {
                        stardust::thread::sleep(stardust::time::Duration::from_secs(1));
                    }
                }
                Err(error) => Err(format!("sync: {error}")),
            }
        }
        other => Err(format!("unknown mode `{other}` (list, write, fill, sync, readonly, contract, interrupts)")),
    };
    if let Err(error) = result {
        println!("disktest: FAILED: {error}");
        return 3;
    }
    // Unmounting writes the FAT's dirty state and flushes the disk.
    if let Err(error) = fs.unmount() {
        println!("disktest: FAILED: unmount: {error}");
        return 3;
    }
    println!("disktest: done");
    0
}
