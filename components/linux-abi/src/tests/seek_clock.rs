//! lseek's arithmetic and the clocks.

use crate::{Clock, Errno, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET, TIMER_ABSTIME, seek_position};

#[test]
fn seek_from_each_origin() {
    assert_eq!((SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE), (0, 1, 2, 3, 4));
    assert_eq!(seek_position(10, 100, 5, SEEK_SET), Ok(5));
    assert_eq!(seek_position(10, 100, 5, SEEK_CUR), Ok(15));
    assert_eq!(seek_position(10, 100, -3, SEEK_CUR), Ok(7));
    assert_eq!(seek_position(10, 100, -3, SEEK_END), Ok(97));
    assert_eq!(seek_position(10, 100, 50, SEEK_END), Ok(150), "past the end is allowed");
}

#[test]
fn seek_refuses_negative_and_overflowing_positions() {
    assert_eq!(seek_position(10, 100, -1, SEEK_SET), Err(Errno::EINVAL));
    assert_eq!(seek_position(10, 100, -11, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(seek_position(10, 100, i64::MAX, SEEK_END), Err(Errno::EINVAL));
    assert_eq!(seek_position(u64::MAX, 100, 0, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(seek_position(10, 100, 0, 5), Err(Errno::EINVAL));
    assert_eq!(seek_position(10, 100, 0, u32::MAX), Err(Errno::EINVAL));
}

#[test]
fn seek_data_and_hole_see_a_file_without_holes() {
    assert_eq!(seek_position(0, 100, 40, SEEK_DATA), Ok(40));
    assert_eq!(seek_position(0, 100, 40, SEEK_HOLE), Ok(100));
    assert_eq!(seek_position(0, 100, 100, SEEK_DATA), Err(Errno::ENXIO));
    assert_eq!(seek_position(0, 100, -1, SEEK_HOLE), Err(Errno::ENXIO));
    assert_eq!(seek_position(0, 0, 0, SEEK_DATA), Err(Errno::ENXIO));
}

#[test]
fn clocks_have_linuxs_numbers() {
    let expected = [
        (0, Clock::Realtime),
        (1, Clock::Monotonic),
        (2, Clock::ProcessCpuTime),
        (3, Clock::ThreadCpuTime),
        (4, Clock::Monotonic),
        (5, Clock::Realtime),
        (6, Clock::Monotonic),
        (7, Clock::Boottime),
    ];
    for (id, clock) in expected {
        assert_eq!(Clock::decode(id), Ok(clock), "{id}");
    }
    for id in [8, 9, 10, 11, 12, -1, -6, i32::MIN, i32::MAX] {
        assert_eq!(Clock::decode(id), Err(Errno::EINVAL), "{id}");
    }
}

#[test]
fn sleeping_clocks_and_flags() {
    assert_eq!(Clock::Monotonic.check_sleep(0), Ok(()));
    assert_eq!(Clock::Realtime.check_sleep(TIMER_ABSTIME), Ok(()));
    assert_eq!(Clock::Monotonic.check_sleep(2), Err(Errno::EINVAL));
    assert_eq!(Clock::ThreadCpuTime.check_sleep(0), Err(Errno::EINVAL));
    assert_eq!(Clock::ProcessCpuTime.check_sleep(0), Err(Errno::EOPNOTSUPP));
}
