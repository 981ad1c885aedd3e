//! Virtio for Stardust: the `Hal` that the `virtio-drivers` crate needs (DMA memory from the
//! heap, identity-mapped; device registers mapped uncached, only where the hal can map them),
//! discovery of virtio devices on PCI bus 0 (q35; configuration access through the hal) and on
//! virtio-mmio (the `virtio_mmio.device=` words of the command line, and QEMU microvm's
//! slots), virtio-blk as a [`BlockDevice`] and virtio-net as a [`Nic`], each with its interrupt
//! (an I/O APIC line on virtio-mmio, MSI-X on PCI): the network stack's thread waits for the
//! card's, a disk's driver for its own once the kernel routed it (else it polls).
//!
//! [`BlockDevice`]: stardust_api::BlockDevice
//! [`Nic`]: stardust_api::Nic

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

mod block;
mod discovery;
mod kernel_hal;
mod mmio;
mod net;
mod pci;
mod stepwise;

pub use block::{VirtioDisk, block_devices};
pub use kernel_hal::KernelHal;
pub use mmio::parse_mmio_word;
pub use net::{VirtioNic, network_cards, nics};
