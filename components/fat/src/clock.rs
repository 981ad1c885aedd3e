//! The time fatfs stamps files with: the wall clock the runtime registers for every file
//! system ([`stardust_vfs::set_clock`]), in the range a FAT date can hold (1980 to 2107).
//! Without one, files get 1980-01-01 00:00:00, a real date: fatfs's own default is the DOS date
//! 0, "1980-00-00", a month that does not exist.

use stardust_api::CivilTime;

/// 1980-01-01 00:00:00 and 2107-12-31 23:59:58, the ends of FAT's range, in Unix seconds.
const FIRST: u64 = 315_532_800;
const LAST: u64 = 4_354_819_198;

/// A FAT date and time for Unix seconds, clamped to FAT's range (two-second steps).
pub fn fat_date_time(seconds: u64) -> fatfs::DateTime {
    let civil = CivilTime::from_unix_seconds(seconds.clamp(FIRST, LAST));
    fatfs::DateTime {
        date: fatfs::Date { year: civil.year as u16, month: u16::from(civil.month), day: u16::from(civil.day) },
        time: fatfs::Time {
            hour: u16::from(civil.hour),
            min: u16::from(civil.minute),
            sec: u16::from(civil.second),
            millis: 0,
        },
    }
}

/// Now, on the registered clock (FAT's first second without one).
pub(crate) fn now() -> u64 {
    stardust_vfs::now().unwrap_or(FIRST)
}

/// Now as FAT records it (the entry's stamp after a write-back): clamped to FAT's range, in
/// two-second steps, so that a file's time does not change when it is closed.
pub(crate) fn stamp_now() -> u64 {
    // FAT stores seconds / 2; an even Unix second is an even second of the minute.
    unix_seconds(fat_date_time(now())).unwrap_or(FIRST) & !1
}

/// Unix seconds for a FAT date and time (`None` for one that is not a real date, such as the
/// month 0 of files written by fatfs without a clock).
pub(crate) fn unix_seconds(stamp: fatfs::DateTime) -> Option<u64> {
    CivilTime {
        year: u32::from(stamp.date.year),
        month: u8::try_from(stamp.date.month).ok()?,
        day: u8::try_from(stamp.date.day).ok()?,
        hour: u8::try_from(stamp.time.hour).ok()?,
        minute: u8::try_from(stamp.time.min).ok()?,
        second: u8::try_from(stamp.time.sec).ok()?,
    }
    .to_unix_seconds()
}

/// fatfs's view of the registered clock.
#[derive(Debug)]
pub(crate) struct WallClock;

pub(crate) static WALL_CLOCK: WallClock = WallClock;

impl fatfs::TimeProvider for WallClock {
    fn get_current_date(&self) -> fatfs::Date {
        self.get_current_date_time().date
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        fat_date_time(now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ends_of_fats_range() {
        let first = fat_date_time(0);
        assert_eq!((first.date.year, first.date.month, first.date.day, first.time.hour), (1980, 1, 1, 0));
        let last = fat_date_time(u64::MAX);
        assert_eq!((last.date.year, last.date.month, last.date.day), (2107, 12, 31));
        assert_eq!((last.time.hour, last.time.min, last.time.sec), (23, 59, 58));
        let now = fat_date_time(1_796_128_726); // 2026-12-01 12:38:46
        assert_eq!((now.date.year, now.date.month, now.date.day), (2026, 12, 1));
        assert_eq!((now.time.hour, now.time.min, now.time.sec), (12, 38, 46));
    }
}
