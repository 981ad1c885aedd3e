//! The wall clock the RAM file system stamps files with, registered by the runtime.

/// The wall clock: seconds since the Unix epoch, UTC.
pub type Clock = fn() -> u64;

static CLOCK: spin::Once<Clock> = spin::Once::new();

/// Sets the clock that RAM file systems stamp their files with from now on (the first call
/// wins). Without one, their metadata has no time (`Metadata::modified` is `None`).
pub fn set_clock(clock: Clock) {
    CLOCK.call_once(|| clock);
}

/// Now, if a clock was registered.
pub(crate) fn now() -> Option<u64> {
    CLOCK.get().map(|clock| clock())
}
