//! The allocation patterns of `scripts/bench-alloc`: the same code runs in the VM (over the
//! image's allocator) and on the host (over the host's system allocator). Only safe, fallible
//! `Vec` calls: an allocator that runs out (the bump allocator never reuses memory) ends its
//! pattern early and says so instead of crashing.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;

/// One pattern's result.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// The pattern's name.
    pub name: &'static str,
    /// Allocator operations done (an allocation and its free count as one; a reallocation one).
    pub operations: u64,
    /// Time taken.
    pub nanoseconds: u64,
    /// True if an allocation failed and the pattern stopped early.
    pub out_of_memory: bool,
}

fn reserve(size: usize) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    data.try_reserve_exact(size).ok()?;
    Some(data)
}

/// 32-byte blocks: 1,000 allocated, then all freed, `rounds` times.
fn small_fixed(rounds: u32) -> (u64, bool) {
    let mut blocks = Vec::with_capacity(1000);
    let mut operations = 0;
    for _ in 0..rounds {
        for _ in 0..1000 {
            match reserve(32) {
                Some(block) => blocks.push(black_box(block)),
                None => return (operations, true),
            }
            operations += 1;
        }
        blocks.clear();
    }
    (operations, false)
}

/// Sizes from 16 bytes to 4 KiB, 512 live, each operation replacing a random one.
fn mixed(operations: u32) -> (u64, bool) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut ring: Vec<Vec<u8>> = (0..512).map(|_| Vec::new()).collect();
    for done in 0..operations {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let size = 16 + (state % 4081) as usize;
        let slot = (state >> 32) as usize % ring.len();
        match reserve(size) {
            Some(block) => ring[slot] = black_box(block),
            None => return (u64::from(done), true),
        }
    }
    (u64::from(operations), false)
}

/// A buffer grown one byte at a time to 4 KiB with an exact reservation each time (every push
/// is a reallocation), `rounds` times.
fn realloc_heavy(rounds: u32) -> (u64, bool) {
    let mut operations = 0;
    for _ in 0..rounds {
        let mut buffer: Vec<u8> = Vec::new();
        for byte in 0..4096u32 {
            if buffer.try_reserve_exact(1).is_err() {
                return (operations, true);
            }
            buffer.push(byte as u8);
            operations += 1;
        }
        black_box(&buffer);
    }
    (operations, false)
}

/// Runs every pattern; `now` gives nanoseconds from any fixed origin. `scale` multiplies the
/// work (1 is about 200,000 operations per pattern).
pub fn run_all(now: &dyn Fn() -> u64, scale: u32) -> [Outcome; 3] {
    let time = |name: &'static str, pattern: &dyn Fn() -> (u64, bool)| {
        let start = now();
        let (operations, out_of_memory) = pattern();
        Outcome { name, operations, nanoseconds: now().saturating_sub(start), out_of_memory }
    };
    [
        time("small-fixed", &|| small_fixed(200 * scale)),
        time("mixed", &|| mixed(200_000 * scale)),
        time("realloc-heavy", &|| realloc_heavy(50 * scale)),
    ]
}
