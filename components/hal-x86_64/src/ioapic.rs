//! The I/O APIC: carries a device's interrupt line (a global system interrupt, GSI) to a CPU.
//! Which I/O APICs exist and which GSIs each carries come from the ACPI MADT (QEMU's microvm has
//! two: GSIs 0-23 and 24-47); without one, the PC's standard I/O APIC at 0xfec0_0000 is assumed.

use crate::interrupts::{self, Line};
use crate::{acpi, lapic, paging};
use stardust_acpi::IoApic;

const SELECT: u64 = 0x00;
const WINDOW: u64 = 0x10;
const VERSION: u32 = 0x01;
const REDIRECTION: u32 = 0x10;
const MASKED: u32 = 1 << 16;
/// Where a PC's first I/O APIC sits when ACPI does not say.
const DEFAULT: IoApic = IoApic { address: 0xfec0_0000, gsi_base: 0 };

/// Why a line cannot be routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteError {
    /// No I/O APIC carries this GSI.
    NoIoApic(u32),
    /// The I/O APIC's registers lie where the kernel cannot map them.
    Unmappable(u64),
    /// No claimed MSI-X table has an entry at this address ([`crate::msix::claim`]).
    NotClaimed(u64),
    /// The calling CPU's local APIC, which the interrupt is to reach, cannot be used.
    NoLocalApic,
}

impl core::fmt::Display for RouteError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RouteError::NoIoApic(gsi) => write!(f, "no I/O APIC carries interrupt line {gsi}"),
            RouteError::Unmappable(address) => write!(f, "the I/O APIC at {address:#x} cannot be mapped"),
            RouteError::NotClaimed(address) => write!(f, "no claimed MSI-X table has an entry at {address:#x}"),
            RouteError::NoLocalApic => f.write_str("this CPU's local APIC cannot be used"),
        }
    }
}

/// Serialises the select-then-access register pairs (taken with interrupts off).
static LOCK: spin::Mutex<()> = spin::Mutex::new(());

fn read(base: u64, register: u32) -> u32 {
    // SAFETY: `base` is an I/O APIC's register block, mapped uncached by `find`; selecting a
    // register and reading the window has no effect on memory. The caller holds `LOCK`.
    unsafe {
        ((base + SELECT) as *mut u32).write_volatile(register);
        ((base + WINDOW) as *const u32).read_volatile()
    }
}

fn write(base: u64, register: u32, value: u32) {
    // SAFETY: as for `read`; the registers written are redirection entries of a pin this kernel
    // routes, which change only where that line's interrupts go.
    unsafe {
        ((base + SELECT) as *mut u32).write_volatile(register);
        ((base + WINDOW) as *mut u32).write_volatile(value);
    }
}

/// The I/O APIC that carries `gsi` (mapped) and the pin it comes in on.
fn find(gsi: u32) -> Result<(u64, u32), RouteError> {
    let listed = acpi::tables().map(|tables| tables.io_apics()).unwrap_or(&[]);
    let default = [DEFAULT];
    let candidates = if listed.is_empty() { &default[..] } else { listed };
    for io_apic in candidates {
        let Some(pin) = gsi.checked_sub(io_apic.gsi_base) else { continue };
        if paging::map_low_device(io_apic.address, 4096).is_err() {
            return Err(RouteError::Unmappable(io_apic.address));
        }
        let version = read(io_apic.address, VERSION);
        // Nothing there reads as all ones.
        if version == u32::MAX {
            continue;
        }
        let pins = (version >> 16 & 0xff) + 1;
        if pin < pins {
            return Ok((io_apic.address, pin));
        }
    }
    Err(RouteError::NoIoApic(gsi))
}

/// Whether some I/O APIC carries `gsi`.
pub fn carries(gsi: u32) -> bool {
    interrupts::without(|| {
        let _guard = LOCK.lock();
        find(gsi).is_ok()
    })
}

/// Masks (its interrupts are then dropped, not kept for later) or unmasks a routed pin.
pub(crate) fn set_masked(base: u64, entry: u32, vector: u8, masked: bool) {
    interrupts::without(|| {
        let _guard = LOCK.lock();
        write(base, entry, u32::from(vector) | if masked { MASKED } else { 0 });
    });
}

/// Sends line `gsi` to `vector` (one from [`interrupts::register_device`]) on the calling CPU:
/// fixed delivery, edge-triggered, active high, unmasked. Edge-triggered, the line is not
/// masked while its handler runs: a device whose line stays high until it is acknowledged (as
/// virtio's does) MUST be acknowledged before its work is looked at, or the next event raises
/// no new edge.
pub fn route(gsi: u32, vector: u8) -> Result<Line, RouteError> {
    // An image without a timer has not set up its local APIC yet.
    lapic::map().map_err(|_| RouteError::NoLocalApic)?;
    interrupts::without(|| {
        let _guard = LOCK.lock();
        let (base, pin) = find(gsi)?;
        let entry = REDIRECTION + 2 * pin;
        write(base, entry, MASKED);
        write(base, entry + 1, lapic::id() << 24);
        write(base, entry, u32::from(vector));
        Ok(Line::io_apic(base, entry, vector))
    })
}
