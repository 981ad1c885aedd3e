//! The Stardust runtime and the API apps are written against, shaped like Rust's std.
//!
//! Apps use `println!`, [`env::args`], [`process::exit`], [`time::Instant`] and `alloc`'s
//! collections as they would on std. The kernel side is [`start`]: the image (glue/image)
//! calls it with the implementations its profile chose, and it brings the system up in the
//! order hal → console and log → kernel options → heap → app.
//!
//! This crate is generic over every slot; only the image's generated wiring names
//! implementations.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc as alloc_crate;

pub mod console;
pub mod env;
pub mod fs;
pub mod heap;
mod logger;
pub mod net;
pub mod process;
pub mod smp;
pub mod storage;
pub mod sync;
pub mod thread;
pub mod time;

pub use alloc_crate::{borrow, boxed, collections, format, rc, string, vec};
/// `Read`, `Write`, `Seek` and `io::Error`, as `std::io`.
pub use core_io as io;
pub use hal::BootInfo;
pub use hal::heap::{GlobalHeap, HeapWords};
pub use stardust_api::{HeapAllocator, HeapStats};

use core::fmt::Write;
use stardust_bootargs::KernelOption;

/// The common imports for apps: `use stardust::prelude::*;`.
pub mod prelude {
    pub use crate::{eprint, eprintln, print, println};
    pub use alloc_crate::{borrow::ToOwned, boxed::Box, format, string::String, string::ToString, vec, vec::Vec};
}

/// The block slot's value: finds the disks the monitor gives (given the command line, where
/// microvm announces its MMIO devices), or `None` (no disk driver).
pub type FindDisks = Option<storage::DiskFinder>;
/// The nic slot's value: finds the network cards the monitor gives, or `None` (no driver).
pub type FindNics = Option<net::NicFinder>;
/// The smp slot's value: starts every other CPU, or `None` (the boot CPU only).
pub type StartCpus = Option<fn()>;
/// The storage slot's value: mounts the first disk at a path (`stardust_storage_fat::mount_first_disk`), or `None`
/// (no disks).
pub type MountDisk = Option<fn(&str)>;
/// The network slot's value: starts the network on the first card the nic slot finds, with the
/// values of `stardust.ip=` and `stardust.gw=`, if given (`net::start`), or `None` (no network).
pub type StartNetwork = Option<fn(Option<&str>, Option<&str>)>;

/// What the profile fixed at build time; generated from glue/graph.toml and
/// `profiles/<name>.toml` by glue/image. A slot that is `None` links none of its code.
#[derive(Debug)]
pub struct Config {
    /// The profile's name.
    pub profile: &'static str,
    /// The app's name (`env::args()`'s first item).
    pub app: &'static str,
    /// The log level at boot when the command line does not set one.
    pub log_level: log::LevelFilter,
    /// Timer ticks per second, for images with threads.
    pub tick_hz: u32,
    /// The block slot: the disk driver.
    pub find_disks: FindDisks,
    /// The nic slot: the network-card driver.
    pub find_nics: FindNics,
    /// The smp slot (images with threads only).
    pub start_cpus: StartCpus,
    /// The storage slot.
    pub mount_disk: MountDisk,
    /// Where the storage slot mounts the first disk, unless `stardust.mount=` says otherwise.
    pub mount: &'static str,
    /// The network slot.
    pub start_network: StartNetwork,
}

/// Brings the kernel up and runs the app; never returns. Called once, by the image's entry.
pub fn start<A: HeapAllocator + Send, S: stardust_api::Scheduler + Send + 'static, const CACHE: usize>(
    boot: &'static BootInfo,
    heap: &'static GlobalHeap<A, CACHE>,
    config: &'static Config,
    threads: Option<&'static thread::Runtime<S>>,
    app: fn() -> i32,
) -> ! {
    logger::init(config.log_level);
    // Only images with a driver keep its finder (and link the code that reads it).
    if let Some(find_disks) = config.find_disks {
        storage::register(find_disks);
    }
    if let Some(find_nic) = config.find_nics {
        net::register(find_nic);
    }
    let mut report_boot_time = false;
    let mut mount = config.mount_disk.map(|_| config.mount);
    let (mut ip, mut gateway) = (None, None);
    for option in stardust_bootargs::kernel_options(boot.cmdline()) {
        match option {
            KernelOption::Log(level) => logger::set_level(level),
            KernelOption::BootTime => report_boot_time = true,
            KernelOption::Mount(path) if config.mount_disk.is_some() => mount = path,
            KernelOption::Mount(_) => log::warn!("stardust.mount: this image's profile has no storage; ignored"),
            KernelOption::Ip(text) if config.start_network.is_some() => ip = Some(text),
            KernelOption::Gateway(text) if config.start_network.is_some() => gateway = Some(text),
            KernelOption::Ip(_) | KernelOption::Gateway(_) => {
                log::warn!("stardust.ip/stardust.gw: this image's profile has no network; ignored")
            }
            KernelOption::IdleTick(tick) => hal::lapic::keep_ticking_when_idle(tick),
            KernelOption::NicPolled(polled) if config.start_network.is_some() => net::poll_the_card(polled),
            KernelOption::DiskPolled(polled) if config.find_disks.is_some() => storage::poll_the_disks(polled),
            KernelOption::NicPolled(_) | KernelOption::DiskPolled(_) => {
                log::warn!("stardust.nic, stardust.disk: this image's profile has no such device; ignored")
            }
            KernelOption::Monitor(_) | KernelOption::Env(_) => {}
            KernelOption::BadValue(word) => log::warn!("kernel option `{word}` has a bad value; ignored"),
            KernelOption::Unknown(word) => log::warn!("unknown kernel option `{word}`; ignored"),
        }
    }
    if boot.cmdline_truncated() {
        log::warn!("the command line is longer than {} bytes; the rest is ignored", hal::boot::MAX_CMDLINE);
    }
    if boot.cmdline_unreadable() {
        log::warn!("the command line lies outside the first 2 MiB and cannot be read; ignored");
    }
    if boot.unusable_ram() > 0 {
        log::warn!("{} KiB of RAM is not used (above 3 GiB, or listed twice)", boot.unusable_ram() >> 10);
    }
    heap.init(boot.free_memory());
    heap::register(heap);
    env::init(config.app, boot.cmdline());
    let mut threads_run = false;
    if let Some(runtime) = threads {
        if let Err(error) = runtime.start(config.tick_hz) {
            log::error!("threads cannot run: {error}; the app runs alone, without disks or network");
        } else {
            threads_run = true;
            thread::init(runtime);
            if let Some(start_cpus) = config.start_cpus {
                start_cpus();
            }
        }
    }
    // The graph's `needs` keep storage and network out of images without threads; both serve
    // from threads of their own, so they also stay down when the thread runtime could not start.
    if let (Some(mount_disk), Some(path), true) = (config.mount_disk, mount, threads_run) {
        mount_disk(path);
    }
    if let (Some(start_network), true) = (config.start_network, threads_run) {
        start_network(ip, gateway);
    }
    let stats = heap.stats();
    log::debug!(
        "profile {}, app {}, heap {} KiB in {} region(s), image {:#x}..{:#x}",
        config.profile,
        config.app,
        stats.total >> 10,
        boot.free_memory().count(),
        boot.image.start,
        boot.image.end
    );
    if report_boot_time {
        let ticks = hal::cpu::rdtsc().wrapping_sub(boot.entry_tsc);
        let micros = u64::try_from(hal::time::ticks_to_nanoseconds(ticks) / 1000).unwrap_or(u64::MAX);
        println!("stardust: entry-to-main {micros} us ({} MHz TSC)", hal::time::tsc_frequency() / 1_000_000);
    }
    process::exit(app())
}

/// Reports a panic and ends the VM. It writes to the serial port without the console's lock:
/// the panic may have happened while that lock was held.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    if heap::report_out_of_memory(info) {
        hal::power::exit(hal::exit_code::OUT_OF_MEMORY)
    }
    let _ = writeln!(&hal::serial::SERIAL, "\nstardust: {info}");
    hal::power::exit(hal::exit_code::PANIC)
}
