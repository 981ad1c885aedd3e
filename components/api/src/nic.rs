//! The network-card contract: Ethernet frames in and out.

use core::fmt;

/// The largest Ethernet frame a NIC passes (1500-byte payload, 14-byte header; no FCS, no VLAN tag).
pub const MAX_FRAME: usize = 1514;

/// Why a transmit failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicError {
    /// The frame is empty or longer than [`MAX_FRAME`]; nothing was sent.
    BadLength,
    /// The device has no room for the frame now; the caller may try again later.
    Busy,
    /// The device reported a failure.
    Device,
}

impl fmt::Display for NicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NicError::BadLength => "frame is empty or longer than 1514 bytes",
            NicError::Busy => "the network card has no room for the frame",
            NicError::Device => "the network card reported an error",
        })
    }
}

/// Counters every NIC keeps (for logs and tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NicStats {
    /// Frames handed to the caller.
    pub received: u64,
    /// Frames sent.
    pub sent: u64,
    /// Frames the device gave that could not be passed on (too long for the caller's buffer,
    /// or a device error on receive); they are dropped and their buffers reused.
    pub dropped: u64,
}

/// How a device signals that it has work, for the kernel to route to a CPU
/// ([`Nic::interrupt`], [`crate::BlockDevice::interrupt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceInterrupt {
    /// A line: a global system interrupt (an I/O APIC pin on x86). It MAY stay raised until the
    /// device is acknowledged ([`Nic::acknowledge_interrupt`]; a disk's driver does it itself).
    Line(u32),
    /// A PCI MSI-X table entry, at this (physical, mapped) address: the kernel writes the
    /// message there that reaches its CPU. The device's queues already signal through the entry,
    /// whose mask starts set (nothing is delivered until it is routed).
    MsiX(u64),
}

/// A network card (virtio-net, a host fake).
///
/// - `receive` MUST NOT block: it copies the oldest waiting frame into `buffer` and returns its
///   length, or returns `None` at once if no frame waits. A frame longer than `buffer` MUST be
///   dropped (counted in `stats().dropped`), never truncated; `receive` then tries the next one.
///   Whatever happens, the device's receive buffer MUST be given back to the device, so a
///   sustained load never runs it out of buffers.
/// - `transmit` sends one whole frame (`1..=MAX_FRAME` bytes, else `BadLength` and nothing sent).
///   It MAY wait for the device to take the frame, never for the network; it MAY return before
///   the device has sent it (`unsent` counts such frames).
/// - The MAC address never changes.
pub trait Nic {
    /// The card's Ethernet address.
    fn mac_address(&self) -> [u8; 6];
    /// Copies the next received frame into `buffer`; its length, or `None` if none waits.
    fn receive(&mut self, buffer: &mut [u8]) -> Option<usize>;
    /// Sends one frame.
    fn transmit(&mut self, frame: &[u8]) -> Result<(), NicError>;
    /// The card's counters.
    fn stats(&self) -> NicStats;
    /// Frames `transmit` accepted that the device has not finished with yet (queued to it, not
    /// yet taken to the wire). MUST fall to 0 by itself, without further calls to `transmit`,
    /// once the device has had time; a card that sends before `transmit` returns always says 0.
    /// Whoever ends the VM waits for 0 first, or the last frames are lost with it.
    fn unsent(&mut self) -> usize;
    /// How the card signals that a frame arrived or a transmit finished, if it can signal in a
    /// way the kernel can route; `None` (the default): the card is polled.
    fn interrupt(&self) -> Option<DeviceInterrupt> {
        None
    }
    /// Clears the card's interrupt status. A card's line MAY stay raised until this is called,
    /// so that no new interrupt comes: whoever waits for interrupts MUST call it after each one
    /// (and after unmasking a line it had masked) and before it looks for frames (`receive`),
    /// so that a frame arriving after the look raises the line again. Does nothing by default.
    fn acknowledge_interrupt(&mut self) {}
}

/// Checks a frame's length against the contract.
pub fn check_frame(frame: &[u8]) -> Result<(), NicError> {
    if frame.is_empty() || frame.len() > MAX_FRAME { Err(NicError::BadLength) } else { Ok(()) }
}

impl<N: Nic + ?Sized> Nic for alloc::boxed::Box<N> {
    fn mac_address(&self) -> [u8; 6] {
        (**self).mac_address()
    }

    fn receive(&mut self, buffer: &mut [u8]) -> Option<usize> {
        (**self).receive(buffer)
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), NicError> {
        (**self).transmit(frame)
    }

    fn stats(&self) -> NicStats {
        (**self).stats()
    }

    fn unsent(&mut self) -> usize {
        (**self).unsent()
    }

    fn interrupt(&self) -> Option<DeviceInterrupt> {
        (**self).interrupt()
    }

    fn acknowledge_interrupt(&mut self) {
        (**self).acknowledge_interrupt()
    }
}
