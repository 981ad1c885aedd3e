//! hello: prints a greeting and its arguments, then exits with 0.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;

/// The app's entry.
pub fn main() {
    println!("Hello from Stardust!");
    for (index, argument) in stardust::env::args().enumerate().skip(1) {
        println!("argument {index}: {argument}");
    }
}
