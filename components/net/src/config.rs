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
    /// TCP sockets created while fewer than this many sockets are open get the full buffers;
    /// later ones (a crowd) get a quarter of each, at least [`CROWDED_MIN`] bytes, so that many
    /// small connections fit where few big ones would. A socket keeps the buffers it got.
    pub full_buffers: usize,
}

/// The smallest buffer a socket of a crowd gets.
pub const CROWDED_MIN: usize = 512;

impl Limits {
    /// The receive and send buffer sizes of a TCP socket created while `open` sockets are open.
    pub fn tcp_buffers(&self, open: usize) -> (usize, usize) {
        if open < self.full_buffers {
            (self.tcp_receive, self.tcp_send)
        } else {
            let crowded = |size: usize| (size / 4).max(CROWDED_MIN).min(size);
            (crowded(self.tcp_receive), crowded(self.tcp_send))
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            tcp_receive: 4096,
            tcp_send: 8192,
            udp_packets: 16,
            udp_bytes: 8192,
            max_sockets: 512,
            full_buffers: usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crowd_gets_a_quarter_of_each_buffer_but_never_less_than_the_minimum() {
        let limits = Limits { tcp_receive: 2048, tcp_send: 4096, full_buffers: 10, ..Limits::default() };
        assert_eq!(limits.tcp_buffers(9), (2048, 4096));
        assert_eq!(limits.tcp_buffers(10), (CROWDED_MIN, 1024));
        let small = Limits { tcp_receive: 300, tcp_send: 1024, full_buffers: 0, ..Limits::default() };
        assert_eq!(small.tcp_buffers(0), (300, CROWDED_MIN), "never more than the full size");
    }
}
