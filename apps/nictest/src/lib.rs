//! nictest: runs the NIC contract's conformance checks (`api::conformance::check_nic`, the same
//! the host's wire fake passes) on the image's first two network cards, which the test wires
//! together (a QEMU hub): each card in turn is the device and the other its peer. Exit 0 when
//! both pass, 1 with fewer than two cards, 3 on a violation.

#![no_std]
#![forbid(unsafe_code)]

use stardust::net::{cards, check_nic};
use stardust::prelude::*;

/// Polls for a frame that should arrive: QEMU passes it between the cards when the sender
/// notifies its queue, so it is there at once or after a few polls.
const ATTEMPTS: u32 = 100_000;

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
    for which in ["first", "second"] {
        let result = if which == "first" {
            check_nic(&mut *first, &mut *second, ATTEMPTS)
        } else {
            check_nic(&mut *second, &mut *first, ATTEMPTS)
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
