//! Stardust's thread runtime, generic over the scheduler slot: creating threads, the timer tick
//! (sleeps and preemption), blocking on wait queues and waking, and the idle CPU.
//!
//! One shared run queue for every CPU, behind one lock that is only taken with interrupts off, so
//! a timer interrupt never finds the state half changed. Each CPU has an idle thread that runs
//! when nothing else can and halts the CPU; a CPU that queues work wakes a halted one with an
//! inter-processor interrupt. The heap also takes its lock with interrupts off, so no thread is
//! ever preempted holding it. The machine side (stacks with guard pages, the
//! register switch) is the hal's `thread` module.
//!
//! What it is not: a process model. Threads share everything; the app ends when `main` ends.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod runtime;
mod wait_queue;

pub use runtime::{MIN_STACK, NoScheduler, Runtime, SpawnError, StartError, Threads, secondary_cpu_main};
pub use wait_queue::WaitQueue;
