//! Sockets' and epoll's arguments: address families and types, `sockaddr_in`, socket options,
//! `epoll_event`, as x86-64 Linux lays them out, decoded with the errno Linux gives.

use crate::Errno;
use crate::flags::{O_CLOEXEC, O_NONBLOCK};
use core::net::{Ipv4Addr, SocketAddrV4};

pub const AF_UNIX: u64 = 1;
pub const AF_INET: u64 = 2;
pub const AF_INET6: u64 = 10;
pub const SOCK_STREAM: u64 = 1;
pub const SOCK_DGRAM: u64 = 2;
pub const SOCK_NONBLOCK: u64 = O_NONBLOCK;
pub const SOCK_CLOEXEC: u64 = O_CLOEXEC;
pub const IPPROTO_IP: u64 = 0;
pub const IPPROTO_TCP: u64 = 6;
pub const IPPROTO_UDP: u64 = 17;
pub const SOL_SOCKET: u64 = 1;
pub const SO_REUSEADDR: u64 = 2;
pub const SO_TYPE: u64 = 3;
pub const SO_ERROR: u64 = 4;
pub const SO_BROADCAST: u64 = 6;
pub const SO_SNDBUF: u64 = 7;
pub const SO_RCVBUF: u64 = 8;
pub const SO_KEEPALIVE: u64 = 9;
pub const SO_LINGER: u64 = 13;
pub const SO_REUSEPORT: u64 = 15;
pub const SO_RCVTIMEO: u64 = 20;
pub const SO_SNDTIMEO: u64 = 21;
pub const TCP_NODELAY: u64 = 1;
pub const MSG_PEEK: u64 = 0x2;
pub const MSG_DONTWAIT: u64 = 0x40;
pub const MSG_WAITALL: u64 = 0x100;
pub const MSG_TRUNC: u64 = 0x20;
pub const MSG_NOSIGNAL: u64 = 0x4000;
pub const SHUT_RD: u64 = 0;
pub const SHUT_WR: u64 = 1;
pub const SHUT_RDWR: u64 = 2;
/// A socket's file type in `st_mode`.
pub const S_IFSOCK: u32 = 0o140000;
/// `sizeof(struct sockaddr_in)`.
pub const SOCKADDR_IN_SIZE: usize = 16;
/// `sizeof(struct timeval)`.
pub const TIMEVAL_SIZE: usize = 16;

pub const EPOLLIN: u32 = 0x1;
pub const EPOLLPRI: u32 = 0x2;
pub const EPOLLOUT: u32 = 0x4;
pub const EPOLLERR: u32 = 0x8;
pub const EPOLLHUP: u32 = 0x10;
pub const EPOLLRDNORM: u32 = 0x40;
pub const EPOLLWRNORM: u32 = 0x100;
pub const EPOLLRDHUP: u32 = 0x2000;
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;
pub const EPOLL_CTL_ADD: u64 = 1;
pub const EPOLL_CTL_DEL: u64 = 2;
pub const EPOLL_CTL_MOD: u64 = 3;
/// `sizeof(struct epoll_event)` on x86-64 (packed: a u32 and a u64).
pub const EPOLL_EVENT_SIZE: usize = 12;
/// The most events one `epoll_wait` returns (Linux: `INT_MAX / sizeof(struct epoll_event)`).
pub const EPOLL_MAX_EVENTS: u64 = (i32::MAX as u64) / EPOLL_EVENT_SIZE as u64;
pub const EFD_SEMAPHORE: u64 = 1;
pub const EFD_NONBLOCK: u64 = O_NONBLOCK;
pub const EFD_CLOEXEC: u64 = O_CLOEXEC;

/// Which kind of socket `socket` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// TCP.
    Stream,
    /// UDP.
    Datagram,
}

/// `socket(domain, type, protocol)`'s arguments, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketRequest {
    pub kind: SocketKind,
    pub nonblocking: bool,
    pub close_on_exec: bool,
}

impl SocketRequest {
    /// IPv4 TCP and UDP only: another family is `EAFNOSUPPORT`, another type `EINVAL` (an
    /// unknown flag bit) or `EPROTONOSUPPORT` (raw, seqpacket), a protocol that does not match
    /// the type `EPROTONOSUPPORT`.
    pub fn decode(domain: u64, kind: u64, protocol: u64) -> Result<SocketRequest, Errno> {
        if domain != AF_INET {
            return Err(Errno::EAFNOSUPPORT);
        }
        let flags = kind & (SOCK_NONBLOCK | SOCK_CLOEXEC);
        let base = kind & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
        let kind = match (base, protocol) {
            (SOCK_STREAM, IPPROTO_IP | IPPROTO_TCP) => SocketKind::Stream,
            (SOCK_DGRAM, IPPROTO_IP | IPPROTO_UDP) => SocketKind::Datagram,
            (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
            (base, _) if base > 0xf => return Err(Errno::EINVAL),
            _ => return Err(Errno::EPROTONOSUPPORT),
        };
        Ok(SocketRequest { kind, nonblocking: flags & SOCK_NONBLOCK != 0, close_on_exec: flags & SOCK_CLOEXEC != 0 })
    }
}

/// Reads a `sockaddr_in` the program passed with its length: shorter than 16 bytes is `EINVAL`,
/// another family `EAFNOSUPPORT`.
pub fn decode_sockaddr_in(bytes: &[u8]) -> Result<SocketAddrV4, Errno> {
    if bytes.len() < SOCKADDR_IN_SIZE {
        return Err(Errno::EINVAL);
    }
    let family = u16::from_le_bytes([bytes[0], bytes[1]]);
    if u64::from(family) != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    let port = u16::from_be_bytes([bytes[2], bytes[3]]);
    let address = Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]);
    Ok(SocketAddrV4::new(address, port))
}

/// A `sockaddr_in` for `address` (family, port and address in network order, zero padding).
pub fn encode_sockaddr_in(address: SocketAddrV4) -> [u8; SOCKADDR_IN_SIZE] {
    let mut bytes = [0u8; SOCKADDR_IN_SIZE];
    bytes[..2].copy_from_slice(&(AF_INET as u16).to_le_bytes());
    bytes[2..4].copy_from_slice(&address.port().to_be_bytes());
    bytes[4..8].copy_from_slice(&address.ip().octets());
    bytes
}

/// How many bytes of an address to copy out when the program's buffer holds `room` (a
/// negative `socklen_t` is `EINVAL`); the length written back is always the whole size, as
/// Linux does (the program sees it was cut).
pub fn address_room(room: u32) -> Result<usize, Errno> {
    if room > i32::MAX as u32 {
        return Err(Errno::EINVAL);
    }
    Ok((room as usize).min(SOCKADDR_IN_SIZE))
}

/// A `struct timeval` (SO_RCVTIMEO, SO_SNDTIMEO) as microseconds; zero means no timeout. A
/// negative or out-of-range value is `EDOM`, as Linux says.
pub fn decode_timeval(bytes: &[u8]) -> Result<u64, Errno> {
    if bytes.len() < TIMEVAL_SIZE {
        return Err(Errno::EINVAL);
    }
    let mut seconds = [0u8; 8];
    let mut micros = [0u8; 8];
    seconds.copy_from_slice(&bytes[..8]);
    micros.copy_from_slice(&bytes[8..16]);
    let (seconds, micros) = (i64::from_le_bytes(seconds), i64::from_le_bytes(micros));
    if seconds < 0 || !(0..1_000_000).contains(&micros) {
        return Err(Errno::EDOM);
    }
    Ok((seconds as u64).saturating_mul(1_000_000).saturating_add(micros as u64))
}

/// A `struct timeval` of `microseconds`.
pub fn encode_timeval(microseconds: u64) -> [u8; TIMEVAL_SIZE] {
    let mut bytes = [0u8; TIMEVAL_SIZE];
    bytes[..8].copy_from_slice(&(microseconds / 1_000_000).to_le_bytes());
    bytes[8..].copy_from_slice(&(microseconds % 1_000_000).to_le_bytes());
    bytes
}

/// An `int` option value (at least 4 bytes, else `EINVAL`).
pub fn decode_int_option(bytes: &[u8]) -> Result<i32, Errno> {
    match bytes.get(..4) {
        Some(value) => Ok(i32::from_le_bytes([value[0], value[1], value[2], value[3]])),
        None => Err(Errno::EINVAL),
    }
}

/// The size of `struct msghdr`.
pub const MSGHDR_SIZE: usize = 56;
/// Where `struct msghdr`'s `msg_namelen` (a `socklen_t` the kernel updates) sits.
pub const MSGHDR_NAME_LENGTH: u64 = 8;
/// Where `msg_controllen` sits (the kernel writes 0: no ancillary data comes back).
pub const MSGHDR_CONTROL_LENGTH: u64 = 40;
/// Where `msg_flags` sits (written by `recvmsg`).
pub const MSGHDR_FLAGS: u64 = 48;

/// One `struct msghdr` of `sendmsg`/`recvmsg`, as the program passed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHeader {
    /// `msg_name`: the peer's address (0: none).
    pub name: u64,
    /// `msg_namelen`.
    pub name_length: u32,
    /// `msg_iov`: the `struct iovec` array.
    pub vectors: u64,
    /// `msg_iovlen`.
    pub vector_count: u64,
    /// `msg_control`: ancillary data.
    pub control: u64,
    /// `msg_controllen`.
    pub control_length: u64,
}

impl MessageHeader {
    /// Reads one from the 56 bytes the kernel copied (fewer is `EFAULT`).
    pub fn decode(bytes: &[u8]) -> Result<MessageHeader, Errno> {
        if bytes.len() < MSGHDR_SIZE {
            return Err(Errno::EFAULT);
        }
        let u64_at = |at: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        Ok(MessageHeader {
            name: u64_at(0),
            name_length: u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
            vectors: u64_at(16),
            vector_count: u64_at(24),
            control: u64_at(32),
            control_length: u64_at(40),
        })
    }
}

/// One `struct epoll_event`: the events and the program's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}

impl EpollEvent {
    /// Reads one from 12 bytes (fewer is `EFAULT`: the program passed too little memory).
    pub fn decode(bytes: &[u8]) -> Result<EpollEvent, Errno> {
        if bytes.len() < EPOLL_EVENT_SIZE {
            return Err(Errno::EFAULT);
        }
        let events = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let mut data = [0u8; 8];
        data.copy_from_slice(&bytes[4..12]);
        Ok(EpollEvent { events, data: u64::from_le_bytes(data) })
    }

    /// The 12 bytes `epoll_wait` writes.
    pub fn encode(self) -> [u8; EPOLL_EVENT_SIZE] {
        let mut bytes = [0u8; EPOLL_EVENT_SIZE];
        bytes[..4].copy_from_slice(&self.events.to_le_bytes());
        bytes[4..].copy_from_slice(&self.data.to_le_bytes());
        bytes
    }
}

/// The events a descriptor reports, from its readiness (readable, writable, read side
/// closed, both sides closed, failed), masked by what the program asked for (`EPOLLERR` and
/// `EPOLLHUP` always, as Linux).
pub fn epoll_events(asked: u32, readable: bool, writable: bool, read_closed: bool, hung_up: bool, error: bool) -> u32 {
    let mut ready = 0;
    if readable {
        ready |= EPOLLIN | EPOLLRDNORM;
    }
    if writable {
        ready |= EPOLLOUT | EPOLLWRNORM;
    }
    if read_closed || hung_up {
        ready |= EPOLLRDHUP;
    }
    if hung_up {
        ready |= EPOLLHUP;
    }
    if error {
        ready |= EPOLLERR;
    }
    ready & (asked | EPOLLERR | EPOLLHUP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_requests_are_checked_as_linux_checks_them() {
        let tcp = SocketRequest::decode(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0).unwrap();
        assert_eq!(tcp, SocketRequest { kind: SocketKind::Stream, nonblocking: true, close_on_exec: false });
        let udp = SocketRequest::decode(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP).unwrap();
        assert_eq!(udp, SocketRequest { kind: SocketKind::Datagram, nonblocking: false, close_on_exec: true });
        assert_eq!(SocketRequest::decode(AF_INET6, SOCK_STREAM, 0), Err(Errno::EAFNOSUPPORT));
        assert_eq!(SocketRequest::decode(AF_UNIX, SOCK_STREAM, 0), Err(Errno::EAFNOSUPPORT));
        assert_eq!(SocketRequest::decode(AF_INET, SOCK_STREAM, IPPROTO_UDP), Err(Errno::EPROTONOSUPPORT));
        assert_eq!(SocketRequest::decode(AF_INET, 3, 0), Err(Errno::EPROTONOSUPPORT), "raw");
        assert_eq!(SocketRequest::decode(AF_INET, 0x40, 0), Err(Errno::EINVAL), "an unknown flag");
    }

    #[test]
    fn addresses_round_trip_in_network_order() {
        let address = SocketAddrV4::new(Ipv4Addr::new(10, 0, 2, 15), 8080);
        let bytes = encode_sockaddr_in(address);
        assert_eq!(&bytes[..8], &[2, 0, 0x1f, 0x90, 10, 0, 2, 15]);
        assert_eq!(decode_sockaddr_in(&bytes), Ok(address));
        assert_eq!(decode_sockaddr_in(&bytes[..15]), Err(Errno::EINVAL));
        let mut other = bytes;
        other[0] = 10;
        assert_eq!(decode_sockaddr_in(&other), Err(Errno::EAFNOSUPPORT));
        assert_eq!(address_room(4), Ok(4));
        assert_eq!(address_room(100), Ok(16));
        assert_eq!(address_room(u32::MAX), Err(Errno::EINVAL));
    }

    #[test]
    fn message_headers_are_read_field_by_field() {
        let mut bytes = [0u8; MSGHDR_SIZE];
        bytes[..8].copy_from_slice(&0x1000u64.to_le_bytes());
        bytes[8..12].copy_from_slice(&16u32.to_le_bytes());
        bytes[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
        bytes[24..32].copy_from_slice(&3u64.to_le_bytes());
        bytes[32..40].copy_from_slice(&0x3000u64.to_le_bytes());
        bytes[40..48].copy_from_slice(&24u64.to_le_bytes());
        let header = MessageHeader::decode(&bytes).unwrap();
        assert_eq!(
            header,
            MessageHeader {
                name: 0x1000,
                name_length: 16,
                vectors: 0x2000,
                vector_count: 3,
                control: 0x3000,
                control_length: 24
            }
        );
        assert_eq!(MessageHeader::decode(&bytes[..55]), Err(Errno::EFAULT));
    }

    #[test]
    fn timevals_and_options() {
        assert_eq!(decode_timeval(&encode_timeval(2_500_000)), Ok(2_500_000));
        let mut negative = encode_timeval(0);
        negative[..8].copy_from_slice(&(-1i64).to_le_bytes());
        assert_eq!(decode_timeval(&negative), Err(Errno::EDOM));
        assert_eq!(decode_timeval(&[0; 8]), Err(Errno::EINVAL));
        assert_eq!(decode_int_option(&1i32.to_le_bytes()), Ok(1));
        assert_eq!(decode_int_option(&[1, 0]), Err(Errno::EINVAL));
    }

    #[test]
    fn epoll_events_round_trip_and_errors_always_report() {
        let event = EpollEvent { events: EPOLLIN | EPOLLET, data: 0x1122_3344_5566_7788 };
        assert_eq!(EpollEvent::decode(&event.encode()), Ok(event));
        assert_eq!(EpollEvent::decode(&[0; 11]), Err(Errno::EFAULT));
        assert_eq!(epoll_events(EPOLLIN, true, true, false, false, false), EPOLLIN);
        assert_eq!(epoll_events(EPOLLOUT, false, false, false, true, true), EPOLLHUP | EPOLLERR);
        assert_eq!(epoll_events(EPOLLIN | EPOLLRDHUP, true, false, true, false, false), EPOLLIN | EPOLLRDHUP);
        assert_eq!(epoll_events(EPOLLIN, true, false, true, false, false), EPOLLIN, "RDHUP only when asked");
    }
}
