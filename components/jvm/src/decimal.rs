//! Decimal text and binary floating point, both ways, exactly, with one small big-integer type:
//!
//! - text to the nearest `double` or `float` (ties to even), as `Double.parseDouble` and
//!   `Float.parseFloat` read their digits: the value is a fraction of two big integers, divided
//!   to one bit more than the mantissa holds, and the remainder decides the rounding;
//! - a value to its shortest digits that read back (the closest of them to the value, ties to
//!   even), as `Double.toString` needs, and to N significant digits (ties to even).
//!
//! core does the same (`str::parse`, `{:e}`, `{:.Ne}`) with tables of powers and fast paths
//! (Eisel-Lemire, Grisu) that cost the java image 30 KB; this is slower (microseconds for
//! typical values) and 25 KB smaller. The tests hold it to core's answers.
//!
//! Text accepted: an optional sign, digits with at most one point (at least one digit in all),
//! and an optional exponent `e`/`E` with an optional sign and at least one digit; or Java's
//! hexadecimal form, `0x` hex digits (one point at most) `p` and a power of two. Nothing else:
//! no white space, suffixes, `Infinity` or `NaN` (the callers handle Java's spellings).

use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// The nearest `double` to `text`, or None if it is not a decimal number.
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, value) = parse(text, &DOUBLE)?;
    let v = f64::from_bits(value);
    Some(if negative { -v } else { v })
}

/// The nearest `float` to `text` (rounded once, from the decimal), or None.
pub fn parse_f32(text: &str) -> Option<f32> {
    let (negative, value) = parse(text, &FLOAT)?;
    let v = f32::from_bits(value as u32);
    Some(if negative { -v } else { v })
}

/// The shortest decimal digits (ASCII) that read back to `v` (finite, positive: zero is "0"; the
/// infinities and NaN give digits of no meaning, without a panic), the closest
/// to `v` of those (ties to even), and the exponent: v ≈ 0.d1d2d3... × 10^exponent. As core's
/// `{:e}`, but for ties (core goes up).
pub fn shortest_f64(v: f64) -> (Vec<u8>, i32) {
    let (m, e, lower_closer) = decompose(v.to_bits(), &DOUBLE);
    shortest(m, e, lower_closer)
}

pub fn shortest_f32(v: f32) -> (Vec<u8>, i32) {
    let (m, e, lower_closer) = decompose(v.to_bits() as u64, &FLOAT);
    shortest(m, e, lower_closer)
}

/// `v` (finite, positive) rounded to `count` significant digits (ties to even), trailing zeros
/// dropped: (digits, exponent) as `shortest_f64`'s. As core's `{:.Ne}` with N = count - 1.
pub fn rounded_f64(v: f64, count: usize) -> (Vec<u8>, i32) {
    let (m, e, _) = decompose(v.to_bits(), &DOUBLE);
    rounded(m, e, count)
}

pub fn rounded_f32(v: f32, count: usize) -> (Vec<u8>, i32) {
    let (m, e, _) = decompose(v.to_bits() as u64, &FLOAT);
    rounded(m, e, count)
}

/// value = m × 2^e, and whether the gap to the next value down is half the gap up (a power
/// of two above the smallest normal).
fn decompose(bits: u64, format: &Format) -> (u64, i64, bool) {
    let fraction_bits = format.bits - 1;
    let fraction = bits & ((1u64 << fraction_bits) - 1);
    let biased = ((bits >> fraction_bits) & format.exponent_mask) as i64;
    if biased == 0 {
        (fraction, format.min_exponent, false)
    } else {
        (fraction | (1u64 << fraction_bits), biased - 1 + format.min_exponent, fraction == 0 && biased > 1)
    }
}

/// The exact value m × 2^e as an integer times 10^scale.
fn exact(m: u64, e: i64) -> (Big, i64) {
    let mut big = Big::from_u64(m);
    if e >= 0 {
        big.shift_left(e as u32);
        (big, 0)
    } else {
        big.mul_pow5((-e) as u32);
        (big, e)
    }
}

/// Digits without trailing zeros, and 0.digits × 10^exponent.
fn normalised(mut digits: Vec<u8>, scale: i64) -> (Vec<u8>, i32) {
    let exponent = digits.len() as i64 + scale;
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exponent as i32)
}

fn rounded(m: u64, e: i64, count: usize) -> (Vec<u8>, i32) {
    if m == 0 {
        return (vec![b'0'], 1);
    }
    let (value, scale) = exact(m, e);
    let mut digits = value.to_digits();
    let count = count.max(1);
    let mut scale = scale;
    if digits.len() > count {
        let first = digits[count];
        let rest_zero = digits[count + 1..].iter().all(|d| *d == b'0');
        let up = first > b'5' || (first == b'5' && (!rest_zero || (digits[count - 1] - b'0') % 2 == 1));
        scale += (digits.len() - count) as i64;
        digits.truncate(count);
        if up && increment(&mut digits) {
            digits.pop();
            scale += 1;
        }
    }
    normalised(digits, scale)
}

/// Adds one to the decimal number `digits` (ASCII, most significant first); a carry out of the
/// first digit puts a new 1 in front (the answer is then true).
pub(crate) fn increment(digits: &mut Vec<u8>) -> bool {
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return false;
        }
    }
    digits.insert(0, b'1');
    true
}

/// The shortest decimal in the rounding interval of m × 2^e (its ends belong to it when m is
/// even: a halfway text reads back as the even neighbour), the closest to the value of those.
fn shortest(m: u64, e: i64, lower_closer: bool) -> (Vec<u8>, i32) {
    if m == 0 {
        return (vec![b'0'], 1);
    }
    // In units of 2^(e-2): the value, and the interval's ends halfway to the neighbours.
    let at = |x: u64| exact(x, e - 2);
    let (value, scale) = at(4 * m);
    let (high, _) = at(4 * m + 2);
    let (low, _) = at(4 * m - if lower_closer { 1 } else { 2 });
    let inclusive = m.is_multiple_of(2);
    // Whether some multiple of 10^k lies in the interval, given low and high divided by 10^k
    // and whether those divisions were exact.
    let fits = |low: &Big, low_exact: bool, high: &Big, high_exact: bool| {
        let mut smallest = low.clone();
        let lift = u32::from(!low_exact || !inclusive) + u32::from(high_exact && !inclusive);
        smallest.mul_add(1, lift);
        smallest.cmp(high) != Ordering::Greater
    };
    // Start below the interval's width (a multiple of 10^k surely fits), then go up.
    let mut width = high.clone();
    width.subtract(&low);
    let mut k = ((width.bit_length().saturating_sub(1)) as u64 * 30_103 / 100_000).saturating_sub(1) as u32;
    let (mut low_k, mut high_k) = (low.clone(), high.clone());
    let mut low_exact = low_k.div_pow10(k);
    let mut high_exact = high_k.div_pow10(k);
    loop {
        let (mut next_low, mut next_high) = (low_k.clone(), high_k.clone());
        let next_low_exact = low_exact & (next_low.div_small(10) == 0);
        let next_high_exact = high_exact & (next_high.div_small(10) == 0);
        if !fits(&next_low, next_low_exact, &next_high, next_high_exact) {
            break;
        }
        (low_k, high_k, low_exact, high_exact) = (next_low, next_high, next_low_exact, next_high_exact);
        k += 1;
    }
    // The multiple of 10^k nearest the value, kept inside the interval. A tie goes to the even
    // digit, as Java's Double.toString does (core's `{:e}` goes up: 2^-25 is
    // 2.9802322387695312E-8 in Java, 2.9802322387695313e-8 in Rust).
    let mut nearest = value;
    nearest.shift_left(1);
    let exact = nearest.div_pow10(k);
    let half_or_more = nearest.div_small(2) == 1;
    let odd = nearest.0.first().is_some_and(|limb| limb & 1 == 1);
    if half_or_more && (!exact || odd) {
        nearest.mul_add(1, 1);
    }
    let mut smallest = low_k;
    smallest.mul_add(1, u32::from(!low_exact || !inclusive));
    let mut largest = high_k;
    if high_exact && !inclusive {
        largest.subtract(&Big::one());
    }
    if nearest.cmp(&smallest) == Ordering::Less {
        nearest = smallest;
    } else if nearest.cmp(&largest) == Ordering::Greater {
        nearest = largest;
    }
    normalised(nearest.to_digits(), scale + k as i64)
}

/// A binary floating-point format: `bits` of significand (the hidden one included), the
/// smallest exponent of the significand's last bit (subnormals), and the largest.
struct Format {
    bits: u32,
    /// The biased exponent's field, shifted down.
    exponent_mask: u64,
    min_exponent: i64,
    max_exponent: i64,
    /// Decimal exponents (of the leading digit) beyond which the value is surely infinite or
    /// rounds to zero, to keep the big integers small.
    max_decimal: i64,
    min_decimal: i64,
}

const DOUBLE: Format = Format {
    bits: 53,
    exponent_mask: 0x7ff,
    min_exponent: -1074,
    max_exponent: 971,
    max_decimal: 310,
    min_decimal: -326,
};
const FLOAT: Format =
    Format { bits: 24, exponent_mask: 0xff, min_exponent: -149, max_exponent: 104, max_decimal: 40, min_decimal: -47 };

/// Significant digits kept; later ones only count as "something more" (sticky). Halfway points
/// between neighbouring doubles have at most 767 significant digits, so this loses nothing.
const MAX_DIGITS: usize = 800;

/// (negative, the value's bits in `format`'s encoding).
fn parse(text: &str, format: &Format) -> Option<(bool, u64)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let negative = sign(bytes, &mut at) < 0;
    if matches!(bytes.get(at..at + 2), Some(b"0x" | b"0X")) {
        return Some((negative, parse_hex(&bytes[at + 2..], format)?));
    }
    // Digits: the significant ones (leading zeros skipped), and the decimal exponent they need.
    let mut digits: Vec<u8> = Vec::new();
    let mut exponent: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut sticky = false;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                if seen_point {
                    exponent -= 1;
                }
                if digits.is_empty() && b == b'0' {
                    // A leading zero: no significance.
                } else if digits.len() < MAX_DIGITS {
                    digits.push(b - b'0');
                } else {
                    exponent += 1;
                    sticky |= b != b'0';
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        at += 1;
    }
    if !seen_digit {
        return None;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        exponent += written_exponent(bytes, &mut at)?;
    }
    if at != bytes.len() {
        return None;
    }
    if sticky {
        // Dropped digits that were not all zero: one more digit, below any halfway point.
        digits.push(1);
        exponent -= 1;
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    if digits.is_empty() {
        return Some((negative, 0));
    }
    let leading = exponent + digits.len() as i64;
    if leading > format.max_decimal {
        return Some((negative, infinity_bits(format)));
    }
    if leading < format.min_decimal {
        return Some((negative, 0));
    }
    Some((negative, nearest_decimal(&digits, exponent, format)))
}

/// Java's hexadecimal form after `0x`: hex digits with at most one point (at least one digit),
/// then `p` or `P`, an optional sign and decimal digits (the power of two). Exact, then rounded
/// once to the format.
fn parse_hex(bytes: &[u8], format: &Format) -> Option<u64> {
    let mut mantissa = Big(Vec::new());
    let mut power: i64 = 0;
    let (mut at, mut seen_digit, mut seen_point) = (0, false, false);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'.' if !seen_point => seen_point = true,
            _ => {
                let Some(value) = (b as char).to_digit(16) else { break };
                seen_digit = true;
                if mantissa.bit_length() < 1200 {
                    mantissa.mul_add(16, value);
                    if seen_point {
                        power -= 4;
                    }
                } else {
                    // Beyond any rounding's reach: only whether it is non-zero counts.
                    if !seen_point {
                        power += 4;
                    }
                    if value != 0 && mantissa.0.first().is_some_and(|limb| limb & 1 == 0) {
                        mantissa.mul_add(1, 1);
                    }
                }
            }
        }
        at += 1;
    }
    if !seen_digit || !matches!(bytes.get(at), Some(b'p' | b'P')) {
        return None;
    }
    at += 1;
    let power = power + written_exponent(bytes, &mut at)?;
    if at != bytes.len() {
        return None;
    }
    if mantissa.is_zero() {
        return Some(0);
    }
    let top = power + mantissa.bit_length() as i64;
    if top > format.max_exponent + format.bits as i64 + 1 {
        return Some(infinity_bits(format));
    }
    if top < format.min_exponent - 2 {
        return Some(0);
    }
    let mut denominator = Big::one();
    if power >= 0 {
        mantissa.shift_left(power as u32);
    } else {
        denominator.shift_left((-power) as u32);
    }
    Some(nearest(&mantissa, &denominator, format))
}

/// An optional sign at `*at` (moved past it): -1 or 1.
fn sign(bytes: &[u8], at: &mut usize) -> i64 {
    match bytes.get(*at) {
        Some(b'-') => {
            *at += 1;
            -1
        }
        Some(b'+') => {
            *at += 1;
            1
        }
        _ => 1,
    }
}

/// An exponent's optional sign and decimal digits (at least one) at `*at`, moved past them;
/// clamped to ±2^40, far beyond any value's reach but not beyond i64's with digits added.
fn written_exponent(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let sign = sign(bytes, at);
    let start = *at;
    let mut written: i64 = 0;
    while let Some(&b) = bytes.get(*at).filter(|b| b.is_ascii_digit()) {
        written = (written * 10 + (b - b'0') as i64).min(1 << 40);
        *at += 1;
    }
    (*at > start).then_some(sign * written)
}

fn infinity_bits(format: &Format) -> u64 {
    format.exponent_mask << (format.bits - 1)
}

/// The encoding of the value nearest to digits × 10^exponent (digits non-empty, no leading or
/// trailing zero, exponent within the format's reach).
fn nearest_decimal(digits: &[u8], exponent: i64, format: &Format) -> u64 {
    let mut numerator = Big::from_digits(digits);
    let mut denominator = Big::one();
    if exponent >= 0 {
        numerator.mul_pow10(exponent as u32);
    } else {
        denominator.mul_pow10((-exponent) as u32);
    }
    nearest(&numerator, &denominator, format)
}

/// The encoding of the value nearest to numerator / denominator (both non-zero).
fn nearest(numerator: &Big, denominator: &Big, format: &Format) -> u64 {
    let bits = format.bits as i64;
    // value = q × 2^e with q of `bits` bits: estimate e, then correct it by one if needed.
    let mut e = (numerator.bit_length() as i64 - denominator.bit_length() as i64 - bits).max(format.min_exponent);
    let (mut q, half) = loop {
        let (q, half) = divide(numerator, denominator, e, format.bits + 1);
        if q >> bits != 0 {
            e += 1;
            continue;
        }
        if q >> (bits - 1) == 0 && e > format.min_exponent {
            e -= 1;
            continue;
        }
        break (q, half);
    };
    // Ties to even.
    if half == Ordering::Greater || (half == Ordering::Equal && q & 1 == 1) {
        q += 1;
        if q >> bits != 0 {
            q >>= 1;
            e += 1;
        }
    }
    if e > format.max_exponent {
        return infinity_bits(format);
    }
    let hidden = 1u64 << (bits - 1);
    if q < hidden {
        // Subnormal (e is the minimum): the biased exponent is 0.
        q
    } else {
        let biased = (e - format.min_exponent + 1) as u64;
        (biased << (bits - 1)) | (q - hidden)
    }
}

/// floor(numerator / (denominator × 2^e)), at most `width` bits, and how the remainder compares
/// with half the divisor.
fn divide(numerator: &Big, denominator: &Big, e: i64, width: u32) -> (u64, Ordering) {
    let mut remainder = numerator.clone();
    let mut divisor = denominator.clone();
    if e >= 0 {
        divisor.shift_left(e as u32);
    } else {
        remainder.shift_left((-e) as u32);
    }
    // Restoring division with the remainder doubled instead of the divisor halved: the
    // divisor is compared at 2^(width-1) times its value. The caller's e keeps the quotient
    // below 2^width.
    divisor.shift_left(width - 1);
    let mut q: u64 = 0;
    for _ in 0..width {
        q <<= 1;
        if remainder.cmp(&divisor) != Ordering::Less {
            remainder.subtract(&divisor);
            q |= 1;
        }
        remainder.shift_left(1);
    }
    // Now remainder = (true remainder) × 2^width, and half the divisor × 2^width is `divisor`.
    (q, remainder.cmp(&divisor))
}

/// An unsigned big integer, 32-bit limbs, least significant first, no high zero limbs.
#[derive(Clone, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn one() -> Big {
        Big(vec![1])
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut big = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let mut value = 0u32;
            for d in chunk {
                value = value * 10 + *d as u32;
            }
            big.mul_add(10u32.pow(chunk.len() as u32), value);
        }
        big
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn mul_add(&mut self, factor: u32, addend: u32) {
        let mut carry = addend as u64;
        for limb in self.0.iter_mut() {
            let product = *limb as u64 * factor as u64 + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut power: u32) {
        while power >= 9 {
            self.mul_add(1_000_000_000, 0);
            power -= 9;
        }
        self.mul_add(10u32.pow(power), 0);
    }

    fn bit_length(&self) -> u32 {
        match self.0.last() {
            Some(top) => 32 * (self.0.len() as u32 - 1) + (32 - top.leading_zeros()),
            None => 0,
        }
    }

    fn shift_left(&mut self, bits: u32) {
        if self.is_zero() {
            return;
        }
        let (limbs, bits) = ((bits / 32) as usize, bits % 32);
        if bits != 0 {
            let mut carry = 0u32;
            for limb in self.0.iter_mut() {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if limbs != 0 {
            self.0.splice(0..0, core::iter::repeat_n(0, limbs));
        }
    }

    fn from_u64(value: u64) -> Big {
        let mut big = Big(vec![value as u32, (value >> 32) as u32]);
        big.trim();
        big
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn mul_pow5(&mut self, mut power: u32) {
        while power >= 13 {
            self.mul_add(1_220_703_125, 0);
            power -= 13;
        }
        self.mul_add(5u32.pow(power), 0);
    }

    /// self /= divisor; returns the remainder.
    fn div_small(&mut self, divisor: u32) -> u32 {
        let mut remainder = 0u64;
        for limb in self.0.iter_mut().rev() {
            let current = (remainder << 32) | *limb as u64;
            *limb = (current / divisor as u64) as u32;
            remainder = current % divisor as u64;
        }
        self.trim();
        remainder as u32
    }

    /// self /= 10^power; returns whether the division was exact.
    fn div_pow10(&mut self, mut power: u32) -> bool {
        let mut exact = true;
        while power > 0 {
            let step = power.min(9);
            exact &= self.div_small(10u32.pow(step)) == 0;
            power -= step;
        }
        exact
    }

    /// The decimal digits (ASCII), most significant first; "0" for zero.
    fn to_digits(&self) -> Vec<u8> {
        let mut rest = self.clone();
        let mut digits = Vec::new();
        loop {
            let mut chunk = rest.div_small(1_000_000_000);
            let last = rest.is_zero();
            for _ in 0..9 {
                digits.push(b'0' + (chunk % 10) as u8);
                chunk /= 10;
                if last && chunk == 0 {
                    break;
                }
            }
            if last {
                break;
            }
        }
        digits.reverse();
        digits
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }

    /// self -= other (other <= self).
    fn subtract(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let difference = *limb as i64 - *other.0.get(i).unwrap_or(&0) as i64 - borrow;
            *limb = difference as u32;
            borrow = (difference < 0) as i64;
        }
        self.trim();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::String;
    use proptest::prelude::*;

    fn both(text: &str) {
        let core64 = text.parse::<f64>().ok();
        let core32 = text.parse::<f32>().ok();
        assert_eq!(parse_f64(text).map(f64::to_bits), core64.map(f64::to_bits), "{text} as double");
        assert_eq!(parse_f32(text).map(f32::to_bits), core32.map(f32::to_bits), "{text} as float");
    }

    #[test]
    fn edges() {
        for text in [
            "0",
            "0.0",
            "-0",
            "+0",
            "1",
            "1.",
            ".5",
            "-2.5e-3",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e309",
            "2e-323",
            "4.9e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2.47e-324",
            "1e-400",
            "9007199254740993",
            "9007199254740992.5",
            "3.4028235e38",
            "3.4028236e38",
            "3.5e38",
            "1.4e-45",
            "7.006492321624085e-46",
            "7e-46",
            "1.17549435e-38",
            "0.1",
            "0.3",
            "123456789012345678901234567890",
            "1e22",
            "1e23",
            "8.98846567431158e307",
            "2.2250738585072011e-308",
            "2.2250738585072012e-308",
            "0.000000000000000000000000000001e30",
            "1e+5",
            "1E5",
            "00001.5000",
            "1e0000000000000000000000000000000005",
        ] {
            both(text);
        }
        // A number longer than MAX_DIGITS, exactly halfway between two doubles except for its
        // last digit: the dropped digits decide the rounding.
        let mut long = String::from("9007199254740993");
        long.push_str(&"0".repeat(900));
        both(&long);
        long.push('1');
        both(&long);
        for bad in [
            "",
            "-",
            "+",
            ".",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "1x",
            " 1",
            "1 ",
            "--1",
            "+-1",
            "inf",
            "NaN",
            "0x10",
            "0xp1",
            "0x1p",
            "0x1.2.3p0",
        ] {
            assert_eq!(parse_f64(bad), None, "{bad:?}");
            assert_eq!(parse_f32(bad), None, "{bad:?}");
        }
        assert_eq!(parse_f64("1e99999999999999999999"), Some(f64::INFINITY));
        // Hexadecimal, as Java reads it: exact, then rounded once.
        assert_eq!(parse_f64("0x1p3"), Some(8.0));
        assert_eq!(parse_f64("-0X1.8P-1"), Some(-0.75));
        assert_eq!(parse_f64("0x.1p4"), Some(1.0));
        assert_eq!(parse_f64("0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(parse_f64("0x1.fffffffffffff8p1023"), Some(f64::INFINITY));
        assert_eq!(parse_f64("0x1p-1074"), Some(5e-324));
        assert_eq!(parse_f64("0x1p-1075"), Some(0.0), "halfway to the smallest: even, zero");
        assert_eq!(parse_f64("0x1.8p-1074"), Some(1e-323), "halfway between 1 and 2 units: even, 2");
        assert_eq!(parse_f64("0x1.00000000000008p0"), Some(1.0), "a tie to even");
        assert_eq!(parse_f64("0x1.000000000000080000000000000000000001p0"), Some(1.0 + f64::EPSILON));
        assert_eq!(parse_f32("0x1.000001p0"), Some(1.0));
        assert_eq!(parse_f32("0x1.000003p0"), Some(1.0 + 2.0 * f32::EPSILON));
        assert_eq!(parse_f64("0x0p99999999"), Some(0.0));
        assert_eq!(parse_f64("0x1p99999999"), Some(f64::INFINITY));
        // Digits that move the power of two further than the written exponent could alone.
        let tiny = format!("0x0.{}1p1048580", "0".repeat(262_144));
        assert_eq!(parse_f64(&tiny), Some(1.0));
        let huge = format!("0x1{}p-1200000", "0".repeat(300_000));
        assert_eq!(parse_f64(&huge), Some(1.0));
        assert_eq!(shortest_f64(0.0), (alloc::vec![b'0'], 1));
        assert_eq!(parse_f64("-1e-99999999999999999999").map(f64::to_bits), Some((-0.0f64).to_bits()));
    }

    /// core's `{:e}` text as (digits, exponent), the form the formatting functions answer in.
    fn core_digits(text: &str) -> (Vec<u8>, i32) {
        let (mantissa, exponent) = text.split_once('e').unwrap();
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.len() > 1 && digits.last() == Some(&b'0') {
            digits.pop();
        }
        (digits, exponent.parse::<i32>().unwrap() + 1)
    }

    /// Ours is core's, or (a tie) ours ends in an even digit, core's in the next one up, and the
    /// value is exactly halfway: our digits and a 5.
    fn check_shortest(ours: (Vec<u8>, i32), core: (Vec<u8>, i32), exact: (Vec<u8>, i32), v: impl core::fmt::Debug) {
        if ours == core {
            return;
        }
        let mut halfway = ours.0.clone();
        halfway.push(b'5');
        let last = *ours.0.last().unwrap();
        let mut up = ours.0.clone();
        *up.last_mut().unwrap() += 1;
        assert!(
            (last - b'0').is_multiple_of(2) && exact == (halfway, ours.1) && core == (up, ours.1),
            "shortest of {v:?}: ours {ours:?}, core {core:?}"
        );
    }

    fn check_double(v: f64) {
        let v = v.abs();
        if v == 0.0 || !v.is_finite() {
            return;
        }
        check_shortest(shortest_f64(v), core_digits(&format!("{v:e}")), rounded_f64(v, 800), v);
        for count in [1usize, 2, 3, 17, 25] {
            let precision = count - 1;
            assert_eq!(rounded_f64(v, count), core_digits(&format!("{v:.precision$e}")), "{v:e} to {count}");
        }
    }

    fn check_float(v: f32) {
        let v = v.abs();
        if v == 0.0 || !v.is_finite() {
            return;
        }
        check_shortest(shortest_f32(v), core_digits(&format!("{v:e}")), rounded_f32(v, 800), v);
        for count in [1usize, 2, 9] {
            let precision = count - 1;
            assert_eq!(rounded_f32(v, count), core_digits(&format!("{v:.precision$e}")), "{v:e} to {count}");
        }
    }

    #[test]
    fn formatting_edges() {
        for v in [
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
            1e-323,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            1.0,
            0.1,
            0.3,
            2.5,
            1e23,
            9.5e21,
            123456.789,
            1e7,
            1e-3,
            0.001,
            4.35,
            2f64.powi(-1022),
            2f64.powi(60),
            2f64.powi(-60),
            9007199254740993.0,
        ] {
            check_double(v);
        }
        for v in [f32::MIN_POSITIVE, f32::MAX, 1e-45, 0.1, 1.0, 3.4e38, 16777216.0, 2f32.powi(-126), 2f32.powi(100)] {
            check_float(v);
        }
        // Powers of two: the interval below is half the one above.
        for exponent in -1074..1024 {
            check_double(2f64.powi(exponent));
        }
        for exponent in -149..128 {
            check_float(2f32.powi(exponent));
        }
    }

    proptest! {
        #[test]
        fn formatting_doubles(bits in any::<u64>()) {
            check_double(f64::from_bits(bits));
        }

        #[test]
        fn formatting_floats(bits in any::<u32>()) {
            check_float(f32::from_bits(bits));
        }

        /// Short decimals (where a shorter neighbour or a tie is likely) format as core's.
        #[test]
        fn formatting_short_decimals(digits in 1u64..100_000, exponent in -330i32..310) {
            if let Ok(v) = format!("{digits}e{exponent}").parse::<f64>() {
                check_double(v);
            }
            if let Ok(v) = format!("{digits}e{}", exponent / 8).parse::<f32>() {
                check_float(v);
            }
        }

        /// Any double printed in any of Rust's forms reads back as core reads it.
        #[test]
        fn doubles_round_trip(bits in any::<u64>(), precision in 0usize..25) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            for text in [format!("{v:e}"), format!("{v}"), format!("{v:.precision$e}"), format!("{v:.precision$}")] {
                both(&text);
            }
        }

        #[test]
        fn floats_round_trip(bits in any::<u32>(), precision in 0usize..12) {
            let v = f32::from_bits(bits);
            prop_assume!(v.is_finite());
            for text in [format!("{v:e}"), format!("{v:.precision$e}")] {
                both(&text);
            }
        }

        /// Random digit strings and exponents (many near halfway points and the ends of the
        /// range) agree with core.
        #[test]
        fn digit_strings(digits in "[0-9]{1,40}", point in 0usize..41, exponent in -360i32..360) {
            let point = point.min(digits.len());
            let text = format!("{}.{}e{exponent}", &digits[..point], &digits[point..]);
            both(&text);
        }
    }
}
