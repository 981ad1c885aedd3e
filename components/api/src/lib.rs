//! The contracts between Stardust's components: traits with written obligations, plain types
//! and error enums. No implementation lives here, and nothing here touches hardware.
//!
//! Conventions: "MUST" is an obligation an implementation has to meet for the kernel to be
//! correct; "SHOULD" is expected but may be traded for size or speed, with the trade documented
//! by the implementation.

#![cfg_attr(not(any(test, feature = "fakes")), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod block;
pub mod conformance;
pub mod console;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod heap;
pub mod memory;
pub mod nic;
pub mod scheduler;
pub mod slots;
pub mod time;

pub use block::{BlockDevice, BlockError, InterruptWait};
pub use console::Console;
pub use heap::{AllocationError, CachedHeap, HeapAllocator, HeapMemory, HeapStats, NoMemory};
pub use memory::MemoryRegion;
pub use nic::{DeviceInterrupt, MAX_FRAME, Nic, NicError, NicStats};
pub use scheduler::{DEFAULT_PRIORITY, MAX_THREADS, PRIORITY_LEVELS, Priority, Scheduler, ThreadId, ThreadQueue};
pub use slots::Slots;
pub use time::CivilTime;
