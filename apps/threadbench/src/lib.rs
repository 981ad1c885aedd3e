//! threadbench: the measurements of `scripts/bench-threads`, printed as
//! `threadbench: NAME ITERATIONS NANOSECONDS`. The Linux baseline (scripts/baseline/threads.c)
//! measures the same four things with pthreads.
//!
//! - `yield-switch`: two threads yield to each other; one iteration is one switch.
//! - `spawn-join`: create a thread that does nothing and join it.
//! - `mutex-uncontended`: lock and unlock a mutex no one else uses.
//! - `mutex-contended`: four threads increment one counter under one mutex; per lock.

#![no_std]
#![forbid(unsafe_code)]

use stardust::prelude::*;
use stardust::sync::{Arc, Mutex};
use stardust::thread;
use stardust::time::Instant;

fn report(name: &str, iterations: u64, start: Instant) {
    println!("threadbench: {name} {iterations} {}", start.elapsed().as_nanos());
}

/// Counts the primes below `limit` with one thread per CPU, each taking chunks of the range
/// from a shared counter: the `scripts/bench-smp` workload.
fn parallel_primes(limit: u64) {
    const CHUNK: u64 = 2_000;
    let next = Arc::new(core::sync::atomic::AtomicU64::new(2));
    let start = Instant::now();
    let workers: Vec<_> = (0..thread::available_parallelism())
        .map(|_| {
            let next = Arc::clone(&next);
            thread::spawn(move || {
                let mut found = 0u64;
                loop {
                    let from = next.fetch_add(CHUNK, core::sync::atomic::Ordering::Relaxed);
                    if from >= limit {
                        return found;
                    }
                    found += (from..(from + CHUNK).min(limit)).filter(|&n| is_prime(n)).count() as u64;
                }
            })
        })
        .collect();
    let primes: u64 = workers.into_iter().filter_map(|worker| worker.join().ok()).sum();
    println!(
        "threadbench: parallel-primes {primes} {} cpus={}",
        start.elapsed().as_nanos(),
        thread::available_parallelism()
    );
}

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
}

/// The app's entry. The first argument scales the iterations (default 1); `parallel [LIMIT]`
/// runs only the parallel workload.
pub fn main() {
    let mut arguments = stardust::env::args().skip(1);
    let first = arguments.next();
    if first.as_deref() == Some("parallel") {
        parallel_primes(arguments.next().and_then(|s| s.parse().ok()).unwrap_or(1_500_000));
        return;
    }
    let scale: u64 = first.and_then(|s| s.parse().ok()).unwrap_or(1);

    let switches = 20_000 * scale;
    let start = Instant::now();
    let partner = thread::spawn(move || {
        for _ in 0..switches / 2 {
            thread::yield_now();
        }
    });
    for _ in 0..switches / 2 {
        thread::yield_now();
    }
    let _ = partner.join();
    report("yield-switch", switches, start);

    let spawns = 2_000 * scale;
    let start = Instant::now();
    for _ in 0..spawns {
        let _ = thread::spawn(|| ()).join();
    }
    report("spawn-join", spawns, start);

    let locks = 200_000 * scale;
    let mutex = Mutex::new(0u64);
    let start = Instant::now();
    for _ in 0..locks {
        if let Ok(mut value) = mutex.lock() {
            *value += 1;
        }
    }
    report("mutex-uncontended", locks, start);

    let per_thread = 20_000 * scale;
    let counter = Arc::new(Mutex::new(0u64));
    let start = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..per_thread {
                    if let Ok(mut value) = counter.lock() {
                        *value += 1;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    report("mutex-contended", 4 * per_thread, start);
}
