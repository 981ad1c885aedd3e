//! `Instant` and `Duration`, from the TSC; `SystemTime`, from the real-time clock and the TSC.

pub use core::time::Duration;

/// A point in time, for measuring durations (like `std::time::Instant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// Now.
    pub fn now() -> Instant {
        Instant(hal::cpu::rdtsc())
    }

    /// Time since `earlier`; zero if `earlier` is later than `self`.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        let nanoseconds = hal::time::ticks_to_nanoseconds(self.0.saturating_sub(earlier.0));
        Duration::from_nanos(u64::try_from(nanoseconds).unwrap_or(u64::MAX))
    }

    /// Time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }
}

impl core::ops::Add<Duration> for Instant {
    type Output = Instant;

    /// The instant `duration` later (saturating at the clock's end).
    fn add(self, duration: Duration) -> Instant {
        let ticks = duration.as_nanos() * u128::from(hal::time::tsc_frequency()) / 1_000_000_000;
        Instant(self.0.saturating_add(u64::try_from(ticks).unwrap_or(u64::MAX)))
    }
}

/// The wall clock as the RTC (or, without one, kvmclock) gave it on first use: Unix seconds, and
/// the TSC at that moment; 0 seconds then when neither can tell.
static WALL_CLOCK: spin::Once<(u64, u64)> = spin::Once::new();

fn wall_clock() -> (u64, u64) {
    *WALL_CLOCK.call_once(|| match hal::rtc::unix_seconds() {
        Ok(seconds) => (seconds, hal::cpu::rdtsc()),
        // Firecracker has no RTC but runs on KVM, whose paravirtual clock knows the time.
        Err(error) => match hal::kvmclock::wall_clock() {
            Some((nanoseconds, tsc)) => {
                log::info!("{error}: the wall clock comes from kvmclock");
                // Whole seconds, and the TSC reading at that second's start.
                let fraction = u128::from(nanoseconds % 1_000_000_000);
                let back = fraction * u128::from(hal::time::tsc_frequency()) / 1_000_000_000;
                (nanoseconds / 1_000_000_000, tsc.saturating_sub(u64::try_from(back).unwrap_or(0)))
            }
            None => {
                log::warn!("{error}: the wall clock starts at 1970-01-01 00:00:00 UTC");
                (0, hal::cpu::rdtsc())
            }
        },
    })
}

/// A point on the wall clock (like `std::time::SystemTime`): UTC, from the monitor's real-time
/// clock read once (to the second), then advanced by the TSC. Without an RTC, from KVM's
/// paravirtual clock (Firecracker); without either it counts from the Unix epoch at first use
/// (a warning says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(Duration);

/// 1970-01-01 00:00:00 UTC.
pub const UNIX_EPOCH: SystemTime = SystemTime(Duration::ZERO);

/// `SystemTime::duration_since` of a later time: by how much it was later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemTimeError(Duration);

impl SystemTimeError {
    /// How far the other time was after this one.
    pub fn duration(&self) -> Duration {
        self.0
    }
}

impl core::fmt::Display for SystemTimeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "second time provided was later than self by {:?}", self.0)
    }
}

impl SystemTime {
    /// The epoch, as `std::time::SystemTime::UNIX_EPOCH`.
    pub const UNIX_EPOCH: SystemTime = UNIX_EPOCH;

    /// Now.
    pub fn now() -> SystemTime {
        let (seconds, at) = wall_clock();
        let since = hal::time::ticks_to_nanoseconds(hal::cpu::rdtsc().saturating_sub(at));
        let since = Duration::from_nanos(u64::try_from(since).unwrap_or(u64::MAX));
        SystemTime(Duration::from_secs(seconds).saturating_add(since))
    }

    /// How long after `earlier` this is, or an error saying how long before.
    pub fn duration_since(&self, earlier: SystemTime) -> Result<Duration, SystemTimeError> {
        self.0.checked_sub(earlier.0).ok_or_else(|| SystemTimeError(earlier.0.saturating_sub(self.0)))
    }

    /// How long ago this was.
    pub fn elapsed(&self) -> Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }
}

impl core::ops::Add<Duration> for SystemTime {
    type Output = SystemTime;

    /// The time `duration` later (saturating).
    fn add(self, duration: Duration) -> SystemTime {
        SystemTime(self.0.saturating_add(duration))
    }
}
