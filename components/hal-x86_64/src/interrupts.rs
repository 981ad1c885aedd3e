//! Interrupts: vectors, enabling and disabling, the timer's handler and devices' handlers.

use crate::lapic;

/// The local APIC timer's vector (the first after the 32 CPU exceptions).
pub const TIMER_VECTOR: u8 = 32;
/// The local APIC's spurious-interrupt vector: no end-of-interrupt, nothing to do.
pub const SPURIOUS_VECTOR: u8 = 0xff;
/// Sent by one CPU to wake another from `hlt` (work is waiting): nothing to do but return.
pub const WAKE_VECTOR: u8 = 0xf0;
/// Sent by one CPU that changed the page tables: drop every cached translation.
pub const FLUSH_VECTOR: u8 = 0xf1;

/// Vectors for device interrupts (an I/O APIC pin or an MSI-X entry each), handed out by
/// [`register_device`]. Below
/// the wake and flush IPIs, so that those come first when several are pending.
pub const DEVICE_VECTORS: core::ops::Range<u8> = 0x30..0x34;

/// A device's interrupt routed to a vector ([`crate::ioapic::route`], [`crate::msix::route`]):
/// masking and unmasking it are one register write each.
#[derive(Debug, Clone, Copy)]
pub struct Line(Source);

#[derive(Debug, Clone, Copy)]
enum Source {
    IoApic { base: u64, entry: u32, vector: u8 },
    MsiX { entry: u64, control: u32 },
}

impl Line {
    pub(crate) fn io_apic(base: u64, entry: u32, vector: u8) -> Line {
        Line(Source::IoApic { base, entry, vector })
    }

    pub(crate) fn msix(entry: u64, control: u32) -> Line {
        Line(Source::MsiX { entry, control })
    }

    /// Masks the interrupt (`true`) or unmasks it. An I/O APIC pin drops what comes while
    /// masked, and a device whose line stayed high raises no new edge when unmasked: its driver
    /// acknowledges it and looks for work after unmasking. An MSI-X entry keeps one message
    /// pending and sends it when unmasked.
    pub fn set_masked(&self, masked: bool) {
        match self.0 {
            Source::IoApic { base, entry, vector } => crate::ioapic::set_masked(base, entry, vector, masked),
            Source::MsiX { entry, control } => crate::msix::set_masked(entry, control, masked),
        }
    }
}

static TIMER_HANDLER: spin::Once<fn()> = spin::Once::new();
static DEVICE_HANDLERS: [spin::Once<fn()>; DEVICE_VECTORS.end as usize - DEVICE_VECTORS.start as usize] =
    [const { spin::Once::new() }; DEVICE_VECTORS.end as usize - DEVICE_VECTORS.start as usize];
/// How many of the device vectors are taken.
static DEVICE_COUNT: spin::Mutex<usize> = spin::Mutex::new(0);

/// Gives `handler` a vector of its own among [`DEVICE_VECTORS`] (for an I/O APIC pin or an
/// MSI-X entry to name, see [`crate::ioapic::route`] and [`crate::msix::route`]); `None` when
/// all are taken. The handler runs with interrupts
/// off, after the end-of-interrupt (device lines are routed edge-triggered), on whichever thread
/// the interrupt found; it MUST NOT block or take a lock that threads hold with interrupts on,
/// and it may switch threads.
pub fn register_device(handler: fn()) -> Option<u8> {
    without(|| {
        let mut count = DEVICE_COUNT.lock();
        let slot = DEVICE_HANDLERS.get(*count)?;
        slot.call_once(|| handler);
        let vector = DEVICE_VECTORS.start + *count as u8;
        *count += 1;
        Some(vector)
    })
}

/// Sets what runs on every timer tick (once; later calls are ignored). It runs with interrupts
/// off, after the end-of-interrupt, and may switch threads.
pub fn set_timer_handler(handler: fn()) {
    TIMER_HANDLER.call_once(|| handler);
}

pub(crate) fn dispatch(vector: u8) {
    if vector == TIMER_VECTOR {
        lapic::end_of_interrupt();
        if let Some(handler) = TIMER_HANDLER.get() {
            handler();
        }
    } else if DEVICE_VECTORS.contains(&vector) {
        lapic::end_of_interrupt();
        if let Some(handler) = DEVICE_HANDLERS[usize::from(vector - DEVICE_VECTORS.start)].get() {
            handler();
        }
    } else if vector == WAKE_VECTOR {
        lapic::end_of_interrupt();
    } else if vector == FLUSH_VECTOR {
        crate::paging::flush_all();
        crate::smp::flushed();
        lapic::end_of_interrupt();
    }
}

/// Runs `f` with interrupts off, restoring the previous state after.
pub fn without<R>(f: impl FnOnce() -> R) -> R {
    x86_64::instructions::interrupts::without_interrupts(f)
}

/// True if interrupts are on.
pub fn enabled() -> bool {
    x86_64::instructions::interrupts::are_enabled()
}

/// Turns interrupts on.
pub fn enable() {
    x86_64::instructions::interrupts::enable();
}

/// With interrupts off on entry: turns them on and halts until the next interrupt, atomically
/// (no interrupt can slip in between), then turns them off again.
pub fn wait_for_interrupt() {
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
}
