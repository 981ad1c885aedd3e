//! kvmclock, KVM's paravirtual clock, read once for the wall clock where the monitor has no
//! real-time clock (Firecracker): the host writes the wall time of the guest's clock zero into
//! one structure and the guest's clock (nanoseconds since zero, as a TSC scale) into another.

use core::cell::UnsafeCell;
use core::sync::atomic::{Ordering, fence};

/// "KVMKVMKVM\0\0\0" in CPUID 0x40000000's EBX, ECX, EDX.
const SIGNATURE: (u32, u32, u32) = (0x4b4d_564b, 0x564b_4d56, 0x0000_004d);
/// CPUID 0x40000001 EAX: the clock's MSRs at 0x4b564d00 and 0x4b564d01.
const FEATURE_CLOCKSOURCE2: u32 = 1 << 3;
const MSR_WALL_CLOCK: u32 = 0x4b56_4d00;
const MSR_SYSTEM_TIME: u32 = 0x4b56_4d01;
/// Reads of a structure the host is updating before giving up.
const MAX_READS: u32 = 1000;

/// Where the host writes: the wall clock at byte 0 (version, seconds, nanoseconds: three u32),
/// the vCPU's time at byte 32 (version u32, pad, TSC stamp u64, system time u64, multiplier
/// u32, shift i8, flags u8, pad). The kernel's memory is identity-mapped, so its address is the
/// physical address the MSRs take.
#[repr(C, align(64))]
struct Area(UnsafeCell<[u8; 64]>);

// SAFETY: only `wall_clock` touches the area, under `LOCK`; the host writes it only between an
// MSR write that asks for it and the one that stops it, both inside that function.
unsafe impl Sync for Area {}

static AREA: Area = Area(UnsafeCell::new([0; 64]));
static LOCK: spin::Mutex<()> = spin::Mutex::new(());

const WALL: usize = 0;
const VCPU: usize = 32;

fn read_u32(offset: usize) -> u32 {
    // SAFETY: `offset + 4 <= 64` at every call; the host may write the area at any time, so the
    // read is volatile (unaligned-safe: every offset used is 4-aligned in a 64-aligned area).
    unsafe { AREA.0.get().cast::<u8>().add(offset).cast::<u32>().read_volatile() }
}

fn read_u64(offset: usize) -> u64 {
    // SAFETY: as `read_u32`, with `offset + 8 <= 64` and 8-aligned.
    unsafe { AREA.0.get().cast::<u8>().add(offset).cast::<u64>().read_volatile() }
}

fn write_msr(msr: u32, value: u64) {
    // SAFETY: the caller checked that KVM offers these MSRs (CPUID); the values are the area's
    // address (identity-mapped kernel memory, kept for the kernel's life) or 0 (stop).
    unsafe { x86_64::registers::model_specific::Msr::new(msr).write(value) }
}

/// Whether the monitor is KVM with kvmclock's MSRs.
fn available() -> bool {
    const HYPERVISOR_PRESENT: u32 = 1 << 31;
    if crate::cpu::cpuid(1).2 & HYPERVISOR_PRESENT == 0 {
        return false;
    }
    let (highest, ebx, ecx, edx) = crate::cpu::cpuid(0x4000_0000);
    highest >= 0x4000_0001
        && (ebx, ecx, edx) == SIGNATURE
        && crate::cpu::cpuid(0x4000_0001).0 & FEATURE_CLOCKSOURCE2 != 0
}

/// Reads a structure at `offset` while its version (its first u32) is even and the same before
/// and after: the host is not writing it. `None` if it never settles.
fn consistent<T>(offset: usize, mut read: impl FnMut() -> T) -> Option<T> {
    for _ in 0..MAX_READS {
        let before = read_u32(offset);
        fence(Ordering::Acquire);
        let value = read();
        fence(Ordering::Acquire);
        if before & 1 == 0 && read_u32(offset) == before {
            return Some(value);
        }
        core::hint::spin_loop();
    }
    None
}

/// The wall clock from kvmclock: nanoseconds since the Unix epoch, UTC, and the TSC reading
/// they belong to; `None` where the monitor offers no kvmclock (QEMU under TCG, cloud-hypervisor
/// on other hypervisors) or the host never finished writing it.
pub fn wall_clock() -> Option<(u64, u64)> {
    if !available() {
        return None;
    }
    crate::interrupts::without(|| {
        let _lock = LOCK.lock();
        let address = AREA.0.get() as u64;
        write_msr(MSR_SYSTEM_TIME, (address + VCPU as u64) | 1);
        write_msr(MSR_WALL_CLOCK, address + WALL as u64);
        let wall = consistent(WALL, || (read_u32(WALL + 4), read_u32(WALL + 8)));
        let vcpu = consistent(VCPU, || {
            let version = read_u32(VCPU);
            let tsc = crate::cpu::rdtsc();
            let stamp = read_u64(VCPU + 8);
            let system = read_u64(VCPU + 16);
            let multiplier = read_u32(VCPU + 24);
            let shift = read_u32(VCPU + 28) as u8 as i8;
            (version, tsc, stamp, system, multiplier, shift)
        });
        // The host stops writing the vCPU's time here; the area stays the kernel's.
        write_msr(MSR_SYSTEM_TIME, 0);
        let ((seconds, nanoseconds), (version, tsc, stamp, system, multiplier, shift)) = (wall?, vcpu?);
        // Version 0 or no scale: the host never wrote the vCPU's time (the zeroed area would give
        // the VM's creation time, wrong by its uptime).
        if version == 0 || multiplier == 0 {
            return None;
        }
        // The guest's clock now: the host's stamp plus the TSC since, scaled as KVM says.
        let delta = tsc.saturating_sub(stamp);
        let delta = if shift >= 0 {
            delta.checked_shl(shift.unsigned_abs().into()).unwrap_or(u64::MAX)
        } else {
            delta.checked_shr(shift.unsigned_abs().into()).unwrap_or(0)
        };
        let since_zero = system.saturating_add(((u128::from(delta) * u128::from(multiplier)) >> 32) as u64);
        let unix = u64::from(seconds) * 1_000_000_000 + u64::from(nanoseconds) + since_zero;
        (seconds != 0).then_some((unix, tsc))
    })
}
