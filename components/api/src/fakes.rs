//! Host test doubles: a heap memory backed by a `Vec`, and a model checker that drives any
//! [`HeapAllocator`] through a sequence of operations and checks the contract after each one.

use crate::heap::{HeapAllocator, HeapMemory, HeapStats};
use crate::memory::MemoryRegion;
use core::alloc::Layout;
use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

/// Two RAM regions shaped like a small VM's: low memory below 640 KiB, and the RAM above a
/// 1 MiB image up to 8 MiB. Allocator tests run over these.
pub const SAMPLE_REGIONS: [MemoryRegion; 2] =
    [MemoryRegion { start: 0x1000, end: 0x9_f000 }, MemoryRegion { start: 0x11_3000, end: 0x80_0000 }];

/// Heap memory for host tests: regions of `u64` words. Cloning shares the same words, so a test
/// can fill and check blocks while the allocator owns its handle. Any access outside the regions
/// or unaligned panics, which turns an allocator bug into a test failure.
#[derive(Debug, Clone)]
pub struct SharedMemory {
    regions: Rc<Vec<MemoryRegion>>,
    words: Rc<RefCell<Vec<Vec<u64>>>>,
}

impl SharedMemory {
    /// Memory for `regions` (sorted, non-overlapping), zero-filled.
    pub fn new(regions: &[MemoryRegion]) -> Self {
        let words = regions.iter().map(|r| vec![0; (r.len() / 8) as usize]).collect();
        SharedMemory { regions: Rc::new(regions.to_vec()), words: Rc::new(RefCell::new(words)) }
    }

    fn locate(&self, address: u64) -> (usize, usize) {
        assert_eq!(address % 8, 0, "unaligned heap access at {address:#x}");
        let index = self
            .regions
            .iter()
            .position(|r| address >= r.start && address + 8 <= r.end)
            .unwrap_or_else(|| panic!("heap access at {address:#x} lies outside every region"));
        (index, ((address - self.regions[index].start) / 8) as usize)
    }
}

impl HeapMemory for SharedMemory {
    fn read(&self, address: u64) -> u64 {
        let (region, word) = self.locate(address);
        self.words.borrow()[region][word]
    }

    fn write(&mut self, address: u64, value: u64) {
        let (region, word) = self.locate(address);
        self.words.borrow_mut()[region][word] = value;
    }
}

/// One step of a property test.
#[derive(Debug, Clone)]
pub enum Operation {
    /// Allocate `size` bytes aligned to `1 << align_log2`.
    Allocate { size: usize, align_log2: u8 },
    /// Free the live block at `index % live`.
    Free { index: usize },
    /// Reallocate the live block at `index % live` to `new_size` (in place or moved).
    Resize { index: usize, new_size: usize },
}

fn size_strategy() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 1usize..64, 3 => 64usize..4096, 2 => 4096usize..20_000, 1 => 20_000usize..70_000]
}

/// Random operation sequences: sizes from 1 byte to several pages, alignments 1 to 8 KiB.
pub fn operations(length: usize) -> impl Strategy<Value = Vec<Operation>> {
    let operation = prop_oneof![
        5 => (size_strategy(), 0u8..=13).prop_map(|(size, align_log2)| Operation::Allocate { size, align_log2 }),
        3 => any::<usize>().prop_map(|index| Operation::Free { index }),
        2 => (any::<usize>(), size_strategy()).prop_map(|(index, new_size)| Operation::Resize { index, new_size }),
    ];
    proptest::collection::vec(operation, 1..length)
}

struct Block {
    address: u64,
    layout: Layout,
    tag: u64,
}

fn pattern(tag: u64, address: u64) -> u64 {
    tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ address
}

/// The whole words inside `[address, address + size)`.
fn words(address: u64, size: usize) -> impl Iterator<Item = u64> {
    let first = address.next_multiple_of(8);
    let end = (address + size as u64) / 8 * 8;
    (first..end.max(first)).step_by(8)
}

fn fill(memory: &mut SharedMemory, block: &Block, from: usize) {
    for word in words(block.address, block.layout.size()).filter(|w| *w + 8 > block.address + from as u64) {
        memory.write(word, pattern(block.tag, word));
    }
}

fn verify(memory: &SharedMemory, block: &Block, up_to: usize, what: &str) {
    for word in words(block.address, up_to) {
        assert_eq!(
            memory.read(word),
            pattern(block.tag, word),
            "{what}: block {:#x} changed at {word:#x}",
            block.address
        );
    }
}

/// A layout, for tests (panics on an impossible one).
pub fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// An allocator made by `new` over a fresh fake memory for `regions` and initialised over them,
/// with a handle on the same memory.
pub fn heap_over<A: HeapAllocator>(regions: &[MemoryRegion], new: impl FnOnce(SharedMemory) -> A) -> (A, SharedMemory) {
    let memory = SharedMemory::new(regions);
    let mut heap = new(memory.clone());
    heap.init(regions);
    (heap, memory)
}

/// [`check`] on a fresh heap over [`SAMPLE_REGIONS`], for allocators that merge freed blocks:
/// once everything is freed, the free bytes and the largest free block must be as at the start.
pub fn check_whole_again<A: HeapAllocator>(new: impl FnOnce(SharedMemory) -> A, operations: &[Operation]) {
    let (mut heap, mut memory) = heap_over(&SAMPLE_REGIONS, new);
    let fresh = heap.stats();
    let end = check(&mut heap, &mut memory, &SAMPLE_REGIONS, operations);
    assert_eq!(end.free, fresh.free, "free bytes after freeing everything");
    assert_eq!(end.largest_free, fresh.largest_free, "largest free block after freeing everything");
}

/// [`check_whole_again`] with a [`crate::CachedHeap`] of `BYTES` in front of the allocator:
/// once everything is freed and the cache flushed, the heap must be as at the start.
pub fn check_cached_whole_again<A: HeapAllocator, const BYTES: usize>(
    new: impl FnOnce(SharedMemory) -> A,
    operations: &[Operation],
) {
    let mut memory = SharedMemory::new(&SAMPLE_REGIONS);
    let mut heap = crate::CachedHeap::<A, SharedMemory, BYTES>::new(new(memory.clone()), memory.clone());
    heap.init(&SAMPLE_REGIONS);
    let fresh = heap.stats();
    check(&mut heap, &mut memory, &SAMPLE_REGIONS, operations);
    heap.flush();
    let end = heap.stats();
    assert_eq!(end.free, fresh.free, "free bytes after freeing everything and flushing the cache");
    assert_eq!(end.largest_free, fresh.largest_free, "largest free block after freeing everything and flushing");
}

/// Runs `operations` against `allocator` (already initialised over `regions`, owning a clone of
/// `memory`), checking after every step: alignment, containment in one region, no overlap,
/// contents untouched while live and preserved by resizing, and consistent statistics.
/// Frees everything at the end and returns the final statistics.
pub fn check<A: HeapAllocator>(
    allocator: &mut A,
    memory: &mut SharedMemory,
    regions: &[MemoryRegion],
    operations: &[Operation],
) -> HeapStats {
    let mut live: Vec<Block> = Vec::new();
    let mut failures = 0;
    let mut tag = 0;
    let place = |live: &Vec<Block>, address: u64, layout: Layout, skip: Option<usize>| {
        assert_eq!(address % layout.align() as u64, 0, "{address:#x} is not aligned for {layout:?}");
        let end = address + layout.size() as u64;
        assert!(
            regions.iter().any(|r| address >= r.start && end <= r.end),
            "block {address:#x}..{end:#x} is not inside one region"
        );
        for (index, other) in live.iter().enumerate() {
            let other_end = other.address + other.layout.size() as u64;
            assert!(
                Some(index) == skip || end <= other.address || address >= other_end,
                "block {address:#x}..{end:#x} overlaps live block {:#x}..{other_end:#x}",
                other.address
            );
        }
    };
    for operation in operations {
        match *operation {
            Operation::Allocate { size, align_log2 } => {
                let layout = Layout::from_size_align(size, 1 << align_log2).expect("valid layout");
                match allocator.allocate(layout) {
                    Ok(address) => {
                        place(&live, address, layout, None);
                        tag += 1;
                        let block = Block { address, layout, tag };
                        fill(memory, &block, 0);
                        live.push(block);
                    }
                    Err(_) => failures += 1,
                }
            }
            Operation::Free { index } if !live.is_empty() => {
                let block = live.swap_remove(index % live.len());
                verify(memory, &block, block.layout.size(), "before free");
                allocator.deallocate(block.address, block.layout);
            }
            Operation::Resize { index, new_size } if !live.is_empty() => {
                let index = index % live.len();
                let old = &live[index];
                verify(memory, old, old.layout.size(), "before resize");
                let new_layout = Layout::from_size_align(new_size, old.layout.align()).expect("valid layout");
                let kept = old.layout.size().min(new_size);
                if allocator.resize_in_place(old.address, old.layout, new_size) {
                    place(&live, old.address, new_layout, Some(index));
                    verify(memory, &live[index], kept, "resized in place");
                    live[index].layout = new_layout;
                    let block = &live[index];
                    fill(memory, block, kept);
                } else {
                    match allocator.allocate(new_layout) {
                        Ok(address) => {
                            place(&live, address, new_layout, None);
                            let old = live.swap_remove(index);
                            let block = Block { address, layout: new_layout, tag: old.tag };
                            fill(memory, &block, 0);
                            allocator.deallocate(old.address, old.layout);
                            live.push(block);
                        }
                        Err(_) => failures += 1,
                    }
                }
            }
            _ => {}
        }
        let stats = allocator.stats();
        let in_use: usize = live.iter().map(|b| b.layout.size()).sum();
        assert_eq!(stats.in_use, in_use as u64, "in_use disagrees with the live blocks");
        assert!(stats.in_use <= stats.peak, "{stats:?}");
        assert!(stats.largest_free <= stats.free && stats.free <= stats.total, "{stats:?}");
        assert_eq!(stats.failed, failures, "failed count");
        // "largest_free: the largest single request that would succeed now" — check it does.
        if stats.largest_free > 0 {
            let largest = Layout::from_size_align(stats.largest_free as usize, 1).expect("valid layout");
            match allocator.allocate(largest) {
                Ok(address) => allocator.deallocate(address, largest),
                Err(_) => panic!("largest_free {} could not be allocated: {stats:?}", stats.largest_free),
            }
        }
    }
    for block in live.drain(..) {
        verify(memory, &block, block.layout.size(), "at the end");
        allocator.deallocate(block.address, block.layout);
    }
    let stats = allocator.stats();
    assert_eq!(stats.in_use, 0);
    stats
}

/// A block device in memory, for host tests: blocks of `block_size` bytes in a `Vec`. It can be
/// made read-only, and counts flushes.
#[derive(Debug, Clone)]
pub struct RamDisk {
    /// The disk's bytes (public so tests can damage them).
    pub bytes: Vec<u8>,
    block_size: usize,
    read_only: bool,
    /// How many times `flush` was called.
    pub flushes: u64,
}

impl RamDisk {
    /// A zeroed disk of `blocks` blocks of `block_size` bytes.
    pub fn new(block_size: usize, blocks: u64) -> RamDisk {
        RamDisk { bytes: vec![0; block_size * blocks as usize], block_size, read_only: false, flushes: 0 }
    }

    /// A disk holding `bytes` (cut to whole blocks).
    pub fn from_bytes(block_size: usize, mut bytes: Vec<u8>) -> RamDisk {
        bytes.truncate(bytes.len() / block_size * block_size);
        RamDisk { bytes, block_size, read_only: false, flushes: 0 }
    }

    /// Refuses writes from now on.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }
}

impl crate::block::BlockDevice for RamDisk {
    fn block_size(&self) -> usize {
        self.block_size
    }

    fn block_count(&self) -> u64 {
        (self.bytes.len() / self.block_size) as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_blocks(&mut self, first: u64, buffer: &mut [u8]) -> Result<(), crate::block::BlockError> {
        crate::block::check_range(self, first, buffer.len())?;
        let start = first as usize * self.block_size;
        buffer.copy_from_slice(&self.bytes[start..start + buffer.len()]);
        Ok(())
    }

    fn write_blocks(&mut self, first: u64, buffer: &[u8]) -> Result<(), crate::block::BlockError> {
        if self.read_only {
            return Err(crate::block::BlockError::ReadOnly);
        }
        crate::block::check_range(self, first, buffer.len())?;
        let start = first as usize * self.block_size;
        self.bytes[start..start + buffer.len()].copy_from_slice(buffer);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), crate::block::BlockError> {
        self.flushes += 1;
        Ok(())
    }
}

/// Every thread a scheduler gives out until it is empty, in order.
pub fn drain<S: crate::scheduler::Scheduler>(scheduler: &mut S) -> Vec<crate::scheduler::ThreadId> {
    core::iter::from_fn(|| scheduler.pick_next()).collect()
}

/// What the [`Scheduler`](crate::scheduler::Scheduler) contract asks of every policy, each check
/// on a scheduler fresh from `new`: an empty queue gives nothing and never preempts; a thread
/// queued twice keeps its first place; numbers not below `MAX_THREADS` are ignored; `remove`
/// takes out queued threads only (head or middle), and a queue emptied by removals preempts
/// nobody.
pub fn check_scheduler_contract<S: crate::scheduler::Scheduler>(mut new: impl FnMut() -> S) {
    use crate::scheduler::{DEFAULT_PRIORITY as P, MAX_THREADS, ThreadId};
    let mut scheduler = new();
    assert_eq!(scheduler.pick_next(), None);
    assert_eq!(scheduler.queued(), 0);
    for ticks_run in [0, 1, 1_000, u32::MAX] {
        assert!(!scheduler.should_preempt(P, ticks_run), "preempted with nobody waiting");
    }

    let mut scheduler = new();
    scheduler.enqueue(1, P);
    scheduler.enqueue(2, P);
    scheduler.enqueue(1, P);
    assert_eq!(scheduler.queued(), 2);
    assert_eq!(drain(&mut scheduler), [1, 2], "a second enqueue moved the thread");

    let mut scheduler = new();
    scheduler.enqueue(MAX_THREADS as ThreadId, P);
    scheduler.enqueue(ThreadId::MAX, P);
    assert_eq!(scheduler.queued(), 0);
    assert!(!scheduler.should_preempt(0, u32::MAX));
    assert!(!scheduler.remove(ThreadId::MAX));
    assert_eq!(scheduler.pick_next(), None);

    let mut scheduler = new();
    for thread in [5, 6, 7, 8] {
        scheduler.enqueue(thread, P);
    }
    assert!(scheduler.remove(6), "a thread in the middle");
    assert!(scheduler.remove(5), "the head");
    assert!(!scheduler.remove(5));
    assert!(!scheduler.remove(9));
    assert_eq!(scheduler.queued(), 2);
    assert_eq!(drain(&mut scheduler), [7, 8]);
    scheduler.enqueue(9, P);
    assert!(scheduler.remove(9));
    assert!(!scheduler.should_preempt(P, u32::MAX), "a queue emptied by removals preempted");
}

/// One end of a [`wire`]: a NIC in memory whose frames arrive at the other end, for host tests
/// of the network stack (two stacks talking, or one stack and a test that crafts frames).
#[derive(Debug)]
pub struct WireNic {
    mac: [u8; 6],
    inbox: Rc<RefCell<std::collections::VecDeque<Vec<u8>>>>,
    outbox: Rc<RefCell<std::collections::VecDeque<Vec<u8>>>>,
    stats: crate::nic::NicStats,
    /// When set, every frame this end sends is dropped instead (a cut cable).
    pub cut: bool,
}

/// Two NICs joined back to back, with the MAC addresses given.
pub fn wire(a: [u8; 6], b: [u8; 6]) -> (WireNic, WireNic) {
    let (one, two) = (Rc::default(), Rc::default());
    let end = |mac, inbox: &Rc<_>, outbox: &Rc<_>| WireNic {
        mac,
        inbox: Rc::clone(inbox),
        outbox: Rc::clone(outbox),
        stats: Default::default(),
        cut: false,
    };
    (end(a, &one, &two), end(b, &two, &one))
}

impl WireNic {
    /// Puts a frame in this end's inbox, as if the other end had sent it.
    pub fn inject(&self, frame: &[u8]) {
        self.inbox.borrow_mut().push_back(frame.to_vec());
    }

    /// Takes the oldest frame this end sent that the other end has not received.
    pub fn take_sent(&self) -> Option<Vec<u8>> {
        self.outbox.borrow_mut().pop_front()
    }
}

impl crate::nic::Nic for WireNic {
    fn mac_address(&self) -> [u8; 6] {
        self.mac
    }

    fn receive(&mut self, buffer: &mut [u8]) -> Option<usize> {
        loop {
            let frame = self.inbox.borrow_mut().pop_front()?;
            if frame.len() <= buffer.len() {
                buffer[..frame.len()].copy_from_slice(&frame);
                self.stats.received += 1;
                return Some(frame.len());
            }
            self.stats.dropped += 1;
        }
    }

    fn transmit(&mut self, frame: &[u8]) -> Result<(), crate::nic::NicError> {
        crate::nic::check_frame(frame)?;
        self.stats.sent += 1;
        if !self.cut {
            self.outbox.borrow_mut().push_back(frame.to_vec());
        }
        Ok(())
    }

    fn stats(&self) -> crate::nic::NicStats {
        self.stats
    }

    /// The wire takes a frame as `transmit` returns.
    fn unsent(&mut self) -> usize {
        0
    }
}

/// Reports that test `name` cannot run here and why, for every test in the workspace: it prints
/// the reason and appends `name: reason` to the file named by `STARDUST_SKIPPED` (scripts/test
/// sets it), which counts the test as skipped, not passed (libtest itself counts a test that
/// returns early as passed). The caller then returns.
pub fn record_skip(name: &str, reason: &str) {
    use std::io::Write as _;
    eprintln!("skipped: {name}: {reason}");
    if let Some(path) = std::env::var_os("STARDUST_SKIPPED") {
        // One write of the whole line: tests run in parallel, and appends of one write each do
        // not interleave (`writeln!` writes piece by piece, and lines came out mixed).
        let line = format!("{name}: {reason}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(error) = written {
            panic!("cannot record the skipped test {name} in {}: {error}", path.to_string_lossy());
        }
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;
    use crate::nic::{MAX_FRAME, Nic, NicError};

    #[test]
    fn frames_cross_in_order_and_long_ones_are_dropped_whole() {
        let (mut a, mut b) = wire([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        assert_eq!(a.transmit(&[]), Err(NicError::BadLength));
        assert_eq!(a.transmit(&[0; MAX_FRAME + 1]), Err(NicError::BadLength));
        a.transmit(&[1; 100]).unwrap();
        a.transmit(&[2; 10]).unwrap();
        a.transmit(&[3; 20]).unwrap();
        let mut small = [0u8; 50];
        assert_eq!(b.receive(&mut small), Some(10), "the 100-byte frame is dropped, not cut");
        assert_eq!(small[..10], [2; 10]);
        assert_eq!(b.receive(&mut small), Some(20));
        assert_eq!(b.receive(&mut small), None);
        assert_eq!((b.stats().received, b.stats().dropped, a.stats().sent), (2, 1, 3));
        assert_eq!(b.mac_address(), [2, 0, 0, 0, 0, 2]);
        b.cut = true;
        b.transmit(&[9; 60]).unwrap();
        assert_eq!(a.receive(&mut small), None);
    }
}
