//! smoltcp's `Device` over the NIC contract: one receive buffer and one transmit buffer, reused
//! for every frame; SYNs for listeners whose queues are full are dropped here.

use alloc::boxed::Box;
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
    /// Frames handed to the NIC (whether it took them or not).
    pub(crate) transmitted: u64,
}

impl<N: Nic> Adapter<N> {
    /// Takes the next frame from the NIC for smoltcp (`receive` hands it over once); drops SYNs
    /// for ports whose listeners are full. The frame, if any.
    pub(crate) fn fetch(&mut self) -> Option<&[u8]> {
        loop {
            let length = self.nic.receive(&mut self.receive)?;
            let frame = &self.receive[..length];
            if !self.full_ports.is_empty()
                && crate::frame::syn(frame).is_some_and(|syn| self.full_ports.contains(&syn.destination_port))
            {
                self.syns_dropped += 1;
                continue;
            }
            self.pending = Some(length);
            return Some(&self.receive[..length]);
        }
    }

    pub(crate) fn new(nic: N) -> Adapter<N> {
        Adapter {
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

pub(crate) struct Received<'a>(&'a [u8]);

pub(crate) struct Transmit<'a, N> {
    nic: &'a mut N,
    counter: &'a mut u64,
    buffer: &'a mut [u8],
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
        Some((
            Received(&self.receive[..length]),
            Transmit { nic: &mut self.nic, buffer: &mut self.transmit, counter: &mut self.transmitted },
        ))
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<Self::TxToken<'_>> {
        Some(Transmit { nic: &mut self.nic, buffer: &mut self.transmit, counter: &mut self.transmitted })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut capabilities = DeviceCapabilities::default();
        capabilities.medium = Medium::Ethernet;
        capabilities.max_transmission_unit = MAX_FRAME;
        capabilities.max_burst_size = None;
        capabilities
    }
}
