//! The CMOS real-time clock (the MC146818 that PC monitors emulate) as a date and time: this
//! crate decodes a snapshot of its registers; reading them from the ports is the hal's job.
//! What it is not: a driver, or a clock that ticks (the TSC measures time after the reading).
//!
//! The registers hold the time in BCD or binary (status register B, bit 2) and the hour in 12-
//! or 24-hour form (bit 1; in 12-hour form bit 7 of the hour means PM). The century is in
//! register 0x32 on QEMU (the FADT's `century` field names it); without it, years 70..=99 are
//! read as 19xx and 00..=69 as 20xx. Monitors without an RTC read as all ones (or, Firecracker,
//! all zeros).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt;
use stardust_api::CivilTime;

/// Register numbers, for the hal's reads.
pub mod register {
    /// Seconds, 0..=59.
    pub const SECONDS: u8 = 0x00;
    /// Minutes, 0..=59.
    pub const MINUTES: u8 = 0x02;
    /// Hours: 0..=23, or 1..=12 with bit 7 for PM.
    pub const HOURS: u8 = 0x04;
    /// Day of the month, 1..=31.
    pub const DAY: u8 = 0x07;
    /// Month, 1..=12.
    pub const MONTH: u8 = 0x08;
    /// Year within the century, 0..=99.
    pub const YEAR: u8 = 0x09;
    /// Status A: bit 7 is set while the clock updates (its registers are then inconsistent).
    pub const STATUS_A: u8 = 0x0A;
    /// Status B: bit 2 binary (else BCD), bit 1 24-hour (else 12-hour).
    pub const STATUS_B: u8 = 0x0B;
    /// The century (QEMU, and what ACPI's FADT names most often).
    pub const CENTURY: u8 = 0x32;
}

/// A snapshot of the registers, read while no update was in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registers {
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub day: u8,
    pub month: u8,
    pub year: u8,
    pub century: u8,
    pub status_b: u8,
}

/// Why the registers give no time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcError {
    /// Every register reads all ones, or all zeros (Firecracker): the monitor has no RTC.
    Absent,
    /// A field is not a number in the clock's encoding, or out of its range.
    BadField { field: &'static str, value: u8 },
    /// The fields make no real date (30 February), or one before 1970.
    BadDate,
}

impl fmt::Display for RtcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtcError::Absent => f.write_str("no real-time clock (its registers read as all ones or all zeros)"),
            RtcError::BadField { field, value } => write!(f, "the real-time clock's {field} reads {value:#04x}"),
            RtcError::BadDate => f.write_str("the real-time clock's date does not exist"),
        }
    }
}

const BINARY: u8 = 1 << 2;
const TWENTY_FOUR_HOUR: u8 = 1 << 1;
const PM: u8 = 1 << 7;

/// A field's value: BCD unless the clock is in binary mode; `None` for a bad BCD digit.
fn number(value: u8, binary: bool) -> Option<u8> {
    if binary {
        return Some(value);
    }
    let (tens, ones) = (value >> 4, value & 0x0f);
    (tens < 10 && ones < 10).then_some(tens * 10 + ones)
}

fn field(name: &'static str, value: u8, binary: bool, range: core::ops::RangeInclusive<u8>) -> Result<u8, RtcError> {
    number(value, binary).filter(|number| range.contains(number)).ok_or(RtcError::BadField { field: name, value })
}

/// The time the registers say, UTC (QEMU's default `-rtc base=utc`).
pub fn decode(registers: &Registers) -> Result<CivilTime, RtcError> {
    let r = registers;
    let fields = [r.seconds, r.minutes, r.hours, r.day, r.month, r.year, r.status_b];
    if fields.iter().all(|&value| value == 0xff) || fields.iter().all(|&value| value == 0) {
        return Err(RtcError::Absent);
    }
    let binary = r.status_b & BINARY != 0;
    // A status B of zero claims BCD and 12-hour mode, but cloud-hypervisor's RTC gives zero
    // there and the hours in 24-hour form (every PC firmware sets the 24-hour bit): read it so.
    let hour = if r.status_b & TWENTY_FOUR_HOUR != 0 || r.status_b == 0 {
        field("hour", r.hours, binary, 0..=23)?
    } else {
        // 12 AM is midnight (0), 12 PM noon (12).
        let twelve = field("hour", r.hours & !PM, binary, 1..=12)? % 12;
        if r.hours & PM != 0 { twelve + 12 } else { twelve }
    };
    let year = field("year", r.year, binary, 0..=99)?;
    let century = match number(r.century, binary) {
        Some(century @ 19..=99) => century,
        _ if year >= 70 => 19,
        _ => 20,
    };
    let time = CivilTime {
        year: u32::from(century) * 100 + u32::from(year),
        month: field("month", r.month, binary, 1..=12)?,
        day: field("day", r.day, binary, 1..=31)?,
        hour,
        minute: field("minute", r.minutes, binary, 0..=59)?,
        second: field("second", r.seconds, binary, 0..=59)?,
    };
    if time.is_valid() { Ok(time) } else { Err(RtcError::BadDate) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// QEMU's defaults: BCD, 24-hour; 2026-12-01 12:38:46.
    fn qemu() -> Registers {
        Registers {
            seconds: 0x46,
            minutes: 0x38,
            hours: 0x12,
            day: 0x01,
            month: 0x12,
            year: 0x26,
            century: 0x20,
            status_b: TWENTY_FOUR_HOUR,
        }
    }

    fn at(year: u32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> CivilTime {
        CivilTime { year, month, day, hour, minute, second }
    }

    #[test]
    fn bcd_24_hour_with_a_century() {
        assert_eq!(decode(&qemu()), Ok(at(2026, 12, 1, 12, 38, 46)));
    }

    #[test]
    fn binary_12_hour_and_no_century() {
        let registers = Registers {
            seconds: 5,
            minutes: 59,
            hours: PM | 11,
            day: 31,
            month: 12,
            year: 99,
            century: 0,
            status_b: BINARY,
        };
        assert_eq!(decode(&registers), Ok(at(1999, 12, 31, 23, 59, 5)));
        assert_eq!(decode(&Registers { hours: 12, year: 1, ..registers }), Ok(at(2001, 12, 31, 0, 59, 5)));
        assert_eq!(decode(&Registers { hours: PM | 12, ..registers }), Ok(at(1999, 12, 31, 12, 59, 5)));
        // cloud-hypervisor: status B zero, BCD, 24-hour hours.
        let zero_status = Registers { hours: 0x14, status_b: 0, ..qemu() };
        assert_eq!(decode(&zero_status), Ok(at(2026, 12, 1, 14, 38, 46)));
    }

    #[test]
    fn bad_registers_are_named() {
        let all_ones = Registers {
            seconds: 0xff,
            minutes: 0xff,
            hours: 0xff,
            day: 0xff,
            month: 0xff,
            year: 0xff,
            century: 0xff,
            status_b: 0xff,
        };
        assert_eq!(decode(&all_ones), Err(RtcError::Absent));
        let all_zeros =
            Registers { seconds: 0, minutes: 0, hours: 0, day: 0, month: 0, year: 0, century: 0, status_b: 0 };
        assert_eq!(decode(&all_zeros), Err(RtcError::Absent));
        assert_eq!(
            decode(&Registers { minutes: 0x6a, ..qemu() }),
            Err(RtcError::BadField { field: "minute", value: 0x6a })
        );
        assert_eq!(
            decode(&Registers { month: 0x13, ..qemu() }),
            Err(RtcError::BadField { field: "month", value: 0x13 })
        );
        assert_eq!(decode(&Registers { month: 0x02, day: 0x30, ..qemu() }), Err(RtcError::BadDate));
        assert_eq!(
            decode(&Registers { hours: 0x24, ..qemu() }),
            Err(RtcError::BadField { field: "hour", value: 0x24 })
        );
        assert!(RtcError::Absent.to_string().contains("no real-time clock"));
    }

    proptest! {
        #[test]
        fn any_registers_decode_or_fail_without_panicking(
            values in proptest::array::uniform8(any::<u8>())
        ) {
            let registers = Registers {
                seconds: values[0], minutes: values[1], hours: values[2], day: values[3],
                month: values[4], year: values[5], century: values[6], status_b: values[7],
            };
            if let Ok(time) = decode(&registers) {
                prop_assert!(time.is_valid());
            }
        }
    }
}
