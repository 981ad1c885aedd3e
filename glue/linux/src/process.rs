//! The one process: its memory map, descriptors, working directory and threads; entering user
//! mode and leaving the VM.

use crate::files::Description;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use hal::exceptions::ExceptionFrame;
use stardust::sync::Mutex;
use stardust_linux_abi::{DEFAULT_DESCRIPTOR_LIMIT, Errno, FdTable, StatusFlags, UnknownCalls, UserMemory};

/// The process's state that system calls change.
pub struct Process {
    /// The program's mappings.
    pub memory: UserMemory,
    /// Its open descriptors.
    pub files: FdTable<Arc<Description>>,
    /// Its working directory (absolute, no trailing slash but for `/`).
    pub directory: String,
    /// System-call numbers already reported as unknown.
    pub unknown: UnknownCalls,
    /// `brk`'s fixed break (the program's end): growing it is refused, and musl's malloc then
    /// uses mmap, as it does on Linux when brk fails.
    pub program_break: u64,
}

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);
/// The process ID: the first thread's ID, as on Linux.
static PID: AtomicU32 = AtomicU32::new(1);
/// Threads of the program that have not ended.
static LIVE_THREADS: AtomicU32 = AtomicU32::new(0);
/// When the program started (TSC-based nanoseconds), for its CPU-time clocks.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// Sets up the process with the loaded program's memory.
pub fn init(memory: UserMemory, program_break: u64) {
    let mut files = FdTable::new(DEFAULT_DESCRIPTOR_LIMIT);
    for _ in 0..3 {
        let console = Arc::new(Description::console());
        let status =
            StatusFlags { access: stardust_linux_abi::AccessMode::ReadWrite, append: false, nonblocking: false };
        let _ = files.open(console, status, false);
    }
    let directory = String::from("/");
    *lock() = Some(Process { memory, files, directory, unknown: UnknownCalls::new(), program_break });
}

fn lock() -> stardust::sync::MutexGuard<'static, Option<Process>> {
    PROCESS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `f` on the process (`ENOSYS` before `init`, which cannot happen once a program runs).
pub fn with<T>(f: impl FnOnce(&mut Process) -> Result<T, Errno>) -> Result<T, Errno> {
    match lock().as_mut() {
        Some(process) => f(process),
        None => Err(Errno::ENOSYS),
    }
}

/// Runs `f` on the process's memory map.
pub fn with_memory<T>(f: impl FnOnce(&mut UserMemory) -> Result<T, Errno>) -> Result<T, Errno> {
    with(|process| f(&mut process.memory))
}

/// The Linux thread ID of a Stardust thread (IDs start at 1; Linux never hands out 0).
pub fn thread_id(thread: stardust_api::ThreadId) -> u32 {
    thread + 1
}

/// The calling thread's Linux ID.
pub fn current_thread_id() -> u32 {
    thread_id(stardust::thread::current().id())
}

/// The process ID.
pub fn pid() -> u32 {
    PID.load(Ordering::Relaxed)
}

/// Nanoseconds since the program started: its CPU time (it is the only program, and the kernel
/// keeps no per-thread accounting yet).
pub fn cpu_time_nanoseconds() -> u64 {
    now_nanoseconds().saturating_sub(STARTED.load(Ordering::Relaxed))
}

/// Nanoseconds on the monotonic clock.
pub fn now_nanoseconds() -> u64 {
    hal::time::ticks_to_nanoseconds(hal::cpu::rdtsc()) as u64
}

/// The first thread: enters the program.
pub fn enter_first_thread(entry: u64, stack_pointer: u64) {
    let thread = stardust::thread::current().id();
    PID.store(thread_id(thread), Ordering::Relaxed);
    STARTED.store(now_nanoseconds(), Ordering::Relaxed);
    LIVE_THREADS.store(1, Ordering::Relaxed);
    let registers = ExceptionFrame { rip: entry, rsp: stack_pointer, ..ExceptionFrame::default() };
    hal::user::enter(thread, &registers, 0)
}

/// Counts a new thread of the program (before it starts).
pub fn thread_started() {
    LIVE_THREADS.fetch_add(1, Ordering::AcqRel);
}

/// Uncounts a thread that could not start.
pub fn thread_ended() {
    LIVE_THREADS.fetch_sub(1, Ordering::AcqRel);
}

/// Ends the calling thread (`exit`); the last one ends the process with `status`.
pub fn exit_thread(status: u8) -> ! {
    hal::user::forget(stardust::thread::current().id());
    if LIVE_THREADS.fetch_sub(1, Ordering::AcqRel) <= 1 {
        exit_process(status);
    }
    // Not the last: this kernel thread ends (its stack is freed by the runtime).
    stardust::thread::exit()
}

/// Ends the VM with `status` (`exit_group`): every descriptor is closed, as when a Linux
/// process ends (files unlinked while open go now), and the file systems are written back.
/// What the program sent is delivered first, as Linux goes on sending for a process that has
/// exited: everything queued while the sockets are still open (up to 1 s: closing would drop a
/// UDP socket's datagrams), then, after the close, every connection's bytes and FIN and the
/// card's last frames (up to 2 s). A peer that never answers costs at most 3 s.
pub fn exit_process(status: u8) -> ! {
    crate::sockets::finish_sending(core::time::Duration::from_secs(1));
    let closed: Vec<Arc<Description>> = with(|process| {
        let descriptors: Vec<u32> = process.files.open_descriptors().collect();
        Ok(descriptors.into_iter().filter_map(|fd| process.files.close(fd).ok().flatten()).collect())
    })
    .unwrap_or_default();
    drop(closed);
    crate::sockets::finish_sending(core::time::Duration::from_secs(2));
    stardust::process::exit_status(status)
}

/// A random number: the CPU's generator, else the time stamp counter run through SplitMix64
/// (unpredictable enough for AT_RANDOM's stack canary when the CPU has no RDRAND; not for keys).
pub fn random_u64(salt: u64) -> u64 {
    if let Some(value) = hal::cpu::hardware_random() {
        return value;
    }
    let mut z = hal::cpu::rdtsc().wrapping_add(salt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
