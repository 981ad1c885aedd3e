//! The ACPI tables, read on first use (an image that never needs them pays nothing at boot):
//! the CPU list, and how to power off on monitors without QEMU's exit device.

use crate::paging;
use stardust_acpi::{Acpi, AcpiError, PowerOff, Register};
use stardust_api::memory::PhysicalMemory;

/// Physical memory as the kernel maps it: RAM and what lies between (firmware tables sit in
/// reserved ranges there), page 0 excepted.
struct Mapped;

impl PhysicalMemory for Mapped {
    fn read(&self, address: u64, buffer: &mut [u8]) -> bool {
        let Some(end) = address.checked_add(buffer.len() as u64) else { return false };
        if address < 4096 || end > paging::mapped_end() || paging::guarded_stack(address).is_some() {
            return false;
        }
        // SAFETY: the range is mapped (checked above: below the end of the identity map, not
        // page 0 nor a guard page) and only read into a byte buffer.
        unsafe { core::ptr::copy_nonoverlapping(address as *const u8, buffer.as_mut_ptr(), buffer.len()) };
        true
    }
}

static TABLES: spin::Once<Result<Acpi, AcpiError>> = spin::Once::new();

/// The ACPI tables, parsed once (the RSDP from start_info, or found in the BIOS area).
pub fn tables() -> Result<&'static Acpi, AcpiError> {
    TABLES
        .call_once(|| {
            let hint = crate::boot::info().and_then(|info| info.rsdp());
            let rsdp = stardust_acpi::find_rsdp(&Mapped, hint)
                .or_else(|| stardust_acpi::find_rsdp(&Mapped, None))
                .ok_or(AcpiError::NoRsdp)?;
            stardust_acpi::parse(&Mapped, rsdp)
        })
        .as_ref()
        .map_err(|error| *error)
}

/// Powers off through ACPI, if the tables say how. Returns if that did not stop the machine.
pub(crate) fn power_off() {
    let Ok(Some(method)) = tables().map(|acpi| acpi.power_off) else { return };
    match method {
        PowerOff::Pm1aControl { port, sleep_type } => {
            let value = (u16::from(sleep_type) & 7) << 10 | 1 << 13;
            // SAFETY: PM1a control is the FADT's power-management port; writing SLP_EN ends the
            // machine, which is what the caller wants.
            unsafe { x86_64::instructions::port::Port::new(port).write(value) };
        }
        PowerOff::SleepControl { register, sleep_type } => {
            let value = (sleep_type & 7) << 2 | 1 << 5;
            match register {
                Register::Port(port) => crate::cpu::outb(port, value),
                Register::Memory(address) => {
                    if paging::map_low_device(address, 1).is_ok() {
                        // SAFETY: the FADT names this register; it was just mapped uncached.
                        unsafe { (address as *mut u8).write_volatile(value) };
                    }
                }
            }
        }
    }
}
