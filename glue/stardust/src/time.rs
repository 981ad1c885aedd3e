//! `Instant` and `Duration`, from the TSC.

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
