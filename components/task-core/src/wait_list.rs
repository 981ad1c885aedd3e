//! The ends of a wait queue: the part of a wait queue the core manages.

use stardust_api::ThreadId;

/// The oldest and newest thread waiting on one queue, or none. The links between them live in
/// the core's thread table (a thread waits on one queue at a time), so waiting never allocates.
///
/// The machine side keeps one per wait queue (behind its own lock, beside a count for a cheap
/// "nobody waits" check) and hands it to the core's waiter operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WaitList {
    pub(crate) ends: Option<(ThreadId, ThreadId)>,
}

impl WaitList {
    /// An empty list.
    pub const fn new() -> Self {
        WaitList { ends: None }
    }

    /// Whether no thread waits.
    pub fn is_empty(&self) -> bool {
        self.ends.is_none()
    }

    /// The oldest waiter, the next to be woken.
    pub fn first(&self) -> Option<ThreadId> {
        self.ends.map(|(head, _)| head)
    }
}
