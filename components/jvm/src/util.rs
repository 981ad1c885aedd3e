//! The storage of java.util.HashMap and HashSet, laid out as Java's own so that iteration
//! order is the same as under `java`: a power-of-two table (16 at first, doubled past 3/4
//! full), the bucket of a key is `(h ^ (h >>> 16)) & (capacity - 1)` with `h` its hashCode, and
//! each bucket keeps insertion order. Keys' hashCode and equals are Java's to compute: this
//! type only stores and finds positions.

use alloc::vec;
use alloc::vec::Vec;

use crate::heap::Ref;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    pub hash: i32,
    pub key: Ref,
    pub value: Ref,
}

#[derive(Debug, Default)]
pub struct JavaMap {
    table: Vec<Vec<Entry>>,
    size: usize,
    /// The capacity the table gets at the first insertion (Java allocates lazily).
    initial: usize,
}

/// Java's `HashMap.hash`: the hashCode's high half folded into the low.
pub fn spread(hash_code: i32) -> i32 {
    hash_code ^ ((hash_code as u32) >> 16) as i32
}

/// A position in the map: bucket and place within it.
pub type Position = (usize, usize);

impl JavaMap {
    /// A map whose first table holds `capacity` (rounded up to a power of two, at least 1), as
    /// `new HashMap<>(capacity)`.
    pub fn with_capacity(capacity: usize) -> JavaMap {
        JavaMap { initial: capacity.clamp(1, 1 << 30).next_power_of_two(), ..JavaMap::default() }
    }

    pub fn len(&self) -> usize {
        self.size
    }
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The entries whose spread hash is `hash`: candidates for equals.
    pub fn candidates(&self, hash: i32) -> Vec<(Position, Ref)> {
        if self.table.is_empty() {
            return Vec::new();
        }
        let bucket = (hash as u32 as usize) & (self.table.len() - 1);
        self.table[bucket]
            .iter()
            .enumerate()
            .filter(|(_, e)| e.hash == hash)
            .map(|(i, e)| ((bucket, i), e.key))
            .collect()
    }

    pub fn entry(&self, position: Position) -> Option<Entry> {
        self.table.get(position.0).and_then(|bucket| bucket.get(position.1)).copied()
    }

    pub fn set_value(&mut self, position: Position, value: Ref) {
        if let Some(entry) = self.table.get_mut(position.0).and_then(|bucket| bucket.get_mut(position.1)) {
            entry.value = value;
        }
    }

    /// Adds a new entry (the caller found no equal key).
    pub fn insert(&mut self, hash: i32, key: Ref, value: Ref) {
        if self.table.is_empty() {
            let capacity = if self.initial == 0 { 16 } else { self.initial };
            self.table = vec![Vec::new(); capacity];
        }
        let bucket = (hash as u32 as usize) & (self.table.len() - 1);
        self.table[bucket].push(Entry { hash, key, value });
        self.size += 1;
        if self.size > self.table.len() * 3 / 4 {
            self.resize();
        }
    }

    /// Adds a new entry as `merge`, `compute` and `computeIfAbsent` do: the table grows first
    /// if it is already past 3/4, and the entry goes to the front of its bucket.
    pub fn insert_computed(&mut self, hash: i32, key: Ref, value: Ref) {
        if self.table.is_empty() {
            let capacity = if self.initial == 0 { 16 } else { self.initial };
            self.table = vec![Vec::new(); capacity];
        } else if self.size > self.table.len() * 3 / 4 {
            self.resize();
        }
        let bucket = (hash as u32 as usize) & (self.table.len() - 1);
        self.table[bucket].insert(0, Entry { hash, key, value });
        self.size += 1;
    }

    fn resize(&mut self) {
        let capacity = self.table.len() * 2;
        let old = core::mem::replace(&mut self.table, vec![Vec::new(); capacity]);
        for entry in old.into_iter().flatten() {
            self.table[(entry.hash as u32 as usize) & (capacity - 1)].push(entry);
        }
    }

    pub fn remove(&mut self, position: Position) -> Option<Entry> {
        let bucket = self.table.get_mut(position.0)?;
        if position.1 >= bucket.len() {
            return None;
        }
        self.size -= 1;
        Some(bucket.remove(position.1))
    }

    pub fn clear(&mut self) {
        for bucket in &mut self.table {
            bucket.clear();
        }
        self.size = 0;
    }

    /// The `index`-th entry in iteration order with its position, for iterators.
    pub fn nth(&self, index: usize) -> Option<(Position, Entry)> {
        let mut seen = 0;
        for (b, bucket) in self.table.iter().enumerate() {
            if index < seen + bucket.len() {
                return Some(((b, index - seen), bucket[index - seen]));
            }
            seen += bucket.len();
        }
        None
    }

    /// The first entry at or after `cursor` in iteration order, with its position.
    pub fn at_or_after(&self, cursor: Position) -> Option<(Position, Entry)> {
        let (mut bucket, mut place) = cursor;
        while bucket < self.table.len() {
            if let Some(entry) = self.table[bucket].get(place) {
                return Some(((bucket, place), *entry));
            }
            bucket += 1;
            place = 0;
        }
        None
    }

    /// Every entry in iteration order.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.table.iter().flatten().copied()
    }

    pub fn references(&self, into: &mut Vec<Ref>) {
        for entry in self.entries() {
            into.push(entry.key);
            into.push(entry.value);
        }
    }

    pub fn cost(&self) -> usize {
        self.table.len() * core::mem::size_of::<Vec<Entry>>() + self.size * core::mem::size_of::<Entry>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_follows_javas_buckets_and_survives_resizes_in_order() {
        let mut map = JavaMap::default();
        // Integer keys hash to themselves: 0..=12 fill buckets 0..12, 16 lands in bucket 0 after 0.
        for key in [16, 3, 0, 12, 5, 1, 2, 4, 6, 7, 8, 9, 10] {
            map.insert(spread(key), key as Ref + 100, 0);
        }
        assert_eq!(map.len(), 13);
        // 13 > 12: the table doubled to 32, so 16 moved to its own bucket.
        let order: Vec<Ref> = map.entries().map(|e| e.key - 100).collect();
        assert_eq!(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16]);
        let (position, entry) = map.nth(12).unwrap();
        assert_eq!(entry.key, 116);
        assert_eq!(map.remove(position).unwrap().key, 116);
        assert_eq!(map.nth(12), None);
        assert_eq!(map.candidates(spread(5)).len(), 1);
    }
}
