//! Stardust's network stack: `smoltcp` over the [`Nic`] contract, as one [`Stack`] value with no
//! threads of its own. Whoever owns it calls [`Stack::poll`] when frames may have arrived or
//! timers may have run out; sockets are named by [`SocketId`]s and never block: an operation
//! that would have to wait returns `Ok(None)`, and [`Stack::changed`] later names the
//! sockets whose readiness changed, so a blocking layer above knows whom to wake.
//!
//! What it adds to smoltcp:
//! - **Listeners with a backlog.** A smoltcp socket accepts one connection; a [`Stack`] listener
//!   keeps a few sockets listening on its port and, after every received packet, moves those
//!   that got a connection to its accept queue and listens with fresh ones. When the queue is
//!   full, new SYNs for that port are dropped before smoltcp sees them (the client retries, as
//!   with a full Linux backlog) instead of being answered with a reset.
//! - **Closing in the background.** A closed TCP socket sends its FIN, discards whatever still
//!   arrives (so a client that is still sending sees its data taken and reads our answer), and
//!   is freed when the connection ends or after [`CLOSE_TIMEOUT_MS`].
//! - **Errors with meanings**: [`NetError`].
//! - **IPv4 configuration** by DHCP or static, [`Ipv4Config`].

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod device;
pub mod frame;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
pub use core::net::{Ipv4Addr, SocketAddrV4};
use smoltcp::iface::{Config, Interface, PollIngressSingleResult, SocketHandle, SocketSet};
use smoltcp::socket::{dhcpv4, tcp, udp};
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint, Ipv4Cidr};
use stardust_api::Slots;
pub use stardust_api::{Nic, NicStats};

/// How long a closed TCP connection may take to finish (FIN exchanged, unread data discarded)
/// before it is aborted and freed.
pub const CLOSE_TIMEOUT_MS: u64 = 10_000;
/// How long a closed connection stays in TIME-WAIT: long enough for smoltcp's delayed ACK
/// (10 ms) of the peer's FIN to leave. The full 2*MSL would hold every connection's buffers
/// for a minute; a late duplicate FIN is answered with a reset, which the peer ignores.
const TIME_WAIT_MS: u64 = 20;
/// The largest UDP payload sent: one 1500-byte frame without IP fragmentation (which this
/// stack does not build in).
pub const MAX_DATAGRAM: usize = 1500 - 20 - 8;
/// Frames handled by one `poll`.
const FRAMES_PER_POLL: usize = 64;
/// How long a connection may stay half-open (our SYN-ACK unanswered) in a listener's queue.
const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// Sockets listening at once on a listener's port (refilled after every packet).
const LISTENING: usize = 2;
/// Ephemeral ports for outgoing connections and `bind(0)`: 49152..=65535 (RFC 6335).
const EPHEMERAL: core::ops::RangeInclusive<u16> = 49152..=65535;

/// How the interface gets its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv4Config {
    /// Ask a DHCP server (the default); the address may come late, or change.
    Dhcp,
    /// A fixed address, prefix length and optional default gateway.
    Static {
        /// The interface's address.
        address: Ipv4Addr,
        /// The network prefix length (0..=32).
        prefix: u8,
        /// Where packets for other networks go.
        gateway: Option<Ipv4Addr>,
    },
}

/// Sizes that bound the stack's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Receive buffer of each TCP connection, bytes.
    pub tcp_receive: usize,
    /// Send buffer of each TCP connection, bytes.
    pub tcp_send: usize,
    /// Datagrams each UDP socket holds in each direction, and their total bytes.
    pub udp_packets: usize,
    /// Bytes of datagrams each UDP socket holds in each direction.
    pub udp_bytes: usize,
    /// Sockets of every kind, listeners' pools and closing connections included.
    pub max_sockets: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { tcp_receive: 4096, tcp_send: 8192, udp_packets: 16, udp_bytes: 8192, max_sockets: 512 }
    }
}

/// Why a socket operation failed. Every variant is something the caller can act on; none means
/// "try again" (that is `Ok(None)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// Another socket of this kind already uses the port.
    AddressInUse,
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
    /// The stack's socket limit ([`Limits::max_sockets`]) is reached, or the heap has no room
    /// for another socket's buffers.
    TooManySockets,
    /// The id names no socket (it was closed), or a socket of another kind.
    BadSocket,
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            NetError::AddressInUse => "address in use",
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

/// A socket's name in its [`Stack`]. The id of a closed socket is not given out again until
/// its slot has been reused 2^32 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId {
    index: u32,
    generation: u32,
}

impl SocketId {
    /// A small number for the socket, unique among the open ones (reused after a close), for
    /// tables indexed by socket.
    pub fn slot(self) -> usize {
        self.index as usize
    }
}

#[derive(Debug)]
struct Listener {
    port: u16,
    listening: Vec<SocketHandle>,
    /// Connections that left the listen state, oldest first, until `accept` takes them.
    queue: VecDeque<SocketHandle>,
    backlog: usize,
}

#[derive(Debug)]
enum Kind {
    Tcp { handle: SocketHandle, shut_read: bool, shut_write: bool, connecting: bool },
    Listener(Listener),
    Udp { handle: SocketHandle, port: u16 },
}

#[derive(Debug)]
struct Entry {
    kind: Kind,
    generation: u32,
    /// Readiness at the last `changed` call.
    signature: u32,
}

/// The network stack: the interface, its sockets, and the NIC they use.
pub struct Stack<N: Nic> {
    interface: Interface,
    device: device::Adapter<N>,
    sockets: SocketSet<'static>,
    entries: Slots<Entry>,
    generation: u32,
    /// TCP connections closed by their owner, finishing in the background: (handle, when it is
    /// freed, whether it was seen in TIME-WAIT).
    closing: Vec<(SocketHandle, u64, bool)>,
    dhcp: Option<SocketHandle>,
    limits: Limits,
    next_port: u16,
    count: usize,
    now_ms: u64,
}

fn instant(ms: u64) -> Instant {
    Instant::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

fn v4(endpoint: IpEndpoint) -> SocketAddrV4 {
    match endpoint.addr {
        IpAddress::Ipv4(address) => SocketAddrV4::new(address, endpoint.port),
    }
}

impl<N: Nic> Stack<N> {
    /// A stack over `nic`, configured by `config`. `seed` seeds TCP's initial sequence numbers
    /// and the ephemeral ports (give it something different at every boot); `now_ms` is the
    /// time in milliseconds on a clock that only moves forward, as in every later call.
    pub fn new(nic: N, config: Ipv4Config, limits: Limits, seed: u64, now_ms: u64) -> Stack<N> {
        let mut device = device::Adapter::new(nic);
        let mut interface_config = Config::new(HardwareAddress::Ethernet(EthernetAddress(device.nic.mac_address())));
        interface_config.random_seed = seed;
        let interface = Interface::new(interface_config, &mut device, instant(now_ms));
        let span = EPHEMERAL.end() - EPHEMERAL.start();
        // Room for every socket the limit allows (and DHCP's), taken now: smoltcp grows its
        // table infallibly, and a doubling under load could stop the VM for want of memory.
        let mut limits = limits;
        let mut storage = Vec::new();
        while storage.try_reserve_exact(limits.max_sockets + 1).is_err() && limits.max_sockets > 1 {
            limits.max_sockets /= 2;
        }
        let mut stack = Stack {
            interface,
            device,
            sockets: SocketSet::new(storage),
            entries: Slots::new(),
            generation: 0,
            closing: Vec::new(),
            dhcp: None,
            limits,
            next_port: EPHEMERAL.start() + (seed % u64::from(span)) as u16,
            count: 0,
            now_ms,
        };
        match config {
            Ipv4Config::Dhcp => stack.dhcp = Some(stack.sockets.add(dhcpv4::Socket::new())),
            Ipv4Config::Static { address, prefix, gateway } => {
                stack.configure(Some((address, prefix.min(32))), gateway)
            }
        }
        stack
    }

    fn configure(&mut self, address: Option<(Ipv4Addr, u8)>, gateway: Option<Ipv4Addr>) {
        self.interface.update_ip_addrs(|addresses| {
            addresses.clear();
            if let Some((address, prefix)) = address {
                let _ = addresses.push(IpCidr::Ipv4(Ipv4Cidr::new(address, prefix)));
            }
        });
        let routes = self.interface.routes_mut();
        routes.remove_default_ipv4_route();
        if let Some(gateway) = gateway {
            let _ = routes.add_default_ipv4_route(gateway);
        }
    }

    /// The card's Ethernet address.
    pub fn mac_address(&self) -> [u8; 6] {
        self.device.nic.mac_address()
    }

    /// The interface's IPv4 address and prefix length, once it has one.
    pub fn address(&self) -> Option<(Ipv4Addr, u8)> {
        self.interface.ip_addrs().first().map(|cidr| match cidr {
            IpCidr::Ipv4(cidr) => (cidr.address(), cidr.prefix_len()),
        })
    }

    /// The card's counters, and frames dropped by the stack's own SYN backpressure.
    pub fn stats(&self) -> NicStats {
        let mut stats = self.device.nic.stats();
        stats.dropped += self.device.syns_dropped;
        stats
    }

    /// Sockets in use, listeners' pools and closing connections included.
    pub fn socket_count(&self) -> usize {
        self.count
    }

    /// Handles every received frame, runs timers, and sends what sockets have queued. Returns
    /// true if anything happened (a frame came in, or a socket's state may have changed).
    pub fn poll(&mut self, now_ms: u64) -> bool {
        self.now_ms = now_ms;
        let now = instant(now_ms);
        self.interface.poll_maintenance(now);
        let sent = self.device.transmitted;
        let mut busy = false;
        // A bounded number of frames per poll, so that a flood cannot keep the stack's lock
        // from the threads that read and write (the caller polls again at once when busy).
        for _ in 0..FRAMES_PER_POLL {
            let Some(frame) = self.device.fetch() else { break };
            busy = true;
            if let Some(syn) = frame::syn(frame) {
                self.forget_old_connection(syn);
            }
            if self.interface.poll_ingress_single(now, &mut self.device, &mut self.sockets)
                == PollIngressSingleResult::SocketStateChanged
            {
                self.refill_listeners();
            }
            self.device.pending = None;
        }
        while self.interface.poll_egress(now, &mut self.device, &mut self.sockets)
            == smoltcp::iface::PollResult::SocketStateChanged
        {
            busy = true;
        }
        self.refill_listeners();
        self.reap_closing();
        self.dhcp_events();
        busy || self.device.transmitted != sent
    }

    /// Sends what sockets have queued (after a write), without looking for received frames.
    pub fn flush(&mut self, now_ms: u64) {
        self.now_ms = now_ms;
        let now = instant(now_ms);
        while self.interface.poll_egress(now, &mut self.device, &mut self.sockets)
            == smoltcp::iface::PollResult::SocketStateChanged
        {}
    }

    /// Milliseconds until the stack needs `poll` again for its own timers (retransmissions,
    /// DHCP), if it has any; received frames need a poll whatever this says.
    pub fn poll_delay_ms(&mut self, now_ms: u64) -> Option<u64> {
        self.interface.poll_delay(instant(now_ms), &self.sockets).map(|delay| delay.total_millis())
    }

    fn dhcp_events(&mut self) {
        let Some(handle) = self.dhcp else { return };
        let event = self.sockets.get_mut::<dhcpv4::Socket>(handle).poll();
        match event {
            Some(dhcpv4::Event::Configured(config)) => {
                let (address, prefix, router) = (config.address.address(), config.address.prefix_len(), config.router);
                self.configure(Some((address, prefix)), router);
                log::info!("net: DHCP gave {address}/{prefix}, gateway {router:?}");
            }
            Some(dhcpv4::Event::Deconfigured) => {
                // smoltcp also says this once at the start, before there was any address.
                if self.address().is_some() {
                    log::warn!("net: the DHCP lease was lost; no IPv4 address");
                }
                self.configure(None, None);
            }
            None => {}
        }
    }

    /// Moves listeners' sockets that got a connection to their queues and listens with fresh
    /// ones; tells the device which ports' queues are full (their SYNs are dropped).
    fn refill_listeners(&mut self) {
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
                let Some(mut socket) = new_tcp(&self.limits) else { break };
                if socket.listen(listener.port).is_err() {
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

    /// A new connection request from an address and port that a closed connection of ours
    /// still remembers (in TIME-WAIT, say: clients reuse ports at once) means the client is done
    /// with the old one: free it, so that the SYN reaches a listener instead of the old socket,
    /// which would ignore it and leave the client waiting a second to retry.
    fn forget_old_connection(&mut self, syn: frame::Syn) {
        let sockets = &mut self.sockets;
        let before = self.closing.len();
        self.closing.retain(|&(handle, _, _)| {
            let socket = sockets.get_mut::<tcp::Socket>(handle);
            // Only a connection that is over on both sides: a SYN is easy to forge, and one that
            // could end a connection still sending its answer would be an attack.
            let same = matches!(socket.state(), tcp::State::TimeWait | tcp::State::Closed)
                && socket.local_endpoint().is_some_and(|local| local.port == syn.destination_port)
                && socket
                    .remote_endpoint()
                    .is_some_and(|remote| remote.port == syn.source_port && remote.addr == IpAddress::Ipv4(syn.source));
            if same {
                socket.abort();
                sockets.remove(handle);
            }
            !same
        });
        self.count -= before - self.closing.len();
    }

    fn reap_closing(&mut self) {
        let now = self.now_ms;
        let sockets = &mut self.sockets;
        let before = self.closing.len();
        self.closing.retain_mut(|(handle, deadline, waiting)| {
            let socket = sockets.get_mut::<tcp::Socket>(*handle);
            // Discard what still arrives, so a peer that is still sending gets its window and
            // reads our answer.
            while let Ok(n) = socket.recv(|data| (data.len(), data.len())) {
                if n == 0 {
                    break;
                }
            }
            match socket.state() {
                // TIME-WAIT is kept only until a delayed ACK of the peer's FIN has left.
                tcp::State::TimeWait if !*waiting => {
                    *waiting = true;
                    *deadline = (*deadline).min(now.saturating_add(TIME_WAIT_MS));
                }
                tcp::State::Closed => *deadline = now,
                _ => {}
            }
            if now >= *deadline {
                socket.abort();
                sockets.remove(*handle);
                false
            } else {
                true
            }
        });
        self.count -= before - self.closing.len();
    }

    fn insert(&mut self, kind: Kind) -> SocketId {
        self.generation = self.generation.wrapping_add(1);
        let entry = Entry { kind, generation: self.generation, signature: u32::MAX };
        let index = self.entries.insert(entry);
        SocketId { index: index as u32, generation: self.generation }
    }

    fn entry(&mut self, id: SocketId) -> Result<&mut Entry, NetError> {
        match self.entries.get_mut(id.index as usize) {
            Some(entry) if entry.generation == id.generation => Ok(entry),
            _ => Err(NetError::BadSocket),
        }
    }

    fn room(&self, sockets: usize) -> Result<(), NetError> {
        if self.count + sockets > self.limits.max_sockets { Err(NetError::TooManySockets) } else { Ok(()) }
    }

    fn port_in_use(&self, port: u16, tcp: bool) -> bool {
        self.entries.iter().any(|entry| match &entry.kind {
            Kind::Listener(listener) => tcp && listener.port == port,
            Kind::Udp { port: used, .. } => !tcp && *used == port,
            Kind::Tcp { .. } => false,
        })
    }

    fn ephemeral_port(&mut self, tcp: bool) -> Result<u16, NetError> {
        for _ in EPHEMERAL {
            let port = self.next_port;
            self.next_port = if port == *EPHEMERAL.end() { *EPHEMERAL.start() } else { port + 1 };
            let connected = tcp
                && self.entries.iter().any(|entry| match entry.kind {
                    Kind::Tcp { handle, .. } => {
                        self.sockets.get::<tcp::Socket>(handle).local_endpoint().is_some_and(|e| e.port == port)
                    }
                    _ => false,
                });
            if !connected && !self.port_in_use(port, tcp) {
                return Ok(port);
            }
        }
        Err(NetError::AddressInUse)
    }

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
            let signature = signature(&self.sockets, &entry.kind);
            if signature != entry.signature {
                entry.signature = signature;
                f(SocketId { index: index as u32, generation: entry.generation });
            }
        }
    }

    /// Listens for TCP connections on `port` (0: an ephemeral port), keeping up to `backlog`
    /// established connections that nobody accepted yet.
    pub fn tcp_listen(&mut self, port: u16, backlog: usize) -> Result<SocketId, NetError> {
        let port = if port == 0 { self.ephemeral_port(true)? } else { port };
        if self.port_in_use(port, true) {
            return Err(NetError::AddressInUse);
        }
        self.room(LISTENING)?;
        let listener = Listener { port, listening: Vec::new(), queue: VecDeque::new(), backlog: backlog.max(1) };
        let id = self.insert(Kind::Listener(listener));
        self.refill_listeners();
        Ok(id)
    }

    /// The port a listener or UDP socket is bound to, or a connection's local address.
    pub fn local_addr(&mut self, id: SocketId) -> Result<SocketAddrV4, NetError> {
        let unspecified = self.address().map_or(Ipv4Addr::UNSPECIFIED, |(address, _)| address);
        match &self.entry(id)?.kind {
            Kind::Listener(listener) => Ok(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, listener.port)),
            Kind::Udp { port, .. } => Ok(SocketAddrV4::new(unspecified, *port)),
            &Kind::Tcp { handle, .. } => {
                self.sockets.get::<tcp::Socket>(handle).local_endpoint().map(v4).ok_or(NetError::NotConnected)
            }
        }
    }

    /// The connection's peer.
    pub fn peer_addr(&mut self, id: SocketId) -> Result<SocketAddrV4, NetError> {
        let handle = self.tcp_handle(id)?;
        self.sockets.get::<tcp::Socket>(handle).remote_endpoint().map(v4).ok_or(NetError::NotConnected)
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

    /// Starts a connection to `remote`; [`tcp_connected`](Self::tcp_connected) tells when it is
    /// established (or refused).
    pub fn tcp_connect(&mut self, remote: SocketAddrV4) -> Result<SocketId, NetError> {
        if remote.port() == 0 || remote.ip().is_unspecified() || remote.ip().is_broadcast() {
            return Err(NetError::InvalidInput);
        }
        if self.address().is_none() {
            return Err(NetError::Unreachable);
        }
        self.room(1)?;
        let port = self.ephemeral_port(true)?;
        let mut socket = new_tcp(&self.limits).ok_or(NetError::TooManySockets)?;
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

    fn tcp_handle(&mut self, id: SocketId) -> Result<SocketHandle, NetError> {
        match self.entry(id)?.kind {
            Kind::Tcp { handle, .. } => Ok(handle),
            _ => Err(NetError::BadSocket),
        }
    }

    /// Reads received bytes into `buffer`: `Some(n)` with `n > 0` bytes, `Some(0)` at the end of
    /// the stream (the peer closed its side, or this side shut reading down) or for an empty
    /// `buffer` on an open stream, `None` if nothing is there yet.
    pub fn tcp_recv(&mut self, id: SocketId, buffer: &mut [u8]) -> Result<Option<usize>, NetError> {
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
        match socket.recv_slice(buffer) {
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

    /// Binds a UDP socket to `port` (0: an ephemeral port).
    pub fn udp_bind(&mut self, port: u16) -> Result<SocketId, NetError> {
        let port = if port == 0 { self.ephemeral_port(false)? } else { port };
        if self.port_in_use(port, false) {
            return Err(NetError::AddressInUse);
        }
        self.room(1)?;
        let buffer = || {
            let mut metadata = Vec::new();
            metadata.try_reserve_exact(self.limits.udp_packets).ok()?;
            metadata.resize(self.limits.udp_packets, udp::PacketMetadata::EMPTY);
            Some(udp::PacketBuffer::new(metadata, try_buffer(self.limits.udp_bytes)?))
        };
        let (Some(receive), Some(send)) = (buffer(), buffer()) else { return Err(NetError::TooManySockets) };
        let mut socket = udp::Socket::new(receive, send);
        socket.bind(IpListenEndpoint { addr: None, port }).map_err(|_| NetError::InvalidInput)?;
        let handle = self.sockets.add(socket);
        self.count += 1;
        Ok(self.insert(Kind::Udp { handle, port }))
    }

    fn udp_handle(&mut self, id: SocketId) -> Result<SocketHandle, NetError> {
        match self.entry(id)?.kind {
            Kind::Udp { handle, .. } => Ok(handle),
            _ => Err(NetError::BadSocket),
        }
    }

    /// Queues one datagram to `to`: `Some(len)` once queued, `None` if the send buffer has no
    /// room now. A datagram bigger than [`MAX_DATAGRAM`] or than the send buffer is
    /// `InvalidInput`.
    pub fn udp_send_to(&mut self, id: SocketId, data: &[u8], to: SocketAddrV4) -> Result<Option<usize>, NetError> {
        let handle = self.udp_handle(id)?;
        if to.port() == 0 || to.ip().is_unspecified() || data.len() > MAX_DATAGRAM.min(self.limits.udp_bytes) {
            return Err(NetError::InvalidInput);
        }
        if self.address().is_none() {
            return Err(NetError::Unreachable);
        }
        let endpoint = IpEndpoint::new(IpAddress::Ipv4(*to.ip()), to.port());
        match self.sockets.get_mut::<udp::Socket>(handle).send_slice(data, endpoint) {
            Ok(()) => Ok(Some(data.len())),
            Err(udp::SendError::BufferFull) => Ok(None),
            Err(udp::SendError::Unaddressable) => Err(NetError::Unreachable),
        }
    }

    /// Takes the oldest received datagram: its length (cut to `buffer`'s, the rest discarded,
    /// as std does) and sender; `None` if none waits.
    pub fn udp_recv_from(
        &mut self,
        id: SocketId,
        buffer: &mut [u8],
    ) -> Result<Option<(usize, SocketAddrV4)>, NetError> {
        let handle = self.udp_handle(id)?;
        match self.sockets.get_mut::<udp::Socket>(handle).recv() {
            Ok((data, meta)) => {
                let n = data.len().min(buffer.len());
                buffer[..n].copy_from_slice(&data[..n]);
                Ok(Some((n, v4(meta.endpoint))))
            }
            Err(_) => Ok(None),
        }
    }

    /// Closes a socket of any kind; its id is dead afterwards. A TCP connection finishes in the
    /// background (FIN sent after queued data, arriving data discarded, freed when done or after
    /// [`CLOSE_TIMEOUT_MS`]); a listener resets the connections nobody accepted.
    pub fn close(&mut self, id: SocketId) -> Result<(), NetError> {
        self.entry(id)?;
        let entry = self.entries.remove(id.index as usize).ok_or(NetError::BadSocket)?;
        match entry.kind {
            Kind::Tcp { handle, .. } => {
                let socket = self.sockets.get_mut::<tcp::Socket>(handle);
                socket.close();
                socket.set_timeout(Some(Duration::from_millis(CLOSE_TIMEOUT_MS)));
                self.closing.push((handle, self.now_ms.saturating_add(CLOSE_TIMEOUT_MS), false));
            }
            Kind::Listener(listener) => {
                for handle in listener.listening.into_iter().chain(listener.queue) {
                    self.sockets.get_mut::<tcp::Socket>(handle).abort();
                    // The reset goes out at the next poll, then the socket is freed.
                    self.closing.push((handle, self.now_ms, false));
                }
            }
            Kind::Udp { handle, .. } => {
                self.sockets.remove(handle);
                self.count -= 1;
            }
        }
        self.flush(self.now_ms);
        Ok(())
    }
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

/// A zeroed buffer of `length` bytes, or `None` if the heap has no room: the network never
/// ends the VM for memory (a refused connection or a dropped SYN instead).
fn try_buffer(length: usize) -> Option<Vec<u8>> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(length).ok()?;
    buffer.resize(length, 0);
    Some(buffer)
}

fn new_tcp(limits: &Limits) -> Option<tcp::Socket<'static>> {
    let receive = try_buffer(limits.tcp_receive)?;
    let send = try_buffer(limits.tcp_send)?;
    let mut socket = tcp::Socket::new(tcp::SocketBuffer::new(receive), tcp::SocketBuffer::new(send));
    socket.set_nagle_enabled(true);
    Some(socket)
}

#[cfg(test)]
mod tests;
