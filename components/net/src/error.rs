//! What a socket operation's failure means.

/// Why a socket operation failed. Every variant is something the caller can act on; none means
/// "try again" (that is `Ok(None)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// Another socket of this kind already uses the port.
    AddressInUse,
    /// The local address to bind is not this machine's (neither a loopback address nor the
    /// interface's own).
    AddressNotAvailable,
    /// The interface has no IPv4 address yet (DHCP has not answered), or the destination cannot
    /// be reached from it.
    Unreachable,
    /// The peer answered the connection request with a reset: nothing listens there.
    ConnectionRefused,
    /// The peer reset the connection (or it was aborted after a timeout).
    ConnectionReset,
    /// The connection is not established (still connecting, or already closed on this side).
    NotConnected,
    /// This side shut the connection down for writing.
    BrokenPipe,
    /// A parameter is out of range: port 0 to connect to, an unspecified address, a datagram too
    /// big for the socket's buffer.
    InvalidInput,
    /// The stack's socket limit ([`Limits::max_sockets`](crate::Limits::max_sockets)) is
    /// reached, or the heap has no room for another socket's buffers.
    TooManySockets,
    /// The id names no socket (it was closed), or a socket of another kind.
    BadSocket,
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            NetError::AddressInUse => "address in use",
            NetError::AddressNotAvailable => "not this machine's address",
            NetError::Unreachable => "network unreachable (no IPv4 address or route)",
            NetError::ConnectionRefused => "connection refused",
            NetError::ConnectionReset => "connection reset by peer",
            NetError::NotConnected => "not connected",
            NetError::BrokenPipe => "broken pipe (shut down for writing)",
            NetError::InvalidInput => "invalid argument",
            NetError::TooManySockets => "too many sockets",
            NetError::BadSocket => "no such socket",
        })
    }
}
