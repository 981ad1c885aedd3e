//! The Java heap: objects in a table indexed by reference, a precise mark-and-sweep collector,
//! and a byte budget. Every value is tagged (`Value`), so roots and object fields are found
//! exactly, never guessed.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::util::JavaMap;

/// A reference: an index into the heap's table; 0 is `null`.
pub type Ref = u32;

/// A value in a local variable, on the operand stack or in a field. Long and double take two
/// slots in locals and on the stack (the value, then `Int(0)` as a filler), as in the JVMS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    Ref(Ref),
}

impl Value {
    pub const NULL: Value = Value::Ref(0);
    pub fn int(self) -> i32 {
        match self {
            Value::Int(v) => v,
            _ => 0,
        }
    }
    pub fn long(self) -> i64 {
        match self {
            Value::Long(v) => v,
            _ => 0,
        }
    }
    pub fn float(self) -> f32 {
        match self {
            Value::Float(v) => v,
            _ => 0.0,
        }
    }
    pub fn double(self) -> f64 {
        match self {
            Value::Double(v) => v,
            _ => 0.0,
        }
    }
    pub fn reference(self) -> Ref {
        match self {
            Value::Ref(v) => v,
            _ => 0,
        }
    }
    /// The default value of a field of this descriptor.
    pub fn default_for(descriptor: &str) -> Value {
        match descriptor.as_bytes().first() {
            Some(b'J') => Value::Long(0),
            Some(b'F') => Value::Float(0.0),
            Some(b'D') => Value::Double(0.0),
            Some(b'L' | b'[') => Value::NULL,
            _ => Value::Int(0),
        }
    }
}

/// What an object carries besides its fields.
#[derive(Debug)]
pub enum Native {
    None,
    /// java.lang.String (immutable) and StringBuilder: UTF-16 code units.
    Chars(Vec<u16>),
    /// Arrays by element type.
    Ints(Vec<i32>),
    Longs(Vec<i64>),
    Floats(Vec<f32>),
    Doubles(Vec<f64>),
    /// byte[] and boolean[].
    Bytes(Vec<i8>),
    Shorts(Vec<i16>),
    /// char[].
    CharArray(Vec<u16>),
    Refs(Vec<Ref>),
    /// ArrayList (and the lists Arrays.asList and List.of make).
    List(Vec<Ref>),
    /// HashMap and HashSet.
    Map(Box<JavaMap>),
    /// An iterator: the collection, the next position, the last returned position.
    Iterator {
        source: Ref,
        next: usize,
        last: Option<usize>,
        kind: u8,
    },
    /// java.lang.Class: the class it stands for.
    Class(u32),
    /// A Throwable's stack trace: (method, pc) from the innermost frame.
    Trace(Vec<(u32, u32)>),
}

#[derive(Debug)]
pub struct Object {
    pub class: u32,
    pub fields: Box<[Value]>,
    pub native: Native,
    marked: bool,
}

/// Bytes an object is counted as: its header and table slot, its fields and its payload.
fn cost(fields: usize, native: &Native) -> usize {
    let payload = match native {
        Native::Chars(v) | Native::CharArray(v) => v.capacity() * 2,
        Native::Ints(v) => v.capacity() * 4,
        Native::Longs(v) => v.capacity() * 8,
        Native::Floats(v) => v.capacity() * 4,
        Native::Doubles(v) => v.capacity() * 8,
        Native::Bytes(v) => v.capacity(),
        Native::Shorts(v) => v.capacity() * 2,
        Native::Refs(v) | Native::List(v) => v.capacity() * 4,
        Native::Map(map) => map.cost(),
        Native::Trace(v) => v.capacity() * 8,
        _ => 0,
    };
    core::mem::size_of::<Option<Object>>() + fields * core::mem::size_of::<Value>() + payload
}

pub struct Heap {
    objects: Vec<Option<Object>>,
    free: Vec<u32>,
    /// Bytes counted for live objects (at the last collection) plus those allocated since.
    pub used: usize,
    /// The budget: allocation beyond it after a collection is an OutOfMemoryError.
    pub limit: usize,
    /// A collection runs when `used` passes this.
    pub next_collection: usize,
    pub collections: u64,
}

impl Heap {
    pub fn new(limit: usize) -> Heap {
        let objects = alloc::vec![None];
        Heap {
            objects,
            free: Vec::new(),
            used: 0,
            limit,
            next_collection: (limit / 4).max(64 * 1024).min(limit),
            collections: 0,
        }
    }

    /// Whether an object of this size can be allocated without a collection first.
    pub fn fits_without_collecting(&self, bytes: usize) -> bool {
        self.used.saturating_add(bytes) <= self.next_collection
    }
    pub fn fits(&self, bytes: usize) -> bool {
        self.used.saturating_add(bytes) <= self.limit
    }

    pub fn estimate(fields: usize, native: &Native) -> usize {
        cost(fields, native)
    }

    pub fn insert(&mut self, class: u32, fields: Box<[Value]>, native: Native) -> Ref {
        self.used += cost(fields.len(), &native);
        let object = Object { class, fields, native, marked: false };
        match self.free.pop() {
            Some(index) => {
                self.objects[index as usize] = Some(object);
                index
            }
            None => {
                self.objects.push(Some(object));
                (self.objects.len() - 1) as Ref
            }
        }
    }

    // Inlined: every field, array and class access starts here (the crate is built for size).
    #[inline(always)]
    pub fn get(&self, reference: Ref) -> Option<&Object> {
        match self.objects.as_slice().get(reference as usize) {
            Some(Some(object)) => Some(object),
            _ => None,
        }
    }
    #[inline(always)]
    pub fn get_mut(&mut self, reference: Ref) -> Option<&mut Object> {
        match self.objects.as_mut_slice().get_mut(reference as usize) {
            Some(Some(object)) => Some(object),
            _ => None,
        }
    }

    /// Counts `bytes` more for an object that grew (a list or builder).
    pub fn grew(&mut self, bytes: usize) {
        self.used += bytes;
    }

    /// Marks everything reachable from `roots` and frees the rest; returns the bytes freed.
    pub fn collect(&mut self, roots: impl Iterator<Item = Ref>) -> usize {
        let mut pending: Vec<Ref> = roots.filter(|r| *r != 0).collect();
        while let Some(reference) = pending.pop() {
            let Some(object) = self.objects.get_mut(reference as usize).and_then(Option::as_mut) else { continue };
            if object.marked {
                continue;
            }
            object.marked = true;
            for value in object.fields.iter() {
                if let Value::Ref(r) = value
                    && *r != 0
                {
                    pending.push(*r);
                }
            }
            match &object.native {
                Native::Refs(items) | Native::List(items) => pending.extend(items.iter().copied().filter(|r| *r != 0)),
                Native::Map(map) => map.references(&mut pending),
                Native::Iterator { source, .. } => pending.push(*source),
                _ => {}
            }
        }
        let before = self.used;
        let mut live = 0;
        for (index, slot) in self.objects.iter_mut().enumerate().skip(1) {
            match slot {
                Some(object) if object.marked => {
                    object.marked = false;
                    live += cost(object.fields.len(), &object.native);
                }
                Some(_) => {
                    *slot = None;
                    self.free.push(index as u32);
                }
                None => {}
            }
        }
        // Give back the table's tail when it is free.
        while self.objects.len() > 1 && self.objects.last().is_some_and(Option::is_none) {
            self.objects.pop();
        }
        let length = self.objects.len() as u32;
        self.free.retain(|index| *index < length);
        self.used = live;
        self.next_collection = live.saturating_mul(2).max(self.limit / 4).min(self.limit);
        self.collections += 1;
        before.saturating_sub(live)
    }
}
