//! Closing: a closed TCP connection finishes in the background (FIN after queued data,
//! arriving data discarded) and is freed after a short TIME-WAIT or a timeout; a new SYN from
//! its peer's address and port frees it at once.

use super::{CLOSE_TIMEOUT_MS, Entry, Kind, SocketId, Stack, TIME_WAIT_MS};
use crate::{NetError, frame};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Duration;
use smoltcp::wire::IpAddress;
use stardust_api::Nic;

impl<N: Nic> Stack<N> {
    /// A new connection request from an address and port that a closed connection of ours
    /// still remembers (in TIME-WAIT, say: clients reuse ports at once) means the client is done
    /// with the old one: free it, so that the SYN reaches a listener instead of the old socket,
    /// which would ignore it and leave the client waiting a second to retry.
    pub(super) fn forget_old_connection(&mut self, syn: frame::Syn) {
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

    /// Whether something is still on its way out: a TCP connection's bytes or FIN that the peer
    /// has not acknowledged (open connections and those closing in the background alike), a UDP
    /// socket's queued datagrams (waiting for an address to resolve), or frames the card has
    /// not sent yet.
    pub fn sending(&mut self) -> bool {
        let busy = |handle: SocketHandle| {
            let socket = self.sockets.get::<tcp::Socket>(handle);
            socket.send_queue() > 0
                || matches!(socket.state(), tcp::State::FinWait1 | tcp::State::Closing | tcp::State::LastAck)
        };
        let queued = |entry: &Entry| match entry.kind {
            Kind::Tcp { handle, .. } => busy(handle),
            Kind::Udp { handle, .. } => self.sockets.get::<udp::Socket>(handle).send_queue() > 0,
            Kind::Listener(_) => false,
        };
        self.entries.iter().any(queued)
            || self.closing.iter().any(|&(handle, _, _)| busy(handle))
            || self.device.nic.unsent() > 0
    }

    pub(super) fn reap_closing(&mut self) {
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
