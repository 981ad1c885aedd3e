//! virtio-net as a [`Nic`]: receive buffers lent to the device and recycled, transmits queued
//! without waiting for the device.

use crate::discovery::transports;
use crate::kernel_hal::KernelHal;
use alloc::boxed::Box;
use alloc::vec::Vec;
use stardust_api::{DeviceInterrupt, Nic, NicError, NicStats};
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::DeviceType;

/// Receive buffers per card: each holds one frame (1,526 bytes with the virtio header), and the
/// device fills them while the stack is busy. 64 (97,664 bytes): Firecracker reads from its tap
/// only while the guest has posted at least 65,562 bytes of receive buffers (one largest
/// frame with offloads), so 32 received nothing there.
const RX_QUEUE: usize = 64;
/// A receive buffer: the largest frame and the virtio-net header.
const RX_BUFFER: usize = 1526;

/// Transmit buffers per card: frames queued to the device and not yet sent.
const TX_BUFFERS: usize = 16;

/// A virtio network card. Frames are polled: `receive` looks at the used ring, copies the frame
/// out and gives the buffer straight back to the device; `transmit` copies the frame behind a
/// virtio-net header into a free transmit buffer, queues it and returns without waiting (the
/// device's monitor sends it from another host thread); finished buffers are taken back at the
/// next transmit.
pub struct VirtioNic {
    /// First, so that it is dropped first: its transport's drop resets the device, which then
    /// no longer touches the buffers below when they are freed. Keep this field first.
    device: VirtIONetRaw<KernelHal, crate::discovery::Transport, RX_QUEUE>,
    /// The receive buffers, by the token the device knows them by. Each is lent to the device
    /// from `receive_begin` until `receive_complete`; the heap never moves a boxed slice.
    buffers: Vec<Option<Box<[u8]>>>,
    /// Transmit buffers the device holds, by token, with the length queued.
    sending: Vec<Option<(Box<[u8]>, usize)>>,
    /// Transmit buffers free for the next frame.
    free: Vec<Box<[u8]>>,
    stats: NicStats,
    /// How it signals, where discovery knows it.
    interrupt: Option<DeviceInterrupt>,
}

impl VirtioNic {
    fn new(
        transport: crate::discovery::Transport,
        interrupt: Option<DeviceInterrupt>,
    ) -> Result<VirtioNic, virtio_drivers::Error> {
        let device = VirtIONetRaw::new(transport)?;
        let mut nic = VirtioNic {
            interrupt,
            device,
            buffers: (0..RX_QUEUE).map(|_| None).collect(),
            sending: (0..RX_QUEUE).map(|_| None).collect(),
            free: (0..TX_BUFFERS).map(|_| alloc::vec![0; RX_BUFFER].into_boxed_slice()).collect(),
            stats: NicStats::default(),
        };
        for _ in 0..RX_QUEUE {
            nic.lend(alloc::vec![0; RX_BUFFER].into_boxed_slice())?;
        }
        Ok(nic)
    }

    /// Gives a receive buffer to the device.
    fn lend(&mut self, mut buffer: Box<[u8]>) -> Result<(), virtio_drivers::Error> {
        // SAFETY: the buffer is kept in `buffers` under its token and not touched until the
        // device gives the token back (`receive`); it is not freed while lent, as dropping a
        // card resets the device first (see `VirtioNic`'s field order).
        let token = unsafe { self.device.receive_begin(&mut buffer)? };
        match self.buffers.get_mut(usize::from(token)) {
            Some(slot @ None) => {
                *slot = Some(buffer);
                Ok(())
            }
            _ => {
                // The device holds it now and may write to it: never free it.
                core::mem::forget(buffer);
                Err(virtio_drivers::Error::WrongToken)
            }
        }
    }
}

impl VirtioNic {
    /// Takes back the transmit buffers the device has finished with.
    fn reclaim(&mut self) {
        while let Some(token) = self.device.poll_transmit() {
            let Some((buffer, length)) = self.sending.get_mut(usize::from(token)).and_then(Option::take) else {
                log::error!("virtio-net: the device finished an unknown transmit {token}");
                return;
            };
            // SAFETY: the same buffer and length that `transmit_begin` was given for `token`.
            if unsafe { self.device.transmit_complete(token, &buffer[..length]) }.is_err() {
                log::error!("virtio-net: transmit {token} did not complete cleanly");
            }
            self.free.push(buffer);
        }
    }
}

impl Nic for VirtioNic {
    fn mac_address(&self) -> [u8; 6] {
        self.device.mac_address()
    }

    fn receive(&mut self, buffer: &mut [u8]) -> Option<usize> {
        loop {
            let token = self.device.poll_receive()?;
            let Some(mut lent) = self.buffers.get_mut(usize::from(token)).and_then(Option::take) else {
                log::error!("virtio-net: the device returned an unknown receive buffer {token}");
                return None;
            };
            // SAFETY: `lent` is the buffer given to the device under `token`.
            let copied = match unsafe { self.device.receive_complete(token, &mut lent) } {
                Ok((header, length)) if length > 0 && length <= buffer.len() => lent
                    .get(header..header + length)
                    .map(|frame| buffer[..length].copy_from_slice(frame))
                    .map(|()| length),
                _ => None,
            };
            if let Err(error) = self.lend(lent) {
                log::error!("virtio-net: a receive buffer could not be given back: {error:?}");
            }
            match copied {
                Some(length) => {
                    self.stats.received += 1;
                    return Some(length);
                }
                None => self.stats.dropped += 1,
            }
        }
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), NicError> {
        stardust_api::nic::check_frame(frame)?;
        // Take back what the device has sent; with every buffer in flight, wait for one (the
        // device always finishes: the frame goes to the host's backend, not the network).
        let mut buffer = loop {
            self.reclaim();
            if let Some(buffer) = self.free.pop() {
                break buffer;
            }
            core::hint::spin_loop();
        };
        let Ok(header) = self.device.fill_buffer_header(&mut buffer) else {
            self.free.push(buffer);
            return Err(NicError::Device);
        };
        let length = header + frame.len();
        buffer[header..length].copy_from_slice(frame);
        // SAFETY: the buffer stays in `sending` under its token, untouched and not freed, until
        // the device hands the token back (`reclaim`); dropping a card resets the device before
        // its buffers are freed (field order).
        match unsafe { self.device.transmit_begin(&buffer[..length]) } {
            Ok(token) => match self.sending.get_mut(usize::from(token)) {
                Some(slot @ None) => {
                    *slot = Some((buffer, length));
                    self.stats.sent += 1;
                    Ok(())
                }
                _ => {
                    log::error!("virtio-net: the device gave an unknown transmit token {token}");
                    // Leaked on purpose: the device may still read it.
                    core::mem::forget(buffer);
                    Err(NicError::Device)
                }
            },
            Err(virtio_drivers::Error::QueueFull) => {
                self.free.push(buffer);
                Err(NicError::Busy)
            }
            Err(_) => {
                self.free.push(buffer);
                Err(NicError::Device)
            }
        }
    }

    fn stats(&self) -> NicStats {
        self.stats
    }

    fn unsent(&mut self) -> usize {
        self.reclaim();
        self.sending.iter().filter(|slot| slot.is_some()).count()
    }

    fn interrupt(&self) -> Option<DeviceInterrupt> {
        self.interrupt
    }

    /// Reads (and so clears) the interrupt status, which lowers the card's line. MSI-X messages
    /// need nothing: the read would only cost an exit to the monitor.
    fn acknowledge_interrupt(&mut self) {
        if !matches!(self.interrupt, Some(DeviceInterrupt::MsiX(_))) {
            self.device.ack_interrupt();
        }
    }
}

/// Every virtio network card (found as `block_devices` finds disks). Cards that fail to start
/// are reported (warn) and skipped.
pub fn network_cards(cmdline: &str) -> Vec<VirtioNic> {
    let mut cards = Vec::new();
    for (transport, interrupt) in transports(cmdline, DeviceType::Network) {
        match VirtioNic::new(transport, interrupt) {
            Ok(card) => cards.push(card),
            Err(error) => log::warn!("virtio-net: {error:?}"),
        }
    }
    cards
}

/// Every virtio network card, as the nic slot's driver gives them (the network stack takes the
/// first).
pub fn nics(cmdline: &str) -> Vec<Box<dyn Nic + Send>> {
    network_cards(cmdline).into_iter().map(|card| Box::new(card) as Box<dyn Nic + Send>).collect()
}
