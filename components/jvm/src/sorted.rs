//! `SortedMap`: the VM's own tables (classes by name, small boxes, dispatch caches, threads and
//! monitors) as one vector of pairs kept in key order. Each of these maps is small or written
//! once and read often, so a binary search over a vector is as fast as `BTreeMap` here, and far
//! smaller: `BTreeMap`'s node code, made again for each of eight key and value types, was 30 KB
//! of the java image. (Selectors and interned strings, which grow with what a program does,
//! are in `numbered`.)
//!
//! Contract, as `BTreeMap`'s for the methods it shares: at most one value per key; `keys` and
//! `values` iterate in ascending key order; `insert` returns the value it replaced. Insertion and
//! removal move the entries after the key (O(n)); lookups are O(log n).

use alloc::vec::Vec;
use core::borrow::Borrow;

#[derive(Clone, Debug)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Vec::new() }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub const fn new() -> Self {
        SortedMap { entries: Vec::new() }
    }

    /// Where `key` is (Ok), or would go (Err).
    fn search<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(stored, _)| stored.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.search(key).ok().map(|at| &self.entries[at].1)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let at = self.search(key).ok()?;
        Some(&mut self.entries[at].1)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.search(key).is_ok()
    }

    /// Stores `value` under `key`; returns the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.search(&key) {
            Ok(at) => Some(core::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Stores `value` under `key` only if the key is absent; false (and nothing stored) if not.
    pub fn insert_new(&mut self, key: K, value: V) -> bool {
        match self.search(&key) {
            Ok(_) => false,
            Err(at) => {
                self.entries.insert(at, (key, value));
                true
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let at = self.search(key).ok()?;
        Some(self.entries.remove(at).1)
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(key, _)| key)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, value)| value)
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(key, value)| keep(key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u8, u16),
        InsertNew(u8, u16),
        Remove(u8),
        Get(u8),
        Retain(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<u8>(), any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (any::<u8>(), any::<u16>()).prop_map(|(k, v)| Op::InsertNew(k, v)),
            any::<u8>().prop_map(Op::Remove),
            any::<u8>().prop_map(Op::Get),
            any::<u8>().prop_map(Op::Retain),
        ]
    }

    proptest! {
        /// Every operation answers as BTreeMap's does, and iteration order is the same.
        #[test]
        fn behaves_as_btreemap(ops in proptest::collection::vec(op(), 0..300)) {
            let mut ours = SortedMap::new();
            let mut model = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), model.insert(k, v)),
                    Op::InsertNew(k, v) => {
                        let fresh = !model.contains_key(&k);
                        if fresh {
                            model.insert(k, v);
                        }
                        prop_assert_eq!(ours.insert_new(k, v), fresh);
                    }
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                    Op::Get(k) => {
                        prop_assert_eq!(ours.get(&k), model.get(&k));
                        prop_assert_eq!(ours.contains_key(&k), model.contains_key(&k));
                        if let Some(v) = ours.get_mut(&k) {
                            *v = v.wrapping_add(1);
                        }
                        if let Some(v) = model.get_mut(&k) {
                            *v = v.wrapping_add(1);
                        }
                    }
                    Op::Retain(m) => {
                        let m = u16::from(m | 1);
                        ours.retain(|_, v| *v % m != 0);
                        model.retain(|_, v| *v % m != 0);
                    }
                }
                prop_assert_eq!(ours.keys().count(), model.len());
            }
            prop_assert_eq!(ours.keys().collect::<Vec<_>>(), model.keys().collect::<Vec<_>>());
            prop_assert_eq!(ours.values().collect::<Vec<_>>(), model.values().collect::<Vec<_>>());
        }
    }

    #[test]
    fn borrowed_keys() {
        let mut names: SortedMap<alloc::boxed::Box<str>, u32> = SortedMap::new();
        assert_eq!(names.get("java/lang/Object"), None);
        names.insert("java/lang/String".into(), 2);
        names.insert("java/lang/Object".into(), 1);
        names.insert("java/lang/Thread".into(), 3);
        assert_eq!(names.get("java/lang/Object"), Some(&1));
        assert_eq!(names.get("java/lang/Integer"), None);
        assert_eq!(
            names.keys().map(|k| &**k).collect::<Vec<_>>(),
            ["java/lang/Object", "java/lang/String", "java/lang/Thread"]
        );
        assert_eq!(names.remove("java/lang/String"), Some(2));
        assert_eq!(names.keys().count(), 2);
    }
}
