//! The structure layouts checked against the host's C compiler: a small C program prints the
//! offset and size of every field (`offsetof`, `sizeof`) of glibc's x86-64 `struct stat`,
//! `struct statx`, `struct timespec`, `struct utsname`, `struct dirent64` (the same layout as the
//! kernel's `linux_dirent64`), `struct iovec`, `struct pollfd` and `struct flock`, and each
//! encoder's bytes at that place must hold the field's value (each decoder must read it there). Without a C compiler the test says so, records itself
//! as skipped for scripts/test, and returns.

use std::collections::HashMap;
use std::process::Command;

use super::record_skip;
use crate::{
    DT_REG, DeviceNumber, DirectoryEntry, FileStatus, IoVector, PollEntry, S_IFREG, STATX_BASIC_STATS, STATX_BTIME,
    SystemName, Timespec, decode_io_vectors, pack_directory_entries,
};

const PROGRAM: &str = r#"
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>

#define FIELD(type, name, field) \
    printf("%s.%s %zu %zu\n", name, #field, offsetof(type, field), sizeof(((type *)0)->field))
#define SIZE(type, name) printf("%s %zu\n", name, sizeof(type))

int main(void) {
    SIZE(struct stat, "stat");
    FIELD(struct stat, "stat", st_dev);
    FIELD(struct stat, "stat", st_ino);
    FIELD(struct stat, "stat", st_nlink);
    FIELD(struct stat, "stat", st_mode);
    FIELD(struct stat, "stat", st_uid);
    FIELD(struct stat, "stat", st_gid);
    FIELD(struct stat, "stat", st_rdev);
    FIELD(struct stat, "stat", st_size);
    FIELD(struct stat, "stat", st_blksize);
    FIELD(struct stat, "stat", st_blocks);
    FIELD(struct stat, "stat", st_atim.tv_sec);
    FIELD(struct stat, "stat", st_atim.tv_nsec);
    FIELD(struct stat, "stat", st_mtim.tv_sec);
    FIELD(struct stat, "stat", st_mtim.tv_nsec);
    FIELD(struct stat, "stat", st_ctim.tv_sec);
    FIELD(struct stat, "stat", st_ctim.tv_nsec);
    SIZE(struct statx, "statx");
    FIELD(struct statx, "statx", stx_mask);
    FIELD(struct statx, "statx", stx_blksize);
    FIELD(struct statx, "statx", stx_attributes);
    FIELD(struct statx, "statx", stx_nlink);
    FIELD(struct statx, "statx", stx_uid);
    FIELD(struct statx, "statx", stx_gid);
    FIELD(struct statx, "statx", stx_mode);
    FIELD(struct statx, "statx", stx_ino);
    FIELD(struct statx, "statx", stx_size);
    FIELD(struct statx, "statx", stx_blocks);
    FIELD(struct statx, "statx", stx_attributes_mask);
    FIELD(struct statx, "statx", stx_atime.tv_sec);
    FIELD(struct statx, "statx", stx_atime.tv_nsec);
    FIELD(struct statx, "statx", stx_btime.tv_sec);
    FIELD(struct statx, "statx", stx_btime.tv_nsec);
    FIELD(struct statx, "statx", stx_ctime.tv_sec);
    FIELD(struct statx, "statx", stx_ctime.tv_nsec);
    FIELD(struct statx, "statx", stx_mtime.tv_sec);
    FIELD(struct statx, "statx", stx_mtime.tv_nsec);
    FIELD(struct statx, "statx", stx_rdev_major);
    FIELD(struct statx, "statx", stx_rdev_minor);
    FIELD(struct statx, "statx", stx_dev_major);
    FIELD(struct statx, "statx", stx_dev_minor);
    SIZE(struct timespec, "timespec");
    FIELD(struct timespec, "timespec", tv_sec);
    FIELD(struct timespec, "timespec", tv_nsec);
    SIZE(struct utsname, "utsname");
    FIELD(struct utsname, "utsname", sysname);
    FIELD(struct utsname, "utsname", nodename);
    FIELD(struct utsname, "utsname", release);
    FIELD(struct utsname, "utsname", version);
    FIELD(struct utsname, "utsname", machine);
    FIELD(struct utsname, "utsname", domainname);
    FIELD(struct dirent64, "dirent64", d_ino);
    FIELD(struct dirent64, "dirent64", d_off);
    FIELD(struct dirent64, "dirent64", d_reclen);
    FIELD(struct dirent64, "dirent64", d_type);
    FIELD(struct dirent64, "dirent64", d_name);
    SIZE(struct iovec, "iovec");
    FIELD(struct iovec, "iovec", iov_base);
    FIELD(struct iovec, "iovec", iov_len);
    SIZE(struct pollfd, "pollfd");
    FIELD(struct pollfd, "pollfd", fd);
    FIELD(struct pollfd, "pollfd", events);
    FIELD(struct pollfd, "pollfd", revents);
    SIZE(struct flock, "flock");
    FIELD(struct flock, "flock", l_type);
    FIELD(struct flock, "flock", l_whence);
    FIELD(struct flock, "flock", l_start);
    FIELD(struct flock, "flock", l_len);
    FIELD(struct flock, "flock", l_pid);
    return 0;
}
"#;

/// `name` or `name.field` to (offset, size) for fields, (size, 0) for whole structures.
fn c_layouts() -> Option<HashMap<String, (usize, usize)>> {
    let directory = std::env::temp_dir().join(format!("stardust-linux-abi-{}", std::process::id()));
    std::fs::create_dir_all(&directory).ok()?;
    let source = directory.join("layouts.c");
    let program = directory.join("layouts");
    std::fs::write(&source, PROGRAM).ok()?;
    let compiled = Command::new("cc").arg("-o").arg(&program).arg(&source).output().ok()?;
    assert!(compiled.status.success(), "cc failed: {}", String::from_utf8_lossy(&compiled.stderr));
    let output = Command::new(&program).output().ok()?;
    let _ = std::fs::remove_dir_all(&directory);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).ok()?;
    let mut layouts = HashMap::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |index: usize| words.get(index).and_then(|word| word.parse().ok()).unwrap_or(0);
        layouts.insert(words[0].to_string(), (number(1), number(2)));
    }
    Some(layouts)
}

/// The little-endian value of `size` bytes at `offset`.
fn value_at(bytes: &[u8], offset: usize, size: usize) -> u64 {
    let mut value = [0u8; 8];
    value[..size].copy_from_slice(&bytes[offset..offset + size]);
    u64::from_le_bytes(value)
}

/// Each field of `structure` holds its expected value at the C compiler's offset.
fn assert_fields(layouts: &HashMap<String, (usize, usize)>, structure: &str, bytes: &[u8], fields: &[(&str, u64)]) {
    for &(field, expected) in fields {
        let name = format!("{structure}.{field}");
        let &(offset, size) = layouts.get(&name).unwrap_or_else(|| panic!("{name} not printed"));
        let mask = if size >= 8 { u64::MAX } else { (1u64 << (8 * size)) - 1 };
        assert_eq!(value_at(bytes, offset, size.min(8)), expected & mask, "{name} at {offset}, {size} bytes");
    }
}

#[test]
fn layouts_match_the_c_compilers() {
    if Command::new("cc").arg("--version").output().is_err() {
        return record_skip("structure layouts against the C compiler", "cc not found (apt-get install gcc)");
    }
    let Some(layouts) = c_layouts() else {
        return record_skip("structure layouts against the C compiler", "the layout program could not run");
    };
    let size = |name: &str| layouts.get(name).map(|&(size, _)| size);

    let status = FileStatus {
        device: DeviceNumber { major: 8, minor: 3 },
        inode: 0x0102_0304_0506_0708,
        mode: S_IFREG | 0o640,
        links: 2,
        user: 501,
        group: 502,
        represented_device: DeviceNumber { major: 5, minor: 1 },
        size: 0x1234_5678_9abc,
        block_size: 512,
        blocks: 77,
        accessed: Timespec { seconds: 11, nanoseconds: 12 },
        modified: Timespec { seconds: 21, nanoseconds: 22 },
        changed: Timespec { seconds: 31, nanoseconds: 32 },
        born: Some(Timespec { seconds: 41, nanoseconds: 42 }),
    };
    let stat = status.encode_stat();
    assert_eq!(size("stat"), Some(stat.len()));
    assert_fields(
        &layouts,
        "stat",
        &stat,
        &[
            ("st_dev", (8 << 8) | 3),
            ("st_ino", 0x0102_0304_0506_0708),
            ("st_nlink", 2),
            ("st_mode", u64::from(S_IFREG | 0o640)),
            ("st_uid", 501),
            ("st_gid", 502),
            ("st_rdev", (5 << 8) | 1),
            ("st_size", 0x1234_5678_9abc),
            ("st_blksize", 512),
            ("st_blocks", 77),
            ("st_atim.tv_sec", 11),
            ("st_atim.tv_nsec", 12),
            ("st_mtim.tv_sec", 21),
            ("st_mtim.tv_nsec", 22),
            ("st_ctim.tv_sec", 31),
            ("st_ctim.tv_nsec", 32),
        ],
    );

    let statx = status.encode_statx();
    assert_eq!(size("statx"), Some(statx.len()));
    assert_fields(
        &layouts,
        "statx",
        &statx,
        &[
            ("stx_mask", u64::from(STATX_BASIC_STATS | STATX_BTIME)),
            ("stx_blksize", 512),
            ("stx_attributes", 0),
            ("stx_nlink", 2),
            ("stx_uid", 501),
            ("stx_gid", 502),
            ("stx_mode", u64::from(S_IFREG | 0o640)),
            ("stx_ino", 0x0102_0304_0506_0708),
            ("stx_size", 0x1234_5678_9abc),
            ("stx_blocks", 77),
            ("stx_attributes_mask", 0),
            ("stx_atime.tv_sec", 11),
            ("stx_atime.tv_nsec", 12),
            ("stx_btime.tv_sec", 41),
            ("stx_btime.tv_nsec", 42),
            ("stx_ctime.tv_sec", 31),
            ("stx_ctime.tv_nsec", 32),
            ("stx_mtime.tv_sec", 21),
            ("stx_mtime.tv_nsec", 22),
            ("stx_rdev_major", 5),
            ("stx_rdev_minor", 1),
            ("stx_dev_major", 8),
            ("stx_dev_minor", 3),
        ],
    );

    let timespec = Timespec { seconds: 1_000, nanoseconds: 999 }.encode();
    assert_eq!(size("timespec"), Some(timespec.len()));
    assert_fields(&layouts, "timespec", &timespec, &[("tv_sec", 1_000), ("tv_nsec", 999)]);

    let names = ["sysname", "nodename", "release", "version", "machine", "domainname"];
    let system = SystemName { system: "A", node: "B", release: "C", version: "D", machine: "E", domain: "F" };
    let utsname = system.encode();
    assert_eq!(size("utsname"), Some(utsname.len()));
    for (index, field) in names.iter().enumerate() {
        let &(offset, length) = &layouts[&format!("utsname.{field}")];
        assert_eq!(length, 65, "{field}");
        assert_eq!(&utsname[offset..offset + 2], &[b'A' + index as u8, 0], "{field}");
    }

    let mut directory = [0u8; 64];
    let entry = DirectoryEntry { inode: 0x99, next_offset: 0x77, kind: DT_REG, name: b"name" };
    pack_directory_entries(&[entry], &mut directory).unwrap();
    assert_fields(
        &layouts,
        "dirent64",
        &directory,
        &[("d_ino", 0x99), ("d_off", 0x77), ("d_reclen", entry.record_length() as u64), ("d_type", u64::from(DT_REG))],
    );
    let name_offset = layouts["dirent64.d_name"].0;
    assert_eq!(&directory[name_offset..name_offset + 5], b"name\0");

    assert_eq!(size("iovec"), Some(16));
    let mut iovec = [0u8; 16];
    let (base_offset, _) = layouts["iovec.iov_base"];
    let (length_offset, _) = layouts["iovec.iov_len"];
    iovec[base_offset..base_offset + 8].copy_from_slice(&0xabcdu64.to_le_bytes());
    iovec[length_offset..length_offset + 8].copy_from_slice(&42u64.to_le_bytes());
    assert_eq!(decode_io_vectors(&iovec), Ok(vec![IoVector { base: 0xabcd, length: 42 }]));

    assert_eq!(size("flock"), Some(crate::FLOCK_SIZE));
    let mut flock = [0u8; crate::FLOCK_SIZE];
    for (field, value) in [("l_type", 1u64), ("l_whence", 2), ("l_start", 0x1234), ("l_len", 0x5678)] {
        let (offset, size) = layouts[&format!("flock.{field}")];
        flock[offset..offset + size].copy_from_slice(&value.to_le_bytes()[..size]);
    }
    let lock = crate::RecordLock::decode(&flock).unwrap();
    assert_eq!(
        lock,
        crate::RecordLock { kind: crate::LockKind::Write, whence: crate::SEEK_END, start: 0x1234, length: 0x5678 }
    );

    let pollfd = PollEntry { fd: 7, events: 0x5, returned_events: 0x18 }.encode();
    assert_eq!(size("pollfd"), Some(pollfd.len()));
    assert_fields(&layouts, "pollfd", &pollfd, &[("fd", 7), ("events", 0x5), ("revents", 0x18)]);
}
