//! PCI MSI-X: a device's message-signalled interrupts. Each entry of a device's MSI-X table (16
//! bytes in one of its BARs) holds a message, an address that names a CPU's local APIC and data
//! that names the vector, and a vector-control word whose low bit masks it: a masked message is
//! kept pending by the device and sent when the entry is unmasked. An entry masks itself at
//! reset, so a device whose driver enables MSI-X sends nothing until an entry is routed.
//!
//! A driver that enables MSI-X on a device claims its table ([`claim`], unsafe: the driver
//! vouches for the address); routing ([`route`]) writes only entries of claimed tables.

use crate::interrupts::{self, Line};
use crate::{ioapic::RouteError, lapic, paging};

/// Bytes per table entry, and the offsets of its words.
pub const ENTRY_SIZE: u64 = 16;
const ADDRESS_LOW: u64 = 0;
const ADDRESS_HIGH: u64 = 4;
const DATA: u64 = 8;
const CONTROL: u64 = 12;
const MASKED: u32 = 1;
/// The local APICs' message window; bits 12-19 name the destination APIC.
const LOCAL_APIC_MESSAGES: u32 = 0xfee0_0000;

/// The claimed tables: (address of entry 0, entries). A table claimed again keeps its slot.
/// Eight: the network card and every disk get MSI-X on virtio-pci.
static TABLES: spin::Mutex<[(u64, u16); 8]> = spin::Mutex::new([(0, 0); 8]);

/// Records the MSI-X table of a device (`entries` entries at `table`), maps it and masks every
/// entry; `false` (and nothing recorded) when it cannot be mapped or every slot is taken.
///
/// # Safety
///
/// `table` is the MSI-X table of a PCI function the caller drives, as its MSI-X capability
/// gives it: routing writes messages into its entries, which makes that device write to a
/// local APIC's message window (an interrupt) and nowhere else.
pub unsafe fn claim(table: u64, entries: u16) -> bool {
    let Some(length) = u64::from(entries).checked_mul(ENTRY_SIZE) else { return false };
    interrupts::without(|| {
        if paging::map_device(table, length).is_err() {
            return false;
        }
        let mut tables = TABLES.lock();
        let Some(slot) = tables.iter_mut().find(|slot| slot.1 == 0 || slot.0 == table) else { return false };
        *slot = (table, entries);
        for entry in 0..u64::from(entries) {
            let entry = table + entry * ENTRY_SIZE;
            set_masked(entry, read(entry, CONTROL), true);
        }
        true
    })
}

/// Whether `entry` is the start of an entry of a claimed table.
fn claimed(entry: u64) -> bool {
    TABLES.lock().iter().any(|&(table, entries)| {
        entry
            .checked_sub(table)
            .is_some_and(|offset| offset % ENTRY_SIZE == 0 && offset / ENTRY_SIZE < u64::from(entries))
    })
}

/// Writes a word of `entry`, an entry of a claimed table: `claim` and `route` check that, and
/// `route` makes the only `Line`s that name one.
fn write(entry: u64, word: u64, value: u32) {
    // SAFETY: `entry` is an entry of a claimed table (see above), mapped uncached by `claim`;
    // its words hold only the message the device sends, to a local APIC (`claim`'s contract).
    unsafe { ((entry + word) as *mut u32).write_volatile(value) };
}

/// Reads a word of `entry` (as `write`).
fn read(entry: u64, word: u64) -> u32 {
    // SAFETY: as in `write`; reading an entry's word has no effect.
    unsafe { ((entry + word) as *const u32).read_volatile() }
}

/// Sends the MSI-X entry at `entry` (of a claimed table) to `vector` (one from
/// [`interrupts::register_device`]) on the calling CPU, fixed delivery, and unmasks it.
pub fn route(entry: u64, vector: u8) -> Result<Line, RouteError> {
    // An image without a timer has not set up its local APIC yet.
    lapic::map().map_err(|_| RouteError::NoLocalApic)?;
    interrupts::without(|| {
        if !claimed(entry) {
            return Err(RouteError::NotClaimed(entry));
        }
        // The control word's other bits are kept, as PCI asks; read once here, so that masking
        // and unmasking stay one write each.
        let control = read(entry, CONTROL) & !MASKED;
        set_masked(entry, control, true);
        write(entry, ADDRESS_LOW, LOCAL_APIC_MESSAGES | (lapic::id() & 0xff) << 12);
        write(entry, ADDRESS_HIGH, 0);
        write(entry, DATA, u32::from(vector));
        set_masked(entry, control, false);
        Ok(Line::msix(entry, control))
    })
}

/// Masks (a message is then kept pending by the device) or unmasks the entry, whose control
/// word's other bits are `control`.
pub(crate) fn set_masked(entry: u64, control: u32, masked: bool) {
    write(entry, CONTROL, if masked { control | MASKED } else { control });
}
