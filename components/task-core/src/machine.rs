//! The one thing the core asks of the machine.

use stardust_api::ThreadId;

/// The machine side's answer to the one question the core cannot answer from its own state.
///
/// The core knows which thread each CPU has been told to run, but a CPU that was told to leave a
/// thread may still be executing on its stack (saving its registers, or waiting for the next
/// thread's). Only the machine knows when that is over.
///
/// - `is_suspended(thread)` MUST return true only once no CPU executes on `thread`'s stack any
///   more and its registers, if it ever ran, are saved: the core then lets the caller free or
///   reuse that stack (see [`RuntimeCore::reap`](crate::RuntimeCore::reap)). Answering true too
///   early lets a stack be freed under a running CPU; answering false only delays the reaping.
/// - It MUST NOT block or take the core's lock: it is called with that lock held.
/// - It SHOULD be cheap (a load): it is asked once per ended thread on each reaping attempt.
pub trait Machine {
    /// Whether `thread` is off every CPU with its context saved (or never ran).
    fn is_suspended(&self, thread: ThreadId) -> bool;
}
