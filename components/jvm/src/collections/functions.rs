//! Arrays, Collections, and the combinators of Comparator and java.util.function
//! (a part of `collections`).

use super::*;

pub(crate) fn array_text(vm: &mut Vm, array: Ref) -> Outcome {
    if array == 0 {
        return crate::lang::ok_str(vm, "null");
    }
    let parts: Vec<alloc::string::String> = match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::Ints(v)) => v.iter().map(|x| format!("{x}")).collect(),
        Some(Native::Longs(v)) => v.iter().map(|x| format!("{x}")).collect(),
        Some(Native::Shorts(v)) => v.iter().map(|x| format!("{x}")).collect(),
        Some(Native::Doubles(v)) => v.iter().map(|x| crate::format::double_to_string(*x)).collect(),
        Some(Native::Floats(v)) => v.iter().map(|x| crate::format::float_to_string(*x)).collect(),
        Some(Native::CharArray(v)) => v.iter().map(|x| alloc::string::String::from_utf16_lossy(&[*x])).collect(),
        Some(Native::Bytes(v)) => {
            let boolean = vm.class_name(vm.class_of(array)) == "[Z";
            v.iter()
                .map(|x| {
                    if boolean {
                        alloc::string::String::from(if *x != 0 { "true" } else { "false" })
                    } else {
                        format!("{x}")
                    }
                })
                .collect()
        }
        Some(Native::Refs(items)) => {
            let items = items.clone();
            return sequence_text(vm, items, '[', ']');
        }
        _ => Vec::new(),
    };
    let text = format!("[{}]", parts.join(", "));
    crate::lang::ok_str(vm, &text)
}

pub(crate) fn sort_array(vm: &mut Vm, array: Ref, comparator: Ref, range: Option<(i32, i32)>) -> Outcome {
    if array == 0 {
        return Err(vm.null_pointer());
    }
    let length = vm.array_length(array) as usize;
    let (from, to) = match range {
        Some((from, to)) => {
            if from > to {
                return Err(
                    vm.throw("java/lang/IllegalArgumentException", &format!("fromIndex({from}) > toIndex({to})"))
                );
            }
            if from < 0 || to as usize > length {
                let bad = if from < 0 { from } else { to };
                return Err(
                    vm.throw("java/lang/ArrayIndexOutOfBoundsException", &format!("Array index out of range: {bad}"))
                );
            }
            (from as usize, to as usize)
        }
        None => (0, length),
    };
    // Primitive elements sort as i64 keys in Java's order (one sort routine in the image, not
    // one per element type): doubles by their ordered bit pattern, -0.0 below 0.0, NaN last.
    let ordered = |bits: i64| if bits < 0 { bits ^ i64::MAX } else { bits };
    let keys: Option<Vec<i64>> = match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::Ints(v)) => Some(v[from..to].iter().map(|x| *x as i64).collect()),
        Some(Native::Longs(v)) => Some(v[from..to].to_vec()),
        Some(Native::Shorts(v)) => Some(v[from..to].iter().map(|x| *x as i64).collect()),
        Some(Native::Bytes(v)) => Some(v[from..to].iter().map(|x| *x as i64).collect()),
        Some(Native::CharArray(v)) => Some(v[from..to].iter().map(|x| *x as i64).collect()),
        Some(Native::Doubles(v)) => Some(v[from..to].iter().map(|x| ordered(crate::lang::double_bits(*x))).collect()),
        Some(Native::Floats(v)) => {
            Some(v[from..to].iter().map(|x| ordered(crate::lang::double_bits(*x as f64))).collect())
        }
        _ => None,
    };
    if let Some(mut keys) = keys {
        keys.sort_unstable();
        let back = |key: i64| f64::from_bits(ordered(key) as u64);
        match vm.heap.get_mut(array).map(|o| &mut o.native) {
            Some(Native::Ints(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = *k as i32),
            Some(Native::Longs(v)) => v[from..to].copy_from_slice(&keys),
            Some(Native::Shorts(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = *k as i16),
            Some(Native::Bytes(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = *k as i8),
            Some(Native::CharArray(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = *k as u16),
            Some(Native::Doubles(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = back(*k)),
            Some(Native::Floats(v)) => v[from..to].iter_mut().zip(&keys).for_each(|(x, k)| *x = back(*k) as f32),
            _ => {}
        }
        return ok_void();
    }
    let refs = match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::Refs(v)) => Some(v[from..to].to_vec()),
        _ => None,
    };
    if let Some(mut items) = refs {
        sort(vm, &mut items, comparator)?;
        if let Some(Native::Refs(v)) = vm.heap.get_mut(array).map(|o| &mut o.native) {
            v[from..to].copy_from_slice(&items);
        }
    }
    ok_void()
}

pub(crate) fn fill(vm: &mut Vm, a: &[Value]) -> Outcome {
    let array = r(a, 0);
    let value = a.get(1).copied().unwrap_or(Value::Int(0));
    match vm.heap.get_mut(array).map(|o| &mut o.native) {
        Some(Native::Ints(v)) => v.fill(value.int()),
        Some(Native::Longs(v)) => v.fill(value.long()),
        Some(Native::Doubles(v)) => v.fill(value.double()),
        Some(Native::Floats(v)) => v.fill(value.float()),
        Some(Native::Shorts(v)) => v.fill(value.int() as i16),
        Some(Native::Bytes(v)) => v.fill(value.int() as i8),
        Some(Native::CharArray(v)) => v.fill(value.int() as u16),
        Some(Native::Refs(v)) => v.fill(value.reference()),
        _ => return Err(vm.null_pointer()),
    }
    ok_void()
}

/// Arrays.copyOf / copyOfRange: a new array of the same class, padded with defaults.
pub(crate) fn copy_range(vm: &mut Vm, array: Ref, from: i32, to: i32) -> Outcome {
    if array == 0 {
        return Err(vm.null_pointer());
    }
    let length = vm.array_length(array);
    if from > to {
        return Err(vm.throw("java/lang/IllegalArgumentException", &format!("{from} > {to}")));
    }
    if from < 0 || from > length {
        return Err(vm.throw("java/lang/ArrayIndexOutOfBoundsException", &format!("Array index out of range: {from}")));
    }
    let class = vm.class_of(array);
    let copy = vm.new_array(class, to - from)?;
    let (from, to) = (from as usize, to as usize);
    let end = to.min(length as usize);
    macro_rules! take {
        ($variant:ident) => {{
            let part = match vm.heap.get(array).map(|o| &o.native) {
                Some(Native::$variant(v)) => v[from..end].to_vec(),
                _ => Vec::new(),
            };
            if let Some(Native::$variant(v)) = vm.heap.get_mut(copy).map(|o| &mut o.native) {
                v[..part.len()].copy_from_slice(&part);
            }
        }};
    }
    match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::Ints(_)) => take!(Ints),
        Some(Native::Longs(_)) => take!(Longs),
        Some(Native::Doubles(_)) => take!(Doubles),
        Some(Native::Floats(_)) => take!(Floats),
        Some(Native::Shorts(_)) => take!(Shorts),
        Some(Native::Bytes(_)) => take!(Bytes),
        Some(Native::CharArray(_)) => take!(CharArray),
        _ => take!(Refs),
    }
    ok_ref(copy)
}

pub(crate) fn arrays_equal(vm: &mut Vm, x: Ref, y: Ref) -> Result<bool, Unwind> {
    if x == y {
        return Ok(true);
    }
    if x == 0 || y == 0 {
        return Ok(false);
    }
    let same = match (vm.heap.get(x).map(|o| &o.native), vm.heap.get(y).map(|o| &o.native)) {
        (Some(Native::Ints(p)), Some(Native::Ints(q))) => Some(p == q),
        (Some(Native::Longs(p)), Some(Native::Longs(q))) => Some(p == q),
        (Some(Native::Shorts(p)), Some(Native::Shorts(q))) => Some(p == q),
        (Some(Native::Bytes(p)), Some(Native::Bytes(q))) => Some(p == q),
        (Some(Native::CharArray(p)), Some(Native::CharArray(q))) => Some(p == q),
        (Some(Native::Doubles(p)), Some(Native::Doubles(q))) => {
            Some(p.len() == q.len() && p.iter().zip(q).all(|(a, b)| crate::lang::compare_doubles(*a, *b) == 0))
        }
        (Some(Native::Floats(p)), Some(Native::Floats(q))) => Some(
            p.len() == q.len() && p.iter().zip(q).all(|(a, b)| crate::lang::compare_doubles(*a as f64, *b as f64) == 0),
        ),
        _ => None,
    };
    if let Some(same) = same {
        return Ok(same);
    }
    let (p, q) = (array_items(vm, x), array_items(vm, y));
    if p.len() != q.len() {
        return Ok(false);
    }
    for (a, b) in p.into_iter().zip(q) {
        if !java_equals(vm, a, b)? {
            return Ok(false);
        }
    }
    Ok(true)
}

pub const ARRAYS: &[Entry] = &[
    ("toString", "([I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([J)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([D)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([F)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([C)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([Z)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([B)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([S)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("toString", "([Ljava/lang/Object;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| array_text(vm, r(a, 0))),
    ("deepToString", "([Ljava/lang/Object;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        fn deep(vm: &mut Vm, array: Ref, depth: usize) -> Result<Vec<u16>, Unwind> {
            let items = array_items(vm, array);
            let mut text = utf16("[");
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    text.extend(utf16(", "));
                }
                let nested = vm.classes[vm.class_of(item) as usize].element.is_some();
                if item != 0 && nested && depth < 64 {
                    if matches!(vm.heap.get(item).map(|o| &o.native), Some(Native::Refs(_))) {
                        text.extend(deep(vm, item, depth + 1)?);
                    } else {
                        let shown = array_text(vm, item)?.map_or(0, |v| v.reference());
                        text.extend(to_string(vm, shown)?);
                    }
                } else {
                    text.extend(to_string(vm, item)?);
                }
            }
            text.push(b']' as u16);
            Ok(text)
        }
        let text = deep(vm, r(a, 0), 0)?;
        ok_units(vm, text)
    }),
    ("sort", "([I)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([J)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([D)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([F)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([C)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([S)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([B)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([III)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, Some((int(a, 1), int(a, 2))))),
    ("sort", "([Ljava/lang/Object;)V", PUBLIC | STATIC, |vm, a| sort_array(vm, r(a, 0), 0, None)),
    ("sort", "([Ljava/lang/Object;Ljava/util/Comparator;)V", PUBLIC | STATIC, |vm, a| {
        sort_array(vm, r(a, 0), r(a, 1), None)
    }),
    ("fill", "([II)V", PUBLIC | STATIC, fill),
    ("fill", "([JJ)V", PUBLIC | STATIC, fill),
    ("fill", "([DD)V", PUBLIC | STATIC, fill),
    ("fill", "([FF)V", PUBLIC | STATIC, fill),
    ("fill", "([CC)V", PUBLIC | STATIC, fill),
    ("fill", "([ZZ)V", PUBLIC | STATIC, fill),
    ("fill", "([BB)V", PUBLIC | STATIC, fill),
    ("fill", "([SS)V", PUBLIC | STATIC, fill),
    ("fill", "([Ljava/lang/Object;Ljava/lang/Object;)V", PUBLIC | STATIC, fill),
    ("asList", "([Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, |vm, a| {
        let items = array_items(vm, r(a, 0));
        new_list(vm, "java/util/Arrays$ArrayList", items)
    }),
    ("copyOf", "([II)[I", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([JI)[J", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([DI)[D", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([CI)[C", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([ZI)[Z", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([BI)[B", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), 0, int(a, 1))),
    ("copyOf", "([Ljava/lang/Object;I)[Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        copy_range(vm, r(a, 0), 0, int(a, 1))
    }),
    ("copyOfRange", "([III)[I", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), int(a, 1), int(a, 2))),
    ("copyOfRange", "([CII)[C", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), int(a, 1), int(a, 2))),
    ("copyOfRange", "([DII)[D", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), int(a, 1), int(a, 2))),
    ("copyOfRange", "([JII)[J", PUBLIC | STATIC, |vm, a| copy_range(vm, r(a, 0), int(a, 1), int(a, 2))),
    ("copyOfRange", "([Ljava/lang/Object;II)[Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        copy_range(vm, r(a, 0), int(a, 1), int(a, 2))
    }),
    ("equals", "([I[I)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([J[J)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([D[D)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([C[C)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([Z[Z)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([B[B)Z", PUBLIC | STATIC, |vm, a| ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)),
    ("equals", "([Ljava/lang/Object;[Ljava/lang/Object;)Z", PUBLIC | STATIC, |vm, a| {
        ok_bool(arrays_equal(vm, r(a, 0), r(a, 1))?)
    }),
    ("hashCode", "([I)I", PUBLIC | STATIC, |vm, a| {
        let hash = match vm.heap.get(r(a, 0)).map(|o| &o.native) {
            Some(Native::Ints(v)) => v.iter().fold(1i32, |h, x| h.wrapping_mul(31).wrapping_add(*x)),
            _ => 0,
        };
        ok_int(hash)
    }),
];

pub(crate) fn extreme(vm: &mut Vm, collection: Ref, comparator: Ref, sign: i32) -> Outcome {
    let items = elements(vm, collection)?;
    let Some(mut best) = items.first().copied() else {
        return Err(vm.throw("java/util/NoSuchElementException", ""));
    };
    for item in items.into_iter().skip(1) {
        if compare(vm, comparator, item, best)? * sign > 0 {
            best = item;
        }
    }
    ok_ref(best)
}

pub(crate) fn comparator_of(vm: &mut Vm, kind: i32, first: Ref, second: Ref) -> Outcome {
    let object = new_of(vm, "java/util/Comparator$Of", Native::None)?;
    if let Some(o) = vm.heap.get_mut(object) {
        o.fields[0] = Value::Int(kind);
        o.fields[1] = Value::Ref(first);
        o.fields[2] = Value::Ref(second);
    }
    ok_ref(object)
}

pub(crate) fn sort_list(vm: &mut Vm, this: Ref, comparator: Ref) -> Outcome {
    vm.call_virtual(this, "sort", "(Ljava/util/Comparator;)V", &[Value::Ref(comparator)])?;
    ok_void()
}

pub const COLLECTIONS: &[Entry] = &[
    ("sort", "(Ljava/util/List;)V", PUBLIC | STATIC, |vm, a| sort_list(vm, r(a, 0), 0)),
    ("sort", "(Ljava/util/List;Ljava/util/Comparator;)V", PUBLIC | STATIC, |vm, a| sort_list(vm, r(a, 0), r(a, 1))),
    ("reverse", "(Ljava/util/List;)V", PUBLIC | STATIC, |vm, a| {
        if list(vm, r(a, 0)).is_none() {
            return Err(vm.null_pointer());
        }
        list_mut(vm, r(a, 0)).reverse();
        ok_void()
    }),
    ("swap", "(Ljava/util/List;II)V", PUBLIC | STATIC, |vm, a| {
        let i = list_index(vm, r(a, 0), int(a, 1), false)?;
        let j = list_index(vm, r(a, 0), int(a, 2), false)?;
        list_mut(vm, r(a, 0)).swap(i, j);
        ok_void()
    }),
    ("max", "(Ljava/util/Collection;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| extreme(vm, r(a, 0), 0, 1)),
    ("min", "(Ljava/util/Collection;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| extreme(vm, r(a, 0), 0, -1)),
    ("max", "(Ljava/util/Collection;Ljava/util/Comparator;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        extreme(vm, r(a, 0), r(a, 1), 1)
    }),
    ("min", "(Ljava/util/Collection;Ljava/util/Comparator;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        extreme(vm, r(a, 0), r(a, 1), -1)
    }),
    ("reverseOrder", "()Ljava/util/Comparator;", PUBLIC | STATIC, |vm, _| comparator_of(vm, 1, 0, 0)),
    ("reverseOrder", "(Ljava/util/Comparator;)Ljava/util/Comparator;", PUBLIC | STATIC, |vm, a| {
        if r(a, 0) == 0 { comparator_of(vm, 1, 0, 0) } else { comparator_of(vm, 2, r(a, 0), 0) }
    }),
    ("unmodifiableList", "(Ljava/util/List;)Ljava/util/List;", PUBLIC | STATIC, |vm, a| {
        let items = elements(vm, r(a, 0))?;
        new_list(vm, "java/util/ImmutableCollections$ListN", items)
    }),
    ("emptyList", "()Ljava/util/List;", PUBLIC | STATIC, |vm, _| {
        new_list(vm, "java/util/ImmutableCollections$ListN", Vec::new())
    }),
    ("singletonList", "(Ljava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, |vm, a| {
        new_list(vm, "java/util/ImmutableCollections$ListN", vec![r(a, 0)])
    }),
    ("nCopies", "(ILjava/lang/Object;)Ljava/util/List;", PUBLIC | STATIC, |vm, a| {
        let count = int(a, 0);
        if count < 0 {
            return Err(vm.throw("java/lang/IllegalArgumentException", &format!("List length = {count}")));
        }
        vm.reserve(count as usize * 4)?;
        new_list(vm, "java/util/ImmutableCollections$ListN", vec![r(a, 1); count as usize])
    }),
    ("frequency", "(Ljava/util/Collection;Ljava/lang/Object;)I", PUBLIC | STATIC, |vm, a| {
        let mut count = 0;
        for item in elements(vm, r(a, 0))? {
            if java_equals(vm, r(a, 1), item)? {
                count += 1;
            }
        }
        ok_int(count)
    }),
    ("addAll", "(Ljava/util/Collection;[Ljava/lang/Object;)Z", PUBLIC | STATIC, |vm, a| {
        let mut changed = false;
        for item in array_items(vm, r(a, 1)) {
            changed |= vm
                .call_virtual(r(a, 0), "add", "(Ljava/lang/Object;)Z", &[Value::Ref(item)])?
                .is_some_and(|v| v.int() != 0);
        }
        ok_bool(changed)
    }),
];

// Comparator$Of kinds.
pub(crate) const NATURAL: i32 = 0;
pub(crate) const REVERSE_NATURAL: i32 = 1;
pub(crate) const REVERSED: i32 = 2;
pub(crate) const COMPARING: i32 = 3;
pub(crate) const COMPARING_INT: i32 = 4;
pub(crate) const THEN: i32 = 5;
pub(crate) const COMPARING_WITH: i32 = 6;
pub(crate) const COMPARING_DOUBLE: i32 = 7;
pub(crate) const COMPARING_LONG: i32 = 8;

pub const COMPARATOR: &[Entry] = &[
    ("naturalOrder", "()Ljava/util/Comparator;", PUBLIC | STATIC, |vm, _| comparator_of(vm, NATURAL, 0, 0)),
    ("reverseOrder", "()Ljava/util/Comparator;", PUBLIC | STATIC, |vm, _| comparator_of(vm, REVERSE_NATURAL, 0, 0)),
    ("comparing", "(Ljava/util/function/Function;)Ljava/util/Comparator;", PUBLIC | STATIC, |vm, a| {
        comparator_of(vm, COMPARING, r(a, 0), 0)
    }),
    (
        "comparing",
        "(Ljava/util/function/Function;Ljava/util/Comparator;)Ljava/util/Comparator;",
        PUBLIC | STATIC,
        |vm, a| comparator_of(vm, COMPARING_WITH, r(a, 0), r(a, 1)),
    ),
    ("comparingInt", "(Ljava/util/function/ToIntFunction;)Ljava/util/Comparator;", PUBLIC | STATIC, |vm, a| {
        comparator_of(vm, COMPARING_INT, r(a, 0), 0)
    }),
    ("comparingDouble", "(Ljava/util/function/ToDoubleFunction;)Ljava/util/Comparator;", PUBLIC | STATIC, |vm, a| {
        comparator_of(vm, COMPARING_DOUBLE, r(a, 0), 0)
    }),
    ("comparingLong", "(Ljava/util/function/ToLongFunction;)Ljava/util/Comparator;", PUBLIC | STATIC, |vm, a| {
        comparator_of(vm, COMPARING_LONG, r(a, 0), 0)
    }),
    ("reversed", "()Ljava/util/Comparator;", PUBLIC, |vm, a| comparator_of(vm, REVERSED, r(a, 0), 0)),
    ("thenComparing", "(Ljava/util/Comparator;)Ljava/util/Comparator;", PUBLIC, |vm, a| {
        comparator_of(vm, THEN, r(a, 0), r(a, 1))
    }),
    ("thenComparing", "(Ljava/util/function/Function;)Ljava/util/Comparator;", PUBLIC, |vm, a| {
        let key = comparator_of(vm, COMPARING, r(a, 1), 0)?.map_or(0, |v| v.reference());
        comparator_of(vm, THEN, r(a, 0), key)
    }),
    ("thenComparingInt", "(Ljava/util/function/ToIntFunction;)Ljava/util/Comparator;", PUBLIC, |vm, a| {
        let key = comparator_of(vm, COMPARING_INT, r(a, 1), 0)?.map_or(0, |v| v.reference());
        comparator_of(vm, THEN, r(a, 0), key)
    }),
];

pub const COMPARATOR_OF: &[Entry] = &[("compare", "(Ljava/lang/Object;Ljava/lang/Object;)I", PUBLIC, |vm, a| {
    let (this, x, y) = (r(a, 0), r(a, 1), r(a, 2));
    let (kind, first, second) =
        (field(vm, this, 0).int(), field(vm, this, 1).reference(), field(vm, this, 2).reference());
    let order = match kind {
        NATURAL => natural(vm, x, y)?,
        REVERSE_NATURAL => natural(vm, y, x)?,
        REVERSED => compare(vm, first, y, x)?,
        COMPARING | COMPARING_WITH => {
            let kx = apply(vm, first, x)?;
            vm.pins.push(kx);
            let ky = apply(vm, first, y)?;
            vm.pins.push(ky);
            compare(vm, if kind == COMPARING { 0 } else { second }, kx, ky)?
        }
        COMPARING_INT => {
            let key = |vm: &mut Vm, v: Ref| -> Result<i32, Unwind> {
                Ok(vm
                    .call_virtual(first, "applyAsInt", "(Ljava/lang/Object;)I", &[Value::Ref(v)])?
                    .map_or(0, |v| v.int()))
            };
            let (kx, ky) = (key(vm, x)?, key(vm, y)?);
            kx.cmp(&ky) as i32
        }
        COMPARING_LONG => {
            let key = |vm: &mut Vm, v: Ref| -> Result<i64, Unwind> {
                Ok(vm
                    .call_virtual(first, "applyAsLong", "(Ljava/lang/Object;)J", &[Value::Ref(v)])?
                    .map_or(0, |v| v.long()))
            };
            let (kx, ky) = (key(vm, x)?, key(vm, y)?);
            kx.cmp(&ky) as i32
        }
        COMPARING_DOUBLE => {
            let key = |vm: &mut Vm, v: Ref| -> Result<f64, Unwind> {
                Ok(vm
                    .call_virtual(first, "applyAsDouble", "(Ljava/lang/Object;)D", &[Value::Ref(v)])?
                    .map_or(0.0, |v| v.double()))
            };
            let (kx, ky) = (key(vm, x)?, key(vm, y)?);
            crate::lang::compare_doubles(kx, ky)
        }
        _ => {
            let primary = compare(vm, first, x, y)?;
            if primary != 0 { primary } else { compare(vm, second, x, y)? }
        }
    };
    ok_int(order)
})];

// java.util.function combinators: Function$Of kinds.
pub(crate) const IDENTITY: i32 = 0;
pub(crate) const AND_THEN: i32 = 1;
pub(crate) const COMPOSE: i32 = 2;
pub(crate) const NEGATE: i32 = 3;
pub(crate) const AND: i32 = 4;
pub(crate) const OR: i32 = 5;
pub(crate) const CONSUMER_THEN: i32 = 6;
pub(crate) const BI_THEN: i32 = 7;

pub(crate) fn function_of(vm: &mut Vm, kind: i32, first: Ref, second: Ref) -> Outcome {
    if (kind != IDENTITY && first == 0)
        || (matches!(kind, AND_THEN | COMPOSE | AND | OR | CONSUMER_THEN | BI_THEN) && second == 0)
    {
        return Err(vm.null_pointer());
    }
    let object = new_of(vm, "java/util/function$Of", Native::None)?;
    if let Some(o) = vm.heap.get_mut(object) {
        o.fields[0] = Value::Int(kind);
        o.fields[1] = Value::Ref(first);
        o.fields[2] = Value::Ref(second);
    }
    ok_ref(object)
}

pub const FUNCTION: &[Entry] = &[
    ("identity", "()Ljava/util/function/Function;", PUBLIC | STATIC, |vm, _| function_of(vm, IDENTITY, 0, 0)),
    ("andThen", "(Ljava/util/function/Function;)Ljava/util/function/Function;", PUBLIC, |vm, a| {
        function_of(vm, AND_THEN, r(a, 0), r(a, 1))
    }),
    ("compose", "(Ljava/util/function/Function;)Ljava/util/function/Function;", PUBLIC, |vm, a| {
        function_of(vm, COMPOSE, r(a, 0), r(a, 1))
    }),
];
pub const UNARY: &[Entry] =
    &[("identity", "()Ljava/util/function/UnaryOperator;", PUBLIC | STATIC, |vm, _| function_of(vm, IDENTITY, 0, 0))];
pub const BI_FUNCTION: &[Entry] =
    &[("andThen", "(Ljava/util/function/Function;)Ljava/util/function/BiFunction;", PUBLIC, |vm, a| {
        function_of(vm, BI_THEN, r(a, 0), r(a, 1))
    })];
pub const PREDICATE: &[Entry] = &[
    ("negate", "()Ljava/util/function/Predicate;", PUBLIC, |vm, a| function_of(vm, NEGATE, r(a, 0), 0)),
    ("and", "(Ljava/util/function/Predicate;)Ljava/util/function/Predicate;", PUBLIC, |vm, a| {
        function_of(vm, AND, r(a, 0), r(a, 1))
    }),
    ("or", "(Ljava/util/function/Predicate;)Ljava/util/function/Predicate;", PUBLIC, |vm, a| {
        function_of(vm, OR, r(a, 0), r(a, 1))
    }),
    ("not", "(Ljava/util/function/Predicate;)Ljava/util/function/Predicate;", PUBLIC | STATIC, |vm, a| {
        function_of(vm, NEGATE, r(a, 0), 0)
    }),
];
pub const CONSUMER: &[Entry] =
    &[("andThen", "(Ljava/util/function/Consumer;)Ljava/util/function/Consumer;", PUBLIC, |vm, a| {
        function_of(vm, CONSUMER_THEN, r(a, 0), r(a, 1))
    })];

pub(crate) fn parts(vm: &Vm, this: Ref) -> (i32, Ref, Ref) {
    (field(vm, this, 0).int(), field(vm, this, 1).reference(), field(vm, this, 2).reference())
}

pub const FUNCTION_OF: &[Entry] = &[
    ("apply", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (kind, first, second) = parts(vm, r(a, 0));
        match kind {
            IDENTITY => ok_ref(r(a, 1)),
            AND_THEN => {
                let middle = apply(vm, first, r(a, 1))?;
                ok_ref(apply(vm, second, middle)?)
            }
            COMPOSE => {
                let middle = apply(vm, second, r(a, 1))?;
                ok_ref(apply(vm, first, middle)?)
            }
            _ => Err(unsupported(vm)),
        }
    }),
    ("apply", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC, |vm, a| {
        let (_, first, second) = parts(vm, r(a, 0));
        let middle =
            call(vm, first, "apply", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", &[a[1], a[2]])?;
        ok_ref(apply(vm, second, middle)?)
    }),
    ("test", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let (kind, first, second) = parts(vm, r(a, 0));
        let x = r(a, 1);
        let result = match kind {
            NEGATE => !test(vm, first, x)?,
            AND => test(vm, first, x)? && test(vm, second, x)?,
            _ => test(vm, first, x)? || test(vm, second, x)?,
        };
        ok_bool(result)
    }),
    ("accept", "(Ljava/lang/Object;)V", PUBLIC, |vm, a| {
        let (_, first, second) = parts(vm, r(a, 0));
        accept(vm, first, r(a, 1))?;
        accept(vm, second, r(a, 1))?;
        ok_void()
    }),
];
