//! Readiness changes: which sockets a blocking layer above must wake.

use super::{Kind, SocketId, Stack};
use crate::NetError;
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
            let signature = signature(&self.sockets, &entry.kind);
            if signature != entry.signature {
                entry.signature = signature;
                f(SocketId { index: index as u32, generation: entry.generation });
            }
        }
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
