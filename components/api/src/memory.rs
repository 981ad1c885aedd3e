//! Physical memory as the boot firmware reports it.

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
}
