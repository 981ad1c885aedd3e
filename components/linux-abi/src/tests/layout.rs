//! Structure layouts: sizes and every field's offset as x86-64 Linux defines them, and decoders
//! that refuse what Linux refuses.

use proptest::prelude::*;

use crate::{
    DT_DIR, DT_REG, DeviceNumber, DirectoryEntry, Errno, FileStatus, IOV_MAX, IOVEC_SIZE, IoVector, MAX_TRANSFER,
    NAME_MAX, POLLFD_SIZE, POLLIN, POLLNVAL, POLLOUT, Packed, PollEntry, S_IFREG, STAT_SIZE, STATX_BASIC_STATS,
    STATX_BTIME, STATX_SIZE, SystemName, TIMESPEC_SIZE, Timespec, UTSNAME_FIELD_SIZE, UTSNAME_SIZE, decode_io_vectors,
    decode_poll_entries, io_vector_array_size, pack_directory_entries, poll_array_size, transfer_length,
};

fn u16_at(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(bytes[offset..offset + 2].try_into().unwrap())
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

fn u64_at(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

fn status() -> FileStatus {
    FileStatus {
        device: DeviceNumber { major: 8, minor: 0x12345 },
        inode: 0x1111_2222_3333_4444,
        mode: S_IFREG | 0o644,
        links: 3,
        user: 1000,
        group: 1001,
        represented_device: DeviceNumber { major: 4, minor: 1 },
        size: 123_456_789,
        block_size: 4096,
        blocks: 241_128,
        accessed: Timespec { seconds: 1_700_000_001, nanoseconds: 11 },
        modified: Timespec { seconds: 1_700_000_002, nanoseconds: 22 },
        changed: Timespec { seconds: 1_700_000_003, nanoseconds: 33 },
        born: Some(Timespec { seconds: 1_700_000_000, nanoseconds: 44 }),
    }
}

#[test]
fn sizes_are_linuxs() {
    assert_eq!(TIMESPEC_SIZE, 16);
    assert_eq!(STAT_SIZE, 144);
    assert_eq!(STATX_SIZE, 256);
    assert_eq!(UTSNAME_SIZE, 390);
    assert_eq!(IOVEC_SIZE, 16);
    assert_eq!(POLLFD_SIZE, 8);
    assert_eq!(status().encode_stat().len(), 144);
    assert_eq!(status().encode_statx().len(), 256);
}

#[test]
fn timespec_encodes_seconds_then_nanoseconds() {
    let bytes = Timespec { seconds: -2, nanoseconds: 999_999_999 }.encode();
    assert_eq!(u64_at(&bytes, 0), (-2i64) as u64);
    assert_eq!(u64_at(&bytes, 8), 999_999_999);
}

#[test]
fn timespec_decoding_refuses_what_nanosleep_refuses() {
    let encode = |seconds: i64, nanoseconds: i64| Timespec { seconds, nanoseconds }.encode();
    assert_eq!(Timespec::decode(&encode(5, 999_999_999)), Ok(Timespec { seconds: 5, nanoseconds: 999_999_999 }));
    assert_eq!(Timespec::decode(&encode(0, 1_000_000_000)), Err(Errno::EINVAL));
    assert_eq!(Timespec::decode(&encode(0, -1)), Err(Errno::EINVAL));
    assert_eq!(Timespec::decode(&encode(-1, 0)), Err(Errno::EINVAL));
    assert_eq!(Timespec::decode(&encode(1, 2)[..15]), Err(Errno::EFAULT));
}

#[test]
fn stat_fields_sit_at_linuxs_offsets() {
    let bytes = status().encode_stat();
    // st_dev: new_encode_dev(8, 0x12345) = 0x45 | 8 << 8 | 0x12300 << 12.
    assert_eq!(u64_at(&bytes, 0), 0x45 | (8 << 8) | (0x12300 << 12));
    assert_eq!(u64_at(&bytes, 8), 0x1111_2222_3333_4444, "st_ino");
    assert_eq!(u64_at(&bytes, 16), 3, "st_nlink is 64 bits on x86-64");
    assert_eq!(u32_at(&bytes, 24), S_IFREG | 0o644, "st_mode");
    assert_eq!(u32_at(&bytes, 28), 1000, "st_uid");
    assert_eq!(u32_at(&bytes, 32), 1001, "st_gid");
    assert_eq!(u32_at(&bytes, 36), 0, "padding");
    assert_eq!(u64_at(&bytes, 40), 0x401, "st_rdev");
    assert_eq!(u64_at(&bytes, 48), 123_456_789, "st_size");
    assert_eq!(u64_at(&bytes, 56), 4096, "st_blksize");
    assert_eq!(u64_at(&bytes, 64), 241_128, "st_blocks");
    assert_eq!((u64_at(&bytes, 72), u64_at(&bytes, 80)), (1_700_000_001, 11), "st_atim");
    assert_eq!((u64_at(&bytes, 88), u64_at(&bytes, 96)), (1_700_000_002, 22), "st_mtim");
    assert_eq!((u64_at(&bytes, 104), u64_at(&bytes, 112)), (1_700_000_003, 33), "st_ctim");
    assert!(bytes[120..].iter().all(|&byte| byte == 0), "reserved");
}

#[test]
fn statx_fields_sit_at_linuxs_offsets() {
    let bytes = status().encode_statx();
    assert_eq!(u32_at(&bytes, 0), STATX_BASIC_STATS | STATX_BTIME, "stx_mask");
    assert_eq!(u32_at(&bytes, 4), 4096, "stx_blksize");
    assert_eq!(u64_at(&bytes, 8), 0, "stx_attributes");
    assert_eq!(u32_at(&bytes, 16), 3, "stx_nlink");
    assert_eq!(u32_at(&bytes, 20), 1000, "stx_uid");
    assert_eq!(u32_at(&bytes, 24), 1001, "stx_gid");
    assert_eq!(u16_at(&bytes, 28), (S_IFREG | 0o644) as u16, "stx_mode");
    assert_eq!(u64_at(&bytes, 32), 0x1111_2222_3333_4444, "stx_ino");
    assert_eq!(u64_at(&bytes, 40), 123_456_789, "stx_size");
    assert_eq!(u64_at(&bytes, 48), 241_128, "stx_blocks");
    assert_eq!((u64_at(&bytes, 64), u32_at(&bytes, 72)), (1_700_000_001, 11), "stx_atime");
    assert_eq!((u64_at(&bytes, 80), u32_at(&bytes, 88)), (1_700_000_000, 44), "stx_btime");
    assert_eq!((u64_at(&bytes, 96), u32_at(&bytes, 104)), (1_700_000_003, 33), "stx_ctime");
    assert_eq!((u64_at(&bytes, 112), u32_at(&bytes, 120)), (1_700_000_002, 22), "stx_mtime");
    assert_eq!((u32_at(&bytes, 128), u32_at(&bytes, 132)), (4, 1), "stx_rdev_major, stx_rdev_minor");
    assert_eq!((u32_at(&bytes, 136), u32_at(&bytes, 140)), (8, 0x12345), "stx_dev_major, stx_dev_minor");
    assert!(bytes[144..].iter().all(|&byte| byte == 0), "mount id, alignment hints and spare left 0");
}

#[test]
fn statx_without_a_birth_time_leaves_it_out_of_the_mask() {
    let bytes = FileStatus { born: None, ..status() }.encode_statx();
    assert_eq!(u32_at(&bytes, 0), STATX_BASIC_STATS);
    assert!(bytes[80..96].iter().all(|&byte| byte == 0));
}

#[test]
fn utsname_has_six_nul_terminated_fields() {
    let long = "x".repeat(100);
    let name = SystemName {
        system: "Linux",
        node: "stardust",
        release: "6.1.0-stardust",
        version: "#1",
        machine: "x86_64",
        domain: &long,
    };
    let bytes = name.encode();
    let field = |index: usize| &bytes[index * UTSNAME_FIELD_SIZE..(index + 1) * UTSNAME_FIELD_SIZE];
    assert_eq!(&field(0)[..6], b"Linux\0");
    assert_eq!(&field(1)[..9], b"stardust\0");
    assert_eq!(&field(2)[..15], b"6.1.0-stardust\0");
    assert_eq!(&field(4)[..7], b"x86_64\0");
    assert_eq!(&field(5)[..64], "x".repeat(64).as_bytes(), "cut to 64 bytes");
    assert_eq!(field(5)[64], 0, "and still NUL-terminated");
}

fn entry(name: &[u8]) -> DirectoryEntry<'_> {
    DirectoryEntry { inode: 7, next_offset: 1, kind: DT_REG, name }
}

#[test]
fn dirent_records_are_8_aligned() {
    assert_eq!(entry(b"a").record_length(), 24, "19 + 1 + NUL = 21, padded");
    assert_eq!(entry(b"abcd").record_length(), 24, "19 + 4 + 1 = 24 exactly");
    assert_eq!(entry(b"abcde").record_length(), 32);
    assert_eq!(entry(&[b'n'; NAME_MAX]).record_length(), 280);
}

#[test]
fn dirent_fields_sit_at_linuxs_offsets() {
    let entries = [
        DirectoryEntry { inode: 0x1234, next_offset: 1, kind: DT_DIR, name: b"." },
        DirectoryEntry { inode: 0x5678, next_offset: 2, kind: DT_REG, name: b"hello.txt" },
    ];
    let mut buffer = [0xaa; 64];
    assert_eq!(pack_directory_entries(&entries, &mut buffer), Ok(Packed { entries: 2, bytes: 56 }));
    assert_eq!(u64_at(&buffer, 0), 0x1234, "d_ino");
    assert_eq!(u64_at(&buffer, 8), 1, "d_off");
    assert_eq!(u16_at(&buffer, 16), 24, "d_reclen");
    assert_eq!(buffer[18], DT_DIR, "d_type");
    assert_eq!(&buffer[19..24], b".\0\0\0\0", "name, NUL and zeroed padding");
    assert_eq!(u64_at(&buffer, 24), 0x5678);
    assert_eq!(u16_at(&buffer, 40), 32);
    assert_eq!(&buffer[43..56], b"hello.txt\0\0\0\0");
    assert_eq!(buffer[56], 0xaa, "nothing written past the records");
}

#[test]
fn dirent_packing_stops_at_the_first_entry_that_does_not_fit() {
    let entries = [entry(b"one"), entry(b"two"), entry(b"three")];
    let mut buffer = [0; 60];
    assert_eq!(pack_directory_entries(&entries, &mut buffer), Ok(Packed { entries: 2, bytes: 48 }));
    assert_eq!(pack_directory_entries(&entries[2..], &mut buffer), Ok(Packed { entries: 1, bytes: 32 }));
    assert_eq!(pack_directory_entries(&[], &mut buffer), Ok(Packed { entries: 0, bytes: 0 }), "end of directory");
    assert_eq!(pack_directory_entries(&[], &mut []), Ok(Packed { entries: 0, bytes: 0 }));
}

#[test]
fn dirent_packing_refuses_a_buffer_too_small_for_the_first() {
    let mut buffer = [0; 23];
    assert_eq!(pack_directory_entries(&[entry(b"a")], &mut buffer), Err(Errno::EINVAL));
    assert_eq!(pack_directory_entries(&[entry(b"a")], &mut []), Err(Errno::EINVAL));
}

#[test]
fn dirent_names_a_program_could_not_read_are_eio() {
    let mut buffer = [0; 512];
    assert_eq!(pack_directory_entries(&[entry(b"")], &mut buffer), Err(Errno::EIO));
    assert_eq!(pack_directory_entries(&[entry(b"a\0b")], &mut buffer), Err(Errno::EIO));
    assert_eq!(pack_directory_entries(&[entry(&[b'n'; NAME_MAX + 1])], &mut buffer), Err(Errno::EIO));
}

fn iovecs(vectors: &[(u64, u64)]) -> Vec<u8> {
    vectors.iter().flat_map(|&(base, length)| [base.to_le_bytes(), length.to_le_bytes()]).flatten().collect()
}

#[test]
fn iovecs_decode_base_then_length() {
    let bytes = iovecs(&[(0x1000, 5), (0x2000, 0)]);
    assert_eq!(
        decode_io_vectors(&bytes),
        Ok(vec![IoVector { base: 0x1000, length: 5 }, IoVector { base: 0x2000, length: 0 }])
    );
    assert_eq!(decode_io_vectors(&bytes[..20]).map(|vectors| vectors.len()), Ok(1), "a partial record is ignored");
    assert_eq!(decode_io_vectors(&[]), Ok(vec![]));
}

#[test]
fn iov_max_is_the_limit() {
    assert_eq!(io_vector_array_size(0), Ok(0));
    assert_eq!(io_vector_array_size(IOV_MAX), Ok(16 * 1024));
    assert_eq!(io_vector_array_size(IOV_MAX + 1), Err(Errno::EINVAL));
    assert_eq!(io_vector_array_size(u64::MAX), Err(Errno::EINVAL), "a negative int");
    let most = iovecs(&vec![(0x1000, 1); IOV_MAX as usize]);
    assert_eq!(decode_io_vectors(&most).map(|vectors| vectors.len()), Ok(1024));
    let too_many = iovecs(&vec![(0x1000, 1); IOV_MAX as usize + 1]);
    assert_eq!(decode_io_vectors(&too_many), Err(Errno::EINVAL));
}

#[test]
fn iovec_lengths_that_overflow_ssize_t_are_einval() {
    assert_eq!(decode_io_vectors(&iovecs(&[(0x1000, 1 << 63)])), Err(Errno::EINVAL), "negative as ssize_t");
    assert_eq!(decode_io_vectors(&iovecs(&[(0x1000, i64::MAX as u64), (0x2000, 1)])), Err(Errno::EINVAL));
    assert!(decode_io_vectors(&iovecs(&[(0x1000, i64::MAX as u64 - 1), (0x2000, 1)])).is_ok());
    assert_eq!(transfer_length(u64::MAX), MAX_TRANSFER);
    assert_eq!(transfer_length(10), 10);
}

#[test]
fn pollfds_round_trip_and_count_against_the_descriptor_limit() {
    let entries = [
        PollEntry { fd: 0, events: POLLIN, returned_events: 0 },
        PollEntry { fd: -1, events: POLLOUT, returned_events: POLLNVAL },
    ];
    let bytes: Vec<u8> = entries.iter().flat_map(|entry| entry.encode()).collect();
    assert_eq!(&bytes[8..12], &(-1i32).to_le_bytes(), "fd first");
    assert_eq!(u16_at(&bytes, 12), POLLOUT as u16, "events");
    assert_eq!(u16_at(&bytes, 14), POLLNVAL as u16, "revents");
    assert_eq!(decode_poll_entries(&bytes), entries);
    assert_eq!(poll_array_size(2, 1024), Ok(16));
    assert_eq!(poll_array_size(1024, 1024), Ok(8192));
    assert_eq!(poll_array_size(1025, 1024), Err(Errno::EINVAL));
    assert_eq!(poll_array_size(u64::MAX, 1024), Err(Errno::EINVAL));
}

proptest! {
    /// No byte string makes a decoder panic, and what decodes keeps its promises.
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..20_000)) {
        if let Ok(vectors) = decode_io_vectors(&bytes) {
            prop_assert_eq!(vectors.len(), bytes.len() / IOVEC_SIZE);
            prop_assert!(vectors.iter().try_fold(0i64, |total, vector| total.checked_add(i64::try_from(vector.length).ok()?)).is_some());
        }
        prop_assert_eq!(decode_poll_entries(&bytes).len(), bytes.len() / POLLFD_SIZE);
        if let Ok(time) = Timespec::decode(&bytes) {
            prop_assert!(time.seconds >= 0 && (0..1_000_000_000).contains(&time.nanoseconds));
        }
        let _ = crate::path_from_user(&bytes);
        let _ = crate::path_from_user_allowing_empty(&bytes);
    }

    /// Packing never writes past the buffer, never splits a record, and consumes a prefix.
    #[test]
    fn packing_fits_whole_records(
        names in proptest::collection::vec(proptest::collection::vec(1u8..=255, 1..=NAME_MAX), 0..20),
        size in 0usize..4096,
    ) {
        let entries: Vec<DirectoryEntry<'_>> = names.iter().map(|name| entry(name)).collect();
        let mut buffer = vec![0u8; size];
        match pack_directory_entries(&entries, &mut buffer) {
            Ok(packed) => {
                let expected: usize = entries[..packed.entries].iter().map(DirectoryEntry::record_length).sum();
                prop_assert_eq!(packed.bytes, expected);
                prop_assert!(packed.bytes <= size);
                if let Some(next) = entries.get(packed.entries) {
                    prop_assert!(packed.bytes + next.record_length() > size, "the next one would not have fit");
                }
                let mut offset = 0;
                for entry in &entries[..packed.entries] {
                    prop_assert_eq!(u16_at(&buffer, offset + 16) as usize, entry.record_length());
                    prop_assert_eq!(&buffer[offset + 19..offset + 19 + entry.name.len()], entry.name);
                    offset += entry.record_length();
                }
            }
            Err(errno) => {
                prop_assert_eq!(errno, Errno::EINVAL);
                prop_assert!(entries[0].record_length() > size);
            }
        }
    }
}
