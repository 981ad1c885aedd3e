//! Just enough of Ethernet, IPv4 and TCP headers to recognise a connection request before the
//! stack sees it (for the listeners' backpressure). Never panics, whatever the bytes.

/// A connection request's addresses: where it comes from, and the local port it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syn {
    /// The client's address.
    pub source: core::net::Ipv4Addr,
    /// The client's port.
    pub source_port: u16,
    /// The port it connects to.
    pub destination_port: u16,
}

/// If `frame` is an Ethernet/IPv4 TCP segment with SYN set and ACK clear (a new connection
/// request), its addresses.
pub fn syn(frame: &[u8]) -> Option<Syn> {
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    if ethertype != 0x0800 {
        return None;
    }
    let ip = frame.get(14..)?;
    let version_ihl = *ip.first()?;
    let header = usize::from(version_ihl & 0x0f) * 4;
    if version_ihl >> 4 != 4 || header < 20 || *ip.get(9)? != 6 {
        return None;
    }
    // Only a first fragment (offset 0) carries the TCP header.
    if u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x1fff != 0 {
        return None;
    }
    let tcp = ip.get(header..)?;
    let flags = *tcp.get(13)?;
    if flags & 0x02 == 0 || flags & 0x10 != 0 {
        return None;
    }
    let source = core::net::Ipv4Addr::new(*ip.get(12)?, *ip.get(13)?, *ip.get(14)?, *ip.get(15)?);
    Some(Syn {
        source,
        source_port: u16::from_be_bytes([*tcp.first()?, *tcp.get(1)?]),
        destination_port: u16::from_be_bytes([*tcp.get(2)?, *tcp.get(3)?]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn syn_destination_port(frame: &[u8]) -> Option<u16> {
        syn(frame).map(|syn| syn.destination_port)
    }

    fn segment(flags: u8, port: u16) -> Vec<u8> {
        let mut frame = vec![0u8; 14 + 20 + 20];
        frame[12..14].copy_from_slice(&[0x08, 0x00]);
        frame[14] = 0x45;
        frame[14 + 9] = 6;
        frame[14 + 12..14 + 16].copy_from_slice(&[10, 1, 2, 3]);
        frame[34..36].copy_from_slice(&4321u16.to_be_bytes());
        frame[34 + 2..34 + 4].copy_from_slice(&port.to_be_bytes());
        frame[34 + 13] = flags;
        frame
    }

    #[test]
    fn a_syn_is_recognised_and_nothing_else() {
        assert_eq!(
            syn(&segment(0x02, 80)),
            Some(Syn { source: core::net::Ipv4Addr::new(10, 1, 2, 3), source_port: 4321, destination_port: 80 })
        );
        assert_eq!(syn_destination_port(&segment(0x12, 80)), None, "SYN+ACK is an answer");
        assert_eq!(syn_destination_port(&segment(0x10, 80)), None);
        let mut udp = segment(0x02, 80);
        udp[14 + 9] = 17;
        assert_eq!(syn_destination_port(&udp), None);
        let mut fragment = segment(0x02, 80);
        fragment[14 + 7] = 1;
        assert_eq!(syn_destination_port(&fragment), None);
        let mut arp = segment(0x02, 80);
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(syn_destination_port(&arp), None);
        let whole = segment(0x02, 8080);
        for cut in 0..14 + 20 + 14 {
            assert_eq!(syn_destination_port(&whole[..cut]), None, "cut at {cut}");
        }
    }

    proptest! {
        #[test]
        fn any_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = syn(&bytes);
        }
    }
}
