//! smoltcp's `Device` over the NIC contract: one receive buffer and one transmit buffer, reused
//! for every frame; SYNs for listeners whose queues are full are dropped here. Frames the stack
//! sends to itself (to 127.0.0.1 or its own address) never reach the NIC: they wait in the
//! loopback queue and are received before the NIC's.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use stardust_api::{MAX_FRAME, Nic};

pub(crate) struct Adapter<N> {
    pub(crate) nic: N,
    // On the heap: the stack value is moved around at start-up, and 3 KiB in it was copied on
    // the boot stack every time.
    receive: Box<[u8]>,
    transmit: Box<[u8]>,
    /// Ports whose listeners cannot take another connection now.
    pub(crate) full_ports: Vec<u16>,
    pub(crate) syns_dropped: u64,
    /// The length of a frame fetched into `receive` that smoltcp has not taken yet.
    pub(crate) pending: Option<usize>,
    /// Frames handed to the NIC or the loopback queue (whether they took them or not).
    pub(crate) transmitted: u64,
    /// The card's Ethernet address (frames to it are looped back).
    mac: [u8; 6],
    /// Frames sent to the interface itself, oldest first, at most [`LOOPBACK_FRAMES`].
    loopback: VecDeque<Box<[u8]>>,
    /// Frames from the wire dropped for naming a loopback address, looped-back frames dropped
    /// because the queue was full or the heap had no room, and frames the backlog had no room
    /// for.
    pub(crate) dropped: u64,
    /// Frames taken off the card but not handed to smoltcp yet, oldest first (see [`BACKLOG_FRAMES`]).
    backlog: VecDeque<Box<[u8]>>,
    /// The bytes in `backlog`.
    pub(crate) backlog_bytes: usize,
    /// Where a frame is received before it is copied to the backlog.
    spare: Box<[u8]>,
    /// Whether to drain the card into the backlog between frames: set by the stack when a
    /// frame is slow to handle (many sockets); otherwise the copy would only cost time.
    pub(crate) drain_ahead: bool,
}

/// Frames taken off the card ahead of smoltcp, and their bytes at most. smoltcp finds a
/// frame's socket by looking at every socket, so with a thousand connections a frame costs
/// tens of microseconds (more under TCG); the card's 32 receive buffers would stay full while
/// the stack works through them, and the monitor would drop what comes meanwhile (seen: 2,201
/// frames dropped at the tap in ten seconds of `wrk -c1000`), each drop a retransmission
/// seconds later. So the card's ring is emptied into this backlog between frames.
const BACKLOG_FRAMES: usize = 1024;
const BACKLOG_BYTES: usize = 256 * 1024;

/// Frames the loopback queue holds; more are dropped like frames on a congested wire (TCP
/// sends them again). 64 frames: a few connections' windows.
const LOOPBACK_FRAMES: usize = 64;

impl<N: Nic> Adapter<N> {
    /// Takes the next frame from the NIC for smoltcp (`receive` hands it over once); drops SYNs
    /// for ports whose listeners are full. The frame, if any.
    pub(crate) fn fetch(&mut self) -> Option<&[u8]> {
        let found = self.next_frame();
        // Whatever happens to this frame, the card gets its buffers back for what comes next.
        if self.drain_ahead {
            self.drain();
        }
        Some(&self.receive[..found?])
    }

    /// The length of the next frame for smoltcp, put in `receive`.
    fn next_frame(&mut self) -> Option<usize> {
        loop {
            let length = if let Some(frame) = self.loopback.pop_front() {
                self.receive[..frame.len()].copy_from_slice(&frame);
                frame.len()
            } else {
                let length = match self.backlog.pop_front() {
                    Some(frame) => {
                        self.backlog_bytes -= frame.len();
                        self.receive[..frame.len()].copy_from_slice(&frame);
                        frame.len()
                    }
                    // Nothing older waits: straight from the card.
                    None => self.nic.receive(&mut self.receive)?,
                };
                if crate::frame::martian(&self.receive[..length]) {
                    self.dropped += 1;
                    continue;
                }
                length
            };
            let frame = &self.receive[..length];
            if !self.full_ports.is_empty()
                && crate::frame::syn(frame).is_some_and(|syn| self.full_ports.contains(&syn.destination_port))
            {
                self.syns_dropped += 1;
                continue;
            }
            self.pending = Some(length);
            return Some(length);
        }
    }

    /// Moves the frames waiting in the card to the backlog, as far as it has room.
    fn drain(&mut self) {
        while self.backlog.len() < BACKLOG_FRAMES && self.backlog_bytes < BACKLOG_BYTES {
            let Some(length) = self.nic.receive(&mut self.spare) else { break };
            let mut copy = Vec::new();
            if copy.try_reserve_exact(length).is_err() {
                // The heap is full: this frame is lost, the rest stay on the card for later.
                self.dropped += 1;
                break;
            }
            copy.extend_from_slice(&self.spare[..length]);
            self.backlog_bytes += length;
            self.backlog.push_back(copy.into_boxed_slice());
        }
    }

    /// Queues `frame` to be received as if it had come from the wire (dropped, and counted, when
    /// the loopback queue is full or the heap has no room).
    pub(crate) fn loop_back(&mut self, frame: &[u8]) {
        push_frame(&mut self.loopback, &mut self.dropped, frame);
    }

    /// Gives back the queues' memory after a crowd (a thousand frames' worth of room).
    pub(crate) fn trim(&mut self) {
        if self.backlog.is_empty() && self.backlog.capacity() > 64 {
            self.backlog = VecDeque::new();
        }
        if self.loopback.is_empty() && self.loopback.capacity() > 16 {
            self.loopback = VecDeque::new();
        }
    }

    /// Whether frames wait to be received: looped back, or in the backlog.
    pub(crate) fn frames_waiting(&self) -> bool {
        !self.loopback.is_empty() || !self.backlog.is_empty()
    }

    pub(crate) fn new(nic: N) -> Adapter<N> {
        Adapter {
            backlog: VecDeque::new(),
            backlog_bytes: 0,
            drain_ahead: false,
            spare: vec![0; MAX_FRAME].into_boxed_slice(),
            mac: nic.mac_address(),
            loopback: VecDeque::new(),
            dropped: 0,
            nic,
            receive: vec![0; MAX_FRAME].into_boxed_slice(),
            transmit: vec![0; MAX_FRAME].into_boxed_slice(),
            full_ports: Vec::new(),
            syns_dropped: 0,
            pending: None,
            transmitted: 0,
        }
    }
}

impl<N: Nic> Adapter<N> {
    /// The first `length` bytes of the receive buffer, and a token for sending (borrowing the
    /// adapter's other fields).
    fn tokens(&mut self, length: usize) -> (Received<'_>, Transmit<'_, N>) {
        let transmit = Transmit {
            nic: &mut self.nic,
            buffer: &mut self.transmit,
            counter: &mut self.transmitted,
            mac: self.mac,
            loopback: &mut self.loopback,
            dropped: &mut self.dropped,
        };
        (Received(&self.receive[..length]), transmit)
    }
}

fn push_frame(loopback: &mut VecDeque<Box<[u8]>>, dropped: &mut u64, frame: &[u8]) {
    let mut copy = Vec::new();
    if loopback.len() < LOOPBACK_FRAMES && copy.try_reserve_exact(frame.len()).is_ok() {
        copy.extend_from_slice(frame);
        loopback.push_back(copy.into_boxed_slice());
    } else {
        *dropped += 1;
    }
}

pub(crate) struct Received<'a>(&'a [u8]);

pub(crate) struct Transmit<'a, N> {
    nic: &'a mut N,
    counter: &'a mut u64,
    buffer: &'a mut [u8],
    mac: [u8; 6],
    loopback: &'a mut VecDeque<Box<[u8]>>,
    dropped: &'a mut u64,
}

impl phy::RxToken for Received<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl<N: Nic> phy::TxToken for Transmit<'_, N> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let length = len.min(MAX_FRAME);
        let result = f(&mut self.buffer[..length]);
        *self.counter += 1;
        let frame = &self.buffer[..length];
        if crate::frame::to_self(frame, self.mac) {
            push_frame(self.loopback, self.dropped, frame);
            return result;
        }
        if let Err(error) = self.nic.transmit(&self.buffer[..length]) {
            // Lost like a frame on the wire: TCP retransmits, UDP callers accept loss.
            log::debug!("net: a frame was not sent: {error}");
        }
        result
    }
}

impl<N: Nic> phy::Device for Adapter<N> {
    type RxToken<'a>
        = Received<'a>
    where
        Self: 'a;
    type TxToken<'a>
        = Transmit<'a, N>
    where
        Self: 'a;

    fn receive(&mut self, _timestamp: Instant) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        let length = self.pending.take()?;
        Some(self.tokens(length))
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<Self::TxToken<'_>> {
        Some(self.tokens(0).1)
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut capabilities = DeviceCapabilities::default();
        capabilities.medium = Medium::Ethernet;
        capabilities.max_transmission_unit = MAX_FRAME;
        capabilities.max_burst_size = None;
        capabilities
    }
}
