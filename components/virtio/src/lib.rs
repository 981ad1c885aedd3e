//! Virtio for Stardust: the `Hal` that the `virtio-drivers` crate needs (DMA memory from the
//! heap, identity-mapped; device registers mapped uncached), PCI configuration access through
//! ports 0xCF8/0xCFC, discovery of virtio block devices on PCI bus 0 (q35) and in the
//! `virtio_mmio.device=` words QEMU's microvm puts on the command line, virtio-blk as a
//! [`BlockDevice`] and virtio-net as a [`Nic`]. Both are polled: the driver waits for each request
//! to complete, and received frames are picked up when the network stack looks for them.
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

pub use block::{VirtioDisk, block_devices};
pub use kernel_hal::KernelHal;
pub use mmio::parse_mmio_word;
pub use net::{VirtioNic, network_cards};
