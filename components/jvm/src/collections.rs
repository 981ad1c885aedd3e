//! java.util's collections, in Rust: ArrayList (and the fixed and immutable lists of
//! Arrays.asList and List.of), HashMap and HashSet with Java's iteration order, their views and
//! iterators, Arrays, Collections, and the default and static methods of Comparator and the
//! java.util.function interfaces.

use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::classfile::access::{PUBLIC, STATIC};
use crate::heap::{Native, Ref, Value};
use crate::lang::{
    array_items, field, int, java_equals, java_hash, ok_bool, ok_int, ok_ref, ok_units, ok_void, r, to_string, utf16,
};
use crate::threads::Vm;
use crate::util::{JavaMap, spread};
use crate::vm::{NativeFn, Outcome, Unwind};

type Entry = (&'static str, &'static str, u16, NativeFn);

// ---- Helpers --------------------------------------------------------------------------------

fn list(vm: &Vm, this: Ref) -> Option<&Vec<Ref>> {
    match vm.heap.get(this).map(|o| &o.native) {
        Some(Native::List(items)) => Some(items),
        _ => None,
    }
}

fn list_mut(vm: &mut Vm, this: Ref) -> &mut Vec<Ref> {
    let object = vm.heap.get_mut(this);
    let native = match object {
        Some(o) => &mut o.native,
        None => unreachable_list(),
    };
    if !matches!(native, Native::List(_)) {
        *native = Native::List(Vec::new());
    }
    match native {
        Native::List(items) => items,
        _ => unreachable_list(),
    }
}

/// A list or map native on a dangling reference: impossible, since library methods get a
/// non-null `this` (Vm::enter checks) and references are never dangling (the collector is
/// precise). A bug if it ever happens.
fn unreachable_list() -> ! {
    panic!("list native on a dangling reference")
}

fn new_of(vm: &mut Vm, class: &str, native: Native) -> Result<Ref, Unwind> {
    let id = vm.load(class).map_err(|e| vm.link_error(e))?;
    vm.allocate(id, native)
}

fn new_list(vm: &mut Vm, class: &str, items: Vec<Ref>) -> Outcome {
    ok_ref(new_of(vm, class, Native::List(items))?)
}

fn index_error(vm: &mut Vm, index: i32, length: usize) -> Unwind {
    vm.out_of_bounds("java/lang/IndexOutOfBoundsException", index, length)
}

fn unsupported(vm: &mut Vm) -> Unwind {
    vm.throw("java/lang/UnsupportedOperationException", "")
}

/// The elements of a collection or iterable: lists and sets directly, anything else through
/// its iterator.
pub fn elements(vm: &mut Vm, collection: Ref) -> Result<Vec<Ref>, Unwind> {
    if collection == 0 {
        return Err(vm.null_pointer());
    }
    match vm.heap.get(collection).map(|o| &o.native) {
        Some(Native::List(items)) => return Ok(items.clone()),
        Some(Native::Map(map)) => return Ok(map.entries().map(|e| e.key).collect()),
        _ => {}
    }
    let class = vm.class_of(collection);
    if vm.class_name(class) == "java/util/HashMap$View" {
        return view_items(vm, collection);
    }
    let iterator = vm.call_virtual(collection, "iterator", "()Ljava/util/Iterator;", &[])?.map_or(0, |v| v.reference());
    vm.pins.push(iterator);
    let mut items = Vec::new();
    while vm.call_virtual(iterator, "hasNext", "()Z", &[])?.is_some_and(|v| v.int() != 0) {
        let item = vm.call_virtual(iterator, "next", "()Ljava/lang/Object;", &[])?.map_or(0, |v| v.reference());
        vm.pins.push(item);
        items.push(item);
    }
    Ok(items)
}

/// "[a, b, c]".
fn sequence_text(vm: &mut Vm, items: Vec<Ref>, open: char, close: char) -> Outcome {
    let mut text = vec![open as u16];
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            text.extend(utf16(", "));
        }
        text.extend(to_string(vm, item)?);
    }
    text.push(close as u16);
    ok_units(vm, text)
}

/// `a.compareTo(b)` for Comparable elements (fast for strings and boxes).
fn natural(vm: &mut Vm, a: Ref, b: Ref) -> Result<i32, Unwind> {
    if a == 0 || b == 0 {
        return Err(vm.null_pointer());
    }
    if let (Some(x), Some(y)) = (vm.chars(a), vm.chars(b))
        && vm.class_of(a) == vm.known.string
        && vm.class_of(b) == vm.known.string
    {
        let order = x
            .iter()
            .zip(y)
            .find(|(p, q)| p != q)
            .map_or(x.len() as i32 - y.len() as i32, |(p, q)| *p as i32 - *q as i32);
        return Ok(order);
    }
    let comparable = vm.known_class("java/lang/Comparable");
    if !vm.instance_of(a, comparable) {
        let name = vm.class_name(vm.class_of(a)).replace('/', ".");
        return Err(vm.throw(
            "java/lang/ClassCastException",
            &format!("class {name} cannot be cast to class java.lang.Comparable"),
        ));
    }
    Ok(vm.call_virtual(a, "compareTo", "(Ljava/lang/Object;)I", &[Value::Ref(b)])?.map_or(0, |v| v.int()))
}

/// `comparator.compare(a, b)`, or the natural order when `comparator` is null.
fn compare(vm: &mut Vm, comparator: Ref, a: Ref, b: Ref) -> Result<i32, Unwind> {
    if comparator == 0 {
        return natural(vm, a, b);
    }
    Ok(vm
        .call_virtual(
            comparator,
            "compare",
            "(Ljava/lang/Object;Ljava/lang/Object;)I",
            &[Value::Ref(a), Value::Ref(b)],
        )?
        .map_or(0, |v| v.int()))
}

/// A stable merge sort (as Java's TimSort, stable: equal elements keep their order).
fn sort(vm: &mut Vm, items: &mut Vec<Ref>, comparator: Ref) -> Result<(), Unwind> {
    let n = items.len();
    if n < 2 {
        return Ok(());
    }
    let mut buffer = items.clone();
    let mut width = 1;
    // Insertion-sort runs of 8 first.
    const RUN: usize = 8;
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && compare(vm, comparator, items[j - 1], items[j])? > 0 {
                items.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    width = width.max(RUN);
    while width < n {
        let mut start = 0;
        while start < n {
            let middle = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, middle, start);
            while i < middle && j < end {
                if compare(vm, comparator, items[i], items[j])? <= 0 {
                    buffer[k] = items[i];
                    i += 1;
                } else {
                    buffer[k] = items[j];
                    j += 1;
                }
                k += 1;
            }
            buffer[k..k + middle - i].copy_from_slice(&items[i..middle]);
            k += middle - i;
            buffer[k..k + end - j].copy_from_slice(&items[j..end]);
            start = end;
        }
        core::mem::swap(items, &mut buffer);
        width *= 2;
    }
    Ok(())
}

fn call(vm: &mut Vm, object: Ref, name: &str, descriptor: &str, args: &[Value]) -> Result<Ref, Unwind> {
    Ok(vm.call_virtual(object, name, descriptor, args)?.map_or(0, |v| v.reference()))
}

fn apply(vm: &mut Vm, function: Ref, argument: Ref) -> Result<Ref, Unwind> {
    call(vm, function, "apply", "(Ljava/lang/Object;)Ljava/lang/Object;", &[Value::Ref(argument)])
}

fn test(vm: &mut Vm, predicate: Ref, argument: Ref) -> Result<bool, Unwind> {
    Ok(vm
        .call_virtual(predicate, "test", "(Ljava/lang/Object;)Z", &[Value::Ref(argument)])?
        .is_some_and(|v| v.int() != 0))
}

fn accept(vm: &mut Vm, consumer: Ref, argument: Ref) -> Result<(), Unwind> {
    vm.call_virtual(consumer, "accept", "(Ljava/lang/Object;)V", &[Value::Ref(argument)])?;
    Ok(())
}

// ---- ArrayList ------------------------------------------------------------------------------

fn list_add(vm: &mut Vm, this: Ref, item: Ref) {
    let items = list_mut(vm, this);
    let before = items.capacity();
    items.push(item);
    let grown = (items.capacity() - before) * 4;
    vm.grew(grown);
}

fn list_index(vm: &mut Vm, this: Ref, index: i32, inclusive_end: bool) -> Result<usize, Unwind> {
    let length = list(vm, this).map_or(0, Vec::len);
    let limit = if inclusive_end { length + 1 } else { length };
    if index < 0 || index as usize >= limit {
        return Err(index_error(vm, index, length));
    }
    Ok(index as usize)
}

fn position(vm: &mut Vm, this: Ref, item: Ref, last: bool) -> Result<i32, Unwind> {
    let items = list(vm, this).cloned().unwrap_or_default();
    let order: Vec<usize> = if last { (0..items.len()).rev().collect() } else { (0..items.len()).collect() };
    for i in order {
        if java_equals(vm, item, items[i])? {
            return Ok(i as i32);
        }
    }
    Ok(-1)
}

fn list_equals(vm: &mut Vm, this: Ref, other: Ref) -> Result<bool, Unwind> {
    if this == other {
        return Ok(true);
    }
    let list_class = vm.known_class("java/util/List");
    if !vm.instance_of(other, list_class) {
        return Ok(false);
    }
    let (a, b) = (elements(vm, this)?, elements(vm, other)?);
    if a.len() != b.len() {
        return Ok(false);
    }
    for (x, y) in a.into_iter().zip(b) {
        if !java_equals(vm, x, y)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn remove_if(vm: &mut Vm, this: Ref, predicate: Ref) -> Outcome {
    let items = list(vm, this).cloned().unwrap_or_default();
    let mut kept = Vec::new();
    for item in &items {
        if !test(vm, predicate, *item)? {
            kept.push(*item);
        }
    }
    let removed = kept.len() != items.len();
    *list_mut(vm, this) = kept;
    ok_bool(removed)
}

fn to_array(vm: &mut Vm, items: Vec<Ref>, class: &str) -> Outcome {
    let id = vm.load(class).map_err(|e| vm.link_error(e))?;
    let array = vm.new_array(id, items.len() as i32)?;
    if let Some(o) = vm.heap.get_mut(array) {
        o.native = Native::Refs(items);
    }
    ok_ref(array)
}

fn iterator(vm: &mut Vm, source: Ref, kind: u8) -> Outcome {
    ok_ref(new_of(vm, "java/util/Iterator$Of", Native::Iterator { source, next: 0, last: None, kind })?)
}

pub const ARRAY_LIST: &[Entry] = &[
    ("<init>", "()V", PUBLIC, |vm, a| {
        list_mut(vm, r(a, 0));
        ok_void()
    }),
    ("<init>", "(I)V", PUBLIC, |vm, a| {
        let capacity = int(a, 1);
        if capacity < 0 {
            return Err(vm.throw("java/lang/IllegalArgumentException", &format!("Illegal Capacity: {capacity}")));
        }
        vm.reserve(capacity as usize * 4)?;
        *list_mut(vm, r(a, 0)) = Vec::with_capacity(capacity as usize);
        vm.grew(capacity as usize * 4);
        ok_void()
    }),
    ("<init>", "(Ljava/util/Collection;)V", PUBLIC, |vm, a| {
        let items = elements(vm, r(a, 1))?;
        vm.grew(items.len() * 4);
        *list_mut(vm, r(a, 0)) = items;
        ok_void()
    }),
    ("add", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        list_add(vm, r(a, 0), r(a, 1));
        ok_bool(true)
    }),
    ("add", "(ILjava/lang/Object;)V", PUBLIC, |vm, a| {
        let index = list_index(vm, r(a, 0), int(a, 1), true)?;
        list_mut(vm, r(a, 0)).insert(index, r(a, 2));
        vm.grew(4);
        ok_void()
    }),
    ("addAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        let items = elements(vm, r(a, 1))?;
        let any = !items.is_empty();
        vm.grew(items.len() * 4);
        list_mut(vm, r(a, 0)).extend(items);
        ok_bool(any)
    }),
    ("get", "(I)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let index = list_index(vm, r(a, 0), int(a, 1), false)?;
        ok_ref(list(vm, r(a, 0)).map_or(0, |items| items[index]))
    }),
    ("set", "(ILjava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let index = list_index(vm, r(a, 0), int(a, 1), false)?;
        let old = core::mem::replace(&mut list_mut(vm, r(a, 0))[index], r(a, 2));
        ok_ref(old)
    }),
    ("remove", "(I)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let index = list_index(vm, r(a, 0), int(a, 1), false)?;
        ok_ref(list_mut(vm, r(a, 0)).remove(index))
    }),
    ("remove", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let at = position(vm, r(a, 0), r(a, 1), false)?;
        if at >= 0 {
            list_mut(vm, r(a, 0)).remove(at as usize);
        }
        ok_bool(at >= 0)
    }),
    ("size", "()I", PUBLIC, |vm, a| ok_int(list(vm, r(a, 0)).map_or(0, Vec::len) as i32)),
    ("isEmpty", "()Z", PUBLIC, |vm, a| ok_bool(list(vm, r(a, 0)).is_none_or(Vec::is_empty))),
    ("contains", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(position(vm, r(a, 0), r(a, 1), false)? >= 0)),
    ("containsAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        for item in elements(vm, r(a, 1))? {
            if position(vm, r(a, 0), item, false)? < 0 {
                return ok_bool(false);
            }
        }
        ok_bool(true)
    }),
    ("indexOf", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| ok_int(position(vm, r(a, 0), r(a, 1), false)?)),
    ("lastIndexOf", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| ok_int(position(vm, r(a, 0), r(a, 1), true)?)),
    ("clear", "()V", PUBLIC, |vm, a| {
        list_mut(vm, r(a, 0)).clear();
        ok_void()
    }),
    ("iterator", "()Ljava/util/Iterator;", PUBLIC, |vm, a| iterator(vm, r(a, 0), 0)),
    ("forEach", "(Ljava/util/function/Consumer;)V", PUBLIC, |vm, a| {
        let mut i = 0;
        while let Some(item) = list(vm, r(a, 0)).and_then(|items| items.get(i).copied()) {
            accept(vm, r(a, 1), item)?;
            i += 1;
        }
        ok_void()
    }),
    ("sort", "(Ljava/util/Comparator;)V", PUBLIC, |vm, a| {
        let mut items = list(vm, r(a, 0)).cloned().unwrap_or_default();
        sort(vm, &mut items, r(a, 1))?;
        *list_mut(vm, r(a, 0)) = items;
        ok_void()
    }),
    ("removeIf", "(Ljava/util/function/Predicate;)Z", PUBLIC, |vm, a| remove_if(vm, r(a, 0), r(a, 1))),
    ("replaceAll", "(Ljava/util/function/UnaryOperator;)V", PUBLIC, |vm, a| {
        let count = list(vm, r(a, 0)).map_or(0, Vec::len);
        for i in 0..count {
            let item = list(vm, r(a, 0)).and_then(|items| items.get(i).copied()).unwrap_or(0);
            let new = apply(vm, r(a, 1), item)?;
            if let Some(slot) = list_mut(vm, r(a, 0)).get_mut(i) {
                *slot = new;
            }
        }
        ok_void()
    }),
    ("subList", "(II)Ljava/util/List;", PUBLIC, |vm, a| {
        let items = list(vm, r(a, 0)).cloned().unwrap_or_default();
        let (from, to) = (int(a, 1), int(a, 2));
        if from < 0 || to as usize > items.len() || from > to {
            return Err(vm.throw(
                "java/lang/IndexOutOfBoundsException",
                &format!("fromIndex: {from}, toIndex: {to}, size: {}", items.len()),
            ));
        }
        new_list(vm, "java/util/ArrayList", items[from as usize..to as usize].to_vec())
    }),
    ("toArray", "()[Ljava/lang/Object;", PUBLIC, |vm, a| {
        let items = list(vm, r(a, 0)).cloned().unwrap_or_default();
        to_array(vm, items, "[Ljava/lang/Object;")
    }),
    ("toArray", "([Ljava/lang/Object;)[Ljava/lang/Object;", PUBLIC, |vm, a| {
        let items = list(vm, r(a, 0)).cloned().unwrap_or_default();
        let class = vm.class_of(r(a, 1));
        let name = alloc::string::String::from(vm.class_name(class));
        to_array(vm, items, &name)
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let items = list(vm, r(a, 0)).cloned().unwrap_or_default();
        sequence_text(vm, items, '[', ']')
    }),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(list_equals(vm, r(a, 0), r(a, 1))?)),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let mut hash = 1i32;
        for item in list(vm, r(a, 0)).cloned().unwrap_or_default() {
            hash = hash.wrapping_mul(31).wrapping_add(java_hash(vm, item)?);
        }
        ok_int(hash)
    }),
];

/// List.of and friends: every change is refused.
pub const IMMUTABLE: &[Entry] = &[
    ("add", "(Ljava/lang/Object;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("add", "(ILjava/lang/Object;)V", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("addAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("set", "(ILjava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("remove", "(I)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("remove", "(Ljava/lang/Object;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("clear", "()V", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("sort", "(Ljava/util/Comparator;)V", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("removeIf", "(Ljava/util/function/Predicate;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
];

/// Arrays.asList: elements may be set and sorted, not added or removed.
pub const FIXED_SIZE: &[Entry] = &[
    ("add", "(Ljava/lang/Object;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("add", "(ILjava/lang/Object;)V", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("addAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("remove", "(I)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("remove", "(Ljava/lang/Object;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("clear", "()V", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("removeIf", "(Ljava/util/function/Predicate;)Z", PUBLIC, |vm, _| Err(unsupported(vm))),
];

fn list_of(vm: &mut Vm, a: &[Value]) -> Outcome {
    let items: Vec<Ref> = a.iter().map(|v| v.reference()).collect();
    if items.contains(&0) {
        return Err(vm.null_pointer());
    }
    new_list(vm, "java/util/ImmutableCollections$ListN", items)
}

fn list_of_array(vm: &mut Vm, a: &[Value]) -> Outcome {
    let items = array_items(vm, r(a, 0));
    if items.contains(&0) {
        return Err(vm.null_pointer());
    }
    new_list(vm, "java/util/ImmutableCollections$ListN", items)
}

pub const LIST_STATICS: &[Entry] = &[
    ("of", "()Ljava/util/List;", PUBLIC | STATIC, list_of),
    ("of", "(Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, list_of),
    ("of", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, list_of),
    ("of", "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, list_of),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/List;",
        PUBLIC | STATIC,
        list_of,
    ),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/List;",
        PUBLIC | STATIC,
        list_of,
    ),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/List;",
        PUBLIC | STATIC,
        list_of,
    ),
    ("of", "([Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, list_of_array),
    ("copyOf", "(Ljava/util/Collection;)Ljava/util/List;", PUBLIC | STATIC, |vm, a| {
        let items = elements(vm, r(a, 0))?;
        new_list(vm, "java/util/ImmutableCollections$ListN", items)
    }),
];

// ---- HashMap and HashSet --------------------------------------------------------------------

fn map(vm: &Vm, this: Ref) -> Option<&JavaMap> {
    match vm.heap.get(this).map(|o| &o.native) {
        Some(Native::Map(map)) => Some(map),
        _ => None,
    }
}

fn map_mut(vm: &mut Vm, this: Ref) -> &mut JavaMap {
    let native = match vm.heap.get_mut(this) {
        Some(o) => &mut o.native,
        None => unreachable_list(),
    };
    if !matches!(native, Native::Map(_)) {
        *native = Native::Map(Box::default());
    }
    match native {
        Native::Map(map) => map,
        _ => unreachable_list(),
    }
}

/// The key's spread hash and, if the map has an equal key, its position.
fn find(vm: &mut Vm, this: Ref, key: Ref) -> Result<(i32, Option<crate::util::Position>), Unwind> {
    let hash = spread(java_hash(vm, key)?);
    let candidates = map(vm, this).map(|m| m.candidates(hash)).unwrap_or_default();
    for (position, candidate) in candidates {
        if candidate == key || java_equals(vm, key, candidate)? {
            // equals ran Java code: the entry must still be where it was.
            if map(vm, this).and_then(|m| m.entry(position)).is_some_and(|e| e.key == candidate) {
                return Ok((hash, Some(position)));
            }
            return Err(vm.throw("java/util/ConcurrentModificationException", ""));
        }
    }
    Ok((hash, None))
}

fn map_get(vm: &mut Vm, this: Ref, key: Ref) -> Result<Option<Ref>, Unwind> {
    let (_, position) = find(vm, this, key)?;
    Ok(position.and_then(|p| map(vm, this).and_then(|m| m.entry(p))).map(|e| e.value))
}

/// put: the old value (null when new).
fn map_put(vm: &mut Vm, this: Ref, key: Ref, value: Ref) -> Result<Ref, Unwind> {
    map_store(vm, this, key, value, false)
}

/// Stores as put does, or (`computed`) as merge and the compute methods do.
fn map_store(vm: &mut Vm, this: Ref, key: Ref, value: Ref, computed: bool) -> Result<Ref, Unwind> {
    let (hash, position) = find(vm, this, key)?;
    let map = map_mut(vm, this);
    match position {
        Some(p) => {
            let old = map.entry(p).map_or(0, |e| e.value);
            map.set_value(p, value);
            Ok(old)
        }
        None => {
            let before = map.cost();
            if computed {
                map.insert_computed(hash, key, value);
            } else {
                map.insert(hash, key, value);
            }
            let grown = map.cost().saturating_sub(before);
            vm.grew(grown);
            Ok(0)
        }
    }
}

fn map_remove(vm: &mut Vm, this: Ref, key: Ref) -> Result<Option<Ref>, Unwind> {
    let (_, position) = find(vm, this, key)?;
    Ok(position.and_then(|p| map_mut(vm, this).remove(p)).map(|e| e.value))
}

fn map_text(vm: &mut Vm, this: Ref) -> Outcome {
    let entries: Vec<(Ref, Ref)> =
        map(vm, this).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
    let mut text = utf16("{");
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            text.extend(utf16(", "));
        }
        text.extend(to_string(vm, key)?);
        text.push(b'=' as u16);
        text.extend(to_string(vm, value)?);
    }
    text.push(b'}' as u16);
    ok_units(vm, text)
}

fn view(vm: &mut Vm, this: Ref, kind: i32) -> Outcome {
    let object = new_of(vm, "java/util/HashMap$View", Native::None)?;
    if let Some(o) = vm.heap.get_mut(object) {
        o.fields[0] = Value::Ref(this);
        o.fields[1] = Value::Int(kind);
    }
    ok_ref(object)
}

fn node(vm: &mut Vm, map_ref: Ref, key: Ref, value: Ref) -> Result<Ref, Unwind> {
    let object = new_of(vm, "java/util/HashMap$Node", Native::None)?;
    if let Some(o) = vm.heap.get_mut(object) {
        o.fields[0] = Value::Ref(key);
        o.fields[1] = Value::Ref(value);
        o.fields[2] = Value::Ref(map_ref);
    }
    Ok(object)
}

fn view_items(vm: &mut Vm, view: Ref) -> Result<Vec<Ref>, Unwind> {
    let (map_ref, kind) = (field(vm, view, 0).reference(), field(vm, view, 1).int());
    let entries: Vec<(Ref, Ref)> =
        map(vm, map_ref).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
    let mut items = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        items.push(match kind {
            1 => key,
            2 => value,
            _ => {
                let n = node(vm, map_ref, key, value)?;
                vm.pins.push(n);
                n
            }
        });
    }
    Ok(items)
}

fn compute(vm: &mut Vm, this: Ref, key: Ref, new: Ref) -> Result<Ref, Unwind> {
    if new == 0 {
        map_remove(vm, this, key)?;
    } else {
        map_store(vm, this, key, new, true)?;
    }
    Ok(new)
}

fn new_map(vm: &mut Vm, this: Ref, capacity: Option<usize>) {
    let fresh = match capacity {
        Some(c) => JavaMap::with_capacity(c),
        None => JavaMap::default(),
    };
    *map_mut(vm, this) = fresh;
}

/// `new HashMap<>(n)` and `new HashSet<>(n)`.
fn presized(vm: &mut Vm, this: Ref, capacity: i32) -> Outcome {
    if capacity < 0 {
        return Err(vm.throw("java/lang/IllegalArgumentException", &format!("Illegal initial capacity: {capacity}")));
    }
    let table = table_for(vm, capacity)?;
    new_map(vm, this, Some(table));
    ok_void()
}

/// Java's table size for `new HashMap<>(n)`; OutOfMemoryError if such a table cannot fit.
fn table_for(vm: &mut Vm, n: i32) -> Result<usize, Unwind> {
    let size = (n.max(1) as usize).next_power_of_two();
    vm.reserve(size.saturating_mul(core::mem::size_of::<Vec<crate::util::Entry>>()))?;
    Ok(size)
}

pub const HASH_MAP: &[Entry] = &[
    ("<init>", "()V", PUBLIC, |vm, a| {
        new_map(vm, r(a, 0), None);
        ok_void()
    }),
    ("<init>", "(I)V", PUBLIC, |vm, a| presized(vm, r(a, 0), int(a, 1))),
    ("<init>", "(Ljava/util/Map;)V", PUBLIC, |vm, a| {
        let entries: Vec<(Ref, Ref)> =
            map(vm, r(a, 1)).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
        let size = entries.len() as f32 / 0.75 + 1.0;
        let table = table_for(vm, size as i32)?;
        new_map(vm, r(a, 0), Some(table));
        for (key, value) in entries {
            map_put(vm, r(a, 0), key, value)?;
        }
        ok_void()
    }),
    ("put", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        ok_ref(map_put(vm, r(a, 0), r(a, 1), r(a, 2))?)
    }),
    ("get", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        ok_ref(map_get(vm, r(a, 0), r(a, 1))?.unwrap_or(0))
    }),
    ("getOrDefault", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        ok_ref(map_get(vm, r(a, 0), r(a, 1))?.unwrap_or(r(a, 2)))
    }),
    ("containsKey", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(find(vm, r(a, 0), r(a, 1))?.1.is_some())),
    ("containsValue", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let values: Vec<Ref> = map(vm, r(a, 0)).map(|m| m.entries().map(|e| e.value).collect()).unwrap_or_default();
        for value in values {
            if java_equals(vm, r(a, 1), value)? {
                return ok_bool(true);
            }
        }
        ok_bool(false)
    }),
    ("remove", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        ok_ref(map_remove(vm, r(a, 0), r(a, 1))?.unwrap_or(0))
    }),
    ("size", "()I", PUBLIC, |vm, a| ok_int(map(vm, r(a, 0)).map_or(0, JavaMap::len) as i32)),
    ("isEmpty", "()Z", PUBLIC, |vm, a| ok_bool(map(vm, r(a, 0)).is_none_or(JavaMap::is_empty))),
    ("clear", "()V", PUBLIC, |vm, a| {
        map_mut(vm, r(a, 0)).clear();
        ok_void()
    }),
    ("keySet", "()Ljava/util/Set;", PUBLIC, |vm, a| view(vm, r(a, 0), 1)),
    ("values", "()Ljava/util/Collection;", PUBLIC, |vm, a| view(vm, r(a, 0), 2)),
    ("entrySet", "()Ljava/util/Set;", PUBLIC, |vm, a| view(vm, r(a, 0), 3)),
    ("putIfAbsent", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        match map_get(vm, r(a, 0), r(a, 1))? {
            Some(existing) if existing != 0 => ok_ref(existing),
            _ => {
                map_put(vm, r(a, 0), r(a, 1), r(a, 2))?;
                ok_ref(0)
            }
        }
    }),
    (
        "merge",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/util/function/BiFunction;)Ljava/lang/Object;",
        PUBLIC,
        |vm, a| {
            let (this, key, value, function) = (r(a, 0), r(a, 1), r(a, 2), r(a, 3));
            if value == 0 || function == 0 {
                return Err(vm.null_pointer());
            }
            let new = match map_get(vm, this, key)? {
                Some(old) if old != 0 => call(
                    vm,
                    function,
                    "apply",
                    "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;",
                    &[Value::Ref(old), Value::Ref(value)],
                )?,
                _ => value,
            };
            vm.pins.push(new);
            ok_ref(compute(vm, this, key, new)?)
        },
    ),
    ("computeIfAbsent", "(Ljava/lang/Object;Ljava/util/function/Function;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (this, key, function) = (r(a, 0), r(a, 1), r(a, 2));
        match map_get(vm, this, key)? {
            Some(existing) if existing != 0 => ok_ref(existing),
            _ => {
                let new = apply(vm, function, key)?;
                if new != 0 {
                    vm.pins.push(new);
                    map_store(vm, this, key, new, true)?;
                }
                ok_ref(new)
            }
        }
    }),
    ("computeIfPresent", "(Ljava/lang/Object;Ljava/util/function/BiFunction;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (this, key, function) = (r(a, 0), r(a, 1), r(a, 2));
        match map_get(vm, this, key)? {
            Some(old) if old != 0 => {
                let new = call(
                    vm,
                    function,
                    "apply",
                    "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;",
                    &[Value::Ref(key), Value::Ref(old)],
                )?;
                vm.pins.push(new);
                ok_ref(compute(vm, this, key, new)?)
            }
            _ => ok_ref(0),
        }
    }),
    ("compute", "(Ljava/lang/Object;Ljava/util/function/BiFunction;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (this, key, function) = (r(a, 0), r(a, 1), r(a, 2));
        let old = map_get(vm, this, key)?.unwrap_or(0);
        let new = call(
            vm,
            function,
            "apply",
            "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;",
            &[Value::Ref(key), Value::Ref(old)],
        )?;
        vm.pins.push(new);
        ok_ref(compute(vm, this, key, new)?)
    }),
    ("forEach", "(Ljava/util/function/BiConsumer;)V", PUBLIC, |vm, a| {
        let entries: Vec<(Ref, Ref)> =
            map(vm, r(a, 0)).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
        for (key, value) in entries {
            vm.call_virtual(
                r(a, 1),
                "accept",
                "(Ljava/lang/Object;Ljava/lang/Object;)V",
                &[Value::Ref(key), Value::Ref(value)],
            )?;
        }
        ok_void()
    }),
    ("putAll", "(Ljava/util/Map;)V", PUBLIC, |vm, a| {
        let entries: Vec<(Ref, Ref)> =
            map(vm, r(a, 1)).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
        for (key, value) in entries {
            map_put(vm, r(a, 0), key, value)?;
        }
        ok_void()
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| map_text(vm, r(a, 0))),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let entries: Vec<(Ref, Ref)> =
            map(vm, r(a, 0)).map(|m| m.entries().map(|e| (e.key, e.value)).collect()).unwrap_or_default();
        let mut hash = 0i32;
        for (key, value) in entries {
            hash = hash.wrapping_add(java_hash(vm, key)? ^ java_hash(vm, value)?);
        }
        ok_int(hash)
    }),
];

pub const IMMUTABLE_MAP: &[Entry] = &[
    ("put", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("remove", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
    ("clear", "()V", PUBLIC, |vm, _| Err(unsupported(vm))),
    (
        "merge",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/util/function/BiFunction;)Ljava/lang/Object;",
        PUBLIC,
        |vm, _| Err(unsupported(vm)),
    ),
    ("putIfAbsent", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, _| Err(unsupported(vm))),
];

fn map_of(vm: &mut Vm, a: &[Value]) -> Outcome {
    let object = new_of(vm, "java/util/ImmutableCollections$MapN", Native::Map(Box::default()))?;
    for pair in a.chunks(2) {
        let (key, value) = (pair[0].reference(), pair.get(1).map_or(0, |v| v.reference()));
        if key == 0 || value == 0 {
            return Err(vm.null_pointer());
        }
        if map_put(vm, object, key, value)? != 0 {
            let shown = alloc::string::String::from_utf16_lossy(&to_string(vm, key)?);
            return Err(vm.throw("java/lang/IllegalArgumentException", &format!("duplicate key: {shown}")));
        }
    }
    ok_ref(object)
}

pub const MAP_STATICS: &[Entry] = &[
    ("of", "()Ljava/util/Map;", PUBLIC | STATIC, map_of),
    ("of", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Map;", PUBLIC | STATIC, map_of),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Map;",
        PUBLIC | STATIC,
        map_of,
    ),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Map;",
        PUBLIC | STATIC,
        map_of,
    ),
    (
        "of",
        "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Map;",
        PUBLIC | STATIC,
        map_of,
    ),
    ("entry", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Map$Entry;", PUBLIC | STATIC, |vm, a| {
        ok_ref(node(vm, 0, r(a, 0), r(a, 1))?)
    }),
];

fn set_add(vm: &mut Vm, this: Ref, item: Ref) -> Result<bool, Unwind> {
    let (hash, position) = find(vm, this, item)?;
    if position.is_some() {
        return Ok(false);
    }
    let map = map_mut(vm, this);
    let before = map.cost();
    map.insert(hash, item, 0);
    let grown = map.cost().saturating_sub(before);
    vm.grew(grown);
    Ok(true)
}

fn set_of(vm: &mut Vm, items: Vec<Ref>) -> Outcome {
    let object = new_of(vm, "java/util/HashSet", Native::Map(Box::default()))?;
    for item in items {
        if item == 0 {
            return Err(vm.null_pointer());
        }
        set_add(vm, object, item)?;
    }
    ok_ref(object)
}

pub const SET_STATICS: &[Entry] = &[
    ("of", "()Ljava/util/Set;", PUBLIC | STATIC, |vm, a| set_of(vm, a.iter().map(|v| v.reference()).collect())),
    ("of", "(Ljava/lang/Object;)Ljava/util/Set;", PUBLIC | STATIC, |vm, a| {
        set_of(vm, a.iter().map(|v| v.reference()).collect())
    }),
    ("of", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Set;", PUBLIC | STATIC, |vm, a| {
        set_of(vm, a.iter().map(|v| v.reference()).collect())
    }),
    ("of", "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Object;)Ljava/util/Set;", PUBLIC | STATIC, |vm, a| {
        set_of(vm, a.iter().map(|v| v.reference()).collect())
    }),
    ("of", "([Ljava/lang/Object;)Ljava/util/Set;", PUBLIC | STATIC, |vm, a| {
        let items = array_items(vm, r(a, 0));
        set_of(vm, items)
    }),
];

pub const HASH_SET: &[Entry] = &[
    ("<init>", "()V", PUBLIC, |vm, a| {
        new_map(vm, r(a, 0), None);
        ok_void()
    }),
    ("<init>", "(I)V", PUBLIC, |vm, a| presized(vm, r(a, 0), int(a, 1))),
    ("<init>", "(Ljava/util/Collection;)V", PUBLIC, |vm, a| {
        let items = elements(vm, r(a, 1))?;
        let size = items.len() as f32 / 0.75 + 1.0;
        let table = table_for(vm, size as i32)?.max(16);
        new_map(vm, r(a, 0), Some(table));
        for item in items {
            set_add(vm, r(a, 0), item)?;
        }
        ok_void()
    }),
    ("add", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(set_add(vm, r(a, 0), r(a, 1))?)),
    ("addAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        let mut changed = false;
        for item in elements(vm, r(a, 1))? {
            changed |= set_add(vm, r(a, 0), item)?;
        }
        ok_bool(changed)
    }),
    ("contains", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(find(vm, r(a, 0), r(a, 1))?.1.is_some())),
    ("containsAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        for item in elements(vm, r(a, 1))? {
            if find(vm, r(a, 0), item)?.1.is_none() {
                return ok_bool(false);
            }
        }
        ok_bool(true)
    }),
    ("remove", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(map_remove(vm, r(a, 0), r(a, 1))?.is_some())),
    ("removeAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        let mut changed = false;
        for item in elements(vm, r(a, 1))? {
            changed |= map_remove(vm, r(a, 0), item)?.is_some();
        }
        ok_bool(changed)
    }),
    ("retainAll", "(Ljava/util/Collection;)Z", PUBLIC, |vm, a| {
        let keep = elements(vm, r(a, 1))?;
        let mut changed = false;
        for item in elements(vm, r(a, 0))? {
            let mut found = false;
            for other in &keep {
                if java_equals(vm, item, *other)? {
                    found = true;
                    break;
                }
            }
            if !found {
                map_remove(vm, r(a, 0), item)?;
                changed = true;
            }
        }
        ok_bool(changed)
    }),
    ("size", "()I", PUBLIC, |vm, a| ok_int(map(vm, r(a, 0)).map_or(0, JavaMap::len) as i32)),
    ("isEmpty", "()Z", PUBLIC, |vm, a| ok_bool(map(vm, r(a, 0)).is_none_or(JavaMap::is_empty))),
    ("clear", "()V", PUBLIC, |vm, a| {
        map_mut(vm, r(a, 0)).clear();
        ok_void()
    }),
    ("iterator", "()Ljava/util/Iterator;", PUBLIC, |vm, a| iterator(vm, r(a, 0), 1)),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let items = elements(vm, r(a, 0))?;
        sequence_text(vm, items, '[', ']')
    }),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let (this, other) = (r(a, 0), r(a, 1));
        let set = vm.known_class("java/util/Set");
        if !vm.instance_of(other, set) {
            return ok_bool(false);
        }
        let items = elements(vm, other)?;
        if items.len() != map(vm, this).map_or(0, JavaMap::len) {
            return ok_bool(false);
        }
        for item in items {
            if find(vm, this, item)?.1.is_none() {
                return ok_bool(false);
            }
        }
        ok_bool(true)
    }),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let mut hash = 0i32;
        for item in elements(vm, r(a, 0))? {
            hash = hash.wrapping_add(java_hash(vm, item)?);
        }
        ok_int(hash)
    }),
    ("removeIf", "(Ljava/util/function/Predicate;)Z", PUBLIC, |vm, a| {
        let mut changed = false;
        for item in elements(vm, r(a, 0))? {
            if test(vm, r(a, 1), item)? {
                map_remove(vm, r(a, 0), item)?;
                changed = true;
            }
        }
        ok_bool(changed)
    }),
];

pub const MAP_VIEW: &[Entry] = &[
    ("size", "()I", PUBLIC, |vm, a| {
        let map_ref = field(vm, r(a, 0), 0).reference();
        ok_int(map(vm, map_ref).map_or(0, JavaMap::len) as i32)
    }),
    ("isEmpty", "()Z", PUBLIC, |vm, a| {
        let map_ref = field(vm, r(a, 0), 0).reference();
        ok_bool(map(vm, map_ref).is_none_or(JavaMap::is_empty))
    }),
    ("iterator", "()Ljava/util/Iterator;", PUBLIC, |vm, a| {
        let (map_ref, kind) = (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1).int());
        iterator(vm, map_ref, kind as u8)
    }),
    ("contains", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let (map_ref, kind) = (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1).int());
        if kind == 1 {
            return ok_bool(find(vm, map_ref, r(a, 1))?.1.is_some());
        }
        for item in view_items(vm, r(a, 0))? {
            if java_equals(vm, r(a, 1), item)? {
                return ok_bool(true);
            }
        }
        ok_bool(false)
    }),
    ("remove", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let (map_ref, kind) = (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1).int());
        if kind != 1 {
            return Err(unsupported(vm));
        }
        ok_bool(map_remove(vm, map_ref, r(a, 1))?.is_some())
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let items = view_items(vm, r(a, 0))?;
        sequence_text(vm, items, '[', ']')
    }),
    ("forEach", "(Ljava/util/function/Consumer;)V", PUBLIC, |vm, a| {
        for item in view_items(vm, r(a, 0))? {
            accept(vm, r(a, 1), item)?;
        }
        ok_void()
    }),
];

pub const NODE: &[Entry] = &[
    ("getKey", "()Ljava/lang/Object;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), 0)))),
    ("getValue", "()Ljava/lang/Object;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), 1)))),
    ("setValue", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (key, old, map_ref) =
            (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1), field(vm, r(a, 0), 2).reference());
        if map_ref == 0 {
            return Err(unsupported(vm));
        }
        map_put(vm, map_ref, key, r(a, 1))?;
        if let Some(o) = vm.heap.get_mut(r(a, 0)) {
            o.fields[1] = a[1];
        }
        Ok(Some(old))
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let mut text = to_string(vm, field(vm, r(a, 0), 0).reference())?;
        text.push(b'=' as u16);
        text.extend(to_string(vm, field(vm, r(a, 0), 1).reference())?);
        ok_units(vm, text)
    }),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let (key, value) = (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1).reference());
        ok_int(java_hash(vm, key)? ^ java_hash(vm, value)?)
    }),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let entry = vm.known_class("java/util/Map$Entry");
        if !vm.instance_of(r(a, 1), entry) {
            return ok_bool(false);
        }
        let other_key = call(vm, r(a, 1), "getKey", "()Ljava/lang/Object;", &[])?;
        let other_value = call(vm, r(a, 1), "getValue", "()Ljava/lang/Object;", &[])?;
        let (key, value) = (field(vm, r(a, 0), 0).reference(), field(vm, r(a, 0), 1).reference());
        ok_bool(java_equals(vm, key, other_key)? && java_equals(vm, value, other_value)?)
    }),
];

// ---- Iterators ------------------------------------------------------------------------------

fn iterator_state(vm: &Vm, this: Ref) -> (Ref, usize, Option<usize>, u8) {
    match vm.heap.get(this).map(|o| &o.native) {
        Some(Native::Iterator { source, next, last, kind }) => (*source, *next, *last, *kind),
        _ => (0, 0, None, 0),
    }
}

fn set_iterator(vm: &mut Vm, this: Ref, next: usize, last: Option<usize>) {
    if let Some(Native::Iterator { next: n, last: l, .. }) = vm.heap.get_mut(this).map(|o| &mut o.native) {
        *n = next;
        *l = last;
    }
}

/// A map cursor packed in one number: bucket in the high half, place in the low.
fn unpack(cursor: usize) -> (usize, usize) {
    (cursor >> 32, cursor & 0xffff_ffff)
}
fn pack(position: (usize, usize)) -> usize {
    (position.0 << 32) | position.1
}

pub const ITERATOR: &[Entry] = &[
    ("hasNext", "()Z", PUBLIC, |vm, a| {
        let (source, next, _, kind) = iterator_state(vm, r(a, 0));
        let more = if kind == 0 {
            list(vm, source).is_some_and(|items| next < items.len())
        } else {
            map(vm, source).and_then(|m| m.at_or_after(unpack(next))).is_some()
        };
        ok_bool(more)
    }),
    ("next", "()Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (source, next, _, kind) = iterator_state(vm, r(a, 0));
        if kind == 0 {
            let Some(item) = list(vm, source).and_then(|items| items.get(next).copied()) else {
                return Err(vm.throw("java/util/NoSuchElementException", ""));
            };
            set_iterator(vm, r(a, 0), next + 1, Some(next));
            return ok_ref(item);
        }
        let Some((position, entry)) = map(vm, source).and_then(|m| m.at_or_after(unpack(next))) else {
            return Err(vm.throw("java/util/NoSuchElementException", ""));
        };
        set_iterator(vm, r(a, 0), pack((position.0, position.1 + 1)), Some(pack(position)));
        match kind {
            1 => ok_ref(entry.key),
            2 => ok_ref(entry.value),
            _ => ok_ref(node(vm, source, entry.key, entry.value)?),
        }
    }),
    ("remove", "()V", PUBLIC, |vm, a| {
        let (source, _, last, kind) = iterator_state(vm, r(a, 0));
        let Some(last) = last else {
            return Err(vm.throw("java/lang/IllegalStateException", ""));
        };
        if kind == 0 {
            if list(vm, source).is_none_or(|items| last >= items.len()) {
                return Err(vm.throw("java/util/ConcurrentModificationException", ""));
            }
            list_mut(vm, source).remove(last);
            set_iterator(vm, r(a, 0), last, None);
        } else {
            map_mut(vm, source).remove(unpack(last));
            set_iterator(vm, r(a, 0), last, None);
        }
        ok_void()
    }),
    ("forEachRemaining", "(Ljava/util/function/Consumer;)V", PUBLIC, |vm, a| {
        while vm.call_virtual(r(a, 0), "hasNext", "()Z", &[])?.is_some_and(|v| v.int() != 0) {
            let item = call(vm, r(a, 0), "next", "()Ljava/lang/Object;", &[])?;
            accept(vm, r(a, 1), item)?;
        }
        ok_void()
    }),
];

pub const ITERABLE: &[Entry] = &[("forEach", "(Ljava/util/function/Consumer;)V", PUBLIC, |vm, a| {
    for item in elements(vm, r(a, 0))? {
        accept(vm, r(a, 1), item)?;
    }
    ok_void()
})];

mod functions;

pub use functions::{
    ARRAYS, BI_FUNCTION, COLLECTIONS, COMPARATOR, COMPARATOR_OF, CONSUMER, FUNCTION, FUNCTION_OF, PREDICATE, UNARY,
};
