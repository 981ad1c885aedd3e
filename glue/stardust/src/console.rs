//! `print!`, `println!`, `eprint!`, `eprintln!`: formatted output on the console.
//!
//! There is one console (COM1); standard output and standard error both go there, whole
//! lines at a time so that output from different places does not interleave mid-line.

use core::fmt::{self, Write};
use hal::serial::SERIAL;

/// A sleeping lock, not a spinning one: a thread that finds the console taken waits without
/// using the CPU, and a preempted holder gets to run (under `sched-prio`, a spinning waiter of
/// higher priority would never let it).
static LOCK: crate::sync::Mutex<()> = crate::sync::Mutex::new(());

#[doc(hidden)]
pub fn _print(arguments: fmt::Arguments<'_>) {
    let _guard = LOCK.lock();
    let _ = (&SERIAL).write_fmt(arguments);
}

/// Writes raw bytes to the console (a Linux program's standard output), whole, under the
/// console's lock.
pub fn write_bytes(bytes: &[u8]) {
    let _guard = LOCK.lock();
    stardust_api::Console::write_bytes(&hal::serial::SERIAL, bytes);
}

/// Prints to the console.
#[macro_export]
macro_rules! print {
    ($($argument:tt)*) => { $crate::console::_print(format_args!($($argument)*)) };
}

/// Prints to the console, with a newline.
#[macro_export]
macro_rules! println {
    () => { $crate::console::_print(format_args!("\n")) };
    ($($argument:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($argument)*))) };
}

/// Prints to the console (standard error is the console too).
#[macro_export]
macro_rules! eprint {
    ($($argument:tt)*) => { $crate::console::_print(format_args!($($argument)*)) };
}

/// Prints to the console, with a newline (standard error is the console too).
#[macro_export]
macro_rules! eprintln {
    () => { $crate::console::_print(format_args!("\n")) };
    ($($argument:tt)*) => { $crate::console::_print(format_args!("{}\n", format_args!($($argument)*))) };
}
