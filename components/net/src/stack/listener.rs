//! Listeners: a pool of listening sockets per port, refilled after every packet, and a queue
//! of established connections for `accept`.

use super::connection::new_tcp;
use super::{Entry, HANDSHAKE_TIMEOUT_MS, Kind, LISTENING, Listener, SocketId, Stack};
use crate::NetError;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::SocketAddrV4;
use smoltcp::socket::tcp;
use smoltcp::time::Duration;
use smoltcp::wire::{IpAddress, IpListenEndpoint};
use stardust_api::Nic;

impl<N: Nic> Stack<N> {
    /// Moves listeners' sockets that got a connection to their queues and listens with fresh
    /// ones; tells the device which ports' queues are full (their SYNs are dropped).
    pub(super) fn refill_listeners(&mut self) {
        let mut full_ports = core::mem::take(&mut self.device.full_ports);
        full_ports.clear();
        for entry in self.entries.iter_mut() {
            let Kind::Listener(listener) = &mut entry.kind else { continue };
            let mut i = 0;
            while i < listener.listening.len() {
                let handle = listener.listening[i];
                if self.sockets.get::<tcp::Socket>(handle).state() == tcp::State::Listen {
                    i += 1;
                } else {
                    listener.listening.swap_remove(i);
                    listener.queue.push_back(handle);
                }
            }
            // Connections reset before they were accepted are of no use to anyone; a reset
            // handshake puts its socket back to listening (smoltcp does that), so it goes back to
            // the pool; a handshake that stays half-open gives up after HANDSHAKE_TIMEOUT_MS
            // (set when it listens), and an established one has no timeout until its owner sets
            // one.
            let sockets = &mut self.sockets;
            let mut freed = 0;
            let listening = &mut listener.listening;
            listener.queue.retain(|&handle| {
                let socket = sockets.get_mut::<tcp::Socket>(handle);
                match socket.state() {
                    tcp::State::Closed => {
                        sockets.remove(handle);
                        freed += 1;
                        false
                    }
                    tcp::State::Listen => {
                        listening.push(handle);
                        false
                    }
                    tcp::State::SynReceived => true,
                    _ => {
                        socket.set_timeout(None);
                        true
                    }
                }
            });
            self.count -= freed;
            while listener.listening.len() < LISTENING
                && listener.queue.len() + listener.listening.len() < listener.backlog + LISTENING
                && self.count < self.limits.max_sockets
            {
                // Out of memory: no socket listens, and SYNs wait (dropped) until memory is back.
                let Some(mut socket) = new_tcp(&self.limits, self.count) else { break };
                let endpoint = IpListenEndpoint { addr: listener.address.map(IpAddress::Ipv4), port: listener.port };
                if socket.listen(endpoint).is_err() {
                    break;
                }
                socket.set_timeout(Some(Duration::from_millis(HANDSHAKE_TIMEOUT_MS)));
                listener.listening.push(self.sockets.add(socket));
                self.count += 1;
            }
            if listener.listening.is_empty() {
                full_ports.push(listener.port);
            }
        }
        self.device.full_ports = full_ports;
    }

    /// Listens for TCP connections to `local` (the unspecified address: to any of this
    /// machine's; port 0: an ephemeral port), keeping up to `backlog` established connections
    /// that nobody accepted yet. A listener on 127.0.0.1 is reached only from this machine.
    pub fn tcp_listen(&mut self, local: SocketAddrV4, backlog: usize) -> Result<SocketId, NetError> {
        let address = self.bind_address(*local.ip())?;
        let port = if local.port() == 0 { self.ephemeral_port(true)? } else { local.port() };
        if self.port_in_use(port, true) {
            return Err(NetError::AddressInUse);
        }
        self.room(LISTENING)?;
        let listener =
            Listener { address, port, listening: Vec::new(), queue: VecDeque::new(), backlog: backlog.max(1) };
        let id = self.insert(Kind::Listener(listener));
        self.refill_listeners();
        Ok(id)
    }

    /// The local address a TCP socket bound to `local` would listen on, checked as
    /// [`tcp_listen`](Self::tcp_listen) checks it (this machine's address, the port free); port
    /// 0 picks a free ephemeral port. Nothing is reserved until the socket listens.
    pub fn tcp_bind_address(&mut self, local: SocketAddrV4) -> Result<SocketAddrV4, NetError> {
        self.bind_address(*local.ip())?;
        let port = if local.port() == 0 { self.ephemeral_port(true)? } else { local.port() };
        if self.port_in_use(port, true) {
            return Err(NetError::AddressInUse);
        }
        Ok(SocketAddrV4::new(*local.ip(), port))
    }

    /// Takes the oldest established connection from a listener's queue, if one waits.
    pub fn tcp_accept(&mut self, listener: SocketId) -> Result<Option<SocketId>, NetError> {
        self.entry(listener)?;
        let Some(Entry { kind: Kind::Listener(state), .. }) = self.entries.get_mut(listener.index as usize) else {
            return Err(NetError::BadSocket);
        };
        let sockets = &self.sockets;
        let Some(position) = state
            .queue
            .iter()
            .position(|&handle| sockets.get::<tcp::Socket>(handle).state() != tcp::State::SynReceived)
        else {
            return Ok(None);
        };
        let Some(handle) = state.queue.remove(position) else { return Ok(None) };
        let id = self.insert(Kind::Tcp { handle, shut_read: false, shut_write: false, connecting: false });
        self.refill_listeners();
        Ok(Some(id))
    }
}
