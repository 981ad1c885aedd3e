//! The clocks of `clock_gettime`, `clock_getres` and `clock_nanosleep`.

use crate::Errno;

/// `clock_nanosleep` flag: the time is an absolute deadline, not a duration.
pub const TIMER_ABSTIME: u64 = 1;

/// A clock a program may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// `CLOCK_REALTIME` (0), the wall clock; `CLOCK_REALTIME_COARSE` (5) reads the same.
    Realtime,
    /// `CLOCK_MONOTONIC` (1) since boot, not counting suspension; `CLOCK_MONOTONIC_RAW` (4) and
    /// `CLOCK_MONOTONIC_COARSE` (6) read the same.
    Monotonic,
    /// `CLOCK_PROCESS_CPUTIME_ID` (2): CPU time of every thread of the process.
    ProcessCpuTime,
    /// `CLOCK_THREAD_CPUTIME_ID` (3): CPU time of the calling thread.
    ThreadCpuTime,
    /// `CLOCK_BOOTTIME` (7): monotonic, counting suspension (the same as `Monotonic` in a VM
    /// that is never suspended from inside).
    Boottime,
}

impl Clock {
    /// The clock with Linux's number `id` (the register's low 32 bits as a C `clockid_t`).
    ///
    /// Errors: `EINVAL` for any other number: the alarm clocks (8, 9), `CLOCK_TAI` (11), and the
    /// negative ids of per-process and per-thread CPU clocks and of dynamic clocks, which
    /// Stardust does not give out.
    pub fn decode(id: i32) -> Result<Clock, Errno> {
        Ok(match id {
            0 | 5 => Clock::Realtime,
            1 | 4 | 6 => Clock::Monotonic,
            2 => Clock::ProcessCpuTime,
            3 => Clock::ThreadCpuTime,
            7 => Clock::Boottime,
            _ => return Err(Errno::EINVAL),
        })
    }

    /// Checks that `clock_nanosleep` may sleep on this clock with these flags.
    ///
    /// Errors: `EINVAL` for a flag other than `TIMER_ABSTIME`, and for the calling thread's CPU
    /// clock (Linux refuses it); `EOPNOTSUPP` for the process CPU-time clock, which cannot be
    /// slept on here (Linux supports it; no program of issue 13 does this).
    pub fn check_sleep(self, flags: u64) -> Result<(), Errno> {
        if flags & !TIMER_ABSTIME != 0 {
            return Err(Errno::EINVAL);
        }
        match self {
            Clock::ThreadCpuTime => Err(Errno::EINVAL),
            Clock::ProcessCpuTime => Err(Errno::EOPNOTSUPP),
            Clock::Realtime | Clock::Monotonic | Clock::Boottime => Ok(()),
        }
    }
}
