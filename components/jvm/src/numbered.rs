//! `Numbered`: entries numbered in order of first use and found by hash (one hash and, nearly
//! always, one comparison). Two tables of the VM grow with what a program does and are asked on
//! hot paths, so neither a binary search nor a sorted insertion will do:
//! - method selectors, (name, descriptor) pairs that dispatch caches are keyed by: natives ask
//!   for one on every call they make into Java code (`hashCode` and `equals` for each HashMap
//!   operation; a binary search was 15% of a HashMap benchmark's instructions);
//! - interned strings (`ldc` constants and `String.intern`, which a program may call for any
//!   number of strings: an insertion into a sorted vector moves half of it).
//!
//! The table is open addressing with linear probing, at most half full; the hash is FNV-1a.

use alloc::vec;
use alloc::vec::Vec;

pub struct Numbered<E> {
    /// Number n's entry is `entries[n]`.
    entries: Vec<E>,
    /// 0 is empty, n + 1 is number n.
    table: Vec<u32>,
}

impl<E> Default for Numbered<E> {
    fn default() -> Self {
        Numbered { entries: Vec::new(), table: Vec::new() }
    }
}

/// FNV-1a over `bytes`, continuing from `hash` (start from [`FNV_START`]).
pub fn fnv(hash: u32, bytes: impl IntoIterator<Item = u8>) -> u32 {
    bytes.into_iter().fold(hash, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}
pub const FNV_START: u32 = 0x811c_9dc5;

impl<E> Numbered<E> {
    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.entries.iter()
    }

    /// The number of the entry with hash `hash` that `matches`, or of a new entry `make` gives
    /// (the next number). `hash_of` gives any entry's hash (for growing); it must agree with
    /// `hash` for the entry `matches` looks for.
    pub fn number(
        &mut self,
        hash: u32,
        matches: impl Fn(&E) -> bool,
        make: impl FnOnce() -> E,
        hash_of: impl Fn(&E) -> u32,
    ) -> u32 {
        if self.table.is_empty() {
            self.table = vec![0; 64];
        }
        let mask = self.table.len() - 1;
        let mut at = hash as usize & mask;
        while let Some(number) = self.table[at].checked_sub(1) {
            if matches(&self.entries[number as usize]) {
                return number;
            }
            at = (at + 1) & mask;
        }
        let number = self.entries.len() as u32;
        let entry = make();
        debug_assert_eq!(hash_of(&entry), hash, "hash_of must agree with the hash looked up");
        self.entries.push(entry);
        self.table[at] = number + 1;
        if self.entries.len() * 2 > self.table.len() {
            let mut table = vec![0u32; self.table.len() * 2];
            let mask = table.len() - 1;
            for (index, entry) in self.entries.iter().enumerate() {
                let mut at = hash_of(entry) as usize & mask;
                while table[at] != 0 {
                    at = (at + 1) & mask;
                }
                table[at] = index as u32 + 1;
            }
            self.table = table;
        }
        number
    }

    pub fn get(&self, number: u32) -> Option<&E> {
        self.entries.get(number as usize)
    }
}

/// Method selectors: (name, descriptor) numbered in order of first use.
#[derive(Default)]
pub struct Selectors(Numbered<(alloc::boxed::Box<str>, alloc::boxed::Box<str>)>);

fn selector_hash(name: &str, descriptor: &str) -> u32 {
    // A byte no name holds between the two.
    fnv(fnv(fnv(FNV_START, name.bytes()), [0xff]), descriptor.bytes())
}

impl Selectors {
    /// The number of (name, descriptor): the one it has, or the next one.
    pub fn number(&mut self, name: &str, descriptor: &str) -> u32 {
        self.0.number(
            selector_hash(name, descriptor),
            |(known_name, known_descriptor)| **known_name == *name && **known_descriptor == *descriptor,
            || (name.into(), descriptor.into()),
            |(name, descriptor)| selector_hash(name, descriptor),
        )
    }
}

/// The hash of a string's UTF-16 units, for the interned strings.
pub fn units_hash(units: &[u16]) -> u32 {
    fnv(FNV_START, units.iter().flat_map(|unit| unit.to_le_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn numbers_are_given_in_order_of_first_use_and_kept() {
        let mut selectors = Selectors::default();
        assert_eq!(selectors.number("hashCode", "()I"), 0);
        assert_eq!(selectors.number("equals", "(Ljava/lang/Object;)Z"), 1);
        assert_eq!(selectors.number("hashCode", "()I"), 0);
        // The same name with another descriptor, and names that run into each other.
        assert_eq!(selectors.number("hashCode", "()J"), 2);
        assert_eq!(selectors.number("ab", "c"), 3);
        assert_eq!(selectors.number("a", "bc"), 4);
        // Through several growths, every number stays.
        for i in 0..5000 {
            assert_eq!(selectors.number(&format!("m{i}"), "()V"), 5 + i);
        }
        for i in (0..5000).rev() {
            assert_eq!(selectors.number(&format!("m{i}"), "()V"), 5 + i);
        }
        assert_eq!(selectors.number("a", "bc"), 4);
        assert_eq!(selectors.number("new", "()V"), 5005, "no pair was numbered twice");
    }

    #[test]
    fn entries_made_once_and_found_by_content() {
        let mut strings: Numbered<(Vec<u16>, u32)> = Numbered::default();
        let mut made = 0;
        for round in 0..2 {
            for i in 0..3000u32 {
                let units: Vec<u16> = format!("s{i}").encode_utf16().collect();
                let number = strings.number(
                    units_hash(&units),
                    |(known, _)| *known == units,
                    || {
                        made += 1;
                        (units.clone(), i * 10)
                    },
                    |(units, _)| units_hash(units),
                );
                assert_eq!(number, i, "round {round}");
                assert_eq!(strings.get(number).map(|e| e.1), Some(i * 10));
            }
        }
        assert_eq!(made, 3000, "the second round found every string");
        assert_eq!(strings.iter().count(), 3000);
        assert!(strings.get(3000).is_none());
    }
}
