//! Wait queues: where blocked threads wait for a condition, in arrival order.

use stardust_api::ThreadId;

/// A FIFO of blocked threads. The links live in the runtime's thread table (a thread waits on
/// one queue at a time), so a queue is two numbers and never allocates.
#[derive(Debug, Default)]
pub struct WaitQueue {
    pub(crate) ends: spin::Mutex<Option<(ThreadId, ThreadId)>>,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        WaitQueue { ends: spin::Mutex::new(None) }
    }
}
