//! The CMOS real-time clock's registers (ports 0x70/0x71), read consistently; `stardust-rtc`
//! turns them into a date.

use crate::cpu::{inb, outb};
use stardust_rtc::register;
pub use stardust_rtc::{Registers, RtcError, decode};

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
/// Status A's bit that says the clock is updating its registers (for at most ~2 ms).
const UPDATE_IN_PROGRESS: u8 = 1 << 7;
/// Reads of status A to wait out an update: far more than 2 ms of port reads.
const MAX_WAIT_READS: u32 = 100_000;
/// Snapshots to take until two agree (an update between them changes a field).
const MAX_SNAPSHOTS: u32 = 5;

/// The lock that keeps the index/data pair together.
static CMOS: spin::Mutex<()> = spin::Mutex::new(());

fn read(index: u8) -> u8 {
    // Bit 7 of the index would mask NMIs; leave it clear.
    outb(INDEX, index & 0x7f);
    inb(DATA)
}

fn snapshot() -> Registers {
    Registers {
        seconds: read(register::SECONDS),
        minutes: read(register::MINUTES),
        hours: read(register::HOURS),
        day: read(register::DAY),
        month: read(register::MONTH),
        year: read(register::YEAR),
        century: read(register::CENTURY),
        status_b: read(register::STATUS_B),
    }
}

/// The registers, read when no update is in progress and twice the same (the clock may tick
/// between two reads); the last snapshot if they never agree.
pub fn registers() -> Registers {
    crate::interrupts::without(|| {
        let _lock = CMOS.lock();
        let mut previous = None;
        let mut current = snapshot();
        for _ in 0..MAX_SNAPSHOTS {
            for _ in 0..MAX_WAIT_READS {
                if read(register::STATUS_A) & UPDATE_IN_PROGRESS == 0 {
                    break;
                }
            }
            current = snapshot();
            if previous == Some(current) {
                break;
            }
            previous = Some(current);
        }
        current
    })
}

/// Seconds since the Unix epoch that the RTC reads now, or why it cannot tell.
pub fn unix_seconds() -> Result<u64, RtcError> {
    let time = decode(&registers())?;
    time.to_unix_seconds().ok_or(RtcError::BadDate)
}
