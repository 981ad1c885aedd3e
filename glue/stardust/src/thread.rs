//! Threads, shaped like `std::thread`: `spawn`, `Builder`, `JoinHandle`, `sleep`, `yield_now`,
//! `current`.
//!
//! A panic in any thread ends the whole VM (exit code 101), so `join` never sees one: it
//! returns `Ok` with the thread's value.

use crate::time::{Duration, Instant};
use alloc_crate::boxed::Box;
use alloc_crate::string::{String, ToString};
use alloc_crate::sync::Arc;
use stardust_api::{DEFAULT_PRIORITY, Priority, ThreadId};
use stardust_task::Threads;
pub use stardust_task::{NoScheduler, Runtime, SpawnError};

/// The stack size of threads that do not ask for one: 60 KiB, so that with its 4 KiB guard
/// page a stack is exactly 64 KiB (a power-of-two allocator wastes nothing on it).
pub const DEFAULT_STACK_SIZE: usize = 60 * 1024;

static RUNTIME: spin::Once<&'static dyn Threads> = spin::Once::new();

pub(crate) fn init(runtime: &'static dyn Threads) {
    RUNTIME.call_once(|| runtime);
}

pub(crate) fn runtime() -> Option<&'static dyn Threads> {
    RUNTIME.get().copied()
}

/// What `join` returns: always `Ok`, as a panic ends the VM before anyone could join.
pub type Result<T> = core::result::Result<T, Box<dyn core::any::Any + Send + 'static>>;

/// A handle to a thread.
#[derive(Debug, Clone)]
pub struct Thread {
    id: ThreadId,
    name: Option<String>,
}

impl Thread {
    /// The thread's name, if it was given one (`main` for the app's first thread).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The thread's number (reused after the thread ends).
    pub fn id(&self) -> ThreadId {
        self.id
    }

    /// Ends the thread's [`park_timeout`], or makes its next one return at once (std's
    /// `Thread::unpark`).
    pub fn unpark(&self) {
        unpark(self.id);
    }
}

/// [`Thread::unpark`] by number ([`current_id`]); callable from an interrupt handler. A number
/// whose thread has ended may name a newer thread, whose next park then returns early (which
/// parkers allow for).
pub fn unpark(id: ThreadId) {
    if let Some(runtime) = runtime() {
        runtime.unpark(id);
    }
}

/// Whether [`park`] can block: the image has threads to switch to (without, parks return at
/// once and `park_timeout` sleeps).
pub(crate) fn can_park() -> bool {
    runtime().is_some()
}

/// Blocks until [`Thread::unpark`] is called for this thread (std's `park`); returns at once if
/// an unpark came since the last park. It may also return early for no reason: look again at
/// what you wait for.
pub fn park() {
    if let Some(runtime) = runtime() {
        runtime.park_until(u64::MAX);
    }
}

/// Blocks until [`Thread::unpark`] is called for this thread or `timeout` passes (std's
/// `park_timeout`); returns at once if an unpark came since the last park. It may also return
/// early for no reason: look again at what you wait for.
pub fn park_timeout(timeout: Duration) {
    let Some(runtime) = runtime() else { return sleep(timeout) };
    runtime.park_until(deadline_after(timeout));
}

/// The TSC value `duration` from now (rounded up).
fn deadline_after(duration: Duration) -> u64 {
    let hz = u128::from(hal::time::tsc_frequency());
    let ticks = u64::try_from((duration.as_nanos() * hz).div_ceil(1_000_000_000)).unwrap_or(u64::MAX);
    hal::cpu::rdtsc().saturating_add(ticks)
}

/// The running thread's number, for [`unpark`] (without [`current`]'s name lookup).
pub fn current_id() -> ThreadId {
    runtime().map_or(0, |runtime| runtime.current())
}

/// The running thread.
pub fn current() -> Thread {
    let Some(runtime) = runtime() else {
        return Thread { id: 0, name: Some("main".to_string()) };
    };
    let id = runtime.current();
    let mut name = String::new();
    runtime.with_name(id, &mut |text| name.push_str(text));
    Thread { id, name: (!name.is_empty()).then_some(name) }
}

/// Gives the CPU to another runnable thread, if there is one.
pub fn yield_now() {
    if let Some(runtime) = runtime() {
        runtime.yield_now();
    }
}

/// Sleeps for at least `duration`. The calling thread uses no CPU while it sleeps (without a
/// thread runtime, it waits on the clock).
pub fn sleep(duration: Duration) {
    let Some(runtime) = runtime() else {
        let start = Instant::now();
        while start.elapsed() < duration {
            core::hint::spin_loop();
        }
        return;
    };
    runtime.sleep_until(deadline_after(duration));
}

/// How many threads can run at once: the number of CPUs running threads.
pub fn available_parallelism() -> usize {
    runtime().map_or(1, |runtime| runtime.cpus())
}

/// The index of the CPU running the caller (0 is the boot CPU).
pub fn current_cpu() -> usize {
    hal::smp::cpu_index()
}

struct Packet<T> {
    result: crate::sync::Mutex<Option<T>>,
    finished: crate::sync::Condvar,
}

/// Owns a running thread; `join` waits for it and returns its value.
pub struct JoinHandle<T> {
    packet: Arc<Packet<T>>,
    thread: Thread,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish and returns what its closure returned.
    pub fn join(self) -> Result<T> {
        let mut result = self.packet.result.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if let Some(value) = result.take() {
                return Ok(value);
            }
            result = self.packet.finished.wait(result).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// The thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// True once the thread's closure has returned.
    pub fn is_finished(&self) -> bool {
        self.packet.result.lock().map(|result| result.is_some()).unwrap_or(true)
    }
}

/// Thread settings, as `std::thread::Builder`, plus a priority (used by `sched-prio`).
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
    priority: Option<Priority>,
}

impl Builder {
    /// Default settings: no name, a 60 KiB stack, the default priority.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread (crash reports use the name).
    pub fn name(mut self, name: String) -> Builder {
        self.name = Some(name);
        self
    }

    /// Sets the stack size in bytes (rounded up to pages; a guard page is added below).
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = Some(size);
        self
    }

    /// Sets the priority: `0..PRIORITY_LEVELS`, higher runs first under `sched-prio`.
    pub fn priority(mut self, priority: Priority) -> Builder {
        self.priority = Some(priority);
        self
    }

    /// Starts the thread; an error if the request is impossible (bad size or priority, no
    /// memory, too many threads, or an image without threads).
    pub fn spawn<F, T>(self, f: F) -> core::result::Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let runtime = runtime().ok_or(SpawnError::NoThreads)?;
        let packet = Arc::new(Packet { result: crate::sync::Mutex::new(None), finished: crate::sync::Condvar::new() });
        let theirs = Arc::clone(&packet);
        let body = Box::new(move || {
            let value = f();
            if let Ok(mut result) = theirs.result.lock() {
                *result = Some(value);
            }
            theirs.finished.notify_all();
        });
        let name = self.name.clone().unwrap_or_default();
        let id = runtime.spawn(
            name,
            self.stack_size.unwrap_or(DEFAULT_STACK_SIZE),
            self.priority.unwrap_or(DEFAULT_PRIORITY),
            body,
        )?;
        Ok(JoinHandle { packet, thread: Thread { id, name: self.name } })
    }
}

/// Ends the calling thread at once, without returning from its closure: nothing on its stack is
/// dropped and its `JoinHandle::join` never returns. For threads whose closure never returns (a
/// Linux program's threads, which end by a system call); others should return instead. In an
/// image without threads, the VM halts.
pub fn exit() -> ! {
    match runtime() {
        Some(runtime) => runtime.exit_current(),
        None => hal::cpu::halt_forever(),
    }
}

/// Starts a thread with default settings. Panics if it cannot (as `std::thread::spawn` does);
/// `Builder::spawn` returns the error instead.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match Builder::new().spawn(f) {
        Ok(handle) => handle,
        Err(error) => panic!("failed to spawn thread: {error}"),
    }
}
