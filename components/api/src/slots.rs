//! Values numbered by small integers, a freed number given to the next value: open files under
//! their handles, RAM file-system nodes, sockets.

use alloc::vec::Vec;

/// Values under the lowest free numbers.
#[derive(Debug)]
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

    /// Takes the value out; its number is free again. The table shrinks when the values at
    /// its end are gone (after a crowd of sockets has left, say).
    pub fn remove(&mut self, number: usize) -> Option<T> {
        let value = self.slots.get_mut(number).and_then(Option::take);
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        if self.slots.capacity() > 2 * self.slots.len() + 16 {
            self.slots.shrink_to_fit();
        }
        value
    }

    /// Room kept for values (for memory accounting).
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().flatten()
    }

    /// Every value with its number.
    pub fn iter_mut_numbered(&mut self) -> impl Iterator<Item = (usize, &mut T)> {
        self.slots.iter_mut().enumerate().filter_map(|(number, slot)| Some((number, slot.as_mut()?)))
    }

    /// Drops every value.
    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_reused_after_removal() {
        let mut slots = Slots::new();
        assert_eq!((slots.insert('a'), slots.insert('b')), (0, 1));
        assert_eq!(slots.remove(0), Some('a'));
        assert_eq!(slots.remove(0), None);
        assert_eq!(slots.insert('c'), 0);
        assert_eq!(slots.get(1), Some(&'b'));
        assert_eq!(slots.get(5), None);
        assert_eq!(slots.iter_mut_numbered().map(|(n, v)| (n, *v)).collect::<Vec<_>>(), [(0, 'c'), (1, 'b')]);
        slots.clear();
        assert_eq!(slots.iter().count(), 0);
    }

    #[test]
    fn the_table_shrinks_when_its_end_empties() {
        let mut slots = Slots::new();
        let numbers: Vec<usize> = (0..1000).map(|n| slots.insert(n)).collect();
        for &number in numbers.iter().skip(1) {
            slots.remove(number);
        }
        assert!(slots.capacity() <= 2 + 16, "capacity {} after 999 of 1000 left", slots.capacity());
        assert_eq!(slots.get(0), Some(&0));
        assert_eq!(slots.insert(7), 1);
        slots.remove(0);
        assert_eq!(slots.get(1), Some(&7), "a freed number below the end stays free");
        assert_eq!(slots.insert(8), 0);
    }
}
