//! The clock: the TSC, its frequency found once on first use.
//!
//! The frequency comes from the hypervisor's CPUID leaf 0x40000010 where there is one
//! (cloud-hypervisor, KVM with invariant TSC), otherwise from the PIT: count TSC ticks across a
//! known number of PIT ticks. Calibration takes ~5 ms, so it runs lazily: an image that never
//! reads the clock never pays it.

use crate::cpu::{cpuid, inb, outb, rdtsc};

const PIT_HZ: u64 = 1_193_182;
const PIT_COMMAND: u16 = 0x43;
const PIT_CHANNEL0: u16 = 0x40;
/// ~5 ms of PIT ticks.
const CALIBRATION_TICKS: u16 = 5_966;
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

fn pit_frequency() -> Option<u64> {
    outb(PIT_COMMAND, 0x30); // channel 0, low then high byte, mode 0 (one-shot), binary
    outb(PIT_CHANNEL0, 0xff);
    outb(PIT_CHANNEL0, 0xff);
    let start_count = read_pit();
    let start_tsc = rdtsc();
    for _ in 0..MAX_PIT_READS {
        let elapsed = start_count.wrapping_sub(read_pit());
        if (CALIBRATION_TICKS..u16::MAX / 2).contains(&elapsed) {
            let ticks = rdtsc() - start_tsc;
            return Some(ticks * PIT_HZ / u64::from(elapsed));
        }
    }
    None
}
