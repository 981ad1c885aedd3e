//! Storage boot tests: a FAT image built on the host with mkfs.fat and mcopy, attached as a
//! virtio-blk disk (PCI on q35, MMIO on microvm), read whole by the VM and checked file by file.

use stardust_boot_tests::disks::{blank_image, extract, fsck_clean, kill_after_line, run, scratch};
use stardust_boot_tests::{Boot, image};
use std::path::{Path, PathBuf};
use std::process::Command;

/// FNV-1a, as the disktest app computes it.
fn checksum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Files with long names, nested directories and a 5 MiB file; returns the lines disktest must
/// print for them, in its order (sorted by name at each level, directories walked in place).
fn make_tree(source: &Path) -> Vec<String> {
    let nested = source.join("A Nested Directory/inner");
    std::fs::create_dir_all(&nested).unwrap();
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        (nested.join("a file with a long name.txt"), b"hello from the host\n".to_vec()),
        (source.join("big.bin"), (0..5u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
        (source.join("small.txt"), b"small\n".to_vec()),
    ];
    for (path, bytes) in &files {
        std::fs::write(path, bytes).unwrap();
    }
    let line =
        |index: usize, name: &str| format!("file {name} {} {:016x}", files[index].1.len(), checksum(&files[index].1));
    vec![
        "dir /A Nested Directory".into(),
        "dir /A Nested Directory/inner".into(),
        line(0, "/A Nested Directory/inner/a file with a long name.txt"),
        line(1, "/big.bin"),
        line(2, "/small.txt"),
    ]
}

fn fat_image(name: &str, kibibytes: u32) -> (PathBuf, Vec<String>) {
    let directory = scratch(name);
    let source = directory.join("source");
    let expected = make_tree(&source);
    let disk = directory.join("disk.img");
    run(Command::new("mkfs.fat").arg("-C").arg(&disk).arg(kibibytes.to_string()));
    let mut copy = Command::new("mcopy");
    copy.arg("-s").arg("-i").arg(&disk);
    for entry in std::fs::read_dir(&source).unwrap() {
        copy.arg(entry.unwrap().path());
    }
    run(copy.arg("::/"));
    (disk, expected)
}

fn disktest(machine: &str, disk: &Path) -> stardust_boot_tests::Outcome {
    disktest_with(machine, disk, false, &[])
}

fn disktest_with(machine: &str, disk: &Path, read_only: bool, arguments: &[&str]) -> stardust_boot_tests::Outcome {
    let mut boot = Boot::new(image("minimal", &["app-disktest", "block-virtio"]), machine).memory("64M");
    boot.disk = Some(disk.to_path_buf());
    boot.disk_read_only = read_only;
    if !arguments.is_empty() {
        boot = boot.args(arguments);
    }
    boot.run()
}

#[test]
fn the_vm_reads_every_file_of_a_host_built_fat_image_byte_for_byte() {
    for (name, kibibytes) in [("fat16", 32 * 1024), ("fat32", 64 * 1024)] {
        let (disk, expected) = fat_image(name, kibibytes);
        for machine in ["microvm", "q35"] {
            let outcome = disktest(machine, &disk);
            let mut lines: Vec<&str> = vec!["disktest: 1 disk(s)"];
            lines.extend(expected.iter().map(String::as_str));
            lines.push("disktest: done");
            outcome.expect_code(0).expect_lines(&lines);
        }
    }
}

/// disktest's `interrupts` mode (256 reads of 4 KiB) in an image with threads (the `threads`
/// profile: requests park while the disk works), on `machine`.
fn disk_interrupts(profile: &str, machine: &str, kernel_options: &[&'static str]) -> stardust_boot_tests::Outcome {
    let disk = blank_image(&format!("interrupts-{profile}-{machine}"), 4 * 1024, false);
    let mut boot = Boot::new(image(profile, &["app-disktest", "block-virtio"]), machine).memory("64M");
    boot.disk = Some(disk);
    boot.kernel_options.extend(kernel_options);
    boot.args(&["interrupts"]).run()
}

#[test]
fn disk_requests_wait_for_the_disks_interrupt_and_are_polled_when_asked() {
    // microvm's virtio-mmio disk, its line routed through the I/O APIC, and q35's virtio-pci
    // disk, through MSI-X: the reads' waits end by interrupt.
    for machine in ["microvm", "q35"] {
        let outcome = disk_interrupts("threads", machine, &[]);
        outcome.expect_code(0);
        stardust_boot_tests::disks::expect_woken_by_interrupts(machine, &outcome.serial);
    }
    // Asked to poll, or in an image without threads (nothing to run while a request waits), the
    // disk is polled.
    disk_interrupts("threads", "q35", &["stardust.disk=poll"])
        .expect_code(0)
        .expect_lines(&["disktest: 256 reads; the disk is polled"]);
    disk_interrupts("minimal", "microvm", &[])
        .expect_code(0)
        .expect_lines(&["disktest: 256 reads; the disk is polled"]);
}

#[test]
fn a_damaged_disk_is_a_clear_mount_error_not_a_crash() {
    let (disk, _) = fat_image("zeroed", 16 * 1024);
    let mut bytes = std::fs::read(&disk).unwrap();
    bytes[..512].fill(0);
    std::fs::write(&disk, &bytes).unwrap();
    disktest("microvm", &disk)
        .expect_code(2)
        .expect_lines(&["disktest: cannot mount: not a FAT file system (no 0x55AA boot signature)"]);
    let (disk, _) = fat_image("truncated", 16 * 1024);
    let bytes = std::fs::read(&disk).unwrap();
    std::fs::write(&disk, &bytes[..1 << 20]).unwrap();
    disktest("q35", &disk).expect_code(2).expect_lines(&["disktest: cannot mount: the volume needs"]);
}

fn vm_pattern(length: usize, seed: u8) -> Vec<u8> {
    (0..length).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn files_the_vm_writes_renames_and_removes_read_back_on_the_host_and_fsck_is_clean() {
    for (machine, fat32, kibibytes) in [("microvm", false, 16 * 1024), ("q35", true, 64 * 1024)] {
        let disk = blank_image(&format!("written-{machine}"), kibibytes, fat32);
        let today_before = utc_date();
        disktest_with(machine, &disk, false, &["write"]).expect_code(0).expect_lines(&["disktest: done"]);
        let today_after = utc_date();
        fsck_clean(&disk);
        // The files carry the wall clock's date (QEMU's RTC is the host's UTC time), not 1980.
        let listing = Command::new("mdir")
            .env("TZ", "UTC")
            .arg("-i")
            .arg(&disk)
            .arg("::/Written By The VM")
            .output()
            .expect("mdir runs");
        let listing = String::from_utf8_lossy(&listing.stdout);
        let stamped = listing
            .lines()
            .find(|line| line.contains("renamed notes.txt"))
            .unwrap_or_else(|| panic!("mdir:\n{listing}"));
        assert!(
            stamped.contains(&today_before) || stamped.contains(&today_after),
            "{machine}: {stamped:?} is not dated {today_before}"
        );
        let big = extract(&disk, "/Written By The VM/inner directory/a long file name.bin").expect("mtype reads it");
        assert!(big == vm_pattern(3 << 20, 7), "{machine}: the 3 MiB file differs");
        assert_eq!(
            extract(&disk, "/Written By The VM/renamed notes.txt").as_deref(),
            Some(&b"written by stardust\n"[..])
        );
        assert_eq!(extract(&disk, "/Written By The VM/to be removed.txt"), None);
        assert_eq!(extract(&disk, "/Written By The VM/notes.txt"), None);
    }
}

#[test]
fn a_full_disk_is_an_error_and_the_volume_stays_mountable() {
    let disk = blank_image("full", 2 * 1024, false);
    disktest_with("microvm", &disk, false, &["fill"])
        .expect_code(0)
        .expect_lines(&["disktest: disk full after ", "disktest: done"]);
    fsck_clean(&disk);
    disktest_with("microvm", &disk, false, &["list"])
        .expect_code(0)
        .expect_lines(&["file /filler.bin ", "disktest: done"]);
}

#[test]
fn a_read_only_disk_refuses_writes() {
    let (disk, _) = fat_image("read-only", 16 * 1024);
    disktest_with("q35", &disk, true, &["readonly"]).expect_code(0).expect_lines(&[
        "read-only",
        "disktest: write refused: the disk is read-only",
        "disktest: done",
    ]);
}

#[test]
fn synced_data_survives_the_vm_being_killed() {
    let disk = blank_image("durable", 16 * 1024, false);
    let image = image("minimal", &["app-disktest", "block-virtio"]);
    kill_after_line(&image, &disk, "-- sync", "disktest: synced");
    assert!(
        extract(&disk, "/durable.bin").is_some_and(|bytes| bytes == vm_pattern(256 * 1024, 9)),
        "the synced file is not on the disk"
    );
}

#[test]
fn scripts_mkimage_builds_a_disk_the_vm_reads() {
    let directory = scratch("mkimage");
    let source = directory.join("source");
    let expected = make_tree(&source);
    let disk = directory.join("disk.img");
    run(Command::new(stardust_boot_tests::root().join("scripts/mkimage"))
        .arg(&source)
        .arg(&disk)
        .args(["--fat", "32", "--size", "64M"]));
    let outcome = disktest("microvm", &disk);
    let mut lines: Vec<&str> = vec!["disktest: Fat32 volume"];
    lines.extend(expected.iter().map(String::as_str));
    outcome.expect_code(0).expect_lines(&lines);
}

#[test]
fn random_bytes_in_the_fat_give_errors_not_a_crash() {
    // mkfs.fat's FAT16 volumes start their first FAT after 4 reserved sectors.
    let (disk, _) = fat_image("random-fat", 16 * 1024);
    let mut bytes = std::fs::read(&disk).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for byte in &mut bytes[4 * 512..4 * 512 + 8192] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    std::fs::write(&disk, &bytes).unwrap();
    let outcome = disktest("microvm", &disk);
    assert!(
        matches!(outcome.code, Some(0..=3)),
        "a damaged FAT must end in the app's own error, not a kernel stop: {:?}\n{}",
        outcome.code,
        outcome.serial
    );
    outcome.expect_no_line("panicked");
}

#[test]
fn virtio_blk_meets_the_block_device_contract_on_both_transports() {
    // The same conformance checks the RAM disk passes on the host, against the real device:
    // MMIO on microvm, PCI on q35, and read-only.
    for (machine, read_only) in [("microvm", false), ("q35", false), ("microvm", true)] {
        let disk = stardust_boot_tests::disks::scratch(&format!("contract-{machine}-{read_only}")).join("disk.img");
        std::fs::write(&disk, vec![0x5a; 1024 * 1024]).unwrap();
        disktest_with(machine, &disk, read_only, &["contract"]).expect_code(0).expect_lines(&[
            if read_only { "blocks of 512 bytes, read-only" } else { "2048 blocks of 512 bytes" },
            "disktest: contract ok",
        ]);
    }
}

/// Today's date in UTC as mtools prints it (`YYYY-MM-DD`).
fn utc_date() -> String {
    let output = Command::new("date").args(["-u", "+%Y-%m-%d"]).output().expect("date runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
