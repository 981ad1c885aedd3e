//! A library class's native methods, packed at compile time. The class library writes each
//! method as `(name, descriptor, flags, function)`; kept that way, an entry takes 48 bytes of
//! the image (two string references, the flags and the function). Packed, an entry is 16 bytes:
//! the two strings become offsets into the class's text, where each distinct string is stored
//! once. `natives!` (in `library.rs`) packs a class's tables in a constant, so the unpacked
//! tables are never in the image.

use crate::vm::NativeFn;

/// A native method as the library writes it: name, descriptor, access flags, function.
pub type Raw = (&'static str, &'static str, u16, NativeFn);

/// One method: where its name and descriptor are in the class's text, its flags, its function.
#[derive(Clone, Copy)]
pub struct Packed {
    name: u16,
    descriptor: u16,
    name_length: u8,
    descriptor_length: u8,
    flags: u16,
    native: NativeFn,
}

impl Packed {
    /// A stand-in that fills the array before `pack` writes it.
    pub const EMPTY: Packed =
        Packed { name: 0, descriptor: 0, name_length: 0, descriptor_length: 0, flags: 0, native: |_, _| Ok(None) };
}

/// A class's native methods: the packed entries and the text their strings are in.
#[derive(Clone, Copy)]
pub struct Natives {
    pub entries: &'static [Packed],
    pub text: &'static [u8],
}

impl Natives {
    pub const NONE: Natives = Natives { entries: &[], text: &[] };

    /// The methods as the library wrote them, in its order.
    pub fn iter(self) -> impl Iterator<Item = Raw> {
        let text = |at: u16, length: u8| {
            let bytes = self.text.get(at as usize..at as usize + length as usize).unwrap_or_default();
            core::str::from_utf8(bytes).unwrap_or_default()
        };
        self.entries
            .iter()
            .map(move |p| (text(p.name, p.name_length), text(p.descriptor, p.descriptor_length), p.flags, p.native))
    }
}

/// The number of methods in `tables`.
pub const fn count(tables: &[&[Raw]]) -> usize {
    let (mut total, mut t) = (0, 0);
    while t < tables.len() {
        total += tables[t].len();
        t += 1;
    }
    total
}

/// The bytes of text `tables` pack into.
pub const fn text_length(tables: &[&[Raw]]) -> usize {
    walk(tables, &mut [], &mut [])
}

/// `tables` packed: `E` must be `count(tables)` and `B` `text_length(tables)`.
pub const fn pack<const E: usize, const B: usize>(tables: &[&[Raw]]) -> ([Packed; E], [u8; B]) {
    let mut entries = [Packed::EMPTY; E];
    let mut text = [0; B];
    walk(tables, &mut entries, &mut text);
    (entries, text)
}

/// Method `index` of `tables`, counted across them.
const fn raw(tables: &[&[Raw]], mut index: usize) -> Raw {
    let mut t = 0;
    while index >= tables[t].len() {
        index -= tables[t].len();
        t += 1;
    }
    tables[t][index]
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Packs every method of `tables` into `entries` and `text`, or (with both empty) only counts
/// the text; returns the text's length. A string already used by an earlier method is not
/// stored again. Too long a text or string stops the build.
const fn walk(tables: &[&[Raw]], entries: &mut [Packed], text: &mut [u8]) -> usize {
    let writing = !entries.is_empty();
    let total = count(tables);
    let mut used = 0;
    let mut index = 0;
    while index < total {
        let (name, descriptor, flags, native) = raw(tables, index);
        let mut at = [0usize; 2];
        let mut which = 0;
        while which < 2 {
            let wanted = if which == 0 { name.as_bytes() } else { descriptor.as_bytes() };
            assert!(wanted.len() <= u8::MAX as usize, "a native's name or descriptor is too long to pack");
            // The first earlier method with this string, as its name or its descriptor.
            let mut found = None;
            let mut earlier = 0;
            while earlier < index && found.is_none() {
                let (other_name, other_descriptor, _, _) = raw(tables, earlier);
                if same(other_name.as_bytes(), wanted) {
                    found = Some((earlier, 0));
                } else if same(other_descriptor.as_bytes(), wanted) {
                    found = Some((earlier, 1));
                }
                earlier += 1;
            }
            at[which] = match found {
                Some((earlier, 0)) if writing => entries[earlier].name as usize,
                Some((earlier, _)) if writing => entries[earlier].descriptor as usize,
                Some(_) => 0,
                None => {
                    if writing {
                        let mut i = 0;
                        while i < wanted.len() {
                            text[used + i] = wanted[i];
                            i += 1;
                        }
                    }
                    used += wanted.len();
                    used - wanted.len()
                }
            };
            which += 1;
        }
        assert!(used <= u16::MAX as usize, "a class's native text is too long to pack");
        if writing {
            entries[index] = Packed {
                name: at[0] as u16,
                descriptor: at[1] as u16,
                name_length: name.len() as u8,
                descriptor_length: descriptor.len() as u8,
                flags,
                native,
            };
        }
        index += 1;
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::Outcome;
    use alloc::vec::Vec;

    fn one(_: &mut crate::threads::Vm, _: &[crate::heap::Value]) -> Outcome {
        Ok(None)
    }
    fn two(_: &mut crate::threads::Vm, _: &[crate::heap::Value]) -> Outcome {
        Ok(Some(crate::heap::Value::Int(2)))
    }

    const FIRST: &[Raw] = &[("length", "()I", 1, one), ("charAt", "(I)C", 1, two)];
    const SECOND: &[Raw] = &[("length", "(I)I", 9, two), ("hash", "()I", 8, one)];
    const TABLES: &[&[Raw]] = &[FIRST, SECOND];
    const PACKED: ([Packed; count(TABLES)], [u8; text_length(TABLES)]) =
        pack::<{ count(TABLES) }, { text_length(TABLES) }>(TABLES);

    #[test]
    fn packing_keeps_every_method_in_order_and_each_string_once() {
        let natives = Natives { entries: &PACKED.0, text: &PACKED.1 };
        let unpacked: Vec<_> = natives.iter().map(|(n, d, f, native)| (n, d, f, native as usize)).collect();
        let written: Vec<_> =
            FIRST.iter().chain(SECOND).map(|(n, d, f, native)| (*n, *d, *f, *native as usize)).collect();
        assert_eq!(unpacked, written);
        // "length" and "()I" are stored once.
        assert_eq!(text_length(TABLES), "length()IcharAt(I)C(I)Ihash".len());
        assert_eq!(core::mem::size_of::<Packed>(), 16);
        assert_eq!(Natives::NONE.iter().count(), 0);
    }
}
