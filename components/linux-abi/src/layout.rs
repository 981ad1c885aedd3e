//! The byte layouts of x86-64 Linux structures the kernel writes into, or reads from, user
//! memory. Encoders fill fixed-size arrays; decoders take whatever bytes the kernel copied in
//! and never panic. All integers are little-endian.

use alloc::vec::Vec;

use crate::Errno;

/// Nanoseconds in a second: a valid `tv_nsec` is below it.
pub const NANOSECONDS_PER_SECOND: u64 = 1_000_000_000;

/// The size of `struct timespec`.
pub const TIMESPEC_SIZE: usize = 16;
/// The size of `struct stat`.
pub const STAT_SIZE: usize = 144;
/// The size of `struct statx`.
pub const STATX_SIZE: usize = 256;
/// The size of each `struct utsname` field, its NUL included.
pub const UTSNAME_FIELD_SIZE: usize = 65;
/// The number of `struct utsname` fields.
pub const UTSNAME_FIELDS: usize = 6;
/// The size of `struct utsname`.
pub const UTSNAME_SIZE: usize = UTSNAME_FIELD_SIZE * UTSNAME_FIELDS;
/// The size of `struct iovec`.
pub const IOVEC_SIZE: usize = 16;
/// The most `struct iovec`s one `readv`/`writev` takes.
pub const IOV_MAX: u64 = 1024;
/// The size of `struct pollfd`.
pub const POLLFD_SIZE: usize = 8;
/// The most bytes Linux moves in one read or write: `INT_MAX` rounded down to a page.
pub const MAX_TRANSFER: u64 = 0x7fff_f000;

/// A time as `struct timespec`: seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Timespec {
    /// `tv_sec`.
    pub seconds: i64,
    /// `tv_nsec`: below [`NANOSECONDS_PER_SECOND`] in any value the kernel writes.
    pub nanoseconds: i64,
}

impl Timespec {
    /// The 16 bytes of `struct timespec`.
    pub fn encode(self) -> [u8; TIMESPEC_SIZE] {
        let mut bytes = [0; TIMESPEC_SIZE];
        put(&mut bytes, timespec_offset::SECONDS, &self.seconds.to_le_bytes());
        put(&mut bytes, timespec_offset::NANOSECONDS, &self.nanoseconds.to_le_bytes());
        bytes
    }

    /// Reads a `struct timespec` a program passed as a duration or time (nanosleep,
    /// clock_nanosleep, futex, ppoll).
    ///
    /// Errors: `EFAULT` when fewer than 16 bytes are given (the kernel could not copy them);
    /// `EINVAL` when `tv_nsec` is outside `0..1e9` or `tv_sec` is negative, as those calls answer.
    pub fn decode(bytes: &[u8]) -> Result<Timespec, Errno> {
        let seconds = i64_at(bytes, timespec_offset::SECONDS).ok_or(Errno::EFAULT)?;
        let nanoseconds = i64_at(bytes, timespec_offset::NANOSECONDS).ok_or(Errno::EFAULT)?;
        if seconds < 0 || !(0..NANOSECONDS_PER_SECOND as i64).contains(&nanoseconds) {
            return Err(Errno::EINVAL);
        }
        Ok(Timespec { seconds, nanoseconds })
    }
}

/// The 12 bits of a major number that `new_encode_dev` keeps.
const DEVICE_MAJOR_MASK: u64 = 0xfff;
/// Where the major number goes in an encoded device number.
const DEVICE_MAJOR_SHIFT: u32 = 8;
/// The minor number's byte that stays in bits 0..8.
const DEVICE_MINOR_LOW_MASK: u64 = 0xff;
/// How far the rest of the minor number moves up (to bit 20).
const DEVICE_MINOR_HIGH_SHIFT: u32 = 12;

/// A device number as major and minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceNumber {
    /// The driver.
    pub major: u32,
    /// The unit.
    pub minor: u32,
}

impl DeviceNumber {
    /// The number as `struct stat` holds it (Linux's `new_encode_dev`: minor's low byte, major
    /// above it, the rest of minor from bit 20). Majors above 12 bits lose their high bits, as
    /// in Linux's own encoding.
    pub const fn encode(self) -> u64 {
        let major = self.major as u64 & DEVICE_MAJOR_MASK;
        let minor = self.minor as u64;
        (minor & DEVICE_MINOR_LOW_MASK)
            | (major << DEVICE_MAJOR_SHIFT)
            | ((minor & !DEVICE_MINOR_LOW_MASK) << DEVICE_MINOR_HIGH_SHIFT)
    }
}

/// Everything `stat` and `statx` report about a file; the kernel fills it from the VFS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileStatus {
    /// The device of the file system the file is on.
    pub device: DeviceNumber,
    /// The inode number.
    pub inode: u64,
    /// The file type and permission bits (`S_IFREG | 0o644`, ...).
    pub mode: u32,
    /// The number of hard links.
    pub links: u32,
    /// The owner.
    pub user: u32,
    /// The group.
    pub group: u32,
    /// The device a device file stands for.
    pub represented_device: DeviceNumber,
    /// The size in bytes.
    pub size: u64,
    /// The preferred I/O size.
    pub block_size: u32,
    /// The number of 512-byte blocks allocated.
    pub blocks: u64,
    /// Last access.
    pub accessed: Timespec,
    /// Last change of the contents.
    pub modified: Timespec,
    /// Last change of the inode.
    pub changed: Timespec,
    /// Creation, when the file system records it (`STATX_BTIME`).
    pub born: Option<Timespec>,
}

/// A regular file's type bits in `mode`.
pub const S_IFREG: u32 = 0o100000;
/// A directory's type bits in `mode`.
pub const S_IFDIR: u32 = 0o040000;
/// A character device's type bits in `mode` (the console).
pub const S_IFCHR: u32 = 0o020000;
/// A pipe's type bits in `mode`.
pub const S_IFIFO: u32 = 0o010000;
/// A symbolic link's type bits in `mode`.
pub const S_IFLNK: u32 = 0o120000;

/// `statx` mask: `stx_mode`'s type bits.
pub const STATX_TYPE: u32 = 0x1;
/// `statx` mask: the basic fields `stat` has too (type, mode, links, owner, group, times, inode,
/// size, blocks).
pub const STATX_BASIC_STATS: u32 = 0x7ff;
/// `statx` mask: `stx_btime`.
pub const STATX_BTIME: u32 = 0x800;

impl FileStatus {
    /// `struct stat` (144 bytes) for `stat`, `fstat`, `lstat` and `newfstatat`.
    pub fn encode_stat(&self) -> [u8; STAT_SIZE] {
        let mut bytes = [0; STAT_SIZE];
        put(&mut bytes, stat_offset::DEV, &self.device.encode().to_le_bytes());
        put(&mut bytes, stat_offset::INO, &self.inode.to_le_bytes());
        put(&mut bytes, stat_offset::NLINK, &u64::from(self.links).to_le_bytes());
        put(&mut bytes, stat_offset::MODE, &self.mode.to_le_bytes());
        put(&mut bytes, stat_offset::UID, &self.user.to_le_bytes());
        put(&mut bytes, stat_offset::GID, &self.group.to_le_bytes());
        // Padding follows st_gid, so that st_rdev is 8-aligned.
        put(&mut bytes, stat_offset::RDEV, &self.represented_device.encode().to_le_bytes());
        put(&mut bytes, stat_offset::SIZE, &self.size.to_le_bytes());
        put(&mut bytes, stat_offset::BLKSIZE, &u64::from(self.block_size).to_le_bytes());
        put(&mut bytes, stat_offset::BLOCKS, &self.blocks.to_le_bytes());
        put(&mut bytes, stat_offset::ATIME, &self.accessed.encode());
        put(&mut bytes, stat_offset::MTIME, &self.modified.encode());
        put(&mut bytes, stat_offset::CTIME, &self.changed.encode());
        // Reserved words follow st_ctime, left zero.
        bytes
    }

    /// `struct statx` (256 bytes). Every basic field is filled whatever the program asked for
    /// (Linux may return more than requested); `stx_mask` says `STATX_BASIC_STATS`, plus
    /// `STATX_BTIME` when the creation time is known.
    pub fn encode_statx(&self) -> [u8; STATX_SIZE] {
        let mut bytes = [0; STATX_SIZE];
        let mask = if self.born.is_some() { STATX_BASIC_STATS | STATX_BTIME } else { STATX_BASIC_STATS };
        put(&mut bytes, statx_offset::MASK, &mask.to_le_bytes());
        put(&mut bytes, statx_offset::BLKSIZE, &self.block_size.to_le_bytes());
        // stx_attributes (no attribute is reported) stays zero.
        put(&mut bytes, statx_offset::NLINK, &self.links.to_le_bytes());
        put(&mut bytes, statx_offset::UID, &self.user.to_le_bytes());
        put(&mut bytes, statx_offset::GID, &self.group.to_le_bytes());
        // stx_mode is 16 bits: type and permissions fit.
        put(&mut bytes, statx_offset::MODE, &(self.mode as u16).to_le_bytes());
        put(&mut bytes, statx_offset::INO, &self.inode.to_le_bytes());
        put(&mut bytes, statx_offset::SIZE, &self.size.to_le_bytes());
        put(&mut bytes, statx_offset::BLOCKS, &self.blocks.to_le_bytes());
        // stx_attributes_mask stays zero: no attribute is supported.
        put(&mut bytes, statx_offset::ATIME, &statx_timestamp(self.accessed));
        if let Some(born) = self.born {
            put(&mut bytes, statx_offset::BTIME, &statx_timestamp(born));
        }
        put(&mut bytes, statx_offset::CTIME, &statx_timestamp(self.changed));
        put(&mut bytes, statx_offset::MTIME, &statx_timestamp(self.modified));
        put(&mut bytes, statx_offset::RDEV_MAJOR, &self.represented_device.major.to_le_bytes());
        put(&mut bytes, statx_offset::RDEV_MINOR, &self.represented_device.minor.to_le_bytes());
        put(&mut bytes, statx_offset::DEV_MAJOR, &self.device.major.to_le_bytes());
        put(&mut bytes, statx_offset::DEV_MINOR, &self.device.minor.to_le_bytes());
        bytes
    }
}

/// The size of `struct statx_timestamp`.
const STATX_TIMESTAMP_SIZE: usize = 16;

/// `struct statx_timestamp`: 64-bit seconds, 32-bit nanoseconds (at the same offsets as in
/// `struct timespec`), 4 reserved bytes.
fn statx_timestamp(time: Timespec) -> [u8; STATX_TIMESTAMP_SIZE] {
    let mut bytes = [0; STATX_TIMESTAMP_SIZE];
    put(&mut bytes, timespec_offset::SECONDS, &time.seconds.to_le_bytes());
    // A valid tv_nsec is below 1e9 and fits.
    put(&mut bytes, timespec_offset::NANOSECONDS, &(time.nanoseconds as u32).to_le_bytes());
    bytes
}

/// What `uname` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemName<'a> {
    /// `sysname`: `"Linux"` for programs that branch on it.
    pub system: &'a str,
    /// `nodename`: the host name.
    pub node: &'a str,
    /// `release`: a Linux version string; glibc and some programs parse it.
    pub release: &'a str,
    /// `version`.
    pub version: &'a str,
    /// `machine`: `"x86_64"`.
    pub machine: &'a str,
    /// `domainname`.
    pub domain: &'a str,
}

impl SystemName<'_> {
    /// `struct utsname`: six NUL-terminated fields of 65 bytes. A longer string is cut to 64
    /// bytes (the strings are the kernel's own, so this is a configuration slip, not an attack).
    pub fn encode(&self) -> [u8; UTSNAME_SIZE] {
        let mut bytes = [0; UTSNAME_SIZE];
        let fields = [self.system, self.node, self.release, self.version, self.machine, self.domain];
        for (index, field) in fields.iter().enumerate() {
            let text = field.as_bytes();
            let text = text.get(..UTSNAME_FIELD_SIZE - 1).unwrap_or(text);
            put(&mut bytes, index * UTSNAME_FIELD_SIZE, text);
        }
        bytes
    }
}

/// `d_type`: unknown.
pub const DT_UNKNOWN: u8 = 0;
/// `d_type`: a pipe.
pub const DT_FIFO: u8 = 1;
/// `d_type`: a character device.
pub const DT_CHR: u8 = 2;
/// `d_type`: a directory.
pub const DT_DIR: u8 = 4;
/// `d_type`: a regular file.
pub const DT_REG: u8 = 8;
/// `d_type`: a symbolic link.
pub const DT_LNK: u8 = 10;

/// The longest file name (`NAME_MAX`), without a NUL.
pub const NAME_MAX: usize = 255;

/// The fixed part of `struct linux_dirent64`: `d_ino`, `d_off`, `d_reclen`, `d_type`; the name
/// follows it.
const DIRENT_HEADER_SIZE: usize = dirent_offset::NAME;
/// Records are padded to this.
const DIRENT_ALIGNMENT: usize = 8;

/// One directory entry for `getdents64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectoryEntry<'a> {
    /// `d_ino`.
    pub inode: u64,
    /// `d_off`: the directory position after this entry (what `lseek` takes to resume there).
    pub next_offset: i64,
    /// `d_type`: one of the `DT_` values.
    pub kind: u8,
    /// `d_name`, without a NUL.
    pub name: &'a [u8],
}

impl DirectoryEntry<'_> {
    /// The record's size: header, name, NUL, padded to 8 bytes.
    pub fn record_length(&self) -> usize {
        (DIRENT_HEADER_SIZE + self.name.len() + 1).div_ceil(DIRENT_ALIGNMENT) * DIRENT_ALIGNMENT
    }
}

/// What [`pack_directory_entries`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    /// How many entries, from the front, are in the buffer: the next call starts after them.
    pub entries: usize,
    /// How many bytes they fill: `getdents64`'s result.
    pub bytes: usize,
}

/// Writes as many `entries` as fit into `buffer` as `struct linux_dirent64` records, in order.
///
/// Errors: `EINVAL` when there is at least one entry and the first does not fit (Linux's
/// "result buffer is too small"); `EIO` when an entry's name is empty, longer than
/// [`NAME_MAX`] or holds a NUL byte, which no program could read back (the file system's fault,
/// not the program's). No entries is `Packed { entries: 0, bytes: 0 }`: the end of the
/// directory.
pub fn pack_directory_entries(entries: &[DirectoryEntry<'_>], buffer: &mut [u8]) -> Result<Packed, Errno> {
    let mut written: usize = 0;
    for (index, entry) in entries.iter().enumerate() {
        if entry.name.is_empty() || entry.name.len() > NAME_MAX || entry.name.contains(&0) {
            return Err(Errno::EIO);
        }
        let length = entry.record_length();
        let Some(record) = written.checked_add(length).and_then(|end| buffer.get_mut(written..end)) else {
            if index == 0 {
                return Err(Errno::EINVAL);
            }
            return Ok(Packed { entries: index, bytes: written });
        };
        record.fill(0);
        put(record, dirent_offset::INO, &entry.inode.to_le_bytes());
        put(record, dirent_offset::OFF, &entry.next_offset.to_le_bytes());
        // A name of at most NAME_MAX bytes keeps the record far below 65,536.
        put(record, dirent_offset::RECLEN, &(length as u16).to_le_bytes());
        put(record, dirent_offset::TYPE, &[entry.kind]);
        put(record, dirent_offset::NAME, entry.name);
        written += length;
    }
    Ok(Packed { entries: entries.len(), bytes: written })
}

/// One `struct iovec`: a user buffer the kernel still has to check with
/// [`UserMemory::check`](crate::UserMemory::check) before it copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoVector {
    /// `iov_base`.
    pub base: u64,
    /// `iov_len`.
    pub length: u64,
}

/// How many bytes of user memory hold `count` `struct iovec`s: what the kernel copies before
/// [`decode_io_vectors`].
///
/// Errors: `EINVAL` when `count` is above [`IOV_MAX`] (the register, so a negative C `int`
/// is a huge number and refused too).
pub fn io_vector_array_size(count: u64) -> Result<usize, Errno> {
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    // count is at most 1024.
    Ok(count as usize * IOVEC_SIZE)
}

/// Decodes the `struct iovec` array of `readv`/`writev`/`preadv`/`pwritev` from the bytes the
/// kernel copied (a whole number of 16-byte records; extra bytes are ignored).
///
/// Errors: `EINVAL` when there are more than [`IOV_MAX`] records, when an `iov_len` is negative
/// as `ssize_t`, or when the lengths together overflow `ssize_t` (POSIX's rule; Linux instead
/// cuts the transfer at [`MAX_TRANSFER`], which [`transfer_length`] does for totals that fit).
pub fn decode_io_vectors(bytes: &[u8]) -> Result<Vec<IoVector>, Errno> {
    let records = bytes.chunks_exact(IOVEC_SIZE);
    if records.len() as u64 > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut vectors = Vec::with_capacity(records.len());
    let mut total: i64 = 0;
    for record in records {
        let base = u64_at(record, iovec_offset::BASE).ok_or(Errno::EFAULT)?;
        let length = u64_at(record, iovec_offset::LENGTH).ok_or(Errno::EFAULT)?;
        let signed = i64::try_from(length).map_err(|_| Errno::EINVAL)?;
        total = total.checked_add(signed).ok_or(Errno::EINVAL)?;
        vectors.push(IoVector { base, length });
    }
    Ok(vectors)
}

/// How many bytes one read or write moves at most, given what the program asked for: Linux
/// never moves more than [`MAX_TRANSFER`] in one call and returns a short count instead.
pub fn transfer_length(requested: u64) -> u64 {
    requested.min(MAX_TRANSFER)
}

/// `poll` events: data to read.
pub const POLLIN: i16 = 0x1;
/// `poll` events: urgent data.
pub const POLLPRI: i16 = 0x2;
/// `poll` events: writing will not block.
pub const POLLOUT: i16 = 0x4;
/// `poll` result: an error.
pub const POLLERR: i16 = 0x8;
/// `poll` result: hung up.
pub const POLLHUP: i16 = 0x10;
/// `poll` result: the descriptor is not open.
pub const POLLNVAL: i16 = 0x20;

/// One `struct pollfd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollEntry {
    /// `fd`: a negative one is ignored (its `revents` is 0).
    pub fd: i32,
    /// `events`: what the program waits for.
    pub events: i16,
    /// `revents`: what happened; the kernel sets it.
    pub returned_events: i16,
}

impl PollEntry {
    /// The 8 bytes of `struct pollfd`.
    pub fn encode(self) -> [u8; POLLFD_SIZE] {
        let mut bytes = [0; POLLFD_SIZE];
        put(&mut bytes, pollfd_offset::FD, &self.fd.to_le_bytes());
        put(&mut bytes, pollfd_offset::EVENTS, &self.events.to_le_bytes());
        put(&mut bytes, pollfd_offset::REVENTS, &self.returned_events.to_le_bytes());
        bytes
    }
}

/// How many bytes hold `count` `struct pollfd`s: what the kernel copies before
/// [`decode_poll_entries`].
///
/// Errors: `EINVAL` when `count` is above `descriptor_limit` (Linux compares `nfds` with
/// `RLIMIT_NOFILE`).
pub fn poll_array_size(count: u64, descriptor_limit: u32) -> Result<usize, Errno> {
    if count > u64::from(descriptor_limit) {
        return Err(Errno::EINVAL);
    }
    usize::try_from(count).ok().and_then(|count| count.checked_mul(POLLFD_SIZE)).ok_or(Errno::EINVAL)
}

/// Decodes a `struct pollfd` array from the bytes the kernel copied (whole 8-byte records; extra
/// bytes are ignored). Never fails: every bit pattern is a valid `pollfd`.
pub fn decode_poll_entries(bytes: &[u8]) -> Vec<PollEntry> {
    bytes
        .chunks_exact(POLLFD_SIZE)
        .map(|record| PollEntry {
            fd: i32::from_le_bytes(array_at(record, pollfd_offset::FD)),
            events: i16::from_le_bytes(array_at(record, pollfd_offset::EVENTS)),
            returned_events: i16::from_le_bytes(array_at(record, pollfd_offset::REVENTS)),
        })
        .collect()
}

/// Copies `value` into `bytes` at `offset`. The offsets in this file are constants inside the
/// fixed-size arrays they write, so a failure here is a bug in this file: it is caught by the
/// layout tests, and in release builds the write is skipped rather than panicking the kernel.
fn put(bytes: &mut [u8], offset: usize, value: &[u8]) {
    let target = offset.checked_add(value.len()).and_then(|end| bytes.get_mut(offset..end));
    debug_assert!(target.is_some(), "a layout offset past its structure");
    if let Some(target) = target {
        target.copy_from_slice(value);
    }
}

/// `N` bytes at `offset`, or zeroes where `bytes` is shorter (callers pass whole records, so
/// this never happens; it is not a reason to panic).
fn array_at<const N: usize>(bytes: &[u8], offset: usize) -> [u8; N] {
    let mut array = [0; N];
    if let Some(source) = offset.checked_add(N).and_then(|end| bytes.get(offset..end)) {
        array.copy_from_slice(source);
    }
    array
}

fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let array: [u8; 8] = bytes.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(array))
}

fn i64_at(bytes: &[u8], offset: usize) -> Option<i64> {
    u64_at(bytes, offset).map(|value| value as i64)
}

/// Field offsets of `struct timespec` (and of `struct statx_timestamp`'s first two fields).
mod timespec_offset {
    pub(super) const SECONDS: usize = 0;
    pub(super) const NANOSECONDS: usize = 8;
}

/// Field offsets of x86-64's `struct stat` (`arch/x86/include/uapi/asm/stat.h`; the C
/// compiler's `offsetof` agrees, see the tests).
mod stat_offset {
    pub(super) const DEV: usize = 0;
    pub(super) const INO: usize = 8;
    pub(super) const NLINK: usize = 16;
    pub(super) const MODE: usize = 24;
    pub(super) const UID: usize = 28;
    pub(super) const GID: usize = 32;
    pub(super) const RDEV: usize = 40;
    pub(super) const SIZE: usize = 48;
    pub(super) const BLKSIZE: usize = 56;
    pub(super) const BLOCKS: usize = 64;
    pub(super) const ATIME: usize = 72;
    pub(super) const MTIME: usize = 88;
    pub(super) const CTIME: usize = 104;
}

/// Field offsets of `struct statx` (`include/uapi/linux/stat.h`).
mod statx_offset {
    pub(super) const MASK: usize = 0;
    pub(super) const BLKSIZE: usize = 4;
    pub(super) const NLINK: usize = 16;
    pub(super) const UID: usize = 20;
    pub(super) const GID: usize = 24;
    pub(super) const MODE: usize = 28;
    pub(super) const INO: usize = 32;
    pub(super) const SIZE: usize = 40;
    pub(super) const BLOCKS: usize = 48;
    pub(super) const ATIME: usize = 64;
    pub(super) const BTIME: usize = 80;
    pub(super) const CTIME: usize = 96;
    pub(super) const MTIME: usize = 112;
    pub(super) const RDEV_MAJOR: usize = 128;
    pub(super) const RDEV_MINOR: usize = 132;
    pub(super) const DEV_MAJOR: usize = 136;
    pub(super) const DEV_MINOR: usize = 140;
}

/// Field offsets of `struct linux_dirent64`.
mod dirent_offset {
    pub(super) const INO: usize = 0;
    pub(super) const OFF: usize = 8;
    pub(super) const RECLEN: usize = 16;
    pub(super) const TYPE: usize = 18;
    pub(super) const NAME: usize = 19;
}

/// Field offsets of `struct iovec`.
mod iovec_offset {
    pub(super) const BASE: usize = 0;
    pub(super) const LENGTH: usize = 8;
}

/// Field offsets of `struct pollfd`.
mod pollfd_offset {
    pub(super) const FD: usize = 0;
    pub(super) const EVENTS: usize = 4;
    pub(super) const REVENTS: usize = 6;
}
