//! Physical memory as the boot firmware reports it.

/// Read access to physical memory, for parsers of structures the firmware or monitor left there
/// (start_info, ACPI tables). The kernel implements it over its mappings; tests over a `Vec`.
pub trait PhysicalMemory {
    /// Fills `buffer` from `address`; false (and `buffer` unspecified) if any byte of the range
    /// cannot be read.
    fn read(&self, address: u64, buffer: &mut [u8]) -> bool;

    /// The little-endian `u8`, `u16`, `u32` or `u64` at `address`.
    fn read_u8(&self, address: u64) -> Option<u8> {
        let mut bytes = [0; 1];
        self.read(address, &mut bytes).then_some(bytes[0])
    }

    /// See [`read_u8`](Self::read_u8).
    fn read_u16(&self, address: u64) -> Option<u16> {
        let mut bytes = [0; 2];
        self.read(address, &mut bytes).then_some(u16::from_le_bytes(bytes))
    }

    /// See [`read_u8`](Self::read_u8).
    fn read_u32(&self, address: u64) -> Option<u32> {
        let mut bytes = [0; 4];
        self.read(address, &mut bytes).then_some(u32::from_le_bytes(bytes))
    }

    /// See [`read_u8`](Self::read_u8).
    fn read_u64(&self, address: u64) -> Option<u64> {
        let mut bytes = [0; 8];
        self.read(address, &mut bytes).then_some(u64::from_le_bytes(bytes))
    }
}

/// A range of physical addresses, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First byte of the region.
    pub start: u64,
    /// One past the last byte of the region.
    pub end: u64,
}

impl MemoryRegion {
    /// An empty region.
    pub const EMPTY: MemoryRegion = MemoryRegion { start: 0, end: 0 };

    /// Number of bytes in the region (0 if `end <= start`).
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// True if the region holds no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if the two regions share at least one byte.
    pub fn overlaps(&self, other: &MemoryRegion) -> bool {
        !self.is_empty() && !other.is_empty() && self.start < other.end && other.start < self.end
    }

    /// The part of `self` that lies below `other.start` and the part above `other.end`:
    /// what remains of `self` once `other` is taken out. Either part may be empty.
    pub fn subtract(&self, other: &MemoryRegion) -> (MemoryRegion, MemoryRegion) {
        if other.is_empty() || other.end <= self.start || other.start >= self.end {
            return (*self, MemoryRegion::EMPTY);
        }
        let below = MemoryRegion { start: self.start, end: other.start.max(self.start) };
        let above = MemoryRegion { start: other.end.min(self.end), end: self.end };
        (below, above)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start: u64, end: u64) -> MemoryRegion {
        MemoryRegion { start, end }
    }

    #[test]
    fn subtract_covers_every_overlap() {
        let whole = region(100, 200);
        assert_eq!(whole.subtract(&region(0, 50)), (whole, MemoryRegion::EMPTY));
        assert_eq!(whole.subtract(&region(250, 300)), (whole, MemoryRegion::EMPTY));
        assert_eq!(whole.subtract(&region(120, 150)), (region(100, 120), region(150, 200)));
        assert_eq!(whole.subtract(&region(50, 150)), (region(100, 100), region(150, 200)));
        assert_eq!(whole.subtract(&region(150, 250)), (region(100, 150), region(200, 200)));
        let (below, above) = whole.subtract(&region(0, 300));
        assert!(below.is_empty() && above.is_empty());
    }

    #[test]
    fn overlaps_needs_a_shared_byte() {
        let whole = region(100, 200);
        assert!(whole.overlaps(&region(150, 160)));
        assert!(whole.overlaps(&region(0, 101)));
        assert!(whole.overlaps(&region(199, 300)));
        assert!(whole.overlaps(&region(0, 300)));
        assert!(!whole.overlaps(&region(0, 100)), "touching is not overlapping");
        assert!(!whole.overlaps(&region(200, 300)));
        assert!(!whole.overlaps(&region(150, 150)), "an empty region overlaps nothing");
        assert!(!region(150, 150).overlaps(&whole));
    }
}
