//! Numbers as Java prints them: `Double.toString`/`Float.toString` (shortest digits that read
//! back to the same value; plain notation from 10^-3 to 10^7, else `d.dddE±n`) and the
//! `Formatter` conversions `%d %s %x %c %b %f %e %n` with flags and widths.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::decimal;

fn java_text(digits: &[u8], exponent: i32, negative: bool) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let digit = |i: usize| (digits.get(i).copied().unwrap_or(b'0')) as char;
    if (-2..=7).contains(&exponent) {
        // 10^-3 <= |v| < 10^7: plain, at least one digit after the point.
        if exponent <= 0 {
            out.push_str("0.");
            for _ in 0..-exponent {
                out.push('0');
            }
            for d in digits {
                out.push(*d as char);
            }
        } else {
            for i in 0..exponent as usize {
                out.push(digit(i));
            }
            out.push('.');
            if digits.len() > exponent as usize {
                for d in &digits[exponent as usize..] {
                    out.push(*d as char);
                }
            } else {
                out.push('0');
            }
        }
    } else {
        out.push(digit(0));
        out.push('.');
        if digits.len() > 1 {
            for d in &digits[1..] {
                out.push(*d as char);
            }
        } else {
            out.push('0');
        }
        out.push('E');
        out.push_str(&format!("{}", exponent - 1));
    }
    out
}

/// What Java prints for NaN, the infinities and the zeros; None for any other value.
fn special(nan: bool, infinite: bool, zero: bool, negative: bool) -> Option<String> {
    let text = match (nan, infinite, zero, negative) {
        (true, ..) => "NaN",
        (_, true, _, false) => "Infinity",
        (_, true, _, true) => "-Infinity",
        (_, _, true, false) => "0.0",
        (_, _, true, true) => "-0.0",
        _ => return None,
    };
    Some(String::from(text))
}

/// Java's text of a finite non-zero value: the shortest digits that read back (`round_trips`
/// says whether digits × 10^exponent do); where one digit would do, Java picks the closest of
/// the one- and two-digit decimals that read back (Double.MIN_VALUE is 4.9E-324, not 5.0E-324).
fn shortest_java(
    shortest: (Vec<u8>, i32),
    two_digits: (Vec<u8>, i32),
    round_trips: impl Fn(&str) -> bool,
    negative: bool,
) -> String {
    let (mut digits, mut exponent) = shortest;
    if digits.len() == 1 {
        let text = format!("0.{}e{}", core::str::from_utf8(&two_digits.0).unwrap_or("0"), two_digits.1);
        if round_trips(&text) {
            (digits, exponent) = two_digits;
        }
    }
    java_text(&digits, exponent, negative)
}

pub fn double_to_string(v: f64) -> String {
    if let Some(text) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        return text;
    }
    let a = v.abs();
    shortest_java(decimal::shortest_f64(a), decimal::rounded_f64(a, 2), |t| decimal::parse_f64(t) == Some(a), v < 0.0)
}

pub fn float_to_string(v: f32) -> String {
    if let Some(text) = special(v.is_nan(), v.is_infinite(), v == 0.0, v.is_sign_negative()) {
        return text;
    }
    let a = v.abs();
    shortest_java(decimal::shortest_f32(a), decimal::rounded_f32(a, 2), |t| decimal::parse_f32(t) == Some(a), v < 0.0)
}

/// Rounds the decimal `digits` × 10^(exponent - len) half-up so that `keep` digits remain after
/// the point (as Java's Formatter rounds the shortest decimal form): the integer and fraction
/// digits.
fn round_half_up(digits: &[u8], exponent: i32, keep: usize) -> (Vec<u8>, Vec<u8>) {
    // All digits with the point after `exponent` of them.
    let mut whole: Vec<u8> = Vec::new();
    let point: i64 = if exponent <= 0 {
        whole.extend(core::iter::repeat_n(b'0', 1 + (-exponent) as usize));
        whole.extend_from_slice(digits);
        1
    } else {
        whole.extend_from_slice(digits);
        whole.resize(whole.len().max(exponent as usize), b'0');
        exponent as i64
    };
    let end = point as usize + keep;
    let round_up = whole.get(end).is_some_and(|d| *d >= b'5');
    whole.resize(end.max(whole.len()), b'0');
    whole.truncate(end);
    if round_up && decimal::increment(&mut whole) {
        return split_at(whole, point as usize + 1);
    }
    split_at(whole, point as usize)
}

fn split_at(mut whole: Vec<u8>, point: usize) -> (Vec<u8>, Vec<u8>) {
    let fraction = whole.split_off(point.min(whole.len()));
    while whole.len() > 1 && whole[0] == b'0' {
        whole.remove(0);
    }
    if whole.is_empty() {
        whole.push(b'0');
    }
    (whole, fraction)
}

/// `%.Nf`.
pub fn fixed(v: f64, precision: usize) -> String {
    if !v.is_finite() {
        return special(v.is_nan(), true, false, v < 0.0).unwrap_or_default();
    }
    let (digits, exponent) = if v == 0.0 { (alloc::vec![b'0'], 1) } else { decimal::shortest_f64(v.abs()) };
    let (integer, fraction) = round_half_up(&digits, exponent, precision);
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    out.push_str(core::str::from_utf8(&integer).unwrap_or("0"));
    if precision > 0 {
        out.push('.');
        out.push_str(core::str::from_utf8(&fraction).unwrap_or(""));
    }
    out
}

/// `%.Ne`: d.ddddde+xx.
pub fn scientific(v: f64, precision: usize) -> String {
    if !v.is_finite() {
        return special(v.is_nan(), true, false, v < 0.0).unwrap_or_default();
    }
    let (digits, mut exponent) = if v == 0.0 { (alloc::vec![b'0'], 1) } else { decimal::shortest_f64(v.abs()) };
    // Scale to one digit before the point.
    let (mut integer, mut fraction) = round_half_up(&digits, 1, precision);
    if integer.len() > 1 {
        // 9.99 rounded up to 10.0: shift.
        fraction.insert(0, integer.pop().unwrap_or(b'0'));
        fraction.truncate(precision);
        exponent += 1;
    }
    if v == 0.0 {
        exponent = 1;
    }
    let mut out = String::new();
    if v.is_sign_negative() {
        out.push('-');
    }
    out.push_str(core::str::from_utf8(&integer).unwrap_or("0"));
    if precision > 0 {
        out.push('.');
        out.push_str(core::str::from_utf8(&fraction).unwrap_or(""));
    }
    let e = exponent - 1;
    out.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
    out
}

/// One conversion's flags and sizes.
#[derive(Default, Clone, Copy, Debug)]
pub struct Spec {
    pub left: bool,
    pub zero: bool,
    pub plus: bool,
    pub space: bool,
    pub comma: bool,
    pub alternate: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    pub conversion: char,
}

/// A part of a format string.
#[derive(Debug)]
pub enum Part {
    Text(String),
    /// A conversion taking the next argument (or the `index`-th, 1-based, with `n$`).
    Conversion(Spec, Option<usize>),
}

/// Splits a format string; Err names the bad specifier (Java's UnknownFormatConversionException).
pub fn parse_format(format: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        let mut spec = Spec::default();
        let mut number = String::new();
        let mut index = None;
        loop {
            match chars.peek().copied() {
                Some('-') if number.is_empty() => spec.left = true,
                Some('0') if number.is_empty() && !spec.zero => spec.zero = true,
                Some('+') => spec.plus = true,
                Some(' ') => spec.space = true,
                Some(',') => spec.comma = true,
                Some('#') => spec.alternate = true,
                Some(d) if d.is_ascii_digit() => number.push(d),
                Some('$') => {
                    index = number.parse().ok();
                    number.clear();
                }
                _ => break,
            }
            chars.next();
        }
        if !number.is_empty() {
            spec.width = number.parse().ok();
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            spec.precision = Some(digits.parse().map_err(|_| String::from("."))?);
        }
        let conversion = chars.next().ok_or_else(|| String::from("%"))?;
        match conversion {
            '%' => text.push('%'),
            'n' => text.push('\n'),
            'd' | 's' | 'S' | 'x' | 'X' | 'c' | 'b' | 'B' | 'f' | 'e' | 'E' | 'o' | 'h' => {
                if !text.is_empty() {
                    parts.push(Part::Text(core::mem::take(&mut text)));
                }
                spec.conversion = conversion;
                parts.push(Part::Conversion(spec, index));
            }
            other => return Err(format!("{other}")),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// Pads `body` to the spec's width (zeros after the sign with `0`).
pub fn pad(body: String, spec: &Spec) -> String {
    let width = spec.width.unwrap_or(0);
    let length = body.chars().count();
    if length >= width {
        return body;
    }
    let fill = width - length;
    if spec.left {
        let mut out = body;
        out.extend(core::iter::repeat_n(' ', fill));
        out
    } else if spec.zero {
        let (sign, digits) = if body.starts_with(['-', '+', ' ']) {
            body.split_at_checked(1).unwrap_or_default()
        } else {
            ("", body.as_str())
        };
        let mut out = String::from(sign);
        out.extend(core::iter::repeat_n('0', fill));
        out.push_str(digits);
        out
    } else {
        let mut out: String = core::iter::repeat_n(' ', fill).collect();
        out.push_str(&body);
        out
    }
}

/// Groups an unsigned run of digits in threes with commas.
pub fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `%d` of an integer with the spec's sign flags and grouping.
pub fn decimal(value: i128, spec: &Spec) -> String {
    let digits = format!("{}", value.unsigned_abs());
    let digits = if spec.comma { group(&digits) } else { digits };
    let sign = if value < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    format!("{sign}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_java_prints_them() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (100.0, "100.0"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e-5, "1.0E-5"),
            (123456789.0, "1.23456789E8"),
            (-2.5, "-2.5"),
            (-0.0, "-0.0"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE * f64::EPSILON, "4.9E-324"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, text) in cases {
            assert_eq!(double_to_string(*value), *text, "{value:e}");
        }
        assert_eq!(float_to_string(0.1), "0.1");
        assert_eq!(float_to_string(f32::MAX), "3.4028235E38");
        assert_eq!(float_to_string(1.0 / 3.0), "0.33333334");
    }

    #[test]
    fn formatter_rounds_half_up_on_the_shortest_digits() {
        assert_eq!(fixed(0.125, 2), "0.13");
        assert_eq!(fixed(2.675, 2), "2.68");
        assert_eq!(fixed(1.005, 2), "1.01");
        assert_eq!(fixed(0.15, 1), "0.2");
        assert_eq!(fixed(2.5, 0), "3");
        assert_eq!(fixed(9.999, 2), "10.00");
        assert_eq!(fixed(-1.5, 3), "-1.500");
        assert_eq!(fixed(0.0, 2), "0.00");
        assert_eq!(fixed(1234567.891, 6), "1234567.891000");
        assert_eq!(scientific(12345.678, 6), "1.234568e+04");
        assert_eq!(scientific(0.000123, 2), "1.23e-04");
        assert_eq!(scientific(9.9999999, 2), "1.00e+01");
        assert_eq!(scientific(0.0, 3), "0.000e+00");
    }

    #[test]
    fn format_strings_split_into_text_and_conversions() {
        let parts = parse_format("a%5d|%-8s|%05.1f%n%%").unwrap();
        assert_eq!(parts.len(), 7);
        assert!(parse_format("%q").is_err());
        let spec = Spec { zero: true, width: Some(6), ..Spec::default() };
        assert_eq!(pad(String::from("-42"), &spec), "-00042");
        assert_eq!(decimal(1234567, &Spec { comma: true, ..Spec::default() }), "1,234,567");
    }
}
