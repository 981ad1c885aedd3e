//! allocstress: works the heap allocator inside the VM and checks every byte it wrote.
//!
//! `allocstress [MODE...]` runs the modes in order (default: `mixed fragment try`):
//! - `mixed`: 10,000 allocations of 1 byte to 64 KiB, half freed along the way (about 16 MiB
//!   in all, so that even the bump allocator, which does not reuse memory, gets through);
//! - `fragment`: 4,000 small blocks, every other one freed, then larger blocks in the holes;
//! - `big`: eight 4 MiB blocks at once (run it with `-m 64M`);
//! - `churn`: allocate and free until 100 times the heap's size has passed through it;
//! - `try`: `Vec::try_reserve` of more than the heap: an error, and the app goes on;
//! - `oom`: an infallible allocation of more than the heap: the kernel's report, exit 103;
//! - `stats`: print the heap's statistics.
//!
//! Every block is filled with a pattern and checked before it is freed; a mismatch exits 1.

#![no_std]
#![forbid(unsafe_code)]

use stardust::heap;
use stardust::prelude::*;

/// A small deterministic generator, so runs are reproducible.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> usize {
        (self.next() % bound) as usize
    }
}

fn block(size: usize, seed: u8) -> Vec<u8> {
    let mut data = Vec::with_capacity(size);
    data.extend((0..size).map(|i| seed.wrapping_add(i as u8)));
    data
}

fn intact(data: &[u8], seed: u8) -> bool {
    data.iter().enumerate().all(|(i, &byte)| byte == seed.wrapping_add(i as u8))
}

fn check(live: &[(Vec<u8>, u8)], what: &str) -> Result<(), String> {
    match live.iter().position(|(data, seed)| !intact(data, *seed)) {
        Some(index) => Err(format!("{what}: block {index} was corrupted")),
        None => Ok(()),
    }
}

fn mixed() -> Result<(), String> {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut live: Vec<(Vec<u8>, u8)> = Vec::new();
    for step in 0..10_000u32 {
        let size = match random.below(20) {
            0..=11 => 1 + random.below(128),
            12..=18 => 128 + random.below(4096),
            _ => 4096 + random.below(60 * 1024),
        };
        let seed = step as u8;
        live.push((block(size, seed), seed));
        if random.below(2) == 0 {
            let victim = random.below(live.len() as u64);
            let (data, seed) = live.swap_remove(victim);
            if !intact(&data, seed) {
                return Err(format!("mixed: block of {} bytes corrupted at step {step}", data.len()));
            }
        }
        // Keep the live set bounded so the test fits small heaps.
        if live.len() > 400 {
            live.truncate(200);
        }
    }
    check(&live, "mixed")
}

fn fragment() -> Result<(), String> {
    let mut small: Vec<(Vec<u8>, u8)> = (0..4000).map(|i| (block(48, i as u8), i as u8)).collect();
    let kept: Vec<(Vec<u8>, u8)> = small.drain(..).enumerate().filter(|(i, _)| i % 2 == 0).map(|(_, b)| b).collect();
    let larger: Vec<(Vec<u8>, u8)> = (0..1000).map(|i| (block(80 + i % 200, i as u8), i as u8)).collect();
    check(&kept, "fragment (small blocks)")?;
    check(&larger, "fragment (larger blocks)")
}

fn big() -> Result<(), String> {
    let blocks: Vec<(Vec<u8>, u8)> = (0..8).map(|i| (block(4 << 20, i), i)).collect();
    check(&blocks, "big")
}

fn churn() -> Result<(), String> {
    let total = heap::stats().total;
    let target = total.saturating_mul(100);
    let failed_before = heap::stats().failed;
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut ring: Vec<Option<(Vec<u8>, u8)>> = (0..64).map(|_| None).collect();
    let mut passed = 0u64;
    let mut count = 0u32;
    // Blocks up to 1/256 of the heap (at most 1 MiB), 64 live at a time: a quarter of the heap.
    let largest = (total / 256).clamp(64, 1 << 20);
    while passed < target {
        let size = 1 + random.below(largest);
        let slot = random.below(ring.len() as u64);
        let seed = count as u8;
        if let Some((data, seed)) = ring[slot].take()
            && !intact(&data, seed)
        {
            return Err(format!("churn: block corrupted after {passed} bytes"));
        }
        // Only the first bytes are written and checked: churn is about the allocator's
        // bookkeeping, and filling 100 heaps' worth of bytes would dominate the run.
        let mut data = Vec::with_capacity(size);
        data.extend((0..size.min(64)).map(|i| seed.wrapping_add(i as u8)));
        ring[slot] = Some((data, seed));
        passed += size as u64;
        count += 1;
    }
    let failed = heap::stats().failed - failed_before;
    println!("allocstress: churn moved {} MiB through a {} KiB heap in {count} allocations", passed >> 20, total >> 10);
    if failed != 0 {
        return Err(format!("churn: {failed} allocations failed"));
    }
    Ok(())
}

fn try_reserve() -> Result<(), String> {
    let too_much = (heap::stats().total as usize).saturating_mul(2);
    let failed_before = heap::stats().failed;
    let mut data: Vec<u8> = Vec::new();
    match data.try_reserve(too_much) {
        Ok(()) => Err(format!("try: reserving {too_much} bytes succeeded on a smaller heap")),
        Err(_) if heap::stats().failed > failed_before => {
            println!("allocstress: try_reserve({too_much}) failed cleanly");
            Ok(())
        }
        Err(_) => Err("try: the failure was not counted".into()),
    }
}

fn out_of_memory() -> Result<(), String> {
    let too_much = (heap::stats().total as usize).saturating_mul(2);
    println!("allocstress: allocating {too_much} bytes, more than the heap");
    let data: Vec<u8> = Vec::with_capacity(too_much);
    Err(format!("oom: got {} bytes of capacity", data.capacity()))
}

fn print_stats() {
    let stats = heap::stats();
    println!(
        "allocstress: heap total {} in_use {} peak {} free {} largest_free {} failed {}",
        stats.total, stats.in_use, stats.peak, stats.free, stats.largest_free, stats.failed
    );
}

/// The app's entry.
pub fn main() -> i32 {
    let mut modes: Vec<String> = stardust::env::args().skip(1).collect();
    if modes.is_empty() {
        modes = ["mixed", "fragment", "try"].iter().map(|m| m.to_string()).collect();
    }
    for mode in &modes {
        let result = match mode.as_str() {
            "mixed" => mixed(),
            "fragment" => fragment(),
            "big" => big(),
            "churn" => churn(),
            "try" => try_reserve(),
            "oom" => out_of_memory(),
            "stats" => {
                print_stats();
                Ok(())
            }
            other => Err(format!("unknown mode `{other}` (mixed, fragment, big, churn, try, oom, stats)")),
        };
        match result {
            Ok(()) => println!("allocstress: {mode} ok"),
            Err(message) => {
                println!("allocstress: FAILED: {message}");
                return 1;
            }
        }
    }
    0
}
