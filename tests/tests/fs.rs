//! The std-shaped file API and profile-fs in the VM: the kvstore app across boots (FAT16 on
//! microvm's MMIO disk, FAT32 on q35's PCI disk) checked with mtools and fsck.fat, the fstest
//! API checks on the RAM root and on the disk, mount options, durability after a kill, and the
//! errors a user meets (no disk, a damaged disk, a read-only disk, bad commands).

use stardust_boot_tests::disks::{blank_image, extract, fsck_clean, kill_after_line, run, scratch};
use stardust_boot_tests::{Boot, Outcome, image};
use std::path::Path;
use std::process::Command;

fn kvstore(machine: &str, disk: Option<&Path>, read_only: bool, arguments: &[&str]) -> Outcome {
    let mut boot = Boot::new(image("fs", &[]), machine).memory("32M").args(arguments);
    boot.disk = disk.map(Path::to_path_buf);
    boot.disk_read_only = read_only;
    boot.run()
}

fn fstest(machine: &str, disk: Option<&Path>, options: &[&str], arguments: &[&str]) -> Outcome {
    let mut boot = Boot::new(image("fs", &["app-fstest"]), machine).memory("64M").args(arguments);
    boot.disk = disk.map(Path::to_path_buf);
    for option in options {
        boot = boot.kernel_option(option);
    }
    boot.run()
}

#[test]
fn the_key_value_store_keeps_its_data_across_boots() {
    for (machine, fat32, kibibytes) in [("microvm", false, 16 * 1024), ("q35", true, 40 * 1024)] {
        let disk = blank_image(&format!("kv-{machine}"), kibibytes, fat32);
        kvstore(
            machine,
            Some(&disk),
            false,
            &["set", "greeting", "hello", "set", "Mixed/Case:key", "v1", "set", "n", "1"],
        )
        .expect_code(0)
        .expect_lines(&["ok greeting", "ok Mixed/Case:key", "ok n"]);
        fsck_clean(&disk);
        assert_eq!(extract(&disk, "/kv/greeting").as_deref(), Some(&b"hello"[..]), "{machine}: the file on the disk");
        kvstore(machine, Some(&disk), false, &["set", "n", "2", "del", "greeting", "get", "n", "list"])
            .expect_code(0)
            .expect_exact(&["ok n", "deleted greeting", "n = 2", "Mixed/Case:key = v1", "n = 2", "2 key(s)"]);
        fsck_clean(&disk);
        kvstore(machine, Some(&disk), false, &["get", "greeting"])
            .expect_code(1)
            .expect_lines(&["greeting: not found"]);
    }
}

#[test]
fn the_key_value_store_runs_a_command_file_written_on_the_host() {
    let disk = blank_image("kv-commands", 8 * 1024, false);
    let commands = scratch("kv-commands-source").join("commands.txt");
    std::fs::write(&commands, "# set up\nset motd welcome to stardust\nget motd\n\ndel nothing\nlist\n").unwrap();
    run(Command::new("mcopy").arg("-i").arg(&disk).arg(&commands).arg("::/commands.txt"));
    kvstore("microvm", Some(&disk), false, &["run", "/data/commands.txt"]).expect_code(1).expect_exact(&[
        "ok motd",
        "motd = welcome to stardust",
        "nothing: not found",
        "motd = welcome to stardust",
        "1 key(s)",
    ]);
    fsck_clean(&disk);
}

#[test]
fn the_key_value_store_explains_what_went_wrong() {
    kvstore("microvm", None, false, &["put", "x"]).expect_code(2).expect_lines(&["unknown command `put`", "usage:"]);
    kvstore("microvm", None, false, &["--help"]).expect_code(0).expect_lines(&["usage: kvstore", "exit codes"]);
    // No disk: nothing is written to RAM in its place, and the message says so.
    kvstore("microvm", None, false, &["set", "a", "1"])
        .expect_code(3)
        .expect_lines(&["kvstore: /data/kv: no disk is attached here"]);
    // The RAM root still works for a store that does not need to persist.
    kvstore("microvm", None, false, &["--dir", "/tmp/kv", "set", "a", "1", "get", "a"])
        .expect_code(0)
        .expect_lines(&["ok a", "a = 1"]);
    // A disk that is not FAT: the mount error reaches the app.
    let zeros = scratch("kv-zeros").join("disk.img");
    std::fs::write(&zeros, vec![0u8; 4 << 20]).unwrap();
    kvstore("q35", Some(&zeros), false, &["list"]).expect_code(3).expect_lines(&[
        "[error] /data: corrupt file system: not a FAT file system",
        "kvstore: /data/kv: not a FAT file system",
    ]);
    // A read-only disk: reads work, writes say why they cannot.
    let disk = blank_image("kv-read-only", 8 * 1024, false);
    kvstore("microvm", Some(&disk), false, &["set", "kept", "yes"]).expect_code(0);
    kvstore("microvm", Some(&disk), true, &["get", "kept", "set", "new", "no"])
        .expect_code(3)
        .expect_lines(&["kept = yes", "kvstore: set new: create: read-only file system"]);
}

#[test]
fn the_file_api_works_on_the_ram_root_and_on_both_disk_transports() {
    fstest("microvm", None, &[], &["api", "/tmp"]).expect_code(0).expect_lines(&["fstest: api ok"]);
    for (machine, fat32) in [("microvm", false), ("q35", true)] {
        let disk = blank_image(&format!("api-{machine}"), 40 * 1024, fat32);
        fstest(machine, Some(&disk), &[], &["api", "/data/work"])
            .expect_code(0)
            .expect_lines(&["fstest: error message: no such file or directory", "fstest: api ok"]);
        fsck_clean(&disk);
    }
}

#[test]
fn the_mount_point_comes_from_the_profile_or_the_command_line() {
    let disk = blank_image("mounts", 4 * 1024, false);
    fstest("microvm", Some(&disk), &[], &["mounts"])
        .expect_code(0)
        .expect_exact(&["mount / ramfs", "mount /data fat12"]);
    fstest("microvm", Some(&disk), &["stardust.mount=/mnt/disk"], &["mounts"])
        .expect_code(0)
        .expect_exact(&["mount / ramfs", "mount /mnt/disk fat12"]);
    fstest("microvm", Some(&disk), &["stardust.mount=none"], &["mounts"])
        .expect_code(0)
        .expect_exact(&["mount / ramfs"]);
    fstest("microvm", Some(&disk), &["stardust.mount=data"], &["mounts"])
        .expect_code(0)
        .expect_lines(&["kernel option `stardust.mount=data` has a bad value", "mount /data fat12"]);
}

#[test]
fn data_synced_through_the_file_api_survives_the_vm_being_killed() {
    let disk = blank_image("fs-durable", 16 * 1024, false);
    kill_after_line(&image("fs", &["app-fstest"]), &disk, "-- durable /data/durable.bin", "fstest: synced");
    let expected: Vec<u8> = (0..256 * 1024u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(9)).collect();
    assert!(
        extract(&disk, "/durable.bin").is_some_and(|bytes| bytes == expected),
        "the synced file is not on the disk"
    );
}
