//! Java threads on the host's threads, one machine between them.
//!
//! The [`Machine`] (classes, heap, the running thread's stacks) is owned by one thread at a
//! time: each Java thread is a [`Vm`], which holds the machine in a `Box` while it runs Java code
//! and puts it back into a shared [`Cell`] while it waits (sleep, join, wait, a contended
//! monitor) and, every few thousand branches and calls, when another thread is waiting for it.
//! The box moves between threads: no two threads ever hold it, and no `unsafe` is needed.
//! A thread's own stacks are parked in the machine while another runs, so the collector sees
//! every thread's roots.

use crate::sorted::SortedMap;
use alloc::boxed::Box;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::heap::{Ref, Value};
use crate::vm::{ClassSource, Config, Frame, Host, Machine, Unwind};

/// Branches and calls between two looks at whether another thread waits for the machine.
pub const SLICE: u32 = 4096;
/// Polls of a contended monitor or a wait that yield before they start sleeping 1 ms each.
const SPINS: u32 = 16;

/// Where the machine is while no thread runs Java code.
pub struct Cell {
    slot: spin::Mutex<Option<Box<Machine>>>,
    /// Threads waiting to take the machine.
    contenders: AtomicUsize,
}

/// One thread's part of the machine: its value stack and frames, and what its natives pinned.
#[derive(Default)]
pub(crate) struct ThreadState {
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    pub pins: Vec<Ref>,
    pub native_depth: usize,
    pub pinning: bool,
}

#[derive(Clone, Copy)]
pub(crate) struct Monitor {
    pub owner: u32,
    pub count: u32,
}

pub(crate) struct Waiter {
    pub object: Ref,
    pub thread: u32,
    pub notified: bool,
}

/// The machine's record of Java threads.
#[derive(Default)]
pub(crate) struct Threads {
    /// The stacks of threads that are not running now.
    pub parked: SortedMap<u32, ThreadState>,
    /// The Thread object of every started, unfinished thread (and of main once asked for).
    pub objects: SortedMap<u32, Ref>,
    pub monitors: SortedMap<Ref, Monitor>,
    pub waiters: Vec<Waiter>,
    /// Started threads that are not daemons and have not finished: main waits for them.
    pub running: usize,
    pub next_id: u32,
    /// The next "Thread-N" name.
    pub next_name: u32,
}

impl Threads {
    pub fn roots(&self, roots: &mut Vec<Ref>) {
        for state in self.parked.values() {
            roots.extend(state.stack.iter().filter_map(|v| if let Value::Ref(r) = v { Some(*r) } else { None }));
            roots.extend(state.pins.iter().copied());
        }
        roots.extend(self.objects.values().copied());
        roots.extend(self.monitors.keys().copied());
        roots.extend(self.waiters.iter().map(|w| w.object));
    }
}

/// A Java thread: the machine while it runs, the way to hand it over while it waits.
pub struct Vm {
    /// The machine while this thread holds it; an empty stand-in while it waits.
    machine: Box<Machine>,
    held: bool,
    cell: Arc<Cell>,
    host: Arc<dyn Host>,
    /// This thread's number (main is 0).
    pub thread: u32,
    /// Branches and calls left before the next look for other threads.
    pub(crate) ticks: u32,
    /// The thread has finished: it gives the machine back without parking stacks.
    finished: bool,
}

impl Deref for Vm {
    type Target = Machine;
    fn deref(&self) -> &Machine {
        &self.machine
    }
}

impl DerefMut for Vm {
    fn deref_mut(&mut self) -> &mut Machine {
        &mut self.machine
    }
}

impl Vm {
    /// A machine over `source`, held by its main thread (number 0).
    pub fn new(host: Arc<dyn Host>, source: Box<dyn ClassSource>, config: Config) -> Vm {
        let mut machine = Box::new(Machine::new(host.clone(), source, config));
        machine.threads.next_id = 1;
        let cell = Arc::new(Cell { slot: spin::Mutex::new(None), contenders: AtomicUsize::new(0) });
        Vm { machine, held: true, cell, host, thread: 0, ticks: SLICE, finished: false }
    }

    /// A new Java thread's handle on the machine (it takes the machine with [`Vm::acquire`]).
    fn attach(&self, thread: u32) -> Vm {
        let stand_in = Box::new(Machine::stand_in(self.host.clone()));
        Vm {
            machine: stand_in,
            held: false,
            cell: self.cell.clone(),
            host: self.host.clone(),
            thread,
            ticks: SLICE,
            finished: false,
        }
    }

    /// Parks this thread's stacks in the machine and hands the machine over.
    fn release(&mut self) {
        if self.held {
            self.held = false;
            let stand_in = Box::new(Machine::stand_in(self.host.clone()));
            let mut machine = core::mem::replace(&mut self.machine, stand_in);
            let state = ThreadState {
                stack: core::mem::take(&mut machine.stack),
                frames: core::mem::take(&mut machine.frames),
                pins: core::mem::take(&mut machine.pins),
                native_depth: machine.native_depth,
                pinning: machine.pinning,
            };
            if !self.finished {
                machine.threads.parked.insert(self.thread, state);
            }
            *self.cell.slot.lock() = Some(machine);
        }
    }

    /// Takes the machine (waiting for it) and this thread's stacks back.
    fn acquire(&mut self) {
        self.cell.contenders.fetch_add(1, Ordering::SeqCst);
        let mut machine = loop {
            if let Some(machine) = self.cell.slot.lock().take() {
                break machine;
            }
            self.host.yield_now();
        };
        self.cell.contenders.fetch_sub(1, Ordering::SeqCst);
        let state = machine.threads.parked.remove(&self.thread).unwrap_or_default();
        machine.stack = state.stack;
        machine.frames = state.frames;
        machine.pins = state.pins;
        machine.native_depth = state.native_depth;
        machine.pinning = state.pinning;
        self.machine = machine;
        self.held = true;
    }

    /// Runs `wait` (a sleep, a yield) without the machine, so other threads can run meanwhile.
    pub fn without_machine<T>(&mut self, wait: impl FnOnce(&dyn Host) -> T) -> T {
        self.release();
        let result = wait(&*self.host);
        self.acquire();
        result
    }

    /// At the end of a time slice: lets a waiting thread run.
    pub(crate) fn slice_over(&mut self) {
        self.ticks = SLICE;
        if self.cell.contenders.load(Ordering::Relaxed) > 0 {
            self.without_machine(|host| host.yield_now());
        }
    }

    /// Waits a little, politely: a yield for the first polls, then 1 ms sleeps.
    fn pause(&mut self, polls: &mut u32) {
        *polls += 1;
        if *polls <= SPINS {
            self.without_machine(|host| host.yield_now());
        } else {
            self.without_machine(|host| host.sleep(1));
        }
    }

    // ---- Monitors -----------------------------------------------------------------------

    /// monitorenter: owns `object`'s monitor (again, if it owns it already).
    pub fn monitor_enter(&mut self, object: Ref) {
        let me = self.thread;
        let mut polls = 0;
        loop {
            match self.threads.monitors.get_mut(&object) {
                None => {
                    self.threads.monitors.insert(object, Monitor { owner: me, count: 1 });
                    return;
                }
                Some(monitor) if monitor.owner == me => {
                    monitor.count += 1;
                    return;
                }
                Some(_) => self.pause(&mut polls),
            }
        }
    }

    /// monitorexit: Err(IllegalMonitorStateException) unless this thread owns the monitor.
    pub fn monitor_exit(&mut self, object: Ref) -> Result<(), Unwind> {
        let me = self.thread;
        match self.threads.monitors.get_mut(&object) {
            Some(monitor) if monitor.owner == me => {
                monitor.count -= 1;
                if monitor.count == 0 {
                    self.threads.monitors.remove(&object);
                }
                Ok(())
            }
            _ => Err(self.throw("java/lang/IllegalMonitorStateException", "current thread is not owner")),
        }
    }

    /// Object.wait: gives the monitor up until notified (or `millis` passed, if not 0), then
    /// takes it back as it was.
    pub fn monitor_wait(&mut self, object: Ref, millis: i64) -> Result<(), Unwind> {
        if millis < 0 {
            return Err(self.throw("java/lang/IllegalArgumentException", "timeout value is negative"));
        }
        let me = self.thread;
        let count = match self.threads.monitors.get(&object) {
            Some(monitor) if monitor.owner == me => monitor.count,
            _ => return Err(self.throw("java/lang/IllegalMonitorStateException", "current thread is not owner")),
        };
        // Interrupted before it waits: InterruptedException at once, the monitor still held.
        crate::lang::classes::take_interrupt(self, "")?;
        self.threads.monitors.remove(&object);
        self.threads.waiters.push(Waiter { object, thread: me, notified: false });
        let deadline =
            (millis > 0).then(|| self.host.nanos().saturating_add((millis as u64).saturating_mul(1_000_000)));
        let mut polls = 0;
        // Notified (and then perhaps interrupted too): a normal return, the flag left set, so
        // that no notification is lost (JLS 17.2.4).
        let mut notified = false;
        loop {
            self.pause(&mut polls);
            let Some(at) = self.threads.waiters.iter().position(|w| w.thread == me) else { break };
            let timed_out = deadline.is_some_and(|d| self.host.nanos() >= d);
            notified = self.threads.waiters[at].notified;
            if notified || timed_out || crate::lang::classes::is_interrupted(self).unwrap_or(false) {
                self.threads.waiters.remove(at);
                break;
            }
        }
        let mut polls = 0;
        loop {
            if self.threads.monitors.insert_new(object, Monitor { owner: me, count }) {
                // An interrupt while waiting: thrown once the monitor is owned again, as Java does.
                return if notified { Ok(()) } else { crate::lang::classes::take_interrupt(self, "") };
            }
            self.pause(&mut polls);
        }
    }

    /// Object.notify / notifyAll.
    pub fn monitor_notify(&mut self, object: Ref, all: bool) -> Result<(), Unwind> {
        let me = self.thread;
        if self.threads.monitors.get(&object).is_none_or(|m| m.owner != me) {
            return Err(self.throw("java/lang/IllegalMonitorStateException", "current thread is not owner"));
        }
        for waiter in self.threads.waiters.iter_mut().filter(|w| w.object == object && !w.notified) {
            waiter.notified = true;
            if !all {
                break;
            }
        }
        Ok(())
    }

    // ---- Threads --------------------------------------------------------------------------

    /// Thread.start: runs `thread`'s run() on a new host thread.
    pub fn start_thread(&mut self, thread: Ref, daemon: bool) -> Result<(), Unwind> {
        let id = self.threads.next_id;
        self.threads.next_id += 1;
        self.threads.objects.insert(id, thread);
        if !daemon {
            self.threads.running += 1;
        }
        let mut child = self.attach(id);
        let started = self.host.spawn(Box::new(move || {
            child.acquire();
            let result = child.call_virtual(thread, "run", "()V", &[]);
            if let Err(Unwind::Throw(exception)) = result {
                crate::lang::report_uncaught(&mut child, exception, thread);
            }
            child.flush();
            child.finish_thread(thread, daemon);
            child.release();
        }));
        if !started {
            self.threads.objects.remove(&id);
            if !daemon {
                self.threads.running -= 1;
            }
            return Err(self.throw("java/lang/OutOfMemoryError", "unable to create native thread"));
        }
        Ok(())
    }

    fn finish_thread(&mut self, thread: Ref, daemon: bool) {
        crate::lang::thread_finished(self, thread);
        let me = self.thread;
        self.threads.objects.remove(&me);
        self.threads.monitors.retain(|_, monitor| monitor.owner != me);
        if !daemon {
            self.threads.running = self.threads.running.saturating_sub(1);
        }
        // Its stacks are gone with it.
        self.stack.clear();
        self.frames.clear();
        self.pins.clear();
        self.threads.parked.remove(&me);
        self.finished = true;
    }

    /// Waits (without the machine) until `done` says so; false when `millis` (if not 0) passed.
    pub fn wait_until(&mut self, millis: i64, mut done: impl FnMut(&mut Vm) -> bool) -> bool {
        let deadline =
            (millis > 0).then(|| self.host.nanos().saturating_add((millis as u64).saturating_mul(1_000_000)));
        let mut polls = 0;
        loop {
            if done(self) {
                return true;
            }
            if deadline.is_some_and(|d| self.host.nanos() >= d) {
                return false;
            }
            self.pause(&mut polls);
        }
    }

    /// Main's end: waits for the threads that are not daemons, as `java` does.
    pub(crate) fn wait_for_threads(&mut self) {
        self.wait_until(0, |vm| vm.threads.running == 0);
    }

    /// The Thread object of this thread (main's is made when first asked for).
    pub fn current_thread(&mut self) -> Result<Ref, Unwind> {
        if let Some(object) = self.threads.objects.get(&self.thread) {
            return Ok(*object);
        }
        let object = crate::lang::main_thread(self)?;
        let me = self.thread;
        self.threads.objects.insert(me, object);
        Ok(object)
    }

    /// System.exit from a thread that is not main: the whole program ends now.
    pub fn exit_program(&mut self, code: i32) -> Unwind {
        if self.thread == 0 {
            return Unwind::Exit(code);
        }
        self.flush();
        self.host.exit(code)
    }

    pub fn name_thread(&mut self) -> alloc::string::String {
        let n = self.threads.next_name;
        self.threads.next_name += 1;
        format!("Thread-{n}")
    }
}
