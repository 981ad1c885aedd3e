//! The response statuses this server sends, with their codes and reason phrases.

/// A response status: what [`parse`](crate::parse) answers to a bad request, or what the server
/// answers to a good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 200: the file follows.
    Ok200,
    /// 400: the head breaks the grammar, lacks or repeats `Host`, frames its body two ways, or
    /// (from [`decode_path`](crate::decode_path)) names a path outside the served tree.
    BadRequest400,
    /// 404: no such file.
    NotFound404,
    /// 405: a well-formed method other than GET and HEAD. Responses carry `Allow: GET, HEAD`.
    MethodNotAllowed405,
    /// 413: `Content-Length` exceeds [`Limits::max_body`](crate::Limits::max_body).
    ContentTooLarge413,
    /// 414: the request line alone does not fit in [`Limits::max_head`](crate::Limits::max_head).
    UriTooLong414,
    /// 431: the request line fits but the whole head does not.
    HeadersTooLarge431,
    /// 500: the server failed (a disk error, say), not the client.
    InternalError500,
    /// 501: `Transfer-Encoding` without `Content-Length`: a body framing this server cannot read.
    NotImplemented501,
    /// 505: a well-formed HTTP version other than 1.x.
    VersionNotSupported505,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 10] = [
        Status::Ok200,
        Status::BadRequest400,
        Status::NotFound404,
        Status::MethodNotAllowed405,
        Status::ContentTooLarge413,
        Status::UriTooLong414,
        Status::HeadersTooLarge431,
        Status::InternalError500,
        Status::NotImplemented501,
        Status::VersionNotSupported505,
    ];

    /// The three-digit status code.
    pub fn code(self) -> u16 {
        match self {
            Status::Ok200 => 200,
            Status::BadRequest400 => 400,
            Status::NotFound404 => 404,
            Status::MethodNotAllowed405 => 405,
            Status::ContentTooLarge413 => 413,
            Status::UriTooLong414 => 414,
            Status::HeadersTooLarge431 => 431,
            Status::InternalError500 => 500,
            Status::NotImplemented501 => 501,
            Status::VersionNotSupported505 => 505,
        }
    }

    /// The reason phrase RFC 9110 registers for the code (RFC 6585 for 431).
    pub fn reason(self) -> &'static str {
        match self {
            Status::Ok200 => "OK",
            Status::BadRequest400 => "Bad Request",
            Status::NotFound404 => "Not Found",
            Status::MethodNotAllowed405 => "Method Not Allowed",
            Status::ContentTooLarge413 => "Content Too Large",
            Status::UriTooLong414 => "URI Too Long",
            Status::HeadersTooLarge431 => "Request Header Fields Too Large",
            Status::InternalError500 => "Internal Server Error",
            Status::NotImplemented501 => "Not Implemented",
            Status::VersionNotSupported505 => "HTTP Version Not Supported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_three_digits_and_reasons_are_printable() {
        for status in Status::ALL {
            assert!((100..1000).contains(&status.code()), "{status:?}");
            assert!(!status.reason().is_empty());
            assert!(status.reason().bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic()));
        }
    }

    #[test]
    fn codes_are_distinct() {
        for (index, status) in Status::ALL.iter().enumerate() {
            assert!(Status::ALL[index + 1..].iter().all(|other| other.code() != status.code()));
        }
    }
}
