//! Arbitrary bytes as the text of a number (`Double.parseDouble`, `Float.parseFloat`) and as the
//! bits of a double and a float to print (`Double.toString`, `%.Ne`). Reading: never a panic,
//! and for decimal text (digits, one point, an exponent) the same value as core's reader.
//! Printing: the shortest digits read back to the value, and N digits are core's `{:.Ne}`.

#![no_main]

use stardust_jvm::decimal::{parse_f32, parse_f64, rounded_f64, shortest_f32, shortest_f64};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = core::str::from_utf8(bytes) {
        let (ours64, ours32) = (parse_f64(text), parse_f32(text));
        let decimal = text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
        if decimal {
            assert_eq!(ours64.map(f64::to_bits), text.parse::<f64>().ok().map(f64::to_bits), "{text:?}");
            assert_eq!(ours32.map(f32::to_bits), text.parse::<f32>().ok().map(f32::to_bits), "{text:?}");
        }
    }
    if let Some(bits) = bytes.get(..8) {
        let v = f64::from_le_bytes(bits.try_into().unwrap()).abs();
        if v.is_finite() && v > 0.0 {
            let (digits, exponent) = shortest_f64(v);
            let text = format!("0.{}e{exponent}", core::str::from_utf8(&digits).unwrap());
            assert_eq!(parse_f64(&text), Some(v), "{v:e} printed as {text}");
            let precision = bytes.get(8).map_or(5, |p| usize::from(*p % 30));
            let core = format!("{v:.precision$e}");
            let (mantissa, power) = core.split_once('e').unwrap();
            let mut core_digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
            while core_digits.len() > 1 && core_digits.last() == Some(&b'0') {
                core_digits.pop();
            }
            assert_eq!(rounded_f64(v, precision + 1), (core_digits, power.parse::<i32>().unwrap() + 1), "{core}");
        }
        let f = f32::from_le_bytes(bits[..4].try_into().unwrap()).abs();
        if f.is_finite() && f > 0.0 {
            let (digits, exponent) = shortest_f32(f);
            let text = format!("0.{}e{exponent}", core::str::from_utf8(&digits).unwrap());
            assert_eq!(parse_f32(&text), Some(f), "{f:e} printed as {text}");
        }
    }
});
