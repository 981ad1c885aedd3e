//! java.lang's classes .

use super::*;

pub(crate) fn identity_hash(reference: Ref) -> i32 {
    // A stable, well-spread number per object (Java's are arbitrary too).
    (reference.wrapping_mul(0x9E37_79B9) >> 1) as i32
}

pub(crate) fn clone_object(vm: &mut Vm, this: Ref) -> Outcome {
    let Some(object) = vm.heap.get(this) else { return Err(vm.null_pointer()) };
    let class = object.class;
    let native = match &object.native {
        Native::Ints(v) => Native::Ints(v.clone()),
        Native::Longs(v) => Native::Longs(v.clone()),
        Native::Floats(v) => Native::Floats(v.clone()),
        Native::Doubles(v) => Native::Doubles(v.clone()),
        Native::Bytes(v) => Native::Bytes(v.clone()),
        Native::Shorts(v) => Native::Shorts(v.clone()),
        Native::CharArray(v) => Native::CharArray(v.clone()),
        Native::Refs(v) => Native::Refs(v.clone()),
        Native::List(v) => Native::List(v.clone()),
        Native::Chars(v) => Native::Chars(v.clone()),
        _ => Native::None,
    };
    let fields = object.fields.clone();
    let is_array = vm.classes[class as usize].element.is_some();
    let cloneable = vm.known_class("java/lang/Cloneable");
    if !is_array && !vm.is_subclass(class, cloneable) {
        let name = vm.class_name(class).replace('/', ".");
        return Err(vm.throw("java/lang/CloneNotSupportedException", &name));
    }
    vm.reserve(crate::heap::Heap::estimate(fields.len(), &native))?;
    let copy = vm.heap.insert(class, fields, native);
    vm.pins.push(copy);
    ok_ref(copy)
}

pub(crate) const OBJECT: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "()V", PUBLIC, |_, _| ok_void()),
    ("hashCode", "()I", PUBLIC, |_, a| ok_int(identity_hash(r(a, 0)))),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |_, a| ok_bool(r(a, 0) == r(a, 1))),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let hash = vm.call_virtual(r(a, 0), "hashCode", "()I", &[])?.map_or(0, |v| v.int());
        let name = vm.class_name(vm.class_of(r(a, 0))).replace('/', ".");
        ok_str(vm, &format!("{name}@{:x}", hash))
    }),
    ("getClass", "()Ljava/lang/Class;", PUBLIC | FINAL, |vm, a| {
        let class = vm.class_of(r(a, 0));
        ok_ref(vm.mirror(class)?)
    }),
    ("clone", "()Ljava/lang/Object;", PUBLIC, |vm, a| clone_object(vm, r(a, 0))),
    ("notify", "()V", PUBLIC | FINAL, |vm, a| {
        vm.monitor_notify(r(a, 0), false)?;
        ok_void()
    }),
    ("notifyAll", "()V", PUBLIC | FINAL, |vm, a| {
        vm.monitor_notify(r(a, 0), true)?;
        ok_void()
    }),
    ("wait", "()V", PUBLIC | FINAL, |vm, a| {
        vm.monitor_wait(r(a, 0), 0)?;
        ok_void()
    }),
    ("wait", "(J)V", PUBLIC | FINAL, |vm, a| {
        vm.monitor_wait(r(a, 0), long(a, 1))?;
        ok_void()
    }),
];

pub(crate) fn class_of_mirror(vm: &Vm, mirror: Ref) -> ClassId {
    match vm.heap.get(mirror).map(|o| &o.native) {
        Some(Native::Class(class)) => *class,
        _ => vm.known.object,
    }
}

/// `Class.getName()`: dots for slashes, arrays as `[I` and `[Ljava.lang.String;`.
pub(crate) fn class_java_name(vm: &Vm, class: ClassId) -> String {
    vm.class_name(class).replace('/', ".")
}

pub(crate) const CLASS: &[(&str, &str, u16, NativeFn)] = &[
    ("getName", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let name = class_java_name(vm, class_of_mirror(vm, r(a, 0)));
        ok_str(vm, &name)
    }),
    ("getSimpleName", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let name = class_java_name(vm, class_of_mirror(vm, r(a, 0)));
        let simple = name.rsplit(['.', '$']).next().unwrap_or("");
        let simple = String::from(simple);
        ok_str(vm, &simple)
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let class = class_of_mirror(vm, r(a, 0));
        let kind = if vm.classes[class as usize].is_interface() { "interface " } else { "class " };
        let text = format!("{kind}{}", class_java_name(vm, class));
        ok_str(vm, &text)
    }),
    ("isInstance", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let class = class_of_mirror(vm, r(a, 0));
        ok_bool(vm.instance_of(r(a, 1), class))
    }),
    ("desiredAssertionStatus", "()Z", PUBLIC, |_, _| ok_bool(false)),
    ("isArray", "()Z", PUBLIC, |vm, a| {
        let class = class_of_mirror(vm, r(a, 0));
        ok_bool(vm.classes[class as usize].element.is_some())
    }),
];

// ---- String ---------------------------------------------------------------------------------

/// Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1], wrapping.
pub fn string_hash(units: &[u16]) -> i32 {
    units.iter().fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(*u as i32))
}

pub(crate) fn index_of(haystack: &[u16], needle: &[u16], from: usize) -> i32 {
    if needle.is_empty() {
        return from.min(haystack.len()) as i32;
    }
    if needle.len() > haystack.len() {
        return -1;
    }
    (from..=haystack.len() - needle.len()).find(|i| haystack[*i..].starts_with(needle)).map_or(-1, |i| i as i32)
}

pub(crate) fn last_index_of(haystack: &[u16], needle: &[u16]) -> i32 {
    if needle.len() > haystack.len() {
        return -1;
    }
    (0..=haystack.len() - needle.len()).rev().find(|i| haystack[*i..].starts_with(needle)).map_or(-1, |i| i as i32)
}

pub(crate) fn string_out_of_bounds(vm: &mut Vm, message: String) -> Unwind {
    vm.throw("java/lang/StringIndexOutOfBoundsException", &message)
}

pub(crate) fn substring(vm: &mut Vm, this: Ref, begin: i32, end: Option<i32>) -> Outcome {
    let text = units(vm, this)?;
    let end = end.unwrap_or(text.len() as i32);
    if begin < 0 || end > text.len() as i32 || begin > end {
        let message = format!("begin {begin}, end {end}, length {}", text.len());
        return Err(string_out_of_bounds(vm, message));
    }
    ok_units(vm, text[begin as usize..end as usize].to_vec())
}

pub(crate) fn is_space(u: u16) -> bool {
    u <= 0x20
}

/// String.trim: without the leading and trailing characters up to U+0020.
pub(crate) fn trim(vm: &mut Vm, this: Ref) -> Outcome {
    let text = units(vm, this)?;
    let start = text.iter().position(|u| !is_space(*u)).unwrap_or(text.len());
    let end = text.iter().rposition(|u| !is_space(*u)).map_or(start, |e| e + 1);
    ok_units(vm, text[start..end].to_vec())
}

pub(crate) fn ascii_upper(u: u16) -> u16 {
    if (b'a' as u16..=b'z' as u16).contains(&u) { u - 32 } else { u }
}
pub(crate) fn ascii_lower(u: u16) -> u16 {
    if (b'A' as u16..=b'Z' as u16).contains(&u) { u + 32 } else { u }
}

/// Characters Java's regex engine treats specially: a split on any of them is refused (the
/// regex engine is not in the library), except a backslash-escaped single character.
pub(crate) fn literal_pattern(pattern: &[u16]) -> Option<Vec<u16>> {
    let special = |u: u16| u < 128 && b".$|()[{^?*+\\".contains(&(u as u8));
    match pattern {
        [b, c] if *b == b'\\' as u16 && special(*c) => Some(vec![*c]),
        _ if pattern.iter().any(|u| special(*u)) => None,
        _ => Some(pattern.to_vec()),
    }
}

pub(crate) fn split(vm: &mut Vm, this: Ref, pattern: Ref, limit: i32) -> Outcome {
    let text = units(vm, this)?;
    let raw = units(vm, pattern)?;
    let Some(separator) = literal_pattern(&raw) else {
        let shown = String::from_utf16_lossy(&raw);
        return Err(vm.throw(
            "java/lang/UnsupportedOperationException",
            &format!("split on the regular expression {shown}: only literal separators are supported"),
        ));
    };
    let mut pieces: Vec<Vec<u16>> = Vec::new();
    if text.is_empty() {
        pieces.push(Vec::new());
    } else if separator.is_empty() {
        pieces.extend(text.iter().map(|u| vec![*u]));
    } else {
        let mut start = 0;
        let mut at = 0;
        while at + separator.len() <= text.len() {
            if limit > 0 && pieces.len() as i32 == limit - 1 {
                break;
            }
            if text[at..].starts_with(&separator) {
                // A leading empty piece from a zero-width match is never made (Java 8+); a
                // non-empty separator at 0 does make one.
                pieces.push(text[start..at].to_vec());
                at += separator.len();
                start = at;
            } else {
                at += 1;
            }
        }
        pieces.push(text[start..].to_vec());
        if limit == 0 {
            while pieces.len() > 1 && pieces.last().is_some_and(Vec::is_empty) {
                pieces.pop();
            }
            if pieces.len() == 1 && pieces[0].is_empty() && !text.is_empty() {
                pieces.clear();
            }
        }
    }
    let array_class = vm.load("[Ljava/lang/String;").map_err(|e| vm.link_error(e))?;
    let array = vm.new_array(array_class, pieces.len() as i32)?;
    for (i, piece) in pieces.into_iter().enumerate() {
        let s = vm.string_of(piece);
        if let Some(Native::Refs(items)) = vm.heap.get_mut(array).map(|o| &mut o.native) {
            items[i] = s;
        }
    }
    ok_ref(array)
}

/// The elements of a String[] or CharSequence[] (or any reference array).
pub fn array_items(vm: &Vm, array: Ref) -> Vec<Ref> {
    match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::Refs(items)) => items.clone(),
        _ => Vec::new(),
    }
}

pub(crate) fn join(vm: &mut Vm, separator: Ref, items: Vec<Ref>) -> Outcome {
    let separator = units(vm, separator)?;
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&separator);
        }
        out.extend(to_string(vm, item)?);
    }
    ok_units(vm, out)
}

pub(crate) fn compare_units(a: &[u16], b: &[u16]) -> i32 {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return *x as i32 - *y as i32;
        }
    }
    a.len() as i32 - b.len() as i32
}

pub(crate) fn char_array(vm: &mut Vm, array: Ref) -> Result<Vec<u16>, Unwind> {
    match vm.heap.get(array).map(|o| &o.native) {
        Some(Native::CharArray(chars)) => Ok(chars.clone()),
        _ => Err(vm.null_pointer()),
    }
}

pub(crate) fn set_chars(vm: &mut Vm, this: Ref, chars: Vec<u16>) -> Outcome {
    let grown = chars.capacity() * 2;
    if let Some(o) = vm.heap.get_mut(this) {
        o.native = Native::Chars(chars);
    }
    vm.grew(grown);
    ok_void()
}

pub(crate) const STRING: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "()V", PUBLIC, |vm, a| set_chars(vm, r(a, 0), Vec::new())),
    ("<init>", "(Ljava/lang/String;)V", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 1))?;
        set_chars(vm, r(a, 0), text)
    }),
    ("<init>", "([C)V", PUBLIC, |vm, a| {
        let chars = char_array(vm, r(a, 1))?;
        set_chars(vm, r(a, 0), chars)
    }),
    ("<init>", "([CII)V", PUBLIC, |vm, a| {
        let chars = char_array(vm, r(a, 1))?;
        let (offset, count) = (int(a, 2), int(a, 3));
        if offset < 0 || count < 0 || offset as usize + count as usize > chars.len() {
            let message = format!("offset {offset}, count {count}, length {}", chars.len());
            return Err(string_out_of_bounds(vm, message));
        }
        set_chars(vm, r(a, 0), chars[offset as usize..(offset + count) as usize].to_vec())
    }),
    ("length", "()I", PUBLIC, |vm, a| {
        let n = vm.chars(r(a, 0)).map_or(0, |u| u.len());
        ok_int(n as i32)
    }),
    ("isEmpty", "()Z", PUBLIC, |vm, a| ok_bool(vm.chars(r(a, 0)).is_none_or(|u| u.is_empty()))),
    ("isBlank", "()Z", PUBLIC, |vm, a| ok_bool(vm.chars(r(a, 0)).is_none_or(|u| u.iter().all(|c| is_space(*c))))),
    ("charAt", "(I)C", PUBLIC, |vm, a| {
        let index = int(a, 1);
        let unit = vm.chars(r(a, 0)).and_then(|u| u.get(index as usize).copied());
        match unit {
            Some(unit) => ok_int(unit as i32),
            None => {
                let length = vm.chars(r(a, 0)).map_or(0, |u| u.len());
                Err(string_out_of_bounds(vm, format!("index {index}, length {length}")))
            }
        }
    }),
    ("substring", "(I)Ljava/lang/String;", PUBLIC, |vm, a| substring(vm, r(a, 0), int(a, 1), None)),
    ("substring", "(II)Ljava/lang/String;", PUBLIC, |vm, a| substring(vm, r(a, 0), int(a, 1), Some(int(a, 2)))),
    ("subSequence", "(II)Ljava/lang/CharSequence;", PUBLIC, |vm, a| substring(vm, r(a, 0), int(a, 1), Some(int(a, 2)))),
    ("indexOf", "(I)I", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        ok_int(index_of(&text, &[int(a, 1) as u16], 0))
    }),
    ("indexOf", "(II)I", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        ok_int(index_of(&text, &[int(a, 1) as u16], int(a, 2).max(0) as usize))
    }),
    ("indexOf", "(Ljava/lang/String;)I", PUBLIC, |vm, a| {
        let (text, needle) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(index_of(&text, &needle, 0))
    }),
    ("indexOf", "(Ljava/lang/String;I)I", PUBLIC, |vm, a| {
        let (text, needle) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(index_of(&text, &needle, int(a, 2).max(0) as usize))
    }),
    ("lastIndexOf", "(I)I", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        ok_int(last_index_of(&text, &[int(a, 1) as u16]))
    }),
    ("lastIndexOf", "(Ljava/lang/String;)I", PUBLIC, |vm, a| {
        let (text, needle) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(last_index_of(&text, &needle))
    }),
    ("contains", "(Ljava/lang/CharSequence;)Z", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        let needle = to_string(vm, r(a, 1))?;
        ok_bool(index_of(&text, &needle, 0) >= 0)
    }),
    ("startsWith", "(Ljava/lang/String;)Z", PUBLIC, |vm, a| {
        let (text, prefix) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_bool(text.starts_with(&prefix))
    }),
    ("startsWith", "(Ljava/lang/String;I)Z", PUBLIC, |vm, a| {
        let (text, prefix) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        let from = int(a, 2);
        ok_bool(from >= 0 && (from as usize) <= text.len() && text[from as usize..].starts_with(&prefix))
    }),
    ("endsWith", "(Ljava/lang/String;)Z", PUBLIC, |vm, a| {
        let (text, suffix) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_bool(text.ends_with(&suffix))
    }),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| {
        let same = match (vm.chars(r(a, 0)), vm.chars(r(a, 1))) {
            (Some(x), Some(y)) => x == y && vm.class_of(r(a, 1)) == vm.known.string,
            _ => false,
        };
        ok_bool(same)
    }),
    ("equalsIgnoreCase", "(Ljava/lang/String;)Z", PUBLIC, |vm, a| {
        let same = match (vm.chars(r(a, 0)), vm.chars(r(a, 1))) {
            (Some(x), Some(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| ascii_lower(*p) == ascii_lower(*q))
            }
            _ => false,
        };
        ok_bool(same)
    }),
    ("contentEquals", "(Ljava/lang/CharSequence;)Z", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        let other = to_string(vm, r(a, 1))?;
        ok_bool(text == other)
    }),
    ("compareTo", "(Ljava/lang/String;)I", PUBLIC, |vm, a| {
        let (x, y) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(compare_units(&x, &y))
    }),
    ("compareTo", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| {
        let (x, y) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(compare_units(&x, &y))
    }),
    ("compareToIgnoreCase", "(Ljava/lang/String;)I", PUBLIC, |vm, a| {
        let x: Vec<u16> = units(vm, r(a, 0))?.into_iter().map(ascii_lower).collect();
        let y: Vec<u16> = units(vm, r(a, 1))?.into_iter().map(ascii_lower).collect();
        ok_int(compare_units(&x, &y))
    }),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let hash = vm.chars(r(a, 0)).map_or(0, string_hash);
        ok_int(hash)
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |_, a| ok_ref(r(a, 0))),
    ("intern", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        ok_ref(vm.intern(text))
    }),
    ("concat", "(Ljava/lang/String;)Ljava/lang/String;", PUBLIC, |vm, a| {
        let mut text = units(vm, r(a, 0))?;
        text.extend(units(vm, r(a, 1))?);
        ok_units(vm, text)
    }),
    ("trim", "()Ljava/lang/String;", PUBLIC, |vm, a| trim(vm, r(a, 0))),
    // strip() also removes Unicode white space beyond ASCII; the corpus uses ASCII only.
    ("strip", "()Ljava/lang/String;", PUBLIC, |vm, a| trim(vm, r(a, 0))),
    ("repeat", "(I)Ljava/lang/String;", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        let count = int(a, 1);
        if count < 0 {
            return Err(vm.throw("java/lang/IllegalArgumentException", &format!("count is negative: {count}")));
        }
        let total = text.len().saturating_mul(count as usize);
        vm.reserve(total * 2)?;
        ok_units(vm, text.repeat(count as usize))
    }),
    ("toUpperCase", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let text: Vec<u16> = units(vm, r(a, 0))?.into_iter().map(ascii_upper).collect();
        ok_units(vm, text)
    }),
    ("toLowerCase", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let text: Vec<u16> = units(vm, r(a, 0))?.into_iter().map(ascii_lower).collect();
        ok_units(vm, text)
    }),
    ("replace", "(CC)Ljava/lang/String;", PUBLIC, |vm, a| {
        let (from, to) = (int(a, 1) as u16, int(a, 2) as u16);
        let text: Vec<u16> = units(vm, r(a, 0))?.into_iter().map(|u| if u == from { to } else { u }).collect();
        ok_units(vm, text)
    }),
    ("replace", "(Ljava/lang/CharSequence;Ljava/lang/CharSequence;)Ljava/lang/String;", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        let (from, to) = (to_string(vm, r(a, 1))?, to_string(vm, r(a, 2))?);
        let mut out = Vec::new();
        let mut at = 0;
        if from.is_empty() {
            for u in &text {
                out.extend_from_slice(&to);
                out.push(*u);
            }
            out.extend_from_slice(&to);
            return ok_units(vm, out);
        }
        while at < text.len() {
            if text[at..].starts_with(&from) {
                out.extend_from_slice(&to);
                at += from.len();
            } else {
                out.push(text[at]);
                at += 1;
            }
        }
        ok_units(vm, out)
    }),
    ("toCharArray", "()[C", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        let class = vm.load("[C").map_err(|e| vm.link_error(e))?;
        let array = vm.new_array(class, text.len() as i32)?;
        if let Some(o) = vm.heap.get_mut(array) {
            o.native = Native::CharArray(text);
        }
        ok_ref(array)
    }),
    ("split", "(Ljava/lang/String;)[Ljava/lang/String;", PUBLIC, |vm, a| split(vm, r(a, 0), r(a, 1), 0)),
    ("split", "(Ljava/lang/String;I)[Ljava/lang/String;", PUBLIC, |vm, a| split(vm, r(a, 0), r(a, 1), int(a, 2))),
    ("join", "(Ljava/lang/CharSequence;[Ljava/lang/CharSequence;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let items = array_items(vm, r(a, 1));
        join(vm, r(a, 0), items)
    }),
    ("join", "(Ljava/lang/CharSequence;Ljava/lang/Iterable;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let items = crate::collections::elements(vm, r(a, 1))?;
        join(vm, r(a, 0), items)
    }),
    ("format", "(Ljava/lang/String;[Ljava/lang/Object;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let text = format_java(vm, r(a, 0), r(a, 1))?;
        ok_units(vm, text)
    }),
    ("valueOf", "(Ljava/lang/Object;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let text = to_string(vm, r(a, 0))?;
        ok_units(vm, text)
    }),
    ("valueOf", "(I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", int(a, 0)))),
    ("valueOf", "(J)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", long(a, 0)))),
    ("valueOf", "(F)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &jfmt::float_to_string(float(a, 0)))),
    ("valueOf", "(D)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &jfmt::double_to_string(double(a, 0)))),
    ("valueOf", "(Z)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        ok_str(vm, if int(a, 0) != 0 { "true" } else { "false" })
    }),
    ("valueOf", "(C)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_units(vm, vec![int(a, 0) as u16])),
    ("valueOf", "([C)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let chars = char_array(vm, r(a, 0))?;
        ok_units(vm, chars)
    }),
    ("copyValueOf", "([C)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let chars = char_array(vm, r(a, 0))?;
        ok_units(vm, chars)
    }),
];

// ---- StringBuilder --------------------------------------------------------------------------

pub(crate) fn builder_append(vm: &mut Vm, this: Ref, text: &[u16]) -> Outcome {
    if this == 0 {
        return Err(vm.null_pointer());
    }
    let mut grown = 0;
    if let Some(o) = vm.heap.get_mut(this) {
        if let Native::Chars(units) = &mut o.native {
            let before = units.capacity();
            units.extend_from_slice(text);
            grown = (units.capacity() - before) * 2;
        } else {
            o.native = Native::Chars(text.to_vec());
            grown = text.len() * 2;
        }
    }
    vm.grew(grown);
    ok_ref(this)
}

pub(crate) fn append_value(vm: &mut Vm, a: &[Value], descriptor: &str) -> Outcome {
    let text = if descriptor == "[C" { char_array(vm, r(a, 1))? } else { text_of(vm, a[1], descriptor)? };
    builder_append(vm, r(a, 0), &text)
}

pub(crate) fn with_builder<T>(vm: &mut Vm, this: Ref, f: impl FnOnce(&mut Vec<u16>) -> T) -> Option<T> {
    match vm.heap.get_mut(this).map(|o| &mut o.native) {
        Some(Native::Chars(units)) => Some(f(units)),
        _ => None,
    }
}

pub(crate) fn builder_index_error(vm: &mut Vm, index: i32, length: usize) -> Unwind {
    string_out_of_bounds(vm, format!("index {index},length {length}"))
}

pub(crate) fn builder_insert(vm: &mut Vm, a: &[Value], descriptor: &str) -> Outcome {
    let text = text_of(vm, a[2], descriptor)?;
    let offset = int(a, 1);
    let length = vm.chars(r(a, 0)).map_or(0, |u| u.len());
    if offset < 0 || offset as usize > length {
        return Err(string_out_of_bounds(vm, format!("offset {offset}, length {length}")));
    }
    with_builder(vm, r(a, 0), |units| {
        let tail = units.split_off(offset as usize);
        units.extend_from_slice(&text);
        units.extend(tail);
    });
    vm.grew(text.len() * 2);
    ok_ref(r(a, 0))
}

pub(crate) const BUILDER: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "()V", PUBLIC, |vm, a| set_chars(vm, r(a, 0), Vec::with_capacity(16))),
    ("<init>", "(I)V", PUBLIC, |vm, a| {
        let capacity = int(a, 1);
        if capacity < 0 {
            return Err(vm.throw("java/lang/NegativeArraySizeException", &format!("{capacity}")));
        }
        vm.reserve(capacity as usize * 2)?;
        set_chars(vm, r(a, 0), Vec::with_capacity(capacity as usize))
    }),
    ("<init>", "(Ljava/lang/String;)V", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 1))?;
        set_chars(vm, r(a, 0), text)
    }),
    ("<init>", "(Ljava/lang/CharSequence;)V", PUBLIC, |vm, a| {
        let text = to_string(vm, r(a, 1))?;
        set_chars(vm, r(a, 0), text)
    }),
    ("append", "(Ljava/lang/String;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        append_value(vm, a, "Ljava/lang/String;")
    }),
    ("append", "(Ljava/lang/Object;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        append_value(vm, a, "Ljava/lang/Object;")
    }),
    ("append", "(Ljava/lang/CharSequence;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        append_value(vm, a, "Ljava/lang/Object;")
    }),
    ("append", "(Ljava/lang/StringBuffer;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        append_value(vm, a, "Ljava/lang/Object;")
    }),
    ("append", "(I)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "I")),
    ("append", "(J)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "J")),
    ("append", "(F)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "F")),
    ("append", "(D)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "D")),
    ("append", "(Z)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "Z")),
    ("append", "(C)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "C")),
    ("append", "([C)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| append_value(vm, a, "[C")),
    ("insert", "(ILjava/lang/String;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        builder_insert(vm, a, "Ljava/lang/String;")
    }),
    ("insert", "(ILjava/lang/Object;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        builder_insert(vm, a, "Ljava/lang/Object;")
    }),
    ("insert", "(IC)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| builder_insert(vm, a, "C")),
    ("insert", "(II)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| builder_insert(vm, a, "I")),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let text = units(vm, r(a, 0))?;
        ok_units(vm, text)
    }),
    ("length", "()I", PUBLIC, |vm, a| {
        let n = vm.chars(r(a, 0)).map_or(0, |u| u.len());
        ok_int(n as i32)
    }),
    ("isEmpty", "()Z", PUBLIC, |vm, a| ok_bool(vm.chars(r(a, 0)).is_none_or(|u| u.is_empty()))),
    ("charAt", "(I)C", PUBLIC, |vm, a| {
        let index = int(a, 1);
        let unit = vm.chars(r(a, 0)).and_then(|u| u.get(index as usize).copied());
        match unit {
            Some(unit) => ok_int(unit as i32),
            None => {
                let length = vm.chars(r(a, 0)).map_or(0, |u| u.len());
                Err(builder_index_error(vm, index, length))
            }
        }
    }),
    ("setCharAt", "(IC)V", PUBLIC, |vm, a| {
        let (index, unit) = (int(a, 1), int(a, 2) as u16);
        let done = with_builder(vm, r(a, 0), |units| units.get_mut(index as usize).map(|u| *u = unit)).flatten();
        if done.is_none() {
            let length = vm.chars(r(a, 0)).map_or(0, |u| u.len());
            return Err(builder_index_error(vm, index, length));
        }
        ok_void()
    }),
    ("deleteCharAt", "(I)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        let index = int(a, 1);
        let length = vm.chars(r(a, 0)).map_or(0, |u| u.len());
        if index < 0 || index as usize >= length {
            return Err(builder_index_error(vm, index, length));
        }
        with_builder(vm, r(a, 0), |units| units.remove(index as usize));
        ok_ref(r(a, 0))
    }),
    ("delete", "(II)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        let (start, end) = (int(a, 1), int(a, 2));
        let length = vm.chars(r(a, 0)).map_or(0, |u| u.len()) as i32;
        let end = end.min(length);
        if start < 0 || start > end {
            return Err(string_out_of_bounds(vm, format!("start {start}, end {end}, length {length}")));
        }
        with_builder(vm, r(a, 0), |units| units.drain(start as usize..end as usize).count());
        ok_ref(r(a, 0))
    }),
    ("replace", "(IILjava/lang/String;)Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        let (start, end) = (int(a, 1), int(a, 2));
        let text = units(vm, r(a, 3))?;
        let length = vm.chars(r(a, 0)).map_or(0, |u| u.len()) as i32;
        let end = end.min(length);
        if start < 0 || start > length || start > end {
            return Err(string_out_of_bounds(vm, format!("start {start}, end {end}, length {length}")));
        }
        with_builder(vm, r(a, 0), |units| units.splice(start as usize..end as usize, text).count());
        ok_ref(r(a, 0))
    }),
    ("reverse", "()Ljava/lang/StringBuilder;", PUBLIC, |vm, a| {
        with_builder(vm, r(a, 0), |units| {
            // Reverse by code point, keeping surrogate pairs in order.
            units.reverse();
            let mut i = 0;
            while i + 1 < units.len() {
                if (0xDC00..0xE000).contains(&units[i]) && (0xD800..0xDC00).contains(&units[i + 1]) {
                    units.swap(i, i + 1);
                    i += 2;
                } else {
                    i += 1;
                }
            }
        });
        ok_ref(r(a, 0))
    }),
    ("setLength", "(I)V", PUBLIC, |vm, a| {
        let length = int(a, 1);
        if length < 0 {
            let current = vm.chars(r(a, 0)).map_or(0, |u| u.len());
            return Err(builder_index_error(vm, length, current));
        }
        vm.reserve(length as usize * 2)?;
        with_builder(vm, r(a, 0), |units| units.resize(length as usize, 0));
        ok_void()
    }),
    ("indexOf", "(Ljava/lang/String;)I", PUBLIC, |vm, a| {
        let (text, needle) = (units(vm, r(a, 0))?, units(vm, r(a, 1))?);
        ok_int(index_of(&text, &needle, 0))
    }),
];

// ---- System and Math ------------------------------------------------------------------------

pub(crate) fn arraycopy(vm: &mut Vm, a: &[Value]) -> Outcome {
    let (source, from, target, to, count) = (r(a, 0), int(a, 1), r(a, 2), int(a, 3), int(a, 4));
    if source == 0 || target == 0 {
        return Err(vm.null_pointer());
    }
    let (source_length, target_length) = (vm.array_length(source), vm.array_length(target));
    let (source_class, target_class) = (vm.class_of(source), vm.class_of(target));
    let (se, te) =
        (vm.classes[source_class as usize].element.clone(), vm.classes[target_class as usize].element.clone());
    let (Some(se), Some(te)) = (se, te) else {
        return Err(vm.throw("java/lang/ArrayStoreException", "arraycopy: source or destination is not an array"));
    };
    let reference = |e: &str| e.starts_with('L') || e.starts_with('[');
    if se != te && !(reference(&se) && reference(&te)) {
        let message = format!("arraycopy: type mismatch: can not copy {}[] into {}[]", se, te);
        return Err(vm.throw("java/lang/ArrayStoreException", &message));
    }
    if from < 0
        || to < 0
        || count < 0
        || from as i64 + count as i64 > source_length as i64
        || to as i64 + count as i64 > target_length as i64
    {
        let message = if from < 0 || from as i64 + count as i64 > source_length as i64 {
            format!(
                "arraycopy: last source index {} out of bounds for length {}",
                from as i64 + count as i64,
                source_length
            )
        } else {
            format!(
                "arraycopy: last destination index {} out of bounds for length {}",
                to as i64 + count as i64,
                target_length
            )
        };
        return Err(vm.throw("java/lang/ArrayIndexOutOfBoundsException", &message));
    }
    let (from, to, count) = (from as usize, to as usize, count as usize);
    // Reference arrays of different element classes: every element must fit the target.
    if se != te && reference(&te) {
        let items = array_items(vm, source);
        let element = vm
            .load(te.strip_prefix('L').and_then(|e| e.strip_suffix(';')).unwrap_or(&te))
            .map_err(|e| vm.link_error(e))?;
        for item in &items[from..from + count] {
            if *item != 0 && !vm.instance_of(*item, element) {
                let name = vm.class_name(vm.class_of(*item)).replace('/', ".");
                return Err(
                    vm.throw("java/lang/ArrayStoreException", &format!("arraycopy: element type mismatch: {name}"))
                );
            }
        }
    }
    macro_rules! copy {
        ($variant:ident) => {{
            let part = match vm.heap.get(source).map(|o| &o.native) {
                Some(Native::$variant(v)) => v[from..from + count].to_vec(),
                _ => Vec::new(),
            };
            if let Some(Native::$variant(v)) = vm.heap.get_mut(target).map(|o| &mut o.native) {
                v[to..to + count].copy_from_slice(&part);
            }
        }};
    }
    match se.as_bytes()[0] {
        b'I' => copy!(Ints),
        b'J' => copy!(Longs),
        b'F' => copy!(Floats),
        b'D' => copy!(Doubles),
        b'C' => copy!(CharArray),
        b'S' => copy!(Shorts),
        b'B' | b'Z' => copy!(Bytes),
        _ => copy!(Refs),
    }
    ok_void()
}

pub(crate) const SYSTEM: &[(&str, &str, u16, NativeFn)] = &[
    ("currentTimeMillis", "()J", PUBLIC | STATIC, |vm, _| ok_long(vm.host.millis())),
    ("nanoTime", "()J", PUBLIC | STATIC, |vm, _| {
        let now = vm.host.nanos();
        ok_long(now as i64)
    }),
    ("arraycopy", "(Ljava/lang/Object;ILjava/lang/Object;II)V", PUBLIC | STATIC, arraycopy),
    ("exit", "(I)V", PUBLIC | STATIC, |vm, a| {
        vm.flush();
        Err(vm.exit_program(int(a, 0)))
    }),
    ("getProperty", "(Ljava/lang/String;)Ljava/lang/String;", PUBLIC | STATIC, |_, _| ok_ref(0)),
    ("getenv", "(Ljava/lang/String;)Ljava/lang/String;", PUBLIC | STATIC, |_, _| ok_ref(0)),
    ("lineSeparator", "()Ljava/lang/String;", PUBLIC | STATIC, |vm, _| ok_str(vm, "\n")),
    ("identityHashCode", "(Ljava/lang/Object;)I", PUBLIC | STATIC, |_, a| {
        ok_int(if r(a, 0) == 0 { 0 } else { identity_hash(r(a, 0)) })
    }),
    ("gc", "()V", PUBLIC | STATIC, |vm, _| {
        vm.collect();
        ok_void()
    }),
];

pub(crate) fn exact(vm: &mut Vm, value: Option<i64>, int_result: bool) -> Outcome {
    match value {
        Some(v) if int_result => match i32::try_from(v) {
            Ok(v) => ok_int(v),
            Err(_) => Err(vm.throw("java/lang/ArithmeticException", "integer overflow")),
        },
        Some(v) => ok_long(v),
        None => {
            Err(vm
                .throw("java/lang/ArithmeticException", if int_result { "integer overflow" } else { "long overflow" }))
        }
    }
}

/// Java's Math.round: the closest integer, halves up (0.49999999999999994 is 0, -2.5 is -2), NaN
/// to 0, saturating.
pub(crate) fn round(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    let floor = libm::floor(x);
    (if x - floor >= 0.5 { floor + 1.0 } else { floor }) as i64
}

pub(crate) fn java_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { a } else { b }
    } else if a < b {
        a
    } else {
        b
    }
}
pub(crate) fn java_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { b } else { a }
    } else if a > b {
        a
    } else {
        b
    }
}

pub(crate) const MATH: &[(&str, &str, u16, NativeFn)] = &[
    ("abs", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).wrapping_abs())),
    ("abs", "(J)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).wrapping_abs())),
    ("abs", "(F)F", PUBLIC | STATIC, |_, a| ok_float(f32::from_bits(float(a, 0).to_bits() & 0x7fff_ffff))),
    ("abs", "(D)D", PUBLIC | STATIC, |_, a| ok_double(f64::from_bits(double(a, 0).to_bits() & !(1 << 63)))),
    ("max", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).max(int(a, 1)))),
    ("min", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).min(int(a, 1)))),
    ("max", "(JJ)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).max(long(a, 2)))),
    ("min", "(JJ)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).min(long(a, 2)))),
    ("max", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(java_max(double(a, 0), double(a, 2)))),
    ("min", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(java_min(double(a, 0), double(a, 2)))),
    ("max", "(FF)F", PUBLIC | STATIC, |_, a| ok_float(java_max(float(a, 0) as f64, float(a, 1) as f64) as f32)),
    ("min", "(FF)F", PUBLIC | STATIC, |_, a| ok_float(java_min(float(a, 0) as f64, float(a, 1) as f64) as f32)),
    ("sqrt", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::sqrt(double(a, 0)))),
    ("cbrt", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::cbrt(double(a, 0)))),
    ("pow", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(libm::pow(double(a, 0), double(a, 2)))),
    ("exp", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::exp(double(a, 0)))),
    ("log", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::log(double(a, 0)))),
    ("log10", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::log10(double(a, 0)))),
    ("floor", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::floor(double(a, 0)))),
    ("ceil", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::ceil(double(a, 0)))),
    ("rint", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::rint(double(a, 0)))),
    ("round", "(D)J", PUBLIC | STATIC, |_, a| ok_long(round(double(a, 0)))),
    ("round", "(F)I", PUBLIC | STATIC, |_, a| {
        let x = float(a, 0);
        ok_int(round(x as f64).clamp(i32::MIN as i64, i32::MAX as i64) as i32)
    }),
    ("sin", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::sin(double(a, 0)))),
    ("cos", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::cos(double(a, 0)))),
    ("tan", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::tan(double(a, 0)))),
    ("asin", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::asin(double(a, 0)))),
    ("acos", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::acos(double(a, 0)))),
    ("atan", "(D)D", PUBLIC | STATIC, |_, a| ok_double(libm::atan(double(a, 0)))),
    ("atan2", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(libm::atan2(double(a, 0), double(a, 2)))),
    ("hypot", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(libm::hypot(double(a, 0), double(a, 2)))),
    ("toRadians", "(D)D", PUBLIC | STATIC, |_, a| ok_double(double(a, 0) / 180.0 * core::f64::consts::PI)),
    ("toDegrees", "(D)D", PUBLIC | STATIC, |_, a| ok_double(double(a, 0) * 180.0 / core::f64::consts::PI)),
    ("signum", "(D)D", PUBLIC | STATIC, |_, a| {
        let x = double(a, 0);
        ok_double(if x.is_nan() || x == 0.0 {
            x
        } else if x > 0.0 {
            1.0
        } else {
            -1.0
        })
    }),
    ("floorDiv", "(II)I", PUBLIC | STATIC, |vm, a| {
        let (x, y) = (int(a, 0), int(a, 1));
        if y == 0 {
            return Err(vm.throw("java/lang/ArithmeticException", "/ by zero"));
        }
        let q = x.wrapping_div(y);
        ok_int(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
    }),
    ("floorMod", "(II)I", PUBLIC | STATIC, |vm, a| {
        let (x, y) = (int(a, 0), int(a, 1));
        if y == 0 {
            return Err(vm.throw("java/lang/ArithmeticException", "/ by zero"));
        }
        let m = x.wrapping_rem(y);
        ok_int(if m != 0 && ((m < 0) != (y < 0)) { m + y } else { m })
    }),
    ("floorDiv", "(JJ)J", PUBLIC | STATIC, |vm, a| {
        let (x, y) = (long(a, 0), long(a, 2));
        if y == 0 {
            return Err(vm.throw("java/lang/ArithmeticException", "/ by zero"));
        }
        let q = x.wrapping_div(y);
        ok_long(if (x % y != 0) && ((x < 0) != (y < 0)) { q - 1 } else { q })
    }),
    ("floorMod", "(JJ)J", PUBLIC | STATIC, |vm, a| {
        let (x, y) = (long(a, 0), long(a, 2));
        if y == 0 {
            return Err(vm.throw("java/lang/ArithmeticException", "/ by zero"));
        }
        let m = x.wrapping_rem(y);
        ok_long(if m != 0 && ((m < 0) != (y < 0)) { m + y } else { m })
    }),
    ("addExact", "(II)I", PUBLIC | STATIC, |vm, a| exact(vm, Some(int(a, 0) as i64 + int(a, 1) as i64), true)),
    ("multiplyExact", "(II)I", PUBLIC | STATIC, |vm, a| exact(vm, Some(int(a, 0) as i64 * int(a, 1) as i64), true)),
    ("subtractExact", "(II)I", PUBLIC | STATIC, |vm, a| exact(vm, Some(int(a, 0) as i64 - int(a, 1) as i64), true)),
    ("addExact", "(JJ)J", PUBLIC | STATIC, |vm, a| exact(vm, long(a, 0).checked_add(long(a, 2)), false)),
    ("multiplyExact", "(JJ)J", PUBLIC | STATIC, |vm, a| exact(vm, long(a, 0).checked_mul(long(a, 2)), false)),
    ("random", "()D", PUBLIC | STATIC, |vm, _| {
        let seed = vm.host.nanos().wrapping_mul(0x5851_F42D_4C95_7F2D) >> 11;
        ok_double(seed as f64 / (1u64 << 53) as f64)
    }),
];

// ---- Thread ---------------------------------------------------------------------------------

// java.lang.Thread's fields.
const THREAD_NAME: usize = 0;
const THREAD_TARGET: usize = 1;
const THREAD_DAEMON: usize = 2;
const THREAD_STATE: usize = 3;
const THREAD_ID: usize = 4;
const THREAD_INTERRUPTED: usize = 5;
pub(crate) const THREAD_FIELDS: &[(&str, &str)] = &[
    ("name", "Ljava/lang/String;"),
    ("target", "Ljava/lang/Runnable;"),
    ("daemon", "Z"),
    ("state", "I"),
    ("id", "J"),
    ("interrupted", "Z"),
];
// Its states.
const NEW: i32 = 0;
const ALIVE: i32 = 1;
const TERMINATED: i32 = 2;

fn thread_init(vm: &mut Vm, this: Ref, target: Ref, name: Option<Ref>) -> Outcome {
    let name = match name {
        Some(0) => return Err(vm.throw("java/lang/NullPointerException", "name cannot be null")),
        Some(name) => name,
        None => {
            let text = vm.name_thread();
            vm.string(&text)
        }
    };
    let id = 2 + vm.threads.next_name as i64;
    set_fields(
        vm,
        this,
        &[(THREAD_NAME, Value::Ref(name)), (THREAD_TARGET, Value::Ref(target)), (THREAD_ID, Value::Long(id))],
    );
    ok_void()
}

pub(crate) fn thread_finished(vm: &mut Vm, thread: Ref) {
    set_fields(vm, thread, &[(THREAD_STATE, Value::Int(TERMINATED))]);
}

/// The Thread object of main, made when a program first asks for it.
pub(crate) fn main_thread(vm: &mut Vm) -> Result<Ref, Unwind> {
    let class = vm.load("java/lang/Thread").map_err(|e| vm.link_error(e))?;
    let object = vm.allocate(class, Native::None)?;
    let name = vm.string("main");
    set_fields(
        vm,
        object,
        &[(THREAD_NAME, Value::Ref(name)), (THREAD_STATE, Value::Int(ALIVE)), (THREAD_ID, Value::Long(1))],
    );
    Ok(object)
}

/// The name `Exception in thread "NAME"` shows for `thread` (0: main).
pub(crate) fn thread_name(vm: &Vm, thread: Ref) -> String {
    if thread == 0 { String::from("main") } else { vm.rust_string(field(vm, thread, THREAD_NAME).reference()) }
}

/// Thread.sleep: in slices of [`SLEEP_SLICE`] ms, so that `interrupt()` ends it (as in Java,
/// with InterruptedException and the flag cleared; at once if the flag was set before).
fn sleep(vm: &mut Vm, millis: i64) -> Outcome {
    if millis < 0 {
        return Err(vm.throw("java/lang/IllegalArgumentException", "timeout value is negative"));
    }
    vm.flush();
    let end = vm.host.nanos().saturating_add((millis as u64).saturating_mul(1_000_000));
    loop {
        take_interrupt(vm, "sleep interrupted")?;
        let now = vm.host.nanos();
        if now >= end {
            return ok_void();
        }
        let slice = (end - now).div_ceil(1_000_000).min(SLEEP_SLICE);
        vm.without_machine(|host| host.sleep(slice));
    }
}

/// How long a sleeping thread goes without looking at its interrupt flag, in milliseconds: an
/// interrupt ends a sleep within this, and a long sleep wakes the CPU 40 times a second.
const SLEEP_SLICE: u64 = 25;

/// Whether the current thread's interrupt flag is set (left as it is).
pub(crate) fn is_interrupted(vm: &mut Vm) -> Result<bool, Unwind> {
    let thread = vm.current_thread()?;
    Ok(field(vm, thread, THREAD_INTERRUPTED).int() != 0)
}

/// InterruptedException (with `message`, none if empty) if the current thread was interrupted,
/// clearing the flag, as Java's blocking methods do.
pub(crate) fn take_interrupt(vm: &mut Vm, message: &str) -> Result<(), Unwind> {
    let thread = vm.current_thread()?;
    if field(vm, thread, THREAD_INTERRUPTED).int() != 0 {
        set_fields(vm, thread, &[(THREAD_INTERRUPTED, Value::Int(0))]);
        return Err(vm.throw("java/lang/InterruptedException", message));
    }
    Ok(())
}

fn join_thread(vm: &mut Vm, this: Ref, millis: i64) -> Outcome {
    if millis < 0 {
        return Err(vm.throw("java/lang/IllegalArgumentException", "timeout value is negative"));
    }
    // Java's join waits on the thread object while it is alive: an interrupt ends that wait as
    // it ends wait(); a thread that is not alive (or ends meanwhile) is joined at once, the
    // interrupt flag left as it is.
    let alive = |vm: &mut Vm| field(vm, this, THREAD_STATE).int() == ALIVE;
    if !alive(vm) {
        return ok_void();
    }
    take_interrupt(vm, "")?;
    vm.wait_until(millis, |vm| !alive(vm) || is_interrupted(vm).unwrap_or(false));
    if alive(vm) {
        take_interrupt(vm, "")?;
    }
    ok_void()
}

pub(crate) const THREAD: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "()V", PUBLIC, |vm, a| thread_init(vm, r(a, 0), 0, None)),
    ("<init>", "(Ljava/lang/Runnable;)V", PUBLIC, |vm, a| thread_init(vm, r(a, 0), r(a, 1), None)),
    ("<init>", "(Ljava/lang/Runnable;Ljava/lang/String;)V", PUBLIC, |vm, a| {
        thread_init(vm, r(a, 0), r(a, 1), Some(r(a, 2)))
    }),
    ("<init>", "(Ljava/lang/String;)V", PUBLIC, |vm, a| thread_init(vm, r(a, 0), 0, Some(r(a, 1)))),
    ("start", "()V", PUBLIC, |vm, a| {
        let this = r(a, 0);
        if field(vm, this, THREAD_STATE).int() != NEW {
            return Err(vm.throw("java/lang/IllegalThreadStateException", ""));
        }
        set_fields(vm, this, &[(THREAD_STATE, Value::Int(ALIVE))]);
        let daemon = field(vm, this, THREAD_DAEMON).int() != 0;
        if let Err(unwind) = vm.start_thread(this, daemon) {
            // Never ran: join() must not wait for it.
            set_fields(vm, this, &[(THREAD_STATE, Value::Int(TERMINATED))]);
            return Err(unwind);
        }
        ok_void()
    }),
    ("run", "()V", PUBLIC, |vm, a| {
        let target = field(vm, r(a, 0), THREAD_TARGET).reference();
        if target != 0 {
            vm.call_virtual(target, "run", "()V", &[])?;
        }
        ok_void()
    }),
    ("join", "()V", PUBLIC, |vm, a| join_thread(vm, r(a, 0), 0)),
    ("join", "(J)V", PUBLIC, |vm, a| join_thread(vm, r(a, 0), long(a, 1))),
    ("isAlive", "()Z", PUBLIC, |vm, a| ok_bool(field(vm, r(a, 0), THREAD_STATE).int() == ALIVE)),
    ("getName", "()Ljava/lang/String;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), THREAD_NAME)))),
    ("setName", "(Ljava/lang/String;)V", PUBLIC, |vm, a| {
        if r(a, 1) == 0 {
            return Err(vm.throw("java/lang/NullPointerException", "name cannot be null"));
        }
        set_fields(vm, r(a, 0), &[(THREAD_NAME, a[1])]);
        ok_void()
    }),
    ("getId", "()J", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), THREAD_ID)))),
    ("isDaemon", "()Z", PUBLIC | FINAL, |vm, a| Ok(Some(field(vm, r(a, 0), THREAD_DAEMON)))),
    ("setDaemon", "(Z)V", PUBLIC | FINAL, |vm, a| {
        if field(vm, r(a, 0), THREAD_STATE).int() != NEW {
            return Err(vm.throw("java/lang/IllegalThreadStateException", ""));
        }
        set_fields(vm, r(a, 0), &[(THREAD_DAEMON, Value::Int((int(a, 1) != 0) as i32))]);
        ok_void()
    }),
    ("getPriority", "()I", PUBLIC | FINAL, |_, _| ok_int(5)),
    ("setPriority", "(I)V", PUBLIC | FINAL, |vm, a| {
        if !(1..=10).contains(&int(a, 1)) {
            return Err(vm.throw("java/lang/IllegalArgumentException", ""));
        }
        ok_void()
    }),
    ("interrupt", "()V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(THREAD_INTERRUPTED, Value::Int(1))]);
        ok_void()
    }),
    ("isInterrupted", "()Z", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), THREAD_INTERRUPTED)))),
    ("interrupted", "()Z", PUBLIC | STATIC, |vm, _| {
        let thread = vm.current_thread()?;
        let was = field(vm, thread, THREAD_INTERRUPTED);
        set_fields(vm, thread, &[(THREAD_INTERRUPTED, Value::Int(0))]);
        Ok(Some(was))
    }),
    ("currentThread", "()Ljava/lang/Thread;", PUBLIC | STATIC, |vm, _| ok_ref(vm.current_thread()?)),
    ("sleep", "(J)V", PUBLIC | STATIC, |vm, a| sleep(vm, long(a, 0))),
    ("yield", "()V", PUBLIC | STATIC, |vm, _| {
        vm.without_machine(|host| host.yield_now());
        ok_void()
    }),
    ("onSpinWait", "()V", PUBLIC | STATIC, |vm, _| {
        vm.without_machine(|host| host.yield_now());
        ok_void()
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let name = thread_name(vm, r(a, 0));
        ok_str(vm, &format!("Thread[{name},5,main]"))
    }),
];
