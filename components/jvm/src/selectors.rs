//! Method selectors: each (name, descriptor) pair gets a number, in order of first use, that
//! dispatch caches are keyed by. Natives ask for one on every call they make into Java code
//! (`hashCode` and `equals` for each HashMap operation), so it is found by hash: one hash of
//! the two strings and, nearly always, one comparison. (A binary search over the sorted pairs
//! was 15% of a HashMap benchmark's instructions, nearly all string comparisons.)

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

#[derive(Default)]
pub struct Selectors {
    /// Number n's pair is `pairs[n]`.
    pairs: Vec<(Box<str>, Box<str>)>,
    /// Open addressing, linear probing: 0 is empty, n + 1 is number n. At most half full.
    table: Vec<u32>,
}

fn hash(name: &str, descriptor: &str) -> u32 {
    // FNV-1a over the name, a byte no name holds, and the descriptor.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes().chain(core::iter::once(0xff)).chain(descriptor.bytes()) {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    hash
}

impl Selectors {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The number of (name, descriptor): the one it has, or the next one.
    pub fn number(&mut self, name: &str, descriptor: &str) -> u32 {
        if self.table.is_empty() {
            self.table = vec![0; 64];
        }
        let mask = self.table.len() - 1;
        let mut at = hash(name, descriptor) as usize & mask;
        loop {
            match self.table[at] {
                0 => break,
                entry => {
                    let (known_name, known_descriptor) = &self.pairs[entry as usize - 1];
                    if **known_name == *name && **known_descriptor == *descriptor {
                        return entry - 1;
                    }
                }
            }
            at = (at + 1) & mask;
        }
        let number = self.pairs.len() as u32;
        self.pairs.push((name.into(), descriptor.into()));
        self.table[at] = number + 1;
        if self.pairs.len() * 2 > self.table.len() {
            self.grow();
        }
        number
    }

    fn grow(&mut self) {
        let mut table = vec![0u32; self.table.len() * 2];
        let mask = table.len() - 1;
        for (index, (name, descriptor)) in self.pairs.iter().enumerate() {
            let mut at = hash(name, descriptor) as usize & mask;
            while table[at] != 0 {
                at = (at + 1) & mask;
            }
            table[at] = index as u32 + 1;
        }
        self.table = table;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn numbers_are_given_in_order_of_first_use_and_kept() {
        let mut selectors = Selectors::default();
        assert!(selectors.is_empty());
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
        assert_eq!(selectors.len(), 5005);
    }
}
