//! Threads that wait for descriptors to become ready (poll, ppoll, select, epoll_wait) park
//! until something changes: every change that can make a descriptor ready (a pipe written, read
//! or closed, an eventfd changed, an epoll entry added or re-armed, a socket changed: the
//! network calls a hook) calls [`changed`], which unparks them. They look again at every wake,
//! so a wake for another descriptor costs one look; and they never park longer than
//! [`LONGEST_PARK`], should a change come from a source that does not call [`changed`].

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use stardust::sync::Mutex;
use stardust::time::Duration;
use stardust_api::ThreadId;

/// Bumped by every change.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// The parked (or about to park) waiters, and how many there are (read without the lock).
static WAITERS: Mutex<Vec<ThreadId>> = Mutex::new(Vec::new());
static WAITING: AtomicUsize = AtomicUsize::new(0);
/// The longest park without a change: a safety net, not the way changes are found.
const LONGEST_PARK: Duration = Duration::from_secs(1);

/// Something may have become ready: wakes every waiter to look again.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
    if WAITING.load(Ordering::SeqCst) > 0 {
        for &thread in WAITERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).iter() {
            stardust::thread::unpark(thread);
        }
    }
}

/// One thread's wait for readiness: call [`look`](Waiter::look) before each look at the
/// descriptors, and [`park`](Waiter::park) with what it returned when none was ready.
pub struct Waiter {
    thread: Option<ThreadId>,
}

impl Waiter {
    pub fn new() -> Waiter {
        crate::sockets::watch_changes();
        Waiter { thread: None }
    }

    /// The changes so far, for [`park`](Waiter::park).
    pub fn look(&self) -> u64 {
        GENERATION.load(Ordering::SeqCst)
    }

    /// Parks until a change after `seen` (returns at once if one came since), `deadline` (ns on
    /// the monotonic clock) passes or [`LONGEST_PARK`] does. May return early.
    pub fn park(&mut self, seen: u64, deadline: Option<u64>) {
        if self.thread.is_none() {
            let thread = stardust::thread::current_id();
            WAITERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(thread);
            WAITING.fetch_add(1, Ordering::SeqCst);
            self.thread = Some(thread);
        }
        // Registered first: a change after this load unparks this thread (a token if it has
        // not parked yet); one before it is seen here.
        if GENERATION.load(Ordering::SeqCst) != seen {
            return;
        }
        let left = deadline.map_or(LONGEST_PARK, |deadline| {
            Duration::from_nanos(deadline.saturating_sub(crate::process::now_nanoseconds()))
        });
        stardust::thread::park_timeout(left.min(LONGEST_PARK));
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if let Some(thread) = self.thread {
            let mut waiters = WAITERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(index) = waiters.iter().position(|&waiter| waiter == thread) {
                waiters.swap_remove(index);
                WAITING.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}
