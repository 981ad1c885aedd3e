//! Just enough of Ethernet, ARP, IPv4 and TCP headers to recognise a connection request before
//! the stack sees it (for the listeners' backpressure), a frame the stack sends to itself (the
//! loopback), and a frame from the wire that claims a loopback address. Never panics, whatever
//! the bytes.

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
    if ethertype(frame)? != IPV4 {
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

const IPV4: u16 = 0x0800;
const ARP: u16 = 0x0806;

fn ethertype(frame: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]))
}

fn ipv4_at(frame: &[u8], offset: usize) -> Option<core::net::Ipv4Addr> {
    let bytes: [u8; 4] = frame.get(offset..offset + 4)?.try_into().ok()?;
    Some(core::net::Ipv4Addr::from(bytes))
}

/// An ARP packet's sender and target protocol addresses, and whether it is a request.
fn arp(frame: &[u8]) -> Option<(core::net::Ipv4Addr, core::net::Ipv4Addr, bool)> {
    if ethertype(frame)? != ARP {
        return None;
    }
    let request = u16::from_be_bytes([*frame.get(20)?, *frame.get(21)?]) == 1;
    Some((ipv4_at(frame, 28)?, ipv4_at(frame, 38)?, request))
}

/// Whether `frame`, sent by an interface whose Ethernet address is `own`, is meant for that
/// interface itself and must be looped back instead of reaching the wire: it is addressed to
/// `own`, or it is an ARP request for a loopback address (127.0.0.0/8) or for the sender's own
/// address (the stack asking who it is before it talks to itself).
pub fn to_self(frame: &[u8], own: [u8; 6]) -> bool {
    if frame.get(..6) == Some(&own[..]) {
        return true;
    }
    arp(frame).is_some_and(|(sender, target, request)| request && (target.is_loopback() || target == sender))
}

/// An ARP reply from the interface with Ethernet address `own` to itself, saying that
/// `address` is at `own`: looped back, it puts the interface's own addresses in its neighbour
/// cache, so that talking to itself never waits for ARP (smoltcp sends at most one ARP
/// request a second, for all addresses together).
pub fn arp_to_self(own: [u8; 6], address: core::net::Ipv4Addr) -> [u8; 42] {
    let mut frame = [0u8; 42];
    frame[..6].copy_from_slice(&own);
    frame[6..12].copy_from_slice(&own);
    frame[12..14].copy_from_slice(&ARP.to_be_bytes());
    // Ethernet (1), IPv4, 6-byte and 4-byte addresses, a reply (2).
    frame[14..22].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 2]);
    frame[22..28].copy_from_slice(&own);
    frame[28..32].copy_from_slice(&address.octets());
    frame[32..38].copy_from_slice(&own);
    frame[38..42].copy_from_slice(&address.octets());
    frame
}

/// Whether a frame from the wire names a loopback address (127.0.0.0/8) as an IPv4 source or
/// destination, or as an ARP sender or target. No host may send such packets (RFC 1122,
/// 3.2.1.3); taken in, they would reach sockets bound to 127.0.0.1 or poison the loopback's
/// neighbour entry, so they are dropped.
pub fn martian(frame: &[u8]) -> bool {
    match ethertype(frame) {
        Some(IPV4) => [26, 30].iter().any(|&at| ipv4_at(frame, at).is_some_and(|address| address.is_loopback())),
        Some(ARP) => arp(frame).is_some_and(|(sender, target, _)| sender.is_loopback() || target.is_loopback()),
        _ => false,
    }
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

    /// An ARP packet from `sender` asking (or answering) about `target`.
    fn arp_packet(sender: [u8; 4], target: [u8; 4], request: bool) -> Vec<u8> {
        let mut frame = vec![0u8; 14 + 28];
        frame[..6].copy_from_slice(&[0xff; 6]);
        frame[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 9]);
        frame[12..14].copy_from_slice(&[0x08, 0x06]);
        frame[20..22].copy_from_slice(&(if request { 1u16 } else { 2 }).to_be_bytes());
        frame[28..32].copy_from_slice(&sender);
        frame[38..42].copy_from_slice(&target);
        frame
    }

    #[test]
    fn frames_to_the_interface_itself_are_recognised() {
        let own = [2, 0, 0, 0, 0, 9];
        let mut unicast = segment(0x10, 80);
        unicast[..6].copy_from_slice(&own);
        assert!(to_self(&unicast, own));
        unicast[5] = 8;
        assert!(!to_self(&unicast, own), "another host's address");
        assert!(to_self(&arp_packet([127, 0, 0, 1], [127, 0, 0, 1], true), own));
        assert!(to_self(&arp_packet([10, 0, 0, 2], [127, 0, 0, 1], true), own));
        assert!(to_self(&arp_packet([10, 0, 0, 2], [10, 0, 0, 2], true), own), "who am I");
        assert!(!to_self(&arp_packet([10, 0, 0, 2], [10, 0, 0, 1], true), own), "the gateway");
        assert!(!to_self(&arp_packet([10, 0, 0, 2], [10, 0, 0, 2], false), own), "a broadcast answer");
        let whole = arp_packet([127, 0, 0, 1], [127, 0, 0, 1], true);
        assert!(!to_self(&whole[..41], own), "cut short");
        let announcement = arp_to_self(own, core::net::Ipv4Addr::LOCALHOST);
        assert!(to_self(&announcement, own));
        assert_eq!(arp(&announcement), Some((core::net::Ipv4Addr::LOCALHOST, core::net::Ipv4Addr::LOCALHOST, false)));
    }

    #[test]
    fn loopback_addresses_from_the_wire_are_martians() {
        let mut packet = segment(0x02, 80);
        assert!(!martian(&packet));
        packet[26..30].copy_from_slice(&[127, 0, 0, 1]);
        assert!(martian(&packet), "source");
        let mut packet = segment(0x02, 80);
        packet[30..34].copy_from_slice(&[127, 1, 2, 3]);
        assert!(martian(&packet), "destination");
        assert!(martian(&arp_packet([127, 0, 0, 1], [127, 0, 0, 1], false)), "poisoning the loopback");
        assert!(martian(&arp_packet([10, 0, 0, 1], [127, 0, 0, 1], true)));
        assert!(!martian(&arp_packet([10, 0, 0, 1], [10, 0, 0, 2], true)));
        assert!(!martian(&[0u8; 10]));
    }

    proptest! {
        #[test]
        fn any_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..100), own in any::<[u8; 6]>()) {
            let _ = syn(&bytes);
            let _ = to_self(&bytes, own);
            let _ = martian(&bytes);
        }
    }
}
