//! Arbitrary bytes as what an HTTP connection received: parse the first request head with the
//! default and with small limits, decode its path, write the answer's head.
//! An error status is fine; a panic, or a request that claims bytes it was not given, is a bug.

#![no_main]

use httpd_http::{Limits, Parsed, decode_path, error_response, parse, write_head};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let small = Limits { max_head: 64, max_body: 16 };
    let mut path = String::new();
    let mut response = Vec::new();
    for limits in [Limits::default(), small] {
        let whole = parse(bytes, &limits);
        match &whole {
            Ok(Parsed::Complete(request)) => {
                assert!(request.head_len > 0 && request.head_len <= bytes.len());
                assert!(request.head_len <= limits.max_head);
                assert!(request.content_length <= limits.max_body);
                assert!(request.path.starts_with('/'));
                // The head alone is enough: nothing after it was read.
                assert_eq!(parse(&bytes[..request.head_len], &limits), whole);
                match decode_path(request.path, &mut path) {
                    Ok(()) => {
                        assert!(path.starts_with('/'));
                        assert!(!path.split('/').any(|segment| segment == ".."));
                        assert!(!path.contains(['\0', '\\']));
                    }
                    Err(status) => error_response(&mut response, status, false, false),
                }
                write_head(&mut response, httpd_http::Status::Ok200, httpd_http::content_type(&path), 0, true);
            }
            Ok(Parsed::Partial) => assert!(bytes.len() < limits.max_head.max(1)),
            Err(status) => error_response(&mut response, *status, true, false),
        }
        // A prefix waits for more or agrees with the whole.
        let prefix = parse(&bytes[..bytes.len() / 2], &limits);
        assert!(prefix == Ok(Parsed::Partial) || prefix == whole);
    }
});
