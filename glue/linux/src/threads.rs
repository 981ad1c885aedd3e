//! The program's threads: `clone` (the flag sets musl's `pthread_create` and Rust's std use),
//! `exit` with `CLONE_CHILD_CLEARTID`, `set_tid_address`, and `futex` (WAIT and WAKE, private
//! or shared, with timeouts).
//!
//! Each program thread is a Stardust thread with a kernel stack of its own; it enters user mode
//! with its parent's registers, RAX 0, the stack and TLS the caller gave. A futex waiter parks
//! and checks its own flag, so a wake-up is never lost: the word is read and the waiter queued
//! under the futex table's lock, which every WAKE takes to set the flags and unpark the threads
//! (an unpark before the park leaves a token).

use crate::{process, user};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use hal::exceptions::ExceptionFrame;
use stardust::sync::Mutex;
use stardust::time::{Duration, Instant};
use stardust_api::MAX_THREADS;
use stardust_linux_abi::{Errno, Timespec};

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x1_0000;
const CLONE_SYSVSEM: u64 = 0x4_0000;
const CLONE_SETTLS: u64 = 0x8_0000;
const CLONE_PARENT_SETTID: u64 = 0x10_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
const CLONE_DETACHED: u64 = 0x40_0000;
const CLONE_CHILD_SETTID: u64 = 0x100_0000;
/// The low byte: the signal sent to the parent at exit (threads pass 0).
const EXIT_SIGNAL_MASK: u64 = 0xff;
/// What a thread may ask for: threads in this process, sharing everything.
const THREAD_FLAGS: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
const ALLOWED: u64 = THREAD_FLAGS
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_DETACHED
    | CLONE_CHILD_SETTID;

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// Each thread's `clear_child_tid` address (0: none), by Stardust thread number.
static CLEAR_CHILD_TID: [AtomicU64; MAX_THREADS] = [const { AtomicU64::new(0) }; MAX_THREADS];

fn current() -> usize {
    stardust::thread::current().id() as usize
}

/// `set_tid_address(address)`: remembered for the thread's exit; returns the thread's ID.
pub fn set_tid_address(address: u64) -> Result<u64, Errno> {
    if let Some(slot) = CLEAR_CHILD_TID.get(current()) {
        slot.store(address, Ordering::Relaxed);
    }
    Ok(u64::from(process::current_thread_id()))
}

/// `clone(flags, stack, parent_tid, child_tid, tls)` from the calling thread, whose registers
/// are `frame`. Only threads: a new process (`fork`, or `clone` without `CLONE_THREAD`) is
/// `ENOSYS`, as this kernel runs one program.
pub fn clone(frame: &ExceptionFrame) -> Result<u64, Errno> {
    let (flags, stack, parent_tid, child_tid, tls) = (frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8);
    let flags = flags & !EXIT_SIGNAL_MASK;
    if flags & THREAD_FLAGS != THREAD_FLAGS || flags & CLONE_VFORK != 0 {
        log::warn!("the program asked for a new process (clone flags {flags:#x}): Stardust runs one process; ENOSYS");
        return Err(Errno::ENOSYS);
    }
    if flags & !ALLOWED != 0 {
        return Err(Errno::EINVAL);
    }
    if stack == 0 {
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_SETTLS != 0 && tls >= 1 << 47 {
        return Err(Errno::EPERM);
    }
    let parent = stardust::thread::current().id();
    let fs_base = if flags & CLONE_SETTLS != 0 { tls } else { hal::user::fs_base(parent) };
    let mut registers = frame.clone();
    registers.rax = 0;
    registers.rsp = stack;
    // The new thread's ID is known once it exists; it waits for its parent to write it.
    let started = Arc::new(AtomicBool::new(false));
    let theirs = Arc::clone(&started);
    process::thread_started();
    let spawned = stardust::thread::Builder::new()
        .name(String::from("program thread"))
        .stack_size(crate::KERNEL_STACK)
        .spawn(move || {
            while !theirs.load(Ordering::Acquire) {
                stardust::thread::yield_now();
            }
            let me = stardust::thread::current().id();
            if flags & CLONE_CHILD_CLEARTID != 0
                && let Some(slot) = CLEAR_CHILD_TID.get(me as usize)
            {
                slot.store(child_tid, Ordering::Relaxed);
            }
            hal::user::enter(me, &registers, fs_base)
        });
    let handle = match spawned {
        Ok(handle) => handle,
        Err(_) => {
            process::thread_ended();
            return Err(Errno::EAGAIN);
        }
    };
    let tid = process::thread_id(handle.thread().id());
    // Linux writes the ID before either thread runs on: both sides may read it at once.
    let mut result = Ok(u64::from(tid));
    if flags & CLONE_PARENT_SETTID != 0 && user::write(parent_tid, &tid.to_le_bytes()).is_err() {
        result = Err(Errno::EFAULT);
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        let _ = user::write(child_tid, &tid.to_le_bytes());
    }
    started.store(true, Ordering::Release);
    drop(handle);
    result
}

/// `exit(status)` of one thread: its `clear_child_tid` word is zeroed and one waiter woken (how
/// `pthread_join` learns of it); the last thread's exit ends the process.
pub fn exit(status: u8) -> ! {
    let me = current();
    let address = CLEAR_CHILD_TID.get(me).map_or(0, |slot| slot.swap(0, Ordering::Relaxed));
    if address != 0 && user::write(address, &0u32.to_le_bytes()).is_ok() {
        wake(address, 1, u32::MAX);
    }
    process::exit_thread(status)
}

/// A thread waiting on a futex word, parked until a waker sets `woken` and unparks it.
struct Waiter {
    woken: AtomicBool,
    thread: stardust_api::ThreadId,
    mask: u32,
    /// The word it waits on now (REQUEUE moves it), changed under the table's lock.
    address: AtomicU64,
}

/// Waiters by word address, oldest first.
static FUTEXES: Mutex<BTreeMap<u64, Vec<Arc<Waiter>>>> = Mutex::new(BTreeMap::new());

fn futexes() -> stardust::sync::MutexGuard<'static, BTreeMap<u64, Vec<Arc<Waiter>>>> {
    FUTEXES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Marks up to `count` waiters of `address` (whose mask meets `mask`) woken, takes them off the
/// table and unparks them.
fn take_woken(table: &mut BTreeMap<u64, Vec<Arc<Waiter>>>, address: u64, count: u64, mask: u32) -> u64 {
    let mut woken = 0;
    if let Some(waiters) = table.get_mut(&address) {
        waiters.retain(|waiter| {
            if woken < count && waiter.mask & mask != 0 {
                waiter.woken.store(true, Ordering::Release);
                stardust::thread::unpark(waiter.thread);
                woken += 1;
                false
            } else {
                true
            }
        });
        if waiters.is_empty() {
            table.remove(&address);
        }
    }
    woken
}

fn wake(address: u64, count: u64, mask: u32) -> u64 {
    take_woken(&mut futexes(), address, count, mask)
}

/// Wakes up to `count` waiters of `address` and moves up to `moved` of the rest to `target`
/// (musl's condition variables hand their waiters to the mutex this way). With `expected`
/// (CMP_REQUEUE), only if the word still holds it (else `EAGAIN`), checked under the same lock
/// as the move.
fn requeue(address: u64, count: u64, moved: u64, target: u64, expected: Option<u32>) -> Result<u64, Errno> {
    let mut table = futexes();
    if let Some(expected) = expected {
        let mut word = [0u8; 4];
        user::read_into(address, &mut word)?;
        if u32::from_le_bytes(word) != expected {
            return Err(Errno::EAGAIN);
        }
    }
    let woken = take_woken(&mut table, address, count, u32::MAX);
    let mut taken = Vec::new();
    if let Some(waiters) = table.get_mut(&address) {
        let how_many = (moved as usize).min(waiters.len());
        taken.extend(waiters.drain(..how_many));
        if waiters.is_empty() {
            table.remove(&address);
        }
    }
    let requeued = taken.len() as u64;
    for waiter in &taken {
        waiter.address.store(target, Ordering::Relaxed);
    }
    if !taken.is_empty() {
        table.entry(target).or_default().extend(taken);
    }
    Ok(woken + requeued)
}

/// `futex(address, operation, value, timeout, address2, value3)`: WAIT, WAKE, REQUEUE,
/// CMP_REQUEUE and the BITSET forms; others (PI locks, WAKE_OP) are `ENOSYS`, which musl and
/// Rust's std do not need.
pub fn futex(address: u64, operation: u64, value: u64, timeout: u64, address2: u64, value3: u64) -> Result<u64, Errno> {
    let command = operation & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if !address.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    match command {
        FUTEX_WAKE => Ok(wake(address, value.min(u64::from(u32::MAX)), u32::MAX)),
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if !address2.is_multiple_of(4) {
                return Err(Errno::EINVAL);
            }
            let limit = u64::from(u32::MAX);
            let expected = (command == FUTEX_CMP_REQUEUE).then_some(value3 as u32);
            requeue(address, value.min(limit), timeout.min(limit), address2, expected)
        }
        FUTEX_WAKE_BITSET => {
            if value3 as u32 == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(wake(address, value.min(u64::from(u32::MAX)), value3 as u32))
        }
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let mask = if command == FUTEX_WAIT { u32::MAX } else { value3 as u32 };
            if mask == 0 {
                return Err(Errno::EINVAL);
            }
            // FUTEX_WAIT's timeout is relative; the BITSET form's is absolute on its clock.
            let deadline = if timeout == 0 {
                None
            } else {
                let bytes = user::read(timeout, stardust_linux_abi::TIMESPEC_SIZE)?;
                let time = Timespec::decode(&bytes)?;
                if time.seconds < 0 || !(0..1_000_000_000).contains(&time.nanoseconds) {
                    return Err(Errno::EINVAL);
                }
                let span = Duration::new(time.seconds as u64, time.nanoseconds as u32);
                let relative = if command == FUTEX_WAIT {
                    span
                } else if operation & FUTEX_CLOCK_REALTIME != 0 {
                    let now = stardust::time::SystemTime::now()
                        .duration_since(stardust::time::UNIX_EPOCH)
                        .unwrap_or_default();
                    span.saturating_sub(now)
                } else {
                    span.saturating_sub(Duration::from_nanos(process::now_nanoseconds()))
                };
                Some(Instant::now() + relative)
            };
            wait(address, value as u32, mask, deadline)
        }
        _ => Err(Errno::ENOSYS),
    }
}

fn wait(address: u64, expected: u32, mask: u32, deadline: Option<Instant>) -> Result<u64, Errno> {
    let mut table = futexes();
    let mut word = [0u8; 4];
    user::read_into(address, &mut word)?;
    if u32::from_le_bytes(word) != expected {
        return Err(Errno::EAGAIN);
    }
    let thread = stardust::thread::current_id();
    let me = Arc::new(Waiter { woken: AtomicBool::new(false), thread, mask, address: AtomicU64::new(address) });
    table.entry(address).or_default().push(Arc::clone(&me));
    drop(table);
    // A wake between the unlock and the park leaves the thread a token: the park returns at
    // once. Parks may also return early for no reason (or for an older waker's unpark): the
    // flag decides.
    loop {
        if me.woken.load(Ordering::Acquire) {
            return Ok(0);
        }
        let Some(deadline) = deadline else {
            stardust::thread::park();
            continue;
        };
        let now = Instant::now();
        if now < deadline {
            stardust::thread::park_timeout(deadline.duration_since(now));
            continue;
        }
        let mut table = futexes();
        if me.woken.load(Ordering::Acquire) {
            return Ok(0);
        }
        let now_at = me.address.load(Ordering::Relaxed);
        if let Some(waiters) = table.get_mut(&now_at) {
            waiters.retain(|waiter| !Arc::ptr_eq(waiter, &me));
            if waiters.is_empty() {
                table.remove(&now_at);
            }
        }
        return Err(Errno::ETIMEDOUT);
    }
}
