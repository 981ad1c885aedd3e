//! The Stardust kernel image: the one place where a profile's choices become code.
//!
//! `build.rs` resolves the profile and features into `wiring.rs` (the app, the allocator type,
//! the profile's constants); this file turns that into the image's entry.

#![no_std]
#![no_main]
#![deny(unsafe_code)]

mod wiring {
    include!(concat!(env!("OUT_DIR"), "/wiring.rs"));
}

use stardust::process::Termination;

#[global_allocator]
static HEAP: stardust::GlobalHeap<wiring::Allocator> = stardust::GlobalHeap::new(wiring::allocator());

static THREADS: stardust::thread::Runtime<wiring::Scheduler> = stardust::thread::Runtime::new(wiring::scheduler());

#[allow(clippy::unit_arg, reason = "an app's main may return (), like std's")]
fn run_app() -> i32 {
    wiring::app::main().report()
}

// The hal's entry calls this symbol once the CPU is set up.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
fn stardust_image_main(boot: &'static stardust::BootInfo) -> ! {
    let threads = if wiring::THREADS { Some(&THREADS) } else { None };
    stardust::start(boot, &HEAP, &wiring::CONFIG, threads, run_app)
}
