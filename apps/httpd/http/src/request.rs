//! The request head parser: the first request in a connection's buffer, or why it is refused.
//!
//! One pass over complete lines. Each line is judged as soon as its end has arrived, using only
//! the lines before it; what needs the whole head (a missing `Host`, body framing, the body's
//! size) is judged at its end. So a prefix of a buffer parses to [`Parsed::Partial`] or to the
//! same answer as the whole buffer, never to a different request.

use crate::Status;

/// The default [`Limits::max_head`]: 8 KiB, what common servers accept for a whole head.
pub const DEFAULT_MAX_HEAD: usize = 8192;

/// The default [`Limits::max_body`]: none, as GET and HEAD requests carry no body.
pub const DEFAULT_MAX_BODY: usize = 0;

/// How large a request may be; anything larger is refused with a status rather than buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest head, in bytes: leading empty lines, request line, header lines and every
    /// line end, the final empty line's included. It SHOULD be at least a few hundred bytes;
    /// with 0 every non-empty buffer is refused.
    pub max_head: usize,
    /// The largest `Content-Length` accepted.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_head: DEFAULT_MAX_HEAD, max_body: DEFAULT_MAX_BODY }
    }
}

/// The methods this server implements; other methods are refused with 405.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`: the file, head and body.
    Get,
    /// `HEAD`: the head a GET would get, without the body.
    Head,
}

/// The protocol version of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`: connections close after one response unless the client asks otherwise.
    Http10,
    /// `HTTP/1.1`, and (RFC 9110 section 6.2) any later 1.x: connections persist by default.
    Http11,
}

/// A request head that parsed, borrowing from the buffer it came from.
#[derive(Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// GET or HEAD.
    pub method: Method,
    /// The target's path, before any `?`, still percent-encoded (see
    /// [`decode_path`](crate::decode_path)); always starts with `/`. For an absolute-form
    /// target (`http://host/path`) it is the part after the authority, `/` when that is empty.
    pub path: &'a str,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// Whether the connection may carry another request after the response: false when the
    /// client sent `Connection: close`, or is HTTP/1.0 and did not send `Connection: keep-alive`.
    pub keep_alive: bool,
    /// The body's length from `Content-Length`, 0 when absent; never above [`Limits::max_body`].
    pub content_length: usize,
    /// How many bytes of the buffer the head took, leading empty lines and the final empty line
    /// included; the body, then the next pipelined request, starts there.
    pub head_len: usize,
}

/// What [`parse`] made of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// The whole head has arrived and is acceptable.
    Complete(Request<'a>),
    /// The head has not ended yet and nothing in it is wrong so far: read more, then parse again.
    Partial,
}

/// Parses the first request head in `buffer`, which holds what a connection has received since
/// the end of the previous request (heads may be pipelined: bytes after the head are ignored).
///
/// The caller MUST pass the whole of it from the start, not only the newly received bytes. On
/// [`Parsed::Complete`] it MUST drop `head_len` bytes, then `content_length` bytes of body,
/// before parsing the next request. On `Err` it SHOULD send the status (see
/// [`error_response`](crate::error_response)) and MUST then close the connection: where the
/// next request would start is unknown.
///
/// What is accepted (RFC 9112 and 9110, strictly where leniency could let two parsers disagree):
/// - Lines end with CRLF or, leniently, a bare LF (RFC 9112 section 2.2); the head ends at the
///   first empty line after the request line. Empty lines before the request line are skipped
///   and counted in `head_len`. Any other byte below 0x20 except HTAB, or 0x7f, in a line is 400.
/// - The request line is `METHOD SP TARGET SP HTTP/x.y` with single spaces, else 400. A method
///   that is not a token is 400; a token other than the case-sensitive `GET` and `HEAD` is 405.
///   `HTTP/1.0` is 1.0, `HTTP/1.1`..`HTTP/1.9` are 1.1, other `HTTP/digit.digit` are 505, else 400.
/// - The target is origin-form (`/path?query`) or absolute-form with the `http` scheme
///   (`http://host/path?query`); else 400, as are bytes outside 0x21..=0x7e and `#` in it.
/// - Header lines are `name: value` with a token name directly before the colon, so whitespace
///   before the colon and obs-fold continuation lines are 400. Names are case-insensitive and
///   values are trimmed of spaces and tabs; only `Host`, `Connection`, `Content-Length` and
///   `Transfer-Encoding` are read, the rest are checked and skipped.
/// - More than one `Host` is 400; none is 400 for HTTP/1.1. Its value is not checked.
/// - `Connection` is a comma list whose `close` and `keep-alive` options count (any case).
/// - `Content-Length` is a comma list of digits-only values, possibly over several lines; all
///   MUST be equal, else 400. A value that overflows `usize` or exceeds `max_body` is 413.
/// - `Transfer-Encoding` is 400 beside `Content-Length` (a request smuggling vector) and 501
///   alone.
///
/// Limits: when no head end lies within the first `max_head` bytes and the buffer holds at least
/// `max_head` bytes, the answer is 414 if the request line has not ended within them, else 431.
/// An empty buffer is [`Parsed::Partial`].
pub fn parse<'a>(buffer: &'a [u8], limits: &Limits) -> Result<Parsed<'a>, Status> {
    if buffer.is_empty() {
        return Ok(Parsed::Partial);
    }
    let window = buffer.get(..limits.max_head).unwrap_or(buffer);
    let mut rest = window;
    let mut start: Option<RequestLine<'a>> = None;
    let mut fields = Fields::default();
    while let Some(line) = next_line(&mut rest) {
        if line.is_empty() {
            match start {
                None => continue,
                Some(start) => {
                    let head_len = window.len().saturating_sub(rest.len());
                    return finish(start, &fields, head_len, limits).map(Parsed::Complete);
                }
            }
        }
        if line.iter().any(|&byte| is_forbidden(byte)) {
            return Err(Status::BadRequest400);
        }
        match start {
            None => start = Some(request_line(line)?),
            Some(_) => header_line(line, &mut fields)?,
        }
    }
    if buffer.len() < limits.max_head {
        Ok(Parsed::Partial)
    } else if start.is_none() {
        Err(Status::UriTooLong414)
    } else {
        Err(Status::HeadersTooLarge431)
    }
}

/// The request line, once it has parsed.
#[derive(Clone, Copy)]
struct RequestLine<'a> {
    method: Method,
    path: &'a str,
    version: Version,
}

/// What the header lines seen so far said about the fields this parser reads.
#[derive(Default)]
struct Fields<'a> {
    host: bool,
    close: bool,
    keep_alive: bool,
    transfer_encoding: bool,
    /// The first `Content-Length` value's digits without leading zeros, so that two values are
    /// equal exactly when these bytes are, however large.
    content_length: Option<&'a [u8]>,
}

/// Splits the next complete line off `rest`, without its LF and one CR before it; `None` when
/// no LF has arrived yet.
fn next_line<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let end = rest.iter().position(|&byte| byte == b'\n')?;
    let (line, after) = rest.split_at_checked(end)?;
    *rest = after.get(1..).unwrap_or_default();
    Some(line.strip_suffix(b"\r").unwrap_or(line))
}

/// Control bytes other than HTAB, and DEL: never valid inside a line.
fn is_forbidden(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

/// A `tchar` of RFC 9110 section 5.6.2.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// A non-empty run of token bytes.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&byte| is_token_byte(byte))
}

/// Drops spaces and tabs from both ends.
fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

fn request_line(line: &[u8]) -> Result<RequestLine<'_>, Status> {
    let mut parts = line.splitn(3, |&byte| byte == b' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Status::BadRequest400);
    };
    if !is_token(method) {
        return Err(Status::BadRequest400);
    }
    // The version decides how to read everything else, so it is judged before the method.
    let version = version_of(version)?;
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        _ => return Err(Status::MethodNotAllowed405),
    };
    Ok(RequestLine { method, path: path_of(target)?, version })
}

fn version_of(text: &[u8]) -> Result<Version, Status> {
    match *text {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => {
            match (major, minor) {
                (b'1', b'0') => Ok(Version::Http10),
                (b'1', _) => Ok(Version::Http11),
                _ => Err(Status::VersionNotSupported505),
            }
        }
        _ => Err(Status::BadRequest400),
    }
}

/// The path of an origin-form or `http` absolute-form target, before any query.
fn path_of(target: &[u8]) -> Result<&str, Status> {
    if !target.iter().all(|&byte| byte.is_ascii_graphic() && byte != b'#') {
        return Err(Status::BadRequest400);
    }
    let path_and_query = if target.first() == Some(&b'/') {
        target
    } else if let Some(after_scheme) = strip_prefix_ignoring_case(target, b"http://") {
        let authority_len = after_scheme.iter().position(|&byte| byte == b'/' || byte == b'?');
        let authority_len = authority_len.unwrap_or(after_scheme.len());
        if authority_len == 0 {
            return Err(Status::BadRequest400);
        }
        let after_authority = after_scheme.get(authority_len..).unwrap_or_default();
        if after_authority.first() != Some(&b'/') {
            return Ok("/");
        }
        after_authority
    } else {
        return Err(Status::BadRequest400);
    };
    let path = path_and_query.split(|&byte| byte == b'?').next().unwrap_or_default();
    // Only printable ASCII got here, so this cannot fail; no unwrap all the same.
    core::str::from_utf8(path).map_err(|_| Status::BadRequest400)
}

fn strip_prefix_ignoring_case<'a>(bytes: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, tail) = bytes.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(tail)
}

fn header_line<'a>(line: &'a [u8], fields: &mut Fields<'a>) -> Result<(), Status> {
    let colon = line.iter().position(|&byte| byte == b':').ok_or(Status::BadRequest400)?;
    let (name, value) = line.split_at_checked(colon).ok_or(Status::BadRequest400)?;
    let value = trim(value.get(1..).unwrap_or_default());
    // Also catches obs-fold, whose line starts with a space or tab.
    if !is_token(name) {
        return Err(Status::BadRequest400);
    }
    if name.eq_ignore_ascii_case(b"host") {
        if fields.host {
            return Err(Status::BadRequest400);
        }
        fields.host = true;
    } else if name.eq_ignore_ascii_case(b"connection") {
        for option in value.split(|&byte| byte == b',').map(trim) {
            fields.close |= option.eq_ignore_ascii_case(b"close");
            fields.keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
        }
    } else if name.eq_ignore_ascii_case(b"content-length") {
        for length in value.split(|&byte| byte == b',').map(trim) {
            if length.is_empty() || !length.iter().all(u8::is_ascii_digit) {
                return Err(Status::BadRequest400);
            }
            let digits = strip_leading_zeros(length);
            match fields.content_length {
                None => fields.content_length = Some(digits),
                Some(first) if first == digits => {}
                Some(_) => return Err(Status::BadRequest400),
            }
        }
    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
        fields.transfer_encoding = true;
    }
    Ok(())
}

fn strip_leading_zeros(mut digits: &[u8]) -> &[u8] {
    while let [b'0', rest @ ..] = digits {
        digits = rest;
    }
    digits
}

/// The value of ASCII digits, `None` if it overflows.
fn decimal(digits: &[u8]) -> Option<usize> {
    digits
        .iter()
        .try_fold(0usize, |value, &digit| value.checked_mul(10)?.checked_add(usize::from(digit.wrapping_sub(b'0'))))
}

/// The judgements that need the whole head.
fn finish<'a>(
    start: RequestLine<'a>,
    fields: &Fields<'_>,
    head_len: usize,
    limits: &Limits,
) -> Result<Request<'a>, Status> {
    if start.version == Version::Http11 && !fields.host {
        return Err(Status::BadRequest400);
    }
    if fields.transfer_encoding {
        return Err(match fields.content_length {
            Some(_) => Status::BadRequest400,
            None => Status::NotImplemented501,
        });
    }
    let content_length = match fields.content_length {
        None => 0,
        Some(digits) => decimal(digits).ok_or(Status::ContentTooLarge413)?,
    };
    if content_length > limits.max_body {
        return Err(Status::ContentTooLarge413);
    }
    let keep_alive = !fields.close && (start.version == Version::Http11 || fields.keep_alive);
    Ok(Request { method: start.method, path: start.path, version: start.version, keep_alive, content_length, head_len })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;

    const SIMPLE: &str = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";

    fn with(text: &[u8], limits: Limits) -> Result<Parsed<'_>, Status> {
        parse(text, &limits)
    }

    fn parsed(text: &str) -> Result<Parsed<'_>, Status> {
        parse(text.as_bytes(), &Limits::default())
    }

    fn error(text: &str) -> Status {
        match parsed(text) {
            Err(status) => status,
            other => panic!("{text:?} parsed to {other:?}"),
        }
    }

    fn complete(text: &str) -> Request<'_> {
        match parsed(text) {
            Ok(Parsed::Complete(request)) => request,
            other => panic!("{text:?} parsed to {other:?}"),
        }
    }

    /// A 1.1 GET with the given lines after the request line.
    fn get(headers: &str) -> String {
        let mut text = String::from("GET / HTTP/1.1\r\n");
        text.push_str(headers);
        text.push_str("\r\n");
        text
    }

    #[test]
    fn a_simple_get_parses() {
        let request = complete(SIMPLE);
        assert_eq!(
            request,
            Request {
                method: Method::Get,
                path: "/index.html",
                version: Version::Http11,
                keep_alive: true,
                content_length: 0,
                head_len: SIMPLE.len(),
            }
        );
    }

    #[test]
    fn head_is_accepted() {
        assert_eq!(complete("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").method, Method::Head);
    }

    #[test]
    fn every_prefix_is_partial() {
        for end in 0..SIMPLE.len() {
            assert_eq!(parsed(&SIMPLE[..end]), Ok(Parsed::Partial), "prefix of {end} bytes");
        }
        assert!(matches!(parsed(SIMPLE), Ok(Parsed::Complete(_))));
    }

    #[test]
    fn pipelined_requests_parse_one_at_a_time() {
        let second = "HEAD /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        let both = [SIMPLE, second].concat();
        let first = complete(&both);
        assert_eq!((first.path, first.head_len), ("/index.html", SIMPLE.len()));
        let next = complete(&both[first.head_len..]);
        assert_eq!((next.method, next.path, next.keep_alive, next.head_len), (Method::Head, "/b", false, second.len()));
        // A partial second request does not disturb the first.
        assert_eq!(complete(&both[..SIMPLE.len() + 5]).head_len, SIMPLE.len());
    }

    #[test]
    fn leading_empty_lines_are_skipped_and_counted() {
        let text = ["\r\n\r\n\n", SIMPLE].concat();
        let request = complete(&text);
        assert_eq!((request.path, request.head_len), ("/index.html", text.len()));
        assert_eq!(parsed("\r\n\r\n"), Ok(Parsed::Partial));
        assert_eq!(parsed("\r"), Ok(Parsed::Partial));
    }

    #[test]
    fn bare_line_feeds_are_accepted() {
        let text = "GET /a HTTP/1.1\nHost: a\n\n";
        assert_eq!(complete(text).head_len, text.len());
        let mixed = "GET /a HTTP/1.1\r\nHost: a\r\n\n";
        assert_eq!(complete(mixed).head_len, mixed.len());
    }

    #[test]
    fn an_empty_buffer_is_partial() {
        assert_eq!(parse(b"", &Limits { max_head: 0, max_body: 0 }), Ok(Parsed::Partial));
        assert_eq!(parsed(""), Ok(Parsed::Partial));
    }

    #[test]
    fn the_path_stops_at_the_query_and_stays_encoded() {
        assert_eq!(complete("GET /a%20b/c?x=1?y HTTP/1.1\r\nHost: a\r\n\r\n").path, "/a%20b/c");
        assert_eq!(complete("GET /? HTTP/1.1\r\nHost: a\r\n\r\n").path, "/");
        assert_eq!(complete("GET //x HTTP/1.1\r\nHost: a\r\n\r\n").path, "//x");
    }

    #[test]
    fn absolute_form_gives_its_path() {
        let cases = [
            ("http://example.com/a/b?q", "/a/b"),
            ("HTTP://example.com:8080/", "/"),
            ("http://example.com", "/"),
            ("http://example.com?q=/x", "/"),
            ("Http://[::1]:80/x", "/x"),
        ];
        for (target, path) in cases {
            let text = std::format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(complete(&text).path, path, "{target}");
        }
    }

    #[test]
    fn other_target_forms_are_bad_requests() {
        for target in ["*", "index.html", "http:///a", "http://", "https://example.com/", "ftp://a/", "example.com:80"]
        {
            let text = std::format!("GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(error(&text), Status::BadRequest400, "{target}");
        }
    }

    #[test]
    fn bad_bytes_in_the_target_are_bad_requests() {
        for target in [&b"/a\x01b"[..], b"/a\x7fb", b"/a\xc3\xa9", b"/a\tb", b"/a#b"] {
            let text = [&b"GET "[..], target, b" HTTP/1.1\r\nHost: a\r\n\r\n"].concat();
            assert_eq!(parse(&text, &Limits::default()), Err(Status::BadRequest400), "{target:?}");
        }
    }

    #[test]
    fn request_line_spacing_is_exact() {
        for line in [
            "GET  / HTTP/1.1",
            "GET /  HTTP/1.1",
            " GET / HTTP/1.1",
            "GET / HTTP/1.1 ",
            "GET\t/ HTTP/1.1",
            "GET / HTTP/1.1\t",
            "GET /",
            "GET / ",
            "GET",
            "GET /a b HTTP/1.1",
        ] {
            let text = std::format!("{line}\r\nHost: a\r\n\r\n");
            assert_eq!(error(&text), Status::BadRequest400, "{line:?}");
        }
    }

    #[test]
    fn other_methods_are_not_allowed() {
        for method in ["POST", "PUT", "DELETE", "OPTIONS", "get", "Head", "GETS", "X-CUSTOM!"] {
            let text = std::format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(error(&text), Status::MethodNotAllowed405, "{method}");
        }
        // 405 even where GET's target would be refused: the target's form depends on the method.
        assert_eq!(error("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), Status::MethodNotAllowed405);
        // Judged as soon as the request line has arrived.
        assert_eq!(error("POST / HTTP/1.1\r\n"), Status::MethodNotAllowed405);
    }

    #[test]
    fn methods_that_are_not_tokens_are_bad_requests() {
        for method in ["G(T", "GE/T", "GET:", "[GET]", "G\"T"] {
            let text = std::format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n");
            assert_eq!(error(&text), Status::BadRequest400, "{method}");
        }
    }

    #[test]
    fn versions() {
        let version_of_text = |version: &str| {
            let text = std::format!("GET / {version}\r\nHost: a\r\n\r\n");
            match parse(text.as_bytes(), &Limits::default()) {
                Ok(Parsed::Complete(request)) => Ok(request.version),
                Ok(Parsed::Partial) => panic!("partial"),
                Err(status) => Err(status),
            }
        };
        assert_eq!(version_of_text("HTTP/1.1"), Ok(Version::Http11));
        assert_eq!(version_of_text("HTTP/1.0"), Ok(Version::Http10));
        assert_eq!(version_of_text("HTTP/1.9"), Ok(Version::Http11));
        for unsupported in ["HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"] {
            assert_eq!(version_of_text(unsupported), Err(Status::VersionNotSupported505), "{unsupported}");
        }
        for garbage in [
            "HTTP/1",
            "HTTP/1.",
            "HTTP/11.1",
            "HTTP/1.1x",
            "http/1.1",
            "HTTP 1.1",
            "HTTP/a.b",
            "HTTP/2",
            "HTTPS/1.1",
            "",
        ] {
            assert_eq!(version_of_text(garbage), Err(Status::BadRequest400), "{garbage:?}");
        }
        // An unsupported version wins over an unknown method.
        assert_eq!(error("BREW / HTTP/2.0\r\n\r\n"), Status::VersionNotSupported505);
    }

    #[test]
    fn host_is_required_once_in_1_1() {
        assert_eq!(error("GET / HTTP/1.1\r\n\r\n"), Status::BadRequest400);
        assert_eq!(error(&get("Host: a\r\nHost: a\r\n")), Status::BadRequest400);
        assert_eq!(error(&get("host: a\r\nHOST: b\r\n")), Status::BadRequest400);
        assert_eq!(complete(&get("Host:\r\n")).path, "/");
        assert_eq!(complete("GET / HTTP/1.0\r\n\r\n").version, Version::Http10);
        assert_eq!(error("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), Status::BadRequest400);
    }

    #[test]
    fn header_names_are_case_insensitive() {
        assert!(!complete(&get("hOsT: a\r\ncOnNeCtIoN: ClOsE\r\ncontent-LENGTH: 0\r\n")).keep_alive);
        let limits = Limits { max_body: 10, ..Limits::default() };
        let text = get("HOST: a\r\nCONTENT-LENGTH: 7\r\n");
        let Ok(Parsed::Complete(request)) = with(text.as_bytes(), limits) else { panic!() };
        assert_eq!(request.content_length, 7);
    }

    #[test]
    fn keep_alive_defaults_by_version() {
        assert!(complete("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
        assert!(!complete("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(complete("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
        assert!(complete("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
        assert!(!complete("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keep_alive);
        assert!(!complete("GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n").keep_alive);
    }

    #[test]
    fn connection_options_are_a_case_insensitive_list() {
        for value in ["close", "CLOSE", "upgrade, close", "  close \t", "foo,close,bar", ",,close,"] {
            assert!(!complete(&get(&std::format!("Host: a\r\nConnection:{value}\r\n"))).keep_alive, "{value:?}");
        }
        for value in ["keep-alive", "upgrade", "closed", "clo se", ""] {
            assert!(complete(&get(&std::format!("Host: a\r\nConnection: {value}\r\n"))).keep_alive, "{value:?}");
        }
        // Options add up over several lines.
        assert!(!complete(&get("Host: a\r\nConnection: upgrade\r\nConnection: close\r\n")).keep_alive);
    }

    #[test]
    fn header_values_are_trimmed_and_may_hold_tabs_and_high_bytes() {
        assert!(!complete(&get("Host: a\r\nConnection: \t close \t \r\n")).keep_alive);
        let text = b"GET / HTTP/1.1\r\nX-Any: a\tb \xff\xfe c\r\nHost: a\r\n\r\n";
        assert!(matches!(parse(text, &Limits::default()), Ok(Parsed::Complete(_))));
    }

    #[test]
    fn malformed_header_lines_are_bad_requests() {
        for line in [
            &b"Host : a"[..],
            b"Host\t: a",
            b": a",
            b"Host",
            b" Host: a",
            b"\tX: a",
            b"Ho st: a",
            b"Ho(st): a",
            b"X: a\x01b",
            b"X: a\x7fb",
            b"X: a\rb",
            b"X: a\0",
            b"X: a\x1b[31m",
        ] {
            let text = [&b"GET / HTTP/1.1\r\nHost: a\r\n"[..], line, b"\r\n\r\n"].concat();
            assert_eq!(parse(&text, &Limits::default()), Err(Status::BadRequest400), "{line:?}");
        }
        // obs-fold, a continuation line.
        assert_eq!(error(&get("Host: a\r\nX-Long: one\r\n two\r\n")), Status::BadRequest400);
        // A CR alone just before the final LF.
        assert_eq!(error("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"), Status::BadRequest400);
    }

    #[test]
    fn errors_in_a_line_are_reported_before_the_head_ends() {
        assert_eq!(error("GET / HTTP/1.1\r\nHost: a\r\nBad line\r\n"), Status::BadRequest400);
        assert_eq!(error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n"), Status::BadRequest400);
        // The line's end has not arrived: it may still become valid.
        assert_eq!(parsed("GET / HTTP/1.1\r\nHost"), Ok(Parsed::Partial));
    }

    fn length(headers: &str, max_body: usize) -> Result<usize, Status> {
        let text = get(&std::format!("Host: a\r\n{headers}"));
        match with(text.as_bytes(), Limits { max_body, ..Limits::default() }) {
            Ok(Parsed::Complete(request)) => Ok(request.content_length),
            Ok(Parsed::Partial) => panic!("partial"),
            Err(status) => Err(status),
        }
    }

    #[test]
    fn content_length_values() {
        assert_eq!(length("", 100), Ok(0));
        assert_eq!(length("Content-Length: 0\r\n", 0), Ok(0));
        assert_eq!(length("Content-Length: 5\r\n", 100), Ok(5));
        assert_eq!(length("Content-Length:  5 \t\r\n", 100), Ok(5));
        assert_eq!(length("Content-Length: 5, 5,5\r\n", 100), Ok(5));
        assert_eq!(length("Content-Length: 5\r\nContent-Length: 005\r\n", 100), Ok(5));
        assert_eq!(length("Content-Length: 100\r\n", 100), Ok(100));
        assert_eq!(length("Content-Length: 00\r\nContent-Length: 0\r\n", 0), Ok(0));
    }

    #[test]
    fn content_length_values_that_differ_or_are_not_digits_are_bad_requests() {
        for headers in [
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length: 5, 6\r\n",
            "Content-Length: 5,,5\r\n",
            "Content-Length: 5,\r\n",
            "Content-Length:\r\n",
            "Content-Length: +5\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: 5 5\r\n",
            "Content-Length: 0x10\r\n",
            "Content-Length: 5.0\r\n",
            "Content-Length: 99999999999999999999999\r\nContent-Length: 1\r\n",
            "Content-Length: 1, 99999999999999999999999\r\n",
        ] {
            assert_eq!(length(headers, 100), Err(Status::BadRequest400), "{headers:?}");
        }
    }

    #[test]
    fn content_length_too_large() {
        assert_eq!(length("Content-Length: 101\r\n", 100), Err(Status::ContentTooLarge413));
        assert_eq!(length("Content-Length: 1\r\n", 0), Err(Status::ContentTooLarge413));
        let huge = "Content-Length: 99999999999999999999999\r\nContent-Length: 099999999999999999999999\r\n";
        assert_eq!(length(huge, usize::MAX), Err(Status::ContentTooLarge413));
        let maximum = std::format!("Content-Length: {}\r\n", usize::MAX);
        assert_eq!(length(&maximum, usize::MAX), Ok(usize::MAX));
        let above = std::format!("Content-Length: {}\r\n", u128::from(u64::MAX) + 1);
        assert_eq!(length(&above, usize::MAX), Err(Status::ContentTooLarge413));
    }

    #[test]
    fn transfer_encoding() {
        assert_eq!(length("Transfer-Encoding: chunked\r\n", 100), Err(Status::NotImplemented501));
        assert_eq!(length("transfer-encoding: gzip, chunked\r\n", 100), Err(Status::NotImplemented501));
        let smuggling = [
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
            "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
        ];
        for headers in smuggling {
            assert_eq!(length(headers, 100), Err(Status::BadRequest400), "{headers:?}");
        }
        // Too large or not: the framing is what is wrong.
        assert_eq!(length("Content-Length: 1000\r\nTransfer-Encoding: chunked\r\n", 100), Err(Status::BadRequest400));
    }

    #[test]
    fn a_head_of_exactly_max_head_bytes_fits() {
        let text = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let exact = Limits { max_head: text.len(), max_body: 0 };
        assert!(matches!(with(text.as_bytes(), exact), Ok(Parsed::Complete(_))));
        // Bytes after the head do not count.
        let pipelined = [text, text].concat();
        assert!(matches!(with(pipelined.as_bytes(), exact), Ok(Parsed::Complete(_))));
        let short = Limits { max_head: text.len() - 1, max_body: 0 };
        assert_eq!(with(text.as_bytes(), short), Err(Status::HeadersTooLarge431));
    }

    #[test]
    fn heads_over_the_limit() {
        let limits = Limits { max_head: 64, max_body: 0 };
        // Below the limit with no end yet: wait.
        assert_eq!(with(&[b'a'; 63], limits), Ok(Parsed::Partial));
        // No line end within the limit: the request line is too long.
        assert_eq!(with(&[b'a'; 64], limits), Err(Status::UriTooLong414));
        let long_target = std::format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "x".repeat(70));
        assert_eq!(with(long_target.as_bytes(), limits), Err(Status::UriTooLong414));
        // The request line ended but the headers did not.
        let long_headers = get(&std::format!("Host: a\r\nX: {}\r\n", "y".repeat(60)));
        assert_eq!(with(long_headers.as_bytes(), limits), Err(Status::HeadersTooLarge431));
        assert_eq!(with(&long_headers.as_bytes()[..40], limits), Ok(Parsed::Partial));
        // Empty lines count too.
        assert_eq!(with(&[b'\n'; 64], limits), Err(Status::UriTooLong414));
        let long_path = std::format!("GET /{} HTTP/1.1\r\n", "a".repeat(DEFAULT_MAX_HEAD));
        assert_eq!(error(&long_path), Status::UriTooLong414);
    }

    #[test]
    fn a_line_error_beyond_the_limit_is_a_size_error() {
        let limits = Limits { max_head: 32, max_body: 0 };
        let text = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: aaaaaaaa\x01\r\n\r\n";
        assert_eq!(with(text.as_bytes(), limits), Err(Status::HeadersTooLarge431));
    }

    #[test]
    fn decimal_checks_overflow() {
        assert_eq!(decimal(b""), Some(0));
        assert_eq!(decimal(b"18446744073709551615"), Some(usize::MAX));
        assert_eq!(decimal(b"18446744073709551616"), None);
        let many: Vec<u8> = core::iter::repeat_n(b'9', 100).collect();
        assert_eq!(decimal(&many), None);
    }
}
