//! `struct flock` for fcntl's record locks.

use crate::{
    AccessMode, Errno, F_RDLCK, F_UNLCK, F_WRLCK, FLOCK_SIZE, LockKind, RecordLock, SEEK_CUR, SEEK_END, SEEK_SET,
};

fn flock(kind: i16, whence: i16, start: i64, length: i64) -> [u8; FLOCK_SIZE] {
    let mut bytes = [0; FLOCK_SIZE];
    bytes[0..2].copy_from_slice(&kind.to_le_bytes());
    bytes[2..4].copy_from_slice(&whence.to_le_bytes());
    bytes[8..16].copy_from_slice(&start.to_le_bytes());
    bytes[16..24].copy_from_slice(&length.to_le_bytes());
    bytes[24..28].copy_from_slice(&1234i32.to_le_bytes());
    bytes
}

#[test]
fn lock_types_have_linuxs_values() {
    assert_eq!((F_RDLCK, F_WRLCK, F_UNLCK), (0, 1, 2));
}

#[test]
fn a_flock_decodes() {
    let lock = RecordLock::decode(&flock(F_WRLCK, SEEK_END as i16, -10, 0)).unwrap();
    assert_eq!(lock, RecordLock { kind: LockKind::Write, whence: SEEK_END, start: -10, length: 0 });
    assert_eq!(RecordLock::decode(&flock(F_RDLCK, SEEK_SET as i16, 0, 1)).unwrap().kind, LockKind::Read);
    assert_eq!(RecordLock::decode(&flock(F_UNLCK, SEEK_CUR as i16, 0, 1)).unwrap().kind, LockKind::Unlock);
}

#[test]
fn bad_types_and_origins_are_einval_and_short_copies_efault() {
    assert_eq!(RecordLock::decode(&flock(3, 0, 0, 0)), Err(Errno::EINVAL));
    assert_eq!(RecordLock::decode(&flock(-1, 0, 0, 0)), Err(Errno::EINVAL));
    assert_eq!(RecordLock::decode(&flock(F_RDLCK, 3, 0, 0)), Err(Errno::EINVAL));
    assert_eq!(RecordLock::decode(&flock(F_RDLCK, -1, 0, 0)), Err(Errno::EINVAL));
    assert_eq!(RecordLock::decode(&flock(F_RDLCK, 0, 0, 0)[..FLOCK_SIZE - 1]), Err(Errno::EFAULT));
}

#[test]
fn locks_need_the_matching_access() {
    let read = RecordLock { kind: LockKind::Read, whence: SEEK_SET, start: 0, length: 0 };
    let write = RecordLock { kind: LockKind::Write, ..read };
    let unlock = RecordLock { kind: LockKind::Unlock, ..read };
    assert_eq!(read.check_access(AccessMode::ReadOnly), Ok(()));
    assert_eq!(read.check_access(AccessMode::WriteOnly), Err(Errno::EBADF));
    assert_eq!(write.check_access(AccessMode::ReadOnly), Err(Errno::EBADF));
    assert_eq!(write.check_access(AccessMode::ReadWrite), Ok(()));
    assert_eq!(unlock.check_access(AccessMode::WriteOnly), Ok(()));
}

#[test]
fn f_getlk_answers_unlocked_and_keeps_the_rest() {
    let mut bytes = flock(F_WRLCK, SEEK_SET as i16, 100, 50);
    let before = bytes;
    RecordLock::unlocked(&mut bytes);
    assert_eq!(&bytes[0..2], &F_UNLCK.to_le_bytes());
    assert_eq!(&bytes[2..], &before[2..]);
    let mut short = [0xffu8; 4];
    RecordLock::unlocked(&mut short);
    assert_eq!(short, [0xff; 4], "a short slice is left alone");
}
