//! Tables built byte by byte, as QEMU lays them out, then damaged in every way that matters.

use super::*;
use proptest::prelude::*;

/// Physical memory from address 0 to `bytes.len()`.
struct Bytes(Vec<u8>);

impl PhysicalMemory for Bytes {
    fn read(&self, address: u64, buffer: &mut [u8]) -> bool {
        let Ok(start) = usize::try_from(address) else { return false };
        match self.0.get(start..start.saturating_add(buffer.len())) {
            Some(slice) if slice.len() == buffer.len() => {
                buffer.copy_from_slice(slice);
                true
            }
            _ => false,
        }
    }
}

const RSDP: usize = 0xf_5a40;
const XSDT: usize = 0x1000;
const MADT: usize = 0x2000;
const FADT: usize = 0x3000;
const DSDT: usize = 0x4000;

fn fix_checksum(bytes: &mut [u8], start: usize, length: usize, at: usize) {
    bytes[at] = 0;
    let sum = bytes[start..start + length].iter().fold(0u8, |sum, &b| sum.wrapping_add(b));
    bytes[at] = 0u8.wrapping_sub(sum);
}

fn put_table(bytes: &mut [u8], at: usize, signature: &[u8; 4], body: &[u8]) {
    let length = 36 + body.len();
    bytes[at..at + 4].copy_from_slice(signature);
    bytes[at + 4..at + 8].copy_from_slice(&(length as u32).to_le_bytes());
    bytes[at + 8] = 2;
    bytes[at + 36..at + length].copy_from_slice(body);
    fix_checksum(bytes, at, length, at + 9);
}

/// RSDP v2 → XSDT → MADT (CPUs 0, 1 enabled, 2 disabled, an x2APIC 300) and FADT → DSDT.
fn machine(hardware_reduced: bool) -> Vec<u8> {
    let mut bytes = vec![0u8; 0x10_0000];
    bytes[RSDP..RSDP + 8].copy_from_slice(b"RSD PTR ");
    bytes[RSDP + 15] = 2;
    bytes[RSDP + 20..RSDP + 24].copy_from_slice(&36u32.to_le_bytes());
    bytes[RSDP + 24..RSDP + 32].copy_from_slice(&(XSDT as u64).to_le_bytes());
    fix_checksum(&mut bytes, RSDP, 20, RSDP + 8);
    fix_checksum(&mut bytes, RSDP, 36, RSDP + 32);

    let mut xsdt = Vec::new();
    xsdt.extend_from_slice(&(MADT as u64).to_le_bytes());
    xsdt.extend_from_slice(&(FADT as u64).to_le_bytes());
    put_table(&mut bytes, XSDT, b"XSDT", &xsdt);

    let mut madt = Vec::new();
    madt.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
    madt.extend_from_slice(&1u32.to_le_bytes());
    for (processor, apic, flags) in [(0u8, 0u8, 1u32), (1, 1, 1), (2, 2, 0)] {
        madt.extend_from_slice(&[0, 8, processor, apic]);
        madt.extend_from_slice(&flags.to_le_bytes());
    }
    madt.extend_from_slice(&[1, 12, 0, 0]); // two I/O APICs, as on microvm
    madt.extend_from_slice(&0xfec0_0000u32.to_le_bytes());
    madt.extend_from_slice(&0u32.to_le_bytes());
    madt.extend_from_slice(&[1, 12, 1, 0]);
    madt.extend_from_slice(&0xfec1_0000u32.to_le_bytes());
    madt.extend_from_slice(&24u32.to_le_bytes());
    madt.extend_from_slice(&[1, 8, 2, 0, 0, 0, 0, 0]); // too short for an I/O APIC: skipped
    madt.extend_from_slice(&[9, 16, 0, 0]);
    madt.extend_from_slice(&300u32.to_le_bytes());
    madt.extend_from_slice(&1u32.to_le_bytes());
    madt.extend_from_slice(&3u32.to_le_bytes());
    put_table(&mut bytes, MADT, b"APIC", &madt);

    let mut fadt = vec![0u8; 276 - 36];
    fadt[40 - 36..44 - 36].copy_from_slice(&(DSDT as u32).to_le_bytes());
    fadt[64 - 36..68 - 36].copy_from_slice(&0x604u32.to_le_bytes());
    if hardware_reduced {
        fadt[112 - 36..116 - 36].copy_from_slice(&(1u32 << 20).to_le_bytes());
        fadt[244 - 36] = 1; // I/O space
        fadt[248 - 36..256 - 36].copy_from_slice(&0x3c0u64.to_le_bytes());
    }
    put_table(&mut bytes, FADT, b"FACP", &fadt);

    let s5: &[u8] = if hardware_reduced {
        &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x01, 0x0a, 0x05]
    } else {
        &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00]
    };
    let mut dsdt = vec![0x10, 0x20, b'_', b'S', b'4', b'_']; // unrelated bytes first
    dsdt.extend_from_slice(s5);
    put_table(&mut bytes, DSDT, b"DSDT", &dsdt);
    bytes
}

#[test]
fn a_qemu_like_machine_is_read_whole() {
    let memory = Bytes(machine(false));
    let rsdp = find_rsdp(&memory, None).unwrap();
    assert_eq!(rsdp, RSDP as u64);
    let acpi = parse(&memory, rsdp).unwrap();
    assert_eq!(acpi.apic_ids(), [0, 1, 300]);
    assert_eq!(acpi.local_apic, 0xfee0_0000);
    assert_eq!(
        acpi.io_apics(),
        [IoApic { address: 0xfec0_0000, gsi_base: 0 }, IoApic { address: 0xfec1_0000, gsi_base: 24 }]
    );
    assert_eq!(acpi.power_off, Some(PowerOff::Pm1aControl { port: 0x604, sleep_type: 0 }));
}

#[test]
fn hardware_reduced_acpi_powers_off_through_the_sleep_register() {
    let memory = Bytes(machine(true));
    let acpi = parse(&memory, RSDP as u64).unwrap();
    assert_eq!(acpi.power_off, Some(PowerOff::SleepControl { register: Register::Port(0x3c0), sleep_type: 5 }));
}

#[test]
fn the_hint_is_checked_not_trusted() {
    let memory = Bytes(machine(false));
    assert_eq!(find_rsdp(&memory, Some(RSDP as u64)), Some(RSDP as u64));
    assert_eq!(find_rsdp(&memory, Some(0x1234)), None);
    assert_eq!(find_rsdp(&Bytes(vec![0; 0x10_0000]), None), None);
}

#[test]
fn damaged_tables_are_errors() {
    let mut bytes = machine(false);
    bytes[MADT + 40] ^= 0xff;
    assert_eq!(parse(&Bytes(bytes), RSDP as u64), Err(AcpiError::NoMadt)); // bad checksum: skipped
    let mut bytes = machine(false);
    bytes[XSDT + 4..XSDT + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(parse(&Bytes(bytes), RSDP as u64), Err(AcpiError::BadLength(*b"XSDT")));
    let mut bytes = machine(false);
    bytes[RSDP + 24..RSDP + 32].copy_from_slice(&(1u64 << 40).to_le_bytes());
    fix_checksum(&mut bytes, RSDP, 36, RSDP + 32);
    assert_eq!(parse(&Bytes(bytes), RSDP as u64), Err(AcpiError::Unreadable(1 << 40)));
    let mut bytes = machine(false);
    bytes[DSDT + 40] ^= 1;
    let acpi = parse(&Bytes(bytes), RSDP as u64).unwrap();
    assert_eq!(acpi.power_off, None, "a DSDT with a bad checksum gives no power-off");
}

#[test]
fn a_corrupt_madt_entry_keeps_the_cpus_before_it() {
    let mut bytes = machine(false);
    bytes[MADT + 44 + 8 + 1] = 0; // the second CPU entry's length
    fix_checksum(&mut bytes, MADT, 36 + 8 + 24 + 12 + 12 + 8 + 16, MADT + 9);
    let acpi = parse(&Bytes(bytes), RSDP as u64).unwrap();
    assert_eq!(acpi.apic_ids(), [0]);
}

proptest! {
    #[test]
    fn random_damage_never_panics(flips in proptest::collection::vec((0usize..0x5000, any::<u8>()), 1..20)) {
        let mut bytes = machine(true);
        for (at, value) in flips {
            bytes[at] = value;
        }
        let memory = Bytes(bytes);
        if let Ok(acpi) = parse(&memory, RSDP as u64) {
            prop_assert!(acpi.apic_ids().len() <= MAX_CPUS);
        }
    }
}

#[test]
fn the_s5_name_is_found_wherever_it_lies_in_the_dsdt() {
    // The name at every offset across the reader's 512-byte blocks, after decoys: the name
    // without a package after it, and a package of another name.
    for position in [0usize, 1, 494, 495, 496, 497, 498, 508, 509, 510, 511, 1003, 1004, 1005, 1006, 2000] {
        let mut body = vec![0x5b_u8; position];
        body.extend_from_slice(b"_S5_\x01");
        body.extend_from_slice(b"_S4_\x12\x06\x04\x0a\x04");
        body.extend_from_slice(b"_S5_\x12\x06\x04\x0a\x07\x0a\x07\x00\x00");
        let mut bytes = machine(false);
        put_table(&mut bytes, DSDT, b"DSDT", &body);
        let acpi = parse(&Bytes(bytes), RSDP as u64).unwrap();
        assert_eq!(acpi.power_off, Some(PowerOff::Pm1aControl { port: 0x604, sleep_type: 7 }), "at {position}");
    }
    // Cut off after the name: nothing to read, no power-off.
    let mut bytes = machine(false);
    put_table(&mut bytes, DSDT, b"DSDT", b"\x5b\x5b_S5_");
    assert_eq!(parse(&Bytes(bytes), RSDP as u64).unwrap().power_off, None);
}
