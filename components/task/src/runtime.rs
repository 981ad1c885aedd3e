//! The runtime proper: the thread table, scheduling decisions, the tick, blocking and waking.

use crate::wait_queue::WaitQueue;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::Ordering;
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
}

struct Slot {
    name: String,
    priority: Priority,
    state: State,
    /// None for the main thread, which runs on the boot stack.
    stack: Option<Stack>,
    ticks_run: u32,
    next_waiter: Option<ThreadId>,
    entry: Option<Box<dyn FnOnce() + Send>>,
}

struct Inner<S> {
    scheduler: S,
    /// One entry per possible thread: allocated once at start (a table of empty slots is not
    /// all zero bytes, so as a static it would cost its full size in the image).
    slots: Vec<Option<Slot>>,
    current: ThreadId,
    sleepers: usize,
    /// Stacks of ended threads, kept for the next threads (creating a stack maps and unmaps a
    /// guard page and allocates; reusing one does neither).
    spare_stacks: [Option<Stack>; SPARE_STACKS],
    /// Threads that ended and whose stacks wait to be freed (so `reap` is free when there are
    /// none, which is nearly always).
    dead: usize,
    idling: bool,
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
    /// The running thread.
    fn current(&self) -> ThreadId;
    /// Calls `f` with a thread's name ("" if it does not exist).
    fn with_name(&self, thread: ThreadId, f: &mut dyn FnMut(&str));
    /// Gives the CPU to another runnable thread, if any.
    fn yield_now(&self);
    /// Sleeps until the TSC reads at least `deadline`. Deadlines are TSC values, not tick counts:
    /// a monitor may deliver late timer interrupts in a burst, and counting them would end a
    /// sleep early.
    fn sleep_until(&self, deadline: u64);
    /// Blocks the running thread on `queue` if `condition` holds (checked with interrupts off, so
    /// a wake-up between the check and the block is not lost). `before_block` runs after the
    /// thread is queued and before it gives up the CPU (to release a lock atomically).
    fn wait(&self, queue: &WaitQueue, condition: &mut dyn FnMut() -> bool, before_block: &mut dyn FnMut());
    /// Wakes the oldest waiter of `queue`; false if there was none.
    fn wake_one(&self, queue: &WaitQueue) -> bool;
    /// Wakes every waiter of `queue`; returns how many.
    fn wake_all(&self, queue: &WaitQueue) -> usize;
    /// The timer's tick (interrupts off): wakes sleepers whose time has come, and preempts the
    /// running thread if the scheduler says so.
    fn tick(&self);
    /// A new thread's life: runs its closure, then ends it (its stack is freed by the next
    /// thread to run). Called once, by the thread's first instruction.
    fn run_current(&self) -> !;
}

/// The thread runtime over scheduler `S`.
pub struct Runtime<S> {
    inner: spin::Mutex<Inner<S>>,
}

static RUNTIME: spin::Once<&'static dyn Threads> = spin::Once::new();

impl<S: Scheduler + Send + 'static> Runtime<S> {
    /// A runtime with no threads yet, scheduling with `scheduler`.
    pub const fn new(scheduler: S) -> Self {
        Runtime {
            inner: spin::Mutex::new(Inner {
                scheduler,
                slots: Vec::new(),
                current: MAIN,
                sleepers: 0,
                spare_stacks: [const { None }; SPARE_STACKS],
                dead: 0,
                idling: false,
            }),
        }
    }

    /// Makes the running code thread 0 ("main") and starts the timer at `tick_hz`. Interrupts
    /// are on when it returns.
    pub fn start(&'static self, tick_hz: u32) -> Result<(), hal::lapic::TimerError> {
        let table: Vec<Option<Slot>> = (0..MAX_THREADS).map(|_| None).collect();
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            inner.slots = table;
            inner.slots[MAIN as usize] = Some(Slot {
                name: String::new(),
                priority: DEFAULT_PRIORITY,
                state: State::Running,
                stack: None,
                ticks_run: 0,
                next_waiter: None,
                entry: None,
            });
        });
        // The name is allocated with interrupts on; see the crate docs.
        let name = String::from("main");
        hal::interrupts::without(|| {
            if let Some(slot) = self.inner.lock().slots[MAIN as usize].as_mut() {
                slot.name = name;
            }
        });
        RUNTIME.call_once(|| self);
        hal::thread::set_namer(name_for_report);
        hal::interrupts::set_timer_handler(on_timer);
        hal::interrupts::without(|| hal::lapic::start_timer(tick_hz))?;
        hal::interrupts::enable();
        Ok(())
    }

    /// Takes the CPU from the running thread (already off the CPU in `state`) and runs the next
    /// one, idling while there is none. Interrupts off; returns once this thread runs again.
    fn reschedule<'a>(&'a self, mut inner: spin::MutexGuard<'a, Inner<S>>) {
        loop {
            let current = inner.current;
            if let Some(next) = inner.scheduler.pick_next() {
                let Some(slot) = inner.slots[next as usize].as_mut() else { continue };
                slot.state = State::Running;
                slot.ticks_run = 0;
                if next == current {
                    return;
                }
                inner.current = next;
                drop(inner);
                hal::thread::switch(current, next);
                return;
            }
            let current_runs = matches!(inner.slots[current as usize].as_ref().map(|s| s.state), Some(State::Running));
            if current_runs {
                return;
            }
            if inner.sleepers == 0 {
                drop(inner);
                report_deadlock();
            }
            inner.idling = true;
            drop(inner);
            hal::interrupts::wait_for_interrupt();
            inner = self.inner.lock();
            inner.idling = false;
        }
    }

    /// Moves a thread to Ready and queues it.
    fn make_ready(inner: &mut Inner<S>, thread: ThreadId) {
        if let Some(slot) = inner.slots[thread as usize].as_mut() {
            slot.state = State::Ready;
            let priority = slot.priority;
            inner.scheduler.enqueue(thread, priority);
        }
    }

    fn on_tick(&self) {
        let now = hal::cpu::rdtsc();
        let mut inner = self.inner.lock();
        if inner.sleepers > 0 {
            for thread in 0..MAX_THREADS as ThreadId {
                let due = matches!(
                    inner.slots[thread as usize].as_ref().map(|s| s.state),
                    Some(State::Sleeping { until }) if until <= now
                );
                if due {
                    inner.sleepers -= 1;
                    Self::make_ready(&mut inner, thread);
                }
            }
        }
        if inner.idling {
            return; // the idle loop picks the next thread itself
        }
        let current = inner.current;
        let Some(slot) = inner.slots[current as usize].as_mut() else { return };
        slot.ticks_run = slot.ticks_run.saturating_add(1);
        let (priority, ticks_run) = (slot.priority, slot.ticks_run);
        if inner.scheduler.should_preempt(priority, ticks_run) {
            Self::make_ready(&mut inner, current);
            self.reschedule(inner);
        }
    }

    /// Frees the stacks of threads that have ended (never the running one). Interrupts are
    /// turned on for the freeing, as the heap's lock may be taken.
    fn reap(&self) {
        loop {
            let stack = hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                if inner.dead == 0 {
                    return None;
                }
                let current = inner.current;
                let dead = (0..MAX_THREADS).find(|&index| {
                    index != current as usize
                        && matches!(inner.slots[index].as_ref().map(|s| s.state), Some(State::Dead))
                })?;
                inner.dead -= 1;
                // Unbound here, with the slot: once the slot is free, a new thread may take its
                // number and bind its own stack to it.
                let mut slot = inner.slots[dead].take()?;
                if let Some(stack) = slot.stack.as_mut() {
                    stack.unbind();
                }
                Some(slot)
            });
            match stack {
                Some(mut slot) => {
                    if let Some(stack) = slot.stack.take() {
                        let spare = hal::interrupts::without(|| {
                            let mut inner = self.inner.lock();
                            match inner.spare_stacks.iter_mut().find(|spare| spare.is_none()) {
                                Some(free) => *free = Some(stack),
                                None => return Some(stack),
                            }
                            None
                        });
                        drop(spare); // no room: freed here, with interrupts on
                    }
                    drop(slot);
                }
                None => return,
            }
        }
    }

    fn enqueue_waiter(inner: &mut Inner<S>, queue: &WaitQueue, thread: ThreadId) {
        let mut ends = queue.ends.lock();
        queue.waiting.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = inner.slots[thread as usize].as_mut() {
            slot.next_waiter = None;
        }
        *ends = match *ends {
            None => Some((thread, thread)),
            Some((head, tail)) => {
                if let Some(slot) = inner.slots[tail as usize].as_mut() {
                    slot.next_waiter = Some(thread);
                }
                Some((head, thread))
            }
        };
    }

    fn dequeue_waiter(inner: &mut Inner<S>, queue: &WaitQueue) -> Option<ThreadId> {
        let mut ends = queue.ends.lock();
        let (head, tail) = (*ends)?;
        queue.waiting.fetch_sub(1, Ordering::Relaxed);
        let next = inner.slots[head as usize].as_mut().and_then(|slot| slot.next_waiter.take());
        *ends = match next {
            Some(next) if head != tail => Some((next, tail)),
            _ => None,
        };
        Some(head)
    }

    /// After waking threads from thread context: yields if a woken one should run first. Not
    /// while the running thread is itself on its way to block (it is no longer `Running`).
    fn preempt_if_needed<'a>(&'a self, mut inner: spin::MutexGuard<'a, Inner<S>>) {
        let current = inner.current;
        let Some(slot) = inner.slots[current as usize].as_ref() else { return };
        if slot.state != State::Running {
            return;
        }
        let priority = slot.priority;
        if inner.scheduler.should_preempt(priority, 0) {
            Self::make_ready(&mut inner, current);
            self.reschedule(inner);
        }
    }
}

extern "C" fn thread_entry(_argument: usize) -> ! {
    let Some(runtime) = RUNTIME.get() else { hal::cpu::halt_forever() };
    runtime.run_current()
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
        // Reserve a slot first (interrupts off), then allocate (interrupts on).
        let thread = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let free = (0..MAX_THREADS).find(|&index| inner.slots[index].is_none())?;
            inner.slots[free] = Some(Slot {
                name: String::new(),
                priority,
                state: State::Blocked,
                stack: None,
                ticks_run: 0,
                next_waiter: None,
                entry: None,
            });
            Some(free as ThreadId)
        })
        .ok_or(SpawnError::TooManyThreads)?;
        let wanted = stack_size.checked_next_multiple_of(4096).ok_or(SpawnError::BadStackSize(stack_size))?;
        let spare = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let found =
                inner.spare_stacks.iter_mut().find(|spare| spare.as_ref().is_some_and(|s| s.usable_size() == wanted));
            found.and_then(Option::take)
        });
        let stack = match spare
            .map_or_else(|| Stack::new(thread, stack_size), |mut stack| stack.bind(thread).map(|()| stack))
        {
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
            if let Some(slot) = inner.slots[thread as usize].as_mut() {
                slot.name = name;
                slot.stack = Some(stack);
                slot.entry = Some(entry);
            }
            Self::make_ready(&mut inner, thread);
            self.preempt_if_needed(inner);
        });
        Ok(thread)
    }

    fn current(&self) -> ThreadId {
        hal::interrupts::without(|| self.inner.lock().current)
    }

    fn with_name(&self, thread: ThreadId, f: &mut dyn FnMut(&str)) {
        hal::interrupts::without(|| match self.inner.try_lock() {
            Some(inner) => f(inner.slots.get(thread as usize).and_then(|s| s.as_ref()).map_or("", |s| s.name.as_str())),
            None => f("?"),
        });
    }

    fn yield_now(&self) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current;
            Self::make_ready(&mut inner, current);
            self.reschedule(inner);
        });
        self.reap();
    }

    fn sleep_until(&self, deadline: u64) {
        // A wake-up only happens once the deadline has passed; the loop is a second guard.
        while hal::cpu::rdtsc() < deadline {
            hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                let current = inner.current;
                if let Some(slot) = inner.slots[current as usize].as_mut() {
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
            if !condition() {
                return;
            }
            let mut inner = self.inner.lock();
            let current = inner.current;
            Self::enqueue_waiter(&mut inner, queue, current);
            if let Some(slot) = inner.slots[current as usize].as_mut() {
                slot.state = State::Blocked;
            }
            drop(inner);
            before_block();
            let inner = self.inner.lock();
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
            Self::make_ready(&mut inner, thread);
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
                Self::make_ready(&mut inner, thread);
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
            let current = inner.current;
            inner.slots[current as usize].as_mut().and_then(|slot| slot.entry.take())
        });
        if let Some(entry) = entry {
            entry();
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.current;
            if let Some(slot) = inner.slots[current as usize].as_mut() {
                slot.state = State::Dead;
                inner.dead += 1;
            }
            self.reschedule(inner);
        });
        // A dead thread is never picked again.
        hal::cpu::halt_forever()
    }
}
