//! Open flags, path strings and where `*at` lookups start.

use crate::{
    AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, AccessMode, Errno, LookupStart, O_APPEND, O_ASYNC,
    O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOCTTY, O_NOFOLLOW,
    O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY, OpenFlags, PATH_MAX, check_at_flags,
    lookup_start, path_from_user, path_from_user_allowing_empty,
};

#[test]
fn the_flag_values_are_x86_64_linuxs() {
    let expected: &[(u64, u64)] = &[
        (O_WRONLY, 0x1),
        (O_RDWR, 0x2),
        (O_CREAT, 0x40),
        (O_EXCL, 0x80),
        (O_NOCTTY, 0x100),
        (O_TRUNC, 0x200),
        (O_APPEND, 0x400),
        (O_NONBLOCK, 0x800),
        (O_DSYNC, 0x1000),
        (O_ASYNC, 0x2000),
        (O_DIRECT, 0x4000),
        (O_LARGEFILE, 0x8000),
        (O_DIRECTORY, 0x1_0000),
        (O_NOFOLLOW, 0x2_0000),
        (O_NOATIME, 0x4_0000),
        (O_CLOEXEC, 0x8_0000),
        (O_SYNC, 0x10_1000),
        (O_PATH, 0x20_0000),
        (O_TMPFILE, 0x41_0000),
    ];
    for &(flag, value) in expected {
        assert_eq!(flag, value);
    }
}

#[test]
fn each_flag_decodes_into_its_field() {
    let flags = OpenFlags::decode(O_RDONLY).unwrap();
    assert_eq!(flags.access, AccessMode::ReadOnly);
    assert!(!flags.create && !flags.exclusive && !flags.truncate && !flags.append && !flags.directory);
    assert!(!flags.nonblocking && !flags.close_on_exec && !flags.no_follow && !flags.synchronous && !flags.path_only);
    assert_eq!(OpenFlags::decode(O_WRONLY).unwrap().access, AccessMode::WriteOnly);
    assert_eq!(OpenFlags::decode(O_RDWR).unwrap().access, AccessMode::ReadWrite);
    let all = OpenFlags::decode(
        O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW | O_SYNC,
    )
    .unwrap();
    assert!(all.create && all.exclusive && all.truncate && all.append && all.directory);
    assert!(all.nonblocking && all.close_on_exec && all.no_follow && all.synchronous && !all.path_only);
    assert!(OpenFlags::decode(O_WRONLY | O_DSYNC).unwrap().synchronous);
    let status = all.status();
    assert_eq!((status.access, status.append, status.nonblocking), (AccessMode::ReadWrite, true, true));
}

#[test]
fn unknown_and_meaningless_bits_are_ignored_as_linux_does() {
    let plain = OpenFlags::decode(O_WRONLY).unwrap();
    for ignored in [O_NOCTTY, O_LARGEFILE, O_DIRECT, O_NOATIME, O_ASYNC, 1 << 30, 1 << 40, 0o4] {
        assert_eq!(OpenFlags::decode(O_WRONLY | ignored), Ok(plain), "{ignored:#x}");
    }
}

#[test]
fn access_mode_three_is_refused() {
    assert_eq!(OpenFlags::decode(0o3), Err(Errno::EINVAL));
}

#[test]
fn o_tmpfile_is_checked_then_unsupported() {
    assert_eq!(OpenFlags::decode(O_TMPFILE | O_RDWR), Err(Errno::EOPNOTSUPP));
    assert_eq!(OpenFlags::decode(O_TMPFILE | O_RDONLY), Err(Errno::EINVAL), "no write access");
    assert_eq!(OpenFlags::decode(O_TMPFILE | O_RDWR | O_CREAT), Err(Errno::EINVAL));
    assert_eq!(OpenFlags::decode((O_TMPFILE & !O_DIRECTORY) | O_RDWR), Err(Errno::EINVAL), "without O_DIRECTORY");
}

#[test]
fn o_path_keeps_only_its_three_flags() {
    let flags = OpenFlags::decode(O_PATH | 0o3 | O_CREAT | O_TRUNC | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW).unwrap();
    assert!(flags.path_only && flags.directory && flags.close_on_exec && flags.no_follow);
    assert!(!flags.create && !flags.truncate);
    assert_eq!(flags.access, AccessMode::ReadOnly);
}

#[test]
fn paths_end_at_their_nul() {
    assert_eq!(path_from_user(b"/data/file\0garbage"), Ok(&b"/data/file"[..]));
    assert_eq!(path_from_user(b"a\0"), Ok(&b"a"[..]));
}

#[test]
fn an_empty_path_is_enoent_unless_allowed() {
    assert_eq!(path_from_user(b"\0"), Err(Errno::ENOENT));
    assert_eq!(path_from_user_allowing_empty(b"\0"), Ok(&b""[..]));
}

#[test]
fn path_max_counts_the_nul() {
    let mut longest = vec![b'a'; PATH_MAX];
    longest[PATH_MAX - 1] = 0;
    assert_eq!(path_from_user(&longest).map(<[u8]>::len), Ok(PATH_MAX - 1));
    let too_long = vec![b'a'; PATH_MAX];
    assert_eq!(path_from_user(&too_long), Err(Errno::ENAMETOOLONG));
    let mut nul_after = vec![b'a'; PATH_MAX + 1];
    nul_after[PATH_MAX] = 0;
    assert_eq!(path_from_user(&nul_after), Err(Errno::ENAMETOOLONG), "a NUL past PATH_MAX does not count");
}

#[test]
fn memory_that_ends_before_the_nul_is_efault() {
    assert_eq!(path_from_user(b"/data/fi"), Err(Errno::EFAULT));
    assert_eq!(path_from_user(b""), Err(Errno::EFAULT), "nothing readable at the pointer");
}

#[test]
fn lookups_start_where_linux_starts_them() {
    assert_eq!(lookup_start(AT_FDCWD, b"file"), Ok(LookupStart::WorkingDirectory));
    assert_eq!(lookup_start(3, b"file"), Ok(LookupStart::Descriptor(3)));
    assert_eq!(lookup_start(3, b"/abs"), Ok(LookupStart::Root));
    assert_eq!(lookup_start(-1, b"/abs"), Ok(LookupStart::Root), "an absolute path ignores even a bad descriptor");
    assert_eq!(lookup_start(-1, b"file"), Err(Errno::EBADF));
    assert_eq!(lookup_start(-101, b"file"), Err(Errno::EBADF));
    assert_eq!(lookup_start(4, b""), Ok(LookupStart::Descriptor(4)), "AT_EMPTY_PATH: the descriptor itself");
    assert_eq!(lookup_start(AT_FDCWD, b""), Ok(LookupStart::WorkingDirectory));
}

#[test]
fn at_flags_outside_the_calls_set_are_einval() {
    let stat_flags = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH;
    assert_eq!(check_at_flags(AT_EMPTY_PATH, stat_flags), Ok(AT_EMPTY_PATH));
    assert_eq!(check_at_flags(0, stat_flags), Ok(0));
    assert_eq!(check_at_flags(AT_REMOVEDIR, stat_flags), Err(Errno::EINVAL));
    assert_eq!(check_at_flags(1 << 40, stat_flags), Err(Errno::EINVAL));
}
