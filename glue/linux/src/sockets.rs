//! IPv4 TCP and UDP sockets for the program, over `stardust::net` (built with feature
//! `sockets`, which profiles with a network turn on: `posix-net`).
//!
//! A socket descriptor starts fresh (options and a bound address kept), becomes a listener at
//! `listen`, a connection at `connect` or `accept`, and a UDP socket at its first `bind`,
//! `connect` or `sendto`. Blocking calls wait in the network's own wait queues (no CPU while
//! they wait); a non-blocking descriptor (`SOCK_NONBLOCK`, `O_NONBLOCK`, `MSG_DONTWAIT`) gets
//! `EAGAIN`, and a non-blocking `connect` `EINPROGRESS` (writable when done, `SO_ERROR` says
//! how). `sendmsg`/`recvmsg` move bytes and addresses (no ancillary data). 127.0.0.1 is the
//! network's loopback. Not here yet: IPv6, Unix sockets.

use crate::files::{CHUNK, Description, Object, Ready};
use crate::{process, user};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};
use stardust::io::{ErrorKind, Read, Write};
use stardust::net::{Readiness, TcpListener, TcpStream, UdpSocket};
use stardust::sync::Mutex;
use stardust::time::Duration;
use stardust_linux_abi::{
    Errno, IPPROTO_TCP, MessageHeader, SHUT_RD, SHUT_RDWR, SHUT_WR, SO_BROADCAST, SO_ERROR, SO_KEEPALIVE, SO_LINGER,
    SO_RCVBUF, SO_RCVTIMEO, SO_REUSEADDR, SO_REUSEPORT, SO_SNDBUF, SO_SNDTIMEO, SO_TYPE, SOCK_DGRAM, SOCK_STREAM,
    SOL_SOCKET, SocketKind, SocketRequest, TCP_NODELAY, address_room, decode_int_option, decode_sockaddr_in,
    decode_timeval, encode_sockaddr_in, encode_timeval,
};

/// A socket descriptor's object.
pub struct Socket {
    kind: SocketKind,
    state: Mutex<State>,
}

/// Options kept for the socket whatever it becomes.
#[derive(Clone, Copy, Default)]
struct Options {
    nodelay: bool,
    reuse_address: bool,
    keep_alive: bool,
    /// Microseconds; 0: none.
    read_timeout: u64,
    write_timeout: u64,
}

enum Role {
    Fresh { bound: Option<SocketAddrV4> },
    Listener(Arc<TcpListener>),
    Stream(Arc<TcpStream>),
    Udp(Arc<UdpSocket>),
}

struct State {
    role: Role,
    options: Options,
}

/// The files' mapping, but for what sockets say differently: a timeout (SO_RCVTIMEO) is
/// EAGAIN, and no room for buffers ENOBUFS.
fn errno(error: &stardust::io::Error) -> Errno {
    match error.kind() {
        ErrorKind::TimedOut => Errno::EAGAIN,
        ErrorKind::OutOfMemory => Errno::ENOBUFS,
        kind => crate::files::errno_of(kind),
    }
}

fn timeout(microseconds: u64) -> Option<Duration> {
    (microseconds != 0).then(|| Duration::from_micros(microseconds))
}

impl State {
    /// Gives a connection or UDP socket the options' timeouts (a fresh socket or a listener
    /// keeps them for what it becomes or accepts).
    fn apply_timeouts(&self) {
        let (read, write) = (timeout(self.options.read_timeout), timeout(self.options.write_timeout));
        let _ = match &self.role {
            Role::Stream(stream) => stream.set_read_timeout(read).and(stream.set_write_timeout(write)),
            Role::Udp(udp) => udp.set_read_timeout(read).and(udp.set_write_timeout(write)),
            Role::Fresh { .. } | Role::Listener(_) => Ok(()),
        };
    }
}

impl Socket {
    fn state(&self) -> stardust::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stream(&self) -> Result<Arc<TcpStream>, Errno> {
        match &self.state().role {
            Role::Stream(stream) => Ok(Arc::clone(stream)),
            _ => Err(Errno::ENOTCONN),
        }
    }

    /// The UDP socket, bound to an ephemeral port first if it is not bound yet.
    fn udp(&self) -> Result<Arc<UdpSocket>, Errno> {
        let mut state = self.state();
        match &state.role {
            Role::Udp(socket) => Ok(Arc::clone(socket)),
            Role::Fresh { bound } => {
                let local = bound.unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
                let socket = UdpSocket::bind(local).map_err(|e| errno(&e))?;
                let socket = Arc::new(socket);
                state.role = Role::Udp(Arc::clone(&socket));
                state.apply_timeouts();
                Ok(socket)
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// `read` on the socket: a connection's bytes, or a datagram's.
    pub fn read(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        let (bytes, _) = self.receive(count, nonblocking, false)?;
        user::write(buffer, &bytes)?;
        Ok(bytes.len() as u64)
    }

    /// `write` on the socket.
    pub fn write(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        self.send(&user::read(buffer, count.min(CHUNK))?, nonblocking, None)
    }

    /// Receives into the program's `buffer`: the bytes, and a datagram's sender.
    /// Receives up to `count` bytes (at most a chunk): the bytes, and the sender of a datagram.
    fn receive(&self, count: usize, nonblocking: bool, peek: bool) -> Result<(Vec<u8>, Option<SocketAddrV4>), Errno> {
        let mut bytes = vec![0u8; count.min(CHUNK)];
        let (n, sender) = match self.kind {
            SocketKind::Stream => {
                let stream = self.stream()?;
                stream.set_nonblocking(nonblocking).map_err(|e| errno(&e))?;
                let n = if peek { stream.peek(&mut bytes) } else { (&*stream).read(&mut bytes) };
                (n.map_err(|e| errno(&e))?, None)
            }
            SocketKind::Datagram => {
                if peek {
                    // Not in the network's UDP sockets yet: refused rather than consuming.
                    return Err(Errno::EOPNOTSUPP);
                }
                let socket = self.udp()?;
                socket.set_nonblocking(nonblocking).map_err(|e| errno(&e))?;
                let (n, sender) = socket.recv_from(&mut bytes).map_err(|e| errno(&e))?;
                let sender = match sender {
                    core::net::SocketAddr::V4(sender) => Some(sender),
                    core::net::SocketAddr::V6(_) => None,
                };
                (n, sender)
            }
        };
        bytes.truncate(n);
        Ok((bytes, sender))
    }

    /// As `receive`, with `recv`'s flags (MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL); a connection's
    /// sender is its peer.
    fn receive_with(
        &self,
        count: usize,
        flags: u64,
        nonblocking: bool,
    ) -> Result<(Vec<u8>, Option<SocketAddrV4>), Errno> {
        let nonblocking = nonblocking || flags & stardust_linux_abi::MSG_DONTWAIT != 0;
        let peek = flags & stardust_linux_abi::MSG_PEEK != 0;
        let (mut bytes, sender) = self.receive(count, nonblocking, peek)?;
        // MSG_WAITALL on a blocking stream: until the count, the end, or an error.
        let wait_all = flags & stardust_linux_abi::MSG_WAITALL != 0;
        if wait_all && !nonblocking && !peek && self.kind == SocketKind::Stream {
            let count = count.min(CHUNK);
            while !bytes.is_empty() && bytes.len() < count {
                match self.receive(count - bytes.len(), false, false) {
                    Ok((more, _)) if !more.is_empty() => bytes.extend_from_slice(&more),
                    _ => break,
                }
            }
        }
        let sender = sender.or_else(|| match self.stream().ok()?.peer_addr() {
            Ok(core::net::SocketAddr::V4(peer)) => Some(peer),
            _ => None,
        });
        Ok((bytes, sender))
    }

    fn send(&self, bytes: &[u8], nonblocking: bool, to: Option<SocketAddrV4>) -> Result<u64, Errno> {
        match self.kind {
            SocketKind::Stream => {
                let stream = self.stream().map_err(|_| Errno::EPIPE)?;
                stream.set_nonblocking(nonblocking).map_err(|e| errno(&e))?;
                (&*stream).write(bytes).map(|n| n as u64).map_err(|e| errno(&e))
            }
            SocketKind::Datagram => {
                let socket = self.udp()?;
                socket.set_nonblocking(nonblocking).map_err(|e| errno(&e))?;
                let sent = match to {
                    Some(to) => socket.send_to(bytes, to),
                    None => socket.send(bytes).map_err(|error| {
                        if error.kind() == ErrorKind::NotConnected {
                            stardust::io::Error::new(ErrorKind::Other, "no destination")
                        } else {
                            error
                        }
                    }),
                };
                match sent {
                    Ok(n) => Ok(n as u64),
                    Err(error) if error.kind() == ErrorKind::Other => Err(Errno::EDESTADDRREQ),
                    Err(error) if error.kind() == ErrorKind::InvalidInput => Err(Errno::EMSGSIZE),
                    Err(error) => Err(errno(&error)),
                }
            }
        }
    }

    /// What poll and epoll see.
    pub fn readiness(&self) -> Ready {
        let readiness = match &self.state().role {
            // As Linux: an unconnected TCP socket polls as writable and hung up.
            Role::Fresh { .. } => {
                return Ready { writable: true, hung_up: self.kind == SocketKind::Stream, ..Ready::default() };
            }
            Role::Listener(listener) => listener.readiness(),
            Role::Stream(stream) => stream.readiness(),
            Role::Udp(socket) => socket.readiness(),
        };
        let readiness = readiness.unwrap_or(Readiness::READABLE | Readiness::WRITABLE | Readiness::ERROR);
        Ready {
            readable: readiness.contains(Readiness::READABLE),
            writable: readiness.contains(Readiness::WRITABLE),
            read_closed: readiness.contains(Readiness::READ_CLOSED),
            hung_up: readiness.contains(Readiness::READ_CLOSED) && readiness.contains(Readiness::WRITE_CLOSED),
            error: readiness.contains(Readiness::ERROR),
        }
    }
}

/// Has the network's thread wake the threads waiting in poll and epoll when a socket changes.
pub fn watch_changes() {
    stardust::net::set_change_hook(crate::readiness::changed);
}

/// Sends what the program's non-blocking writes queued (one pass over the network's sockets for
/// all of them): epoll and poll call it before they wait.
pub fn send_queued() {
    let _ = stardust::net::send_queued();
}

/// At the program's end: lets the network deliver what it wrote (up to `limit`), as Linux
/// keeps sending for a process that exited.
pub fn finish_sending(limit: Duration) {
    stardust::net::finish_sending(limit);
}

/// Before the program starts: waits (up to 30 s) for the interface's address, as a Linux
/// program finds its network configured. Without a card this returns at once.
pub fn prepare() {
    if let Err(error) = stardust::net::wait_for_address(Duration::from_secs(30)) {
        log::warn!("linux: the program starts without an IPv4 address ({error})");
    }
}

/// The socket of descriptor `fd` (`ENOTSOCK` for another kind), and whether it is non-blocking.
fn socket(fd: u64) -> Result<(Arc<Description>, bool), Errno> {
    let (description, status) =
        process::with(|process| Ok((process.files.get(fd as u32)?.clone(), process.files.status(fd as u32)?)))?;
    if !matches!(description.object, Object::Socket(_)) {
        return Err(Errno::ENOTSOCK);
    }
    Ok((description, status.nonblocking))
}

/// Runs `f` on socket `fd` (with whether it is non-blocking); `writing` counts the call as a
/// read (`Some(false)`: receives, accepts) or a write (`Some(true)`: sends, connects) for
/// edge-triggered epoll, `None` as neither.
fn with_socket<T>(
    fd: u64,
    writing: Option<bool>,
    f: impl FnOnce(&Socket, bool) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let (description, nonblocking) = socket(fd)?;
    if let Some(writing) = writing {
        description.used(writing);
    }
    match &description.object {
        Object::Socket(socket) => f(socket, nonblocking),
        _ => Err(Errno::ENOTSOCK),
    }
}

fn open(socket: Socket, nonblocking: bool, close_on_exec: bool) -> Result<u64, Errno> {
    crate::files::open_object(Object::Socket(socket), nonblocking, close_on_exec)
}

/// Copies `address` out to a `sockaddr` buffer whose length (`socklen_t`) is at `length`.
fn write_address(buffer: u64, length: u64, address: SocketAddrV4) -> Result<(), Errno> {
    if buffer == 0 {
        return Ok(());
    }
    let mut room = [0u8; 4];
    user::read_into(length, &mut room)?;
    let room = address_room(u32::from_le_bytes(room))?;
    user::write(buffer, &encode_sockaddr_in(address)[..room])?;
    user::write(length, &(stardust_linux_abi::SOCKADDR_IN_SIZE as u32).to_le_bytes())
}

fn read_address(buffer: u64, length: u64) -> Result<SocketAddrV4, Errno> {
    let length = usize::try_from(length).map_err(|_| Errno::EINVAL)?.min(128);
    decode_sockaddr_in(&user::read(buffer, length)?)
}

/// `socket(domain, type, protocol)`.
pub fn create(domain: u64, kind: u64, protocol: u64) -> Result<u64, Errno> {
    let request = SocketRequest::decode(domain, kind, protocol)?;
    let socket = Socket {
        kind: request.kind,
        state: Mutex::new(State { role: Role::Fresh { bound: None }, options: Options::default() }),
    };
    open(socket, request.nonblocking, request.close_on_exec)
}

/// `bind(fd, address, length)`: kept until `listen` (TCP) or made now (UDP).
pub fn bind(fd: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let address = read_address(address, length)?;
    with_socket(fd, None, |socket, _| {
        let mut state = socket.state();
        match &state.role {
            Role::Fresh { bound: None } => {}
            _ => return Err(Errno::EINVAL),
        }
        match socket.kind {
            SocketKind::Stream => {
                let address = stardust::net::tcp_bind_address(address).map_err(|e| errno(&e))?;
                state.role = Role::Fresh { bound: Some(address) }
            }
            SocketKind::Datagram => {
                let udp = UdpSocket::bind(address).map_err(|e| errno(&e))?;
                state.role = Role::Udp(Arc::new(udp));
                state.apply_timeouts();
            }
        }
        Ok(0)
    })
}

/// `listen(fd, backlog)`: the backlog is the network's (128).
pub fn listen(fd: u64) -> Result<u64, Errno> {
    with_socket(fd, None, |socket, _| {
        if socket.kind != SocketKind::Stream {
            return Err(Errno::EOPNOTSUPP);
        }
        let mut state = socket.state();
        let address = match &state.role {
            Role::Fresh { bound } => bound.unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
            Role::Listener(_) => return Ok(0),
            _ => return Err(Errno::EINVAL),
        };
        let listener = TcpListener::bind(address).map_err(|e| errno(&e))?;
        state.role = Role::Listener(Arc::new(listener));
        Ok(0)
    })
}

/// `accept4(fd, address, length, flags)` (and `accept` with no flags).
pub fn accept(fd: u64, address: u64, length: u64, flags: u64) -> Result<u64, Errno> {
    use stardust_linux_abi::{SOCK_CLOEXEC, SOCK_NONBLOCK};
    if flags & !(SOCK_CLOEXEC | SOCK_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let (stream, peer, options) = with_socket(fd, Some(false), |socket, nonblocking| {
        let (listener, options) = {
            let state = socket.state();
            match &state.role {
                Role::Listener(listener) => (Arc::clone(listener), state.options),
                _ => return Err(Errno::EINVAL),
            }
        };
        listener.set_nonblocking(nonblocking).map_err(|e| errno(&e))?;
        let (stream, peer) = listener.accept().map_err(|e| errno(&e))?;
        Ok((stream, peer, options))
    })?;
    // Accepted connections inherit the listener's options, as on Linux.
    let _ = stream.set_nodelay(options.nodelay);
    let state = State { role: Role::Stream(Arc::new(stream)), options };
    state.apply_timeouts();
    let accepted = Socket { kind: SocketKind::Stream, state: Mutex::new(state) };
    let new = open(accepted, flags & SOCK_NONBLOCK != 0, flags & SOCK_CLOEXEC != 0)?;
    if let core::net::SocketAddr::V4(peer) = peer
        && let Err(error) = write_address(address, length, peer)
    {
        let _ = crate::files::close(new);
        return Err(error);
    }
    Ok(new)
}

/// `connect(fd, address, length)`.
pub fn connect(fd: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let remote = read_address(address, length)?;
    with_socket(fd, Some(true), |socket, nonblocking| {
        if socket.kind == SocketKind::Datagram {
            socket.udp()?.connect(remote).map_err(|e| errno(&e))?;
            return Ok(0);
        }
        let options = {
            let state = socket.state();
            match &state.role {
                Role::Fresh { .. } => state.options,
                Role::Stream(_) => return Err(Errno::EISCONN),
                _ => return Err(Errno::EINVAL),
            }
        };
        let stream = if nonblocking {
            TcpStream::connect_start(remote).map_err(|e| errno(&e))?
        } else {
            TcpStream::connect(remote).map_err(|e| errno(&e))?
        };
        let _ = stream.set_nodelay(options.nodelay);
        let mut state = socket.state();
        state.role = Role::Stream(Arc::new(stream));
        state.apply_timeouts();
        drop(state);
        if nonblocking { Err(Errno::EINPROGRESS) } else { Ok(0) }
    })
}

/// `sendto(fd, buffer, length, flags, address, address_length)` (`send` without an address).
pub fn send_to(fd: u64, buffer: u64, count: u64, flags: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let to = if address == 0 { None } else { Some(read_address(address, length)?) };
    let bytes = user::read(buffer, (stardust_linux_abi::transfer_length(count) as usize).min(CHUNK))?;
    with_socket(fd, Some(true), |socket, nonblocking| send_with(socket, &bytes, flags, nonblocking, to))
}

fn send_with(
    socket: &Socket,
    bytes: &[u8],
    flags: u64,
    nonblocking: bool,
    to: Option<SocketAddrV4>,
) -> Result<u64, Errno> {
    let nonblocking = nonblocking || flags & stardust_linux_abi::MSG_DONTWAIT != 0;
    socket.send(bytes, nonblocking, if socket.kind == SocketKind::Datagram { to } else { None })
}

/// `recvfrom(fd, buffer, length, flags, address, address_length)` (`recv` without one).
pub fn receive_from(fd: u64, buffer: u64, count: u64, flags: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let count = stardust_linux_abi::transfer_length(count) as usize;
    let (bytes, sender) =
        with_socket(fd, Some(false), |socket, nonblocking| socket.receive_with(count, flags, nonblocking))?;
    user::write(buffer, &bytes)?;
    if let Some(sender) = sender {
        write_address(address, length, sender)?;
    }
    Ok(bytes.len() as u64)
}

/// The `struct msghdr` at `message` and its buffers. Ancillary data is not supported: a
/// non-empty `msg_control` is `EOPNOTSUPP` on send (nothing is dropped silently).
fn message_header(message: u64) -> Result<(MessageHeader, Vec<stardust_linux_abi::IoVector>), Errno> {
    let header = MessageHeader::decode(&user::read(message, stardust_linux_abi::MSGHDR_SIZE)?)?;
    let size = stardust_linux_abi::io_vector_array_size(header.vector_count).map_err(|_| Errno::EMSGSIZE)?;
    let vectors = stardust_linux_abi::decode_io_vectors(&user::read(header.vectors, size)?)?;
    Ok((header, vectors))
}

/// `sendmsg(fd, message, flags)`: the buffers gathered into one send (one datagram on UDP).
pub fn send_message(fd: u64, message: u64, flags: u64) -> Result<u64, Errno> {
    let (header, vectors) = message_header(message)?;
    if header.control_length != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    // A name of length 0 is no name, as on Linux.
    let to = if header.name == 0 || header.name_length == 0 {
        None
    } else {
        Some(read_address(header.name, u64::from(header.name_length))?)
    };
    let mut bytes = Vec::new();
    for vector in vectors {
        let room = CHUNK - bytes.len();
        let length = (stardust_linux_abi::transfer_length(vector.length) as usize).min(room);
        bytes.extend_from_slice(&user::read(vector.base, length)?);
    }
    with_socket(fd, Some(true), |socket, nonblocking| send_with(socket, &bytes, flags, nonblocking, to))
}

/// `recvmsg(fd, message, flags)`: one receive scattered over the buffers; a datagram's sender
/// in `msg_name` (a connection's `msg_namelen` is 0, as Linux), no ancillary data
/// (`msg_controllen` 0), `msg_flags` 0. Every place written is checked before anything is
/// taken from the socket, so a bad pointer loses no data.
pub fn receive_message(fd: u64, message: u64, flags: u64) -> Result<u64, Errno> {
    let (header, vectors) = message_header(message)?;
    if (header.name_length as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let count = vectors.iter().fold(0u64, |total, vector| total.saturating_add(vector.length));
    let count = (stardust_linux_abi::transfer_length(count) as usize).min(CHUNK);
    user::check_writable(message, stardust_linux_abi::MSGHDR_SIZE)?;
    if header.name != 0 {
        user::check_writable(header.name, (header.name_length as usize).min(stardust_linux_abi::SOCKADDR_IN_SIZE))?;
    }
    let mut left = count;
    for vector in &vectors {
        let length = (vector.length as usize).min(left);
        user::check_writable(vector.base, length)?;
        left -= length;
    }
    let (bytes, sender, kind) = with_socket(fd, Some(false), |socket, nonblocking| {
        socket.receive_with(count, flags, nonblocking).map(|(bytes, sender)| (bytes, sender, socket.kind))
    })?;
    let mut rest = &bytes[..];
    for vector in vectors {
        if rest.is_empty() {
            break;
        }
        let (piece, after) = rest.split_at((vector.length as usize).min(rest.len()));
        user::write(vector.base, piece)?;
        rest = after;
    }
    let name_length = message + stardust_linux_abi::MSGHDR_NAME_LENGTH;
    match sender {
        Some(sender) if header.name != 0 && kind == SocketKind::Datagram => {
            write_address(header.name, name_length, sender)?
        }
        _ => user::write(name_length, &0u32.to_le_bytes())?,
    }
    user::write(message + stardust_linux_abi::MSGHDR_CONTROL_LENGTH, &0u64.to_le_bytes())?;
    user::write(message + stardust_linux_abi::MSGHDR_FLAGS, &0u32.to_le_bytes())?;
    Ok(bytes.len() as u64)
}

/// `shutdown(fd, how)`.
pub fn shutdown(fd: u64, how: u64) -> Result<u64, Errno> {
    let how = match how {
        SHUT_RD => stardust::net::Shutdown::Read,
        SHUT_WR => stardust::net::Shutdown::Write,
        SHUT_RDWR => stardust::net::Shutdown::Both,
        _ => return Err(Errno::EINVAL),
    };
    with_socket(fd, None, |socket, _| {
        socket.stream()?.shutdown(how).map_err(|e| errno(&e))?;
        Ok(0)
    })
}

/// `getsockname(fd, address, length)`.
pub fn local_name(fd: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let name = with_socket(fd, None, |socket, _| {
        let state = socket.state();
        let name = match &state.role {
            Role::Fresh { bound } => {
                Ok(core::net::SocketAddr::V4(bound.unwrap_or(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))))
            }
            Role::Listener(listener) => listener.local_addr(),
            Role::Stream(stream) => stream.local_addr(),
            Role::Udp(udp) => udp.local_addr(),
        };
        name.map_err(|e| errno(&e))
    })?;
    if let core::net::SocketAddr::V4(name) = name {
        write_address(address, length, name)?;
    }
    Ok(0)
}

/// `getpeername(fd, address, length)`.
pub fn peer_name(fd: u64, address: u64, length: u64) -> Result<u64, Errno> {
    let peer = with_socket(fd, None, |socket, _| socket.stream()?.peer_addr().map_err(|e| errno(&e)))?;
    if let core::net::SocketAddr::V4(peer) = peer {
        write_address(address, length, peer)?;
    }
    Ok(0)
}

/// `setsockopt(fd, level, name, value, length)`: the options servers and std set; the rest
/// `ENOPROTOOPT`.
pub fn set_option(fd: u64, level: u64, name: u64, value: u64, length: u64) -> Result<u64, Errno> {
    let length = usize::try_from(length).map_err(|_| Errno::EINVAL)?.min(64);
    let bytes = user::read(value, length)?;
    with_socket(fd, None, |socket, _| {
        let mut state = socket.state();
        match (level, name) {
            (SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT) => state.options.reuse_address = decode_int_option(&bytes)? != 0,
            (SOL_SOCKET, SO_KEEPALIVE) => state.options.keep_alive = decode_int_option(&bytes)? != 0,
            (SOL_SOCKET, SO_BROADCAST | SO_SNDBUF | SO_RCVBUF | SO_LINGER) => {}
            (SOL_SOCKET, SO_RCVTIMEO) => {
                state.options.read_timeout = decode_timeval(&bytes)?;
                state.apply_timeouts();
            }
            (SOL_SOCKET, SO_SNDTIMEO) => {
                state.options.write_timeout = decode_timeval(&bytes)?;
                state.apply_timeouts();
            }
            (IPPROTO_TCP, TCP_NODELAY) if socket.kind == SocketKind::Stream => {
                state.options.nodelay = decode_int_option(&bytes)? != 0;
                if let Role::Stream(stream) = &state.role {
                    let _ = stream.set_nodelay(state.options.nodelay);
                }
            }
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(0)
    })
}

/// `getsockopt(fd, level, name, value, length)`.
pub fn get_option(fd: u64, level: u64, name: u64, value: u64, length: u64) -> Result<u64, Errno> {
    let answer: alloc::vec::Vec<u8> = with_socket(fd, None, |socket, _| {
        let state = socket.state();
        let int = |value: i32| value.to_le_bytes().to_vec();
        Ok(match (level, name) {
            (SOL_SOCKET, SO_TYPE) => {
                int(if socket.kind == SocketKind::Stream { SOCK_STREAM as i32 } else { SOCK_DGRAM as i32 })
            }
            (SOL_SOCKET, SO_ERROR) => {
                let failure = match &state.role {
                    Role::Stream(stream) => stream.take_error().ok().flatten().map(|e| errno(&e) as i32),
                    _ => None,
                };
                int(failure.unwrap_or(0))
            }
            (SOL_SOCKET, SO_REUSEADDR | SO_REUSEPORT) => int(i32::from(state.options.reuse_address)),
            (SOL_SOCKET, SO_KEEPALIVE) => int(i32::from(state.options.keep_alive)),
            (SOL_SOCKET, SO_SNDBUF) => int(4096),
            (SOL_SOCKET, SO_RCVBUF) => int(2048),
            (SOL_SOCKET, SO_RCVTIMEO) => encode_timeval(state.options.read_timeout).to_vec(),
            (SOL_SOCKET, SO_SNDTIMEO) => encode_timeval(state.options.write_timeout).to_vec(),
            (IPPROTO_TCP, TCP_NODELAY) => int(i32::from(state.options.nodelay)),
            _ => return Err(Errno::ENOPROTOOPT),
        })
    })?;
    let mut room = [0u8; 4];
    user::read_into(length, &mut room)?;
    let room = u32::from_le_bytes(room);
    if room > i32::MAX as u32 {
        return Err(Errno::EINVAL);
    }
    let n = answer.len().min(room as usize);
    user::write(value, &answer[..n])?;
    user::write(length, &(n as u32).to_le_bytes())?;
    Ok(0)
}
