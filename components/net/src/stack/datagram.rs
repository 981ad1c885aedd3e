//! UDP sockets: bind, and datagrams to and from any peer.

use super::{Kind, MAX_DATAGRAM, SocketId, Stack, try_buffer, v4};
use crate::NetError;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddrV4};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};
use stardust_api::Nic;

impl<N: Nic> Stack<N> {
    /// Binds a UDP socket to `local` (the unspecified address: any of this machine's; port 0:
    /// an ephemeral port).
    pub fn udp_bind(&mut self, local: SocketAddrV4) -> Result<SocketId, NetError> {
        let address = self.bind_address(*local.ip())?;
        let port = if local.port() == 0 { self.ephemeral_port(false)? } else { local.port() };
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
        socket
            .bind(IpListenEndpoint { addr: address.map(IpAddress::Ipv4), port })
            .map_err(|_| NetError::InvalidInput)?;
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
        if !to.ip().is_loopback() && self.address().is_none() {
            return Err(NetError::Unreachable);
        }
        // 127.0.0.1 is the only loopback address here, and a socket bound to it talks only to
        // itself (its packets must never reach the wire with that source).
        let bound_to_loopback = self.sockets.get::<udp::Socket>(handle).endpoint().addr.is_some_and(|address| {
            let IpAddress::Ipv4(address) = address;
            address.is_loopback()
        });
        if (to.ip().is_loopback() && *to.ip() != Ipv4Addr::LOCALHOST) || (bound_to_loopback && !to.ip().is_loopback()) {
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
}
