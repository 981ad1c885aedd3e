//! Stardust's network stack: `smoltcp` over the [`Nic`] contract, as one [`Stack`] value with no
//! threads of its own. Whoever owns it calls [`Stack::poll`] when frames may have arrived or
//! timers may have run out; sockets are named by [`SocketId`]s and never block: an operation
//! that would have to wait returns `Ok(None)`, and [`Stack::changed`] later names the
//! sockets whose readiness changed, so a blocking layer above knows whom to wake.
//!
//! What it adds to smoltcp:
//! - **Listeners with a backlog.** A smoltcp socket accepts one connection; a [`Stack`] listener
//!   keeps a few sockets listening on its port and, after every received packet, moves those
//!   that got a connection to its accept queue and listens with fresh ones. When the queue is
//!   full, new SYNs for that port are dropped before smoltcp sees them (the client retries, as
//!   with a full Linux backlog) instead of being answered with a reset.
//! - **Closing in the background.** A closed TCP socket sends its FIN, discards whatever still
//!   arrives (so a client that is still sending sees its data taken and reads our answer), and
//!   is freed when the connection ends or after [`CLOSE_TIMEOUT_MS`].
//! - **Errors with meanings**: [`NetError`].
//! - **IPv4 configuration** by DHCP or static, [`Ipv4Config`].

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod config;
mod device;
mod error;
pub mod frame;
mod stack;

pub use config::{CROWDED_MIN, Ipv4Config, Limits};
pub use core::net::{Ipv4Addr, SocketAddrV4};
pub use error::NetError;
pub use stack::{CLOSE_TIMEOUT_MS, MAX_DATAGRAM, Readiness, SocketId, Stack};
pub use stardust_api::{Nic, NicStats};
