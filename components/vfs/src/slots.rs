//! Values numbered by small integers, a freed number given to the next value: open files under
//! their [`Handle`]s, RAM file-system nodes under their ids.

use crate::{FsError, Handle, Result};
use alloc::vec::Vec;

/// Values under the lowest free numbers.
pub struct Slots<T> {
    slots: Vec<Option<T>>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slots<T> {
    pub const fn new() -> Self {
        Slots { slots: Vec::new() }
    }

    /// Keeps `value` under the lowest free number, which it returns.
    pub fn insert(&mut self, value: T) -> usize {
        match self.slots.iter().position(Option::is_none) {
            Some(free) => {
                self.slots[free] = Some(value);
                free
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        }
    }

    pub fn get(&self, number: usize) -> Option<&T> {
        self.slots.get(number).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, number: usize) -> Option<&mut T> {
        self.slots.get_mut(number).and_then(Option::as_mut)
    }

    /// Takes the value out; its number is free again.
    pub fn remove(&mut self, number: usize) -> Option<T> {
        self.slots.get_mut(number).and_then(Option::take)
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten()
    }

    /// Drops every value.
    pub fn clear(&mut self) {
        self.slots.clear();
    }

    /// As `insert`, numbered as a file handle.
    pub fn insert_handle(&mut self, value: T) -> Handle {
        Handle(self.insert(value) as u32)
    }

    /// The value under `handle`, or [`FsError::BadHandle`].
    pub fn handle_mut(&mut self, handle: Handle) -> Result<&mut T> {
        self.get_mut(handle.0 as usize).ok_or(FsError::BadHandle)
    }

    /// Takes out the value under `handle`, or fails with [`FsError::BadHandle`].
    pub fn remove_handle(&mut self, handle: Handle) -> Result<T> {
        self.remove(handle.0 as usize).ok_or(FsError::BadHandle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_reused_after_removal() {
        let mut slots = Slots::new();
        let (a, b) = (slots.insert_handle('a'), slots.insert_handle('b'));
        assert_eq!((a, b), (Handle(0), Handle(1)));
        assert_eq!(slots.remove_handle(a), Ok('a'));
        assert_eq!(slots.remove_handle(a), Err(FsError::BadHandle));
        assert_eq!(slots.insert('c'), 0);
        assert_eq!(*slots.handle_mut(b).unwrap(), 'b');
        assert_eq!(slots.handle_mut(Handle(7)), Err(FsError::BadHandle));
        assert_eq!(slots.get(5), None);
        assert_eq!(slots.iter().count(), 2);
    }
}
