//! From a request's path to a file: percent-decoding that refuses to leave the served tree, and
//! the media type a file's extension implies.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Status;

/// The media type of anything whose extension is unknown: bytes the client should not interpret.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Extensions (compared ignoring ASCII case) and their media types; text is served as UTF-8.
const MEDIA_TYPES: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("htm", "text/html; charset=utf-8"),
    ("txt", "text/plain; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("svg", "image/svg+xml"),
    ("ico", "image/x-icon"),
    ("wasm", "application/wasm"),
];

/// Percent-decodes a request path (as [`Request::path`](crate::Request::path) gives it) into
/// `out`, replacing what `out` held and reusing its allocation.
///
/// Refused with [`Status::BadRequest400`], leaving `out` empty: a path that does not start with
/// `/`; a `%` not followed by two hex digits; a decoded NUL or backslash; a `..` segment after
/// decoding (so `%2e%2e` and `%2E.` too, and `%2F` counts as a separator); a result that is not
/// UTF-8. Nothing else is changed: `.` segments, empty segments and a trailing `/` stay, and `+`
/// is not a space. The caller MUST still map the result onto its file tree itself; this only
/// guarantees the path cannot climb out of it.
pub fn decode_path(path: &str, out: &mut String) -> Result<(), Status> {
    let mut bytes = core::mem::take(out).into_bytes();
    bytes.clear();
    let decoded = percent_decode(path.as_bytes(), &mut bytes);
    if decoded.is_err() {
        bytes.clear();
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            *out = text;
            decoded
        }
        Err(_) => Err(Status::BadRequest400),
    }
}

fn percent_decode(path: &[u8], out: &mut Vec<u8>) -> Result<(), Status> {
    if path.first() != Some(&b'/') {
        return Err(Status::BadRequest400);
    }
    out.reserve(path.len());
    let mut rest = path;
    while let Some((&byte, tail)) = rest.split_first() {
        let (byte, tail) = match (byte, tail) {
            (b'%', [high, low, tail @ ..]) => ((hex_value(*high)? << 4) | hex_value(*low)?, tail),
            (b'%', _) => return Err(Status::BadRequest400),
            _ => (byte, tail),
        };
        if byte == 0 || byte == b'\\' {
            return Err(Status::BadRequest400);
        }
        out.push(byte);
        rest = tail;
    }
    if out.split(|&byte| byte == b'/').any(|segment| segment == b"..") {
        return Err(Status::BadRequest400);
    }
    Ok(())
}

fn hex_value(digit: u8) -> Result<u8, Status> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(Status::BadRequest400),
    }
}

/// The media type for a path's file name extension (ignoring ASCII case): HTML, plain text, CSS,
/// JavaScript, JSON, PNG, JPEG, GIF, SVG, icons and WebAssembly; [`OCTET_STREAM`] for any other
/// extension and for names without one.
pub fn content_type(path: &str) -> &'static str {
    // Bytes, not chars: `/` and `.` are ASCII, and byte searches carry no panic paths.
    let bytes = path.as_bytes();
    let name_start = bytes.iter().rposition(|&byte| byte == b'/').map_or(0, |slash| slash + 1);
    let name = bytes.get(name_start..).unwrap_or_default();
    let Some(dot) = name.iter().rposition(|&byte| byte == b'.') else {
        return OCTET_STREAM;
    };
    let extension = name.get(dot + 1..).unwrap_or_default();
    MEDIA_TYPES
        .iter()
        .find(|(known, _)| known.as_bytes().eq_ignore_ascii_case(extension))
        .map_or(OCTET_STREAM, |&(_, media_type)| media_type)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    fn decoded(path: &str) -> Result<String, Status> {
        let mut out = String::from("previous contents");
        let result = decode_path(path, &mut out);
        match result {
            Ok(()) => Ok(out),
            Err(status) => {
                assert!(out.is_empty(), "{path:?} left {out:?}");
                Err(status)
            }
        }
    }

    #[test]
    fn plain_paths_are_unchanged() {
        for path in ["/", "/index.html", "/a/b/c", "/a//b/", "/./a/.", "/a.b/..c/c..", "/+", "/..."] {
            assert_eq!(decoded(path).as_deref(), Ok(path));
        }
    }

    #[test]
    fn escapes_are_decoded_in_either_case() {
        assert_eq!(decoded("/a%20b").as_deref(), Ok("/a b"));
        assert_eq!(decoded("/%41%6a%6A%4a").as_deref(), Ok("/AjjJ"));
        assert_eq!(decoded("/%c3%a9t%C3%A9").as_deref(), Ok("/été"));
        assert_eq!(decoded("/a%2Fb").as_deref(), Ok("/a/b"));
        assert_eq!(decoded("/%25").as_deref(), Ok("/%"));
        assert_eq!(decoded("/%2e/a%2E").as_deref(), Ok("/./a."));
    }

    #[test]
    fn bad_escapes_are_bad_requests() {
        for path in ["/%", "/%2", "/a%g0", "/a%0g", "/%%41", "/%-1", "/% 1", "/%+1"] {
            assert_eq!(decoded(path), Err(Status::BadRequest400), "{path:?}");
        }
    }

    #[test]
    fn climbing_out_is_a_bad_request() {
        for path in
            ["/..", "/../etc/passwd", "/a/../b", "/a/..", "/%2e%2e", "/%2E%2E/x", "/.%2e/x", "/a%2f..%2fb", "/a%2F.."]
        {
            assert_eq!(decoded(path), Err(Status::BadRequest400), "{path:?}");
        }
    }

    #[test]
    fn nul_backslash_and_relative_paths_are_bad_requests() {
        for path in ["/a%00", "/a\0b", "/a\\b", "/a%5cb", "/a%5C..", "", "a/b", "%2fa", "http://a/b"] {
            assert_eq!(decoded(path), Err(Status::BadRequest400), "{path:?}");
        }
    }

    #[test]
    fn results_that_are_not_utf8_are_bad_requests() {
        for path in ["/%ff", "/%c3", "/%c3%28", "/%ed%a0%80"] {
            assert_eq!(decoded(path), Err(Status::BadRequest400), "{path:?}");
        }
    }

    #[test]
    fn media_types_by_extension() {
        let cases = [
            ("/index.html", "text/html; charset=utf-8"),
            ("/INDEX.HTM", "text/html; charset=utf-8"),
            ("/notes.txt", "text/plain; charset=utf-8"),
            ("/s/site.css", "text/css; charset=utf-8"),
            ("/app.min.js", "text/javascript; charset=utf-8"),
            ("/data.Json", "application/json"),
            ("/a.png", "image/png"),
            ("/a.jpg", "image/jpeg"),
            ("/a.JPEG", "image/jpeg"),
            ("/a.gif", "image/gif"),
            ("/a.svg", "image/svg+xml"),
            ("/favicon.ico", "image/x-icon"),
            ("/m.wasm", "application/wasm"),
        ];
        for (path, media_type) in cases {
            assert_eq!(content_type(path), media_type, "{path}");
        }
        for path in ["/", "/README", "/a.html/b", "/archive.tar.gz", "/a.", "/html", "", "/a.htmlx"] {
            assert_eq!(content_type(path), OCTET_STREAM, "{path}");
        }
    }
}
