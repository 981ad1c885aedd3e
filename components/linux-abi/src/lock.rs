//! `struct flock`, the argument of fcntl's record-lock commands.

use crate::{AccessMode, Errno, SEEK_CUR, SEEK_END, SEEK_SET};

/// The size of x86-64's `struct flock`.
pub const FLOCK_SIZE: usize = 32;

/// `l_type`: a shared (read) lock.
pub const F_RDLCK: i16 = 0;
/// `l_type`: an exclusive (write) lock.
pub const F_WRLCK: i16 = 1;
/// `l_type`: unlock, or (from `F_GETLK`) "nothing would block".
pub const F_UNLCK: i16 = 2;

/// Field offsets of `struct flock`.
mod flock_offset {
    pub(super) const TYPE: usize = 0;
    pub(super) const WHENCE: usize = 2;
    pub(super) const START: usize = 8;
    pub(super) const LENGTH: usize = 16;
}

/// What a lock request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// `F_RDLCK`.
    Read,
    /// `F_WRLCK`.
    Write,
    /// `F_UNLCK`.
    Unlock,
}

/// A decoded `struct flock`: which bytes, and what to do with them. With one process every
/// request succeeds, so only the checks matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLock {
    /// `l_type`.
    pub kind: LockKind,
    /// `l_whence`: `SEEK_SET`, `SEEK_CUR` or `SEEK_END`.
    pub whence: u32,
    /// `l_start`, from `whence`.
    pub start: i64,
    /// `l_len`: 0 means "to the end of the file, however far it grows"; negative counts back.
    pub length: i64,
}

impl RecordLock {
    /// Decodes the `struct flock` the kernel copied in.
    ///
    /// Errors: `EFAULT` when fewer than [`FLOCK_SIZE`] bytes are given (the kernel could not
    /// copy them); `EINVAL` for an `l_type` other than `F_RDLCK`, `F_WRLCK`, `F_UNLCK` or an
    /// `l_whence` other than `SEEK_SET`, `SEEK_CUR`, `SEEK_END` (Linux's answers).
    pub fn decode(bytes: &[u8]) -> Result<RecordLock, Errno> {
        if bytes.len() < FLOCK_SIZE {
            return Err(Errno::EFAULT);
        }
        let kind = match i16_at(bytes, flock_offset::TYPE) {
            F_RDLCK => LockKind::Read,
            F_WRLCK => LockKind::Write,
            F_UNLCK => LockKind::Unlock,
            _ => return Err(Errno::EINVAL),
        };
        let whence = u32::try_from(i16_at(bytes, flock_offset::WHENCE))
            .ok()
            .filter(|whence| [SEEK_SET, SEEK_CUR, SEEK_END].contains(whence))
            .ok_or(Errno::EINVAL)?;
        Ok(RecordLock {
            kind,
            whence,
            start: i64_at(bytes, flock_offset::START),
            length: i64_at(bytes, flock_offset::LENGTH),
        })
    }

    /// Checks that a file opened with `access` may take this lock (the `F_SETLK` family).
    ///
    /// Errors: `EBADF` for a read lock on a file not open for reading, or a write lock on a file
    /// not open for writing, as Linux answers. Unlocking is always allowed.
    pub fn check_access(self, access: AccessMode) -> Result<(), Errno> {
        match self.kind {
            LockKind::Read if !access.can_read() => Err(Errno::EBADF),
            LockKind::Write if !access.can_write() => Err(Errno::EBADF),
            _ => Ok(()),
        }
    }

    /// `F_GETLK`'s answer when nothing would block (always, with one process): the program's
    /// `struct flock` with `l_type` set to `F_UNLCK` and everything else as it was, as Linux
    /// writes it. `bytes` is the structure as copied in; its first [`FLOCK_SIZE`] bytes are
    /// changed (nothing happens to a shorter slice, which [`RecordLock::decode`] refused).
    pub fn unlocked(bytes: &mut [u8]) {
        if bytes.len() >= FLOCK_SIZE
            && let Some(field) = bytes.get_mut(flock_offset::TYPE..flock_offset::TYPE + 2)
        {
            field.copy_from_slice(&F_UNLCK.to_le_bytes());
        }
    }
}

fn i16_at(bytes: &[u8], offset: usize) -> i16 {
    let mut array = [0; 2];
    if let Some(source) = bytes.get(offset..offset + 2) {
        array.copy_from_slice(source);
    }
    i16::from_le_bytes(array)
}

fn i64_at(bytes: &[u8], offset: usize) -> i64 {
    let mut array = [0; 8];
    if let Some(source) = bytes.get(offset..offset + 8) {
        array.copy_from_slice(source);
    }
    i64::from_le_bytes(array)
}
