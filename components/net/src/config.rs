//! How the stack is configured: its IPv4 address, and the sizes that bound its memory.

use core::net::Ipv4Addr;

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
