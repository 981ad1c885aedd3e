//! Wait queues: where blocked threads wait for a condition, in arrival order.

use core::sync::atomic::{AtomicUsize, Ordering};
use stardust_task_core::WaitList;

/// A FIFO of blocked threads. The links live in the runtime core's thread table (a thread waits
/// on one queue at a time), so a queue is two numbers and never allocates.
#[derive(Debug, Default)]
pub struct WaitQueue {
    /// Its ends, which the core's waiter operations update (always under the runtime's lock; this
    /// lock only gives the shared queue a way to be changed).
    pub(crate) list: spin::Mutex<WaitList>,
    /// How many threads wait, kept beside `ends` so the common "nobody waits" check is a load.
    pub(crate) waiting: AtomicUsize,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue { list: spin::Mutex::new(WaitList::new()), waiting: AtomicUsize::new(0) }
    }

    /// True if no thread waits. Lets a release skip the runtime entirely in the common case.
    /// Sound on several CPUs: a waiter counts itself in `waiting` (sequentially consistent)
    /// before it checks its condition, and the releasing thread has changed the condition before
    /// this fence and load; so either the waiter sees the change, or this sees the waiter.
    pub(crate) fn is_empty(&self) -> bool {
        core::sync::atomic::fence(Ordering::SeqCst);
        self.waiting.load(Ordering::SeqCst) == 0
    }
}
