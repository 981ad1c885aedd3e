//! Blocking synchronisation, shaped like `std::sync`: `Mutex`, `Condvar`, `RwLock`, `Once`,
//! `OnceLock`, `Barrier`, `mpsc` channels, and `Arc` from `alloc`.
//!
//! A blocked thread waits on a wait queue and costs no CPU. The data itself sits in a `spin`
//! lock that is only ever tried, never spun on, so this module needs no `unsafe`. Poisoning
//! cannot happen (a panic ends the VM), but the `LockResult` shapes are kept so code written
//! for std reads the same.

mod barrier;
pub mod mpsc;
mod mutex;
mod once;
mod rwlock;

pub use alloc_crate::sync::{Arc, Weak};
pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{Condvar, Mutex, MutexGuard};
pub use once::{Once, OnceLock};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A lock whose holder panicked. Never produced here (a panic ends the VM); kept for std's shape.
#[derive(Debug)]
pub struct PoisonError<T>(T);

impl<T> PoisonError<T> {
    /// The guard, as std's `into_inner`.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The result of taking a lock, as in std.
pub type LockResult<T> = Result<T, PoisonError<T>>;

/// Blocks the running thread on `queue` while `condition` holds; without a thread runtime
/// (an image whose profile has no scheduler) nobody could ever wake it, so that is a panic.
pub(crate) fn wait(queue: &stardust_task::WaitQueue, condition: &mut dyn FnMut() -> bool, before: &mut dyn FnMut()) {
    match crate::thread::runtime() {
        Some(runtime) => runtime.wait(queue, condition, before),
        None => {
            if condition() {
                panic!("a thread would wait forever: this image has no other threads to wake it");
            }
        }
    }
}

pub(crate) fn wake_one(queue: &stardust_task::WaitQueue) {
    if let Some(runtime) = crate::thread::runtime() {
        runtime.wake_one(queue);
    }
}

pub(crate) fn wake_all(queue: &stardust_task::WaitQueue) {
    if let Some(runtime) = crate::thread::runtime() {
        runtime.wake_all(queue);
    }
}
