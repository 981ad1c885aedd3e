//! TCP connections: connect, read, write, shutdown, options.

use super::{Kind, SocketId, Stack, try_buffer, v4};
use crate::{Limits, NetError};
use core::net::{Ipv4Addr, SocketAddrV4};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint};
use stardust_api::Nic;

impl<N: Nic> Stack<N> {
    /// The connection's peer.
    pub fn peer_addr(&mut self, id: SocketId) -> Result<SocketAddrV4, NetError> {
        let handle = self.tcp_handle(id)?;
        self.sockets.get::<tcp::Socket>(handle).remote_endpoint().map(v4).ok_or(NetError::NotConnected)
    }

    /// Starts a connection to `remote`; [`tcp_connected`](Self::tcp_connected) tells when it is
    /// established (or refused).
    pub fn tcp_connect(&mut self, remote: SocketAddrV4) -> Result<SocketId, NetError> {
        if remote.port() == 0 || remote.ip().is_unspecified() || remote.ip().is_broadcast() {
            return Err(NetError::InvalidInput);
        }
        // Only 127.0.0.1 of the loopback network answers here.
        if remote.ip().is_loopback() && *remote.ip() != Ipv4Addr::LOCALHOST {
            return Err(NetError::Unreachable);
        }
        if !remote.ip().is_loopback() && self.address().is_none() {
            return Err(NetError::Unreachable);
        }
        self.room(1)?;
        let port = self.ephemeral_port(true)?;
        let mut socket = new_tcp(&self.limits, self.count).ok_or(NetError::TooManySockets)?;
        let endpoint = IpEndpoint::new(IpAddress::Ipv4(*remote.ip()), remote.port());
        socket.connect(self.interface.context(), endpoint, port).map_err(|_| NetError::Unreachable)?;
        let handle = self.sockets.add(socket);
        self.count += 1;
        Ok(self.insert(Kind::Tcp { handle, shut_read: false, shut_write: false, connecting: true }))
    }

    /// Whether a connection started by `tcp_connect` is established: `Ok(false)` while it is
    /// still being set up, `ConnectionRefused` if the peer refused it.
    pub fn tcp_connected(&mut self, id: SocketId) -> Result<bool, NetError> {
        let handle = self.tcp_handle(id)?;
        let state = self.sockets.get::<tcp::Socket>(handle).state();
        let Kind::Tcp { connecting, .. } = &mut self.entry(id)?.kind else { return Err(NetError::BadSocket) };
        match state {
            tcp::State::SynSent | tcp::State::SynReceived => Ok(false),
            tcp::State::Closed if *connecting => Err(NetError::ConnectionRefused),
            _ => {
                *connecting = false;
                Ok(true)
            }
        }
    }

    pub(super) fn tcp_handle(&mut self, id: SocketId) -> Result<SocketHandle, NetError> {
        match self.entry(id)?.kind {
            Kind::Tcp { handle, .. } => Ok(handle),
            _ => Err(NetError::BadSocket),
        }
    }

    /// Reads received bytes into `buffer`: `Some(n)` with `n > 0` bytes, `Some(0)` at the end of
    /// the stream (the peer closed its side, or this side shut reading down) or for an empty
    /// `buffer` on an open stream, `None` if nothing is there yet.
    pub fn tcp_recv(&mut self, id: SocketId, buffer: &mut [u8]) -> Result<Option<usize>, NetError> {
        self.tcp_take(id, buffer, false)
    }

    /// As [`tcp_recv`](Self::tcp_recv), but the bytes stay in the socket for the next read.
    pub fn tcp_peek(&mut self, id: SocketId, buffer: &mut [u8]) -> Result<Option<usize>, NetError> {
        self.tcp_take(id, buffer, true)
    }

    fn tcp_take(&mut self, id: SocketId, buffer: &mut [u8], peek: bool) -> Result<Option<usize>, NetError> {
        let Kind::Tcp { handle, shut_read, connecting, .. } = self.entry(id)?.kind else {
            return Err(NetError::BadSocket);
        };
        if shut_read {
            return Ok(Some(0));
        }
        let socket = self.sockets.get_mut::<tcp::Socket>(handle);
        if buffer.is_empty() && socket.may_recv() {
            return Ok(Some(0));
        }
        let taken = if peek { socket.peek_slice(buffer) } else { socket.recv_slice(buffer) };
        match taken {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(tcp::RecvError::Finished) => Ok(Some(0)),
            Err(tcp::RecvError::InvalidState) => match socket.state() {
                tcp::State::SynSent | tcp::State::SynReceived => Ok(None),
                tcp::State::Closed if connecting => Err(NetError::ConnectionRefused),
                _ => Err(NetError::ConnectionReset),
            },
        }
    }

    /// Queues bytes from `buffer` for sending: `Some(n)` bytes taken (`n > 0` unless `buffer`
    /// is empty), `None` if the send buffer is full (or the connection is still being set up).
    pub fn tcp_send(&mut self, id: SocketId, buffer: &[u8]) -> Result<Option<usize>, NetError> {
        let Kind::Tcp { handle, shut_write, connecting, .. } = self.entry(id)?.kind else {
            return Err(NetError::BadSocket);
        };
        if shut_write {
            return Err(NetError::BrokenPipe);
        }
        let socket = self.sockets.get_mut::<tcp::Socket>(handle);
        match socket.state() {
            tcp::State::SynSent | tcp::State::SynReceived => return Ok(None),
            tcp::State::Closed if connecting => return Err(NetError::ConnectionRefused),
            tcp::State::Closed | tcp::State::TimeWait => return Err(NetError::ConnectionReset),
            _ => {}
        }
        if buffer.is_empty() {
            return Ok(Some(0));
        }
        match socket.send_slice(buffer) {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(NetError::NotConnected),
        }
    }

    /// True when every byte queued on the connection has been acknowledged by the peer (or the
    /// connection is gone).
    pub fn tcp_flushed(&mut self, id: SocketId) -> Result<bool, NetError> {
        let handle = self.tcp_handle(id)?;
        let socket = self.sockets.get::<tcp::Socket>(handle);
        Ok(socket.send_queue() == 0 || !socket.is_open())
    }

    /// Shuts the connection down for reading (later reads return end of stream; data that
    /// arrives is discarded) and/or writing (a FIN is sent after what is queued).
    pub fn tcp_shutdown(&mut self, id: SocketId, read: bool, write: bool) -> Result<(), NetError> {
        let handle = self.tcp_handle(id)?;
        let socket = self.sockets.get::<tcp::Socket>(handle);
        if !socket.is_open() && !matches!(socket.state(), tcp::State::TimeWait) {
            return Err(NetError::NotConnected);
        }
        let Kind::Tcp { shut_read, shut_write, .. } = &mut self.entry(id)?.kind else {
            return Err(NetError::BadSocket);
        };
        *shut_read |= read;
        let was_shut = core::mem::replace(shut_write, *shut_write || write);
        if write && !was_shut {
            self.sockets.get_mut::<tcp::Socket>(handle).close();
        }
        Ok(())
    }

    /// Turns Nagle's algorithm off (`true`: small writes go out at once) or on.
    pub fn tcp_set_nodelay(&mut self, id: SocketId, nodelay: bool) -> Result<(), NetError> {
        let handle = self.tcp_handle(id)?;
        self.sockets.get_mut::<tcp::Socket>(handle).set_nagle_enabled(!nodelay);
        Ok(())
    }

    /// Whether Nagle's algorithm is off.
    pub fn tcp_nodelay(&mut self, id: SocketId) -> Result<bool, NetError> {
        let handle = self.tcp_handle(id)?;
        Ok(!self.sockets.get::<tcp::Socket>(handle).nagle_enabled())
    }
}

/// A TCP socket with the buffers `limits` give when `open` sockets are open; `None` when the
/// heap has no room for them.
pub(super) fn new_tcp(limits: &Limits, open: usize) -> Option<tcp::Socket<'static>> {
    let (receive, send) = limits.tcp_buffers(open);
    let receive = try_buffer(receive)?;
    let send = try_buffer(send)?;
    let mut socket = tcp::Socket::new(tcp::SocketBuffer::new(receive), tcp::SocketBuffer::new(send));
    socket.set_nagle_enabled(true);
    Some(socket)
}
