//! `RwLock`: many readers or one writer.

use super::{LockResult, wait, wake_all};
use core::ops::{Deref, DerefMut};
use stardust_task::WaitQueue;

/// A reader-writer lock; threads that cannot have it sleep until it is released.
#[derive(Debug, Default)]
pub struct RwLock<T> {
    data: spin::RwLock<T>,
    waiters: WaitQueue,
}

/// Shared access; dropping it may wake a writer.
pub struct RwLockReadGuard<'a, T> {
    guard: Option<spin::RwLockReadGuard<'a, T>>,
    lock: &'a RwLock<T>,
}

/// Exclusive access; dropping it wakes everyone waiting.
pub struct RwLockWriteGuard<'a, T> {
    guard: Option<spin::RwLockWriteGuard<'a, T>>,
    lock: &'a RwLock<T>,
}

impl<T> RwLock<T> {
    /// A lock holding `value`.
    pub const fn new(value: T) -> Self {
        RwLock { data: spin::RwLock::new(value), waiters: WaitQueue::new() }
    }

    /// Shared access, sleeping while a writer holds the lock.
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        loop {
            if let Some(guard) = self.data.try_read() {
                return Ok(RwLockReadGuard { guard: Some(guard), lock: self });
            }
            wait(&self.waiters, &mut || self.data.writer_count() > 0, &mut || {});
        }
    }

    /// Exclusive access, sleeping while anyone holds the lock.
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        loop {
            if let Some(guard) = self.data.try_write() {
                return Ok(RwLockWriteGuard { guard: Some(guard), lock: self });
            }
            wait(&self.waiters, &mut || self.data.writer_count() > 0 || self.data.reader_count() > 0, &mut || {});
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.guard.as_deref().unwrap_or_else(|| unreachable!("a guard holds its lock until dropped"))
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        wake_all(&self.lock.waiters);
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.guard.as_deref().unwrap_or_else(|| unreachable!("a guard holds its lock until dropped"))
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_deref_mut().unwrap_or_else(|| unreachable!("a guard holds its lock until dropped"))
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.guard.take());
        wake_all(&self.lock.waiters);
    }
}
