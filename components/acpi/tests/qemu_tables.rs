//! The MADT, FADT and DSDT that QEMU 7.2 gives a guest, captured from a Linux VM's
//! /sys/firmware/acpi/tables (q35 with -smp 4; microvm with -smp 2), behind a root pointer and
//! XSDT built here. The DSDT sits at the address the captured FADT names.
//!
//! To capture them again: `scripts/linux-vm --initramfs acpicap --init FILE` with an init that
//! runs `od -An -tx1 -v /sys/firmware/acpi/tables/{APIC,FACP,DSDT}` and powers off, boot it the way
//! `scripts/bench-boot` boots the Linux VM (adding `-smp`), and turn the hex back into bytes.

use stardust_acpi::{PowerOff, Register, find_rsdp, parse};
use stardust_api::memory::PhysicalMemory;

/// Sparse physical memory: a few byte ranges, everything else unreadable.
struct Sparse(Vec<(u64, Vec<u8>)>);

impl PhysicalMemory for Sparse {
    fn read(&self, address: u64, buffer: &mut [u8]) -> bool {
        self.0.iter().any(|(start, bytes)| {
            let Some(offset) = address.checked_sub(*start) else { return false };
            let Some(slice) = bytes.get(offset as usize..offset as usize + buffer.len()) else { return false };
            buffer.copy_from_slice(slice);
            true
        })
    }
}

const RSDP: u64 = 0xf_0000;
const XSDT: u64 = 0x1_0000;
const MADT: u64 = 0x2_0000;
const FADT: u64 = 0x3_0000;

fn checksum(bytes: &mut [u8], at: usize) {
    bytes[at] = 0;
    let sum = bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b));
    bytes[at] = 0u8.wrapping_sub(sum);
}

fn machine(name: &str) -> Sparse {
    let table =
        |kind: &str| std::fs::read(format!("{}/tests/qemu/{name}-{kind}.bin", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (madt, fadt, dsdt) = (table("APIC"), table("FACP"), table("DSDT"));
    let dsdt_address = u64::from(u32::from_le_bytes(fadt[40..44].try_into().unwrap()));
    let mut rsdp = vec![0u8; 36];
    rsdp[..8].copy_from_slice(b"RSD PTR ");
    rsdp[15] = 2;
    rsdp[20..24].copy_from_slice(&36u32.to_le_bytes());
    rsdp[24..32].copy_from_slice(&XSDT.to_le_bytes());
    let mut first20 = rsdp[..20].to_vec();
    checksum(&mut first20, 8);
    rsdp[8] = first20[8];
    checksum(&mut rsdp, 32);
    let mut xsdt = vec![0u8; 36 + 16];
    xsdt[..4].copy_from_slice(b"XSDT");
    xsdt[4..8].copy_from_slice(&52u32.to_le_bytes());
    xsdt[36..44].copy_from_slice(&MADT.to_le_bytes());
    xsdt[44..52].copy_from_slice(&FADT.to_le_bytes());
    checksum(&mut xsdt, 9);
    Sparse(vec![(RSDP, rsdp), (XSDT, xsdt), (MADT, madt), (FADT, fadt), (dsdt_address, dsdt)])
}

#[test]
fn q35_with_four_cpus() {
    let memory = machine("q35");
    let acpi = parse(&memory, find_rsdp(&memory, None).unwrap()).unwrap();
    assert_eq!(acpi.apic_ids(), [0, 1, 2, 3]);
    assert_eq!(acpi.local_apic, 0xfee0_0000);
    assert_eq!(acpi.power_off, Some(PowerOff::Pm1aControl { port: 0x604, sleep_type: 0 }));
}

#[test]
fn microvm_with_two_cpus_is_hardware_reduced() {
    let memory = machine("microvm");
    let acpi = parse(&memory, RSDP).unwrap();
    assert_eq!(acpi.apic_ids(), [0, 1]);
    assert_eq!(acpi.power_off, Some(PowerOff::SleepControl { register: Register::Memory(0xfea0_0200), sleep_type: 5 }));
}

#[test]
fn every_single_byte_flip_in_the_captured_tables_is_survived() {
    for name in ["q35", "microvm"] {
        let pristine = machine(name);
        for region in 2..pristine.0.len() {
            for at in (0..pristine.0[region].1.len()).step_by(7) {
                let mut memory = machine(name);
                memory.0[region].1[at] ^= 0x5a;
                let _ = parse(&memory, RSDP); // must not panic
            }
        }
    }
}
