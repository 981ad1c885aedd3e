//! Civil time: a calendar date and time of day in UTC, and its conversions to and from seconds
//! since the Unix epoch (1970-01-01 00:00:00 UTC), in the proleptic Gregorian calendar.
//! The wall clock (the RTC), `SystemTime`, and FAT timestamps all meet here.

/// A date and time of day, UTC, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilTime {
    /// The year, 1970 or later.
    pub year: u32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's last day.
    pub day: u8,
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 59 (leap seconds are not represented, as in Unix time).
    pub second: u8,
}

const SECONDS_PER_DAY: u64 = 86_400;

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// The number of days in `month` (1..=12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: u32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to `year`-`month`-`day` (valid dates only).
fn days_since_epoch(year: u32, month: u8, day: u8) -> u64 {
    // Count years from March, so that February's leap day falls at the end of a year.
    let (year, month) =
        if month <= 2 { (u64::from(year) - 1, u64::from(month) + 9) } else { (u64::from(year), u64::from(month) - 3) };
    let era_days = year * 365 + year / 4 - year / 100 + year / 400;
    let day_of_year = (153 * month + 2) / 5 + u64::from(day) - 1;
    // 719_468: the same count for 1970-01-01.
    era_days + day_of_year - 719_468
}

impl CivilTime {
    /// Whether every field is in range (1970 to 9999, real days of real months).
    pub fn is_valid(&self) -> bool {
        (1970..=9999).contains(&self.year)
            && (1..=days_in_month(self.year, self.month)).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
    }

    /// Seconds since the Unix epoch; `None` for an invalid time.
    pub fn to_unix_seconds(&self) -> Option<u64> {
        if !self.is_valid() {
            return None;
        }
        let days = days_since_epoch(self.year, self.month, self.day);
        Some(
            days * SECONDS_PER_DAY + u64::from(self.hour) * 3600 + u64::from(self.minute) * 60 + u64::from(self.second),
        )
    }

    /// The civil time `seconds` after the Unix epoch (saturating at 9999-12-31 23:59:59).
    pub fn from_unix_seconds(seconds: u64) -> CivilTime {
        const LAST: u64 = 253_402_300_799; // 9999-12-31 23:59:59
        let seconds = seconds.min(LAST);
        let (days, rest) = (seconds / SECONDS_PER_DAY, seconds % SECONDS_PER_DAY);
        // Inverse of days_since_epoch, on March-based years in 400-year eras (146,097 days).
        let shifted = days + 719_468;
        let (era, day_of_era) = (shifted / 146_097, shifted % 146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let era_year = era * 400 + year_of_era;
        let march_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * march_month + 2) / 5 + 1;
        let month = if march_month < 10 { march_month + 3 } else { march_month - 9 };
        let year = if month <= 2 { era_year + 1 } else { era_year };
        CivilTime {
            year: year as u32,
            month: month as u8,
            day: day as u8,
            hour: (rest / 3600) as u8,
            minute: (rest % 3600 / 60) as u8,
            second: (rest % 60) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn time(year: u32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> CivilTime {
        CivilTime { year, month, day, hour, minute, second }
    }

    #[test]
    fn known_instants() {
        assert_eq!(time(1970, 1, 1, 0, 0, 0).to_unix_seconds(), Some(0));
        assert_eq!(time(2000, 2, 29, 12, 0, 0).to_unix_seconds(), Some(951_825_600));
        assert_eq!(time(2026, 12, 1, 12, 38, 46).to_unix_seconds(), Some(1_796_128_726));
        assert_eq!(time(2038, 1, 19, 3, 14, 8).to_unix_seconds(), Some(1 << 31));
        assert_eq!(CivilTime::from_unix_seconds(951_825_600), time(2000, 2, 29, 12, 0, 0));
        assert_eq!(CivilTime::from_unix_seconds(u64::MAX), time(9999, 12, 31, 23, 59, 59));
    }

    #[test]
    fn invalid_times_have_no_seconds() {
        for bad in [
            time(1969, 12, 31, 23, 59, 59),
            time(2023, 2, 29, 0, 0, 0),
            time(2100, 2, 29, 0, 0, 0),
            time(2024, 0, 1, 0, 0, 0),
            time(2024, 13, 1, 0, 0, 0),
            time(2024, 4, 31, 0, 0, 0),
            time(2024, 1, 0, 0, 0, 0),
            time(2024, 1, 1, 24, 0, 0),
            time(2024, 1, 1, 0, 60, 0),
            time(2024, 1, 1, 0, 0, 60),
        ] {
            assert_eq!(bad.to_unix_seconds(), None, "{bad:?}");
        }
        assert!(time(2000, 2, 29, 0, 0, 0).is_valid() && time(2024, 2, 29, 0, 0, 0).is_valid());
    }

    proptest! {
        #[test]
        fn seconds_round_trip(seconds in 0u64..253_402_300_800) {
            let civil = CivilTime::from_unix_seconds(seconds);
            prop_assert!(civil.is_valid(), "{:?}", civil);
            prop_assert_eq!(civil.to_unix_seconds(), Some(seconds));
        }

        #[test]
        fn consecutive_days_are_a_day_apart(days in 0u64..2_932_896) {
            let today = CivilTime::from_unix_seconds(days * SECONDS_PER_DAY);
            let tomorrow = CivilTime::from_unix_seconds((days + 1) * SECONDS_PER_DAY);
            prop_assert!(tomorrow > today);
        }
    }
}
