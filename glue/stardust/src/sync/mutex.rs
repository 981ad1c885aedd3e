//! `Mutex` and `Condvar`.

use super::{LockResult, wait, wake_all, wake_one};
use core::ops::{Deref, DerefMut};
use stardust_task::WaitQueue;

/// A mutual-exclusion lock; threads that find it taken sleep until it is released.
#[derive(Debug, Default)]
pub struct Mutex<T> {
    data: spin::Mutex<T>,
    waiters: WaitQueue,
}

/// Access to a locked `Mutex`'s data; dropping it releases the lock and wakes one waiter.
pub struct MutexGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
    mutex: &'a Mutex<T>,
}

impl<T> Mutex<T> {
    /// A mutex holding `value`.
    pub const fn new(value: T) -> Self {
        Mutex { data: spin::Mutex::new(value), waiters: WaitQueue::new() }
    }

    /// Takes the lock, sleeping while another thread holds it.
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        loop {
            if let Some(guard) = self.try_lock() {
                return Ok(guard);
            }
            wait(&self.waiters, &mut || self.data.is_locked(), &mut || {});
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.data.try_lock().map(|guard| MutexGuard { guard: Some(guard), mutex: self })
    }

    /// The data, for the mutex's only owner.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.guard.as_deref().unwrap_or_else(|| unreachable!("a guard holds its lock until dropped"))
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_deref_mut().unwrap_or_else(|| unreachable!("a guard holds its lock until dropped"))
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        wake_one(&self.mutex.waiters);
    }
}

/// A condition variable: threads sleep on it until another notifies them.
#[derive(Debug, Default)]
pub struct Condvar {
    waiters: WaitQueue,
}

impl Condvar {
    /// A condition variable with no waiters.
    pub const fn new() -> Self {
        Condvar { waiters: WaitQueue::new() }
    }

    /// Releases `guard`'s mutex and sleeps until notified (atomically: a notification after the
    /// release is not lost), then takes the mutex again. Wake-ups may be spurious: check the
    /// condition in a loop, or use `wait_while`.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let mutex = guard.mutex;
        let mut guard = Some(guard);
        wait(&self.waiters, &mut || true, &mut || drop(guard.take()));
        mutex.lock()
    }

    /// Waits while `condition` holds for the guarded data.
    pub fn wait_while<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> LockResult<MutexGuard<'a, T>> {
        while condition(&mut guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Wakes one waiting thread.
    pub fn notify_one(&self) {
        wake_one(&self.waiters);
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        wake_all(&self.waiters);
    }
}
