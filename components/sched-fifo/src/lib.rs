//! A cooperative first-in, first-out scheduler for Stardust's scheduler slot: the simplest
//! policy there is.
//!
//! Threads run in the order they became runnable, and a running thread keeps the CPU until it
//! yields, blocks, sleeps or ends: timer ticks never take it away. Priorities are accepted and
//! ignored. It is not a fair scheduler: one thread that computes without yielding holds every
//! other thread off the CPU. Apps that need time slicing want `sched-rr`, apps that need
//! priorities `sched-prio`.
//!
//! Misuse the contract forbids (enqueueing a thread that is already queued, or a number not below
//! [`MAX_THREADS`](stardust_api::MAX_THREADS)) is ignored rather than fatal, as
//! [`ThreadQueue`] documents.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use stardust_api::{Priority, Scheduler, ThreadId, ThreadQueue};

/// The cooperative FIFO policy. `const`-constructible so it can sit in a `static`.
#[derive(Clone, Default)]
pub struct FifoScheduler {
    queue: ThreadQueue,
}

impl FifoScheduler {
    /// A scheduler with no thread queued.
    pub const fn new() -> Self {
        FifoScheduler { queue: ThreadQueue::new() }
    }
}

impl Scheduler for FifoScheduler {
    const PREEMPTIVE: bool = false;

    /// Queues `thread` behind every thread already queued; `priority` is ignored.
    fn enqueue(&mut self, thread: ThreadId, _priority: Priority) {
        self.queue.push_back(thread);
    }

    fn pick_next(&mut self) -> Option<ThreadId> {
        self.queue.pop_front()
    }

    /// Always false: the running thread keeps the CPU until it gives it up.
    fn should_preempt(&mut self, _running_priority: Priority, _ticks_run: u32) -> bool {
        false
    }

    fn remove(&mut self, thread: ThreadId) -> bool {
        self.queue.remove(thread)
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use stardust_api::{MAX_THREADS, PRIORITY_LEVELS};
    use std::collections::VecDeque;

    use stardust_api::fakes::drain;

    #[test]
    fn keeps_the_scheduler_contract() {
        stardust_api::fakes::check_scheduler_contract(FifoScheduler::new);
    }

    #[test]
    fn threads_run_in_enqueue_order_whatever_their_priority() {
        let mut scheduler = FifoScheduler::new();
        for (thread, priority) in [(3, 0), (1, 7), (2, 4), (0, 200)] {
            scheduler.enqueue(thread, priority);
        }
        assert_eq!(scheduler.queued(), 4);
        assert_eq!(drain(&mut scheduler), [3, 1, 2, 0]);
        assert_eq!(scheduler.queued(), 0);
    }

    #[test]
    fn never_preempts() {
        const { assert!(!FifoScheduler::PREEMPTIVE) };
        let mut scheduler = FifoScheduler::new();
        scheduler.enqueue(1, 7);
        for ticks_run in [0, 1, 1_000, u32::MAX] {
            assert!(!scheduler.should_preempt(0, ticks_run));
        }
    }

    #[test]
    fn a_scheduler_can_live_in_a_static() {
        static SCHEDULER: FifoScheduler = FifoScheduler::new();
        assert_eq!(SCHEDULER.queued(), 0);
    }

    #[derive(Debug, Clone)]
    enum Operation {
        Enqueue(ThreadId, Priority),
        Pick,
        Remove(ThreadId),
    }

    /// Few distinct threads, so that double enqueues and removals of queued threads are common,
    /// and now and then a number out of range.
    fn operation() -> impl Strategy<Value = Operation> {
        let thread = prop_oneof![9 => 0..24 as ThreadId, 1 => MAX_THREADS as ThreadId..=ThreadId::MAX];
        prop_oneof![
            4 => (thread.clone(), 0..PRIORITY_LEVELS as Priority + 2).prop_map(|(t, p)| Operation::Enqueue(t, p)),
            3 => Just(Operation::Pick),
            1 => thread.prop_map(Operation::Remove),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn picks_come_out_in_enqueue_order(operations in proptest::collection::vec(operation(), 0..200)) {
            let mut scheduler = FifoScheduler::new();
            let mut model = VecDeque::new();
            for operation in operations {
                match operation {
                    Operation::Enqueue(thread, priority) => {
                        scheduler.enqueue(thread, priority);
                        if (thread as usize) < MAX_THREADS && !model.contains(&thread) {
                            model.push_back(thread);
                        }
                    }
                    Operation::Pick => prop_assert_eq!(scheduler.pick_next(), model.pop_front()),
                    Operation::Remove(thread) => {
                        let position = model.iter().position(|&queued| queued == thread);
                        prop_assert_eq!(scheduler.remove(thread), position.is_some());
                        if let Some(position) = position {
                            model.remove(position);
                        }
                    }
                }
                prop_assert_eq!(scheduler.queued(), model.len());
                prop_assert!(!scheduler.should_preempt(0, u32::MAX));
            }
            prop_assert_eq!(drain(&mut scheduler), Vec::from(model));
        }
    }
}
