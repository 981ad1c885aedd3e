//! Stardust's thread runtime, generic over the scheduler slot: creating threads, the timer tick
//! (sleeps and preemption), blocking on wait queues and waking, and the idle CPU.
//!
//! One CPU for now. Every change to the runtime's state happens with interrupts off, so the
//! timer interrupt never sees it half done. The heap takes its lock with interrupts off too, so
//! no thread is ever preempted holding it. The machine side (stacks with guard pages, the
//! register switch) is the hal's `thread` module.
//!
//! What it is not: a process model. Threads share everything; the app ends when `main` ends.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod runtime;
mod wait_queue;

pub use runtime::{MIN_STACK, NoScheduler, Runtime, SpawnError, Threads};
pub use wait_queue::WaitQueue;
