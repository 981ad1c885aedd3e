//! Storage boot tests: a FAT image built on the host with mkfs.fat and mcopy, attached as a
//! virtio-blk disk (PCI on q35, MMIO on microvm), read whole by the VM and checked file by file.

use stardust_boot_tests::{Boot, image};
use std::path::{Path, PathBuf};
use std::process::Command;

/// FNV-1a, as the disktest app computes it.
fn checksum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn run(command: &mut Command) {
    let output = command.output().expect("the tool starts");
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// A scratch directory under target/, fresh for each name.
fn scratch(name: &str) -> PathBuf {
    let path = stardust_boot_tests::root().join("target/test-disks").join(name);
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
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
    let mut boot = Boot::new(image("minimal", &["app-disktest"]), machine).memory("64M");
    boot.disk = Some(disk.to_path_buf());
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

#[test]
fn a_damaged_disk_is_a_clear_mount_error_not_a_crash() {
    let (disk, _) = fat_image("zeroed", 16 * 1024);
    let mut bytes = std::fs::read(&disk).unwrap();
    bytes[..512].fill(0);
    std::fs::write(&disk, &bytes).unwrap();
    disktest("microvm", &disk)
        .expect_code(2)
        .expect_lines(&["disktest: cannot mount: no FAT boot sector (signature 0x55AA missing)"]);
    let (disk, _) = fat_image("truncated", 16 * 1024);
    let bytes = std::fs::read(&disk).unwrap();
    std::fs::write(&disk, &bytes[..1 << 20]).unwrap();
    disktest("q35", &disk).expect_code(2).expect_lines(&["disktest: cannot mount: the volume needs"]);
}
