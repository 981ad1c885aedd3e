//! A simulated machine around the core: CPUs that switch threads in steps, as the hal does (save
//! the thread left, wait for the thread entered to be saved, load it), a test scheduler, and a
//! reference model of what every thread should be doing. Every step checks the core against the
//! model and the machine; a broken invariant panics with the step's history.
//!
//! Shared by the model tests (random sequences) and the regression tests (the races found in the
//! VM, replayed step by step).

#![allow(dead_code)] // each test binary uses a different part

use stardust_api::{MAX_THREADS, Priority, Scheduler, ThreadId, ThreadQueue};
use stardust_task_core::{IdleDecision, Machine, Outcome, RuntimeCore, State, Switch, WaitList};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

/// Wait queues the simulated threads share (besides one join queue per thread number).
pub const QUEUES: usize = 3;
const PRIORITY: Priority = 4;

/// A round-robin scheduler with knobs for the three shapes of the real policies: a slice of
/// `slice` ticks (0: cooperative), and whether a wake-up alone preempts the running thread (as a
/// higher priority does under `sched-prio`). It records any broken promise of the runtime.
#[derive(Clone)]
pub struct TestScheduler {
    queue: ThreadQueue,
    slice: u32,
    preempt_on_wake: bool,
    /// Set if the runtime enqueued a thread that was queued already, or an impossible number.
    pub enqueued_twice: bool,
}

impl TestScheduler {
    pub fn new(slice: u32, preempt_on_wake: bool) -> Self {
        TestScheduler { queue: ThreadQueue::new(), slice, preempt_on_wake, enqueued_twice: false }
    }

    pub fn contains(&self, thread: ThreadId) -> bool {
        self.queue.contains(thread)
    }
}

impl Scheduler for TestScheduler {
    const PREEMPTIVE: bool = true;

    fn enqueue(&mut self, thread: ThreadId, _priority: Priority) {
        if !self.queue.push_back(thread) {
            self.enqueued_twice = true;
        }
    }

    fn pick_next(&mut self) -> Option<ThreadId> {
        self.queue.pop_front()
    }

    fn should_preempt(&mut self, _running_priority: Priority, ticks_run: u32) -> bool {
        if self.queue.is_empty() {
            return false;
        }
        if ticks_run == 0 {
            return self.preempt_on_wake;
        }
        self.slice > 0 && ticks_run >= self.slice
    }

    fn remove(&mut self, thread: ThreadId) -> bool {
        self.queue.remove(thread)
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }
}

/// What the core keeps for each thread: which incarnation of its number it is, so that a reaped
/// payload can be matched with the thread that ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    pub generation: u64,
}

/// How a simulated CPU switches threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// The hal's: save (publish) the thread left, then wait for the thread entered.
    SaveThenWait,
    /// The order before the fix: wait for the thread entered, then save the thread left.
    WaitThenSave,
}

/// What a simulated CPU is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cpu {
    /// Running `thread` (a thread's code, or the idle loop).
    Executing(ThreadId),
    /// `thread` is queued on a wait list and marked blocked; the lock is released while it lets
    /// go of what its waker needs (`before_block`); `reschedule` comes next.
    Blocking(ThreadId),
    /// In the register switch, interrupts off.
    Switching { from: ThreadId, to: ThreadId, from_saved: bool },
}

/// Where the reference model says a thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Running or in the run queue.
    Runnable,
    /// On wait list `list` (see [`Simulation::list_name`]).
    Waiting(usize),
    Sleeping(u64),
    Dead,
}

#[derive(Debug, Clone, Copy)]
struct ModelThread {
    generation: u64,
    expected: Expected,
    /// Its sleep is a park, which an unpark ends.
    parked: bool,
    /// An unpark is kept for its next park.
    token: bool,
}

/// The core, a simulated machine and the reference model.
pub struct Simulation {
    pub core: RuntimeCore<TestScheduler, Payload>,
    pub cpus: Vec<Cpu>,
    pub now: u64,
    pub protocol: Protocol,
    /// Threads whose context is saved and not yet taken: the hal's per-thread flag.
    pub saved: BTreeSet<ThreadId>,
    /// QUEUES shared wait lists, then one join list per thread number.
    pub lists: Vec<WaitList>,
    model: Vec<Option<ModelThread>>,
    model_lists: Vec<VecDeque<ThreadId>>,
    next_generation: u64,
    pub deadlocks: usize,
    /// Whether every step checks the invariants (off only to replay a bug on purpose).
    pub checking: bool,
    /// CPUs halted in their idle loop: only an interrupt (a wake-up or a tick) moves them on.
    pub halted: Vec<bool>,
    /// What each halted CPU's one-shot timer was set to (the kernel stops the periodic tick
    /// while a CPU halts): the deadline its idle decision named, if any.
    pub wake_at: Vec<Option<u64>>,
    pub history: String,
    /// How often each kind of event happened, so that tests can show they exercised it.
    pub events: BTreeMap<&'static str, usize>,
}

/// The simulated hal: a thread is suspended once its context is saved (or it was prepared and
/// never ran).
struct SavedContexts<'a>(&'a BTreeSet<ThreadId>);

impl Machine for SavedContexts<'_> {
    fn is_suspended(&self, thread: ThreadId) -> bool {
        self.0.contains(&thread)
    }
}

impl Simulation {
    /// `cpus` CPUs (1..=4), main running on CPU 0, each CPU's idle thread ready.
    pub fn new(cpus: usize, scheduler: TestScheduler, protocol: Protocol) -> Simulation {
        let mut core = RuntimeCore::new(scheduler);
        core.start(PRIORITY, Payload { generation: 0 }, Payload { generation: 1 });
        let mut simulation = Simulation {
            core,
            cpus: vec![Cpu::Executing(stardust_task_core::MAIN_THREAD)],
            now: 0,
            protocol,
            saved: BTreeSet::new(),
            lists: vec![WaitList::new(); QUEUES + MAX_THREADS],
            model: vec![None; MAX_THREADS],
            model_lists: vec![VecDeque::new(); QUEUES + MAX_THREADS],
            next_generation: 2,
            deadlocks: 0,
            checking: true,
            halted: vec![false; cpus],
            wake_at: vec![None; cpus],
            history: String::new(),
            events: BTreeMap::new(),
        };
        simulation.model[0] =
            Some(ModelThread { generation: 0, expected: Expected::Runnable, parked: false, token: false });
        // The boot CPU's idle thread was prepared before it ever ran.
        simulation.saved.insert(stardust_task_core::BOOT_IDLE_THREAD);
        for cpu in 1..cpus {
            let generation = simulation.generation();
            let idle = simulation.core.add_cpu(cpu, Payload { generation });
            let idle = idle.expect("a free number for an idle thread");
            assert_eq!(simulation.core.add_cpu(cpu, Payload::default()), None, "a CPU added twice");
            simulation.cpus.push(Cpu::Executing(idle));
        }
        assert_eq!(simulation.core.cpus(), cpus);
        simulation.check();
        simulation
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    fn count(&mut self, event: &'static str) {
        *self.events.entry(event).or_default() += 1;
    }

    fn log(&mut self, line: std::fmt::Arguments) {
        let _ = writeln!(self.history, "{line}");
    }

    /// The join list of thread number `thread`.
    pub fn join_list(thread: ThreadId) -> usize {
        QUEUES + thread as usize
    }

    fn is_idle_thread(&self, thread: ThreadId) -> bool {
        (0..self.cpus.len()).any(|cpu| self.core.idle_thread(cpu) == Some(thread))
    }

    /// The thread CPU `cpu` executes, if it executes an app thread (not its idle loop) with
    /// interrupts on.
    pub fn app_thread(&self, cpu: usize) -> Option<ThreadId> {
        match self.cpus.get(cpu)? {
            Cpu::Executing(thread) if !self.is_idle_thread(*thread) => Some(*thread),
            _ => None,
        }
    }

    /// Whether CPU `cpu` runs its idle loop.
    pub fn in_idle_loop(&self, cpu: usize) -> bool {
        matches!(self.cpus.get(cpu), Some(Cpu::Executing(thread)) if self.is_idle_thread(*thread))
    }

    pub fn expected(&self, thread: ThreadId) -> Option<Expected> {
        self.model.get(thread as usize).copied().flatten().map(|model| model.expected)
    }

    fn set_expected(&mut self, thread: ThreadId, expected: Expected) {
        if let Some(Some(model)) = self.model.get_mut(thread as usize) {
            model.expected = expected;
            if !matches!(expected, Expected::Sleeping(_)) {
                model.parked = false;
            }
        }
    }

    /// Starts carrying out `outcome` on `cpu`: checks its wake-ups, then begins the switch.
    fn apply(&mut self, cpu: usize, outcome: Outcome) {
        self.send_wake_ups(cpu, outcome);
        match outcome.switch {
            Some(switch) => self.begin_switch(cpu, switch),
            None => {
                // The CPU keeps (or takes back) the thread it had.
                let current = self.core.current(cpu);
                self.cpus[cpu] = Cpu::Executing(current);
            }
        }
    }

    fn send_wake_ups(&mut self, cpu: usize, outcome: Outcome) {
        assert!(!outcome.wake_cpus.contains(cpu), "CPU {cpu} asked to wake itself");
        for other in outcome.wake_cpus.iter() {
            assert!(other < self.cpus.len(), "wake-up for CPU {other}, which does not exist");
            self.halted[other] = false;
        }
        if !outcome.wake_cpus.is_empty() {
            self.count("wake-up interrupt");
        }
    }

    fn begin_switch(&mut self, cpu: usize, switch: Switch) {
        assert_ne!(switch.from, switch.to, "a switch to the same thread");
        assert_eq!(self.core.current(cpu), switch.to, "the core did not make the new thread current");
        self.log(format_args!("  cpu {cpu}: switch {} -> {}", switch.from, switch.to));
        self.cpus[cpu] = Cpu::Switching { from: switch.from, to: switch.to, from_saved: false };
        self.count("switch");
        if self.on_a_cpu(switch.to) {
            // The thread entered is still on the CPU that leaves it: this switch must wait.
            self.count("switch to a thread still being left");
        }
    }

    /// One step of CPU `cpu`'s switch or block, if it is in one; false if it cannot move (its
    /// switch waits for a context that is not saved yet) or has nothing to finish.
    pub fn progress(&mut self, cpu: usize) -> bool {
        match self.cpus[cpu] {
            Cpu::Executing(_) => false,
            Cpu::Blocking(_) => {
                self.log(format_args!("cpu {cpu}: reschedule after before_block"));
                let switch = self.core.reschedule(cpu);
                self.apply(cpu, Outcome { switch, ..Outcome::default() });
                self.check();
                true
            }
            Cpu::Switching { from, to, from_saved } => {
                let may_wait = match self.protocol {
                    Protocol::SaveThenWait => from_saved,
                    Protocol::WaitThenSave => true,
                };
                if !from_saved && self.protocol == Protocol::SaveThenWait {
                    assert!(self.saved.insert(from), "thread {from} saved twice");
                    self.cpus[cpu] = Cpu::Switching { from, to, from_saved: true };
                    self.log(format_args!("cpu {cpu}: saved {from}"));
                } else if may_wait && self.saved.contains(&to) {
                    self.saved.remove(&to);
                    if self.protocol == Protocol::WaitThenSave {
                        assert!(self.saved.insert(from), "thread {from} saved twice");
                    }
                    self.cpus[cpu] = Cpu::Executing(to);
                    self.log(format_args!("cpu {cpu}: loaded {to}"));
                } else {
                    self.count("switch waits for a context");
                    return false;
                }
                self.check();
                true
            }
        }
    }

    /// Finishes every switch that can finish; true if none is left waiting.
    pub fn settle(&mut self) -> bool {
        while (0..self.cpus.len()).any(|cpu| self.progress(cpu)) {}
        self.cpus.iter().all(|cpu| matches!(cpu, Cpu::Executing(_)))
    }

    /// The thread on `cpu` creates a thread; `fail` makes the machine side fail to make its stack
    /// (the number is given back).
    pub fn spawn(&mut self, cpu: usize, fail: bool) -> Option<ThreadId> {
        self.app_thread(cpu)?;
        let generation = self.generation();
        let thread = self.core.reserve(PRIORITY, Payload { generation });
        self.log(format_args!("cpu {cpu}: spawn -> {thread:?} (fail {fail})"));
        let Some(thread) = thread else {
            let in_use = (0..MAX_THREADS as ThreadId).filter(|&thread| self.core.state(thread).is_some()).count();
            assert_eq!(in_use, MAX_THREADS, "no number for a new thread, but not all are in use");
            return None;
        };
        assert!(self.model[thread as usize].is_none(), "number {thread} handed out while in use");
        assert_eq!(self.core.state(thread), Some(State::Starting));
        assert_eq!(self.core.admit(thread + 1, cpu), Outcome::default(), "admitted a thread not starting");
        if fail {
            assert_eq!(self.core.cancel(thread), Some(Payload { generation }));
            assert_eq!(self.core.state(thread), None);
            self.check();
            return None;
        }
        // The machine side prepares its stack: a saved context that has never run.
        assert!(self.saved.insert(thread), "a new thread's number {thread} still has a saved context");
        self.model[thread as usize] =
            Some(ModelThread { generation, expected: Expected::Runnable, parked: false, token: false });
        self.count("spawn");
        if self.history.contains(&format!("reaped {thread} ")) {
            self.count("spawn reuses a reaped number");
        }
        let outcome = self.core.admit(thread, cpu);
        assert_eq!(self.core.cancel(thread), None, "cancelled an admitted thread");
        self.apply(cpu, outcome);
        self.check();
        Some(thread)
    }

    pub fn yield_now(&mut self, cpu: usize) {
        let Some(thread) = self.app_thread(cpu) else { return };
        self.log(format_args!("cpu {cpu}: {thread} yields"));
        let outcome = self.core.yield_now(cpu);
        self.apply(cpu, outcome);
        self.check();
    }

    pub fn sleep(&mut self, cpu: usize, duration: u64) {
        let Some(thread) = self.app_thread(cpu) else { return };
        let until = self.now + duration;
        self.log(format_args!("cpu {cpu}: {thread} sleeps until {until}"));
        self.set_expected(thread, Expected::Sleeping(until));
        let outcome = self.core.sleep(cpu, until);
        self.apply(cpu, outcome);
        self.check();
    }

    /// The thread on `cpu` parks for `duration`: it keeps running if an unpark came since its
    /// last park (spending it), else it sleeps until the deadline or an unpark.
    pub fn park(&mut self, cpu: usize, duration: u64) {
        let Some(thread) = self.app_thread(cpu) else { return };
        let until = self.now + duration;
        let Some(Some(model)) = self.model.get_mut(thread as usize) else { return };
        let token = std::mem::take(&mut model.token);
        self.log(format_args!("cpu {cpu}: {thread} parks until {until} (token {token})"));
        let outcome = self.core.park(cpu, until);
        if token {
            self.count("park with a token");
            assert_eq!(outcome, Outcome::default(), "a park with a token did something");
            assert_eq!(self.core.state(thread), Some(State::Running), "a park with a token stopped");
            self.check();
            return;
        }
        self.count("park");
        self.set_expected(thread, Expected::Sleeping(until));
        if let Some(Some(model)) = self.model.get_mut(thread as usize) {
            model.parked = true;
        }
        self.apply(cpu, outcome);
        self.check();
    }

    /// The thread on `cpu` (or an interrupt taken there) unparks `target`: a parked thread
    /// becomes runnable, any other live thread keeps a token.
    pub fn unpark(&mut self, cpu: usize, target: ThreadId) {
        if self.app_thread(cpu).is_none() {
            return;
        }
        let outcome = self.core.unpark(target, cpu);
        self.log(format_args!("cpu {cpu}: unpark {target}"));
        let idle = self.is_idle_thread(target);
        match self.model.get_mut(target as usize) {
            Some(Some(model)) if model.parked => {
                self.count("unpark ends a park");
                self.set_expected(target, Expected::Runnable);
                self.check_woken(target);
            }
            Some(Some(model)) if !idle && model.expected != Expected::Dead => {
                model.token = true;
                self.count("unpark keeps a token");
                assert_eq!(outcome, Outcome::default(), "an unpark of a thread not parked did something");
            }
            _ => assert_eq!(outcome, Outcome::default(), "an unpark of no live thread did something"),
        }
        self.apply(cpu, outcome);
        self.check();
    }

    /// The thread on `cpu` waits on `list` if `condition` holds, else withdraws at once. With
    /// `release`, it wakes the oldest waiter of that list between blocking and giving up its CPU,
    /// as a condition variable releases its mutex.
    pub fn wait(&mut self, cpu: usize, list: usize, condition: bool, release: Option<usize>) {
        let Some(thread) = self.app_thread(cpu) else { return };
        self.log(format_args!("cpu {cpu}: {thread} waits on {list} (condition {condition})"));
        let mut wait_list = self.lists[list];
        self.core.enqueue_waiter(&mut wait_list, cpu);
        if !condition {
            assert!(self.core.withdraw_waiter(&mut wait_list, cpu), "the newest waiter not withdrawn");
            self.lists[list] = wait_list;
            self.check();
            return;
        }
        self.core.block(cpu);
        self.lists[list] = wait_list;
        self.model_lists[list].push_back(thread);
        self.set_expected(thread, Expected::Waiting(list));
        self.cpus[cpu] = Cpu::Blocking(thread);
        self.count("wait");
        self.check();
        if let Some(other) = release {
            self.count("release before blocking");
            self.wake_one_from(cpu, other);
        }
    }

    /// The thread on `cpu` joins thread `target` (waits on its join list until it ends), unless
    /// it is itself, an idle thread, or not alive.
    pub fn join(&mut self, cpu: usize, target: ThreadId) {
        let Some(thread) = self.app_thread(cpu) else { return };
        let alive = matches!(self.expected(target), Some(expected) if expected != Expected::Dead);
        if target == thread || self.is_idle_thread(target) {
            return;
        }
        self.wait(cpu, Self::join_list(target), alive, None);
    }

    pub fn wake_one(&mut self, cpu: usize, list: usize) {
        if self.app_thread(cpu).is_some() {
            self.wake_one_from(cpu, list);
        }
    }

    /// Wakes the oldest waiter of `list` on behalf of `cpu`'s thread, which may be on its way to
    /// block (then it keeps its CPU until it reschedules).
    fn wake_one_from(&mut self, cpu: usize, list: usize) {
        let blocking = matches!(self.cpus[cpu], Cpu::Blocking(_));
        let mut wait_list = self.lists[list];
        let (woken, outcome) = self.core.wake_one(&mut wait_list, cpu);
        self.lists[list] = wait_list;
        self.log(format_args!("cpu {cpu}: wake one of {list} -> {woken:?}"));
        let expected = self.model_lists[list].pop_front();
        assert_eq!(woken, expected, "wake_one did not wake the oldest waiter");
        if let Some(thread) = woken {
            self.count("wake one");
            if self.cpus.contains(&Cpu::Blocking(thread)) {
                self.count("wake before the waiter left its CPU");
            }
            self.set_expected(thread, Expected::Runnable);
            self.check_woken(thread);
        } else {
            assert_eq!(outcome, Outcome::default(), "a wake-up of nobody did something");
        }
        if blocking {
            // A thread on its way to block never gives its CPU away here (`reschedule` will), but
            // the wake-ups go out.
            assert_eq!(outcome.switch, None, "a blocking thread was preempted");
            self.send_wake_ups(cpu, outcome);
            self.check();
            return;
        }
        self.apply(cpu, outcome);
        self.check();
    }

    pub fn wake_all(&mut self, cpu: usize, list: usize) {
        if self.app_thread(cpu).is_none() {
            return;
        }
        let mut wait_list = self.lists[list];
        let (woken, outcome) = self.core.wake_all(&mut wait_list, cpu);
        self.lists[list] = wait_list;
        self.log(format_args!("cpu {cpu}: wake all of {list} -> {woken}"));
        let expected: Vec<ThreadId> = self.model_lists[list].drain(..).collect();
        assert_eq!(woken, expected.len(), "wake_all woke the wrong number of waiters");
        assert!(self.lists[list].is_empty());
        for thread in expected {
            self.count("wake all");
            self.set_expected(thread, Expected::Runnable);
            self.check_woken(thread);
        }
        self.apply(cpu, outcome);
        self.check();
    }

    /// A woken waiter is ready (or already running again) and queued at most once.
    fn check_woken(&self, thread: ThreadId) {
        match self.core.state(thread) {
            Some(State::Ready) => assert!(self.core.scheduler().contains(thread), "woken {thread} is not queued"),
            Some(State::Running) => {}
            other => panic!("woken thread {thread} is {other:?}"),
        }
        assert!(!self.core.scheduler().enqueued_twice, "a thread was queued twice");
    }

    /// The thread on `cpu` ends: it wakes its joiners (as `stardust::thread` does), then exits.
    pub fn exit(&mut self, cpu: usize) {
        let Some(thread) = self.app_thread(cpu) else { return };
        self.wake_all(cpu, Self::join_list(thread));
        // Waking may have switched the CPU away; the thread ends when it runs again.
        if self.app_thread(cpu) != Some(thread) {
            return;
        }
        self.log(format_args!("cpu {cpu}: {thread} exits"));
        self.set_expected(thread, Expected::Dead);
        let outcome = self.core.exit(cpu);
        self.count("exit");
        assert!(outcome.switch.is_some(), "a dead thread kept its CPU");
        self.apply(cpu, outcome);
        self.check();
    }

    /// A timer tick on `cpu`, `advance` time units after the last one (0: a burst of late ticks).
    pub fn tick(&mut self, cpu: usize, advance: u64) {
        if !matches!(self.cpus.get(cpu), Some(Cpu::Executing(_))) {
            return; // interrupts are off in a switch or a block
        }
        self.now += advance;
        self.halted[cpu] = false;
        let now = self.now;
        self.log(format_args!("cpu {cpu}: tick at {now}"));
        let before: Vec<(ThreadId, u64)> = (0..MAX_THREADS as ThreadId)
            .filter_map(|thread| match self.core.state(thread) {
                Some(State::Sleeping { until }) => Some((thread, until)),
                _ => None,
            })
            .collect();
        let outcome = self.core.tick(cpu, now);
        for (thread, until) in before {
            let still = self.core.state(thread) == Some(State::Sleeping { until });
            if still {
                self.count("sleeper kept");
            }
            assert_eq!(!still, until <= now, "sleeper {thread} (until {until}) at {now}: woken {}", !still);
            if !still {
                self.count("sleeper woken");
                self.set_expected(thread, Expected::Runnable);
                self.check_woken(thread);
            }
        }
        self.apply(cpu, outcome);
        self.check();
    }

    /// CPU `cpu`'s idle loop takes a turn (if it runs it): reaps, then runs, halts or reports a
    /// deadlock.
    pub fn idle(&mut self, cpu: usize) -> Option<IdleDecision> {
        if !self.in_idle_loop(cpu) || self.halted[cpu] {
            return None;
        }
        self.reap(cpu);
        let decision = self.core.idle(cpu);
        self.log(format_args!("cpu {cpu}: idle -> {decision:?}"));
        match decision {
            IdleDecision::Run(switch) => self.begin_switch(cpu, switch),
            IdleDecision::Halt { wake_at } => {
                self.count("halt");
                self.halted[cpu] = true;
                self.wake_at[cpu] = wake_at;
            }
            IdleDecision::Deadlock => {
                self.deadlocks += 1;
                self.count("deadlock");
                assert!(self.nothing_can_run(), "deadlock reported while a thread can still run");
            }
        }
        self.check();
        Some(decision)
    }

    /// The model's deadlock: no thread runnable, none sleeping, no CPU in a switch or a block.
    pub fn nothing_can_run(&self) -> bool {
        let threads_stuck =
            self.model.iter().flatten().all(|model| matches!(model.expected, Expected::Waiting(_) | Expected::Dead));
        let idle_thread_only = (0..self.model.len() as ThreadId)
            .filter(|&thread| self.expected(thread) == Some(Expected::Runnable))
            .all(|thread| self.is_idle_thread(thread));
        threads_stuck && idle_thread_only && self.cpus.iter().enumerate().all(|(cpu, _)| self.in_idle_loop(cpu))
    }

    /// Reaps every ended thread the core lets go, on `cpu`'s behalf.
    pub fn reap(&mut self, cpu: usize) {
        loop {
            let reaped = self.core.reap(&SavedContexts(&self.saved));
            let Some((thread, payload)) = reaped else { break };
            self.log(format_args!("cpu {cpu}: reaped {thread} ({payload:?})"));
            self.count("reap");
            let model = self.model[thread as usize].take();
            let model =
                model.unwrap_or_else(|| panic!("reaped {thread}, which the model does not know\n{}", self.history));
            assert_eq!(model.expected, Expected::Dead, "reaped a thread that has not ended");
            assert_eq!(model.generation, payload.generation, "reaped another thread's payload");
            assert!(!self.on_a_cpu(thread), "reaped {thread} while a CPU is on its stack");
            assert!((0..self.cpus.len()).all(|other| self.core.current(other) != thread));
            assert_eq!(self.core.state(thread), None, "a reaped number is still in use");
            // The stack is unbound with the number (the "reap vs spawn" fix): its context goes.
            assert!(self.saved.remove(&thread), "reaped {thread} without a saved context");
            assert!(self.model_lists[Self::join_list(thread)].is_empty(), "joiners left on a reaped thread");
        }
    }

    /// Whether any CPU executes on `thread`'s stack (or is about to, or is still saving it).
    fn on_a_cpu(&self, thread: ThreadId) -> bool {
        self.cpus.iter().any(|cpu| match *cpu {
            Cpu::Executing(running) | Cpu::Blocking(running) => running == thread,
            Cpu::Switching { from, from_saved, .. } => from == thread && !from_saved,
        })
    }

    /// Every invariant, after every step.
    pub fn check(&self) {
        if !self.checking {
            return;
        }
        if let Err(message) = self.invariants() {
            panic!("{message}\nhistory:\n{}", self.history);
        }
    }

    fn invariants(&self) -> Result<(), String> {
        let scheduler = self.core.scheduler();
        if scheduler.enqueued_twice {
            return Err("a thread was queued twice".into());
        }
        // No thread executes on two CPUs.
        let mut executing = BTreeSet::new();
        for (cpu, state) in self.cpus.iter().enumerate() {
            let on = match *state {
                Cpu::Executing(thread) | Cpu::Blocking(thread) => Some(thread),
                Cpu::Switching { from, from_saved: false, .. } => Some(from),
                Cpu::Switching { .. } => None,
            };
            if let Some(thread) = on
                && !executing.insert(thread)
            {
                return Err(format!("thread {thread} executes on two CPUs (one is {cpu})"));
            }
        }
        // A running thread's context is never also saved (it would be loaded twice).
        for thread in &executing {
            if self.saved.contains(thread) {
                return Err(format!("thread {thread} executes and has a saved context"));
            }
        }
        let mut ready = 0;
        let mut sleepers = 0;
        for thread in 0..MAX_THREADS as ThreadId {
            let state = self.core.state(thread);
            let model = self.model[thread as usize];
            let idle = self.is_idle_thread(thread);
            match (state, model) {
                (None, None) => continue,
                (Some(State::Idle), _) if idle => continue,
                (Some(state), None) => {
                    return Err(format!("thread {thread} is {state:?} in the core, unknown to the model"));
                }
                (None, Some(model)) => return Err(format!("thread {thread} is gone from the core, model {model:?}")),
                (Some(state), Some(model)) => {
                    let in_queue = scheduler.contains(thread);
                    if in_queue != (state == State::Ready) {
                        return Err(format!("thread {thread} is {state:?} but queued: {in_queue}"));
                    }
                    let agrees = match (state, model.expected) {
                        (State::Ready, Expected::Runnable) => {
                            ready += 1;
                            true
                        }
                        (State::Running, Expected::Runnable) => {
                            (0..self.cpus.len()).any(|cpu| self.core.current(cpu) == thread)
                        }
                        (State::Blocked, Expected::Waiting(list)) => self.waiters(list).contains(&thread),
                        (State::Sleeping { until }, Expected::Sleeping(expected)) => {
                            sleepers += 1;
                            until == expected
                        }
                        (State::Dead, Expected::Dead) => true,
                        _ => false,
                    };
                    if !agrees {
                        return Err(format!(
                            "thread {thread} is {state:?} in the core, {:?} in the model",
                            model.expected
                        ));
                    }
                }
            }
        }
        // A halted CPU is one the core will send a wake-up when work comes.
        for (cpu, &halted) in self.halted.iter().enumerate() {
            if halted && !self.core.idle_cpus().contains(cpu) {
                return Err(format!("CPU {cpu} is halted, but the core counts on it: a lost wake-up"));
            }
        }
        // With every CPU halted, only their one-shot timers tick: one of them must come by the
        // earliest sleeper's deadline, or that sleeper oversleeps (forever, if none is set).
        if self.halted.iter().all(|&halted| halted)
            && let Some(deadline) = self.core.next_deadline()
        {
            let earliest = self.wake_at.iter().flatten().min();
            if earliest.is_none_or(|&wake| wake > deadline) {
                return Err(format!(
                    "every CPU halted with timers at {:?}, but a sleeper's deadline is {deadline}",
                    self.wake_at
                ));
            }
        }
        // A queued thread always has a CPU that will look for it without waiting for a tick: a
        // running one, or a halted one that was sent a wake-up.
        if ready > 0 && self.halted.iter().all(|&halted| halted) {
            return Err(format!("{ready} threads ready and every CPU halted: a lost wake-up"));
        }
        if scheduler.queued() != ready {
            return Err(format!("{} queued, {ready} ready", scheduler.queued()));
        }
        if self.core.sleepers() != sleepers {
            return Err(format!("{} sleepers counted, {sleepers} sleeping", self.core.sleepers()));
        }
        // Each wait list holds exactly the model's waiters, in arrival order, each blocked.
        for (list, expected) in self.model_lists.iter().enumerate() {
            let waiters = self.waiters(list);
            if waiters.iter().ne(expected.iter()) {
                return Err(format!("wait list {list} holds {waiters:?}, expected {expected:?}"));
            }
        }
        // Each CPU's current thread is running (or idle), except while its thread blocks.
        for (cpu, machine) in self.cpus.iter().enumerate() {
            let current = self.core.current(cpu);
            let state = self.core.state(current);
            let fine = match machine {
                Cpu::Blocking(thread) => {
                    *thread == current && matches!(state, Some(State::Blocked | State::Ready | State::Running))
                }
                Cpu::Executing(thread) | Cpu::Switching { to: thread, .. } => {
                    *thread == current && matches!(state, Some(State::Running | State::Idle))
                }
            };
            if !fine {
                return Err(format!("CPU {cpu} is {machine:?}, the core's current is {current} ({state:?})"));
            }
        }
        Ok(())
    }

    /// The threads on wait list `list`, oldest first, following the core's links.
    pub fn waiters(&self, list: usize) -> Vec<ThreadId> {
        let mut waiters = Vec::new();
        let mut next = self.lists[list].first();
        while let Some(thread) = next {
            waiters.push(thread);
            if waiters.len() > MAX_THREADS {
                break; // a cycle: reported as a mismatch
            }
            next = self.core.next_waiter(thread);
        }
        waiters
    }
}
