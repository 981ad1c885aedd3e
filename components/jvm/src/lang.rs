//! The class library, in Rust: java.lang (Object, String, StringBuilder, System, PrintStream,
//! Math, the boxes, Enum, Class, Throwable and the exceptions the VM throws). Collections are in
//! `collections`. A library class is a table: its super class, interfaces, fields and native
//! methods; interfaces named only by programs (java.util.function and the like) need no methods,
//! since calls on them dispatch on the object's class.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::classfile::access::{ABSTRACT, FINAL, INTERFACE, PUBLIC, STATIC};
use crate::format as jfmt;
use crate::heap::{Native, Ref, Value};
use crate::threads::Vm;
use crate::vm::{ClassId, NativeFn, Outcome, Unwind};

#[derive(Clone, Copy)]
pub struct LibraryClass {
    pub name: &'static str,
    pub super_name: Option<&'static str>,
    pub interfaces: &'static [&'static str],
    pub flags: u16,
    pub fields: &'static [(&'static str, &'static str)],
    pub statics: &'static [(&'static str, &'static str)],
    pub methods: natives::Natives,
}

// ---- Argument and result helpers ------------------------------------------------------------

pub fn r(a: &[Value], i: usize) -> Ref {
    a.get(i).map_or(0, |v| v.reference())
}
pub fn int(a: &[Value], i: usize) -> i32 {
    a.get(i).map_or(0, |v| v.int())
}
pub fn long(a: &[Value], i: usize) -> i64 {
    a.get(i).map_or(0, |v| v.long())
}
pub fn float(a: &[Value], i: usize) -> f32 {
    a.get(i).map_or(0.0, |v| v.float())
}
pub fn double(a: &[Value], i: usize) -> f64 {
    a.get(i).map_or(0.0, |v| v.double())
}
pub fn ok_int(v: i32) -> Outcome {
    Ok(Some(Value::Int(v)))
}
pub fn ok_bool(v: bool) -> Outcome {
    Ok(Some(Value::Int(v as i32)))
}
pub fn ok_long(v: i64) -> Outcome {
    Ok(Some(Value::Long(v)))
}
pub fn ok_float(v: f32) -> Outcome {
    Ok(Some(Value::Float(v)))
}
pub fn ok_double(v: f64) -> Outcome {
    Ok(Some(Value::Double(v)))
}
pub fn ok_ref(v: Ref) -> Outcome {
    Ok(Some(Value::Ref(v)))
}
pub fn ok_void() -> Outcome {
    Ok(None)
}
pub fn ok_str(vm: &mut Vm, text: &str) -> Outcome {
    ok_ref(vm.string(text))
}
pub fn ok_units(vm: &mut Vm, units: Vec<u16>) -> Outcome {
    ok_ref(vm.string_of(units))
}

/// The UTF-16 units of a String argument; NullPointerException for null.
pub fn units(vm: &mut Vm, reference: Ref) -> Result<Vec<u16>, Unwind> {
    match vm.chars(reference) {
        Some(units) => Ok(units.to_vec()),
        None if reference == 0 => Err(vm.null_pointer()),
        None => Err(vm.throw("java/lang/ClassCastException", "not a String")),
    }
}

pub fn utf16(text: &str) -> Vec<u16> {
    text.encode_utf16().collect()
}

/// `String.valueOf(object)`: "null" or its toString().
pub fn to_string(vm: &mut Vm, object: Ref) -> Result<Vec<u16>, Unwind> {
    if object == 0 {
        return Ok(utf16("null"));
    }
    if vm.class_of(object) == vm.known.string {
        return units(vm, object);
    }
    let result = vm.call_virtual(object, "toString", "()Ljava/lang/String;", &[])?;
    match result {
        Some(Value::Ref(text)) if text != 0 => units(vm, text),
        _ => Ok(utf16("null")),
    }
}

/// A value as text by its type descriptor: what `+` on strings and `print` make of it.
pub fn text_of(vm: &mut Vm, value: Value, descriptor: &str) -> Result<Vec<u16>, Unwind> {
    Ok(match descriptor.as_bytes()[0] {
        b'Z' => utf16(if value.int() != 0 { "true" } else { "false" }),
        b'C' => vec![value.int() as u16],
        b'B' | b'S' | b'I' => utf16(&format!("{}", value.int())),
        b'J' => utf16(&format!("{}", value.long())),
        b'F' => utf16(&jfmt::float_to_string(value.float())),
        b'D' => utf16(&jfmt::double_to_string(value.double())),
        _ => to_string(vm, value.reference())?,
    })
}

// ---- Boxing ---------------------------------------------------------------------------------

/// The box classes by descriptor; `Machine::box_classes` keeps their ids in this order.
const BOX_CLASSES: [(u8, &str); 8] = [
    (b'Z', "java/lang/Boolean"),
    (b'B', "java/lang/Byte"),
    (b'C', "java/lang/Character"),
    (b'S', "java/lang/Short"),
    (b'I', "java/lang/Integer"),
    (b'J', "java/lang/Long"),
    (b'F', "java/lang/Float"),
    (b'D', "java/lang/Double"),
];

/// `Integer.valueOf` and friends: small values come from a cache, as in Java (so `==` on them
/// holds as there).
pub fn box_value(vm: &mut Vm, descriptor: u8, value: Value) -> Result<Ref, Unwind> {
    let cached = match (descriptor, value) {
        (b'Z', _) => true,
        (b'B', _) => true,
        (b'C', Value::Int(v)) => (0..=127).contains(&v),
        (b'S' | b'I', Value::Int(v)) => (-128..=127).contains(&v),
        (b'J', Value::Long(v)) => (-128..=127).contains(&v),
        _ => false,
    };
    let key = (
        descriptor,
        match value {
            Value::Int(v) => v as i64,
            Value::Long(v) => v,
            _ => 0,
        },
    );
    if cached && let Some(found) = vm.boxes.get(&key) {
        return Ok(*found);
    }
    // The box classes by descriptor, found by name once (a name lookup per box was a tenth of
    // a HashMap<Integer, _> benchmark).
    let slot = BOX_CLASSES.iter().position(|(d, _)| *d == descriptor).unwrap_or(7);
    let class = match vm.box_classes[slot] {
        Some(class) => class,
        None => {
            let class = vm.load(BOX_CLASSES[slot].1).map_err(|e| vm.link_error(e))?;
            vm.box_classes[slot] = Some(class);
            class
        }
    };
    let object = vm.allocate(class, Native::None)?;
    if let Some(o) = vm.heap.get_mut(object) {
        o.fields[0] = value;
    }
    if cached {
        vm.boxes.insert(key, object);
    }
    Ok(object)
}

/// The primitive inside a box (Err: null or not a box).
pub fn unbox(vm: &mut Vm, object: Ref) -> Result<Value, Unwind> {
    if object == 0 {
        return Err(vm.null_pointer());
    }
    let class = vm.class_of(object);
    let boxed = matches!(
        vm.class_name(class),
        "java/lang/Integer"
            | "java/lang/Long"
            | "java/lang/Double"
            | "java/lang/Float"
            | "java/lang/Short"
            | "java/lang/Byte"
            | "java/lang/Character"
            | "java/lang/Boolean"
    );
    match vm.heap.get(object).and_then(|o| o.fields.first()) {
        Some(value) if boxed => Ok(*value),
        _ => {
            let name = vm.class_name(class).replace('/', ".");
            Err(vm.throw("java/lang/ClassCastException", &format!("class {name} is not a box")))
        }
    }
}

/// Converts `value` of type `from` to type `to` as `MethodHandle.asType` does for lambdas.
pub fn adapt(vm: &mut Vm, value: Value, from: &str, to: &str) -> Result<Value, Unwind> {
    let (f, t) = (from.as_bytes()[0], to.as_bytes()[0]);
    let reference = |c: u8| c == b'L' || c == b'[';
    if reference(f) && reference(t) {
        return Ok(value);
    }
    if !reference(f) && reference(t) {
        return Ok(Value::Ref(box_value(vm, f, value)?));
    }
    let primitive = if reference(f) { unbox(vm, value.reference())? } else { value };
    Ok(match (t, primitive) {
        (b'J', Value::Int(v)) => Value::Long(v as i64),
        (b'F', Value::Int(v)) => Value::Float(v as f32),
        (b'D', Value::Int(v)) => Value::Double(v as f64),
        (b'F', Value::Long(v)) => Value::Float(v as f32),
        (b'D', Value::Long(v)) => Value::Double(v as f64),
        (b'D', Value::Float(v)) => Value::Double(v as f64),
        (_, v) => v,
    })
}

// ---- Exceptions -----------------------------------------------------------------------------

/// `Throwable.toString()`: the class name, then ": " and the message if there is one.
fn throwable_text(vm: &mut Vm, exception: Ref) -> Result<Vec<u16>, Unwind> {
    let name = vm.class_name(vm.class_of(exception)).replace('/', ".");
    let message = vm.call_virtual(exception, "getLocalizedMessage", "()Ljava/lang/String;", &[])?;
    let mut text = utf16(&name);
    if let Some(Value::Ref(m)) = message
        && m != 0
    {
        text.extend(utf16(": "));
        text.extend(units(vm, m)?);
    }
    Ok(text)
}

fn trace_lines(vm: &mut Vm, exception: Ref) -> String {
    let mut out = String::new();
    let trace = match vm.heap.get(exception).map(|o| &o.native) {
        Some(Native::Trace(trace)) => trace.clone(),
        _ => Vec::new(),
    };
    for (method, pc) in trace {
        let m = &vm.methods[method as usize];
        let class = &vm.classes[m.class as usize];
        let source = class.file.as_ref().and_then(|f| f.source.clone());
        let line = match &m.body {
            crate::vm::Body::Bytecode(code) => code
                .lines
                .iter()
                .filter(|(start, _)| *start as u32 <= pc)
                .max_by_key(|(start, _)| *start)
                .map(|(_, line)| *line),
            _ => None,
        };
        let place = match (source, line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => String::from(&*file),
            _ => String::from("Native Method"),
        };
        out.push_str(&format!("\tat {}.{}({})\n", class.name.replace('/', "."), m.name, place));
    }
    out
}

/// Prints a stack trace as `java` does: the exception, its frames, then each cause.
fn print_trace(vm: &mut Vm, exception: Ref, err: bool) -> Result<(), Unwind> {
    let mut current = exception;
    let mut first = true;
    let mut seen = 0;
    while current != 0 && seen < 32 {
        let text = String::from_utf16_lossy(&throwable_text(vm, current)?);
        let lines = trace_lines(vm, current);
        let block = format!("{}{}\n{}", if first { "" } else { "Caused by: " }, text, lines);
        write(vm, err, block.as_bytes());
        first = false;
        seen += 1;
        let cause = vm.heap.get(current).and_then(|o| o.fields.get(1)).map_or(0, |v| v.reference());
        current = if cause == current { 0 } else { cause };
    }
    Ok(())
}

/// What `java` prints for an exception nothing caught in `thread` (0: main).
pub fn report_uncaught(vm: &mut Vm, exception: Ref, thread: Ref) {
    vm.pins.push(exception);
    let name = classes::thread_name(vm, thread);
    write(vm, true, format!("Exception in thread \"{name}\" ").as_bytes());
    if print_trace(vm, exception, true).is_err() {
        write(vm, true, b"(its toString threw)\n");
    }
    vm.pins.clear();
}

fn capture_trace(vm: &mut Vm, this: Ref) {
    // The frames, without the constructors of the exception itself.
    let mut trace = vm.trace();
    let throwable = vm.known.throwable;
    while let Some((method, _)) = trace.first() {
        let m = &vm.methods[*method as usize];
        if &*m.name == "<init>" && vm.is_subclass(m.class, throwable) {
            trace.remove(0);
        } else {
            break;
        }
    }
    if let Some(o) = vm.heap.get_mut(this) {
        o.native = Native::Trace(trace);
    }
}

fn set_fields(vm: &mut Vm, this: Ref, values: &[(usize, Value)]) {
    if let Some(o) = vm.heap.get_mut(this) {
        for (i, v) in values {
            if let Some(slot) = o.fields.get_mut(*i) {
                *slot = *v;
            }
        }
    }
}

pub fn field(vm: &Vm, this: Ref, i: usize) -> Value {
    vm.heap.get(this).and_then(|o| o.fields.get(i)).copied().unwrap_or(Value::NULL)
}

const THROWABLE_METHODS: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "()V", PUBLIC, |vm, a| {
        capture_trace(vm, r(a, 0));
        ok_void()
    }),
    ("<init>", "(Ljava/lang/String;)V", PUBLIC, |vm, a| {
        capture_trace(vm, r(a, 0));
        set_fields(vm, r(a, 0), &[(0, a[1])]);
        ok_void()
    }),
    ("<init>", "(Ljava/lang/String;Ljava/lang/Throwable;)V", PUBLIC, |vm, a| {
        capture_trace(vm, r(a, 0));
        set_fields(vm, r(a, 0), &[(0, a[1]), (1, a[2])]);
        ok_void()
    }),
    ("<init>", "(Ljava/lang/Throwable;)V", PUBLIC, |vm, a| {
        capture_trace(vm, r(a, 0));
        let message = if r(a, 1) == 0 {
            0
        } else {
            let text = throwable_text(vm, r(a, 1))?;
            vm.string_of(text)
        };
        set_fields(vm, r(a, 0), &[(0, Value::Ref(message)), (1, a[1])]);
        ok_void()
    }),
    ("getMessage", "()Ljava/lang/String;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), 0)))),
    ("getLocalizedMessage", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        vm.call_virtual(r(a, 0), "getMessage", "()Ljava/lang/String;", &[])
    }),
    ("getCause", "()Ljava/lang/Throwable;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), 1)))),
    ("initCause", "(Ljava/lang/Throwable;)Ljava/lang/Throwable;", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(1, a[1])]);
        ok_ref(r(a, 0))
    }),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let text = throwable_text(vm, r(a, 0))?;
        ok_units(vm, text)
    }),
    ("printStackTrace", "()V", PUBLIC, |vm, a| {
        print_trace(vm, r(a, 0), true)?;
        ok_void()
    }),
    ("fillInStackTrace", "()Ljava/lang/Throwable;", PUBLIC, |vm, a| {
        capture_trace(vm, r(a, 0));
        ok_ref(r(a, 0))
    }),
    ("addSuppressed", "(Ljava/lang/Throwable;)V", PUBLIC, |_, _| ok_void()),
];

const THROWABLE_FIELDS: &[(&str, &str)] =
    &[("detailMessage", "Ljava/lang/String;"), ("cause", "Ljava/lang/Throwable;")];

// ---- Output ---------------------------------------------------------------------------------

/// Writes to System.out (buffered to the line, as Java's autoflushing stream) or System.err.
pub fn write(vm: &mut Vm, err: bool, bytes: &[u8]) {
    if err {
        vm.flush();
        vm.host.write(true, bytes);
    } else {
        vm.out.extend_from_slice(bytes);
        if bytes.contains(&b'\n') || vm.out.len() > 8192 {
            vm.flush();
        }
    }
}

fn stream_is_err(vm: &Vm, stream: Ref) -> bool {
    field(vm, stream, 0).int() == 2
}

fn print_value(vm: &mut Vm, a: &[Value], descriptor: &str, newline: bool) -> Outcome {
    let err = stream_is_err(vm, r(a, 0));
    let mut text = if descriptor.is_empty() {
        Vec::new()
    } else if descriptor == "[C" {
        match vm.heap.get(r(a, 1)).map(|o| &o.native) {
            Some(Native::CharArray(chars)) => chars.clone(),
            _ => return Err(vm.null_pointer()),
        }
    } else {
        text_of(vm, a[1], descriptor)?
    };
    if newline {
        text.push(b'\n' as u16);
    }
    let bytes = String::from_utf16_lossy(&text);
    write(vm, err, bytes.as_bytes());
    ok_void()
}

macro_rules! printers {
    ($name:literal, $newline:expr) => {
        [
            ($name, "(Ljava/lang/String;)V", PUBLIC, |vm, a| print_value(vm, a, "Ljava/lang/String;", $newline)),
            ($name, "(Ljava/lang/Object;)V", PUBLIC, |vm, a| print_value(vm, a, "Ljava/lang/Object;", $newline)),
            ($name, "(I)V", PUBLIC, |vm, a| print_value(vm, a, "I", $newline)),
            ($name, "(J)V", PUBLIC, |vm, a| print_value(vm, a, "J", $newline)),
            ($name, "(F)V", PUBLIC, |vm, a| print_value(vm, a, "F", $newline)),
            ($name, "(D)V", PUBLIC, |vm, a| print_value(vm, a, "D", $newline)),
            ($name, "(Z)V", PUBLIC, |vm, a| print_value(vm, a, "Z", $newline)),
            ($name, "(C)V", PUBLIC, |vm, a| print_value(vm, a, "C", $newline)),
            ($name, "([C)V", PUBLIC, |vm, a| print_value(vm, a, "[C", $newline)),
        ]
    };
}

const PRINT: [(&str, &str, u16, NativeFn); 9] = printers!("print", false);
const PRINTLN: [(&str, &str, u16, NativeFn); 9] = printers!("println", true);

fn printf(vm: &mut Vm, a: &[Value]) -> Outcome {
    let text = format_java(vm, r(a, 1), r(a, 2))?;
    let err = stream_is_err(vm, r(a, 0));
    write(vm, err, String::from_utf16_lossy(&text).as_bytes());
    ok_ref(r(a, 0))
}

const PRINT_STREAM_OTHER: &[(&str, &str, u16, NativeFn)] = &[
    ("println", "()V", PUBLIC, |vm, a| print_value(vm, a, "", true)),
    ("printf", "(Ljava/lang/String;[Ljava/lang/Object;)Ljava/io/PrintStream;", PUBLIC, printf),
    ("format", "(Ljava/lang/String;[Ljava/lang/Object;)Ljava/io/PrintStream;", PUBLIC, printf),
    ("flush", "()V", PUBLIC, |vm, _| {
        vm.flush();
        ok_void()
    }),
    ("write", "(I)V", PUBLIC, |vm, a| {
        let err = stream_is_err(vm, r(a, 0));
        write(vm, err, &[int(a, 1) as u8]);
        ok_void()
    }),
];

/// `String.format(format, args)`.
pub fn format_java(vm: &mut Vm, format: Ref, args: Ref) -> Result<Vec<u16>, Unwind> {
    let pattern = String::from_utf16_lossy(&units(vm, format)?);
    let values: Vec<Ref> = match vm.heap.get(args).map(|o| &o.native) {
        Some(Native::Refs(items)) => items.clone(),
        _ => Vec::new(),
    };
    let parts = jfmt::parse_format(&pattern)
        .map_err(|c| vm.throw("java/util/UnknownFormatConversionException", &format!("Conversion = '{c}'")))?;
    let mut out: Vec<u16> = Vec::new();
    let mut next = 0;
    for part in parts {
        let (spec, index) = match part {
            jfmt::Part::Text(text) => {
                out.extend(text.encode_utf16());
                continue;
            }
            jfmt::Part::Conversion(spec, index) => (spec, index),
        };
        let position = match index {
            Some(i) => i.saturating_sub(1),
            None => {
                next += 1;
                next - 1
            }
        };
        let Some(&argument) = values.get(position) else {
            let text = format!("Format specifier '%{}'", spec.conversion);
            return Err(vm.throw("java/util/MissingFormatArgumentException", &text));
        };
        // A width or precision asks for that many characters: within the heap's budget.
        vm.reserve(spec.width.unwrap_or(0).saturating_add(spec.precision.unwrap_or(0)).saturating_mul(2))?;
        let body = format_one(vm, &spec, argument)?;
        let upper = matches!(spec.conversion, 'X' | 'S' | 'B' | 'E');
        let body = if upper { body.to_ascii_uppercase() } else { body };
        out.extend(jfmt::pad(body, &spec).encode_utf16());
    }
    Ok(out)
}

fn format_one(vm: &mut Vm, spec: &jfmt::Spec, argument: Ref) -> Result<String, Unwind> {
    let class = if argument == 0 { String::new() } else { String::from(vm.class_name(vm.class_of(argument))) };
    let mismatch = |vm: &mut Vm| {
        let name = class.replace('/', ".");
        vm.throw(
            "java/util/IllegalFormatConversionException",
            &format!("{} != {}", spec.conversion.to_ascii_lowercase(), name),
        )
    };
    Ok(match spec.conversion {
        's' | 'S' => {
            let text = String::from_utf16_lossy(&to_string(vm, argument)?);
            match spec.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            }
        }
        'b' | 'B' => {
            if argument == 0 {
                String::from("false")
            } else if class == "java/lang/Boolean" {
                String::from(if field(vm, argument, 0).int() != 0 { "true" } else { "false" })
            } else {
                String::from("true")
            }
        }
        'h' => {
            if argument == 0 {
                String::from("null")
            } else {
                let hash = vm.call_virtual(argument, "hashCode", "()I", &[])?.map_or(0, |v| v.int());
                format!("{:x}", hash)
            }
        }
        _ if argument == 0 => String::from("null"),
        'c' => match (class.as_str(), field(vm, argument, 0)) {
            ("java/lang/Character" | "java/lang/Byte" | "java/lang/Short" | "java/lang/Integer", Value::Int(c)) => {
                String::from_utf16_lossy(&[c as u16])
            }
            _ => return Err(mismatch(vm)),
        },
        'd' | 'x' | 'X' | 'o' => {
            let (value, bits): (i128, u32) = match (class.as_str(), field(vm, argument, 0)) {
                ("java/lang/Integer", Value::Int(v)) => (v as i128, 32),
                ("java/lang/Short", Value::Int(v)) => (v as i128, 16),
                ("java/lang/Byte", Value::Int(v)) => (v as i128, 8),
                ("java/lang/Long", Value::Long(v)) => (v as i128, 64),
                _ => return Err(mismatch(vm)),
            };
            match spec.conversion {
                'd' => jfmt::decimal(value, spec),
                'o' => format!("{:o}", (value as u128) & ((1u128 << bits) - 1)),
                _ => {
                    let hex = format!("{:x}", (value as u128) & ((1u128 << bits) - 1));
                    if spec.alternate { format!("0x{hex}") } else { hex }
                }
            }
        }
        'f' | 'e' | 'E' => {
            let value = match (class.as_str(), field(vm, argument, 0)) {
                ("java/lang/Double", Value::Double(v)) => v,
                // Java widens a float to double first (1.005f is 1.00499999523...).
                ("java/lang/Float", Value::Float(v)) => v as f64,
                _ => return Err(mismatch(vm)),
            };
            let precision = spec.precision.unwrap_or(6);
            let mut text =
                if spec.conversion == 'f' { jfmt::fixed(value, precision) } else { jfmt::scientific(value, precision) };
            if spec.comma && spec.conversion == 'f' && value.is_finite() {
                let negative = text.starts_with('-');
                let body = text.trim_start_matches('-');
                let (whole, rest) = body.split_once('.').map_or((body, None), |(w, r)| (w, Some(r)));
                let mut grouped = jfmt::group(whole);
                if let Some(rest) = rest {
                    grouped.push('.');
                    grouped.push_str(rest);
                }
                text = if negative { format!("-{grouped}") } else { grouped };
            }
            if spec.plus && !text.starts_with('-') {
                text.insert(0, '+');
            } else if spec.space && !text.starts_with('-') {
                text.insert(0, ' ');
            }
            text
        }
        _ => String::new(),
    })
}

mod boxes;
pub(crate) mod classes;
mod library;
pub(crate) mod natives;

pub(crate) use boxes::float_bits;
pub use boxes::{compare_doubles, double_bits, java_equals, java_hash};
pub use classes::{array_items, string_hash};
pub(crate) use classes::{main_thread, thread_finished};
pub use library::{initialise_library, library_class};
