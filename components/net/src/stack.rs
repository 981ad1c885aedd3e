//! The stack: the interface, its sockets and the NIC they use; polling, addresses, socket
//! names and ports. What each kind of socket does lives in the modules below.

mod closing;
mod connection;
mod datagram;
mod listener;
mod readiness;

pub use readiness::Readiness;

use crate::{Ipv4Config, Limits, NetError, device, frame};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};
use smoltcp::iface::{Config, Interface, PollIngressSingleResult, SocketHandle, SocketSet};
use smoltcp::socket::{dhcpv4, tcp};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpEndpoint, Ipv4Cidr};
use stardust_api::{Nic, NicStats, Slots};

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
/// Sockets open from which the card is drained into the device's backlog between frames (each
/// frame then costs smoltcp a look at every socket; see `device::BACKLOG_FRAMES`).
const DRAIN_AHEAD_FROM: usize = 128;
/// How often the interface tells itself its own addresses (see [`frame::arp_to_self`]): well
/// within smoltcp's neighbour cache lifetime (60 s).
const ANNOUNCE_MS: u64 = 20_000;
/// Ephemeral ports for outgoing connections and `bind(0)`: 49152..=65535 (RFC 6335).
const EPHEMERAL: core::ops::RangeInclusive<u16> = 49152..=65535;

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
    /// The local address it accepts connections to (`None`: any of them).
    address: Option<Ipv4Addr>,
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
    /// When the interface last told itself its addresses (`None`: they changed since).
    announced_ms: Option<u64>,
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
            announced_ms: None,
        };
        match config {
            Ipv4Config::Dhcp => {
                stack.dhcp = Some(stack.sockets.add(dhcpv4::Socket::new()));
                stack.configure(None, None);
            }
            Ipv4Config::Static { address, prefix, gateway } => {
                stack.configure(Some((address, prefix.min(32))), gateway)
            }
        }
        stack
    }

    /// Gives the interface `address` (first: the source of packets to other networks) and the
    /// loopback address 127.0.0.1/8, and routes other networks to `gateway`.
    fn configure(&mut self, address: Option<(Ipv4Addr, u8)>, gateway: Option<Ipv4Addr>) {
        self.interface.update_ip_addrs(|addresses| {
            addresses.clear();
            if let Some((address, prefix)) = address {
                let _ = addresses.push(IpCidr::Ipv4(Ipv4Cidr::new(address, prefix)));
            }
            let _ = addresses.push(IpCidr::Ipv4(Ipv4Cidr::new(Ipv4Addr::LOCALHOST, 8)));
        });
        self.announced_ms = None;
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

    /// The interface's IPv4 address and prefix length, once it has one (127.0.0.1, which it
    /// always has, is not it).
    pub fn address(&self) -> Option<(Ipv4Addr, u8)> {
        self.interface.ip_addrs().iter().find_map(|cidr| match cidr {
            IpCidr::Ipv4(cidr) => (!cidr.address().is_loopback()).then(|| (cidr.address(), cidr.prefix_len())),
        })
    }

    /// Whether `address` is this machine's: 127.0.0.1 or the interface's own. (Linux answers
    /// for all of 127.0.0.0/8; here only 127.0.0.1 is the loopback's.)
    pub fn is_local(&self, address: Ipv4Addr) -> bool {
        address == Ipv4Addr::LOCALHOST || self.address().is_some_and(|(own, _)| own == address)
    }

    /// The card's counters, and frames dropped by the stack itself: SYNs held back by the
    /// listeners' backpressure, frames from the wire naming a loopback address, and looped-back
    /// frames that found the loopback queue full.
    pub fn stats(&self) -> NicStats {
        let mut stats = self.device.nic.stats();
        stats.dropped += self.device.syns_dropped + self.device.dropped;
        stats
    }

    /// Sockets in use, listeners' pools and closing connections included.
    pub fn socket_count(&self) -> usize {
        self.count
    }

    /// The most sockets the stack allows at once ([`Limits::max_sockets`], lowered at start
    /// when the heap could not hold the table for that many).
    pub fn socket_limit(&self) -> usize {
        self.limits.max_sockets
    }

    /// Handles every received frame, runs timers, and sends what sockets have queued. Returns
    /// true if anything happened (a frame came in, or a socket's state may have changed).
    pub fn poll(&mut self, now_ms: u64) -> bool {
        self.now_ms = now_ms;
        let now = instant(now_ms);
        self.interface.poll_maintenance(now);
        if self.announced_ms.is_none_or(|at| now_ms >= at.saturating_add(ANNOUNCE_MS)) {
            self.announced_ms = Some(now_ms);
            let mac = self.mac_address();
            for cidr in self.interface.ip_addrs() {
                let IpCidr::Ipv4(cidr) = cidr;
                self.device.loop_back(&frame::arp_to_self(mac, cidr.address()));
            }
        }
        let sent = self.device.transmitted;
        self.device.drain_ahead = self.count >= DRAIN_AHEAD_FROM;
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
        self.device.trim();
        busy || self.device.transmitted != sent || self.device.frames_waiting()
    }

    /// How the card signals, if it can (see [`Nic::interrupt`]).
    pub fn interrupt(&self) -> Option<stardust_api::DeviceInterrupt> {
        self.device.nic.interrupt()
    }

    /// Clears the card's interrupt status; call it after an interrupt, before the next
    /// [`poll`](Self::poll) (see [`Nic::acknowledge_interrupt`]).
    pub fn acknowledge_interrupt(&mut self) {
        self.device.nic.acknowledge_interrupt();
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
        if self.device.frames_waiting() {
            return Some(0);
        }
        let smoltcp = self.interface.poll_delay(instant(now_ms), &self.sockets).map(|delay| delay.total_millis());
        // The next announcement of the address (see `poll`), once the stack has one.
        let announce = self.announced_ms.map(|at| at.saturating_add(ANNOUNCE_MS).saturating_sub(now_ms));
        match (smoltcp, announce) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
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

    /// The address to bind for `local`: `None` for the unspecified address (any of this
    /// machine's), `AddressNotAvailable` for an address that is not this machine's.
    fn bind_address(&self, local: Ipv4Addr) -> Result<Option<Ipv4Addr>, NetError> {
        if local.is_unspecified() {
            Ok(None)
        } else if self.is_local(local) {
            Ok(Some(local))
        } else {
            Err(NetError::AddressNotAvailable)
        }
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

    /// The port a listener or UDP socket is bound to, or a connection's local address.
    pub fn local_addr(&mut self, id: SocketId) -> Result<SocketAddrV4, NetError> {
        let unspecified = self.address().map_or(Ipv4Addr::UNSPECIFIED, |(address, _)| address);
        match &self.entry(id)?.kind {
            Kind::Listener(listener) => {
                Ok(SocketAddrV4::new(listener.address.unwrap_or(Ipv4Addr::UNSPECIFIED), listener.port))
            }
            &Kind::Udp { handle, port } => {
                let bound = self.sockets.get::<smoltcp::socket::udp::Socket>(handle).endpoint().addr;
                Ok(SocketAddrV4::new(bound.map_or(unspecified, |IpAddress::Ipv4(address)| address), port))
            }
            &Kind::Tcp { handle, .. } => {
                self.sockets.get::<tcp::Socket>(handle).local_endpoint().map(v4).ok_or(NetError::NotConnected)
            }
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

#[cfg(test)]
mod tests;
