//! allocbench: times the allocation patterns of `allocbench-patterns` over the image's heap
//! allocator and prints `allocbench: PATTERN OPERATIONS NANOSECONDS ok|oom` lines for
//! `scripts/bench-alloc`. The first argument scales the work (default 1).

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::time::Instant;

/// The app's entry.
pub fn main() {
    let scale = stardust::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let origin = Instant::now();
    let now = || origin.elapsed().as_nanos() as u64;
    for outcome in allocbench_patterns::run_all(&now, scale) {
        let status = if outcome.out_of_memory { "oom" } else { "ok" };
        println!("allocbench: {} {} {} {status}", outcome.name, outcome.operations, outcome.nanoseconds);
    }
}
