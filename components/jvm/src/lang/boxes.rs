//! The boxes: Integer, Long, Double, Float, Short, Byte, Character, Boolean .

use super::classes::*;
use super::*;

pub(crate) fn number_format(vm: &mut Vm, text: Option<&[u16]>, radix: i32) -> Unwind {
    let message = match text {
        None => String::from("Cannot parse null string: null"),
        Some(t) => {
            let shown = String::from_utf16_lossy(t);
            if radix == 10 {
                format!("For input string: \"{shown}\"")
            } else {
                format!("For input string: \"{shown}\" under radix {radix}")
            }
        }
    };
    vm.throw("java/lang/NumberFormatException", &message)
}

/// Integer.parseInt / Long.parseLong within [min, max].
pub(crate) fn parse_integer(vm: &mut Vm, string: Ref, radix: i32, min: i64, max: i64) -> Result<i64, Unwind> {
    let Some(text) = vm.chars(string).map(<[u16]>::to_vec) else { return Err(number_format(vm, None, radix)) };
    if !(2..=36).contains(&radix) {
        return Err(vm.throw("java/lang/NumberFormatException", &format!("radix {radix} out of range")));
    }
    let (negative, digits) = match text.first() {
        Some(&u) if u == b'-' as u16 => (true, &text[1..]),
        Some(&u) if u == b'+' as u16 => (false, &text[1..]),
        _ => (false, &text[..]),
    };
    if digits.is_empty() {
        return Err(number_format(vm, Some(&text), radix));
    }
    let mut value: i128 = 0;
    for unit in digits {
        let digit = char::from_u32(*unit as u32).and_then(|c| c.to_digit(radix as u32));
        let Some(digit) = digit else { return Err(number_format(vm, Some(&text), radix)) };
        value = value * radix as i128 + digit as i128;
        if value > max as i128 + 1 {
            return Err(number_format(vm, Some(&text), radix));
        }
    }
    let value = if negative { -value } else { value };
    if value < min as i128 || value > max as i128 {
        return Err(number_format(vm, Some(&text), radix));
    }
    Ok(value as i64)
}

pub(crate) fn parse_double(vm: &mut Vm, string: Ref) -> Result<f64, Unwind> {
    let Some(text) = vm.chars(string).map(String::from_utf16_lossy) else { return Err(vm.null_pointer()) };
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    if trimmed.is_empty() {
        return Err(vm.throw("java/lang/NumberFormatException", "empty String"));
    }
    let body = trimmed.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(trimmed);
    let (sign, magnitude) = match body.as_bytes().first() {
        Some(b'-') => (-1.0, body.get(1..).unwrap_or_default()),
        Some(b'+') => (1.0, body.get(1..).unwrap_or_default()),
        _ => (1.0, body),
    };
    let value = match magnitude {
        "Infinity" => Some(f64::INFINITY),
        "NaN" => Some(f64::NAN),
        // Decimal or hexadecimal digits; the sign was taken above ("-+1" is no number).
        m if !m.starts_with(['+', '-']) => crate::decimal::parse_f64(m),
        _ => None,
    };
    match value {
        Some(v) => Ok(sign * v),
        None => Err(vm.throw("java/lang/NumberFormatException", &format!("For input string: \"{text}\""))),
    }
}

/// Double.compare's order: -0.0 below 0.0, NaN above everything and equal to itself.
pub fn compare_doubles(a: f64, b: f64) -> i32 {
    if a < b {
        -1
    } else if a > b {
        1
    } else {
        let bits = |x: f64| if x.is_nan() { 0x7ff8_0000_0000_0000i64 } else { x.to_bits() as i64 };
        bits(a).cmp(&bits(b)) as i32
    }
}

pub fn double_bits(x: f64) -> i64 {
    if x.is_nan() { 0x7ff8_0000_0000_0000 } else { x.to_bits() as i64 }
}
pub(crate) fn float_bits(x: f32) -> i32 {
    if x.is_nan() { 0x7fc0_0000 } else { x.to_bits() as i32 }
}

pub(crate) fn boxed(vm: &Vm, this: Ref) -> Value {
    field(vm, this, 0)
}

/// `equals` of two boxes of the same class.
pub(crate) fn box_equals(vm: &Vm, a: &[Value]) -> bool {
    let (x, y) = (r(a, 0), r(a, 1));
    if y == 0 || vm.class_of(x) != vm.class_of(y) {
        return false;
    }
    match (boxed(vm, x), boxed(vm, y)) {
        (Value::Double(p), Value::Double(q)) => double_bits(p) == double_bits(q),
        (Value::Float(p), Value::Float(q)) => float_bits(p) == float_bits(q),
        (p, q) => p == q,
    }
}

macro_rules! box_common {
    ($d:literal) => {
        [
            ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(box_equals(vm, a))),
            ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
                let value = boxed(vm, r(a, 0));
                let text = text_of(vm, value, $d)?;
                ok_units(vm, text)
            }),
            ("intValue", "()I", PUBLIC, |vm, a| {
                ok_int(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v as i32,
                    Value::Float(v) => crate::vm::to_int(v as f64),
                    Value::Double(v) => crate::vm::to_int(v),
                    v => v.int(),
                })
            }),
            ("longValue", "()J", PUBLIC, |vm, a| {
                ok_long(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v,
                    Value::Float(v) => crate::vm::to_long(v as f64),
                    Value::Double(v) => crate::vm::to_long(v),
                    v => v.int() as i64,
                })
            }),
            ("doubleValue", "()D", PUBLIC, |vm, a| {
                ok_double(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v as f64,
                    Value::Float(v) => v as f64,
                    Value::Double(v) => v,
                    v => v.int() as f64,
                })
            }),
            ("floatValue", "()F", PUBLIC, |vm, a| {
                ok_float(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v as f32,
                    Value::Float(v) => v,
                    Value::Double(v) => v as f32,
                    v => v.int() as f32,
                })
            }),
            ("shortValue", "()S", PUBLIC, |vm, a| {
                ok_int(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v as i16 as i32,
                    Value::Double(v) => crate::vm::to_int(v) as i16 as i32,
                    Value::Float(v) => crate::vm::to_int(v as f64) as i16 as i32,
                    v => v.int() as i16 as i32,
                })
            }),
            ("byteValue", "()B", PUBLIC, |vm, a| {
                ok_int(match boxed(vm, r(a, 0)) {
                    Value::Long(v) => v as i8 as i32,
                    Value::Double(v) => crate::vm::to_int(v) as i8 as i32,
                    Value::Float(v) => crate::vm::to_int(v as f64) as i8 as i32,
                    v => v.int() as i8 as i32,
                })
            }),
            ("compareTo", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| {
                let other = unbox(vm, r(a, 1))?;
                ok_int(compare_values(boxed(vm, r(a, 0)), other))
            }),
        ]
    };
}

pub(crate) fn compare_values(x: Value, y: Value) -> i32 {
    match (x, y) {
        (Value::Int(p), Value::Int(q)) => p.cmp(&q) as i32,
        (Value::Long(p), Value::Long(q)) => p.cmp(&q) as i32,
        (Value::Float(p), Value::Float(q)) => compare_doubles(p as f64, q as f64),
        (Value::Double(p), Value::Double(q)) => compare_doubles(p, q),
        _ => 0,
    }
}

pub(crate) const INTEGER_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("I");
pub(crate) const LONG_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("J");
pub(crate) const DOUBLE_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("D");
pub(crate) const FLOAT_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("F");
pub(crate) const SHORT_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("S");
pub(crate) const BYTE_COMMON: [(&str, &str, u16, NativeFn); 9] = box_common!("B");

pub(crate) fn radix_text(value: u64, radix: u32) -> String {
    if value == 0 {
        return String::from("0");
    }
    let mut digits = Vec::new();
    let mut v = value;
    while v > 0 {
        digits.push(core::char::from_digit((v % radix as u64) as u32, radix).unwrap_or('?'));
        v /= radix as u64;
    }
    digits.iter().rev().collect()
}

pub(crate) fn signed_radix(value: i64, radix: i32) -> String {
    let radix = if (2..=36).contains(&radix) { radix as u32 } else { 10 };
    let text = radix_text(value.unsigned_abs(), radix);
    if value < 0 { format!("-{text}") } else { text }
}

pub(crate) const INTEGER: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "(I)V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(0, a[1])]);
        ok_void()
    }),
    ("valueOf", "(I)Ljava/lang/Integer;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'I', a[0])?)),
    ("valueOf", "(Ljava/lang/String;)Ljava/lang/Integer;", PUBLIC | STATIC, |vm, a| {
        let v = parse_integer(vm, r(a, 0), 10, i32::MIN as i64, i32::MAX as i64)?;
        ok_ref(box_value(vm, b'I', Value::Int(v as i32))?)
    }),
    ("parseInt", "(Ljava/lang/String;)I", PUBLIC | STATIC, |vm, a| {
        ok_int(parse_integer(vm, r(a, 0), 10, i32::MIN as i64, i32::MAX as i64)? as i32)
    }),
    ("parseInt", "(Ljava/lang/String;I)I", PUBLIC | STATIC, |vm, a| {
        ok_int(parse_integer(vm, r(a, 0), int(a, 1), i32::MIN as i64, i32::MAX as i64)? as i32)
    }),
    ("toString", "(I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", int(a, 0)))),
    ("toString", "(II)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        ok_str(vm, &signed_radix(int(a, 0) as i64, int(a, 1)))
    }),
    ("toBinaryString", "(I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        ok_str(vm, &format!("{:b}", int(a, 0) as u32))
    }),
    ("toHexString", "(I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{:x}", int(a, 0) as u32))),
    ("toOctalString", "(I)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{:o}", int(a, 0) as u32))),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("hashCode", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0))),
    ("compare", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).cmp(&int(a, 1)) as i32)),
    ("compareTo", "(Ljava/lang/Integer;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int(compare_values(boxed(vm, r(a, 0)), other))
    }),
    ("max", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).max(int(a, 1)))),
    ("min", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).min(int(a, 1)))),
    ("sum", "(II)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).wrapping_add(int(a, 1)))),
    ("signum", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).signum())),
    ("bitCount", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).count_ones() as i32)),
    ("reverse", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).reverse_bits())),
    ("highestOneBit", "(I)I", PUBLIC | STATIC, |_, a| {
        let v = int(a, 0) as u32;
        ok_int(if v == 0 { 0 } else { (1u32 << (31 - v.leading_zeros())) as i32 })
    }),
    ("numberOfLeadingZeros", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).leading_zeros() as i32)),
    ("numberOfTrailingZeros", "(I)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0).trailing_zeros() as i32)),
];

pub(crate) const LONG: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "(J)V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(0, a[1])]);
        ok_void()
    }),
    ("valueOf", "(J)Ljava/lang/Long;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'J', a[0])?)),
    ("valueOf", "(Ljava/lang/String;)Ljava/lang/Long;", PUBLIC | STATIC, |vm, a| {
        let v = parse_integer(vm, r(a, 0), 10, i64::MIN, i64::MAX)?;
        ok_ref(box_value(vm, b'J', Value::Long(v))?)
    }),
    ("parseLong", "(Ljava/lang/String;)J", PUBLIC | STATIC, |vm, a| {
        ok_long(parse_integer(vm, r(a, 0), 10, i64::MIN, i64::MAX)?)
    }),
    ("parseLong", "(Ljava/lang/String;I)J", PUBLIC | STATIC, |vm, a| {
        ok_long(parse_integer(vm, r(a, 0), int(a, 1), i64::MIN, i64::MAX)?)
    }),
    ("toString", "(J)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", long(a, 0)))),
    ("toString", "(JI)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &signed_radix(long(a, 0), int(a, 2)))),
    ("toBinaryString", "(J)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        ok_str(vm, &format!("{:b}", long(a, 0) as u64))
    }),
    ("toHexString", "(J)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{:x}", long(a, 0) as u64))),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let v = boxed(vm, r(a, 0)).long();
        ok_int((v ^ ((v as u64) >> 32) as i64) as i32)
    }),
    ("hashCode", "(J)I", PUBLIC | STATIC, |_, a| {
        let v = long(a, 0);
        ok_int((v ^ ((v as u64) >> 32) as i64) as i32)
    }),
    ("compare", "(JJ)I", PUBLIC | STATIC, |_, a| ok_int(long(a, 0).cmp(&long(a, 2)) as i32)),
    ("compareTo", "(Ljava/lang/Long;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int(compare_values(boxed(vm, r(a, 0)), other))
    }),
    ("max", "(JJ)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).max(long(a, 2)))),
    ("min", "(JJ)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).min(long(a, 2)))),
    ("sum", "(JJ)J", PUBLIC | STATIC, |_, a| ok_long(long(a, 0).wrapping_add(long(a, 2)))),
    ("signum", "(J)I", PUBLIC | STATIC, |_, a| ok_int(long(a, 0).signum() as i32)),
    ("bitCount", "(J)I", PUBLIC | STATIC, |_, a| ok_int(long(a, 0).count_ones() as i32)),
    ("numberOfTrailingZeros", "(J)I", PUBLIC | STATIC, |_, a| ok_int(long(a, 0).trailing_zeros() as i32)),
    ("numberOfLeadingZeros", "(J)I", PUBLIC | STATIC, |_, a| ok_int(long(a, 0).leading_zeros() as i32)),
];

pub(crate) const DOUBLE: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "(D)V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(0, a[1])]);
        ok_void()
    }),
    ("valueOf", "(D)Ljava/lang/Double;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'D', a[0])?)),
    ("valueOf", "(Ljava/lang/String;)Ljava/lang/Double;", PUBLIC | STATIC, |vm, a| {
        let v = parse_double(vm, r(a, 0))?;
        ok_ref(box_value(vm, b'D', Value::Double(v))?)
    }),
    ("parseDouble", "(Ljava/lang/String;)D", PUBLIC | STATIC, |vm, a| ok_double(parse_double(vm, r(a, 0))?)),
    ("toString", "(D)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &jfmt::double_to_string(double(a, 0)))),
    ("isNaN", "(D)Z", PUBLIC | STATIC, |_, a| ok_bool(double(a, 0).is_nan())),
    ("isNaN", "()Z", PUBLIC, |vm, a| ok_bool(boxed(vm, r(a, 0)).double().is_nan())),
    ("isInfinite", "(D)Z", PUBLIC | STATIC, |_, a| ok_bool(double(a, 0).is_infinite())),
    ("isFinite", "(D)Z", PUBLIC | STATIC, |_, a| ok_bool(double(a, 0).is_finite())),
    ("hashCode", "()I", PUBLIC, |vm, a| {
        let v = double_bits(boxed(vm, r(a, 0)).double());
        ok_int((v ^ ((v as u64) >> 32) as i64) as i32)
    }),
    ("hashCode", "(D)I", PUBLIC | STATIC, |_, a| {
        let v = double_bits(double(a, 0));
        ok_int((v ^ ((v as u64) >> 32) as i64) as i32)
    }),
    ("compare", "(DD)I", PUBLIC | STATIC, |_, a| ok_int(compare_doubles(double(a, 0), double(a, 2)))),
    ("compareTo", "(Ljava/lang/Double;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int(compare_values(boxed(vm, r(a, 0)), other))
    }),
    ("doubleToLongBits", "(D)J", PUBLIC | STATIC, |_, a| ok_long(double_bits(double(a, 0)))),
    ("doubleToRawLongBits", "(D)J", PUBLIC | STATIC, |_, a| ok_long(double(a, 0).to_bits() as i64)),
    ("longBitsToDouble", "(J)D", PUBLIC | STATIC, |_, a| ok_double(f64::from_bits(long(a, 0) as u64))),
    ("sum", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(double(a, 0) + double(a, 2))),
    ("max", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(java_max(double(a, 0), double(a, 2)))),
    ("min", "(DD)D", PUBLIC | STATIC, |_, a| ok_double(java_min(double(a, 0), double(a, 2)))),
];

pub(crate) const FLOAT: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "(F)V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(0, a[1])]);
        ok_void()
    }),
    ("valueOf", "(F)Ljava/lang/Float;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'F', a[0])?)),
    ("parseFloat", "(Ljava/lang/String;)F", PUBLIC | STATIC, |vm, a| {
        // Read as a float directly (rounded once: through a double would be twice); Infinity,
        // NaN and the errors through parseDouble. Java trims every character up to ' '.
        let text = vm.chars(r(a, 0)).map(String::from_utf16_lossy);
        let direct = text
            .as_deref()
            .map(|t| t.trim_matches(|c: char| c <= ' '))
            .and_then(|t| crate::decimal::parse_f32(t.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(t)));
        match direct {
            Some(v) => ok_float(v),
            None => ok_float(parse_double(vm, r(a, 0))? as f32),
        }
    }),
    ("toString", "(F)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &jfmt::float_to_string(float(a, 0)))),
    ("isNaN", "(F)Z", PUBLIC | STATIC, |_, a| ok_bool(float(a, 0).is_nan())),
    ("isInfinite", "(F)Z", PUBLIC | STATIC, |_, a| ok_bool(float(a, 0).is_infinite())),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(float_bits(boxed(vm, r(a, 0)).float()))),
    ("compare", "(FF)I", PUBLIC | STATIC, |_, a| ok_int(compare_doubles(float(a, 0) as f64, float(a, 1) as f64))),
    ("floatToIntBits", "(F)I", PUBLIC | STATIC, |_, a| ok_int(float_bits(float(a, 0)))),
    ("intBitsToFloat", "(I)F", PUBLIC | STATIC, |_, a| ok_float(f32::from_bits(int(a, 0) as u32))),
];

pub(crate) const SHORT: &[(&str, &str, u16, NativeFn)] = &[
    ("valueOf", "(S)Ljava/lang/Short;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'S', a[0])?)),
    ("parseShort", "(Ljava/lang/String;)S", PUBLIC | STATIC, |vm, a| {
        ok_int(parse_integer(vm, r(a, 0), 10, i16::MIN as i64, i16::MAX as i64)? as i32)
    }),
    ("toString", "(S)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", int(a, 0)))),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("compare", "(SS)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0) - int(a, 1))),
];

pub(crate) const BYTE: &[(&str, &str, u16, NativeFn)] = &[
    ("valueOf", "(B)Ljava/lang/Byte;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'B', a[0])?)),
    ("parseByte", "(Ljava/lang/String;)B", PUBLIC | STATIC, |vm, a| {
        ok_int(parse_integer(vm, r(a, 0), 10, i8::MIN as i64, i8::MAX as i64)? as i32)
    }),
    ("toString", "(B)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_str(vm, &format!("{}", int(a, 0)))),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("compare", "(BB)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0) - int(a, 1))),
];

pub(crate) fn char_of(a: &[Value], i: usize) -> Option<char> {
    char::from_u32(int(a, i) as u32 & 0xffff)
}

pub(crate) fn java_whitespace(c: u32) -> bool {
    matches!(c, 0x09..=0x0d | 0x1c..=0x20)
        || (c > 0x7f && c != 0xa0 && c != 0x2007 && c != 0x202f && char::from_u32(c).is_some_and(char::is_whitespace))
}

/// Upper case in Latin-1 (ÿ and ß have no Latin-1 upper case and stay).
pub(crate) fn latin1_upper(u: u16) -> u16 {
    match u {
        0x61..=0x7a | 0xe0..=0xf6 | 0xf8..=0xfe => u - 32,
        0xb5 => 0x39c,
        _ => u,
    }
}
pub(crate) fn latin1_lower(u: u16) -> u16 {
    match u {
        0x41..=0x5a | 0xc0..=0xd6 | 0xd8..=0xde => u + 32,
        _ => u,
    }
}

pub(crate) const CHARACTER: &[(&str, &str, u16, NativeFn)] = &[
    ("valueOf", "(C)Ljava/lang/Character;", PUBLIC | STATIC, |vm, a| ok_ref(box_value(vm, b'C', a[0])?)),
    ("charValue", "()C", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("hashCode", "(C)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0))),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(box_equals(vm, a))),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let c = boxed(vm, r(a, 0)).int() as u16;
        ok_units(vm, vec![c])
    }),
    ("toString", "(C)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| ok_units(vm, vec![int(a, 0) as u16])),
    ("compare", "(CC)I", PUBLIC | STATIC, |_, a| ok_int(int(a, 0) - int(a, 1))),
    ("compareTo", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int(boxed(vm, r(a, 0)).int() - other.int())
    }),
    ("compareTo", "(Ljava/lang/Character;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int(boxed(vm, r(a, 0)).int() - other.int())
    }),
    ("isDigit", "(C)Z", PUBLIC | STATIC, |_, a| {
        ok_bool(char_of(a, 0).is_some_and(|c| c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())))
    }),
    ("isLetter", "(C)Z", PUBLIC | STATIC, |_, a| ok_bool(char_of(a, 0).is_some_and(char::is_alphabetic))),
    ("isAlphabetic", "(I)Z", PUBLIC | STATIC, |_, a| ok_bool(char_of(a, 0).is_some_and(char::is_alphabetic))),
    ("isLetterOrDigit", "(C)Z", PUBLIC | STATIC, |_, a| ok_bool(char_of(a, 0).is_some_and(char::is_alphanumeric))),
    ("isWhitespace", "(C)Z", PUBLIC | STATIC, |_, a| ok_bool(java_whitespace(int(a, 0) as u32))),
    ("isSpaceChar", "(C)Z", PUBLIC | STATIC, |_, a| {
        ok_bool(char_of(a, 0).is_some_and(|c| c == ' ' || (!c.is_ascii() && c.is_whitespace())))
    }),
    ("isUpperCase", "(C)Z", PUBLIC | STATIC, |_, a| ok_bool(char_of(a, 0).is_some_and(char::is_uppercase))),
    ("isLowerCase", "(C)Z", PUBLIC | STATIC, |_, a| ok_bool(char_of(a, 0).is_some_and(char::is_lowercase))),
    // Case mapping of ASCII and Latin-1 (Unicode's full tables would cost the image ~20 KB).
    ("toUpperCase", "(C)C", PUBLIC | STATIC, |_, a| ok_int(latin1_upper(int(a, 0) as u16) as i32)),
    ("toLowerCase", "(C)C", PUBLIC | STATIC, |_, a| ok_int(latin1_lower(int(a, 0) as u16) as i32)),
    ("getNumericValue", "(C)I", PUBLIC | STATIC, |_, a| {
        ok_int(char_of(a, 0).and_then(|c| c.to_digit(36)).map_or(-1, |d| d as i32))
    }),
    ("digit", "(CI)I", PUBLIC | STATIC, |_, a| {
        let radix = int(a, 1);
        let digit = if (2..=36).contains(&radix) { char_of(a, 0).and_then(|c| c.to_digit(radix as u32)) } else { None };
        ok_int(digit.map_or(-1, |d| d as i32))
    }),
    ("forDigit", "(II)C", PUBLIC | STATIC, |_, a| {
        let (digit, radix) = (int(a, 0), int(a, 1));
        let c = if (2..=36).contains(&radix) && (0..radix).contains(&digit) {
            core::char::from_digit(digit as u32, radix as u32)
        } else {
            None
        };
        ok_int(c.map_or(0, |c| c as i32))
    }),
];

pub(crate) const BOOLEAN: &[(&str, &str, u16, NativeFn)] = &[
    ("valueOf", "(Z)Ljava/lang/Boolean;", PUBLIC | STATIC, |vm, a| {
        ok_ref(box_value(vm, b'Z', Value::Int((int(a, 0) != 0) as i32))?)
    }),
    ("valueOf", "(Ljava/lang/String;)Ljava/lang/Boolean;", PUBLIC | STATIC, |vm, a| {
        let truth = vm.chars(r(a, 0)).is_some_and(|u| String::from_utf16_lossy(u).eq_ignore_ascii_case("true"));
        ok_ref(box_value(vm, b'Z', Value::Int(truth as i32))?)
    }),
    ("parseBoolean", "(Ljava/lang/String;)Z", PUBLIC | STATIC, |vm, a| {
        ok_bool(vm.chars(r(a, 0)).is_some_and(|u| String::from_utf16_lossy(u).eq_ignore_ascii_case("true")))
    }),
    ("booleanValue", "()Z", PUBLIC, |vm, a| ok_int(boxed(vm, r(a, 0)).int())),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| {
        let truth = boxed(vm, r(a, 0)).int() != 0;
        ok_str(vm, if truth { "true" } else { "false" })
    }),
    ("toString", "(Z)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        ok_str(vm, if int(a, 0) != 0 { "true" } else { "false" })
    }),
    ("hashCode", "()I", PUBLIC, |vm, a| ok_int(if boxed(vm, r(a, 0)).int() != 0 { 1231 } else { 1237 })),
    ("hashCode", "(Z)I", PUBLIC | STATIC, |_, a| ok_int(if int(a, 0) != 0 { 1231 } else { 1237 })),
    ("equals", "(Ljava/lang/Object;)Z", PUBLIC, |vm, a| ok_bool(box_equals(vm, a))),
    ("compare", "(ZZ)I", PUBLIC | STATIC, |_, a| ok_int((int(a, 0) != 0) as i32 - (int(a, 1) != 0) as i32)),
    ("compareTo", "(Ljava/lang/Object;)I", PUBLIC, |vm, a| {
        let other = unbox(vm, r(a, 1))?;
        ok_int((boxed(vm, r(a, 0)).int() != 0) as i32 - (other.int() != 0) as i32)
    }),
    ("logicalAnd", "(ZZ)Z", PUBLIC | STATIC, |_, a| ok_bool(int(a, 0) != 0 && int(a, 1) != 0)),
    ("logicalOr", "(ZZ)Z", PUBLIC | STATIC, |_, a| ok_bool(int(a, 0) != 0 || int(a, 1) != 0)),
    ("logicalXor", "(ZZ)Z", PUBLIC | STATIC, |_, a| ok_bool((int(a, 0) != 0) != (int(a, 1) != 0))),
];

// ---- Enum -----------------------------------------------------------------------------------

pub(crate) fn enum_value_of(vm: &mut Vm, mirror: Ref, name: Ref) -> Outcome {
    if name == 0 {
        return Err(vm.throw("java/lang/NullPointerException", "Name is null"));
    }
    let class = class_of_mirror(vm, mirror);
    let wanted = units(vm, name)?;
    let class_name = String::from(vm.class_name(class));
    let descriptor = format!("()[L{class_name};");
    let values = vm.resolve_method(class, "values", &descriptor).map_err(|e| vm.link_error(e))?;
    let array = vm.invoke(values, &[])?.map_or(0, |v| v.reference());
    vm.pins.push(array);
    for constant in array_items(vm, array) {
        let constant_name = field(vm, constant, 0).reference();
        if vm.chars(constant_name) == Some(&wanted[..]) {
            return ok_ref(constant);
        }
    }
    let shown =
        format!("No enum constant {}.{}", class_name.replace(['/', '$'], "."), String::from_utf16_lossy(&wanted));
    Err(vm.throw("java/lang/IllegalArgumentException", &shown))
}

pub(crate) const ENUM: &[(&str, &str, u16, NativeFn)] = &[
    ("<init>", "(Ljava/lang/String;I)V", PUBLIC, |vm, a| {
        set_fields(vm, r(a, 0), &[(0, a[1]), (1, a[2])]);
        ok_void()
    }),
    ("name", "()Ljava/lang/String;", PUBLIC | FINAL, |vm, a| Ok(Some(field(vm, r(a, 0), 0)))),
    ("toString", "()Ljava/lang/String;", PUBLIC, |vm, a| Ok(Some(field(vm, r(a, 0), 0)))),
    ("ordinal", "()I", PUBLIC | FINAL, |vm, a| Ok(Some(field(vm, r(a, 0), 1)))),
    ("compareTo", "(Ljava/lang/Enum;)I", PUBLIC | FINAL, |vm, a| {
        ok_int(field(vm, r(a, 0), 1).int() - field(vm, r(a, 1), 1).int())
    }),
    ("compareTo", "(Ljava/lang/Object;)I", PUBLIC | FINAL, |vm, a| {
        ok_int(field(vm, r(a, 0), 1).int() - field(vm, r(a, 1), 1).int())
    }),
    ("getDeclaringClass", "()Ljava/lang/Class;", PUBLIC | FINAL, |vm, a| {
        let mut class = vm.class_of(r(a, 0));
        // A constant with a body is a subclass of its enum.
        if let Some(parent) = vm.classes[class as usize].super_class
            && vm.class_name(parent) != "java/lang/Enum"
        {
            class = parent;
        }
        ok_ref(vm.mirror(class)?)
    }),
    ("valueOf", "(Ljava/lang/Class;Ljava/lang/String;)Ljava/lang/Enum;", PUBLIC | STATIC, |vm, a| {
        enum_value_of(vm, r(a, 0), r(a, 1))
    }),
];

// ---- Objects --------------------------------------------------------------------------------

pub fn java_equals(vm: &mut Vm, x: Ref, y: Ref) -> Result<bool, Unwind> {
    if x == y {
        return Ok(true);
    }
    if x == 0 || y == 0 {
        return Ok(false);
    }
    if let (Some(p), Some(q)) = (vm.chars(x), vm.chars(y))
        && vm.class_of(x) == vm.known.string
        && vm.class_of(y) == vm.known.string
    {
        return Ok(p == q);
    }
    Ok(vm.call_virtual(x, "equals", "(Ljava/lang/Object;)Z", &[Value::Ref(y)])?.is_some_and(|v| v.int() != 0))
}

pub fn java_hash(vm: &mut Vm, x: Ref) -> Result<i32, Unwind> {
    if x == 0 {
        return Ok(0);
    }
    if vm.class_of(x) == vm.known.string {
        return Ok(vm.chars(x).map_or(0, string_hash));
    }
    Ok(vm.call_virtual(x, "hashCode", "()I", &[])?.map_or(0, |v| v.int()))
}

pub(crate) const OBJECTS: &[(&str, &str, u16, NativeFn)] = &[
    ("equals", "(Ljava/lang/Object;Ljava/lang/Object;)Z", PUBLIC | STATIC, |vm, a| {
        ok_bool(java_equals(vm, r(a, 0), r(a, 1))?)
    }),
    ("hashCode", "(Ljava/lang/Object;)I", PUBLIC | STATIC, |vm, a| ok_int(java_hash(vm, r(a, 0))?)),
    ("hash", "([Ljava/lang/Object;)I", PUBLIC | STATIC, |vm, a| {
        let mut hash = 1i32;
        for item in array_items(vm, r(a, 0)) {
            hash = hash.wrapping_mul(31).wrapping_add(java_hash(vm, item)?);
        }
        ok_int(hash)
    }),
    ("toString", "(Ljava/lang/Object;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        let text = to_string(vm, r(a, 0))?;
        ok_units(vm, text)
    }),
    ("toString", "(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/String;", PUBLIC | STATIC, |vm, a| {
        if r(a, 0) == 0 {
            return ok_ref(r(a, 1));
        }
        let text = to_string(vm, r(a, 0))?;
        ok_units(vm, text)
    }),
    ("isNull", "(Ljava/lang/Object;)Z", PUBLIC | STATIC, |_, a| ok_bool(r(a, 0) == 0)),
    ("nonNull", "(Ljava/lang/Object;)Z", PUBLIC | STATIC, |_, a| ok_bool(r(a, 0) != 0)),
    ("requireNonNull", "(Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        if r(a, 0) == 0 {
            return Err(vm.null_pointer());
        }
        ok_ref(r(a, 0))
    }),
    ("requireNonNull", "(Ljava/lang/Object;Ljava/lang/String;)Ljava/lang/Object;", PUBLIC | STATIC, |vm, a| {
        if r(a, 0) == 0 {
            let message = vm.rust_string(r(a, 1));
            return Err(vm.throw("java/lang/NullPointerException", &message));
        }
        ok_ref(r(a, 0))
    }),
    ("requireNonNullElse", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", PUBLIC | STATIC, |_, a| {
        ok_ref(if r(a, 0) != 0 { r(a, 0) } else { r(a, 1) })
    }),
];
