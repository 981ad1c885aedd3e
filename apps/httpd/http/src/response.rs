//! Response heads and short error responses, written without `core::fmt`.

use alloc::vec::Vec;

use crate::Status;
use crate::path::OCTET_STREAM;

/// The media type of [`error_response`] bodies.
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

/// The most decimal digits a `usize` can need (2^64 - 1 has 20).
const MAX_DIGITS: usize = 20;

/// Digits in every status code.
const CODE_DIGITS: usize = 3;

/// Appends `value` in decimal, without leading zeros ("0" for zero).
pub fn write_decimal(out: &mut Vec<u8>, mut value: usize) {
    let mut digits = [0u8; MAX_DIGITS];
    let mut used = 0;
    for slot in digits.iter_mut().rev() {
        // The remainder is below 10, so the cast keeps it whole.
        *slot = b'0' + (value % 10) as u8;
        used += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(MAX_DIGITS - used..).unwrap_or_default());
}

/// Appends an HTTP/1.1 response head: the status line, `Content-Type`, `Content-Length`,
/// `Allow: GET, HEAD` for [`Status::MethodNotAllowed405`], `Connection: keep-alive` or
/// `Connection: close`, and the empty line.
///
/// `content_type` MUST be a field value: non-empty printable ASCII and spaces. Anything else (a
/// CR or LF that would start a header of its own, say) is replaced by [`OCTET_STREAM`].
/// `content_length` MUST be the length of the body that follows, or would follow for HEAD.
/// `keep_alive` SHOULD be the request's [`Request::keep_alive`](crate::Request::keep_alive),
/// and MUST be false after a request that did not parse.
pub fn write_head(out: &mut Vec<u8>, status: Status, content_type: &str, content_length: usize, keep_alive: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    write_decimal(out, usize::from(status.code()));
    out.push(b' ');
    out.extend_from_slice(status.reason().as_bytes());
    out.extend_from_slice(b"\r\nContent-Type: ");
    let is_field_value =
        !content_type.is_empty() && content_type.bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic());
    out.extend_from_slice(if is_field_value { content_type } else { OCTET_STREAM }.as_bytes());
    out.extend_from_slice(b"\r\nContent-Length: ");
    write_decimal(out, content_length);
    if status == Status::MethodNotAllowed405 {
        out.extend_from_slice(b"\r\nAllow: GET, HEAD");
    }
    out.extend_from_slice(if keep_alive {
        b"\r\nConnection: keep-alive\r\n\r\n"
    } else {
        b"\r\nConnection: close\r\n\r\n"
    });
}

/// Appends a whole response for `status` with a short plain-text body, for example
/// `"404 Not Found\n"`. With `head_only` (the answer to HEAD) the body is left out but
/// `Content-Length` still gives its length.
///
/// `keep_alive` follows [`write_head`]'s contract: it MUST be false when `status` came from
/// [`parse`](crate::parse), and MAY be true for a 404 or 500 after a request that parsed.
pub fn error_response(out: &mut Vec<u8>, status: Status, head_only: bool, keep_alive: bool) {
    let reason = status.reason();
    // Code, space, reason, line feed.
    let body_len = CODE_DIGITS + 1 + reason.len() + 1;
    write_head(out, status, TEXT_PLAIN, body_len, keep_alive);
    if !head_only {
        write_decimal(out, usize::from(status.code()));
        out.push(b' ');
        out.extend_from_slice(reason.as_bytes());
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    fn decimal(value: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_decimal(&mut out, value);
        out
    }

    #[test]
    fn decimals() {
        assert_eq!(decimal(0), b"0");
        assert_eq!(decimal(7), b"7");
        assert_eq!(decimal(10), b"10");
        assert_eq!(decimal(1234567890), b"1234567890");
        assert_eq!(decimal(usize::MAX), std::format!("{}", usize::MAX).as_bytes());
        let mut out = Vec::from(&b"x="[..]);
        write_decimal(&mut out, 42);
        assert_eq!(out, b"x=42");
    }

    #[test]
    fn a_head_in_full() {
        let mut out = Vec::new();
        write_head(&mut out, Status::Ok200, "text/html; charset=utf-8", 1234, true);
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 1234\r\n\
                        Connection: keep-alive\r\n\r\n";
        assert_eq!(std::str::from_utf8(&out), Ok(expected));
    }

    #[test]
    fn closing_heads_say_so() {
        let mut out = Vec::new();
        write_head(&mut out, Status::InternalError500, "text/plain", 0, false);
        assert!(out.ends_with(b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        assert!(out.starts_with(b"HTTP/1.1 500 Internal Server Error\r\n"));
    }

    #[test]
    fn a_bad_content_type_cannot_inject_headers() {
        for content_type in ["text/html\r\nSet-Cookie: a=b", "", "text/\thtml", "caf\u{e9}"] {
            let mut out = Vec::new();
            write_head(&mut out, Status::Ok200, content_type, 0, true);
            let text = std::string::String::from_utf8(out).unwrap();
            assert!(text.contains("\r\nContent-Type: application/octet-stream\r\n"), "{text:?}");
            assert_eq!(text.matches("\r\n").count(), 5);
        }
    }

    #[test]
    fn error_responses() {
        let mut out = Vec::new();
        error_response(&mut out, Status::NotFound404, false, true);
        let expected = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n\
                        Connection: keep-alive\r\n\r\n404 Not Found\n";
        assert_eq!(std::str::from_utf8(&out), Ok(expected));

        out.clear();
        error_response(&mut out, Status::MethodNotAllowed405, true, false);
        let expected = "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n\
                        Content-Length: 23\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\n";
        assert_eq!(std::str::from_utf8(&out), Ok(expected));
    }
}
