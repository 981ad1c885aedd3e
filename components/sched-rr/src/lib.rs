//! A preemptive round-robin scheduler for Stardust's scheduler slot: every runnable thread gets
//! the CPU in turn, for at most one time slice.
//!
//! Threads wait in one first-in, first-out queue. A timer tick takes the CPU from the running
//! thread once it has run a whole slice, but only if another thread is waiting: a thread alone
//! keeps the CPU without pointless switches. So with `n` runnable threads, a thread that becomes
//! runnable runs within `(n - 1) × slice` ticks, give or take the tick in progress. Priorities are
//! accepted and ignored; apps that need them want `sched-prio`, apps that never need preemption
//! the smaller `sched-fifo`.
//!
//! Misuse the contract forbids (enqueueing a thread that is already queued, or a number not below
//! [`MAX_THREADS`](stardust_api::MAX_THREADS)) is ignored rather than fatal, as
//! [`ThreadQueue`] documents.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use stardust_api::{Priority, Scheduler, ThreadId, ThreadQueue};

/// The round-robin policy. `const`-constructible so it can sit in a `static`.
#[derive(Clone)]
pub struct RoundRobinScheduler {
    queue: ThreadQueue,
    time_slice_ticks: u32,
}

impl RoundRobinScheduler {
    /// A scheduler with no thread queued that lets a thread run `time_slice_ticks` timer ticks
    /// before another waiting thread takes its turn. A slice of 0 counts as 1: a thread always
    /// gets at least the tick it was picked in, and a wakeup alone never preempts.
    pub const fn new(time_slice_ticks: u32) -> Self {
        let time_slice_ticks = if time_slice_ticks == 0 { 1 } else { time_slice_ticks };
        RoundRobinScheduler { queue: ThreadQueue::new(), time_slice_ticks }
    }

    /// The time slice in timer ticks (at least 1).
    pub const fn time_slice_ticks(&self) -> u32 {
        self.time_slice_ticks
    }
}

impl Scheduler for RoundRobinScheduler {
    const PREEMPTIVE: bool = true;

    /// Queues `thread` behind every thread already queued; `priority` is ignored.
    fn enqueue(&mut self, thread: ThreadId, _priority: Priority) {
        self.queue.push_back(thread);
    }

    fn pick_next(&mut self) -> Option<ThreadId> {
        self.queue.pop_front()
    }

    /// True once the running thread has used its slice and another thread is waiting. Never
    /// right after a wakeup (`ticks_run == 0`): the woken thread waits for its turn.
    fn should_preempt(&mut self, _running_priority: Priority, ticks_run: u32) -> bool {
        !self.queue.is_empty() && ticks_run >= self.time_slice_ticks
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
    use stardust_api::DEFAULT_PRIORITY;

    use stardust_api::fakes::drain;

    #[test]
    fn keeps_the_scheduler_contract() {
        stardust_api::fakes::check_scheduler_contract(|| RoundRobinScheduler::new(1));
    }

    #[test]
    fn threads_run_in_enqueue_order_whatever_their_priority() {
        let mut scheduler = RoundRobinScheduler::new(5);
        for (thread, priority) in [(3, 0), (1, 7), (2, 4), (0, 200)] {
            scheduler.enqueue(thread, priority);
        }
        assert_eq!(scheduler.queued(), 4);
        assert_eq!(drain(&mut scheduler), [3, 1, 2, 0]);
    }

    #[test]
    fn preempts_when_the_slice_is_used_and_someone_waits() {
        const { assert!(RoundRobinScheduler::PREEMPTIVE) };
        let mut scheduler = RoundRobinScheduler::new(3);
        scheduler.enqueue(1, DEFAULT_PRIORITY);
        assert!(!scheduler.should_preempt(DEFAULT_PRIORITY, 2));
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, 3));
        assert!(scheduler.should_preempt(DEFAULT_PRIORITY, u32::MAX));
    }

    #[test]
    fn priority_does_not_change_the_slice() {
        let mut scheduler = RoundRobinScheduler::new(3);
        scheduler.enqueue(1, 7);
        assert!(!scheduler.should_preempt(0, 2));
        assert!(scheduler.should_preempt(7, 3));
    }

    #[test]
    fn a_wakeup_alone_never_preempts() {
        for slice in [0, 1, 10] {
            let mut scheduler = RoundRobinScheduler::new(slice);
            scheduler.enqueue(1, 7);
            assert!(!scheduler.should_preempt(0, 0), "slice {slice}");
        }
    }

    #[test]
    fn a_zero_slice_counts_as_one_tick() {
        assert_eq!(RoundRobinScheduler::new(0).time_slice_ticks(), 1);
        assert_eq!(RoundRobinScheduler::new(7).time_slice_ticks(), 7);
        let mut scheduler = RoundRobinScheduler::new(0);
        scheduler.enqueue(1, 0);
        assert!(scheduler.should_preempt(0, 1));
    }

    #[test]
    fn a_scheduler_can_live_in_a_static() {
        static SCHEDULER: RoundRobinScheduler = RoundRobinScheduler::new(10);
        assert_eq!(SCHEDULER.queued(), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// The runtime's side, simulated: `threads` threads that never block, a tick loop that
        /// asks `should_preempt` each tick and, when told to, queues the running thread and picks
        /// the next. Every thread must get the CPU within `(threads - 1) × slice + 1` ticks of
        /// being queued, and a thread must never be preempted with nobody waiting.
        #[test]
        fn every_thread_gets_its_turn_in_time(
            threads in 1..20usize,
            slice in 1..10u32,
            priorities in proptest::collection::vec(0..8 as Priority, 20),
        ) {
            let mut scheduler = RoundRobinScheduler::new(slice);
            let mut queued_since = vec![None; threads];
            for thread in 0..threads {
                scheduler.enqueue(thread as ThreadId, priorities[thread]);
                queued_since[thread] = Some(0u64);
            }
            let bound = (threads as u64 - 1) * u64::from(slice) + 1;
            let Some(mut running) = scheduler.pick_next() else {
                return Err(TestCaseError::fail("nothing to run"));
            };
            queued_since[running as usize] = None;
            prop_assert!(!scheduler.should_preempt(priorities[running as usize], 0));
            let mut ticks_run = 0;
            let mut switches = 0u64;
            let total_ticks = 3 * threads as u64 * u64::from(slice) + 5;
            for tick in 1..=total_ticks {
                ticks_run += 1;
                let waiting = scheduler.queued();
                let preempt = scheduler.should_preempt(priorities[running as usize], ticks_run);
                prop_assert!(!(preempt && waiting == 0), "preempted with nobody waiting");
                prop_assert_eq!(preempt, ticks_run >= slice && waiting > 0);
                if preempt {
                    scheduler.enqueue(running, priorities[running as usize]);
                    queued_since[running as usize] = Some(tick);
                    let Some(next) = scheduler.pick_next() else {
                        return Err(TestCaseError::fail("queue emptied by a preemption"));
                    };
                    let Some(since) = queued_since[next as usize].take() else {
                        return Err(TestCaseError::fail(format!("picked thread {next}, which was not queued")));
                    };
                    prop_assert!(tick - since <= bound, "thread {} waited {} ticks", next, tick - since);
                    running = next;
                    ticks_run = 0;
                    switches += 1;
                    prop_assert!(!scheduler.should_preempt(priorities[running as usize], 0));
                }
                // Threads still waiting must not already be overdue either.
                for (thread, since) in queued_since.iter().enumerate() {
                    if let Some(since) = since {
                        prop_assert!(tick - since <= bound, "thread {} waits since tick {}", thread, since);
                    }
                }
            }
            prop_assert_eq!(scheduler.queued(), threads - 1);
            if threads > 1 {
                prop_assert!(switches >= 2 * threads as u64, "only {} switches", switches);
            } else {
                prop_assert_eq!(switches, 0);
            }
        }
    }
}
