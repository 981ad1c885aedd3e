//! The runtime proper: the thread table, scheduling decisions, the tick, blocking and waking.

use crate::wait_queue::WaitQueue;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::Ordering;
use hal::smp::MAX_CPUS;
use hal::thread::Stack;
use stardust_api::{DEFAULT_PRIORITY, MAX_THREADS, PRIORITY_LEVELS, Priority, Scheduler, ThreadId};

/// The scheduler of images without threads: nothing is ever queued. Such an image carries no
/// runtime code (the image's wiring never starts one).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoScheduler;

impl Scheduler for NoScheduler {
    const PREEMPTIVE: bool = false;

    fn enqueue(&mut self, _thread: ThreadId, _priority: Priority) {}

    fn pick_next(&mut self) -> Option<ThreadId> {
        None
    }

    fn should_preempt(&mut self, _running_priority: Priority, _ticks_run: u32) -> bool {
        false
    }

    fn remove(&mut self, _thread: ThreadId) -> bool {
        false
    }

    fn queued(&self) -> usize {
        0
    }
}

/// How many stacks of ended threads are kept for reuse.
const SPARE_STACKS: usize = 8;

/// The smallest stack a thread may ask for (the runtime's own frames and an interrupt need room).
pub const MIN_STACK: usize = 8 * 1024;
const MAIN: ThreadId = 0;

/// Why a thread could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// `MAX_THREADS` threads exist already.
    TooManyThreads,
    /// The stack size is below [`MIN_STACK`] or absurdly large.
    BadStackSize(usize),
    /// The priority is not below `PRIORITY_LEVELS`.
    BadPriority(Priority),
    /// The heap has no room for the stack.
    OutOfMemory,
    /// This image has no thread runtime (its profile has no scheduler).
    NoThreads,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::TooManyThreads => write!(f, "too many threads (at most {MAX_THREADS})"),
            SpawnError::BadStackSize(size) => {
                write!(f, "a stack of {size} bytes is not possible (at least {MIN_STACK})")
            }
            SpawnError::BadPriority(priority) => {
                write!(f, "priority {priority} is out of range (0..{PRIORITY_LEVELS})")
            }
            SpawnError::OutOfMemory => f.write_str("not enough memory for the thread's stack"),
            SpawnError::NoThreads => f.write_str("this image has no threads (its profile has no scheduler)"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Ready,
    Blocked,
    /// Until the TSC reads `until`.
    Sleeping {
        until: u64,
    },
    Dead,
    /// A CPU's idle thread: never queued, never ends.
    Idle,
}

struct Slot {
    name: String,
    priority: Priority,
    state: State,
    /// None for threads on a stack the runtime did not make (main's boot stack, the stacks other
    /// CPUs start on).
    stack: Option<Stack>,
    ticks_run: u32,
    next_waiter: Option<ThreadId>,
    entry: Option<Box<dyn FnOnce() + Send>>,
}

impl Slot {
    fn new(name: String, priority: Priority, state: State) -> Slot {
        Slot { name, priority, state, stack: None, ticks_run: 0, next_waiter: None, entry: None }
    }
}

struct Inner<S> {
    scheduler: S,
    /// One entry per possible thread: allocated once at start (a table of empty slots is not
    /// all zero bytes, so as a static it would cost its full size in the image).
    slots: Vec<Option<Slot>>,
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
    sleepers: usize,
    /// Stacks of ended threads, kept for the next threads (creating a stack maps and unmaps a
    /// guard page and allocates; reusing one does neither).
    spare_stacks: [Option<Stack>; SPARE_STACKS],
    /// Threads that ended and whose stacks wait to be freed (so `reap` is free when there are
    /// none, which is nearly always).
    dead: usize,
}

impl<S: Scheduler> Inner<S> {
    fn slot(&mut self, thread: ThreadId) -> Option<&mut Slot> {
        self.slots.get_mut(thread as usize).and_then(Option::as_mut)
    }

    fn state(&self, thread: ThreadId) -> Option<State> {
        self.slots.get(thread as usize).and_then(Option::as_ref).map(|slot| slot.state)
    }

    /// Moves a thread to Ready, queues it, and wakes a halted CPU to run it.
    fn make_ready(&mut self, thread: ThreadId) {
        let Some(slot) = self.slot(thread) else { return };
        slot.state = State::Ready;
        let priority = slot.priority;
        self.scheduler.enqueue(thread, priority);
        let me = hal::smp::cpu_index();
        let others = self.idle_cpus & !(1 << me);
        if others != 0 {
            let cpu = others.trailing_zeros() as usize;
            self.idle_cpus &= !(1 << cpu);
            hal::smp::wake(cpu);
        }
    }
}

/// What the app-facing API needs of the runtime, whatever scheduler fills the slot.
pub trait Threads: Sync {
    /// Creates a thread that runs `entry` and then ends.
    fn spawn(
        &self,
        name: String,
        stack_size: usize,
        priority: Priority,
        entry: Box<dyn FnOnce() + Send>,
    ) -> Result<ThreadId, SpawnError>;
    /// The thread running on the calling CPU.
    fn current(&self) -> ThreadId;
    /// Calls `f` with a thread's name ("" if it does not exist).
    fn with_name(&self, thread: ThreadId, f: &mut dyn FnMut(&str));
    /// Gives the CPU to another runnable thread, if any.
    fn yield_now(&self);
    /// Sleeps until the TSC reads at least `deadline`. Deadlines are TSC values, not tick counts:
    /// a monitor may deliver late timer interrupts in a burst, and counting them would end a
    /// sleep early.
    fn sleep_until(&self, deadline: u64);
    /// Blocks the running thread on `queue` if `condition` holds. The thread is queued before
    /// `condition` is checked (and the check and the queueing happen under the runtime's lock),
    /// so a waker that changes the condition and then finds the queue non-empty cannot be
    /// missed. `before_block` runs after the thread is queued and before it gives up the CPU (to
    /// release a lock atomically).
    fn wait(&self, queue: &WaitQueue, condition: &mut dyn FnMut() -> bool, before_block: &mut dyn FnMut());
    /// Wakes the oldest waiter of `queue`; false if there was none.
    fn wake_one(&self, queue: &WaitQueue) -> bool;
    /// Wakes every waiter of `queue`; returns how many.
    fn wake_all(&self, queue: &WaitQueue) -> usize;
    /// The timer's tick on the calling CPU (interrupts off): wakes sleepers whose time has come,
    /// and preempts the running thread if the scheduler says so.
    fn tick(&self);
    /// A new thread's life: runs its closure, then ends it (its stack is freed by the next
    /// thread to run). Called once, by the thread's first instruction.
    fn run_current(&self) -> !;
    /// Makes the calling CPU (not the boot CPU) take part: the code running becomes its idle
    /// thread, which runs whatever is queued.
    fn run_secondary_cpu(&self, cpu: usize) -> !;
    /// How many CPUs run threads.
    fn cpus(&self) -> usize;
    /// A CPU's idle loop (its idle thread's whole life).
    fn idle(&self, cpu: usize) -> !;
}

/// The thread runtime over scheduler `S`.
pub struct Runtime<S> {
    inner: spin::Mutex<Inner<S>>,
}

static RUNTIME: spin::Once<&'static dyn Threads> = spin::Once::new();

/// The stack of the boot CPU's idle thread.
const IDLE_STACK: usize = 16 * 1024;

impl<S: Scheduler + Send + 'static> Runtime<S> {
    /// A runtime with no threads yet, scheduling with `scheduler`.
    pub const fn new(scheduler: S) -> Self {
        Runtime {
            inner: spin::Mutex::new(Inner {
                scheduler,
                slots: Vec::new(),
                current: [MAIN; MAX_CPUS],
                idle: [None; MAX_CPUS],
                idle_cpus: 0,
                cpus: 1,
                online: 1,
                sleepers: 0,
                spare_stacks: [const { None }; SPARE_STACKS],
                dead: 0,
            }),
        }
    }

    /// Makes the running code thread 0 ("main") on the boot CPU, gives that CPU an idle thread,
    /// and starts the timer at `tick_hz`. Interrupts are on when it returns.
    pub fn start(&'static self, tick_hz: u32) -> Result<(), StartError> {
        let table: Vec<Option<Slot>> = (0..MAX_THREADS).map(|_| None).collect();
        let idle_thread = MAIN + 1;
        let idle_stack = Stack::new(idle_thread, IDLE_STACK).map_err(|_| StartError::OutOfMemory)?;
        hal::thread::prepare(&idle_stack, idle_entry, 0);
        let (main_name, idle_name) = (String::from("main"), String::from("idle"));
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            inner.slots = table;
            inner.slots[MAIN as usize] = Some(Slot::new(main_name, DEFAULT_PRIORITY, State::Running));
            let mut idle = Slot::new(idle_name, 0, State::Idle);
            idle.stack = Some(idle_stack);
            inner.slots[idle_thread as usize] = Some(idle);
            inner.idle[0] = Some(idle_thread);
        });
        RUNTIME.call_once(|| self);
        hal::thread::set_namer(name_for_report);
        hal::interrupts::set_timer_handler(on_timer);
        hal::interrupts::without(|| hal::lapic::start_timer(tick_hz)).map_err(StartError::Timer)?;
        hal::interrupts::enable();
        Ok(())
    }

    /// Takes the CPU from its running thread (already marked Ready, Blocked, Sleeping or Dead by
    /// the caller) and runs the next one, or this CPU's idle thread. Interrupts off; returns
    /// once the thread runs again (on whichever CPU).
    fn reschedule<'a>(&'a self, mut inner: spin::MutexGuard<'a, Inner<S>>) {
        let cpu = hal::smp::cpu_index();
        let current = inner.current[cpu];
        let next = match inner.scheduler.pick_next() {
            Some(next) => next,
            None => match inner.idle[cpu] {
                Some(idle) => idle,
                None => return,
            },
        };
        if let Some(slot) = inner.slot(next)
            && slot.state != State::Idle
        {
            slot.state = State::Running;
            slot.ticks_run = 0;
        }
        if next == current {
            return;
        }
        inner.current[cpu] = next;
        drop(inner);
        hal::thread::switch(current, next);
    }

    /// A CPU's idle thread: runs whatever is queued; halts while nothing is.
    fn idle_loop(&self, cpu: usize) -> ! {
        loop {
            hal::interrupts::without(|| {
                self.reap();
                let mut inner = self.inner.lock();
                if let Some(next) = inner.scheduler.pick_next() {
                    inner.idle_cpus &= !(1 << cpu);
                    let me = inner.current[cpu];
                    if let Some(slot) = inner.slot(next) {
                        slot.state = State::Running;
                        slot.ticks_run = 0;
                    }
                    inner.current[cpu] = next;
                    drop(inner);
                    hal::thread::switch(me, next);
                    return;
                }
                inner.idle_cpus |= 1 << cpu;
                if inner.sleepers == 0 && inner.idle_cpus & inner.online == inner.online {
                    drop(inner);
                    report_deadlock();
                }
                drop(inner);
                hal::interrupts::wait_for_interrupt();
            });
        }
    }

    fn on_tick(&self) {
        let now = hal::cpu::rdtsc();
        let cpu = hal::smp::cpu_index();
        let mut inner = self.inner.lock();
        if inner.sleepers > 0 {
            for thread in 0..MAX_THREADS as ThreadId {
                if matches!(inner.state(thread), Some(State::Sleeping { until }) if until <= now) {
                    inner.sleepers -= 1;
                    inner.make_ready(thread);
                }
            }
        }
        let current = inner.current[cpu];
        let Some(slot) = inner.slot(current) else { return };
        if slot.state != State::Running {
            return; // the idle thread: it picks the next thread itself once this returns
        }
        slot.ticks_run = slot.ticks_run.saturating_add(1);
        let (priority, ticks_run) = (slot.priority, slot.ticks_run);
        if inner.scheduler.should_preempt(priority, ticks_run) {
            inner.make_ready(current);
            self.reschedule(inner);
        }
    }

    /// Frees (or keeps for reuse) the stacks of threads that have ended and are off every CPU.
    /// Interrupts may be on or off (the heap's lock is taken with interrupts off).
    fn reap(&self) {
        loop {
            let slot = hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                if inner.dead == 0 {
                    return None;
                }
                let dead = (0..MAX_THREADS as ThreadId).find(|&thread| {
                    inner.state(thread) == Some(State::Dead)
                        && !inner.current.contains(&thread)
                        && hal::thread::is_suspended(thread)
                })?;
                inner.dead -= 1;
                // Unbound here, with the slot: once the slot is free, a new thread may take its
                // number and bind its own stack to it.
                let mut slot = inner.slots[dead as usize].take()?;
                if let Some(stack) = slot.stack.as_mut() {
                    stack.unbind();
                }
                Some(slot)
            });
            let Some(mut slot) = slot else { return };
            if let Some(stack) = slot.stack.take() {
                let no_room = hal::interrupts::without(|| {
                    let mut inner = self.inner.lock();
                    match inner.spare_stacks.iter_mut().find(|spare| spare.is_none()) {
                        Some(free) => {
                            *free = Some(stack);
                            None
                        }
                        None => Some(stack),
                    }
                });
                drop(no_room);
            }
            drop(slot);
        }
    }

    fn enqueue_waiter(inner: &mut Inner<S>, queue: &WaitQueue, thread: ThreadId) {
        let mut ends = queue.ends.lock();
        // Published before the waiter checks its condition: see `WaitQueue::is_empty`.
        queue.waiting.fetch_add(1, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
        if let Some(slot) = inner.slot(thread) {
            slot.next_waiter = None;
        }
        *ends = match *ends {
            None => Some((thread, thread)),
            Some((head, tail)) => {
                if let Some(slot) = inner.slot(tail) {
                    slot.next_waiter = Some(thread);
                }
                Some((head, thread))
            }
        };
    }

    fn dequeue_waiter(inner: &mut Inner<S>, queue: &WaitQueue) -> Option<ThreadId> {
        let mut ends = queue.ends.lock();
        let (head, tail) = (*ends)?;
        queue.waiting.fetch_sub(1, Ordering::SeqCst);
        let next = inner.slot(head).and_then(|slot| slot.next_waiter.take());
        *ends = match next {
            Some(next) if head != tail => Some((next, tail)),
            _ => None,
        };
        Some(head)
    }

    /// Takes `thread`, the newest waiter, back out of `queue` (its condition no longer held).
    fn withdraw_waiter(inner: &mut Inner<S>, queue: &WaitQueue, thread: ThreadId) {
        let mut ends = queue.ends.lock();
        let Some((head, tail)) = *ends else { return };
        if tail != thread {
            return;
        }
        queue.waiting.fetch_sub(1, Ordering::SeqCst);
        if head == thread {
            *ends = None;
            return;
        }
        let mut previous = head;
        while let Some(next) = inner.slot(previous).and_then(|slot| slot.next_waiter) {
            if next == thread {
                if let Some(slot) = inner.slot(previous) {
                    slot.next_waiter = None;
                }
                *ends = Some((head, previous));
                return;
            }
            previous = next;
        }
    }

    /// After waking threads from thread context: yields if a woken one should run first. Not
    /// while the running thread is itself on its way to block (it is no longer `Running`).
    fn preempt_if_needed<'a>(&'a self, mut inner: spin::MutexGuard<'a, Inner<S>>) {
        let current = inner.current[hal::smp::cpu_index()];
        let Some(slot) = inner.slot(current) else { return };
        if slot.state != State::Running {
            return;
        }
        let priority = slot.priority;
        if inner.scheduler.should_preempt(priority, 0) {
            inner.make_ready(current);
            self.reschedule(inner);
        }
    }
}

/// Why the runtime could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartError {
    /// No memory for the idle thread's stack.
    OutOfMemory,
    /// The timer could not start.
    Timer(hal::lapic::TimerError),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::OutOfMemory => f.write_str("no memory for the idle thread"),
            StartError::Timer(error) => write!(f, "{error}"),
        }
    }
}

extern "C" fn thread_entry(_argument: usize) -> ! {
    let Some(runtime) = RUNTIME.get() else { hal::cpu::halt_forever() };
    runtime.run_current()
}

extern "C" fn idle_entry(cpu: usize) -> ! {
    let Some(runtime) = RUNTIME.get() else { hal::cpu::halt_forever() };
    runtime.idle(cpu)
}

/// What a CPU other than the boot CPU runs once started (give it to `hal::smp`).
pub fn secondary_cpu_main(cpu: usize) -> ! {
    match RUNTIME.get() {
        Some(runtime) => runtime.run_secondary_cpu(cpu),
        None => hal::cpu::halt_forever(),
    }
}

fn on_timer() {
    if let Some(runtime) = RUNTIME.get() {
        runtime.tick();
    }
}

fn name_for_report(thread: ThreadId, out: &mut dyn fmt::Write) {
    // Called from the crash path with interrupts off: no lock may be waited for.
    match RUNTIME.get() {
        Some(runtime) => runtime.with_name(thread, &mut |name| {
            let _ = out.write_str(name);
        }),
        None => {
            let _ = write!(out, "#{thread}");
        }
    }
}

fn report_deadlock() -> ! {
    let _ = fmt::Write::write_str(
        &mut &hal::serial::SERIAL,
        "\nstardust: deadlock: every thread is blocked and none sleeps, so none can ever run\n",
    );
    hal::power::exit(hal::exit_code::DEADLOCK)
}

impl<S: Scheduler + Send + 'static> Threads for Runtime<S> {
    fn spawn(
        &self,
        name: String,
        stack_size: usize,
        priority: Priority,
        entry: Box<dyn FnOnce() + Send>,
    ) -> Result<ThreadId, SpawnError> {
        if usize::from(priority) >= PRIORITY_LEVELS {
            return Err(SpawnError::BadPriority(priority));
        }
        if stack_size < MIN_STACK {
            return Err(SpawnError::BadStackSize(stack_size));
        }
        let wanted = stack_size.checked_next_multiple_of(4096).ok_or(SpawnError::BadStackSize(stack_size))?;
        // Reserve a slot and maybe a spare stack (interrupts off), then make a stack if needed.
        let (thread, spare) = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let free = (0..MAX_THREADS).find(|&index| inner.slots[index].is_none())?;
            inner.slots[free] = Some(Slot::new(String::new(), priority, State::Blocked));
            let spare = inner
                .spare_stacks
                .iter_mut()
                .find(|spare| spare.as_ref().is_some_and(|stack| stack.usable_size() == wanted))
                .and_then(Option::take);
            Some((free as ThreadId, spare))
        })
        .ok_or(SpawnError::TooManyThreads)?;
        let stack = match spare {
            Some(mut stack) => stack.bind(thread).map(|()| stack),
            None => Stack::new(thread, stack_size),
        };
        let stack = match stack {
            Ok(stack) => stack,
            Err(error) => {
                hal::interrupts::without(|| self.inner.lock().slots[thread as usize] = None);
                return Err(match error {
                    hal::thread::StackError::BadSize(size) => SpawnError::BadStackSize(size),
                    _ => SpawnError::OutOfMemory,
                });
            }
        };
        hal::thread::prepare(&stack, thread_entry, thread as usize);
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            if let Some(slot) = inner.slot(thread) {
                slot.name = name;
                slot.stack = Some(stack);
                slot.entry = Some(entry);
            }
            inner.make_ready(thread);
            self.preempt_if_needed(inner);
        });
        Ok(thread)
    }

    fn current(&self) -> ThreadId {
        hal::interrupts::without(|| self.inner.lock().current[hal::smp::cpu_index()])
    }

    fn with_name(&self, thread: ThreadId, f: &mut dyn FnMut(&str)) {
        // Also called from crash reports: another CPU may hold the lock for a moment, but if this
        // CPU holds it (a fault inside the runtime) waiting would never end, so tries are bounded.
        hal::interrupts::without(|| {
            for _ in 0..1_000_000 {
                if let Some(inner) = self.inner.try_lock() {
                    let slot = inner.slots.get(thread as usize).and_then(Option::as_ref);
                    return f(slot.map_or("", |slot| slot.name.as_str()));
                }
                core::hint::spin_loop();
            }
            f("?");
        });
    }

    fn yield_now(&self) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current[hal::smp::cpu_index()];
            inner.make_ready(current);
            self.reschedule(inner);
        });
        self.reap();
    }

    fn sleep_until(&self, deadline: u64) {
        // A wake-up only happens once the deadline has passed; the loop is a second guard.
        while hal::cpu::rdtsc() < deadline {
            hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                let current = inner.current[hal::smp::cpu_index()];
                if let Some(slot) = inner.slot(current) {
                    slot.state = State::Sleeping { until: deadline };
                }
                inner.sleepers += 1;
                self.reschedule(inner);
            });
            self.reap();
        }
    }

    fn wait(&self, queue: &WaitQueue, condition: &mut dyn FnMut() -> bool, before_block: &mut dyn FnMut()) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current[hal::smp::cpu_index()];
            Self::enqueue_waiter(&mut inner, queue, current);
            if !condition() {
                Self::withdraw_waiter(&mut inner, queue, current);
                return;
            }
            if let Some(slot) = inner.slot(current) {
                slot.state = State::Blocked;
            }
            drop(inner);
            before_block();
            let inner = self.inner.lock();
            // Woken already (by `before_block`'s release, or another CPU)? Then it is queued in
            // the scheduler and `reschedule` may pick it straight back.
            self.reschedule(inner);
        });
        self.reap();
    }

    fn wake_one(&self, queue: &WaitQueue) -> bool {
        if queue.is_empty() {
            return false;
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let Some(thread) = Self::dequeue_waiter(&mut inner, queue) else { return false };
            inner.make_ready(thread);
            self.preempt_if_needed(inner);
            true
        })
    }

    fn wake_all(&self, queue: &WaitQueue) -> usize {
        if queue.is_empty() {
            return 0;
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let mut woken = 0;
            while let Some(thread) = Self::dequeue_waiter(&mut inner, queue) {
                inner.make_ready(thread);
                woken += 1;
            }
            if woken > 0 {
                self.preempt_if_needed(inner);
            }
            woken
        })
    }

    fn tick(&self) {
        self.on_tick();
    }

    fn run_current(&self) -> ! {
        hal::interrupts::enable();
        self.reap();
        let entry = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current[hal::smp::cpu_index()];
            inner.slot(current).and_then(|slot| slot.entry.take())
        });
        if let Some(entry) = entry {
            entry();
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current[hal::smp::cpu_index()];
            if let Some(slot) = inner.slot(current) {
                slot.state = State::Dead;
            }
            inner.dead += 1;
            self.reschedule(inner);
        });
        // A dead thread is never picked again.
        hal::cpu::halt_forever()
    }

    fn run_secondary_cpu(&self, cpu: usize) -> ! {
        let name = String::from("idle");
        let adopted = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let free = (0..MAX_THREADS).find(|&index| inner.slots[index].is_none())? as ThreadId;
            inner.slots[free as usize] = Some(Slot::new(name, 0, State::Idle));
            inner.idle[cpu] = Some(free);
            inner.current[cpu] = free;
            inner.cpus += 1;
            inner.online |= 1 << cpu;
            Some(())
        });
        if adopted.is_none() {
            hal::cpu::halt_forever();
        }
        self.idle(cpu)
    }

    fn cpus(&self) -> usize {
        hal::interrupts::without(|| self.inner.lock().cpus)
    }

    fn idle(&self, cpu: usize) -> ! {
        self.idle_loop(cpu)
    }
}
