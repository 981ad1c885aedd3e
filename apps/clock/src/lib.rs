//! clock: prints the wall clock (`clock: wall SECONDS`, Unix seconds), waits MILLISECONDS (first
//! argument, default 300) by watching `time::Instant`, then prints how long it measured and the
//! wall clock again. The boot test checks the host saw at least that much time pass, which a
//! wrongly calibrated TSC would not give, and that the wall clock agrees with the host's.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn wall() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs())
}

/// The app's entry.
pub fn main() -> i32 {
    let requested = stardust::env::args().nth(1).and_then(|text| text.parse::<u64>().ok()).unwrap_or(300);
    let wall_before = wall();
    println!("clock: wall {wall_before}");
    println!("clock: waiting {requested} ms");
    let start = Instant::now();
    let wait = Duration::from_millis(requested);
    while start.elapsed() < wait {
        core::hint::spin_loop();
    }
    let measured = start.elapsed();
    println!("clock: waited {} ms", measured.as_millis());
    let wall_after = wall();
    println!("clock: wall {wall_after}");
    if measured >= wait && wall_after >= wall_before { 0 } else { 1 }
}
