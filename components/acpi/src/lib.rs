//! The few ACPI tables Stardust reads: the root pointer (RSDP) and the root table (RSDT or XSDT),
//! the MADT (which CPUs exist, the local APIC's address, the I/O APICs) and the FADT with the DSDT's `\_S5`
//! object (how to power the machine off). Not an AML interpreter: `\_S5` is found by its byte
//! pattern, which is how firmware writes it.
//!
//! Every table's checksum is verified and every read is bounds-checked through
//! [`PhysicalMemory`]: corrupt or missing tables are errors (the kernel then runs on one CPU and
//! powers off another way), never a panic.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt;
use stardust_api::memory::PhysicalMemory;

/// The most CPUs recorded; more are counted in [`Acpi::cpus_ignored`].
pub const MAX_CPUS: usize = 64;
/// The most I/O APICs recorded (QEMU's microvm has two); more are ignored.
pub const MAX_IO_APICS: usize = 4;
const HEADER: u64 = 36;
/// The legacy BIOS area where the RSDP sits when the monitor does not say (Firecracker).
const BIOS_AREA: core::ops::Range<u64> = 0xe_0000..0x10_0000;
/// Tables longer than this are refused as corrupt (QEMU's DSDT is a few KiB).
const MAX_TABLE: u32 = 1 << 20;

/// Why the tables could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcpiError {
    /// No RSDP where the monitor said, nor in the BIOS area.
    NoRsdp,
    /// A table could not be read at this address.
    Unreadable(u64),
    /// A table's checksum is wrong (named by its signature).
    BadChecksum([u8; 4]),
    /// A table's length is impossible.
    BadLength([u8; 4]),
    /// The root table lists no MADT.
    NoMadt,
}

impl fmt::Display for AcpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcpiError::NoRsdp => f.write_str("no ACPI root pointer (RSDP)"),
            AcpiError::Unreadable(address) => write!(f, "an ACPI table at {address:#x} cannot be read"),
            AcpiError::BadChecksum(signature) => {
                write!(f, "the ACPI {} table's checksum is wrong", Signature(*signature))
            }
            AcpiError::BadLength(signature) => {
                write!(f, "the ACPI {} table's length is impossible", Signature(*signature))
            }
            AcpiError::NoMadt => f.write_str("no ACPI MADT (CPU list)"),
        }
    }
}

/// A table signature, printable whatever its bytes.
struct Signature([u8; 4]);

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in &self.0 {
            let shown = if byte.is_ascii_graphic() { byte as char } else { '?' };
            fmt::Write::write_char(f, shown)?;
        }
        Ok(())
    }
}

/// How to power the machine off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerOff {
    /// Write `(sleep_type << 10) | 1 << 13` (SLP_TYP, SLP_EN) to the PM1a control port.
    Pm1aControl { port: u16, sleep_type: u8 },
    /// Hardware-reduced ACPI: write `(sleep_type << 2) | 1 << 5` to the sleep control register,
    /// an I/O port or a memory address.
    SleepControl { register: Register, sleep_type: u8 },
}

/// A register from a Generic Address Structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Register {
    /// An I/O port.
    Port(u16),
    /// A physical memory address.
    Memory(u64),
}

/// What the kernel learns from ACPI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acpi {
    /// The local APIC IDs of the usable CPUs, boot CPU included, in table order.
    apic_ids: [u32; MAX_CPUS],
    cpu_count: usize,
    /// Usable CPUs beyond [`MAX_CPUS`].
    pub cpus_ignored: usize,
    /// The local APIC's physical address (as the MADT says).
    pub local_apic: u64,
    /// How to power off, if the FADT and `\_S5` say.
    pub power_off: Option<PowerOff>,
    io_apics: [IoApic; MAX_IO_APICS],
    io_apic_count: usize,
}

/// An I/O APIC, as the MADT lists it: where its registers are and the first global system
/// interrupt (GSI) its pins carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IoApic {
    /// Its physical address.
    pub address: u64,
    /// The GSI of its pin 0.
    pub gsi_base: u32,
}

impl Acpi {
    /// The I/O APICs, in table order.
    pub fn io_apics(&self) -> &[IoApic] {
        &self.io_apics[..self.io_apic_count]
    }

    /// The local APIC IDs of the usable CPUs.
    pub fn apic_ids(&self) -> &[u32] {
        &self.apic_ids[..self.cpu_count]
    }
}

fn checksum_ok(memory: &impl PhysicalMemory, address: u64, length: u32) -> Option<bool> {
    let mut sum = 0u8;
    let mut chunk = [0u8; 64];
    let mut offset = 0u64;
    while offset < u64::from(length) {
        let size = (u64::from(length) - offset).min(64) as usize;
        if !memory.read(address.checked_add(offset)?, &mut chunk[..size]) {
            return None;
        }
        sum = chunk[..size].iter().fold(sum, |sum, &byte| sum.wrapping_add(byte));
        offset += size as u64;
    }
    Some(sum == 0)
}

/// Finds the RSDP: at `hint` (from the monitor's start_info) if given, else by its signature in
/// the BIOS area. Returns its address; the checksum of its first 20 bytes is verified.
pub fn find_rsdp(memory: &impl PhysicalMemory, hint: Option<u64>) -> Option<u64> {
    let is_rsdp = |address: u64| {
        memory.read_u64(address) == Some(u64::from_le_bytes(*b"RSD PTR "))
            && checksum_ok(memory, address, 20) == Some(true)
    };
    match hint {
        Some(address) => is_rsdp(address).then_some(address),
        None => BIOS_AREA.step_by(16).find(|&address| is_rsdp(address)),
    }
}

/// A verified table: its address and length.
fn table(memory: &impl PhysicalMemory, address: u64) -> Result<([u8; 4], u64, u32), AcpiError> {
    let mut signature = [0u8; 4];
    if !memory.read(address, &mut signature) {
        return Err(AcpiError::Unreadable(address));
    }
    let length = memory.read_u32(address + 4).ok_or(AcpiError::Unreadable(address))?;
    if !(HEADER as u32..=MAX_TABLE).contains(&length) {
        return Err(AcpiError::BadLength(signature));
    }
    match checksum_ok(memory, address, length) {
        Some(true) => Ok((signature, address, length)),
        Some(false) => Err(AcpiError::BadChecksum(signature)),
        None => Err(AcpiError::Unreadable(address)),
    }
}

/// Reads the tables from the RSDP at `rsdp`.
pub fn parse(memory: &impl PhysicalMemory, rsdp: u64) -> Result<Acpi, AcpiError> {
    let unreadable = AcpiError::Unreadable(rsdp);
    let revision = memory.read_u8(rsdp + 15).ok_or(unreadable)?;
    let (root, entry_size) = if revision >= 2 {
        let length = memory.read_u32(rsdp + 20).ok_or(unreadable)?;
        if checksum_ok(memory, rsdp, length.clamp(36, 4096)) != Some(true) {
            return Err(AcpiError::BadChecksum(*b"RSDP"));
        }
        (memory.read_u64(rsdp + 24).ok_or(unreadable)?, 8)
    } else {
        (u64::from(memory.read_u32(rsdp + 16).ok_or(unreadable)?), 4)
    };
    let (_, root, root_length) = table(memory, root)?;
    let entries = (u64::from(root_length) - HEADER) / entry_size;
    let mut madt = None;
    let mut fadt = None;
    for index in 0..entries {
        let slot = root + HEADER + index * entry_size;
        let address = if entry_size == 8 { memory.read_u64(slot) } else { memory.read_u32(slot).map(u64::from) }
            .ok_or(AcpiError::Unreadable(slot))?;
        // A corrupt entry among the others is skipped: the tables we need may still be fine.
        match table(memory, address) {
            Ok((signature, address, length)) if &signature == b"APIC" => madt = Some((address, length)),
            Ok((signature, address, length)) if &signature == b"FACP" => fadt = Some((address, length)),
            _ => {}
        }
    }
    let (madt, madt_length) = madt.ok_or(AcpiError::NoMadt)?;
    let mut acpi = Acpi {
        apic_ids: [0; MAX_CPUS],
        cpu_count: 0,
        cpus_ignored: 0,
        local_apic: u64::from(memory.read_u32(madt + HEADER).ok_or(AcpiError::Unreadable(madt))?),
        power_off: None,
        io_apics: [IoApic::default(); MAX_IO_APICS],
        io_apic_count: 0,
    };
    read_cpus(memory, madt, madt_length, &mut acpi);
    acpi.power_off = fadt.and_then(|(address, length)| power_off(memory, address, length));
    Ok(acpi)
}

/// The MADT's CPUs (local APIC and x2APIC entries) and I/O APICs.
fn read_cpus(memory: &impl PhysicalMemory, madt: u64, length: u32, acpi: &mut Acpi) {
    const LOCAL_APIC: u8 = 0;
    const IO_APIC: u8 = 1;
    const LOCAL_X2APIC: u8 = 9;
    const ENABLED: u32 = 1;
    const ONLINE_CAPABLE: u32 = 2;
    let end = madt + u64::from(length);
    let mut entry = madt + HEADER + 8;
    while entry + 2 <= end {
        let (Some(kind), Some(size)) = (memory.read_u8(entry), memory.read_u8(entry + 1)) else { return };
        if size < 2 || entry + u64::from(size) > end {
            return; // a corrupt entry: stop, keeping the CPUs found so far
        }
        let cpu = match kind {
            LOCAL_APIC if size >= 8 => {
                memory.read_u32(entry + 4).zip(memory.read_u8(entry + 3)).map(|(flags, id)| (flags, u32::from(id)))
            }
            LOCAL_X2APIC if size >= 16 => memory.read_u32(entry + 8).zip(memory.read_u32(entry + 4)),
            IO_APIC if size >= 12 => {
                if let (Some(address), Some(gsi_base)) = (memory.read_u32(entry + 4), memory.read_u32(entry + 8))
                    && acpi.io_apic_count < MAX_IO_APICS
                {
                    acpi.io_apics[acpi.io_apic_count] = IoApic { address: u64::from(address), gsi_base };
                    acpi.io_apic_count += 1;
                }
                None
            }
            _ => None,
        };
        if let Some((flags, id)) = cpu
            && flags & (ENABLED | ONLINE_CAPABLE) != 0
            && !acpi.apic_ids().contains(&id)
        {
            if acpi.cpu_count < MAX_CPUS {
                acpi.apic_ids[acpi.cpu_count] = id;
                acpi.cpu_count += 1;
            } else {
                acpi.cpus_ignored += 1;
            }
        }
        entry += u64::from(size);
    }
}

/// The FADT's power-off register and the DSDT's S5 sleep type.
fn power_off(memory: &impl PhysicalMemory, fadt: u64, length: u32) -> Option<PowerOff> {
    const HARDWARE_REDUCED: u32 = 1 << 20;
    let dsdt = match memory.read_u64(fadt + 140).filter(|&address| address != 0 && length >= 148) {
        Some(address) => address,
        None => u64::from(memory.read_u32(fadt + 40)?),
    };
    let sleep_type = s5_sleep_type(memory, dsdt)?;
    let flags = if length >= 116 { memory.read_u32(fadt + 112)? } else { 0 };
    if flags & HARDWARE_REDUCED != 0 && length >= 256 {
        let space = memory.read_u8(fadt + 244)?;
        let address = memory.read_u64(fadt + 248)?;
        let register = match space {
            0 => Register::Memory(address),
            1 => Register::Port(u16::try_from(address).ok()?),
            _ => return None,
        };
        return Some(PowerOff::SleepControl { register, sleep_type });
    }
    let port = memory.read_u32(fadt + 64)?;
    (port != 0).then_some(PowerOff::Pm1aControl { port: u16::try_from(port).ok()?, sleep_type })
}

/// The first value of the DSDT's `\_S5` package: `_S5_`, PackageOp (0x12), a package length,
/// an element count, then the value (ZeroOp, OneOp, or BytePrefix 0x0A and a byte). The DSDT is
/// read in blocks (a monitor may trap every read of the memory its tables are in: on
/// cloud-hypervisor under a software-assisted KVM, four-byte reads at every offset took 0.8 s).
fn s5_sleep_type(memory: &impl PhysicalMemory, dsdt: u64) -> Option<u8> {
    let (signature, dsdt, length) = table(memory, dsdt).ok()?;
    if &signature != b"DSDT" {
        return None;
    }
    let end = dsdt + u64::from(length);
    let mut block = [0u8; 512];
    let mut at = dsdt + HEADER;
    while at + 4 <= end {
        let size = (end - at).min(block.len() as u64) as usize;
        if !memory.read(at, &mut block[..size]) {
            return None;
        }
        for (offset, window) in block[..size].windows(4).enumerate() {
            if window == b"_S5_"
                && let Some(found) = s5_value(memory, at + offset as u64 + 4)
            {
                return found;
            }
        }
        // The next block starts where a name cut off at this one's end begins.
        at += size as u64 - 3;
    }
    None
}

/// What follows `_S5_` at `cursor`: `None` if it is not a package, or unreadable (look
/// further); else its first value (`Some(None)`: not a value this reader knows).
fn s5_value(memory: &impl PhysicalMemory, cursor: u64) -> Option<Option<u8>> {
    if memory.read_u8(cursor)? != 0x12 {
        return None;
    }
    // PackageOp, the package length (extra bytes in its lead byte's top two bits), the count.
    let value = cursor + 3 + u64::from(memory.read_u8(cursor + 1)? >> 6);
    Some(match memory.read_u8(value)? {
        0x00 => Some(0),
        0x01 => Some(1),
        0x0a => memory.read_u8(value + 1),
        _ => None,
    })
}

#[cfg(test)]
mod tests;
