//! The runtime proper: the thread table, scheduling decisions, the tick, blocking and waking.

use crate::wait_queue::WaitQueue;
use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;
use core::sync::atomic::Ordering;
use hal::smp::MAX_CPUS;
use hal::thread::Stack;
use stardust_api::{DEFAULT_PRIORITY, MAX_THREADS, PRIORITY_LEVELS, Priority, Scheduler, ThreadId};
use stardust_task_core::{BOOT_IDLE_THREAD, IdleDecision, Machine, Outcome, RuntimeCore};

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

/// The machine side of a thread, which the core keeps in its table: its name, its stack (None
/// for threads on a stack the runtime did not make: main's boot stack, the stacks other CPUs
/// start on), and the closure it runs until it starts.
#[derive(Default)]
struct MachineThread {
    name: String,
    stack: Option<Stack>,
    entry: Option<Box<dyn FnOnce() + Send>>,
}

impl MachineThread {
    fn named(name: String) -> MachineThread {
        MachineThread { name, ..MachineThread::default() }
    }
}

/// The core's one question to the machine, answered by the hal's saved-context flags.
struct Hal;

impl Machine for Hal {
    fn is_suspended(&self, thread: ThreadId) -> bool {
        hal::thread::is_suspended(thread)
    }
}

// The core's per-CPU arrays are indexed by the hal's CPU index.
const _: () = assert!(MAX_CPUS <= stardust_task_core::MAX_CPUS);

struct Inner<S> {
    core: RuntimeCore<S, MachineThread>,
    /// Stacks of ended threads, kept for the next threads (creating a stack maps and unmaps a
    /// guard page and allocates; reusing one does neither).
    spare_stacks: [Option<Stack>; SPARE_STACKS],
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
    /// Parks the running thread until the TSC reads `deadline` or [`unpark`](Self::unpark) is
    /// called for it, whichever is first; returns at once if an unpark came since its last park.
    /// May also return early for no reason: the caller looks again at what it waits for.
    fn park_until(&self, deadline: u64);
    /// Ends `thread`'s park, or makes its next one return at once. Callable from an interrupt
    /// handler (interrupts off): nothing is lost if the thread has not parked yet.
    fn unpark(&self, thread: ThreadId);
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
    /// Ends the calling thread now, as if its closure had returned (its stack is freed by the
    /// next thread to run). Nothing on its stack is dropped: for threads whose closure never
    /// returns, such as a Linux program's threads.
    fn exit_current(&self) -> !;
    /// Makes the calling CPU (not the boot CPU) take part: the code running becomes its idle
    /// thread, which runs whatever is queued.
    fn run_secondary_cpu(&self, cpu: usize) -> !;
    /// How many CPUs run threads.
    fn cpus(&self) -> usize;
    /// A CPU's idle loop (its idle thread's whole life).
    fn idle(&self, cpu: usize) -> !;
}

/// The thread runtime over scheduler `S`: the core's state machine behind one lock taken with
/// interrupts off, and the machine side that applies its decisions.
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
                core: RuntimeCore::new(scheduler),
                spare_stacks: [const { None }; SPARE_STACKS],
            }),
        }
    }

    /// Makes the running code thread 0 ("main") on the boot CPU, gives that CPU an idle thread,
    /// and starts the timer at `tick_hz`. Interrupts are on when it returns.
    pub fn start(&'static self, tick_hz: u32) -> Result<(), StartError> {
        let idle_stack = Stack::new(BOOT_IDLE_THREAD, IDLE_STACK).map_err(|_| StartError::OutOfMemory)?;
        hal::thread::prepare(&idle_stack, idle_entry, 0);
        let main = MachineThread::named(String::from("main"));
        let idle = MachineThread { stack: Some(idle_stack), ..MachineThread::named(String::from("idle")) };
        hal::interrupts::without(|| self.inner.lock().core.start(DEFAULT_PRIORITY, main, idle));
        RUNTIME.call_once(|| self);
        hal::thread::set_namer(name_for_report);
        hal::interrupts::set_timer_handler(on_timer);
        hal::interrupts::without(|| hal::lapic::start_timer(tick_hz)).map_err(StartError::Timer)?;
        hal::interrupts::enable();
        Ok(())
    }

    /// Carries out the core's decision for the calling CPU: releases the lock, wakes the halted
    /// CPUs that have work now, and switches threads if asked. Interrupts off; returns once the
    /// calling thread runs again (on whichever CPU). Not inlined: one copy serves every caller.
    #[inline(never)]
    fn apply<'a>(&'a self, inner: spin::MutexGuard<'a, Inner<S>>, outcome: Outcome) {
        drop(inner);
        for cpu in outcome.wake_cpus.iter() {
            hal::smp::wake(cpu);
        }
        if let Some(switch) = outcome.switch {
            hal::thread::switch(switch.from, switch.to);
        }
    }

    /// A CPU's idle thread: runs whatever is queued; halts while nothing is.
    fn idle_loop(&self, cpu: usize) -> ! {
        loop {
            hal::interrupts::without(|| {
                self.reap();
                let mut inner = self.inner.lock();
                let decision = inner.core.idle(cpu);
                drop(inner);
                match decision {
                    IdleDecision::Run(switch) => {
                        hal::lapic::resume_tick();
                        hal::thread::switch(switch.from, switch.to)
                    }
                    // Tickless: no periodic tick while the CPU halts, only one at the next
                    // sleeper's deadline (the core's contract for `Halt`).
                    IdleDecision::Halt { wake_at } => {
                        hal::lapic::idle_until(wake_at);
                        hal::interrupts::wait_for_interrupt()
                    }
                    IdleDecision::Deadlock => report_deadlock(),
                }
            });
        }
    }

    /// Frees (or keeps for reuse) the stacks of threads that have ended and are off every CPU.
    /// Interrupts may be on or off (the heap's lock is taken with interrupts off).
    fn reap(&self) {
        loop {
            let thread = hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                let (_, mut thread) = inner.core.reap(&Hal)?;
                // Unbound here, under the lock: once the core has freed the number, a new thread
                // may take it and bind its own stack to it.
                if let Some(stack) = thread.stack.as_mut() {
                    stack.unbind();
                }
                Some(thread)
            });
            let Some(mut thread) = thread else { return };
            if let Some(stack) = thread.stack.take() {
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
            drop(thread);
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
    // Every idle CPU may find the deadlock at once: one reports it.
    if !hal::power::claim_exit() {
        hal::cpu::halt_forever()
    }
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
        // Reserve a number and maybe a spare stack (interrupts off), then make a stack if needed.
        let (thread, spare) = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let thread = inner.core.reserve(priority, MachineThread::default())?;
            let spare = inner
                .spare_stacks
                .iter_mut()
                .find(|spare| spare.as_ref().is_some_and(|stack| stack.usable_size() == wanted))
                .and_then(Option::take);
            Some((thread, spare))
        })
        .ok_or(SpawnError::TooManyThreads)?;
        let stack = match spare {
            Some(mut stack) => stack.bind(thread).map(|()| stack),
            None => Stack::new(thread, stack_size),
        };
        let stack = match stack {
            Ok(stack) => stack,
            Err(error) => {
                hal::interrupts::without(|| drop(self.inner.lock().core.cancel(thread)));
                return Err(match error {
                    hal::thread::StackError::BadSize(size) => SpawnError::BadStackSize(size),
                    _ => SpawnError::OutOfMemory,
                });
            }
        };
        hal::thread::prepare(&stack, thread_entry, thread as usize);
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            if let Some(parts) = inner.core.payload_mut(thread) {
                *parts = MachineThread { name, stack: Some(stack), entry: Some(entry) };
            }
            let outcome = inner.core.admit(thread, hal::smp::cpu_index());
            self.apply(inner, outcome);
        });
        Ok(thread)
    }

    fn current(&self) -> ThreadId {
        hal::interrupts::without(|| self.inner.lock().core.current(hal::smp::cpu_index()))
    }

    fn with_name(&self, thread: ThreadId, f: &mut dyn FnMut(&str)) {
        // Also called from crash reports: another CPU may hold the lock for a moment, but if this
        // CPU holds it (a fault inside the runtime) waiting would never end, so tries are bounded.
        hal::interrupts::without(|| {
            for _ in 0..1_000_000 {
                if let Some(inner) = self.inner.try_lock() {
                    return f(inner.core.payload(thread).map_or("", |parts| parts.name.as_str()));
                }
                core::hint::spin_loop();
            }
            f("?");
        });
    }

    fn yield_now(&self) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let outcome = inner.core.yield_now(hal::smp::cpu_index());
            self.apply(inner, outcome);
        });
        self.reap();
    }

    fn sleep_until(&self, deadline: u64) {
        // A wake-up only happens once the deadline has passed; the loop is a second guard.
        while hal::cpu::rdtsc() < deadline {
            hal::interrupts::without(|| {
                let mut inner = self.inner.lock();
                let outcome = inner.core.sleep(hal::smp::cpu_index(), deadline);
                self.apply(inner, outcome);
            });
            self.reap();
        }
    }

    fn park_until(&self, deadline: u64) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let outcome = inner.core.park(hal::smp::cpu_index(), deadline);
            self.apply(inner, outcome);
        });
        self.reap();
    }

    fn unpark(&self, thread: ThreadId) {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let outcome = inner.core.unpark(thread, hal::smp::cpu_index());
            self.apply(inner, outcome);
        });
    }

    fn wait(&self, queue: &WaitQueue, condition: &mut dyn FnMut() -> bool, before_block: &mut dyn FnMut()) {
        hal::interrupts::without(|| {
            let cpu = hal::smp::cpu_index();
            let mut inner = self.inner.lock();
            {
                let mut list = queue.list.lock();
                inner.core.enqueue_waiter(&mut list, cpu);
                // Published before the waiter checks its condition: see `WaitQueue::is_empty`.
                queue.waiting.fetch_add(1, Ordering::SeqCst);
                core::sync::atomic::fence(Ordering::SeqCst);
            }
            if !condition() {
                if inner.core.withdraw_waiter(&mut queue.list.lock(), cpu) {
                    queue.waiting.fetch_sub(1, Ordering::SeqCst);
                }
                return;
            }
            inner.core.block(cpu);
            drop(inner);
            before_block();
            let mut inner = self.inner.lock();
            // Woken already (by `before_block`'s release, or another CPU)? Then it is queued in
            // the scheduler and `reschedule` may pick it straight back.
            let switch = inner.core.reschedule(cpu);
            self.apply(inner, Outcome { switch, ..Outcome::default() });
        });
        self.reap();
    }

    fn wake_one(&self, queue: &WaitQueue) -> bool {
        if queue.is_empty() {
            return false;
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let (woken, outcome) = inner.core.wake_one(&mut queue.list.lock(), hal::smp::cpu_index());
            if woken.is_some() {
                queue.waiting.fetch_sub(1, Ordering::SeqCst);
            }
            self.apply(inner, outcome);
            woken.is_some()
        })
    }

    fn wake_all(&self, queue: &WaitQueue) -> usize {
        if queue.is_empty() {
            return 0;
        }
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let (woken, outcome) = inner.core.wake_all(&mut queue.list.lock(), hal::smp::cpu_index());
            queue.waiting.fetch_sub(woken, Ordering::SeqCst);
            self.apply(inner, outcome);
            woken
        })
    }

    fn tick(&self) {
        let now = hal::cpu::rdtsc();
        let mut inner = self.inner.lock();
        let outcome = inner.core.tick(hal::smp::cpu_index(), now);
        self.apply(inner, outcome);
    }

    fn run_current(&self) -> ! {
        hal::interrupts::enable();
        self.reap();
        let entry = hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let current = inner.core.current(hal::smp::cpu_index());
            inner.core.payload_mut(current).and_then(|parts| parts.entry.take())
        });
        if let Some(entry) = entry {
            entry();
        }
        self.exit_current()
    }

    fn exit_current(&self) -> ! {
        hal::interrupts::without(|| {
            let mut inner = self.inner.lock();
            let outcome = inner.core.exit(hal::smp::cpu_index());
            self.apply(inner, outcome);
        });
        // A dead thread is never picked again.
        hal::cpu::halt_forever()
    }

    fn run_secondary_cpu(&self, cpu: usize) -> ! {
        let idle = MachineThread::named(String::from("idle"));
        let adopted = hal::interrupts::without(|| self.inner.lock().core.add_cpu(cpu, idle));
        if adopted.is_none() {
            hal::cpu::halt_forever();
        }
        self.idle(cpu)
    }

    fn cpus(&self) -> usize {
        hal::interrupts::without(|| self.inner.lock().core.cpus())
    }

    fn idle(&self, cpu: usize) -> ! {
        self.idle_loop(cpu)
    }
}
