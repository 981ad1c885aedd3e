//! The VFS contract on FAT12/16/32 volumes over a RAM disk: the conformance suite, a random
//! workload checked against the RAM file system as a model (and remounted), and the FAT-only
//! rules (names ignore case, busy open files, read-only disks, a full disk).

use super::*;
use crate::{BlockIo, mount_shared};
use proptest::prelude::*;
use stardust_api::fakes::RamDisk;
use stardust_vfs::conformance::{self, Op};
use stardust_vfs::{FileSystem as _, RamFs};

fn formatted(fat_type: fatfs::FatType, megabytes: u64) -> RamDisk {
    let mut io = BlockIo::new(RamDisk::new(512, megabytes * 2048));
    fatfs::format_volume(&mut io, fatfs::FormatVolumeOptions::new().fat_type(fat_type)).unwrap();
    io.flush().unwrap();
    io.device().clone()
}

/// Runs `body` on a session over `disk`, then unmounts.
fn with_session<R>(disk: &mut RamDisk, body: impl FnOnce(&mut FatSession<'_, &mut RamDisk>) -> R) -> R {
    let (fs, io) = mount_shared(disk, 2).unwrap();
    let result = {
        let mut session = FatSession::new(&fs, io);
        body(&mut session)
    };
    fs.unmount().unwrap();
    result
}

#[test]
fn every_fat_type_conforms_to_the_contract() {
    for (fat_type, megabytes) in [(fatfs::FatType::Fat12, 4), (fatfs::FatType::Fat16, 16), (fatfs::FatType::Fat32, 40)]
    {
        let template = formatted(fat_type, megabytes);
        let mut disks = Vec::new();
        // The suite wants a fresh file system per check; each lives on its own disk.
        conformance::run(&mut || {
            disks.push(template.clone());
            let disk: &'static mut RamDisk = Box::leak(Box::new(template.clone()));
            let (fs, io) = mount_shared(disk, 2).unwrap();
            let fs: &'static FileSystem<&mut RamDisk> = Box::leak(Box::new(fs));
            FatSession::new(fs, io)
        });
    }
}

#[test]
fn a_volume_behind_the_read_cache_conforms_to_the_contract() {
    // As the runtime mounts FAT: the cache in front of the volume (see stardust_vfs::ReadCache).
    let template = formatted(fatfs::FatType::Fat16, 16);
    conformance::run(&mut || {
        let disk: &'static mut RamDisk = Box::leak(Box::new(template.clone()));
        let (fs, io) = mount_shared(disk, 2).unwrap();
        let fs: &'static FileSystem<&mut RamDisk> = Box::leak(Box::new(fs));
        stardust_vfs::ReadCache::new(FatSession::new(fs, io))
    });
}

#[test]
fn files_carry_the_time_of_their_last_change_in_fats_two_second_steps() {
    // The clock is set once per process: this test's reads a time it moves.
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static NOW: AtomicU64 = AtomicU64::new(1_796_128_727); // 2026-12-01 12:38:47
    crate::set_clock(|| NOW.load(Relaxed));
    let mut disk = formatted(fatfs::FatType::Fat16, 16);
    with_session(&mut disk, |fs| {
        assert_eq!(fs.metadata("").unwrap().modified, None, "the root has no entry, so no time");
        let writer = fs.open("new.txt", OpenOptions { write: true, create: true, ..Default::default() }).unwrap();
        fs.write(writer, b"x").unwrap();
        assert_eq!(fs.handle_metadata(writer).unwrap().modified, Some(1_796_128_726), "now as FAT keeps it");
        fs.close(writer).unwrap();
        // fatfs stamps the entry when the file is written back: FAT keeps even seconds.
        assert_eq!(fs.metadata("NEW.TXT").unwrap().modified, Some(1_796_128_726));
        fs.create_dir("sub").unwrap();
        assert_eq!(fs.metadata("sub").unwrap().modified, Some(1_796_128_726));
        let reader = fs.open("new.txt", OpenOptions { read: true, ..Default::default() }).unwrap();
        assert_eq!(fs.handle_metadata(reader).unwrap().modified, Some(1_796_128_726), "the entry's time");
        fs.close(reader).unwrap();
        // A truncation is a change too, and the entry keeps its time once the file is closed.
        NOW.store(1_796_129_027, Relaxed); // five minutes on
        let cutter = fs.open("new.txt", OpenOptions { write: true, ..Default::default() }).unwrap();
        fs.set_len(cutter, 0).unwrap();
        fs.close(cutter).unwrap();
        assert_eq!(fs.metadata("new.txt").unwrap().modified, Some(1_796_129_026), "set_len");
        conformance::write_file(fs, "sub/t.txt", b"data").unwrap();
        NOW.store(1_796_129_327, Relaxed);
        let truncate = OpenOptions { write: true, truncate: true, ..Default::default() };
        let cutter = fs.open("sub/t.txt", truncate).unwrap();
        fs.close(cutter).unwrap();
        assert_eq!(fs.metadata("sub/t.txt").unwrap().modified, Some(1_796_129_326), "open with truncate");
    });
}

#[test]
fn names_ignore_case_and_open_files_are_busy() {
    let mut disk = formatted(fatfs::FatType::Fat16, 16);
    with_session(&mut disk, |fs| {
        conformance::write_file(fs, "Mixed.TXT", b"x").unwrap();
        assert_eq!(fs.metadata("mixed.txt").unwrap().len, 1);
        let writer = fs.open("MIXED.txt", OpenOptions { write: true, ..Default::default() }).unwrap();
        assert_eq!(fs.open("mixed.txt", OpenOptions { read: true, ..Default::default() }), Err(FsError::Busy));
        assert_eq!(fs.remove_file("mixed.txt"), Err(FsError::Busy));
        assert_eq!(fs.rename("mixed.txt", "other"), Err(FsError::Busy));
        fs.write(writer, b"yz").unwrap();
        assert_eq!(fs.metadata("Mixed.TXT").unwrap().len, 2, "an open file's size is current");
        fs.close(writer).unwrap();
        fs.remove_file("mixed.txt").unwrap();
        assert_eq!(fs.read_dir("").unwrap(), []);
        assert_eq!(fs.kind(), "fat16");
    });
}

#[test]
fn a_read_only_disk_refuses_every_change() {
    let mut disk = formatted(fatfs::FatType::Fat12, 4);
    with_session(&mut disk, |fs| conformance::write_file(fs, "kept", b"data").unwrap());
    disk.set_read_only(true);
    let (fs, io) = mount_shared(&mut disk, 2).unwrap();
    let mut session = FatSession::new(&fs, io);
    assert_eq!(conformance::read_file(&mut session, "kept").unwrap(), b"data");
    assert_eq!(conformance::write_file(&mut session, "new", b""), Err(FsError::ReadOnly));
    assert_eq!(session.create_dir("d"), Err(FsError::ReadOnly));
    assert_eq!(session.remove_file("kept"), Err(FsError::ReadOnly));
    assert_eq!(session.rename("kept", "moved"), Err(FsError::ReadOnly));
    let options = OpenOptions { write: true, ..Default::default() };
    assert_eq!(session.open("kept", options), Err(FsError::ReadOnly));
}

#[test]
fn a_full_disk_is_no_space_and_stays_usable() {
    let mut disk = formatted(fatfs::FatType::Fat12, 1);
    let big = vec![0x5a; 2 << 20];
    with_session(&mut disk, |fs| {
        assert_eq!(conformance::write_file(fs, "big", &big), Err(FsError::NoSpace));
        let kept = fs.metadata("big").unwrap().len;
        assert!(kept > 0 && kept < 1 << 20, "a prefix was kept: {kept}");
        fs.remove_file("big").unwrap();
        conformance::write_file(fs, "small", b"fits").unwrap();
    });
    with_session(&mut disk, |fs| assert_eq!(conformance::read_file(fs, "small").unwrap(), b"fits"));
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), 0..3000u16, any::<u8>()).prop_map(|(path, len, seed)| Op::Write { path, len, seed }),
        (any::<u8>(), 0..700u16, any::<u8>()).prop_map(|(path, len, seed)| Op::Append { path, len, seed }),
        any::<u8>().prop_map(|path| Op::Remove { path }),
        any::<u8>().prop_map(|path| Op::CreateDir { path }),
        any::<u8>().prop_map(|path| Op::RemoveDir { path }),
        (any::<u8>(), any::<u8>()).prop_map(|(from, to)| Op::Rename { from, to }),
        (any::<u8>(), 0..3000u16).prop_map(|(path, len)| Op::Truncate { path, len }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random operations give the same outcomes on FAT as on the model, and the volume holds
    /// the model's tree after a remount.
    #[test]
    fn fat_behaves_like_the_model(ops in proptest::collection::vec(op(), 1..40), fat32 in any::<bool>()) {
        let (fat_type, megabytes) = if fat32 { (fatfs::FatType::Fat32, 40) } else { (fatfs::FatType::Fat16, 16) };
        let mut disk = formatted(fat_type, megabytes);
        let mut model = RamFs::new();
        with_session(&mut disk, |fs| {
            for op in &ops {
                conformance::apply(fs, &mut model, op);
            }
        });
        with_session(&mut disk, |fs| conformance::assert_same_tree(fs, &mut model, ""));
    }
}

/// A file whose entry claims bytes but names no cluster (a damaged volume): reading, appending
/// and truncating it are corrupt-volume errors, not a fatfs panic.
#[test]
fn a_size_without_clusters_is_corrupt() {
    let mut disk = formatted(fatfs::FatType::Fat16, 16);
    with_session(&mut disk, |fs| conformance::write_file(fs, "KEPT.TXT", &[7u8; 1000]).unwrap());
    let at = disk.bytes.windows(11).position(|name| name == b"KEPT    TXT").expect("the short entry");
    disk.bytes[at + 20..at + 22].fill(0);
    disk.bytes[at + 26..at + 28].fill(0);
    with_session(&mut disk, |fs| {
        let mut buffer = [0u8; 16];
        let reader = fs.open("KEPT.TXT", OpenOptions { read: true, ..Default::default() }).unwrap();
        assert!(matches!(fs.read(reader, &mut buffer), Err(FsError::Corrupt(_))));
        fs.close(reader).unwrap();
        let appender = fs.open("KEPT.TXT", OpenOptions { append: true, ..Default::default() }).unwrap();
        assert!(matches!(fs.write(appender, b"more"), Err(FsError::Corrupt(_))));
        assert!(matches!(fs.set_len(appender, 10), Err(FsError::Corrupt(_))));
        fs.close(appender).unwrap();
    });
}
