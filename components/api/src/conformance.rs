//! Conformance checks for the device contracts: every block device and every NIC runs the same
//! checks, on the host (the RAM disk, the wire) and in the VM (virtio-blk, through the disktest
//! app). They need no std, so an image can run them against its real devices.
//!
//! Each check returns the first violation it finds, as a sentence naming the contract's rule.

use crate::block::{BlockDevice, BlockError};
use crate::nic::{MAX_FRAME, Nic, NicError};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// A broken rule of a contract, in words.
pub type Violation = String;

/// A byte pattern that differs for every block and every `seed`, so a misplaced or stale block
/// is seen.
fn pattern(first: u64, length: usize, seed: u8) -> Vec<u8> {
    (0..length).map(|index| (index as u64 ^ first.wrapping_mul(131) ^ u64::from(seed).wrapping_mul(7)) as u8).collect()
}

fn expect_error(what: &str, got: Result<(), BlockError>, wanted: BlockError) -> Result<(), Violation> {
    match got {
        Err(error) if error == wanted => Ok(()),
        other => Err(format!("{what}: expected {wanted:?}, got {other:?}")),
    }
}

/// Checks a writable block device against [`BlockDevice`]'s contract. It overwrites the first
/// and last blocks and a few in the middle: give it a scratch device of at least 4 blocks.
pub fn check_block_device(device: &mut dyn BlockDevice) -> Result<(), Violation> {
    let size = device.block_size();
    let count = device.block_count();
    if size < 512 || !size.is_power_of_two() {
        return Err(format!("block_size {size} is not a power of two of at least 512"));
    }
    if count < 4 {
        return Err(format!("the check needs a scratch device of at least 4 blocks, not {count}"));
    }
    if device.read_only() {
        return Err("the device is read-only: check_read_only_block_device is the check for it".into());
    }

    // Whole blocks in and out, at both ends and across several blocks.
    let spans = [(0, 1), (count - 1, 1), (1, 2)];
    for (seed, &(first, blocks)) in spans.iter().enumerate() {
        let data = pattern(first, blocks * size, seed as u8 + 1);
        device.write_blocks(first, &data).map_err(|error| format!("write of {blocks} block(s) at {first}: {error}"))?;
        let mut back = vec![0u8; data.len()];
        device
            .read_blocks(first, &mut back)
            .map_err(|error| format!("read of {blocks} block(s) at {first}: {error}"))?;
        if back != data {
            return Err(format!("{blocks} block(s) at {first} read back differently from what was written"));
        }
    }
    let first_block = pattern(0, size, 1);
    let last_block = pattern(count - 1, size, 2);

    // Bad requests fail with their error and transfer nothing.
    let mut buffer = vec![0u8; size];
    expect_error("a read past the last block", device.read_blocks(count, &mut buffer), BlockError::OutOfRange)?;
    expect_error(
        "a read that starts on the last block and ends past it",
        device.read_blocks(count - 1, &mut vec![0u8; 2 * size]),
        BlockError::OutOfRange,
    )?;
    expect_error("a read at block u64::MAX", device.read_blocks(u64::MAX, &mut buffer), BlockError::OutOfRange)?;
    expect_error("a read of half a block", device.read_blocks(0, &mut buffer[..size / 2]), BlockError::BadLength)?;
    let junk = pattern(count - 1, 2 * size, 99);
    expect_error("a write past the end", device.write_blocks(count - 1, &junk), BlockError::OutOfRange)?;
    expect_error("a write of half a block", device.write_blocks(0, &junk[..size / 2]), BlockError::BadLength)?;
    for (block, expected) in [(count - 1, &last_block), (0, &first_block)] {
        device.read_blocks(block, &mut buffer).map_err(|error| format!("read of block {block}: {error}"))?;
        if &buffer != expected {
            return Err(format!("a refused write changed block {block}"));
        }
    }

    device.flush().map_err(|error| format!("flush: {error}"))?;
    if device.block_size() != size || device.block_count() != count {
        return Err("the geometry changed".into());
    }
    Ok(())
}

/// Checks a read-only block device: reads work, every write fails with `ReadOnly` and changes
/// nothing.
pub fn check_read_only_block_device(device: &mut dyn BlockDevice) -> Result<(), Violation> {
    let size = device.block_size();
    if !device.read_only() {
        return Err("the device says it is writable".into());
    }
    let mut before = vec![0u8; size];
    device.read_blocks(0, &mut before).map_err(|error| format!("read of block 0: {error}"))?;
    let other: Vec<u8> = before.iter().map(|byte| !byte).collect();
    expect_error("a write to a read-only device", device.write_blocks(0, &other), BlockError::ReadOnly)?;
    let mut after = vec![0u8; size];
    device.read_blocks(0, &mut after).map_err(|error| format!("read of block 0: {error}"))?;
    if after != before {
        return Err("a refused write to a read-only device changed block 0".into());
    }
    Ok(())
}

/// The frames a NIC check sends: an Ethernet header addressed to `to` from `from`, an
/// experimental EtherType (0x88B5, for local tests), and a numbered payload.
fn frame(to: [u8; 6], from: [u8; 6], number: u32, length: usize) -> Vec<u8> {
    let mut frame = Vec::with_capacity(length);
    frame.extend_from_slice(&to);
    frame.extend_from_slice(&from);
    frame.extend_from_slice(&[0x88, 0xB5]);
    frame.extend_from_slice(&number.to_be_bytes());
    while frame.len() < length {
        frame.push((frame.len() as u32 ^ number) as u8);
    }
    frame.truncate(length);
    frame
}

/// How long a check waits for a frame that should arrive: called with the number of polls made
/// so far for this frame (1 after the first), it says whether to poll again. A host fake needs
/// one poll; a real device a moment, best bounded by time (the monitor delivers frames when the
/// host schedules it).
pub type Patience<'a> = &'a mut dyn FnMut(u32) -> bool;

/// Receives the next frame, polling while `patience` allows.
fn receive_within(nic: &mut dyn Nic, buffer: &mut [u8], patience: &mut dyn FnMut(u32) -> bool) -> Option<usize> {
    let mut polls = 0u32;
    loop {
        if let Some(length) = nic.receive(buffer) {
            return Some(length);
        }
        polls = polls.saturating_add(1);
        if !patience(polls) {
            return None;
        }
    }
}

/// Polls made to see that a refused frame does not arrive (a frame that came later still shows:
/// the next expected frame would then differ).
const QUIET_POLLS: u32 = 1000;

/// Checks a NIC against [`Nic`]'s contract, with `peer`, a NIC on the same wire: what one sends
/// the other receives. `patience` bounds the wait for a frame that should arrive (see
/// [`Patience`]).
/// fakes, where frames arrive at once).
pub fn check_nic(device: &mut dyn Nic, peer: &mut dyn Nic, patience: Patience<'_>) -> Result<(), Violation> {
    let (mac, peer_mac) = (device.mac_address(), peer.mac_address());
    let mut buffer = vec![0u8; MAX_FRAME];
    if device.receive(&mut buffer).is_some() {
        return Err("receive returned a frame on a quiet wire".into());
    }
    let before = device.stats();

    for (what, length) in [("an empty frame", 0), ("a frame over MAX_FRAME", MAX_FRAME + 1)] {
        match device.transmit(&frame(peer_mac, mac, 0, length)) {
            Err(NicError::BadLength) => {}
            other => return Err(format!("transmit of {what}: expected BadLength, got {other:?}")),
        }
    }
    if receive_within(peer, &mut buffer, &mut |polls| polls < QUIET_POLLS).is_some() {
        return Err("a refused frame reached the peer".into());
    }

    // Whole frames, in order, both ways; the shortest and the longest.
    for (number, length) in [(1u32, 60usize), (2, MAX_FRAME), (3, 100)] {
        let sent = frame(peer_mac, mac, number, length);
        device.transmit(&sent).map_err(|error| format!("transmit of {length} bytes: {error}"))?;
        let received = receive_within(peer, &mut buffer, patience)
            .ok_or_else(|| format!("frame {number} ({length} bytes) never reached the peer"))?;
        if buffer[..received] != sent[..] {
            return Err(format!("frame {number} arrived changed ({received} of {length} bytes)"));
        }
        let answer = frame(mac, peer_mac, number, length);
        peer.transmit(&answer).map_err(|error| format!("the peer's transmit: {error}"))?;
        let received = receive_within(device, &mut buffer, patience)
            .ok_or_else(|| format!("the peer's frame {number} never arrived"))?;
        if buffer[..received] != answer[..] {
            return Err(format!("the peer's frame {number} arrived changed"));
        }
    }

    // Every frame sent has left the device (or will, by itself).
    let mut polls = 0u32;
    while device.unsent() > 0 {
        polls = polls.saturating_add(1);
        if !patience(polls) {
            return Err(format!("{} frames the peer received still count as unsent", device.unsent()));
        }
    }

    // A frame longer than the caller's buffer is dropped whole and counted; the next one comes.
    let dropped_before = device.stats().dropped;
    peer.transmit(&frame(mac, peer_mac, 4, 1000)).map_err(|error| format!("the peer's transmit: {error}"))?;
    let small = frame(mac, peer_mac, 5, 60);
    peer.transmit(&small).map_err(|error| format!("the peer's transmit: {error}"))?;
    let mut short = [0u8; 200];
    let received = receive_within(device, &mut short, patience).ok_or("the frame after a long one never arrived")?;
    if short[..received] != small[..] {
        return Err("a frame longer than the buffer was cut instead of dropped".into());
    }
    if device.stats().dropped != dropped_before + 1 {
        return Err("a frame longer than the buffer was not counted as dropped".into());
    }

    // A sustained load never runs the device out of receive buffers.
    for number in 0..1000u32 {
        let sent = frame(mac, peer_mac, 100 + number, 60 + (number as usize % 1400));
        peer.transmit(&sent).map_err(|error| format!("the peer's transmit {number}: {error}"))?;
        let received = receive_within(device, &mut buffer, patience)
            .ok_or_else(|| format!("frame {number} of a sustained load never arrived"))?;
        if buffer[..received] != sent[..] {
            return Err(format!("frame {number} of a sustained load arrived changed"));
        }
    }

    let after = device.stats();
    if after.sent != before.sent + 3 || after.received != before.received + 1004 {
        return Err(format!("the counters do not add up: before {before:?}, after {after:?}"));
    }
    if device.mac_address() != mac {
        return Err("the MAC address changed".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{RamDisk, wire};

    #[test]
    fn the_ram_disk_meets_the_block_contract() {
        for (size, blocks) in [(512, 4), (512, 100), (4096, 9)] {
            check_block_device(&mut RamDisk::new(size, blocks)).unwrap();
        }
        let mut disk = RamDisk::new(512, 8);
        disk.bytes[..512].fill(7);
        disk.set_read_only(true);
        check_read_only_block_device(&mut disk).unwrap();
    }

    #[test]
    fn the_block_check_catches_a_broken_device() {
        /// Ignores the starting block of every write: everything lands on block 0.
        struct Misplaced(RamDisk);
        impl BlockDevice for Misplaced {
            fn block_size(&self) -> usize {
                self.0.block_size()
            }
            fn block_count(&self) -> u64 {
                self.0.block_count()
            }
            fn read_only(&self) -> bool {
                false
            }
            fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), BlockError> {
                self.0.read_blocks(first, buffer)
            }
            fn write_blocks(&mut self, _first: u64, buffer: &[u8]) -> Result<(), BlockError> {
                self.0.write_blocks(0, buffer)
            }
            fn flush(&mut self) -> Result<(), BlockError> {
                Ok(())
            }
        }
        let message = check_block_device(&mut Misplaced(RamDisk::new(512, 8))).unwrap_err();
        assert!(message.contains("read back differently"), "{message}");
        let message = check_block_device(&mut RamDisk::new(512, 2)).unwrap_err();
        assert!(message.contains("at least 4 blocks"), "{message}");
    }

    #[test]
    fn the_wire_meets_the_nic_contract_both_ways() {
        let (mut a, mut b) = wire([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        check_nic(&mut a, &mut b, &mut |_| false).unwrap();
        check_nic(&mut b, &mut a, &mut |_| false).unwrap();
    }

    #[test]
    fn the_nic_check_catches_a_cut_cable() {
        let (mut a, mut b) = wire([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        a.cut = true;
        let message = check_nic(&mut a, &mut b, &mut |polls| polls < 3).unwrap_err();
        assert!(message.contains("never reached the peer"), "{message}");
    }
}
