//! Properties of the parser and writers over generated input: no panics, no read past the head,
//! valid requests parse back to what was generated, and a prefix never disagrees with the whole.

use httpd_http::{
    Limits, Method, Parsed, Request, Status, Version, content_type, decode_path, error_response, parse, write_head,
};
use proptest::prelude::*;

/// Limits from tiny to default, to reach the size checks as often as the grammar.
fn limits() -> impl Strategy<Value = Limits> {
    prop_oneof![
        Just(Limits::default()),
        (0usize..200, 0usize..50).prop_map(|(max_head, max_body)| Limits { max_head, max_body })
    ]
}

/// Bytes assembled from pieces of requests, good and bad, to get deeper than random bytes do.
fn request_like() -> impl Strategy<Value = Vec<u8>> {
    let pieces: &[&[u8]] = &[
        b"GET",
        b"HEAD",
        b"POST",
        b" ",
        b"\t",
        b"/",
        b"/a?b",
        b"http://h",
        b"*",
        b"%2e",
        b"HTTP/1.1",
        b"HTTP/1.0",
        b"HTTP/2.0",
        b"\r\n",
        b"\n",
        b"\r",
        b":",
        b",",
        b"Host: a",
        b"Connection: close",
        b"Connection: keep-alive",
        b"Content-Length: 5",
        b"Content-Length: 0",
        b"Content-Length: 99999999999999999999999",
        b"Transfer-Encoding: chunked",
        b"X: y",
        b"\0",
        b"\xff",
    ];
    let piece =
        prop_oneof![proptest::sample::select(pieces).prop_map(<[u8]>::to_vec), any::<u8>().prop_map(|byte| vec![byte])];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..300), request_like()]
}

/// A request as generated, and the one it must parse to.
#[derive(Debug, Clone)]
struct Generated {
    text: Vec<u8>,
    method: Method,
    path: String,
    version: Version,
    keep_alive: bool,
    content_length: usize,
}

impl Generated {
    fn expected(&self) -> Request<'_> {
        Request {
            method: self.method,
            path: &self.path,
            version: self.version,
            keep_alive: self.keep_alive,
            content_length: self.content_length,
            head_len: self.text.len(),
        }
    }
}

/// Largest body the generated requests declare, and the limit they are parsed with.
const MAX_BODY: usize = 1000;

/// Header names that the parser reads, which the generated "other" headers must avoid.
const READ_HEADERS: [&str; 4] = ["host", "connection", "content-length", "transfer-encoding"];

fn valid_request() -> impl Strategy<Value = Generated> {
    let method = prop_oneof![Just(Method::Get), Just(Method::Head)];
    let version = prop_oneof![Just(Version::Http10), Just(Version::Http11)];
    let path = "(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,12}){1,4}";
    let query = proptest::option::of("[A-Za-z0-9=&%/?._-]{0,20}");
    let absolute = proptest::option::of("[a-z0-9.-]{1,12}(:[0-9]{1,5})?");
    let name = "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}".prop_filter("a header the parser reads", |name: &String| {
        !READ_HEADERS.iter().any(|read| read.eq_ignore_ascii_case(name))
    });
    let others = proptest::collection::vec((name, "[ -~\t\u{80}-\u{ff}]{0,30}"), 0..6);
    let option =
        proptest::sample::select(&["close", "CLOSE", "keep-alive", "Keep-Alive", "upgrade", "te", "closed"][..]);
    let connection = proptest::option::of(proptest::collection::vec(option, 0..4));
    let length = proptest::option::of((0..=MAX_BODY, 1usize..3));
    let layout = (0usize..3, any::<bool>(), any::<bool>(), any::<proptest::sample::Index>());
    (method, version, path, query, absolute, others, connection, length, layout).prop_map(
        |(method, version, path, query, absolute, others, connection, length, layout)| {
            let (leading_lines, bare_line_feeds, host_in_1_0, host_position) = layout;
            let end: &[u8] = if bare_line_feeds { b"\n" } else { b"\r\n" };
            let mut text = end.repeat(leading_lines);
            text.extend_from_slice(if method == Method::Get { b"GET " } else { b"HEAD " });
            if let Some(authority) = &absolute {
                text.extend_from_slice(b"http://");
                text.extend_from_slice(authority.as_bytes());
            }
            text.extend_from_slice(path.as_bytes());
            if let Some(query) = &query {
                text.push(b'?');
                text.extend_from_slice(query.as_bytes());
            }
            text.extend_from_slice(if version == Version::Http11 { b" HTTP/1.1" } else { b" HTTP/1.0" });
            text.extend_from_slice(end);

            let mut lines: Vec<Vec<u8>> = Vec::new();
            for (name, value) in &others {
                // Header values hold Latin-1 as raw bytes (obs-text), not as UTF-8.
                let value: Vec<u8> = value.chars().map(|character| character as u8).collect();
                lines.push([name.as_bytes(), b":", &value].concat());
            }
            let mut keep_alive = version == Version::Http11;
            if let Some(options) = &connection {
                let value = options.join(if options.len() % 2 == 0 { ", " } else { "," });
                lines.push(format!("Connection: {value}").into_bytes());
                let has = |wanted: &str| options.iter().any(|option| option.eq_ignore_ascii_case(wanted));
                keep_alive = !has("close") && (version == Version::Http11 || has("keep-alive"));
            }
            let mut content_length = 0;
            if let Some((value, repeats)) = length {
                content_length = value;
                for _ in 0..repeats {
                    lines.push(format!("content-length: {value}").into_bytes());
                }
            }
            if version == Version::Http11 || host_in_1_0 {
                let host = b"Host: example.com".to_vec();
                lines.insert(host_position.index(lines.len() + 1), host);
            }
            for line in lines {
                text.extend_from_slice(&line);
                text.extend_from_slice(end);
            }
            text.extend_from_slice(end);
            Generated { text, method, path, version, keep_alive, content_length }
        },
    )
}

fn request_limits() -> Limits {
    Limits { max_body: MAX_BODY, ..Limits::default() }
}

/// The byte value of `Content-Length` in a written head, read back with std's parser.
fn written_length(head: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(head).ok()?;
    let line = text.split("\r\n").find_map(|line| line.strip_prefix("Content-Length: "))?;
    line.parse().ok()
}

proptest! {
    // No regression files: an integration test has no source root for proptest to find.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in any_bytes(), limits in limits()) {
        if let Ok(Parsed::Complete(request)) = parse(&bytes, &limits) {
            prop_assert!(request.head_len > 0 && request.head_len <= bytes.len());
            prop_assert!(request.head_len <= limits.max_head);
            prop_assert!(request.content_length <= limits.max_body);
            prop_assert!(request.path.starts_with('/'));
            let mut decoded = String::new();
            let _ = decode_path(request.path, &mut decoded);
        }
    }

    #[test]
    fn a_prefix_is_partial_or_agrees_with_the_whole(bytes in any_bytes(), limits in limits(), split in any::<proptest::sample::Index>()) {
        let whole = parse(&bytes, &limits);
        let prefix = parse(&bytes[..split.index(bytes.len() + 1)], &limits);
        prop_assert!(prefix == Ok(Parsed::Partial) || prefix == whole, "prefix {:?}, whole {:?}", prefix, whole);
    }

    #[test]
    fn valid_requests_parse_back(generated in valid_request(), next in any_bytes()) {
        let expected = Parsed::Complete(generated.expected());
        let text = &generated.text;
        prop_assert_eq!(parse(text, &request_limits()), Ok(expected));
        // Whatever follows (a body, a pipelined request, garbage) is not looked at.
        let followed = [&text[..], &next[..]].concat();
        prop_assert_eq!(parse(&followed, &request_limits()), Ok(Parsed::Complete(generated.expected())));
        for end in 0..text.len() {
            prop_assert_eq!(parse(&text[..end], &request_limits()), Ok(Parsed::Partial), "prefix of {} bytes", end);
        }
    }

    #[test]
    fn written_heads_carry_their_length(
        status in proptest::sample::select(&Status::ALL[..]),
        length in any::<usize>(),
        extension in "[a-zA-Z]{0,5}",
        keep_alive in any::<bool>(),
    ) {
        let mut out = Vec::new();
        write_head(&mut out, status, content_type(&format!("/file.{extension}")), length, keep_alive);
        prop_assert_eq!(written_length(&out), Some(length));
        let status_line = format!("HTTP/1.1 {} {}\r\n", status.code(), status.reason());
        prop_assert!(out.starts_with(status_line.as_bytes()));
        let connection: &[u8] = if keep_alive { b"\r\nConnection: keep-alive\r\n\r\n" } else { b"\r\nConnection: close\r\n\r\n" };
        prop_assert!(out.ends_with(connection));
        // Exactly one head: the empty line comes only at the end.
        prop_assert_eq!(out.windows(4).position(|window| window == b"\r\n\r\n"), Some(out.len() - 4));
    }

    #[test]
    fn error_bodies_match_their_length(status in proptest::sample::select(&Status::ALL[..]), keep_alive in any::<bool>()) {
        let mut head = Vec::new();
        error_response(&mut head, status, true, keep_alive);
        let mut full = Vec::new();
        error_response(&mut full, status, false, keep_alive);
        prop_assert!(full.starts_with(&head));
        let body = &full[head.len()..];
        prop_assert_eq!(written_length(&head), Some(body.len()));
        let expected = format!("{} {}\n", status.code(), status.reason());
        prop_assert_eq!(body, expected.as_bytes());
    }

    #[test]
    fn decode_path_round_trips(
        segments in proptest::collection::vec("[^\u{0}\\\\/]{0,8}".prop_filter("not ..", |segment: &String| segment != ".."), 0..5),
        raw in proptest::collection::vec(any::<bool>(), 64),
        upper in any::<bool>(),
    ) {
        let original: String = segments.iter().map(|segment| format!("/{segment}")).collect();
        let original = if original.is_empty() { String::from("/") } else { original };
        let mut encoded = String::new();
        for (index, byte) in original.bytes().enumerate() {
            let safe = byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte);
            // The leading `/` is what makes it a path; it stays as it is.
            if index == 0 || (safe && raw[index % raw.len()]) {
                encoded.push(char::from(byte));
            } else if upper {
                encoded.push_str(&format!("%{byte:02X}"));
            } else {
                encoded.push_str(&format!("%{byte:02x}"));
            }
        }
        let mut decoded = String::from("leftover");
        prop_assert_eq!(decode_path(&encoded, &mut decoded), Ok(()));
        prop_assert_eq!(decoded, original);
    }

    #[test]
    fn decoded_paths_stay_inside(path in "(/|%2[eEfF]|%5[cC]|%00|\\.|\\\\|[a-z]|%[0-9a-fA-F]{2}|%.?){0,12}") {
        let mut decoded = String::new();
        if decode_path(&path, &mut decoded).is_ok() {
            prop_assert!(decoded.starts_with('/'));
            prop_assert!(!decoded.split('/').any(|segment| segment == ".."));
            prop_assert!(!decoded.contains(['\0', '\\']));
        } else {
            prop_assert!(decoded.is_empty());
        }
    }
}
