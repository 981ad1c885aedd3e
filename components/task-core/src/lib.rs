//! Stardust's thread runtime without the machine: which thread each CPU runs, the run queue
//! (through the scheduler slot), wait queues, sleeps and their wake-ups, time slices and
//! preemption, the bookkeeping of ended threads, and deadlock detection.
//!
//! Every operation takes what it needs to know as arguments (which CPU asks, what time it is)
//! and returns a decision for the machine side to carry out ("switch CPU 1 from thread 3 to
//! thread 5", "interrupt CPU 2, it has work", "halt", "deadlock", "this ended thread's stack
//! can go"), instead of touching hardware. So the whole state machine runs on the host, where
//! model tests drive it through random sequences on several simulated CPUs (see `tests/`).
//!
//! What it is not: the machine side. Stacks, the register switch, the lock taken with interrupts
//! off, inter-processor interrupts, halting and the timer live in `stardust-task` and the hal,
//! which hold this state machine behind their lock and apply its decisions. The one question it
//! asks the machine (has an ended thread left its CPU for good?) goes through [`Machine`].

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod decision;
mod machine;
mod runtime_core;
mod wait_list;

pub use decision::{CpuSet, IdleDecision, Outcome, Switch};
pub use machine::Machine;
pub use runtime_core::{BOOT_IDLE_THREAD, MAIN_THREAD, MAX_CPUS, RuntimeCore, State};
pub use wait_list::WaitList;
