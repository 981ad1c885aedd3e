//! The Stardust kernel image: the one place where a profile's choices become code.
//!
//! `build.rs` resolves the profile and features against glue/graph.toml into `wiring.rs` (one
//! item per slot, and the profile's constants); this file turns that into the image's entry.
//! It names slots, never implementations.

#![no_std]
#![no_main]
#![deny(unsafe_code)]

#[allow(dead_code, reason = "the wiring names every slot's choice; the image reads some of them")]
mod wiring {
    include!(concat!(env!("OUT_DIR"), "/wiring.rs"));
}

use stardust::process::Termination;

#[global_allocator]
static HEAP: stardust::GlobalHeap<wiring::Allocator, { wiring::HEAP_CACHE_BYTES }> =
    stardust::GlobalHeap::new(wiring::allocator());

static THREADS: stardust::thread::Runtime<wiring::Scheduler> = stardust::thread::Runtime::new(wiring::scheduler());

static CONFIG: stardust::Config = stardust::Config {
    profile: wiring::PROFILE,
    app: wiring::APP_CHOICE,
    log_level: wiring::LOG_LEVEL,
    tick_hz: wiring::TICK_HZ,
    find_disks: wiring::block(),
    find_nics: wiring::nic(),
    start_cpus: wiring::smp(),
    mount_disk: wiring::storage(),
    mount: wiring::MOUNT,
    start_network: wiring::network(),
};

#[allow(clippy::unit_arg, reason = "an app's main may return (), like std's")]
fn run_app() -> i32 {
    wiring::app::main().report()
}

// The hal's entry calls this symbol once the CPU is set up.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
fn stardust_image_main(boot: &'static stardust::BootInfo) -> ! {
    let threads = if wiring::SCHEDULER_IS_NONE { None } else { Some(&THREADS) };
    stardust::start(boot, &HEAP, &CONFIG, threads, run_app)
}
