//! The wall clock file systems stamp files with (the RAM file system here, FAT in its crate),
//! registered once by the runtime.

/// The wall clock: seconds since the Unix epoch, UTC.
pub type Clock = fn() -> u64;

static CLOCK: spin::Once<Clock> = spin::Once::new();

/// Sets the clock that file systems stamp their files with from now on (the first call wins).
/// Without one, the RAM file system's metadata has no time (`Metadata::modified` is `None`).
pub fn set_clock(clock: Clock) {
    CLOCK.call_once(|| clock);
}

/// Now, if a clock was registered.
pub fn now() -> Option<u64> {
    CLOCK.get().map(|clock| clock())
}
