//! Sockets in an image without a network (feature `sockets` off): `socket` answers
//! `EAFNOSUPPORT`, as Linux does for a family it was built without, and the socket object
//! cannot exist, so the network's code is not linked in.

use crate::files::Ready;
use stardust_linux_abi::{Errno, SocketRequest};

/// Nothing to prepare without a network.
pub fn prepare() {}

/// Nothing queued without a network.
pub fn send_queued() {}

/// No sockets to watch.
pub fn watch_changes() {}

/// Nothing to deliver without a network.
pub fn finish_sending(_: core::time::Duration) {}

/// No socket can be made: the type has no values.
pub enum Socket {}

impl Socket {
    pub fn read(&self, _: u64, _: usize, _: bool) -> Result<u64, Errno> {
        match *self {}
    }

    pub fn write(&self, _: u64, _: usize, _: bool) -> Result<u64, Errno> {
        match *self {}
    }

    pub fn readiness(&self) -> Ready {
        match *self {}
    }
}

/// `socket(domain, type, protocol)`: the arguments are checked as Linux checks them, then
/// `EAFNOSUPPORT` (this image has no network).
pub fn create(domain: u64, kind: u64, protocol: u64) -> Result<u64, Errno> {
    SocketRequest::decode(domain, kind, protocol)?;
    Err(Errno::EAFNOSUPPORT)
}

/// Every other socket call: the descriptor cannot be a socket.
pub fn not_a_socket(fd: u64) -> Result<u64, Errno> {
    crate::files::fstat_exists(fd)?;
    Err(Errno::ENOTSOCK)
}
