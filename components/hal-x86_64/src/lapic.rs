//! The local APIC: its timer drives preemption and sleeps. It ticks periodically while the CPU
//! runs a thread; while the CPU idles it is stopped, or set to fire once at the next sleeper's
//! deadline (a tickless idle: a VM whose threads all wait costs the host nothing).

use crate::{cpu, paging, time};

const APIC_BASE_MSR: u32 = 0x1b;
const APIC_GLOBAL_ENABLE: u64 = 1 << 11;
const SPURIOUS: u64 = 0xf0;
const SOFTWARE_ENABLE: u32 = 1 << 8;
const END_OF_INTERRUPT: u64 = 0xb0;
const TIMER_LVT: u64 = 0x320;
const TIMER_PERIODIC: u32 = 1 << 17;
const TIMER_MASKED: u32 = 1 << 16;
const TIMER_INITIAL: u64 = 0x380;
const TIMER_CURRENT: u64 = 0x390;
const TIMER_DIVIDE: u64 = 0x3e0;
const DIVIDE_BY_16: u32 = 0x3;
/// The TSC window used to measure the timer's rate: 10 ms.
const CALIBRATION_DIVISOR: u64 = 100;

static BASE: spin::Once<u64> = spin::Once::new();

/// Why the timer cannot run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerError {
    /// CPUID says there is no local APIC.
    NoApic,
    /// The APIC's registers lie where the kernel cannot map them.
    Unmappable(u64),
    /// The requested rate is 0 or faster than the timer counts.
    BadRate(u32),
}

impl core::fmt::Display for TimerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TimerError::NoApic => f.write_str("this CPU has no local APIC"),
            TimerError::Unmappable(address) => write!(f, "the local APIC at {address:#x} cannot be mapped"),
            TimerError::BadRate(hz) => write!(f, "a timer rate of {hz} Hz is not possible"),
        }
    }
}

fn register(offset: u64) -> *mut u32 {
    (BASE.get().copied().unwrap_or(0) + offset) as *mut u32
}

fn write(offset: u64, value: u32) {
    // SAFETY: `BASE` is set (and mapped, uncached) before any register is touched: callers run
    // after `start_timer` mapped it; a write to an APIC register has no memory effect.
    unsafe { register(offset).write_volatile(value) }
}

fn read(offset: u64) -> u32 {
    // SAFETY: as for `write`.
    unsafe { register(offset).read_volatile() }
}

/// IA32_APIC_BASE, after CPUID said there is a local APIC (the MSR does not exist without one:
/// reading it would be a #GP).
fn read_base_msr() -> Result<u64, TimerError> {
    const APIC_PRESENT: u32 = 1 << 9;
    if cpu::cpuid(1).3 & APIC_PRESENT == 0 {
        return Err(TimerError::NoApic);
    }
    // SAFETY: IA32_APIC_BASE exists on every CPU with an APIC, checked just above.
    Ok(unsafe { x86_64::registers::model_specific::Msr::new(APIC_BASE_MSR).read() })
}

/// Enables the local APIC and starts its timer at `hz` ticks per second, periodic, on
/// [`crate::interrupts::TIMER_VECTOR`]. Interrupts stay as they are (off at boot).
pub fn start_timer(hz: u32) -> Result<(), TimerError> {
    let msr = read_base_msr()?;
    let base = msr & 0xf_ffff_f000;
    if msr & APIC_GLOBAL_ENABLE == 0 || paging::map_low_device(base, 4096).is_err() {
        return Err(TimerError::Unmappable(base));
    }
    BASE.call_once(|| base);
    write(SPURIOUS, SOFTWARE_ENABLE | u32::from(crate::interrupts::SPURIOUS_VECTOR));
    write(TIMER_DIVIDE, DIVIDE_BY_16);
    // Count down from the top for a known TSC window to learn the timer's rate.
    write(TIMER_LVT, TIMER_MASKED | u32::from(crate::interrupts::TIMER_VECTOR));
    write(TIMER_INITIAL, u32::MAX);
    let window = time::tsc_frequency() / CALIBRATION_DIVISOR;
    let start = cpu::rdtsc();
    while cpu::rdtsc().wrapping_sub(start) < window {
        core::hint::spin_loop();
    }
    let counted = u64::from(u32::MAX - read(TIMER_CURRENT));
    let per_tick = counted * CALIBRATION_DIVISOR / u64::from(hz.max(1));
    if hz == 0 || per_tick == 0 || per_tick > u64::from(u32::MAX) {
        write(TIMER_INITIAL, 0);
        return Err(TimerError::BadRate(hz));
    }
    PER_TICK.store(per_tick as u32, core::sync::atomic::Ordering::Relaxed);
    HZ.store(hz, core::sync::atomic::Ordering::Relaxed);
    periodic(per_tick as u32);
    Ok(())
}

/// Runs this CPU's timer periodically, a tick every `per_tick` counts. Stopped first (a count
/// of 0), so that the mode never changes with a count meant for the other mode loaded: QEMU then
/// replays every period missed since that count's load (the 4-CPU stress test hung so).
fn periodic(per_tick: u32) {
    write(TIMER_INITIAL, 0);
    write(TIMER_LVT, TIMER_PERIODIC | u32::from(crate::interrupts::TIMER_VECTOR));
    write(TIMER_INITIAL, per_tick);
}

/// The timer count per tick the boot CPU measured (0 until then): every CPU's timer runs at the
/// same rate, so the others reuse it.
static PER_TICK: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
/// The periodic tick's rate, in Hz (0 until the boot CPU started its timer).
static HZ: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
/// Whether each CPU's periodic tick is stopped (it idles), by CPU index.
static STOPPED: [core::sync::atomic::AtomicBool; crate::smp::MAX_CPUS] =
    [const { core::sync::atomic::AtomicBool::new(false) }; crate::smp::MAX_CPUS];

/// Ticks ahead from which an idle CPU stops its periodic tick for the next deadline.
const TICKLESS_FROM: u64 = 2;

/// Whether idle CPUs keep the periodic tick (kernel option `stardust.idle=tick`).
static KEEP_TICKING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Makes idle CPUs keep (`true`) or stop (`false`, the default) their periodic tick.
pub fn keep_ticking_when_idle(keep: bool) {
    KEEP_TICKING.store(keep, core::sync::atomic::Ordering::Relaxed);
}

/// For the calling CPU's idle loop, interrupts off: stops the periodic tick and, if `deadline`
/// (a TSC value) is given, makes the timer fire once at it (the count is rounded up, but the
/// timer's measured rate is not exact, so it may come a little early: the idle loop then finds
/// the deadline within two ticks and lets the periodic tick serve it; one that is past fires at
/// once). A deadline beyond the timer's reach fires early, and the idle loop sets it again. A deadline within [`TICKLESS_FROM`] ticks keeps (or
/// restarts) the periodic tick instead: one of its next ticks serves it, and reprogramming the
/// timer for every short sleep (the network's millisecond polls) would cost more than it saves.
/// Nothing happens on a CPU without a timer.
pub fn idle_until(deadline: Option<u64>) {
    use core::sync::atomic::Ordering;
    let per_tick = PER_TICK.load(Ordering::Relaxed);
    let hz = HZ.load(Ordering::Relaxed);
    if per_tick == 0 || hz == 0 || KEEP_TICKING.load(Ordering::Relaxed) {
        return;
    }
    // In u64: TSC ticks up to u64::MAX / the timer's rate multiply safely (at the usual 62.5 MHz
    // of a divided-by-16 timer, about 3 x 10^11 ticks: minutes), and a longer wait fires early
    // and is set again.
    let tsc_hz = time::tsc_frequency().max(1);
    let timer_hz = u64::from(per_tick) * u64::from(hz);
    let ahead = deadline.map(|deadline| deadline.saturating_sub(cpu::rdtsc()));
    if ahead.is_some_and(|ticks| ticks.saturating_mul(u64::from(hz)) <= TICKLESS_FROM.saturating_mul(tsc_hz)) {
        resume_tick();
        return;
    }
    let count = ahead.map_or(0, |ticks| {
        let counts = (ticks.min(u64::MAX / timer_hz) * timer_hz).div_ceil(tsc_hz);
        u32::try_from(counts).unwrap_or(u32::MAX).max(1)
    });
    if let Some(stopped) = STOPPED.get(crate::smp::cpu_index()) {
        stopped.store(true, Ordering::Relaxed);
    }
    // Stopped first, as in `periodic`.
    write(TIMER_INITIAL, 0);
    write(TIMER_LVT, u32::from(crate::interrupts::TIMER_VECTOR));
    write(TIMER_INITIAL, count);
}

/// For the calling CPU's idle loop, interrupts off, before it runs a thread: restarts the
/// periodic tick if [`idle_until`] stopped it.
pub fn resume_tick() {
    use core::sync::atomic::Ordering;
    if !STOPPED.get(crate::smp::cpu_index()).is_some_and(|stopped| stopped.swap(false, Ordering::Relaxed)) {
        return;
    }
    periodic(PER_TICK.load(Ordering::Relaxed));
}

/// On a CPU other than the boot CPU: enables its local APIC and starts its timer at the boot
/// CPU's rate (if the boot CPU started one).
pub(crate) fn start_secondary() {
    write(SPURIOUS, SOFTWARE_ENABLE | u32::from(crate::interrupts::SPURIOUS_VECTOR));
    let per_tick = PER_TICK.load(core::sync::atomic::Ordering::Relaxed);
    if per_tick != 0 {
        write(TIMER_DIVIDE, DIVIDE_BY_16);
        periodic(per_tick);
    }
}

const INTERRUPT_COMMAND_LOW: u64 = 0x300;
const INTERRUPT_COMMAND_HIGH: u64 = 0x310;
const DELIVERY_PENDING: u32 = 1 << 12;

/// Sends an inter-processor interrupt `command` (vector and delivery mode) to the CPU with local
/// APIC ID `apic_id`, and waits until the APIC has accepted it.
pub(crate) fn send_ipi(apic_id: u32, command: u32) {
    // Two register writes: an interrupt between them that sends its own IPI would redirect this
    // one (an INIT meant for a starting CPU could hit a running one).
    crate::interrupts::without(|| {
        write(INTERRUPT_COMMAND_HIGH, apic_id << 24);
        write(INTERRUPT_COMMAND_LOW, command);
        for _ in 0..1_000_000 {
            if read(INTERRUPT_COMMAND_LOW) & DELIVERY_PENDING == 0 {
                return;
            }
            core::hint::spin_loop();
        }
    });
}

/// This CPU's local APIC ID.
pub fn id() -> u32 {
    read(0x20) >> 24
}

/// Makes sure the APIC's registers are mapped (for CPUs started without a timer).
pub(crate) fn map() -> Result<(), TimerError> {
    if BASE.get().is_some() {
        return Ok(());
    }
    let base = read_base_msr()? & 0xf_ffff_f000;
    if paging::map_low_device(base, 4096).is_err() {
        return Err(TimerError::Unmappable(base));
    }
    BASE.call_once(|| base);
    write(SPURIOUS, SOFTWARE_ENABLE | u32::from(crate::interrupts::SPURIOUS_VECTOR));
    Ok(())
}

pub(crate) fn end_of_interrupt() {
    write(END_OF_INTERRUPT, 0);
}
