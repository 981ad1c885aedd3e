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

/// Marks, in [`ThreadQueue`]'s links, a thread that is not in the queue. Above every valid
/// `ThreadId`, so no thread can be mistaken for it.
const NOT_QUEUED: ThreadId = ThreadId::MAX;

/// Marks the end of a [`ThreadQueue`]: the link of its last thread, and its head and tail when it
/// is empty. Also above every valid `ThreadId`.
const END: ThreadId = ThreadId::MAX - 1;

// `ThreadQueue::new` writes 0 for NOT_QUEUED links (stored inverted) and for an END head or tail
// (stored XOR END).
const _: () = assert!(!pack(NOT_QUEUED) == 0);

/// A link as stored: thread numbers (below 256) as they are, the two sentinels at the top.
const fn pack(link: ThreadId) -> u16 {
    match link {
        NOT_QUEUED => u16::MAX,
        END => u16::MAX - 1,
        thread => thread as u16,
    }
}

const fn unpack(stored: u16) -> ThreadId {
    match stored {
        u16::MAX => NOT_QUEUED,
        0xfffe => END,
        thread => thread as ThreadId,
    }
}

const _: () = assert!(MAX_THREADS < 0xfffe);

// The sentinels must never collide with a real thread number.
const _: () = assert!(MAX_THREADS < END as usize);

/// A first-in, first-out queue of threads that never allocates: a singly linked list threaded
/// through a fixed array indexed by [`ThreadId`], the building block of the `sched-*` policies.
///
/// Each thread is in the queue at most once. Adding a thread that is already queued, or whose
/// number is not below [`MAX_THREADS`], changes nothing and returns false: the runtime must not
/// do either (see [`Scheduler`]), but a scheduler running inside a timer interrupt has no
/// better answer to a broken promise than to ignore it, and it must not panic.
///
/// Costs: [`push_back`](Self::push_back), [`pop_front`](Self::pop_front) and
/// [`contains`](Self::contains) take constant time; [`remove`](Self::remove) walks the queue
/// (threads are removed only when destroyed). Size: one `ThreadId` per possible thread (512 bytes
/// for 256 threads) plus three words.
#[derive(Clone)]
pub struct ThreadQueue {
    /// For a queued thread, the thread after it (or `END`); for any other, `NOT_QUEUED`. One
    /// array holds both the order and the membership, so the two cannot disagree. Stored
    /// bit-inverted (`head` and `tail` XOR `END`), so that an empty queue is all zero bytes and a
    /// `static` scheduler holding queues costs no bytes in the image file.
    /// `u16` is enough for every thread number and both sentinels, and halves the queue.
    next: [u16; MAX_THREADS],
    /// The oldest queued thread, or `END` (stored XOR `END`).
    head: ThreadId,
    /// The newest queued thread, or `END` (stored XOR `END`).
    tail: ThreadId,
    /// How many threads are queued.
    length: usize,
}

impl Default for ThreadQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl ThreadQueue {
    /// An empty queue. `const`, so a scheduler holding one can sit in a `static`.
    pub const fn new() -> Self {
        // Empty: every link NOT_QUEUED, head and tail END; all stored as 0.
        ThreadQueue { next: [0; MAX_THREADS], head: 0, tail: 0, length: 0 }
    }

    fn head(&self) -> ThreadId {
        self.head ^ END
    }

    fn tail(&self) -> ThreadId {
        self.tail ^ END
    }

    fn set_head(&mut self, thread: ThreadId) {
        self.head = thread ^ END;
    }

    fn set_tail(&mut self, thread: ThreadId) {
        self.tail = thread ^ END;
    }

    /// Adds `thread` at the back. Returns false, and changes nothing, if `thread` is already
    /// queued or not below [`MAX_THREADS`].
    pub fn push_back(&mut self, thread: ThreadId) -> bool {
        if self.link(thread) != Some(NOT_QUEUED) {
            return false;
        }
        self.set_link(thread, END);
        let last = self.tail();
        if !self.set_link(last, thread) {
            self.set_head(thread);
        }
        self.set_tail(thread);
        self.length += 1;
        true
    }

    /// Takes the oldest thread out of the queue; `None` if the queue is empty.
    pub fn pop_front(&mut self) -> Option<ThreadId> {
        let first = self.head();
        let following = self.link(first)?;
        self.set_link(first, NOT_QUEUED);
        self.set_head(following);
        if following == END {
            self.set_tail(END);
        }
        self.length -= 1;
        Some(first)
    }

    /// The oldest thread, left in the queue; `None` if the queue is empty.
    pub fn front(&self) -> Option<ThreadId> {
        (self.head() != END).then_some(self.head())
    }

    /// Takes `thread` out of the queue wherever it is. Returns false if it was not queued
    /// (including any number not below [`MAX_THREADS`]).
    pub fn remove(&mut self, thread: ThreadId) -> bool {
        if !self.contains(thread) {
            return false;
        }
        // Singly linked, so find the predecessor by walking from the head. `contains` has just
        // said `thread` is on the list, so the walk ends there before reaching `END`.
        let mut previous = END;
        let mut current = self.head();
        while current != thread {
            let Some(following) = self.link(current) else { return false };
            previous = current;
            current = following;
        }
        let Some(following) = self.link(thread) else { return false };
        self.set_link(thread, NOT_QUEUED);
        if !self.set_link(previous, following) {
            self.set_head(following);
        }
        if self.tail() == thread {
            self.set_tail(previous);
        }
        self.length -= 1;
        true
    }

    /// Whether `thread` is in the queue (false for any number not below [`MAX_THREADS`]).
    pub fn contains(&self, thread: ThreadId) -> bool {
        self.link(thread).is_some_and(|link| link != NOT_QUEUED)
    }

    /// How many threads are queued.
    pub const fn len(&self) -> usize {
        self.length
    }

    /// Whether no thread is queued.
    pub const fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The link of `thread`; `None` for the sentinels and any other out-of-range number, which
    /// is how every method turns bad input into "not queued" instead of a panic.
    fn link(&self, thread: ThreadId) -> Option<ThreadId> {
        self.next.get(usize::try_from(thread).ok()?).map(|&stored| unpack(!stored))
    }

    /// Sets the link of `thread`; false (and nothing changed) for out-of-range numbers.
    fn set_link(&mut self, thread: ThreadId, value: ThreadId) -> bool {
        match usize::try_from(thread).ok().and_then(|index| self.next.get_mut(index)) {
            Some(stored) => {
                *stored = !pack(value);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Empties `queue` from the front, oldest first.
    fn drain(queue: &mut ThreadQueue) -> Vec<ThreadId> {
        core::iter::from_fn(|| queue.pop_front()).collect()
    }

    fn queue_of(threads: &[ThreadId]) -> ThreadQueue {
        let mut queue = ThreadQueue::new();
        for &thread in threads {
            assert!(queue.push_back(thread));
        }
        queue
    }

    #[test]
    fn an_empty_queue_has_nothing_to_give() {
        let mut queue = ThreadQueue::new();
        assert_eq!((queue.len(), queue.is_empty()), (0, true));
        assert_eq!(queue.front(), None);
        assert_eq!(queue.pop_front(), None);
        assert!(!queue.remove(0));
        assert!(!queue.contains(0));
    }

    #[test]
    fn threads_leave_in_the_order_they_came() {
        let mut queue = queue_of(&[7, 3, 200, 0, 255]);
        assert_eq!((queue.len(), queue.front()), (5, Some(7)));
        assert_eq!(drain(&mut queue), [7, 3, 200, 0, 255]);
        assert!(queue.is_empty());
        // Emptied, the queue works again from scratch.
        assert!(queue.push_back(3));
        assert_eq!(drain(&mut queue), [3]);
    }

    #[test]
    fn a_thread_already_queued_is_not_added_again() {
        let mut queue = queue_of(&[1, 2]);
        assert!(!queue.push_back(1));
        assert!(!queue.push_back(2));
        assert_eq!(queue.len(), 2);
        assert_eq!(drain(&mut queue), [1, 2]);
    }

    #[test]
    fn numbers_out_of_range_are_ignored_not_fatal() {
        let mut queue = queue_of(&[5]);
        for thread in [MAX_THREADS as ThreadId, MAX_THREADS as ThreadId + 1, END, NOT_QUEUED] {
            assert!(!queue.push_back(thread));
            assert!(!queue.contains(thread));
            assert!(!queue.remove(thread));
        }
        assert_eq!(drain(&mut queue), [5]);
    }

    #[test]
    fn remove_works_at_the_front_middle_back_and_alone() {
        for (removed, rest) in [(10, [11, 12, 13]), (11, [10, 12, 13]), (12, [10, 11, 13]), (13, [10, 11, 12])] {
            let mut queue = queue_of(&[10, 11, 12, 13]);
            assert!(queue.remove(removed));
            assert!(!queue.contains(removed));
            assert_eq!(queue.len(), 3);
            // Pushing after a removal proves the tail is still right.
            assert!(queue.push_back(removed));
            let mut expected = rest.to_vec();
            expected.push(removed);
            assert_eq!(drain(&mut queue), expected);
        }
        let mut alone = queue_of(&[42]);
        assert!(alone.remove(42));
        assert_eq!((alone.len(), alone.front()), (0, None));
        assert!(alone.push_back(43));
        assert_eq!(drain(&mut alone), [43]);
    }

    #[test]
    fn removing_a_thread_that_is_not_queued_changes_nothing() {
        let mut queue = queue_of(&[1, 2, 3]);
        assert!(!queue.remove(4));
        assert!(queue.remove(2));
        assert!(!queue.remove(2));
        assert_eq!(drain(&mut queue), [1, 3]);
    }

    #[test]
    fn every_possible_thread_fits() {
        let all: Vec<ThreadId> = (0..MAX_THREADS as ThreadId).rev().collect();
        let mut queue = queue_of(&all);
        assert_eq!(queue.len(), MAX_THREADS);
        assert!(all.iter().all(|&thread| queue.contains(thread)));
        assert_eq!(drain(&mut queue), all);
    }

    #[test]
    fn a_queue_can_live_in_a_static() {
        static EMPTY: ThreadQueue = ThreadQueue::new();
        assert!(EMPTY.is_empty());
    }
}
