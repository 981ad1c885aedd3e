//! Error numbers, names and the return-register encoding.

use crate::{Errno, MAX_ERRNO, encode_result};

#[test]
fn numbers_and_names_are_linuxs() {
    let expected: &[(Errno, u16, &str)] = &[
        (Errno::EPERM, 1, "EPERM"),
        (Errno::ENOENT, 2, "ENOENT"),
        (Errno::ESRCH, 3, "ESRCH"),
        (Errno::EINTR, 4, "EINTR"),
        (Errno::EIO, 5, "EIO"),
        (Errno::EBADF, 9, "EBADF"),
        (Errno::EAGAIN, 11, "EAGAIN"),
        (Errno::ENOMEM, 12, "ENOMEM"),
        (Errno::EACCES, 13, "EACCES"),
        (Errno::EFAULT, 14, "EFAULT"),
        (Errno::EBUSY, 16, "EBUSY"),
        (Errno::EEXIST, 17, "EEXIST"),
        (Errno::EXDEV, 18, "EXDEV"),
        (Errno::ENOTDIR, 20, "ENOTDIR"),
        (Errno::EISDIR, 21, "EISDIR"),
        (Errno::EINVAL, 22, "EINVAL"),
        (Errno::ENFILE, 23, "ENFILE"),
        (Errno::EMFILE, 24, "EMFILE"),
        (Errno::ENOTTY, 25, "ENOTTY"),
        (Errno::EFBIG, 27, "EFBIG"),
        (Errno::ENOSPC, 28, "ENOSPC"),
        (Errno::ESPIPE, 29, "ESPIPE"),
        (Errno::EROFS, 30, "EROFS"),
        (Errno::EPIPE, 32, "EPIPE"),
        (Errno::ERANGE, 34, "ERANGE"),
        (Errno::ENAMETOOLONG, 36, "ENAMETOOLONG"),
        (Errno::ENOSYS, 38, "ENOSYS"),
        (Errno::ENOTEMPTY, 39, "ENOTEMPTY"),
        (Errno::ELOOP, 40, "ELOOP"),
        (Errno::EOVERFLOW, 75, "EOVERFLOW"),
        (Errno::ENOTSOCK, 88, "ENOTSOCK"),
        (Errno::EOPNOTSUPP, 95, "EOPNOTSUPP"),
        (Errno::EADDRINUSE, 98, "EADDRINUSE"),
        (Errno::ETIMEDOUT, 110, "ETIMEDOUT"),
        (Errno::ECONNREFUSED, 111, "ECONNREFUSED"),
    ];
    for &(errno, number, name) in expected {
        assert_eq!(errno.number(), number, "{name}");
        assert_eq!(errno.name(), name);
        assert_eq!(Errno::from_number(number), Some(errno));
    }
}

#[test]
fn the_table_is_sorted_unique_and_round_trips() {
    for pair in Errno::ALL.windows(2) {
        assert!(pair[0].number() < pair[1].number(), "{} before {}", pair[0], pair[1]);
    }
    for &errno in Errno::ALL {
        assert_eq!(Errno::from_number(errno.number()), Some(errno));
        assert!(errno.name().starts_with('E'));
        assert!(u64::from(errno.number()) <= MAX_ERRNO);
    }
    assert_eq!(Errno::from_number(0), None);
    assert_eq!(Errno::from_number(15), None, "ENOTBLK is not named");
    assert_eq!(Errno::from_number(u16::MAX), None);
}

#[test]
fn return_values_are_negated_numbers() {
    assert_eq!(Errno::EFAULT.to_return_value(), (-14i64) as u64);
    assert_eq!(Errno::EPERM.to_return_value(), u64::MAX);
    for &errno in Errno::ALL {
        assert_eq!(Errno::from_return_value(errno.to_return_value()), Some(errno));
        assert_eq!(encode_result(Err(errno)), errno.to_return_value());
    }
}

#[test]
fn only_the_top_4095_values_are_errors() {
    assert_eq!(Errno::from_return_value(0), None);
    assert_eq!(Errno::from_return_value(1), None);
    assert_eq!(Errno::from_return_value(14), None, "a positive 14 is a result, not EFAULT");
    assert_eq!(Errno::from_return_value(0u64.wrapping_sub(MAX_ERRNO + 1)), None, "just below the range");
    assert_eq!(Errno::from_return_value(0u64.wrapping_sub(MAX_ERRNO)), None, "in range, but unnamed");
    assert_eq!(Errno::from_return_value(0u64.wrapping_sub(15)), None, "in range, but unnamed");
    assert_eq!(encode_result(Ok(0)), 0);
    assert_eq!(encode_result(Ok(0x7fff_0000_0000)), 0x7fff_0000_0000);
}

#[test]
fn display_names_and_numbers() {
    assert_eq!(Errno::ENOSYS.to_string(), "ENOSYS (38)");
}
