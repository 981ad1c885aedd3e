//! The PVH `hvm_start_info` structure and its memory map.
//!
//! Layout (Xen's public `arch-x86/hvm/start_info.h`, little-endian): magic `u32` at 0, version
//! `u32` at 4, flags at 8, module count at 12, module list at 16, command line address `u64` at
//! 24, RSDP address at 32; version 1 adds the memory map address `u64` at 40 and its entry count
//! `u32` at 48. Each memory map entry is 24 bytes: address `u64`, size `u64`, type `u32`.

use core::fmt;
use stardust_api::MemoryRegion;

/// The magic number at the start of `hvm_start_info`.
pub const MAGIC: u32 = 0x336e_c578;
/// How many RAM ranges are kept (more are counted as unusable).
pub const MAX_RAM_REGIONS: usize = 16;
/// The longest command line kept (Linux's x86 limit); longer ones are cut and flagged.
pub const MAX_CMDLINE: usize = 2048;
const E820_RAM: u32 = 1;
const ENTRY_SIZE: u64 = 24;
/// Memory map entries read at most: a corrupt count must not make boot loop for minutes.
const MAX_ENTRIES: u32 = 1024;

pub use stardust_api::memory::PhysicalMemory;

fn read_u32(memory: &impl PhysicalMemory, address: u64) -> Result<u32, StartInfoError> {
    let mut bytes = [0; 4];
    memory.read(address, &mut bytes).then_some(u32::from_le_bytes(bytes)).ok_or(StartInfoError::BadPointer(address))
}

fn read_u64(memory: &impl PhysicalMemory, address: u64) -> Result<u64, StartInfoError> {
    let mut bytes = [0; 8];
    memory.read(address, &mut bytes).then_some(u64::from_le_bytes(bytes)).ok_or(StartInfoError::BadPointer(address))
}

fn offset(address: u64, by: u64) -> Result<u64, StartInfoError> {
    address.checked_add(by).ok_or(StartInfoError::BadPointer(address))
}

/// Why the start_info cannot be used. Boot stops with a message (exit code 105).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartInfoError {
    /// A structure lies where memory cannot be read (null, or outside the boot mapping).
    BadPointer(u64),
    /// The magic number is wrong: not a PVH start_info.
    BadMagic(u32),
    /// Version 0 carries no memory map, and the kernel needs one.
    NoMemoryMap,
    /// The memory map lists no usable RAM.
    NoRam,
}

impl fmt::Display for StartInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartInfoError::BadPointer(address) => write!(f, "boot information at {address:#x} cannot be read"),
            StartInfoError::BadMagic(magic) => write!(f, "start_info magic is {magic:#x}, not {MAGIC:#x}"),
            StartInfoError::NoMemoryMap => f.write_str("start_info version 0 carries no memory map"),
            StartInfoError::NoRam => f.write_str("the memory map lists no usable RAM"),
        }
    }
}

/// The start_info's contents, copied out of the monitor's memory.
#[derive(Clone)]
pub struct StartInfo {
    ram: [MemoryRegion; MAX_RAM_REGIONS],
    ram_count: usize,
    ram_beyond_limit: [MemoryRegion; MAX_RAM_REGIONS],
    ram_beyond_limit_count: usize,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_length: usize,
    /// The command line was longer than [`MAX_CMDLINE`] and was cut.
    pub cmdline_truncated: bool,
    /// The command line's address could not be read; it is taken as empty.
    pub cmdline_unreadable: bool,
    /// Bytes of RAM not kept: above the RAM limit, past [`MAX_RAM_REGIONS`], or listed twice.
    pub unusable_ram: u64,
    /// Physical address of the ACPI RSDP, if the monitor gave one.
    pub rsdp: Option<u64>,
}

impl StartInfo {
    /// Parses the start_info at `address`, keeping RAM below `ram_limit`.
    pub fn parse(memory: &impl PhysicalMemory, address: u64, ram_limit: u64) -> Result<StartInfo, StartInfoError> {
        let magic = read_u32(memory, address)?;
        if magic != MAGIC {
            return Err(StartInfoError::BadMagic(magic));
        }
        let version = read_u32(memory, offset(address, 4)?)?;
        let cmdline_address = read_u64(memory, offset(address, 24)?)?;
        let rsdp = read_u64(memory, offset(address, 32)?)?;
        if version < 1 {
            return Err(StartInfoError::NoMemoryMap);
        }
        let map = read_u64(memory, offset(address, 40)?)?;
        let entries = read_u32(memory, offset(address, 48)?)?;
        let mut info = StartInfo {
            ram: [MemoryRegion::EMPTY; MAX_RAM_REGIONS],
            ram_count: 0,
            ram_beyond_limit: [MemoryRegion::EMPTY; MAX_RAM_REGIONS],
            ram_beyond_limit_count: 0,
            cmdline: [0; MAX_CMDLINE],
            cmdline_length: 0,
            cmdline_truncated: false,
            cmdline_unreadable: false,
            unusable_ram: 0,
            rsdp: (rsdp != 0).then_some(rsdp),
        };
        for index in 0..u64::from(entries.min(MAX_ENTRIES)) {
            let entry = offset(map, index * ENTRY_SIZE)?;
            let start = read_u64(memory, entry)?;
            let size = read_u64(memory, offset(entry, 8)?)?;
            let kind = read_u32(memory, offset(entry, 16)?)?;
            if kind == E820_RAM && size > 0 {
                info.add_ram(start, start.saturating_add(size), ram_limit);
            }
        }
        info.sort_and_clip();
        if info.ram_count == 0 {
            return Err(StartInfoError::NoRam);
        }
        if cmdline_address != 0 && info.copy_cmdline(memory, cmdline_address).is_err() {
            info.cmdline_unreadable = true;
            info.cmdline_length = 0;
        }
        Ok(info)
    }

    fn add_ram(&mut self, start: u64, end: u64, limit: u64) {
        let kept_end = end.min(limit);
        self.unusable_ram = self.unusable_ram.saturating_add(end - kept_end.max(start));
        if end > limit {
            self.note_ram_beyond_limit(MemoryRegion { start: start.max(limit), end });
        }
        if kept_end <= start {
            return;
        }
        if self.ram_count == MAX_RAM_REGIONS {
            self.unusable_ram = self.unusable_ram.saturating_add(kept_end - start);
            return;
        }
        self.ram[self.ram_count] = MemoryRegion { start, end: kept_end };
        self.ram_count += 1;
    }

    /// Remembers RAM the kernel will not use, so that no device mapping is placed over it. When
    /// the table is full, its last entry grows to cover the new range too: it may then cover
    /// more than RAM (a device there is refused for nothing), never less.
    fn note_ram_beyond_limit(&mut self, region: MemoryRegion) {
        if self.ram_beyond_limit_count < MAX_RAM_REGIONS {
            self.ram_beyond_limit[self.ram_beyond_limit_count] = region;
            self.ram_beyond_limit_count += 1;
        } else if let Some(last) = self.ram_beyond_limit.last_mut() {
            *last = MemoryRegion { start: last.start.min(region.start), end: last.end.max(region.end) };
        }
    }

    /// Sorts the RAM ranges and trims overlaps, so no byte is listed twice (a heap handed the
    /// same memory twice would give it out twice).
    fn sort_and_clip(&mut self) {
        let regions = &mut self.ram[..self.ram_count];
        regions.sort_unstable_by_key(|region| region.start);
        let mut kept = 0;
        let mut previous_end = 0;
        for index in 0..self.ram_count {
            let region = self.ram[index];
            let start = region.start.max(previous_end);
            if start >= region.end {
                self.unusable_ram = self.unusable_ram.saturating_add(region.len());
                continue;
            }
            self.unusable_ram = self.unusable_ram.saturating_add(start - region.start);
            self.ram[kept] = MemoryRegion { start, end: region.end };
            previous_end = region.end;
            kept += 1;
        }
        self.ram_count = kept;
    }

    fn copy_cmdline(&mut self, memory: &impl PhysicalMemory, address: u64) -> Result<(), StartInfoError> {
        let mut byte = [0u8; 1];
        for index in 0..=MAX_CMDLINE {
            if !memory.read(offset(address, index as u64)?, &mut byte) {
                return Err(StartInfoError::BadPointer(address));
            }
            if byte[0] == 0 {
                break;
            }
            if index == MAX_CMDLINE {
                self.cmdline_truncated = true;
                break;
            }
            self.cmdline[index] = byte[0];
            self.cmdline_length = index + 1;
        }
        replace_invalid_utf8(&mut self.cmdline[..self.cmdline_length]);
        Ok(())
    }

    /// The command line (UTF-8 as given; bytes that are not UTF-8 replaced by `?`).
    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_length]).unwrap_or("")
    }

    /// The RAM ranges, sorted, not overlapping, below the RAM limit.
    pub fn ram(&self) -> &[MemoryRegion] {
        &self.ram[..self.ram_count]
    }

    /// The memory map's RAM at or above the RAM limit, which the kernel does not use (not
    /// sorted; past [`MAX_RAM_REGIONS`] ranges, the last one covers the rest and may cover more
    /// than RAM). Device registers must not be mapped over it.
    pub fn ram_beyond_limit(&self) -> &[MemoryRegion] {
        &self.ram_beyond_limit[..self.ram_beyond_limit_count]
    }
}

/// Replaces every byte that is not part of valid UTF-8 with `?`, in place (no allocator at
/// boot): the command line stays text, and an argument in UTF-8 arrives as written. A character
/// cut in two by the length limit becomes `?` too.
fn replace_invalid_utf8(bytes: &mut [u8]) {
    let mut start = 0;
    while start < bytes.len() {
        match core::str::from_utf8(&bytes[start..]) {
            Ok(_) => return,
            Err(error) => {
                let bad = start + error.valid_up_to();
                let length = error.error_len().unwrap_or(bytes.len() - bad);
                bytes[bad..bad + length].fill(b'?');
                start = bad + length;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes at `base..base + bytes.len()`; everything else unreadable.
    struct Bytes {
        base: u64,
        bytes: Vec<u8>,
    }

    impl PhysicalMemory for Bytes {
        fn read(&self, address: u64, buffer: &mut [u8]) -> bool {
            let Some(start) = address.checked_sub(self.base) else { return false };
            let Some(slice) = self.bytes.get(start as usize..start as usize + buffer.len()) else { return false };
            buffer.copy_from_slice(slice);
            true
        }
    }

    const BASE: u64 = 0x1000;
    const MAP: u64 = 0x100;
    const CMDLINE: u64 = 0x400;

    fn put(bytes: &mut [u8], at: u64, value: &[u8]) {
        bytes[at as usize..at as usize + value.len()].copy_from_slice(value);
    }

    /// A start_info at BASE with `entries` (start, size, type) and `cmdline`.
    fn image(entries: &[(u64, u64, u32)], cmdline: &[u8]) -> Bytes {
        let mut bytes = vec![0u8; 0x1000];
        put(&mut bytes, 0, &MAGIC.to_le_bytes());
        put(&mut bytes, 4, &1u32.to_le_bytes());
        put(&mut bytes, 24, &(BASE + CMDLINE).to_le_bytes());
        put(&mut bytes, 32, &0xf_5a40u64.to_le_bytes());
        put(&mut bytes, 40, &(BASE + MAP).to_le_bytes());
        put(&mut bytes, 48, &(entries.len() as u32).to_le_bytes());
        for (index, &(start, size, kind)) in entries.iter().enumerate() {
            let at = MAP + index as u64 * ENTRY_SIZE;
            put(&mut bytes, at, &start.to_le_bytes());
            put(&mut bytes, at + 8, &size.to_le_bytes());
            put(&mut bytes, at + 16, &kind.to_le_bytes());
        }
        put(&mut bytes, CMDLINE, cmdline);
        Bytes { base: BASE, bytes }
    }

    const LIMIT: u64 = 3 << 30;

    #[test]
    fn a_qemu_like_start_info_parses() {
        let memory = image(&[(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0x10_0000, 0xf0_0000, 1)], b"-- a b\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert_eq!(
            info.ram(),
            [MemoryRegion { start: 0, end: 0x9fc00 }, MemoryRegion { start: 0x10_0000, end: 0x100_0000 }]
        );
        assert_eq!(info.cmdline(), "-- a b");
        assert_eq!(info.rsdp, Some(0xf_5a40));
        assert!(!info.cmdline_truncated && !info.cmdline_unreadable);
    }

    #[test]
    fn overlapping_and_unsorted_ram_is_listed_once() {
        let memory = image(&[(0x20_0000, 0x10_0000, 1), (0x10_0000, 0x18_0000, 1), (0x28_0000, 0x1000, 1)], b"\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        // Sorted: [1M, 2.5M), [2M, 3M) clipped to [2.5M, 3M), [2.5M, 2.5M + 4K) wholly inside.
        assert_eq!(
            info.ram(),
            [MemoryRegion { start: 0x10_0000, end: 0x28_0000 }, MemoryRegion { start: 0x28_0000, end: 0x30_0000 }]
        );
        assert_eq!(info.unusable_ram, 0x8_0000 + 0x1000);
    }

    #[test]
    fn ram_above_the_limit_is_counted_not_kept() {
        let memory = image(&[(0x10_0000, 4 << 30, 1)], b"\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert_eq!(info.ram(), [MemoryRegion { start: 0x10_0000, end: LIMIT }]);
        assert_eq!(info.unusable_ram, 0x10_0000 + (4 << 30) - LIMIT);
        assert_eq!(info.ram_beyond_limit(), [MemoryRegion { start: LIMIT, end: 0x10_0000 + (4 << 30) }]);
    }

    #[test]
    fn ram_beyond_the_limit_is_remembered_and_never_under_counted() {
        let memory = image(&[(0x10_0000, 0x10_0000, 1)], b"\0");
        assert!(StartInfo::parse(&memory, BASE, LIMIT).unwrap().ram_beyond_limit().is_empty());
        // Firecracker's RAM runs to 3.25 GiB, past this kernel's 3 GiB limit; high RAM at 4 GiB.
        let memory = image(&[(0, 0xd000_0000, 1), (0xfee0_0000, 0x1000, 2), (4 << 30, 1 << 30, 1)], b"\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert_eq!(
            info.ram_beyond_limit(),
            [MemoryRegion { start: LIMIT, end: 0xd000_0000 }, MemoryRegion { start: 4 << 30, end: 5 << 30 }]
        );
        // More ranges than the table holds: every byte of RAM is still covered.
        let beyond: Vec<(u64, u64, u32)> =
            (0..MAX_RAM_REGIONS as u64 + 3).map(|index| (LIMIT + index * 0x20_0000, 0x10_0000, 1)).collect();
        let memory = image(&[&[(0x10_0000, 0x10_0000, 1)], &beyond[..]].concat(), b"\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert_eq!(info.ram_beyond_limit().len(), MAX_RAM_REGIONS);
        for &(start, size, _) in &beyond {
            let ram = MemoryRegion { start, end: start + size };
            assert!(info.ram_beyond_limit().iter().any(|region| region.start <= ram.start && ram.end <= region.end));
        }
    }

    #[test]
    fn bad_structures_are_errors() {
        let mut memory = image(&[(0x10_0000, 0x10_0000, 1)], b"\0");
        assert_eq!(StartInfo::parse(&memory, 0, LIMIT).err(), Some(StartInfoError::BadPointer(0)));
        memory.bytes[0] = 0;
        assert!(matches!(StartInfo::parse(&memory, BASE, LIMIT), Err(StartInfoError::BadMagic(_))));
        let mut memory = image(&[(0x10_0000, 0x10_0000, 2)], b"\0");
        assert_eq!(StartInfo::parse(&memory, BASE, LIMIT).err(), Some(StartInfoError::NoRam));
        put(&mut memory.bytes, 4, &0u32.to_le_bytes());
        assert_eq!(StartInfo::parse(&memory, BASE, LIMIT).err(), Some(StartInfoError::NoMemoryMap));
        let mut memory = image(&[(0x10_0000, 0x10_0000, 1)], b"\0");
        put(&mut memory.bytes, 48, &u32::MAX.to_le_bytes());
        assert!(matches!(StartInfo::parse(&memory, BASE, LIMIT), Err(StartInfoError::BadPointer(_))));
    }

    #[test]
    fn long_or_unreadable_command_lines_are_flagged() {
        let mut memory = image(&[(0x10_0000, 0x10_0000, 1)], b"\0");
        memory.bytes.resize(0x1000 + MAX_CMDLINE + 10, b'x');
        put(&mut memory.bytes, CMDLINE, &vec![b'x'; MAX_CMDLINE + 5]);
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert!(info.cmdline_truncated);
        assert_eq!(info.cmdline().len(), MAX_CMDLINE);
        let mut memory = image(&[(0x10_0000, 0x10_0000, 1)], b"a\xffb\0");
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert_eq!(info.cmdline(), "a?b");
        let utf8 = image(&[(0x10_0000, 0x10_0000, 1)], &["-- ünï ".as_bytes(), b"\xe2\x82 ok\0"].concat());
        assert_eq!(
            StartInfo::parse(&utf8, BASE, LIMIT).unwrap().cmdline(),
            "-- ünï ?? ok",
            "UTF-8 kept, a cut character not"
        );
        put(&mut memory.bytes, 24, &0xdead_0000u64.to_le_bytes());
        let info = StartInfo::parse(&memory, BASE, LIMIT).unwrap();
        assert!(info.cmdline_unreadable);
        assert_eq!(info.cmdline(), "");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), magic in any::<bool>()) {
            let mut bytes = bytes;
            if magic && bytes.len() >= 4 {
                bytes[..4].copy_from_slice(&MAGIC.to_le_bytes());
            }
            let memory = Bytes { base: BASE, bytes };
            if let Ok(info) = StartInfo::parse(&memory, BASE, LIMIT) {
                let ram = info.ram();
                prop_assert!(ram.windows(2).all(|pair| pair[0].end <= pair[1].start));
                prop_assert!(ram.iter().all(|region| region.start < region.end && region.end <= LIMIT));
            }
        }
    }
}
