//! Volumes formatted by fatfs on a RAM disk: every FAT type, long names, nested directories, a
//! 5 MiB file, remounting, and damaged disks.

use super::*;
use core_io::{Read, Write};
use proptest::prelude::*;
use stardust_api::fakes::RamDisk;

fn formatted(fat_type: fatfs::FatType, megabytes: u64) -> RamDisk {
    let disk = RamDisk::new(512, megabytes * 2048);
    let mut io = BlockIo::new(disk);
    fatfs::format_volume(&mut io, fatfs::FormatVolumeOptions::new().fat_type(fat_type)).unwrap();
    io.flush().unwrap();
    io.device().clone()
}

fn pattern(length: usize) -> Vec<u8> {
    (0..length).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn every_fat_type_holds_long_names_and_nested_directories() {
    for (fat_type, megabytes) in [(fatfs::FatType::Fat12, 4), (fatfs::FatType::Fat16, 16), (fatfs::FatType::Fat32, 64)]
    {
        let mut disk = formatted(fat_type, megabytes);
        {
            let fs = mount(&mut disk).unwrap();
            assert_eq!(fs.fat_type(), fat_type);
            {
                let nested =
                    fs.root_dir().create_dir("a directory with a long name").unwrap().create_dir("inner").unwrap();
                nested.create_file("a file whose name is long.txt").unwrap().write_all(&pattern(100_000)).unwrap();
            }
            fs.unmount().unwrap();
        }
        let fs = mount(&mut disk).unwrap();
        let mut file =
            fs.root_dir().open_file("a directory with a long name/inner/a file whose name is long.txt").unwrap();
        let mut read = vec![0u8; 100_000];
        file.read_exact(&mut read).unwrap();
        assert!(read == pattern(100_000), "{fat_type:?}: contents differ");
    }
}

/// Writes, unmounts and mounts again: the data is on the disk, not in a cache.
#[test]
fn data_survives_a_remount() {
    let big = pattern(5 << 20);
    let mut disk = formatted(fatfs::FatType::Fat32, 64);
    {
        let fs = mount(&mut disk).unwrap();
        {
            let root = fs.root_dir();
            let dir = root.create_dir("Nested Directory").unwrap();
            dir.create_file("Long File Name.dat").unwrap().write_all(&big).unwrap();
            root.create_dir("to remove").unwrap();
            root.remove("to remove").unwrap();
            root.rename("Nested Directory", &root, "Renamed Directory").unwrap();
        }
        fs.unmount().unwrap();
    }
    let fs = mount(&mut disk).unwrap();
    let root = fs.root_dir();
    let names: Vec<String> = root.iter().map(|entry| entry.unwrap().file_name()).collect();
    assert_eq!(names, ["Renamed Directory"]);
    let mut read = Vec::new();
    let mut file = root.open_file("Renamed Directory/Long File Name.dat").unwrap();
    let mut chunk = [0u8; 4096];
    loop {
        let count = file.read(&mut chunk).unwrap();
        if count == 0 {
            break;
        }
        read.extend_from_slice(&chunk[..count]);
    }
    assert!(read == big, "5 MiB read back differ");
}

#[test]
fn damaged_disks_are_mount_errors() {
    let mut zeroed = formatted(fatfs::FatType::Fat16, 16);
    zeroed.bytes[..512].fill(0);
    assert_eq!(mount(zeroed).err(), Some(MountError::NotFat));
    let mut truncated = formatted(fatfs::FatType::Fat16, 16);
    truncated.bytes.truncate(8 * 512);
    assert!(matches!(mount(truncated), Err(MountError::Truncated { disk_bytes: 4096, .. })));
    assert_eq!(mount(RamDisk::new(512, 0)).err(), Some(MountError::TooSmall));
    assert_eq!(mount(RamDisk::new(100, 10)).err(), Some(MountError::BlockSize(100)));
}

#[test]
fn a_read_only_disk_reads_but_refuses_writes() {
    let mut disk = formatted(fatfs::FatType::Fat16, 16);
    {
        let fs = mount(&mut disk).unwrap();
        fs.root_dir().create_file("kept.txt").unwrap().write_all(b"kept").unwrap();
        fs.unmount().unwrap();
    }
    disk.set_read_only(true);
    let fs = mount(&mut disk).unwrap();
    let mut text = [0u8; 4];
    fs.root_dir().open_file("kept.txt").unwrap().read_exact(&mut text).unwrap();
    assert_eq!(&text, b"kept");
    let error = fs.root_dir().create_file("new.txt").err().expect("a write must fail");
    assert_eq!(error.kind(), core_io::ErrorKind::PermissionDenied);
}

/// Walks every directory and reads every file; errors are fine, panics are not.
fn walk<D: BlockDevice>(dir: &fatfs::Dir<'_, SharedIo<D>>, depth: u32) {
    if depth > 8 {
        return;
    }
    for entry in dir.iter().take(64) {
        let Ok(entry) = entry else { return };
        let name = entry.file_name();
        if name == "." || name == ".." {
            continue;
        }
        if entry.is_dir() {
            walk(&entry.to_dir(), depth + 1);
        } else {
            let mut file = entry.to_file();
            let mut chunk = [0u8; 512];
            for _ in 0..64 {
                match file.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_damage_never_panics(flips in proptest::collection::vec((0usize..64 * 1024, any::<u8>()), 1..40)) {
        let mut disk = formatted(fatfs::FatType::Fat16, 16);
        {
            let fs = mount(&mut disk).unwrap();
            fs.root_dir().create_dir("some directory").unwrap().create_file("a file.txt").unwrap().write_all(&pattern(20_000)).unwrap();
            fs.unmount().unwrap();
        }
        for (at, value) in flips {
            disk.bytes[at] = value;
        }
        if let Ok(fs) = mount(&mut disk) {
            walk(&fs.root_dir(), 0);
        }
        // The fuzz target's body, through the VFS contract, writes included.
        crate::fuzzing::mount_and_walk(&disk.bytes);
    }
}

/// A new directory starts with `.` and `..` in slots 0 and 1, as FAT requires (fatfs 0.3.6 alone
/// puts long-name entries before them).
#[test]
fn new_directories_start_with_dot_and_dot_dot() {
    let mut disk = formatted(fatfs::FatType::Fat16, 16);
    {
        let fs = mount(&mut disk).unwrap();
        fs.root_dir()
            .create_dir("a new directory")
            .unwrap()
            .create_file("inside.txt")
            .unwrap()
            .write_all(b"x")
            .unwrap();
        fs.unmount().unwrap();
    }
    {
        let fs = mount(&mut disk).unwrap();
        let dir = fs.root_dir().open_dir("a new directory").unwrap();
        let names: Vec<String> = dir.iter().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(names, [".", "..", "inside.txt"]);
    }
    // On disk: find the `.` entry and check `..` follows it directly, with no long-name entry.
    let dot = disk.bytes.windows(11).position(|window| window == b".          ").expect("a . entry");
    assert_eq!(dot % 32, 0);
    assert_eq!(&disk.bytes[dot + 32..dot + 43], b"..         ");
    assert_ne!(disk.bytes[dot - 32 + 11], 0x0f, "no long-name entry before `.`");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The cache is invisible: random reads and writes (any offset, any length, across chunk
    /// edges, with evictions) read what a plain byte array would, and after `sync` the disk
    /// holds exactly those bytes.
    #[test]
    fn the_block_cache_behaves_like_plain_bytes(
        ops in proptest::collection::vec((any::<bool>(), 0u64..300_000, 1usize..70_000, any::<u8>()), 1..60),
        chunks in 1usize..4,
        block_size in prop_oneof![Just(512usize), Just(4096usize)],
    ) {
        let initial: Vec<u8> = (0..320_000usize).map(|i| (i % 253) as u8).collect();
        let mut model = initial.clone();
        let mut io = BlockIo::with_cache(RamDisk::from_bytes(block_size, initial), chunks);
        let length = model.len() / block_size * block_size;
        model.truncate(length);
        for (write, at, len, seed) in ops {
            io.seek(SeekFrom::Start(at)).unwrap();
            let end = (at as usize + len).min(length);
            let reachable = end.saturating_sub(at as usize);
            if write {
                let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_add(seed)).collect();
                prop_assert_eq!(io.write(&data).unwrap(), reachable);
                model[at as usize..end].copy_from_slice(&data[..reachable]);
            } else {
                let mut data = vec![0u8; len];
                prop_assert_eq!(io.read(&mut data).unwrap(), reachable);
                prop_assert_eq!(&data[..reachable], &model[at as usize..end]);
            }
        }
        io.sync().unwrap();
        prop_assert_eq!(&io.device().bytes, &model);
    }
}

/// Inputs the fuzzer found to crash fatfs (fixed before fatfs sees them); each must now be a
/// clean error.
#[test]
fn fuzzer_findings_stay_fixed() {
    let overflow = include_bytes!("../fuzz-regressions/fat-area-overflow.img");
    assert!(matches!(mount(RamDisk::from_bytes(512, overflow.to_vec())), Err(MountError::Corrupt(_))));
    crate::fuzzing::mount_and_walk(overflow);
}
