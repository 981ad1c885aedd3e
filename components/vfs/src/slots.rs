//! File handles over the api's [`Slots`]: open files numbered as [`Handle`]s.

use crate::{FsError, Handle, Result};
pub use stardust_api::Slots;

/// [`Slots`] numbered as file handles.
pub trait HandleSlots<T> {
    /// As `insert`, numbered as a file handle.
    fn insert_handle(&mut self, value: T) -> Handle;
    /// The value under `handle`, or [`FsError::BadHandle`].
    fn handle_mut(&mut self, handle: Handle) -> Result<&mut T>;
    /// Takes out the value under `handle`, or fails with [`FsError::BadHandle`].
    fn remove_handle(&mut self, handle: Handle) -> Result<T>;
}

impl<T> HandleSlots<T> for Slots<T> {
    fn insert_handle(&mut self, value: T) -> Handle {
        Handle(self.insert(value) as u32)
    }

    fn handle_mut(&mut self, handle: Handle) -> Result<&mut T> {
        self.get_mut(handle.0 as usize).ok_or(FsError::BadHandle)
    }

    fn remove_handle(&mut self, handle: Handle) -> Result<T> {
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
