//! The httpd app's HTTP/1.1 words: a parser for request heads and a writer for response heads.
//!
//! It is not a server: it does no I/O, keeps no connection state and never sees a body. It
//! accepts only what a static file server needs (GET and HEAD, HTTP/1.0 and 1.1, no chunked
//! bodies) and answers everything else with a [`Status`] the server can send back.
//!
//! Everything here faces the network, so [`parse`] never panics, never allocates and reads only
//! the bytes it is given; it is property-tested and fuzzed (`fuzz/fuzz_targets/http_request.rs`).
//! The writers avoid `core::fmt` (numbers go through [`write_decimal`]) because the crate is
//! linked into a size-optimised kernel image.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod path;
mod request;
mod response;
mod status;

pub use path::{OCTET_STREAM, content_type, decode_path};
pub use request::{DEFAULT_MAX_BODY, DEFAULT_MAX_HEAD, Limits, Method, Parsed, Request, Version, parse};
pub use response::{error_response, write_decimal, write_head};
pub use status::Status;
