//! Stardust's thread runtime, generic over the scheduler slot: creating threads, the timer tick
//! (sleeps and preemption), blocking on wait queues and waking, and the idle CPU.
//!
//! One shared run queue for every CPU, behind one lock that is only taken with interrupts off, so
//! a timer interrupt never finds the state half changed. Each CPU has an idle thread that runs
//! when nothing else can and halts the CPU; a CPU that queues work wakes a halted one with an
//! inter-processor interrupt. The heap also takes its lock with interrupts off, so no thread is
//! ever preempted holding it.
//!
//! This crate is the machine side: the lock, stacks with guard pages (the hal's `thread` module
//! switches registers between them), wake-up interrupts, halting, the timer. Every decision
//! (which thread runs, who wakes, when nothing can ever run again) is made by
//! `stardust-task-core`, a state machine without hardware access that is model-tested on the
//! host; this crate holds it behind its lock and carries out what it returns.
//!
//! What it is not: a process model. Threads share everything; the app ends when `main` ends.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod runtime;
mod wait_queue;

pub use runtime::{MIN_STACK, NoScheduler, Runtime, SpawnError, StartError, Threads, secondary_cpu_main};
pub use wait_queue::WaitQueue;
