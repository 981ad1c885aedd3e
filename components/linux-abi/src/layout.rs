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
        put(&mut bytes, 0, &self.seconds.to_le_bytes());
        put(&mut bytes, 8, &self.nanoseconds.to_le_bytes());
        bytes
    }

    /// Reads a `struct timespec` a program passed as a duration or time (nanosleep,
    /// clock_nanosleep, futex, ppoll).
    ///
    /// Errors: `EFAULT` when fewer than 16 bytes are given (the kernel could not copy them);
    /// `EINVAL` when `tv_nsec` is outside `0..1e9` or `tv_sec` is negative, as those calls answer.
    pub fn decode(bytes: &[u8]) -> Result<Timespec, Errno> {
        let seconds = i64_at(bytes, 0).ok_or(Errno::EFAULT)?;
        let nanoseconds = i64_at(bytes, 8).ok_or(Errno::EFAULT)?;
        if seconds < 0 || !(0..NANOSECONDS_PER_SECOND as i64).contains(&nanoseconds) {
            return Err(Errno::EINVAL);
        }
        Ok(Timespec { seconds, nanoseconds })
    }
}

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
        let major = self.major as u64 & 0xfff;
        let minor = self.minor as u64;
        (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
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
        put(&mut bytes, 0, &self.device.encode().to_le_bytes());
        put(&mut bytes, 8, &self.inode.to_le_bytes());
        put(&mut bytes, 16, &u64::from(self.links).to_le_bytes());
        put(&mut bytes, 24, &self.mode.to_le_bytes());
        put(&mut bytes, 28, &self.user.to_le_bytes());
        put(&mut bytes, 32, &self.group.to_le_bytes());
        // 36..40 is padding.
        put(&mut bytes, 40, &self.represented_device.encode().to_le_bytes());
        put(&mut bytes, 48, &self.size.to_le_bytes());
        put(&mut bytes, 56, &u64::from(self.block_size).to_le_bytes());
        put(&mut bytes, 64, &self.blocks.to_le_bytes());
        put(&mut bytes, 72, &self.accessed.encode());
        put(&mut bytes, 88, &self.modified.encode());
        put(&mut bytes, 104, &self.changed.encode());
        // 120..144 is reserved, zero.
        bytes
    }

    /// `struct statx` (256 bytes). Every basic field is filled whatever the program asked for
    /// (Linux may return more than requested); `stx_mask` says `STATX_BASIC_STATS`, plus
    /// `STATX_BTIME` when the creation time is known.
    pub fn encode_statx(&self) -> [u8; STATX_SIZE] {
        let mut bytes = [0; STATX_SIZE];
        let mask = if self.born.is_some() { STATX_BASIC_STATS | STATX_BTIME } else { STATX_BASIC_STATS };
        put(&mut bytes, 0, &mask.to_le_bytes());
        put(&mut bytes, 4, &self.block_size.to_le_bytes());
        // 8: stx_attributes, 0.
        put(&mut bytes, 16, &self.links.to_le_bytes());
        put(&mut bytes, 20, &self.user.to_le_bytes());
        put(&mut bytes, 24, &self.group.to_le_bytes());
        // stx_mode is 16 bits: type and permissions fit.
        put(&mut bytes, 28, &(self.mode as u16).to_le_bytes());
        put(&mut bytes, 32, &self.inode.to_le_bytes());
        put(&mut bytes, 40, &self.size.to_le_bytes());
        put(&mut bytes, 48, &self.blocks.to_le_bytes());
        // 56: stx_attributes_mask, 0.
        put(&mut bytes, 64, &statx_timestamp(self.accessed));
        if let Some(born) = self.born {
            put(&mut bytes, 80, &statx_timestamp(born));
        }
        put(&mut bytes, 96, &statx_timestamp(self.changed));
        put(&mut bytes, 112, &statx_timestamp(self.modified));
        put(&mut bytes, 128, &self.represented_device.major.to_le_bytes());
        put(&mut bytes, 132, &self.represented_device.minor.to_le_bytes());
        put(&mut bytes, 136, &self.device.major.to_le_bytes());
        put(&mut bytes, 140, &self.device.minor.to_le_bytes());
        bytes
    }
}

/// `struct statx_timestamp`: 64-bit seconds, 32-bit nanoseconds, 4 reserved bytes.
fn statx_timestamp(time: Timespec) -> [u8; 16] {
    let mut bytes = [0; 16];
    put(&mut bytes, 0, &time.seconds.to_le_bytes());
    // A valid tv_nsec is below 1e9 and fits.
    put(&mut bytes, 8, &(time.nanoseconds as u32).to_le_bytes());
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

/// The fixed part of `struct linux_dirent64`: `d_ino`, `d_off`, `d_reclen`, `d_type`.
const DIRENT_HEADER_SIZE: usize = 19;
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
        put(record, 0, &entry.inode.to_le_bytes());
        put(record, 8, &entry.next_offset.to_le_bytes());
        // A name of at most NAME_MAX bytes keeps the record far below 65,536.
        put(record, 16, &(length as u16).to_le_bytes());
        put(record, 18, &[entry.kind]);
        put(record, DIRENT_HEADER_SIZE, entry.name);
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
        let base = u64_at(record, 0).ok_or(Errno::EFAULT)?;
        let length = u64_at(record, 8).ok_or(Errno::EFAULT)?;
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
        put(&mut bytes, 0, &self.fd.to_le_bytes());
        put(&mut bytes, 4, &self.events.to_le_bytes());
        put(&mut bytes, 6, &self.returned_events.to_le_bytes());
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
            fd: i32::from_le_bytes([record[0], record[1], record[2], record[3]]),
            events: i16::from_le_bytes([record[4], record[5]]),
            returned_events: i16::from_le_bytes([record[6], record[7]]),
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

fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let array: [u8; 8] = bytes.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(array))
}

fn i64_at(bytes: &[u8], offset: usize) -> Option<i64> {
    u64_at(bytes, offset).map(|value| value as i64)
}
