//! System-call numbers and the once-only report of unknown ones.

use crate::{Sysno, TRACKED_NUMBERS, UnknownCalls};

#[test]
fn the_issues_calls_have_linuxs_numbers() {
    let expected: &[(Sysno, u64)] = &[
        (Sysno::read, 0),
        (Sysno::write, 1),
        (Sysno::open, 2),
        (Sysno::close, 3),
        (Sysno::stat, 4),
        (Sysno::fstat, 5),
        (Sysno::lstat, 6),
        (Sysno::poll, 7),
        (Sysno::lseek, 8),
        (Sysno::mmap, 9),
        (Sysno::mprotect, 10),
        (Sysno::munmap, 11),
        (Sysno::brk, 12),
        (Sysno::rt_sigaction, 13),
        (Sysno::rt_sigprocmask, 14),
        (Sysno::ioctl, 16),
        (Sysno::pread64, 17),
        (Sysno::pwrite64, 18),
        (Sysno::readv, 19),
        (Sysno::writev, 20),
        (Sysno::sched_yield, 24),
        (Sysno::mremap, 25),
        (Sysno::dup, 32),
        (Sysno::dup2, 33),
        (Sysno::nanosleep, 35),
        (Sysno::getpid, 39),
        (Sysno::clone, 56),
        (Sysno::exit, 60),
        (Sysno::uname, 63),
        (Sysno::fcntl, 72),
        (Sysno::fsync, 74),
        (Sysno::fdatasync, 75),
        (Sysno::ftruncate, 77),
        (Sysno::getcwd, 79),
        (Sysno::chdir, 80),
        (Sysno::rename, 82),
        (Sysno::mkdir, 83),
        (Sysno::rmdir, 84),
        (Sysno::unlink, 87),
        (Sysno::getuid, 102),
        (Sysno::getgid, 104),
        (Sysno::geteuid, 107),
        (Sysno::getegid, 108),
        (Sysno::getppid, 110),
        (Sysno::sigaltstack, 131),
        (Sysno::arch_prctl, 158),
        (Sysno::gettid, 186),
        (Sysno::futex, 202),
        (Sysno::getdents64, 217),
        (Sysno::set_tid_address, 218),
        (Sysno::clock_gettime, 228),
        (Sysno::clock_nanosleep, 230),
        (Sysno::exit_group, 231),
        (Sysno::openat, 257),
        (Sysno::newfstatat, 262),
        (Sysno::renameat, 264),
        (Sysno::ppoll, 271),
        (Sysno::dup3, 292),
        (Sysno::pipe2, 293),
        (Sysno::getrandom, 318),
        (Sysno::statx, 332),
    ];
    for &(call, number) in expected {
        assert_eq!(call.number(), number, "{}", call.name());
        assert_eq!(Sysno::from_number(number), Some(call));
    }
    assert_eq!(Sysno::newfstatat.name(), "newfstatat");
    assert_eq!(Sysno::exit_group.name(), "exit_group");
}

#[test]
fn the_table_is_sorted_unique_and_round_trips() {
    for pair in Sysno::ALL.windows(2) {
        assert!(pair[0].number() < pair[1].number(), "{} before {}", pair[0].name(), pair[1].name());
    }
    for &call in Sysno::ALL {
        assert_eq!(Sysno::from_number(call.number()), Some(call));
        assert!(call.number() < TRACKED_NUMBERS);
    }
}

#[test]
fn unknown_numbers_are_none() {
    for number in [29, 30, 31, 1000, TRACKED_NUMBERS, 1 << 30, u64::MAX] {
        assert_eq!(Sysno::from_number(number), None, "{number}");
    }
}

#[test]
fn each_tracked_number_is_reported_once() {
    let mut seen = UnknownCalls::new();
    assert!(seen.first_report(0));
    assert!(!seen.first_report(0));
    assert!(seen.first_report(63));
    assert!(seen.first_report(64), "a neighbour in the next word");
    assert!(seen.first_report(TRACKED_NUMBERS - 1));
    assert!(!seen.first_report(63));
    assert!(!seen.first_report(64));
    assert!(!seen.first_report(TRACKED_NUMBERS - 1));
    for number in 0..TRACKED_NUMBERS {
        let expected = ![0, 63, 64, TRACKED_NUMBERS - 1].contains(&number);
        assert_eq!(seen.first_report(number), expected, "{number}");
    }
}

#[test]
fn large_numbers_share_one_report() {
    let mut seen = UnknownCalls::new();
    assert!(seen.first_report(TRACKED_NUMBERS));
    assert!(!seen.first_report(u64::MAX));
    assert!(!seen.first_report(0x4000_0000), "an x32 number after another large one");
    assert!(seen.first_report(5), "small numbers are tracked apart");
}
