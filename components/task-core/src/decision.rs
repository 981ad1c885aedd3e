//! What the core decides and the machine side carries out.

use stardust_api::ThreadId;

/// Take a CPU from thread `from` and give it to thread `to`.
///
/// The core has already made `to` the CPU's current thread when it returns this; the machine
/// side MUST then release the core's lock and switch registers and stacks. `to` may have been
/// taken off another CPU a moment ago, which may still be saving it: the machine MUST publish
/// the save of `from` before it waits for `to`'s, or two CPUs that swap threads would each wait
/// for the other forever (the "SMP switch deadlock" that the model tests replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    /// The thread the CPU leaves (already marked ready, blocked, sleeping, dead or idle).
    pub from: ThreadId,
    /// The thread the CPU runs next.
    pub to: ThreadId,
}

/// A set of CPU indexes below [`MAX_CPUS`](crate::MAX_CPUS), one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuSet(pub(crate) u32);

impl CpuSet {
    /// No CPU.
    pub const EMPTY: CpuSet = CpuSet(0);

    /// Adds `cpu` (ignored if it is not below [`MAX_CPUS`](crate::MAX_CPUS)).
    pub fn insert(&mut self, cpu: usize) {
        if cpu < crate::MAX_CPUS {
            self.0 |= 1 << cpu;
        }
    }

    /// Whether `cpu` is in the set.
    pub fn contains(self, cpu: usize) -> bool {
        cpu < crate::MAX_CPUS && self.0 & (1 << cpu) != 0
    }

    /// Whether the set holds no CPU.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The CPUs in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..crate::MAX_CPUS).filter(move |&cpu| self.contains(cpu))
    }
}

/// What an operation on a running thread's behalf asks the machine to do once the core's lock is
/// released: interrupt some halted CPUs (they have work now), then maybe switch this CPU.
#[must_use = "wake-ups and switches only happen if the machine side applies them"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Halted CPUs to wake with an inter-processor interrupt (never the calling CPU).
    pub wake_cpus: CpuSet,
    /// A switch of the calling CPU, if its thread gives it up.
    pub switch: Option<Switch>,
}

/// What a CPU's idle thread does next.
#[must_use = "the idle thread has to act on it"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleDecision {
    /// Run a queued thread.
    Run(Switch),
    /// Halt until an interrupt: nothing is runnable, but a sleeper, or a thread on another CPU,
    /// can still make something runnable.
    Halt {
        /// The earliest sleeper's deadline (the caller's clock), if any thread sleeps. The CPU
        /// MUST take a tick ([`RuntimeCore::tick`](crate::RuntimeCore::tick)) at or soon after
        /// it, and needs none before: every other deadline is later, and a thread that sleeps
        /// later sleeps from a running CPU, whose own ticks (or its next halt's deadline) cover
        /// it. `None`: no thread sleeps, and only another CPU or a device can bring work, so the
        /// CPU MAY stop its timer until then.
        wake_at: Option<u64>,
    },
    /// Every CPU idles, nothing is queued and nobody sleeps: no thread can ever run again.
    Deadlock,
}
