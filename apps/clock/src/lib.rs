//! clock: waits MILLISECONDS (first argument, default 300) by watching `time::Instant`, then
//! prints how long it measured. The boot test checks the host saw at least that much time pass,
//! which a wrongly calibrated TSC would not give.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::time::{Duration, Instant};

/// The app's entry.
pub fn main() -> i32 {
    let requested = stardust::env::args().nth(1).and_then(|text| text.parse::<u64>().ok()).unwrap_or(300);
    println!("clock: waiting {requested} ms");
    let start = Instant::now();
    let wait = Duration::from_millis(requested);
    while start.elapsed() < wait {
        core::hint::spin_loop();
    }
    let measured = start.elapsed();
    println!("clock: waited {} ms", measured.as_millis());
    if measured >= wait { 0 } else { 1 }
}
