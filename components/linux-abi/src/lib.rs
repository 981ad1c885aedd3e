//! The host-testable core of Stardust's Linux system-call layer: every decision the layer takes
//! about what a program passes (numbers, flags, pointers, descriptors, structures) is made here,
//! in pure functions, and answered with the errno Linux would give.
//!
//! Not the layer itself: this crate enters no ring 3, handles no `syscall` instruction, touches
//! no page table and copies no user memory. The kernel does that, asking this crate first:
//! - [`Sysno::from_number`] names the call in RAX; an unknown one gets [`Errno::ENOSYS`] and one
//!   log line ([`UnknownCalls::first_report`]);
//! - [`UserMemory`] holds the program's mappings: [`UserMemory::check`] says whether a pointer
//!   and length may be read or written (else `EFAULT`), and mmap, munmap and mprotect are
//!   decided on it ([`UserMemory::map`], [`UserMemory::unmap`], [`UserMemory::protect`],
//!   [`UserMemory::find_free`]; [`MapRequest::decode`] and [`UserMemory::place`] for a whole
//!   mmap, [`UserMemory::remap`] for mremap) before the page tables are changed to match;
//! - [`FdTable`] holds the descriptors (open, close, dup, dup2, dup3, fcntl; record locks
//!   through [`RecordLock`]), and [`seek_position`] does lseek's arithmetic;
//! - [`Clock::decode`] names the clock of `clock_gettime` and `clock_nanosleep`;
//! - [`OpenFlags::decode`], [`path_from_user`] and [`lookup_start`] read `open`'s and the `*at`
//!   calls' arguments;
//! - encoders give the bytes the kernel writes back ([`FileStatus::encode_stat`] and
//!   [`FileStatus::encode_statx`], [`Timespec::encode`], [`SystemName::encode`],
//!   [`pack_directory_entries`] for getdents64, [`PollEntry::encode`]) and decoders read what it
//!   copies in ([`decode_io_vectors`], [`decode_poll_entries`], [`Timespec::decode`],
//!   [`RecordLock::decode`]);
//! - [`encode_result`] turns a call's `Result` into RAX.
//!
//! No input makes anything here panic: arithmetic on program values is checked and every read
//! of program bytes is bounds-checked. Numbers and layouts are x86-64 Linux's.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod clock;
mod errno;
mod fd;
mod flags;
mod layout;
mod lock;
mod memory;
mod mmap;
mod seek;
mod select;
mod socket;
mod sysno;

#[cfg(test)]
mod tests;

pub use clock::{Clock, TIMER_ABSTIME};
pub use errno::{Errno, MAX_ERRNO, encode_result};
pub use fd::{
    DEFAULT_DESCRIPTOR_LIMIT, Duplicated, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_OFD_GETLK,
    F_OFD_SETLK, F_OFD_SETLKW, F_SETFD, F_SETFL, F_SETLK, F_SETLKW, FD_CLOEXEC, FcntlCommand, FcntlOutcome, FdTable,
    StatusFlags,
};
pub use flags::{
    AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW, AccessMode,
    LookupStart, O_ACCMODE, O_APPEND, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE,
    O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY,
    OpenFlags, PATH_MAX, check_at_flags, lookup_start, path_from_user, path_from_user_allowing_empty,
};
pub use layout::{
    DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_UNKNOWN, DeviceNumber, DirectoryEntry, FileStatus, IOV_MAX, IOVEC_SIZE,
    IoVector, MAX_TRANSFER, NAME_MAX, NANOSECONDS_PER_SECOND, POLLERR, POLLFD_SIZE, POLLHUP, POLLIN, POLLNVAL, POLLOUT,
    POLLPRI, Packed, PollEntry, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, STAT_SIZE, STATX_BASIC_STATS, STATX_BTIME,
    STATX_SIZE, STATX_TYPE, SystemName, TIMESPEC_SIZE, Timespec, UTSNAME_FIELD_SIZE, UTSNAME_FIELDS, UTSNAME_SIZE,
    decode_io_vectors, decode_poll_entries, io_vector_array_size, pack_directory_entries, poll_array_size,
    transfer_length,
};
pub use lock::{F_RDLCK, F_UNLCK, F_WRLCK, FLOCK_SIZE, LockKind, RecordLock};
pub use memory::{
    Access, DEFAULT_MAX_REGIONS, LOWEST_ADDRESS, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE, Protection,
    Region, USER_SPACE_END, UserMemory, round_up_to_page,
};
pub use mmap::{
    Backing, MAP_ANONYMOUS, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_GROWSDOWN, MAP_HUGETLB,
    MAP_LOCKED, MAP_NONBLOCK, MAP_NORESERVE, MAP_POPULATE, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_STACK,
    MAP_SYNC, MAP_TYPE, MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE, MapRequest, Placement, Remapped,
};
pub use seek::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, seek_position};
pub use select::{FD_SETSIZE, decode_fd_set, encode_fd_set, fd_set_bytes, select_entries, select_results};
pub use socket::*;
pub use sysno::{Sysno, TRACKED_NUMBERS, UnknownCalls};
