//! Readiness changes: which sockets a blocking layer above must wake.

use super::{Kind, SocketId, Stack};
use crate::NetError;
use core::ops::BitOr;
use smoltcp::iface::SocketSet;
use smoltcp::socket::{tcp, udp};
use stardust_api::Nic;

impl<N: Nic> Stack<N> {
    /// Makes [`changed`](Self::changed) report `id` at its next change from its readiness now.
    /// A thread about to wait for the socket calls this (with the stack still locked): without
    /// it, a change and its undoing between two `changed` calls (data arrived and was read,
    /// then more data) would look like no change at all.
    /// Returns true if the readiness had changed since `changed` last reported it (a change
    /// made by another thread, say): other threads waiting for the socket must then be woken,
    /// as `changed` will not report it any more.
    pub fn rearm(&mut self, id: SocketId) -> Result<bool, NetError> {
        self.entry(id)?;
        let Some(entry) = self.entries.get_mut(id.index as usize) else { return Err(NetError::BadSocket) };
        let now = signature(&self.sockets, &entry.kind);
        let unreported = entry.signature != now;
        entry.signature = now;
        Ok(unreported)
    }

    /// Runs `f`, an operation on socket `id` by the thread that will wait for it, and lets
    /// [`changed`](Self::changed) take the operation's own effect on the socket's readiness as
    /// already known (a read that empties the buffer, an accept that takes the last
    /// connection), provided nothing was unreported before it: that thread needs no wake-up
    /// for what it did itself, and neither do the others waiting for the socket.
    pub fn absorb<T>(&mut self, id: SocketId, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self
            .entries
            .get(id.index as usize)
            .map(|entry| entry.generation == id.generation && entry.signature == signature(&self.sockets, &entry.kind));
        let result = f(self);
        if before == Some(true)
            && let Some(entry) = self.entries.get_mut(id.index as usize)
            && entry.generation == id.generation
        {
            entry.signature = signature(&self.sockets, &entry.kind);
        }
        result
    }

    /// Calls `f` with every socket whose readiness (data to read, room to write,
    /// connection state, connections to accept) differs from the last time it was reported.
    /// A new socket is reported at the first call.
    pub fn changed(&mut self, mut f: impl FnMut(SocketId)) {
        for (index, entry) in self.entries.iter_mut_numbered() {
            // A connection that got through is no longer connecting, whether or not anyone
            // asked `tcp_connected` (a non-blocking connect): a later reset is a reset.
            if let Kind::Tcp { handle, connecting, .. } = &mut entry.kind
                && *connecting
                && !matches!(
                    self.sockets.get::<tcp::Socket>(*handle).state(),
                    tcp::State::SynSent | tcp::State::SynReceived | tcp::State::Closed
                )
            {
                *connecting = false;
            }
            let signature = signature(&self.sockets, &entry.kind);
            if signature != entry.signature {
                entry.signature = signature;
                f(SocketId { index: index as u32, generation: entry.generation });
            }
        }
    }
}

/// What a socket is ready for now, as `poll`/`epoll` report it: a set of the flags below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness(u8);

impl Readiness {
    /// Nothing.
    pub const NONE: Readiness = Readiness(0);
    /// A read (or accept, or receive) would not wait: bytes or a datagram are there, a
    /// connection waits on a listener, or the stream has ended (a read gives 0 or the error).
    pub const READABLE: Readiness = Readiness(1);
    /// A write (or send) would not wait: there is room in the send buffer, or the connection
    /// has failed (the write gives the error).
    pub const WRITABLE: Readiness = Readiness(2);
    /// Reading has ended: the peer sent its FIN, this side shut reading down, or the
    /// connection is gone (POLLRDHUP).
    pub const READ_CLOSED: Readiness = Readiness(4);
    /// Writing has ended: this side shut writing down, or the connection is gone (with
    /// `READ_CLOSED`, POLLHUP).
    pub const WRITE_CLOSED: Readiness = Readiness(8);
    /// The connection failed: refused or reset (POLLERR); [`Stack::tcp_error`] says which.
    pub const ERROR: Readiness = Readiness(16);

    /// Whether every flag of `other` is set here.
    pub const fn contains(self, other: Readiness) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set here.
    pub const fn intersects(self, other: Readiness) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitAnd for Readiness {
    type Output = Readiness;
    fn bitand(self, other: Readiness) -> Readiness {
        Readiness(self.0 & other.0)
    }
}

impl BitOr for Readiness {
    type Output = Readiness;
    fn bitor(self, other: Readiness) -> Readiness {
        Readiness(self.0 | other.0)
    }
}

impl<N: Nic> Stack<N> {
    /// What socket `id` is ready for now. A listener is only ever READABLE (connections wait
    /// to be accepted); a connection that is still being set up is nothing yet; a refused or
    /// reset connection is everything (each operation then gives its error).
    pub fn readiness(&mut self, id: SocketId) -> Result<Readiness, NetError> {
        self.entry(id)?;
        let Some(entry) = self.entries.get(id.index as usize) else { return Err(NetError::BadSocket) };
        let sockets = &self.sockets;
        Ok(match &entry.kind {
            Kind::Listener(listener) => {
                let waiting = listener
                    .queue
                    .iter()
                    .any(|&handle| sockets.get::<tcp::Socket>(handle).state() != tcp::State::SynReceived);
                if waiting { Readiness::READABLE } else { Readiness::NONE }
            }
            Kind::Udp { handle, .. } => {
                let socket = sockets.get::<udp::Socket>(*handle);
                let mut ready = Readiness::NONE;
                if socket.can_recv() {
                    ready = ready | Readiness::READABLE;
                }
                if socket.can_send() {
                    ready = ready | Readiness::WRITABLE;
                }
                ready
            }
            Kind::Tcp { handle, shut_read, shut_write, .. } => {
                let socket = sockets.get::<tcp::Socket>(*handle);
                tcp_readiness(socket, *shut_read, *shut_write)
            }
        })
    }

    /// Why a connection failed, if it did: `ConnectionRefused` (the connect was answered
    /// with a reset) or `ConnectionReset`; `None` while it is healthy or closed in order.
    pub fn tcp_error(&mut self, id: SocketId) -> Result<Option<NetError>, NetError> {
        let Kind::Tcp { handle, shut_write, connecting, .. } = self.entry(id)?.kind else {
            return Err(NetError::BadSocket);
        };
        Ok(match self.sockets.get::<tcp::Socket>(handle).state() {
            tcp::State::Closed if connecting => Some(NetError::ConnectionRefused),
            tcp::State::Closed if !shut_write => Some(NetError::ConnectionReset),
            _ => None,
        })
    }
}

fn tcp_readiness(socket: &tcp::Socket<'_>, shut_read: bool, shut_write: bool) -> Readiness {
    use tcp::State;
    let state = socket.state();
    if matches!(state, State::SynSent | State::SynReceived) {
        return Readiness::NONE;
    }
    // Closed without our FIN (a reset or a refusal) or TIME-WAIT: every operation ends at once.
    let gone = matches!(state, State::Closed | State::TimeWait);
    let mut ready = Readiness::NONE;
    let read_ended = shut_read || gone || !socket.may_recv();
    if socket.can_recv() || read_ended {
        ready = ready | Readiness::READABLE;
    }
    if read_ended {
        ready = ready | Readiness::READ_CLOSED;
    }
    let write_ended = shut_write || !matches!(state, State::Established | State::CloseWait);
    if write_ended {
        ready = ready | Readiness::WRITE_CLOSED;
    }
    if (socket.can_send() && !write_ended) || (gone && !shut_write) {
        ready = ready | Readiness::WRITABLE;
    }
    if state == State::Closed && !shut_write {
        ready = ready | Readiness::ERROR;
    }
    ready
}

/// A socket's readiness as a number: it changes when anything a waiter waits for changes.
fn signature(sockets: &SocketSet<'_>, kind: &Kind) -> u32 {
    match kind {
        Kind::Tcp { handle, shut_read, shut_write, .. } => {
            let socket = sockets.get::<tcp::Socket>(*handle);
            socket.state() as u32
                | u32::from(socket.can_recv()) << 8
                | u32::from(socket.may_recv()) << 9
                | u32::from(socket.can_send()) << 10
                | u32::from(socket.send_queue() == 0) << 11
                | u32::from(*shut_read) << 12
                | u32::from(*shut_write) << 13
        }
        Kind::Listener(listener) => listener
            .queue
            .iter()
            .filter(|&&handle| sockets.get::<tcp::Socket>(handle).state() != tcp::State::SynReceived)
            .count() as u32,
        Kind::Udp { handle, .. } => {
            // The bytes queued too: `can_send` counts only packets, and a sender waiting for
            // room for a big datagram must hear when smaller ones leave.
            let socket = sockets.get::<udp::Socket>(*handle);
            u32::from(socket.can_recv()) | u32::from(socket.can_send()) << 1 | (socket.send_queue() as u32) << 2
        }
    }
}
