//! The descriptor table: numbers, limits, duplicates, close-on-exec and status flags.

use crate::{
    AccessMode, Duplicated, Errno, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_SETFD, F_SETFL, F_SETLK,
    F_SETLKW, FD_CLOEXEC, FcntlCommand, FcntlOutcome, FdTable, O_APPEND, O_CLOEXEC, O_DIRECT, O_LARGEFILE, O_NONBLOCK,
    O_RDWR, O_WRONLY, StatusFlags,
};

const LIMIT: u32 = 8;

fn status(access: AccessMode) -> StatusFlags {
    StatusFlags { access, append: false, nonblocking: false }
}

/// A table with `names` open at 0, 1, 2, ... read-write.
fn opened(names: &[&'static str]) -> FdTable<&'static str> {
    let mut table = FdTable::new(LIMIT);
    for (expected, name) in names.iter().enumerate() {
        assert_eq!(table.open(*name, status(AccessMode::ReadWrite), false), Ok(expected as u32));
    }
    table
}

/// `fcntl` for the commands that finish in the table.
fn fcntl(table: &mut FdTable<&'static str>, fd: u32, command: u32, argument: u64) -> Result<u64, Errno> {
    match table.fcntl(fd, command, argument)? {
        FcntlOutcome::Value(value) => Ok(value),
        lock @ FcntlOutcome::Lock { .. } => panic!("fcntl({fd}, {command}) gave {lock:?}"),
    }
}

#[test]
fn open_takes_the_lowest_free_number() {
    let mut table = opened(&["stdin", "stdout", "stderr", "file"]);
    assert_eq!(table.close(1), Ok(Some("stdout")));
    assert_eq!(table.open("new", status(AccessMode::ReadOnly), false), Ok(1));
    assert_eq!(table.open("next", status(AccessMode::ReadOnly), false), Ok(4));
    assert_eq!(table.get(1), Ok(&"new"));
}

#[test]
fn open_refuses_past_the_limit_and_gives_the_object_back() {
    let mut table = opened(&["a"; LIMIT as usize]);
    assert_eq!(table.open("extra", status(AccessMode::ReadOnly), false), Err((Errno::EMFILE, "extra")));
    assert_eq!(table.limit(), LIMIT);
}

#[test]
fn close_refuses_what_is_not_open() {
    let mut table = opened(&["a"]);
    assert_eq!(table.close(1), Err(Errno::EBADF));
    assert_eq!(table.close(u32::MAX), Err(Errno::EBADF), "a negative int");
    assert_eq!(table.close(0), Ok(Some("a")));
    assert_eq!(table.close(0), Err(Errno::EBADF), "twice");
    assert_eq!(table.get(0), Err(Errno::EBADF));
    assert_eq!(table.status(0), Err(Errno::EBADF));
}

#[test]
fn the_object_is_released_with_its_last_descriptor() {
    let mut table = opened(&["a"]);
    assert_eq!(table.dup(0), Ok(1));
    assert_eq!(table.dup(1), Ok(2));
    assert_eq!(table.close(0), Ok(None));
    assert_eq!(table.close(2), Ok(None));
    assert_eq!(table.close(1), Ok(Some("a")));
}

#[test]
fn dup_takes_the_lowest_free_number_without_close_on_exec() {
    let mut table = FdTable::new(LIMIT);
    table.open("a", status(AccessMode::ReadOnly), true).unwrap();
    table.open("b", status(AccessMode::ReadOnly), false).unwrap();
    table.close(0).unwrap();
    assert_eq!(table.dup(1), Ok(0));
    assert_eq!(table.close_on_exec(0), Ok(false));
    assert_eq!(table.dup(5), Err(Errno::EBADF));
    let mut full = opened(&["x"; LIMIT as usize]);
    assert_eq!(full.dup(0), Err(Errno::EMFILE));
}

#[test]
fn duplicates_share_the_object_and_its_status() {
    let mut table = opened(&["a"]);
    table.dup(0).unwrap();
    assert_eq!(fcntl(&mut table, 1, F_SETFL, O_APPEND | O_NONBLOCK), Ok(0));
    assert_eq!(table.status(0).map(|status| (status.append, status.nonblocking)), Ok((true, true)));
    *table.get_mut(1).unwrap() = "changed";
    assert_eq!(table.get(0), Ok(&"changed"));
}

#[test]
fn dup2_onto_itself_checks_and_returns_it() {
    let mut table = opened(&["a"]);
    fcntl(&mut table, 0, F_SETFD, FD_CLOEXEC).unwrap();
    assert_eq!(table.dup2(0, 0), Ok(Duplicated { fd: 0, released: None }));
    assert_eq!(table.close_on_exec(0), Ok(true), "unchanged");
    assert_eq!(table.dup2(3, 3), Err(Errno::EBADF));
}

#[test]
fn dup2_closes_the_target_first() {
    let mut table = opened(&["a", "b"]);
    assert_eq!(table.dup2(0, 1), Ok(Duplicated { fd: 1, released: Some("b") }));
    assert_eq!(table.get(1), Ok(&"a"));
    assert_eq!(table.dup2(0, 5), Ok(Duplicated { fd: 5, released: None }), "a gap is fine");
    assert_eq!(table.open_descriptors().collect::<Vec<_>>(), [0, 1, 5]);
    assert_eq!(table.dup2(1, 0), Ok(Duplicated { fd: 0, released: None }), "same object: nothing released");
}

#[test]
fn dup2_refuses_bad_descriptors_and_changes_nothing() {
    let mut table = opened(&["a", "b"]);
    assert_eq!(table.dup2(4, 1), Err(Errno::EBADF));
    assert_eq!(table.get(1), Ok(&"b"), "the target survives a failed dup2");
    assert_eq!(table.dup2(0, LIMIT), Err(Errno::EBADF));
    assert_eq!(table.dup2(0, u32::MAX), Err(Errno::EBADF));
}

#[test]
fn dup3_follows_linux() {
    let mut table = opened(&["a", "b"]);
    assert_eq!(table.dup3(0, 0, 0), Err(Errno::EINVAL), "equal descriptors");
    assert_eq!(table.dup3(0, 1, O_NONBLOCK), Err(Errno::EINVAL), "a flag other than O_CLOEXEC");
    assert_eq!(table.dup3(5, 5, O_NONBLOCK), Err(Errno::EINVAL), "flags are checked before descriptors");
    assert_eq!(table.dup3(5, 1, 0), Err(Errno::EBADF));
    assert_eq!(table.dup3(0, LIMIT, 0), Err(Errno::EBADF));
    assert_eq!(table.dup3(0, 1, O_CLOEXEC), Ok(Duplicated { fd: 1, released: Some("b") }));
    assert_eq!(table.close_on_exec(1), Ok(true));
    assert_eq!(table.dup3(0, 1, 0).map(|result| result.released), Ok(None));
    assert_eq!(table.close_on_exec(1), Ok(false));
}

#[test]
fn fcntl_descriptor_flags() {
    let mut table = opened(&["a"]);
    assert_eq!(fcntl(&mut table, 0, F_GETFD, 0), Ok(0));
    assert_eq!(fcntl(&mut table, 0, F_SETFD, FD_CLOEXEC | 0x10), Ok(0));
    assert_eq!(fcntl(&mut table, 0, F_GETFD, 0), Ok(FD_CLOEXEC));
    assert_eq!(fcntl(&mut table, 0, F_SETFD, 0), Ok(0));
    assert_eq!(fcntl(&mut table, 0, F_GETFD, 0), Ok(0));
    assert_eq!(fcntl(&mut table, 3, F_GETFD, 0), Err(Errno::EBADF));
}

#[test]
fn fcntl_dupfd_takes_the_lowest_free_at_or_above() {
    let mut table = opened(&["a", "b", "c", "d"]);
    table.close(1).unwrap();
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, 2), Ok(4));
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, 0), Ok(1));
    assert_eq!(fcntl(&mut table, 0, F_DUPFD_CLOEXEC, 6), Ok(6));
    assert_eq!(table.close_on_exec(6), Ok(true));
    assert_eq!(table.close_on_exec(4), Ok(false));
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, u64::from(LIMIT)), Err(Errno::EINVAL));
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, u64::MAX), Err(Errno::EINVAL), "a negative long");
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, 7), Ok(7));
    assert_eq!(fcntl(&mut table, 0, F_DUPFD, 7), Err(Errno::EMFILE));
    assert_eq!(fcntl(&mut table, 5, F_DUPFD, 0), Err(Errno::EBADF));
}

#[test]
fn fcntl_status_flags_keep_the_access_mode() {
    let mut table = FdTable::new(LIMIT);
    table.open("w", status(AccessMode::WriteOnly), false).unwrap();
    assert_eq!(fcntl(&mut table, 0, F_GETFL, 0), Ok(O_WRONLY | O_LARGEFILE));
    assert_eq!(fcntl(&mut table, 0, F_SETFL, O_RDWR | O_APPEND | O_DIRECT), Ok(0));
    assert_eq!(fcntl(&mut table, 0, F_GETFL, 0), Ok(O_WRONLY | O_LARGEFILE | O_APPEND));
    assert_eq!(fcntl(&mut table, 0, F_SETFL, O_NONBLOCK), Ok(0));
    assert_eq!(fcntl(&mut table, 0, F_GETFL, 0), Ok(O_WRONLY | O_LARGEFILE | O_NONBLOCK));
    assert_eq!(fcntl(&mut table, 1, F_SETFL, 0), Err(Errno::EBADF));
}

#[test]
fn fcntl_hands_lock_commands_back_with_the_access_mode() {
    let mut table = FdTable::new(LIMIT);
    table.open("r", status(AccessMode::ReadOnly), false).unwrap();
    assert_eq!(FcntlCommand::decode(F_SETLK, 0x1000), Ok(FcntlCommand::Lock { test: false, argument: 0x1000 }));
    assert_eq!(FcntlCommand::decode(F_SETLKW, 0x1000), Ok(FcntlCommand::Lock { test: false, argument: 0x1000 }));
    assert_eq!(FcntlCommand::decode(F_GETLK, 0x1000), Ok(FcntlCommand::Lock { test: true, argument: 0x1000 }));
    let set = FcntlOutcome::Lock { test: false, argument: 0x1000, access: AccessMode::ReadOnly };
    assert_eq!(table.fcntl(0, F_SETLK, 0x1000), Ok(set));
    let test = FcntlOutcome::Lock { test: true, argument: 0x2000, access: AccessMode::ReadOnly };
    assert_eq!(table.fcntl(0, F_GETLK, 0x2000), Ok(test));
    assert_eq!(table.fcntl(1, F_SETLK, 0x1000), Err(Errno::EBADF));
}

#[test]
fn fcntl_checks_the_descriptor_before_the_command() {
    let mut table = opened(&["a"]);
    assert_eq!(table.fcntl(3, 99, 0), Err(Errno::EBADF), "Linux's order");
    assert_eq!(table.fcntl(0, 99, 0), Err(Errno::EINVAL));
}

#[test]
fn fcntl_refuses_unknown_commands() {
    for command in [8, 9, 1024, 1031, 1033, u32::MAX] {
        assert_eq!(FcntlCommand::decode(command, 0), Err(Errno::EINVAL), "{command}");
    }
}
