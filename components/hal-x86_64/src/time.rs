//! The clock: the TSC, its frequency found once on first use.
//!
//! The frequency comes from the hypervisor's CPUID leaf 0x40000010 where there is one
//! (cloud-hypervisor, KVM with invariant TSC), otherwise from the PIT: count TSC ticks across a
//! known number of PIT ticks, twice (a stalled vCPU can make one measurement wrong, and two that
//! agree are trusted). Calibration takes ~5 ms, so it runs lazily: an image that never reads the
//! clock never pays it.

use crate::cpu::{cpuid, inb, outb, rdtsc};

const PIT_HZ: u64 = 1_193_182;
const PIT_COMMAND: u16 = 0x43;
const PIT_CHANNEL0: u16 = 0x40;
/// ~2.5 ms of PIT ticks per measurement.
const CALIBRATION_TICKS: u16 = 2_983;
/// Measurements at most; two that agree within 1% end it early.
const MAX_MEASUREMENTS: usize = 4;
/// Frequencies outside this range are measurement errors, not CPUs.
const PLAUSIBLE_HZ: core::ops::RangeInclusive<u64> = 50_000_000..=50_000_000_000;
/// Reads of the PIT before concluding it does not count (no PIT on this monitor).
const MAX_PIT_READS: u32 = 200_000;
/// Used when nothing can tell the frequency; times are then approximate, and a warning says so.
const FALLBACK_HZ: u64 = 1_000_000_000;

static FREQUENCY: spin::Once<u64> = spin::Once::new();

/// The TSC frequency in Hz.
pub fn tsc_frequency() -> u64 {
    *FREQUENCY.call_once(|| {
        hypervisor_frequency().or_else(pit_frequency).unwrap_or_else(|| {
            log::warn!("cannot measure the TSC frequency (no PIT, no hypervisor leaf); assuming 1 GHz");
            FALLBACK_HZ
        })
    })
}

/// Converts TSC ticks to nanoseconds.
pub fn ticks_to_nanoseconds(ticks: u64) -> u128 {
    u128::from(ticks) * 1_000_000_000 / u128::from(tsc_frequency())
}

fn hypervisor_frequency() -> Option<u64> {
    const HYPERVISOR_PRESENT: u32 = 1 << 31;
    if cpuid(1).2 & HYPERVISOR_PRESENT == 0 || cpuid(0x4000_0000).0 < 0x4000_0010 {
        return None;
    }
    let khz = cpuid(0x4000_0010).0;
    (khz != 0).then_some(u64::from(khz) * 1000)
}

fn read_pit() -> u16 {
    outb(PIT_COMMAND, 0x00); // latch channel 0
    let low = inb(PIT_CHANNEL0);
    let high = inb(PIT_CHANNEL0);
    u16::from_le_bytes([low, high])
}

/// Measures until two results agree within 1%; the lower of the two wins (a PIT count that
/// wrapped during a stall makes a result too high, never too low).
fn pit_frequency() -> Option<u64> {
    let mut previous: Option<u64> = None;
    for _ in 0..MAX_MEASUREMENTS {
        let Some(hz) = pit_measurement() else { continue };
        if let Some(earlier) = previous
            && earlier.abs_diff(hz) <= earlier / 100
        {
            return Some(earlier.min(hz));
        }
        previous = Some(hz);
    }
    previous
}

fn pit_measurement() -> Option<u64> {
    outb(PIT_COMMAND, 0x30); // channel 0, low then high byte, mode 0 (one-shot), binary
    outb(PIT_CHANNEL0, 0xff);
    outb(PIT_CHANNEL0, 0xff);
    let start_count = read_pit();
    let start_tsc = rdtsc();
    for _ in 0..MAX_PIT_READS {
        let elapsed = start_count.wrapping_sub(read_pit());
        if (CALIBRATION_TICKS..u16::MAX / 2).contains(&elapsed) {
            let ticks = rdtsc().checked_sub(start_tsc)?;
            let hz = ticks.checked_mul(PIT_HZ)? / u64::from(elapsed);
            return PLAUSIBLE_HZ.contains(&hz).then_some(hz);
        }
    }
    None
}
