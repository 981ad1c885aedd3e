//! Device interrupts: vectors, enabling and disabling, and the timer's handler.

use crate::lapic;

/// The local APIC timer's vector (the first after the 32 CPU exceptions).
pub const TIMER_VECTOR: u8 = 32;
/// The local APIC's spurious-interrupt vector: no end-of-interrupt, nothing to do.
pub const SPURIOUS_VECTOR: u8 = 0xff;
/// Sent by one CPU to wake another from `hlt` (work is waiting): nothing to do but return.
pub const WAKE_VECTOR: u8 = 0xf0;
/// Sent by one CPU that changed the page tables: drop every cached translation.
pub const FLUSH_VECTOR: u8 = 0xf1;

static TIMER_HANDLER: spin::Once<fn()> = spin::Once::new();

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
