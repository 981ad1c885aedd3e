//! A preemptive fixed-priority scheduler for Stardust's scheduler slot: the highest priority
//! that has a runnable thread runs, threads of one priority take turns by time slice.
//!
//! Each priority level has its own first-in, first-out queue. `pick_next` takes the oldest thread
//! of the highest non-empty level. A timer tick, or a wakeup, takes the CPU from the running
//! thread at once when a thread of higher priority is waiting; a thread of the same priority
//! waits until the running one has used its time slice; a lower one waits.
//!
//! # Starvation
//!
//! Priorities are strict and never age: a thread runs only while every thread of a higher
//! priority is blocked or sleeping, so a higher-priority thread that computes without pause keeps
//! every lower level off the CPU forever. That is the point: the thread that runs is always the
//! one the app ranked first, and how long it waits does not depend on how long others have waited,
//! which makes response times predictable and easy to reason about. Apps that need fairness
//! instead use `sched-rr`, or have their high-priority threads block, sleep or yield.
//!
//! # Misuse
//!
//! What the contract forbids is handled without a panic: enqueueing a thread that is already
//! queued (at any priority) or a number not below [`MAX_THREADS`](stardust_api::MAX_THREADS) is
//! ignored, and a priority not below [`PRIORITY_LEVELS`] is treated as the highest level, both
//! when enqueueing and as the running thread's priority.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use stardust_api::{PRIORITY_LEVELS, Priority, Scheduler, ThreadId, ThreadQueue};

/// The fixed-priority policy. `const`-constructible so it can sit in a `static`.
///
/// Size: one [`ThreadQueue`] per level, about 1 KiB each for 256 threads.
#[derive(Clone)]
pub struct PriorityScheduler {
    /// The queue of each priority, lowest first.
    levels: [ThreadQueue; PRIORITY_LEVELS],
    time_slice_ticks: u32,
}

/// The level of `priority`: itself, or the highest level if it is out of range.
fn level(priority: Priority) -> usize {
    usize::from(priority).min(PRIORITY_LEVELS - 1)
}

impl PriorityScheduler {
    /// A scheduler with no thread queued that lets a thread run `time_slice_ticks` timer ticks
    /// before another waiting thread of the same priority takes its turn. A slice of 0 counts
    /// as 1: a thread always gets at least the tick it was picked in, and only a higher priority
    /// preempts on a wakeup.
    pub const fn new(time_slice_ticks: u32) -> Self {
        let time_slice_ticks = if time_slice_ticks == 0 { 1 } else { time_slice_ticks };
        PriorityScheduler { levels: [const { ThreadQueue::new() }; PRIORITY_LEVELS], time_slice_ticks }
    }

    /// The time slice in timer ticks (at least 1).
    pub const fn time_slice_ticks(&self) -> u32 {
        self.time_slice_ticks
    }

    /// The highest level with a queued thread, if any.
    fn highest_waiting_level(&self) -> Option<usize> {
        self.levels.iter().rposition(|queue| !queue.is_empty())
    }
}

impl Scheduler for PriorityScheduler {
    const PREEMPTIVE: bool = true;

    /// Queues `thread` behind the threads already queued at its priority.
    fn enqueue(&mut self, thread: ThreadId, priority: Priority) {
        // Each level checks only its own membership, so check all of them: a thread queued
        // twice at two priorities would run twice.
        if self.levels.iter().any(|queue| queue.contains(thread)) {
            return;
        }
        if let Some(queue) = self.levels.get_mut(level(priority)) {
            queue.push_back(thread);
        }
    }

    fn pick_next(&mut self) -> Option<ThreadId> {
        self.levels.iter_mut().rev().find_map(ThreadQueue::pop_front)
    }

    /// True if a thread of higher priority waits (even right after a wakeup, `ticks_run == 0`),
    /// or one of the same priority waits and the running thread has used its slice.
    fn should_preempt(&mut self, running_priority: Priority, ticks_run: u32) -> bool {
        let running = level(running_priority);
        match self.highest_waiting_level() {
            Some(waiting) if waiting > running => true,
            Some(waiting) if waiting == running => ticks_run >= self.time_slice_ticks,
            _ => false,
        }
    }

    fn remove(&mut self, thread: ThreadId) -> bool {
        self.levels.iter_mut().any(|queue| queue.remove(thread))
    }

    fn queued(&self) -> usize {
        self.levels.iter().map(ThreadQueue::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use stardust_api::{DEFAULT_PRIORITY, MAX_THREADS};
    use std::collections::VecDeque;

    const TOP: Priority = PRIORITY_LEVELS as Priority - 1;

    use stardust_api::fakes::drain;

    #[test]
    fn keeps_the_scheduler_contract() {
        stardust_api::fakes::check_scheduler_contract(|| PriorityScheduler::new(1));
    }

    #[test]
    fn highest_priority_first_then_oldest_first() {
        let mut scheduler = PriorityScheduler::new(5);
        for (thread, priority) in [(10, 1), (11, 6), (12, 1), (13, 4), (14, 6), (15, 0)] {
            scheduler.enqueue(thread, priority);
        }
        assert_eq!(scheduler.queued(), 6);
        assert_eq!(drain(&mut scheduler), [11, 14, 13, 10, 12, 15]);
        assert_eq!(scheduler.queued(), 0);
    }

    #[test]
    fn a_higher_priority_preempts_at_once() {
        const { assert!(PriorityScheduler::PREEMPTIVE) };
        let mut scheduler = PriorityScheduler::new(10);
        scheduler.enqueue(1, DEFAULT_PRIORITY + 1);
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, 0));
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, 3));
    }

    #[test]
    fn the_same_priority_waits_for_the_slice() {
        let mut scheduler = PriorityScheduler::new(3);
        scheduler.enqueue(1, DEFAULT_PRIORITY);
        assert!(!scheduler.should_preempt(DEFAULT_PRIORITY, 0));
        assert!(!scheduler.should_preempt(DEFAULT_PRIORITY, 2));
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, 3));
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, u32::MAX));
    }

    #[test]
    fn a_lower_priority_never_preempts() {
        let mut scheduler = PriorityScheduler::new(1);
        scheduler.enqueue(1, 0);
        scheduler.enqueue(2, DEFAULT_PRIORITY - 1);
        for ticks_run in [0, 1, u32::MAX] {
            assert!(!scheduler.should_preempt(DEFAULT_PRIORITY, ticks_run));
        }
    }

    #[test]
    fn a_zero_slice_counts_as_one_tick() {
        assert_eq!(PriorityScheduler::new(0).time_slice_ticks(), 1);
        let mut scheduler = PriorityScheduler::new(0);
        scheduler.enqueue(1, 2);
        assert!(!scheduler.should_preempt(2, 0));
        assert!(scheduler.should_preempt(2, 1));
    }

    #[test]
    fn priorities_out_of_range_are_the_top_level() {
        let mut scheduler = PriorityScheduler::new(2);
        scheduler.enqueue(1, TOP);
        scheduler.enqueue(2, Priority::MAX);
        scheduler.enqueue(3, TOP + 1);
        // All three share the top level: FIFO among them, no preemption of one by another
        // before the slice, whatever number each was given.
        assert!(!scheduler.should_preempt(TOP, 1));
        assert!(!scheduler.should_preempt(Priority::MAX, 1));
        assert!(scheduler.should_preempt(Priority::MAX, 2));
        assert!(scheduler.should_preempt(TOP - 1, 0));
        assert_eq!(drain(&mut scheduler), [1, 2, 3]);
    }

    #[test]
    fn enqueueing_twice_at_any_priority_keeps_the_first_place() {
        let mut scheduler = PriorityScheduler::new(1);
        scheduler.enqueue(1, 2);
        scheduler.enqueue(2, 2);
        scheduler.enqueue(1, 2);
        scheduler.enqueue(1, 7);
        assert_eq!(scheduler.queued(), 2);
        assert!(!scheduler.should_preempt(2, 0));
        assert_eq!(drain(&mut scheduler), [1, 2]);
    }

    #[test]
    fn remove_finds_a_thread_at_any_level() {
        let mut scheduler = PriorityScheduler::new(1);
        for (thread, priority) in [(5, 1), (6, 6), (7, 1), (8, 3)] {
            scheduler.enqueue(thread, priority);
        }
        assert!(scheduler.remove(6));
        assert!(scheduler.remove(5));
        assert!(!scheduler.remove(6));
        assert!(!scheduler.remove(9));
        // The only thread above priority 1 is now 8, at 3.
        assert!(scheduler.should_preempt(2, 0));
        assert!(!scheduler.should_preempt(3, 0));
        assert_eq!(drain(&mut scheduler), [8, 7]);
    }

    #[test]
    fn a_scheduler_can_live_in_a_static() {
        static SCHEDULER: PriorityScheduler = PriorityScheduler::new(10);
        assert_eq!(SCHEDULER.queued(), 0);
    }

    #[derive(Debug, Clone)]
    enum Operation {
        Enqueue(ThreadId, Priority),
        Pick,
        Remove(ThreadId),
        ShouldPreempt(Priority, u32),
    }

    /// Few distinct threads, so that double enqueues and removals of queued threads are common;
    /// now and then a number or a priority out of range.
    fn operation() -> impl Strategy<Value = Operation> {
        let thread = prop_oneof![19 => 0..24 as ThreadId, 1 => MAX_THREADS as ThreadId..=ThreadId::MAX];
        let priority =
            prop_oneof![9 => 0..PRIORITY_LEVELS as Priority, 1 => PRIORITY_LEVELS as Priority..=Priority::MAX];
        prop_oneof![
            4 => (thread.clone(), priority.clone()).prop_map(|(t, p)| Operation::Enqueue(t, p)),
            3 => Just(Operation::Pick),
            1 => thread.prop_map(Operation::Remove),
            3 => (priority, 0..12u32).prop_map(|(p, ticks)| Operation::ShouldPreempt(p, ticks)),
        ]
    }

    /// One FIFO per level, the obvious way.
    struct Model {
        levels: Vec<VecDeque<ThreadId>>,
    }

    impl Model {
        fn find(&self, thread: ThreadId) -> Option<(usize, usize)> {
            self.levels.iter().enumerate().find_map(|(level, queue)| {
                queue.iter().position(|&queued| queued == thread).map(|position| (level, position))
            })
        }

        fn highest_waiting(&self) -> Option<usize> {
            self.levels.iter().rposition(|queue| !queue.is_empty())
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn picks_and_preemptions_follow_priority_then_age(
            slice in 1..6u32,
            operations in proptest::collection::vec(operation(), 0..200),
        ) {
            let mut scheduler = PriorityScheduler::new(slice);
            let mut model = Model { levels: vec![VecDeque::new(); PRIORITY_LEVELS] };
            let clamp = |priority: Priority| usize::from(priority).min(PRIORITY_LEVELS - 1);
            for operation in operations {
                match operation {
                    Operation::Enqueue(thread, priority) => {
                        scheduler.enqueue(thread, priority);
                        if (thread as usize) < MAX_THREADS && model.find(thread).is_none() {
                            model.levels[clamp(priority)].push_back(thread);
                        }
                    }
                    Operation::Pick => {
                        let expected = model.highest_waiting().and_then(|level| model.levels[level].pop_front());
                        prop_assert_eq!(scheduler.pick_next(), expected);
                    }
                    Operation::Remove(thread) => {
                        let found = model.find(thread);
                        prop_assert_eq!(scheduler.remove(thread), found.is_some());
                        if let Some((level, position)) = found {
                            model.levels[level].remove(position);
                        }
                    }
                    Operation::ShouldPreempt(running_priority, ticks_run) => {
                        let running = clamp(running_priority);
                        let higher = model.levels[running + 1..].iter().any(|queue| !queue.is_empty());
                        let same = !model.levels[running].is_empty();
                        let expected = higher || (same && ticks_run >= slice);
                        prop_assert_eq!(scheduler.should_preempt(running_priority, ticks_run), expected);
                    }
                }
                prop_assert_eq!(scheduler.queued(), model.levels.iter().map(VecDeque::len).sum::<usize>());
            }
        }
    }
}
