//! `Once` and `OnceLock`: run an initialisation exactly once, others wait for it.

use super::Mutex;

/// Runs a closure exactly once; later callers wait until it has finished.
#[derive(Debug, Default)]
pub struct Once {
    done: spin::Once<()>,
    running: Mutex<()>,
}

impl Once {
    /// Not yet run.
    pub const fn new() -> Self {
        Once { done: spin::Once::new(), running: Mutex::new(()) }
    }

    /// Runs `f` if no call has; otherwise waits for the one that did.
    pub fn call_once(&self, f: impl FnOnce()) {
        if self.done.is_completed() {
            return;
        }
        let _running = self.running.lock();
        self.done.call_once(f);
    }

    /// True once the closure has run.
    pub fn is_completed(&self) -> bool {
        self.done.is_completed()
    }
}

/// A value written once, then shared (like `std::sync::OnceLock`).
#[derive(Debug, Default)]
pub struct OnceLock<T> {
    value: spin::Once<T>,
    running: Mutex<()>,
}

impl<T> OnceLock<T> {
    /// Empty.
    pub const fn new() -> Self {
        OnceLock { value: spin::Once::new(), running: Mutex::new(()) }
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, computing it with `f` if nobody has (others wait meanwhile).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if let Some(value) = self.value.get() {
            return value;
        }
        let _running = self.running.lock();
        self.value.call_once(f)
    }

    /// Sets the value if it is not set; gives `value` back otherwise.
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().unwrap_or_else(|| unreachable!("taken only here")));
        value.map_or(Ok(()), Err)
    }
}
