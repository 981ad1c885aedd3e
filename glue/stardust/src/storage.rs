//! Disks as the image's disk driver (the block slot) finds them (most apps want [`crate::fs`]
//! instead, where the storage slot mounts the first disk at `/data`).

use alloc_crate::boxed::Box;
use alloc_crate::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
pub use core_io as io;
use stardust_api::DeviceInterrupt;
pub use stardust_api::conformance::{check_block_device, check_read_only_block_device};
pub use stardust_api::{BlockDevice, BlockError, InterruptWait};

/// A disk the monitor gave the VM, as the image's disk driver (the block slot) found it, and
/// the interrupt its requests wait for, where the kernel routed one.
pub struct Disk(Box<dyn BlockDevice + Send>, Option<&'static Interrupts>);

impl Disk {
    /// How the requests' waits for the disk's interrupt ended; `None` when its requests are
    /// polled (it has no interrupt the kernel can route, the image has no threads,
    /// `stardust.disk=poll`, or no vector was left).
    pub fn interrupt_waits(&self) -> Option<InterruptWaits> {
        self.1.map(|interrupts| InterruptWaits {
            woken: interrupts.woken.load(Ordering::Relaxed),
            timed_out: interrupts.timed_out.load(Ordering::Relaxed),
        })
    }
}

/// How the parks of a disk's requests ended ([`Disk::interrupt_waits`]): counts since boot, for
/// every `Disk` of the same device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterruptWaits {
    /// Parks that the disk's interrupt ended before their deadline.
    pub woken: u64,
    /// Parks that lasted at least their deadline (a lost interrupt, a disk slower than the
    /// deadline, or a host that stalled the VM; the interrupt may have come at the very end):
    /// the request looked at the disk again then.
    pub timed_out: u64,
}

impl BlockDevice for Disk {
    fn block_size(&self) -> usize {
        self.0.block_size()
    }

    fn block_count(&self) -> u64 {
        self.0.block_count()
    }

    fn read_only(&self) -> bool {
        self.0.read_only()
    }

    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError> {
        self.0.read_blocks(first, buffer)
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), BlockError> {
        self.0.write_blocks(first, buffer)
    }

    fn flush(&mut self) -> Result<(), BlockError> {
        self.0.flush()
    }

    fn interrupt(&self) -> Option<DeviceInterrupt> {
        self.0.interrupt()
    }

    fn wait_by_interrupt(&mut self, wait: &'static dyn InterruptWait) {
        self.0.wait_by_interrupt(wait)
    }
}

/// The block slot's driver, registered at boot by images that have one.
static FIND_DISKS: spin::Once<DiskFinder> = spin::Once::new();

/// The block slot's function: the command line in, the disks out.
pub type DiskFinder = fn(&str) -> Vec<Box<dyn BlockDevice + Send>>;

pub(crate) fn register(find_disks: DiskFinder) {
    FIND_DISKS.call_once(|| find_disks);
}

/// Every disk, in the order the monitor lists them (found when called); none in images whose
/// block slot is `none`.
pub fn disks() -> Vec<Disk> {
    let Some(find_disks) = FIND_DISKS.get() else { return Vec::new() };
    let cmdline = hal::boot::info().map_or("", |info| info.cmdline());
    find_disks(cmdline)
        .into_iter()
        .map(|mut disk| {
            let routed = route(disk.interrupt());
            if let Some(interrupts) = routed {
                disk.wait_by_interrupt(interrupts);
            }
            Disk(disk, routed)
        })
        .collect()
}

/// Set by `stardust.disk=poll`: disks are polled even if their interrupts could be routed.
static POLL_THE_DISKS: AtomicBool = AtomicBool::new(false);

/// `stardust.disk=poll` (true) or `=interrupt`: whether disks found from now on are polled.
pub(crate) fn poll_the_disks(polled: bool) {
    POLL_THE_DISKS.store(polled, Ordering::Relaxed);
}

/// A routed disk interrupt: its count, the thread waiting for it, and how the waits ended.
pub struct Interrupts {
    count: AtomicU64,
    waiter: AtomicU32,
    woken: AtomicU64,
    timed_out: AtomicU64,
}

/// Disks whose interrupts can be routed, each with its own vector (the network card takes one
/// of the four the hal has); later ones are polled.
const ROUTED_DISKS: usize = 3;

static INTERRUPTS: [Interrupts; ROUTED_DISKS] = [const {
    Interrupts {
        count: AtomicU64::new(0),
        waiter: AtomicU32::new(u32::MAX),
        woken: AtomicU64::new(0),
        timed_out: AtomicU64::new(0),
    }
}; ROUTED_DISKS];

/// Each slot's interrupt and vector, once given: a disk found again (another call to
/// [`disks`]) keeps its slot and vector.
static SLOTS: spin::Mutex<[Option<(DeviceInterrupt, u8)>; ROUTED_DISKS]> = spin::Mutex::new([None; ROUTED_DISKS]);

/// The interrupt handler of slot `SLOT` (interrupts off): counts, and ends its waiter's park.
fn on_disk_interrupt<const SLOT: usize>() {
    INTERRUPTS[SLOT].count.fetch_add(1, Ordering::SeqCst);
    crate::thread::unpark(INTERRUPTS[SLOT].waiter.load(Ordering::SeqCst));
}

const HANDLERS: [fn(); ROUTED_DISKS] = [on_disk_interrupt::<0>, on_disk_interrupt::<1>, on_disk_interrupt::<2>];

/// Routes a disk's interrupt to a vector of its own: the wait its driver is to use, or `None`
/// (polled) when it has none, the image has no threads to run while a request waits,
/// `stardust.disk=poll` said so, or it cannot be routed.
fn route(interrupt: Option<DeviceInterrupt>) -> Option<&'static Interrupts> {
    let interrupt = interrupt?;
    if !crate::thread::can_park() {
        return None;
    }
    if POLL_THE_DISKS.load(Ordering::Relaxed) {
        log::info!("storage: polling the disk (stardust.disk=poll)");
        return None;
    }
    let (slot, vector) = hal::interrupts::without(|| {
        let mut slots = SLOTS.lock();
        if let Some(slot) = slots.iter().position(|given| given.is_some_and(|(known, _)| known == interrupt)) {
            return slots[slot].map(|(_, vector)| (slot, vector));
        }
        let slot = slots.iter().position(Option::is_none)?;
        let vector = hal::interrupts::register_device(HANDLERS[slot])?;
        slots[slot] = Some((interrupt, vector));
        Some((slot, vector))
    })
    .or_else(|| {
        log::warn!("storage: no interrupt vector left for the disk at {interrupt:?}; polling it");
        None
    })?;
    route_to(interrupt, vector, "storage: the disk").map(|_| &INTERRUPTS[slot])
}

/// Routes a device's interrupt (an I/O APIC line or an MSI-X entry) to `vector` on the calling
/// CPU: the routed line, or `None` with a warning that `device` ("net: the card") is polled.
pub(crate) fn route_to(interrupt: DeviceInterrupt, vector: u8, device: &str) -> Option<hal::interrupts::Line> {
    let routed = match interrupt {
        DeviceInterrupt::Line(line) => hal::ioapic::route(line, vector),
        DeviceInterrupt::MsiX(entry) => hal::msix::route(entry, vector),
    };
    match routed {
        Ok(line) => {
            log::debug!("{device} interrupts through {interrupt:?} (vector {vector:#x})");
            Some(line)
        }
        Err(reason) => {
            log::warn!("{device}'s interrupt cannot be routed ({reason}); polling it");
            None
        }
    }
}

/// The longest a request waits without looking at the disk again, should an interrupt be lost
/// (counted in [`InterruptWaits::timed_out`]).
const LONGEST_WAIT: core::time::Duration = core::time::Duration::from_millis(20);

impl InterruptWait for Interrupts {
    fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Parks the caller until the handler counts past `seen`. The waiter is published before
    /// the count is read again (both sequentially consistent): either this sees the new count,
    /// or the handler sees the waiter and its unpark ends the park (at once if it came first).
    fn wait(&self, seen: u64) {
        if !hal::interrupts::enabled() || !crate::thread::can_park() {
            return;
        }
        self.waiter.store(crate::thread::current_id(), Ordering::SeqCst);
        if self.count.load(Ordering::SeqCst) == seen {
            let parked = crate::time::Instant::now();
            crate::thread::park_timeout(LONGEST_WAIT);
            if parked.elapsed() >= LONGEST_WAIT {
                self.timed_out.fetch_add(1, Ordering::Relaxed);
            } else if self.count.load(Ordering::SeqCst) != seen {
                self.woken.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
