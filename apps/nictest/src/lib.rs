//! nictest: runs the NIC contract's conformance checks (`api::conformance::check_nic`, the same
//! the host's wire fake passes) on the image's first two network cards, which the test wires
//! together (a QEMU hub): each card in turn is the device and the other its peer. Exit 0 when
//! both pass, 1 with fewer than two cards, 3 on a violation.

#![no_std]
#![forbid(unsafe_code)]

use stardust::net::{cards, check_nic};
use stardust::prelude::*;
use stardust::time::{Duration, Instant};

/// How long to wait for a frame that should arrive: QEMU passes frames between the cards from
/// its main loop, which a busy host may schedule late.
const PATIENCE: Duration = Duration::from_secs(5);

/// The app's entry.
pub fn main() -> i32 {
    let mut found = cards();
    println!("nictest: {} card(s)", found.len());
    if found.len() < 2 {
        println!("nictest: needs two cards on one wire");
        return 1;
    }
    let mut second = found.remove(1);
    let mut first = found.remove(0);
    // Each frame's wait starts at its first poll.
    let mut started = Instant::now();
    let mut patience = |polls: u32| {
        if polls == 1 {
            started = Instant::now();
        }
        started.elapsed() < PATIENCE
    };
    for which in ["first", "second"] {
        let result = if which == "first" {
            check_nic(&mut *first, &mut *second, &mut patience)
        } else {
            check_nic(&mut *second, &mut *first, &mut patience)
        };
        match result {
            Ok(()) => println!("nictest: {which} card: contract ok"),
            Err(violation) => {
                println!("nictest: FAILED: {which} card: {violation}");
                return 3;
            }
        }
    }
    0
}
