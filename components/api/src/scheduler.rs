//! The scheduler slot: policy only. Which runnable thread runs next, and whether a timer tick
//! should take the CPU away from the running one. The thread runtime does the mechanism (stacks,
//! context switches, timers, blocking) and calls these methods with interrupts off.

/// A thread, as the scheduler knows it: a number below [`MAX_THREADS`], unique among living
/// threads (the runtime reuses the numbers of threads that have ended).
pub type ThreadId = u32;

/// The most threads that exist at once. Schedulers size their queues by it, so they never
/// allocate.
pub const MAX_THREADS: usize = 256;

/// A thread's priority: higher runs first under schedulers that use priorities.
pub type Priority = u8;

/// Number of priority levels: priorities are `0..PRIORITY_LEVELS`.
pub const PRIORITY_LEVELS: usize = 8;

/// The priority of threads that do not ask for one (and of the app's main thread).
pub const DEFAULT_PRIORITY: Priority = 4;

/// A scheduling policy: the contract every `sched-*` crate implements.
///
/// - The running thread is never in the queue. The runtime calls `enqueue` when a thread becomes
///   runnable: created, woken, or taken off the CPU while still runnable (it yielded or was
///   preempted). A thread MUST NOT be enqueued twice.
/// - `pick_next` MUST return a queued thread and remove it from the queue, or `None` if the queue
///   is empty (the CPU then idles). Which one is the policy.
/// - `should_preempt` is called on every timer tick with the running thread's priority and the
///   ticks it has run since it was last picked, and with `ticks_run == 0` right after a thread
///   was woken. It returns true if the running thread should be taken off the CPU now (the
///   runtime then enqueues it and calls `pick_next`). A cooperative policy always returns false.
/// - `remove` takes a queued thread out (it is being destroyed); false if it was not queued.
/// - No method may allocate or panic: they run inside context switches and timer interrupts,
///   possibly while the interrupted thread holds the heap's lock. Queues are fixed arrays indexed
///   by `ThreadId` (always below [`MAX_THREADS`]); priorities are below [`PRIORITY_LEVELS`].
/// - The constructor is a `const fn`, so the scheduler can live in a `static`.
pub trait Scheduler {
    /// Whether timer ticks can take the CPU from a thread that neither yields nor blocks.
    const PREEMPTIVE: bool;
    /// `thread`, of `priority`, is runnable.
    fn enqueue(&mut self, thread: ThreadId, priority: Priority);
    /// The next thread to run, taken out of the queue.
    fn pick_next(&mut self) -> Option<ThreadId>;
    /// Whether the running thread should give up the CPU now.
    fn should_preempt(&mut self, running_priority: Priority, ticks_run: u32) -> bool;
    /// Takes a queued thread out of the queue; false if it was not queued.
    fn remove(&mut self, thread: ThreadId) -> bool;
    /// How many threads are queued.
    fn queued(&self) -> usize;
}
