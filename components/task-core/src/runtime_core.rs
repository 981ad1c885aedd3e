//! The state machine: the thread table, each CPU's current and idle thread, and every
//! transition between thread states.

use crate::decision::{CpuSet, IdleDecision, Outcome, Switch};
use crate::machine::Machine;
use crate::wait_list::WaitList;
use alloc::vec::Vec;
use stardust_api::{MAX_THREADS, Priority, Scheduler, ThreadId};

/// The most CPUs the core schedules on (one bit each in a `u32`).
pub const MAX_CPUS: usize = 16;
const _: () = assert!(MAX_CPUS <= u32::BITS as usize);

/// The thread that runs the app's `main` on the boot CPU (the code that calls
/// [`RuntimeCore::start`]).
pub const MAIN_THREAD: ThreadId = 0;
/// The boot CPU's idle thread.
pub const BOOT_IDLE_THREAD: ThreadId = 1;

/// Where a thread is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Its number is reserved by [`RuntimeCore::reserve`]; it becomes ready with
    /// [`RuntimeCore::admit`] once the machine side has made its stack.
    Starting,
    /// Some CPU's current thread.
    Running,
    /// In the scheduler's run queue.
    Ready,
    /// In one wait queue, until a wake-up.
    Blocked,
    /// Until a tick at or after time `until`.
    Sleeping {
        /// The deadline, in the caller's clock (the TSC in the kernel).
        until: u64,
    },
    /// Ended; its number and stack are freed by [`RuntimeCore::reap`].
    Dead,
    /// A CPU's idle thread: never queued, never ends.
    Idle,
}

struct Slot<P> {
    priority: Priority,
    state: State,
    ticks_run: u32,
    next_waiter: Option<ThreadId>,
    /// Sleeping in [`RuntimeCore::park`]: an unpark ends the sleep early.
    parked: bool,
    /// An unpark came while the thread was not parked: its next park returns at once.
    token: bool,
    payload: P,
}

impl<P> Slot<P> {
    fn new(priority: Priority, state: State, payload: P) -> Slot<P> {
        Slot { priority, state, ticks_run: 0, next_waiter: None, parked: false, token: false, payload }
    }
}

/// The thread runtime's state over scheduler `S`, with a payload `P` per thread that the core
/// only keeps (the machine side's stack, name and entry closure).
///
/// Every method that takes a `cpu` acts for the thread that CPU runs; `cpu` MUST be below
/// [`MAX_CPUS`] (it is the machine's own CPU index, not outside input).
pub struct RuntimeCore<S, P> {
    scheduler: S,
    /// One entry per possible thread, allocated by `start` (a table of empty slots is not all
    /// zero bytes, so as a static it would cost its full size in the image).
    slots: Vec<Option<Slot<P>>>,
    /// The thread each CPU runs.
    current: [ThreadId; MAX_CPUS],
    /// Each CPU's idle thread, which runs when nothing else can.
    idle: [Option<ThreadId>; MAX_CPUS],
    /// CPUs halted in their idle thread (bit per CPU).
    idle_cpus: u32,
    /// CPUs taking part in scheduling.
    cpus: usize,
    /// The same, as a bit per CPU index.
    online: u32,
    /// Threads in `State::Sleeping`, so that a tick with none looks at nothing.
    sleepers: usize,
    /// Threads in `State::Dead`, so that reaping with none looks at nothing (nearly always).
    dead: usize,
}

impl<S: Scheduler, P> RuntimeCore<S, P> {
    /// A core with no threads yet, scheduling with `scheduler`. `const`, so that it can sit in a
    /// `static`.
    pub const fn new(scheduler: S) -> Self {
        RuntimeCore {
            scheduler,
            slots: Vec::new(),
            current: [MAIN_THREAD; MAX_CPUS],
            idle: [None; MAX_CPUS],
            idle_cpus: 0,
            cpus: 1,
            online: 1,
            sleepers: 0,
            dead: 0,
        }
    }

    /// Makes the calling code [`MAIN_THREAD`], running on CPU 0 at `main_priority`, and gives
    /// CPU 0 its idle thread [`BOOT_IDLE_THREAD`]. Allocates the thread table.
    pub fn start(&mut self, main_priority: Priority, main: P, idle: P) {
        self.slots = (0..MAX_THREADS).map(|_| None).collect();
        self.slots[MAIN_THREAD as usize] = Some(Slot::new(main_priority, State::Running, main));
        self.slots[BOOT_IDLE_THREAD as usize] = Some(Slot::new(0, State::Idle, idle));
        self.current[0] = MAIN_THREAD;
        self.idle[0] = Some(BOOT_IDLE_THREAD);
    }

    /// Makes CPU `cpu` take part, running a new idle thread (whose number is returned) with
    /// `payload`; `None` if the thread table is full or `cpu` already takes part.
    pub fn add_cpu(&mut self, cpu: usize, payload: P) -> Option<ThreadId> {
        if self.online & (1 << cpu) != 0 {
            return None;
        }
        let thread = self.free_slot()?;
        self.slots[thread as usize] = Some(Slot::new(0, State::Idle, payload));
        self.idle[cpu] = Some(thread);
        self.current[cpu] = thread;
        self.cpus += 1;
        self.online |= 1 << cpu;
        Some(thread)
    }

    /// How many CPUs take part.
    pub fn cpus(&self) -> usize {
        self.cpus
    }

    /// The thread CPU `cpu` runs (or is switching to).
    pub fn current(&self, cpu: usize) -> ThreadId {
        self.current[cpu]
    }

    /// CPU `cpu`'s idle thread, if it takes part.
    pub fn idle_thread(&self, cpu: usize) -> Option<ThreadId> {
        self.idle[cpu]
    }

    /// A thread's state; `None` if the number is free.
    pub fn state(&self, thread: ThreadId) -> Option<State> {
        self.slot(thread).map(|slot| slot.state)
    }

    /// A thread's payload; `None` if the number is free.
    pub fn payload(&self, thread: ThreadId) -> Option<&P> {
        self.slot(thread).map(|slot| &slot.payload)
    }

    /// A thread's payload, to change; `None` if the number is free.
    pub fn payload_mut(&mut self, thread: ThreadId) -> Option<&mut P> {
        self.slot_mut(thread).map(|slot| &mut slot.payload)
    }

    /// The CPUs that found nothing to run in their idle loop and halt (or are about to), and
    /// that no wake-up has been sent to since.
    pub fn idle_cpus(&self) -> CpuSet {
        CpuSet(self.idle_cpus)
    }

    /// How many threads sleep.
    pub fn sleepers(&self) -> usize {
        self.sleepers
    }

    /// The scheduler, to look at.
    pub fn scheduler(&self) -> &S {
        &self.scheduler
    }

    /// The thread after `thread` in its wait queue.
    pub fn next_waiter(&self, thread: ThreadId) -> Option<ThreadId> {
        self.slot(thread).and_then(|slot| slot.next_waiter)
    }

    fn slot(&self, thread: ThreadId) -> Option<&Slot<P>> {
        self.slots.get(thread as usize).and_then(Option::as_ref)
    }

    fn slot_mut(&mut self, thread: ThreadId) -> Option<&mut Slot<P>> {
        self.slots.get_mut(thread as usize).and_then(Option::as_mut)
    }

    fn free_slot(&self) -> Option<ThreadId> {
        self.slots.iter().position(Option::is_none).map(|index| index as ThreadId)
    }

    /// First step of creating a thread: reserves a number for a thread of `priority` holding
    /// `payload`, in [`State::Starting`]. `None` if [`MAX_THREADS`] threads exist.
    pub fn reserve(&mut self, priority: Priority, payload: P) -> Option<ThreadId> {
        let thread = self.free_slot()?;
        self.slots[thread as usize] = Some(Slot::new(priority, State::Starting, payload));
        Some(thread)
    }

    /// Gives a reserved number back (the machine side could not make the thread); returns its
    /// payload. Nothing happens, and `None` comes back, for a thread that is not starting.
    pub fn cancel(&mut self, thread: ThreadId) -> Option<P> {
        if self.state(thread) != Some(State::Starting) {
            return None;
        }
        self.slots.get_mut(thread as usize)?.take().map(|slot| slot.payload)
    }

    /// Last step of creating a thread: the reserved `thread` becomes ready. CPU `cpu`'s thread
    /// gives way to it if the scheduler says so.
    pub fn admit(&mut self, thread: ThreadId, cpu: usize) -> Outcome {
        let mut outcome = Outcome::default();
        if self.state(thread) == Some(State::Starting) {
            self.make_ready(thread, cpu, &mut outcome.wake_cpus);
            outcome.switch = self.preempt_if_needed(cpu, &mut outcome.wake_cpus);
        }
        outcome
    }

    /// CPU `cpu`'s thread gives the CPU to another runnable thread, if any.
    pub fn yield_now(&mut self, cpu: usize) -> Outcome {
        let mut outcome = Outcome::default();
        self.make_ready(self.current[cpu], cpu, &mut outcome.wake_cpus);
        outcome.switch = self.reschedule(cpu);
        outcome
    }

    /// CPU `cpu`'s thread sleeps until a tick at or after `until`.
    pub fn sleep(&mut self, cpu: usize, until: u64) -> Outcome {
        let current = self.current[cpu];
        if let Some(slot) = self.slot_mut(current) {
            slot.state = State::Sleeping { until };
            self.sleepers += 1;
        }
        Outcome { wake_cpus: CpuSet::EMPTY, switch: self.reschedule(cpu) }
    }

    /// CPU `cpu`'s thread parks until a tick at or after `until`, or until
    /// [`unpark`](Self::unpark) (`std::thread::park_timeout`'s contract, with a deadline). If an
    /// unpark came since its last park (the token is set), the token is spent and the thread
    /// keeps running (no switch). A parked thread is a sleeper: it counts in
    /// [`sleepers`](Self::sleepers) and [`next_deadline`](Self::next_deadline). Whoever parks
    /// MUST look again at what it waits for when this returns: an unpark may be for something
    /// already seen.
    pub fn park(&mut self, cpu: usize, until: u64) -> Outcome {
        let current = self.current[cpu];
        let Some(slot) = self.slot_mut(current) else { return Outcome::default() };
        if core::mem::take(&mut slot.token) {
            return Outcome::default();
        }
        slot.parked = true;
        self.sleep(cpu, until)
    }

    /// Ends `thread`'s park early: a parked thread becomes ready (CPU `cpu`'s thread gives way to
    /// it if the scheduler says so); any other live thread keeps a token, so that its next park
    /// returns at once. A thread in a plain [`sleep`](Self::sleep) sleeps on (it keeps the
    /// token). Nothing happens for a free number. For waking a thread from an interrupt handler:
    /// unlike a wait queue, nothing is lost if the thread has not parked yet.
    pub fn unpark(&mut self, thread: ThreadId, cpu: usize) -> Outcome {
        let mut outcome = Outcome::default();
        let Some(slot) = self.slot_mut(thread) else { return outcome };
        if slot.parked && matches!(slot.state, State::Sleeping { .. }) {
            self.sleepers -= 1;
            self.make_ready(thread, cpu, &mut outcome.wake_cpus);
            outcome.switch = self.preempt_if_needed(cpu, &mut outcome.wake_cpus);
        } else if !matches!(slot.state, State::Dead | State::Idle) {
            slot.token = true;
        }
        outcome
    }

    /// CPU `cpu`'s thread has ended: it never runs again, and its number and stack are freed by
    /// [`reap`](Self::reap) once its CPU has left it.
    pub fn exit(&mut self, cpu: usize) -> Outcome {
        let current = self.current[cpu];
        if let Some(slot) = self.slot_mut(current) {
            slot.state = State::Dead;
            self.dead += 1;
        }
        Outcome { wake_cpus: CpuSet::EMPTY, switch: self.reschedule(cpu) }
    }

    /// Queues CPU `cpu`'s thread at the back of `list`, still running: the first step of
    /// waiting. The caller then checks its condition and either calls
    /// [`withdraw_waiter`](Self::withdraw_waiter) (it no longer holds) or
    /// [`block`](Self::block) and [`reschedule`](Self::reschedule).
    pub fn enqueue_waiter(&mut self, list: &mut WaitList, cpu: usize) {
        let thread = self.current[cpu];
        if let Some(slot) = self.slot_mut(thread) {
            slot.next_waiter = None;
        }
        list.ends = match list.ends {
            None => Some((thread, thread)),
            Some((head, tail)) => {
                if let Some(slot) = self.slot_mut(tail) {
                    slot.next_waiter = Some(thread);
                }
                Some((head, thread))
            }
        };
    }

    /// Takes CPU `cpu`'s thread, the newest waiter, back out of `list` (its condition no longer
    /// held). False if it was not the newest waiter (then nothing changes).
    pub fn withdraw_waiter(&mut self, list: &mut WaitList, cpu: usize) -> bool {
        let thread = self.current[cpu];
        let Some((head, tail)) = list.ends else { return false };
        if tail != thread {
            return false;
        }
        if head == thread {
            list.ends = None;
            return true;
        }
        let mut previous = head;
        while let Some(next) = self.next_waiter(previous) {
            if next == thread {
                if let Some(slot) = self.slot_mut(previous) {
                    slot.next_waiter = None;
                }
                list.ends = Some((head, previous));
                return true;
            }
            previous = next;
        }
        false
    }

    /// CPU `cpu`'s thread, queued on a wait list, stops being runnable. It keeps the CPU until
    /// [`reschedule`](Self::reschedule), so that the caller can first release what the waker
    /// needs (a wake-up in between makes it ready again, and `reschedule` may keep it).
    pub fn block(&mut self, cpu: usize) {
        let current = self.current[cpu];
        if let Some(slot) = self.slot_mut(current) {
            slot.state = State::Blocked;
        }
    }

    /// Wakes the oldest waiter of `list`, if any (returned); CPU `cpu`'s thread gives way to it
    /// if the scheduler says so.
    pub fn wake_one(&mut self, list: &mut WaitList, cpu: usize) -> (Option<ThreadId>, Outcome) {
        let mut outcome = Outcome::default();
        let woken = self.dequeue_waiter(list);
        if let Some(thread) = woken {
            self.make_ready(thread, cpu, &mut outcome.wake_cpus);
            outcome.switch = self.preempt_if_needed(cpu, &mut outcome.wake_cpus);
        }
        (woken, outcome)
    }

    /// Wakes every waiter of `list` (returns how many); CPU `cpu`'s thread gives way to one if
    /// the scheduler says so.
    pub fn wake_all(&mut self, list: &mut WaitList, cpu: usize) -> (usize, Outcome) {
        let mut outcome = Outcome::default();
        let mut woken = 0;
        while let Some(thread) = self.dequeue_waiter(list) {
            self.make_ready(thread, cpu, &mut outcome.wake_cpus);
            woken += 1;
        }
        if woken > 0 {
            outcome.switch = self.preempt_if_needed(cpu, &mut outcome.wake_cpus);
        }
        (woken, outcome)
    }

    fn dequeue_waiter(&mut self, list: &mut WaitList) -> Option<ThreadId> {
        let (head, tail) = list.ends?;
        let next = self.slot_mut(head).and_then(|slot| slot.next_waiter.take());
        list.ends = match next {
            Some(next) if head != tail => Some((next, tail)),
            _ => None,
        };
        Some(head)
    }

    /// The timer's tick on CPU `cpu` at time `now`: wakes every sleeper whose deadline is at or
    /// before `now` (never one whose deadline is later, however many ticks come), counts the
    /// tick against the running thread's slice, and takes the CPU from it if the scheduler says
    /// so.
    pub fn tick(&mut self, cpu: usize, now: u64) -> Outcome {
        let mut outcome = Outcome::default();
        if self.sleepers > 0 {
            for thread in 0..self.slots.len() as ThreadId {
                if matches!(self.state(thread), Some(State::Sleeping { until }) if until <= now) {
                    self.sleepers -= 1;
                    self.make_ready(thread, cpu, &mut outcome.wake_cpus);
                }
            }
        }
        let current = self.current[cpu];
        let Some(slot) = self.slot_mut(current) else { return outcome };
        if slot.state != State::Running {
            return outcome; // the idle thread: it picks the next thread itself
        }
        slot.ticks_run = slot.ticks_run.saturating_add(1);
        let (priority, ticks_run) = (slot.priority, slot.ticks_run);
        if self.scheduler.should_preempt(priority, ticks_run) {
            self.make_ready(current, cpu, &mut outcome.wake_cpus);
            outcome.switch = self.reschedule(cpu);
        }
        outcome
    }

    /// What CPU `cpu`'s idle thread does next: run a queued thread, halt, or report that no
    /// thread can ever run again (every CPU idle, none queued, none sleeping).
    pub fn idle(&mut self, cpu: usize) -> IdleDecision {
        if let Some(next) = self.scheduler.pick_next() {
            self.idle_cpus &= !(1 << cpu);
            let from = self.current[cpu];
            if let Some(slot) = self.slot_mut(next) {
                slot.state = State::Running;
                slot.ticks_run = 0;
            }
            self.current[cpu] = next;
            return IdleDecision::Run(Switch { from, to: next });
        }
        self.idle_cpus |= 1 << cpu;
        if self.sleepers == 0 && self.idle_cpus & self.online == self.online {
            return IdleDecision::Deadlock;
        }
        IdleDecision::Halt { wake_at: self.next_deadline() }
    }

    /// The earliest deadline of a sleeping thread; `None` if none sleeps.
    pub fn next_deadline(&self) -> Option<u64> {
        if self.sleepers == 0 {
            return None;
        }
        self.slots
            .iter()
            .flatten()
            .filter_map(|slot| match slot.state {
                State::Sleeping { until } => Some(until),
                _ => None,
            })
            .min()
    }

    /// Frees the number of one ended thread that no CPU runs any more (as `machine` confirms),
    /// and returns it with its payload for the caller to free or reuse its stack; `None` if there
    /// is none. Call until `None`. The number may be given to a new thread as soon as this
    /// returns, so whatever ties the payload to the number (the stack's saved context) MUST be
    /// undone before the caller releases the core's lock.
    pub fn reap(&mut self, machine: &impl Machine) -> Option<(ThreadId, P)> {
        if self.dead == 0 {
            return None;
        }
        let dead = (0..self.slots.len() as ThreadId).find(|&thread| {
            self.state(thread) == Some(State::Dead) && !self.current.contains(&thread) && machine.is_suspended(thread)
        })?;
        self.dead -= 1;
        let slot = self.slots[dead as usize].take()?;
        Some((dead, slot.payload))
    }

    /// Takes the CPU from its thread (already marked ready, blocked, sleeping or dead) for the
    /// next queued thread, or the CPU's idle thread. `None` if the CPU keeps its thread (picked
    /// again: it was woken meanwhile, or it yielded with nobody else queued).
    pub fn reschedule(&mut self, cpu: usize) -> Option<Switch> {
        let current = self.current[cpu];
        let next = match self.scheduler.pick_next() {
            Some(next) => next,
            None => self.idle[cpu]?,
        };
        if let Some(slot) = self.slot_mut(next)
            && slot.state != State::Idle
        {
            slot.state = State::Running;
            slot.ticks_run = 0;
        }
        if next == current {
            return None;
        }
        self.current[cpu] = next;
        Some(Switch { from: current, to: next })
    }

    /// Moves a thread to Ready, queues it, and marks a halted CPU other than `cpu` to be woken to
    /// run it.
    fn make_ready(&mut self, thread: ThreadId, cpu: usize, wake_cpus: &mut CpuSet) {
        let Some(slot) = self.slot_mut(thread) else { return };
        slot.state = State::Ready;
        slot.parked = false;
        let priority = slot.priority;
        self.scheduler.enqueue(thread, priority);
        let others = self.idle_cpus & !(1 << cpu);
        if others != 0 {
            let other = others.trailing_zeros() as usize;
            self.idle_cpus &= !(1 << other);
            wake_cpus.0 |= 1 << other;
        }
    }

    /// After waking threads: CPU `cpu`'s thread gives way if the scheduler says so. Not while it
    /// is on its way to block (it is no longer `Running`).
    fn preempt_if_needed(&mut self, cpu: usize, wake_cpus: &mut CpuSet) -> Option<Switch> {
        let current = self.current[cpu];
        let slot = self.slot(current)?;
        if slot.state != State::Running {
            return None;
        }
        let priority = slot.priority;
        if self.scheduler.should_preempt(priority, 0) {
            self.make_ready(current, cpu, wake_cpus);
            return self.reschedule(cpu);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::Machine;
    use stardust_api::{DEFAULT_PRIORITY, ThreadQueue};

    /// First in, first out; preempts on every tick while another thread waits.
    #[derive(Default)]
    struct Fifo(ThreadQueue);

    impl Scheduler for Fifo {
        const PREEMPTIVE: bool = true;
        fn enqueue(&mut self, thread: ThreadId, _priority: Priority) {
            assert!(self.0.push_back(thread), "thread {thread} queued twice");
        }
        fn pick_next(&mut self) -> Option<ThreadId> {
            self.0.pop_front()
        }
        fn should_preempt(&mut self, _running_priority: Priority, ticks_run: u32) -> bool {
            ticks_run > 0 && !self.0.is_empty()
        }
        fn remove(&mut self, thread: ThreadId) -> bool {
            self.0.remove(thread)
        }
        fn queued(&self) -> usize {
            self.0.len()
        }
    }

    struct Suspended(bool);

    impl Machine for Suspended {
        fn is_suspended(&self, _thread: ThreadId) -> bool {
            self.0
        }
    }

    fn started() -> RuntimeCore<Fifo, &'static str> {
        let mut core = RuntimeCore::new(Fifo::default());
        core.start(DEFAULT_PRIORITY, "main", "idle");
        core
    }

    fn spawn(core: &mut RuntimeCore<Fifo, &'static str>, name: &'static str) -> ThreadId {
        let thread = core.reserve(DEFAULT_PRIORITY, name).expect("a free number");
        assert_eq!(core.admit(thread, 0), Outcome::default());
        thread
    }

    #[test]
    fn start_makes_main_run_on_the_boot_cpu_beside_its_idle_thread() {
        let core = started();
        assert_eq!((core.current(0), core.state(MAIN_THREAD)), (MAIN_THREAD, Some(State::Running)));
        assert_eq!(core.idle_thread(0), Some(BOOT_IDLE_THREAD));
        assert_eq!(core.state(BOOT_IDLE_THREAD), Some(State::Idle));
        assert_eq!((core.cpus(), core.payload(MAIN_THREAD)), (1, Some(&"main")));
    }

    #[test]
    fn a_thread_is_reserved_then_admitted_or_cancelled() {
        let mut core = started();
        let thread = core.reserve(DEFAULT_PRIORITY, "worker").expect("a free number");
        assert_eq!(core.state(thread), Some(State::Starting));
        assert_eq!(core.cancel(thread), Some("worker"));
        assert_eq!(core.state(thread), None);
        assert_eq!(core.admit(thread, 0), Outcome::default(), "a free number is not admitted");
        let thread = spawn(&mut core, "worker");
        assert_eq!((core.state(thread), core.scheduler().queued()), (Some(State::Ready), 1));
        assert_eq!(core.cancel(thread), None, "a ready thread is not cancelled");
    }

    #[test]
    fn numbers_run_out_at_max_threads_and_come_back_when_reaped() {
        let mut core = started();
        let mut last = 0;
        while let Some(thread) = core.reserve(DEFAULT_PRIORITY, "worker") {
            last = thread;
        }
        assert_eq!(last as usize, MAX_THREADS - 1);
        assert_eq!(core.cancel(7), Some("worker"));
        assert_eq!(core.reserve(DEFAULT_PRIORITY, "again"), Some(7));
    }

    #[test]
    fn yield_switches_to_the_next_queued_thread_and_back() {
        let mut core = started();
        assert_eq!(core.yield_now(0).switch, None, "alone, main keeps the CPU");
        let worker = spawn(&mut core, "worker");
        assert_eq!(core.yield_now(0).switch, Some(Switch { from: MAIN_THREAD, to: worker }));
        assert_eq!((core.state(MAIN_THREAD), core.state(worker)), (Some(State::Ready), Some(State::Running)));
        assert_eq!(core.yield_now(0).switch, Some(Switch { from: worker, to: MAIN_THREAD }));
    }

    #[test]
    fn a_tick_preempts_only_a_running_thread_with_someone_waiting() {
        let mut core = started();
        assert_eq!(core.tick(0, 1), Outcome::default());
        let worker = spawn(&mut core, "worker");
        assert_eq!(core.tick(0, 2).switch, Some(Switch { from: MAIN_THREAD, to: worker }));
        // The idle thread is never preempted by a tick; it picks work itself.
        let _ = core.sleep(0, 100);
        let _ = core.exit(0);
        assert_eq!(core.current(0), BOOT_IDLE_THREAD);
        assert_eq!(core.tick(0, 3), Outcome::default());
    }

    #[test]
    fn sleepers_wake_at_their_deadline_in_any_order() {
        let mut core = started();
        let worker = spawn(&mut core, "worker");
        assert_eq!(core.sleep(0, 30).switch, Some(Switch { from: MAIN_THREAD, to: worker }));
        assert_eq!(core.sleep(0, 20).switch, Some(Switch { from: worker, to: BOOT_IDLE_THREAD }));
        assert_eq!(core.sleepers(), 2);
        let _ = core.tick(0, 19);
        assert_eq!(core.sleepers(), 2);
        let _ = core.tick(0, 25);
        assert_eq!(
            (core.state(worker), core.state(MAIN_THREAD)),
            (Some(State::Ready), Some(State::Sleeping { until: 30 }))
        );
        let _ = core.tick(0, 30);
        assert_eq!((core.sleepers(), core.scheduler().queued()), (0, 2));
    }

    #[test]
    fn a_halting_cpu_is_told_the_earliest_sleepers_deadline() {
        let mut core = started();
        let worker = spawn(&mut core, "worker");
        assert_eq!(core.next_deadline(), None);
        let _ = core.sleep(0, 30);
        let _ = core.sleep(0, 20);
        assert_eq!(core.next_deadline(), Some(20));
        assert_eq!(core.idle(0), IdleDecision::Halt { wake_at: Some(20) });
        let _ = core.tick(0, 20);
        assert_eq!(core.idle(0), IdleDecision::Run(Switch { from: BOOT_IDLE_THREAD, to: worker }));
        let _ = core.exit(0);
        assert_eq!(core.idle(0), IdleDecision::Halt { wake_at: Some(30) }, "the later sleeper is left");
        let _ = core.tick(0, 30);
        assert_eq!(core.next_deadline(), None);
    }

    #[test]
    fn waiters_leave_in_arrival_order_and_withdraw_only_as_the_newest() {
        let mut core = started();
        let mut list = WaitList::new();
        let workers = [spawn(&mut core, "a"), spawn(&mut core, "b")];
        core.enqueue_waiter(&mut list, 0);
        core.block(0);
        assert_eq!(core.reschedule(0), Some(Switch { from: MAIN_THREAD, to: workers[0] }));
        core.enqueue_waiter(&mut list, 0);
        core.block(0);
        assert_eq!(core.reschedule(0), Some(Switch { from: workers[0], to: workers[1] }));
        core.enqueue_waiter(&mut list, 0);
        assert_eq!(list.first(), Some(MAIN_THREAD));
        // workers[1]'s condition no longer holds: it leaves the list's tail.
        assert!(core.withdraw_waiter(&mut list, 0));
        assert!(!core.withdraw_waiter(&mut list, 0), "not on the list any more");
        assert_eq!(core.wake_one(&mut list, 0).0, Some(MAIN_THREAD));
        assert_eq!(core.wake_all(&mut list, 0).0, 1);
        assert!(list.is_empty());
        assert_eq!(core.wake_one(&mut list, 0), (None, Outcome::default()));
        assert_eq!(core.scheduler().queued(), 2);
    }

    #[test]
    fn a_wake_up_goes_to_the_lowest_halted_cpu_other_than_the_caller() {
        let mut core = started();
        for cpu in 1..4 {
            assert!(core.add_cpu(cpu, "idle").is_some());
        }
        assert_eq!(core.add_cpu(2, "idle"), None, "CPU 2 takes part already");
        assert_eq!(core.cpus(), 4);
        for cpu in [3, 1, 2] {
            assert_eq!(core.idle(cpu), IdleDecision::Halt { wake_at: None });
        }
        let first = core.reserve(DEFAULT_PRIORITY, "first").expect("a number");
        let outcome = core.admit(first, 0);
        assert_eq!(outcome.wake_cpus.iter().collect::<Vec<_>>(), [1]);
        let second = core.reserve(DEFAULT_PRIORITY, "second").expect("a number");
        assert_eq!(core.admit(second, 0).wake_cpus.iter().collect::<Vec<_>>(), [2]);
        assert_eq!(core.idle_cpus().iter().collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn an_ended_thread_is_reaped_once_off_every_cpu() {
        let mut core = started();
        let worker = spawn(&mut core, "worker");
        let _ = core.yield_now(0);
        assert_eq!(core.reap(&Suspended(true)), None, "nobody has ended");
        assert_eq!(core.exit(0).switch, Some(Switch { from: worker, to: MAIN_THREAD }));
        assert_eq!(core.reap(&Suspended(false)), None, "its CPU is still saving it");
        assert_eq!(core.reap(&Suspended(true)), Some((worker, "worker")));
        assert_eq!((core.state(worker), core.reap(&Suspended(true))), (None, None));
    }

    #[test]
    fn cpu_sets_hold_each_cpu_once_and_list_them_in_order() {
        let mut set = CpuSet::EMPTY;
        assert!(set.is_empty());
        for cpu in [5, 0, 15, 5, MAX_CPUS, 99] {
            set.insert(cpu);
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 5, 15]);
        assert!(set.contains(15) && !set.contains(MAX_CPUS) && !set.contains(1));
    }
}
