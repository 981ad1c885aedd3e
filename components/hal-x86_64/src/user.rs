//! User mode (ring 3): the program's page tables, entering and leaving user mode, system calls,
//! per-thread user state, and faults taken in user mode.
//!
//! One program runs in the kernel's address space, in ring 3. Its memory is the user region
//! [`USER_BASE`]`..`[`USER_END`] (the second 512 GiB, one PML4 entry): every page there is marked
//! user, every kernel page is not, so the program cannot touch the kernel. The kernel never
//! touches the program's addresses either: [`read`] and [`write`] walk the user page tables and
//! copy through the kernel's identity map of the page frames, checking the user and write bits
//! on the way, so a bad pointer from the program is an error value, never a kernel fault (and
//! SMAP, enabled where the CPU has it, stays on).
//!
//! System calls: SYSCALL enters [`stardust_syscall_entry`], which switches to the thread's
//! kernel stack (the per-CPU area's, kept equal to the TSS's RSP0), saves the registers as an
//! [`ExceptionFrame`] and calls the handler set with [`set_syscall_handler`] with interrupts on;
//! SYSRET returns. Faults in user mode go to the handler set with [`set_fault_handler`].
//!
//! Per thread (only threads that entered user mode): the FPU/SSE state (FXSAVE64, saved when
//! the thread is switched away, restored when it is switched back), the FS base, and the kernel
//! stack top. CPUs are set up for user mode lazily, the first time one runs a user thread (SSE
//! on, SMEP/SMAP where present, the SYSCALL MSRs), so images without a program pay nothing.

use crate::exceptions::ExceptionFrame;
use crate::smp::{MAX_CPUS, PER_CPU};
use crate::{gdt, interrupts};
use alloc::boxed::Box;
use core::alloc::Layout;
use core::sync::atomic::{AtomicPtr, Ordering};
use stardust_api::{MAX_THREADS, ThreadId};

/// The lowest user address: the second PML4 entry's first byte (512 GiB). apps/posix/build.rs
/// repeats this region to refuse programs at build time (a build script cannot link the hal).
pub const USER_BASE: u64 = 1 << 39;
/// One past the highest user address (1 TiB).
pub const USER_END: u64 = 2 << 39;
/// The size of a user page.
pub const PAGE: u64 = 4096;

const PML4_INDEX: usize = 1;
const PRESENT: u64 = 1;
const WRITABLE: u64 = 1 << 1;
const USER: u64 = 1 << 2;
const NO_EXECUTE: u64 = 1 << 63;
/// Software bit: the entry owns a frame (set even while the page is inaccessible).
const OWNED: u64 = 1 << 9;
/// Software bit: the page is reserved, not backed yet; the entry's other bits are the rights it
/// will get when first touched.
const LAZY: u64 = 1 << 10;
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;

const EFER: u32 = 0xc000_0080;
const STAR: u32 = 0xc000_0081;
const LSTAR: u32 = 0xc000_0082;
const FMASK: u32 = 0xc000_0084;
const FS_BASE: u32 = 0xc000_0100;
const KERNEL_GS_BASE: u32 = 0xc000_0102;
/// RFLAGS bits SYSCALL clears: TF, IF, DF, AC (and NT, IOPL).
const SYSCALL_MASK: u64 = 0x0004_7700;
/// RFLAGS in user mode at entry: interrupts on (bit 1 is always set).
const USER_FLAGS: u64 = 0x202;
/// The vector number system-call frames carry (not a CPU vector).
pub const SYSCALL_VECTOR: u64 = 0x100;

/// What a user page allows. Every accessible page is readable (x86 has no write-only pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rights {
    /// The program may touch it at all (false: PROT_NONE).
    pub accessible: bool,
    /// The program may write it.
    pub write: bool,
    /// The program may run code from it.
    pub execute: bool,
}

impl Rights {
    /// The entry's bits besides the frame: for a backed page PRESENT (when accessible) and
    /// OWNED; for a page not backed yet LAZY, with the rights it will get.
    fn entry_bits(self, backed: bool) -> u64 {
        let mut bits = if backed { OWNED } else { LAZY };
        if self.accessible {
            bits |= USER;
            if backed {
                bits |= PRESENT;
            }
        }
        if self.write {
            bits |= WRITABLE;
        }
        if !self.execute {
            bits |= NO_EXECUTE;
        }
        bits
    }
}

/// Why a user mapping failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// The address is not page-aligned or not in the user region.
    BadAddress(u64),
    /// The page is mapped already.
    Mapped(u64),
    /// The heap had no frame or page table.
    OutOfMemory,
    /// Writable and executable at once: refused (W^X).
    WritableAndExecutable,
}

/// A user address the program may not access as asked (a bad pointer: EFAULT), or whose page
/// could not be backed (`out_of_memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The first byte that could not be accessed.
    pub address: u64,
    /// The page was the program's, but the heap had no frame for it.
    pub out_of_memory: bool,
}

/// The user page tables' lock: taken with interrupts off only (`locked`), since the page-fault
/// handler takes it too, on whatever CPU the program runs.
static TABLES: spin::Mutex<()> = spin::Mutex::new(());

fn locked<R>(f: impl FnOnce() -> R) -> R {
    interrupts::without(|| {
        let _tables = TABLES.lock();
        f()
    })
}

fn page_layout() -> Layout {
    // 4096 is a power of two and a valid size.
    Layout::from_size_align(PAGE as usize, PAGE as usize).unwrap_or(Layout::new::<u8>())
}

/// Frames the user region holds now (pages and tables), and how many it may hold.
static FRAMES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
static FRAME_LIMIT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(u64::MAX);

/// Caps the frames the program's memory may take, so that the kernel keeps a reserve of the heap
/// (thread stacks, buffers): past it, a mapping is `OutOfMemory` and a touched page the
/// program's out-of-memory end, never a failed kernel allocation elsewhere.
pub fn set_frame_limit(frames: u64) {
    FRAME_LIMIT.store(frames, Ordering::Relaxed);
}

/// A zeroed 4 KiB frame from the heap (identity-mapped), or `None` (heap empty or the limit
/// reached).
fn new_frame() -> Option<u64> {
    if FRAMES.fetch_add(1, Ordering::Relaxed) >= FRAME_LIMIT.load(Ordering::Relaxed) {
        FRAMES.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    // SAFETY: the layout's size is not zero.
    let frame = unsafe { alloc::alloc::alloc_zeroed(page_layout()) } as u64;
    if frame == 0 {
        FRAMES.fetch_sub(1, Ordering::Relaxed);
        return None;
    }
    Some(frame)
}

fn free_frame(frame: u64) {
    FRAMES.fetch_sub(1, Ordering::Relaxed);
    // SAFETY: every frame the user tables own came from `new_frame` with this layout, and its
    // entry was cleared and flushed on every CPU before it is freed, so nothing reaches it.
    unsafe { alloc::alloc::dealloc(frame as *mut u8, page_layout()) };
}

fn pml4() -> *mut u64 {
    let cr3: u64;
    // SAFETY: reading CR3 has no side effect.
    unsafe { core::arch::asm!("mov {0}, cr3", out(reg) cr3, options(nomem, nostack, preserves_flags)) };
    (cr3 & ADDRESS_MASK) as *mut u64
}

fn in_user_region(address: u64) -> bool {
    (USER_BASE..USER_END).contains(&address)
}

/// The pages of `length` bytes at `start`, if page-aligned and inside the user region.
fn pages(start: u64, length: u64) -> Result<impl Iterator<Item = u64>, MapError> {
    let end = start.checked_add(length).ok_or(MapError::BadAddress(start))?;
    if !start.is_multiple_of(PAGE) || !length.is_multiple_of(PAGE) || !in_user_region(start) || end > USER_END {
        return Err(MapError::BadAddress(start));
    }
    Ok((start..end).step_by(PAGE as usize))
}

/// The last-level entry for `address`, creating the tables on the way if `create`. Call with
/// `TABLES` held.
fn entry(address: u64, create: bool) -> Result<Option<*mut u64>, MapError> {
    if !in_user_region(address) {
        return Ok(None);
    }
    let mut table = pml4();
    let indices = [PML4_INDEX, (address >> 30) as usize & 511, (address >> 21) as usize & 511];
    for index in indices {
        // SAFETY: `table` is a page table of the kernel's (the PML4) or of the user region's
        // (created below from heap frames, identity-mapped); `index` < 512.
        let slot = unsafe { table.add(index) };
        // SAFETY: as above.
        let value = unsafe { slot.read_volatile() };
        if value & PRESENT == 0 {
            if !create {
                return Ok(None);
            }
            let frame = new_frame().ok_or(MapError::OutOfMemory)?;
            // SAFETY: a fresh zeroed frame becomes the next-level table; user-accessible and
            // writable at this level, so the last level alone decides. A not-present entry is
            // never cached, so no flush is needed.
            unsafe { slot.write_volatile(frame | PRESENT | WRITABLE | USER) };
            table = frame as *mut u64;
        } else {
            table = (value & ADDRESS_MASK) as *mut u64;
        }
    }
    // SAFETY: `table` is a user page table; the index is < 512.
    Ok(Some(unsafe { table.add((address >> 12) as usize & 511) }))
}

/// The last-level entry for `address` if its tables exist, else where the next one could be
/// (the end of the missing table's span): loops over large ranges skip what was never mapped.
/// Call with `TABLES` held; `address` in the user region.
fn existing_entry(address: u64) -> Result<*mut u64, u64> {
    let mut table = pml4();
    let levels = [
        (PML4_INDEX, 1u64 << 39),
        ((address >> 30) as usize & 511, 1 << 30),
        ((address >> 21) as usize & 511, 1 << 21),
    ];
    for (index, span) in levels {
        // SAFETY: as in `entry`.
        let value = unsafe { table.add(index).read_volatile() };
        if value & PRESENT == 0 {
            return Err((address & !(span - 1)).saturating_add(span));
        }
        table = (value & ADDRESS_MASK) as *mut u64;
    }
    // SAFETY: `table` is a user page table; the index is < 512.
    Ok(unsafe { table.add((address >> 12) as usize & 511) })
}

fn read_entry(slot: *mut u64) -> u64 {
    // SAFETY: `slot` came from `entry`, with `TABLES` held.
    unsafe { slot.read_volatile() }
}

fn write_entry(slot: *mut u64, value: u64) {
    // SAFETY: as in `read_entry`. Callers flush (after the lock) when rights shrink or a frame
    // goes; an entry that becomes present from not-present needs no flush.
    unsafe { slot.write_volatile(value) }
}

/// Drops the translations of `length` bytes at `start` on every CPU: this one at once (page by
/// page for a few pages: a full flush costs every later access a page walk), the others before
/// this returns (their threads might still use a frame about to be freed).
fn flush_everywhere(start: u64, length: u64) {
    const FEW_PAGES: u64 = 32;
    if length / PAGE <= FEW_PAGES {
        let mut page = start;
        while page < start + length {
            // SAFETY: invalidating a TLB entry has no effect but a later page walk.
            unsafe { core::arch::asm!("invlpg [{0}]", in(reg) page, options(nostack, preserves_flags)) };
            page += PAGE;
        }
    } else {
        crate::paging::flush_all();
    }
    crate::smp::flush_other_cpus_and_wait();
}

/// Maps fresh zeroed pages over `length` bytes at `start` (page-aligned) with `rights`, backed
/// at once: how the loader places the program. On failure nothing stays mapped.
pub fn map(start: u64, length: u64, rights: Rights) -> Result<(), MapError> {
    place(start, length, rights, true)
}

/// Reserves `length` bytes at `start` with `rights`, backed page by page when the program (or
/// a copy for it) first touches them: how mmap's anonymous memory works, so a 2 MiB thread stack
/// costs what is used. PROT_NONE pages are never backed.
pub fn reserve(start: u64, length: u64, rights: Rights) -> Result<(), MapError> {
    place(start, length, rights, false)
}

fn place(start: u64, length: u64, rights: Rights, backed: bool) -> Result<(), MapError> {
    if rights.write && rights.execute {
        return Err(MapError::WritableAndExecutable);
    }
    let pages = pages(start, length)?;
    let mut done = start;
    let result = locked(|| {
        for page in pages {
            let slot = entry(page, true)?.ok_or(MapError::BadAddress(page))?;
            if read_entry(slot) != 0 {
                return Err(MapError::Mapped(page));
            }
            let frame = if backed { new_frame().ok_or(MapError::OutOfMemory)? } else { 0 };
            write_entry(slot, frame | rights.entry_bits(backed));
            done = page + PAGE;
        }
        Ok(())
    });
    if result.is_err() {
        unmap(start, done - start);
    }
    result
}

/// Unmaps `length` bytes at `start`, freeing their frames; pages not mapped are fine.
pub fn unmap(start: u64, length: u64) {
    if pages(start, length).is_err() {
        return;
    }
    let mut frames = alloc::vec::Vec::new();
    let mut any = false;
    locked(|| {
        for_each_entry(start, start + length, |slot| {
            let value = read_entry(slot);
            if value & OWNED != 0 {
                // Freed after the flush; if the list cannot grow, leak rather than free early.
                if frames.try_reserve(1).is_ok() {
                    frames.push(value & ADDRESS_MASK);
                }
            }
            any |= value & PRESENT != 0;
            write_entry(slot, 0);
        });
    });
    if any {
        flush_everywhere(start, length);
    }
    for frame in frames {
        free_frame(frame);
    }
}

/// Calls `f` on each last-level entry in `start..end` whose tables exist, skipping the spans of
/// missing tables (a loop over a huge range costs what is mapped). Call with `TABLES` held.
fn for_each_entry(start: u64, end: u64, mut f: impl FnMut(*mut u64)) {
    let mut page = start;
    while page < end {
        match existing_entry(page) {
            Ok(slot) => {
                f(slot);
                page += PAGE;
            }
            Err(next) => page = next,
        }
    }
}

/// Changes the rights of the mapped pages in `length` bytes at `start` (contents stay); pages
/// not mapped are skipped.
pub fn protect(start: u64, length: u64, rights: Rights) -> Result<(), MapError> {
    if rights.write && rights.execute {
        return Err(MapError::WritableAndExecutable);
    }
    let _ = pages(start, length)?;
    // Only entries the CPUs may have cached (present ones whose rights change) need a flush.
    let mut changed = false;
    locked(|| {
        for_each_entry(start, start + length, |slot| {
            let value = read_entry(slot);
            if value & OWNED != 0 {
                let new = (value & ADDRESS_MASK) | rights.entry_bits(true);
                changed |= new != value && value & PRESENT != 0;
                write_entry(slot, new);
            } else if value & LAZY != 0 {
                write_entry(slot, rights.entry_bits(false));
            }
        });
    });
    if changed {
        flush_everywhere(start, length);
    }
    Ok(())
}

/// Moves `length` bytes of mapped pages from `from` to `to` (unmapped), contents and rights
/// (mremap).
pub fn move_pages(from: u64, to: u64, length: u64) -> Result<(), MapError> {
    let sources = pages(from, length)?;
    let _ = pages(to, length)?;
    let result = locked(|| {
        for (index, source) in sources.enumerate() {
            let target_address = to + index as u64 * PAGE;
            let target = entry(target_address, true)?.ok_or(MapError::BadAddress(target_address))?;
            if read_entry(target) != 0 {
                return Err(MapError::Mapped(target_address));
            }
            if let Ok(Some(slot)) = entry(source, false) {
                write_entry(target, read_entry(slot));
                write_entry(slot, 0);
            }
        }
        Ok(())
    });
    flush_everywhere(from, length);
    result
}

/// Backs a reserved page whose rights allow `write`/`execute` (or any access when both are
/// false): a fresh zeroed frame. Call with `TABLES` held. `Ok(false)`: not a page the program
/// may touch that way; `Err`: no frame.
fn back(slot: *mut u64, write: bool, execute: bool) -> Result<bool, ()> {
    let value = read_entry(slot);
    if value & LAZY == 0
        || value & USER == 0
        || (write && value & WRITABLE == 0)
        || (execute && value & NO_EXECUTE != 0)
    {
        return Ok(false);
    }
    let frame = new_frame().ok_or(())?;
    write_entry(slot, frame | (value & (WRITABLE | NO_EXECUTE | USER)) | OWNED | PRESENT);
    Ok(true)
}

/// What `copy` may do: read for the program (the page must be user-readable), write for it
/// (user-writable), or load (the kernel fills the program's pages before they run: any backed
/// page, whatever its rights).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    FromUser,
    ToUser,
    Load,
}

fn copy(
    address: u64,
    length: usize,
    direction: Direction,
    mut each: impl FnMut(*mut u8, usize, usize),
) -> Result<(), Fault> {
    locked(|| {
        let mut done = 0usize;
        while done < length {
            let at = address.checked_add(done as u64).ok_or(Fault { address: u64::MAX, out_of_memory: false })?;
            let fault = Fault { address: at, out_of_memory: false };
            let slot = entry(at & !(PAGE - 1), false).ok().flatten().ok_or(fault)?;
            if direction != Direction::Load && read_entry(slot) & LAZY != 0 {
                match back(slot, direction == Direction::ToUser, false) {
                    Ok(_) => {}
                    Err(()) => return Err(Fault { address: at, out_of_memory: true }),
                }
            }
            let value = read_entry(slot);
            let allowed = match direction {
                Direction::Load => value & OWNED != 0,
                Direction::FromUser => value & (PRESENT | USER) == PRESENT | USER,
                Direction::ToUser => value & (PRESENT | USER | WRITABLE) == PRESENT | USER | WRITABLE,
            };
            if !allowed {
                return Err(fault);
            }
            let offset = (at % PAGE) as usize;
            let chunk = (PAGE as usize - offset).min(length - done);
            let frame = ((value & ADDRESS_MASK) as usize + offset) as *mut u8;
            each(frame, done, chunk);
            done += chunk;
        }
        Ok(())
    })
}

/// Copies the program's bytes at `address` into `buffer` (all of them, or an error naming the
/// first page it may not read).
pub fn read(address: u64, buffer: &mut [u8]) -> Result<(), Fault> {
    let length = buffer.len();
    let target = buffer.as_mut_ptr();
    copy(address, length, Direction::FromUser, |frame, done, chunk| {
        // SAFETY: `frame..frame + chunk` lies in one user frame (identity-mapped kernel memory
        // the lock keeps mapped); `done + chunk` <= the buffer's length.
        unsafe { core::ptr::copy_nonoverlapping(frame, target.add(done), chunk) }
    })
}

/// Copies `bytes` into the program's memory at `address` (pages it may write).
pub fn write(address: u64, bytes: &[u8]) -> Result<(), Fault> {
    copy(address, bytes.len(), Direction::ToUser, |frame, done, chunk| {
        // SAFETY: as in `read`, the other way round.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr().add(done), frame, chunk) }
    })
}

/// Fills the program's backed pages at `address` with `bytes`, whatever their rights: how the
/// loader puts code into read-only pages before the program runs.
pub fn load(address: u64, bytes: &[u8]) -> Result<(), Fault> {
    copy(address, bytes.len(), Direction::Load, |frame, done, chunk| {
        // SAFETY: as in `write`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr().add(done), frame, chunk) }
    })
}

/// A user thread's state beyond its registers.
#[repr(C, align(16))]
struct UserThread {
    /// FXSAVE64 area.
    fpu: [u8; 512],
    /// The top of the thread's kernel stack (RSP0 and the system-call entry's stack).
    kernel_stack: u64,
    /// The FS base (arch_prctl(ARCH_SET_FS)).
    fs_base: u64,
}

static THREADS: [AtomicPtr<UserThread>; MAX_THREADS] = [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_THREADS];

fn state(thread: ThreadId) -> Option<&'static mut UserThread> {
    let pointer = THREADS.get(thread as usize)?.load(Ordering::Acquire);
    // SAFETY: a non-null pointer came from `Box::into_raw` in `enter`, and only its own thread
    // uses it (enter, the switch hooks, set_fs_base, forget), one call at a time.
    unsafe { pointer.as_mut() }
}

fn write_msr(msr: u32, value: u64) {
    // SAFETY: callers write only the MSRs named above, with values that keep the kernel's
    // invariants (FS base: unused by the kernel; the SYSCALL MSRs: the entry below).
    unsafe { x86_64::registers::model_specific::Msr::new(msr).write(value) }
}

fn read_msr(msr: u32) -> u64 {
    // SAFETY: reading these MSRs has no side effect.
    unsafe { x86_64::registers::model_specific::Msr::new(msr).read() }
}

/// Sets up the calling CPU for user mode once: SSE on (the programs use it; the kernel does
/// not), SMEP and SMAP where the CPU has them, the SYSCALL MSRs. Call with interrupts off.
fn prepare_cpu(cpu: usize) {
    let per_cpu = &PER_CPU[cpu];
    if per_cpu.user_ready.load(Ordering::Relaxed) != 0 {
        return;
    }
    const SMEP: u32 = 1 << 7;
    const SMAP: u32 = 1 << 20;
    // Leaf 7 only where the CPU has it (else its bits could be anything).
    let features = if crate::cpu::cpuid(0).0 >= 7 { crate::cpu::cpuid(7).1 } else { 0 };
    let mut cr4_bits: u64 = (1 << 9) | (1 << 10); // OSFXSR, OSXMMEXCPT
    if features & SMEP != 0 {
        cr4_bits |= 1 << 20;
    }
    if features & SMAP != 0 {
        cr4_bits |= 1 << 21;
    }
    // SAFETY: CR0: x87 present (EM off), monitored (MP), x87 errors as #MF (NE), no lazy
    // switching (TS off); CR4: the bits above. None of them changes how kernel code (soft-float, never touching user
    // addresses) runs.
    unsafe {
        core::arch::asm!(
            "mov {scratch}, cr0",
            "and {scratch}, ~0xc",
            "or {scratch}, 0x22",
            "mov cr0, {scratch}",
            "mov {scratch}, cr4",
            "or {scratch}, {cr4_bits}",
            "mov cr4, {scratch}",
            scratch = out(reg) _,
            cr4_bits = in(reg) cr4_bits,
            options(nostack, preserves_flags),
        );
    }
    write_msr(EFER, read_msr(EFER) | 1); // SCE: SYSCALL/SYSRET on
    write_msr(STAR, gdt::STAR);
    write_msr(LSTAR, stardust_syscall_entry as *const () as u64);
    write_msr(FMASK, SYSCALL_MASK);
    write_msr(KERNEL_GS_BASE, 0);
    per_cpu.user_ready.store(1, Ordering::Relaxed);
}

/// Points the calling CPU's user-mode entries at `state`'s kernel stack and loads its FS base.
fn load_thread(cpu: usize, thread: ThreadId, state: &UserThread) {
    CURRENT[cpu].store(thread, Ordering::Relaxed);
    gdt::set_kernel_stack(cpu, state.kernel_stack);
    PER_CPU[cpu].kernel_stack.store(state.kernel_stack, Ordering::Relaxed);
    write_msr(FS_BASE, state.fs_base);
}

fn leave(thread: ThreadId) {
    if let Some(state) = state(thread) {
        // SAFETY: the area is 512 bytes, 16-aligned, owned by this thread; FXSAVE64 only
        // stores there.
        unsafe {
            core::arch::asm!("fxsave64 [{0}]", in(reg) state.fpu.as_mut_ptr(), options(nostack, preserves_flags))
        };
    }
}

fn resume(thread: ThreadId) {
    if let Some(state) = state(thread) {
        let cpu = crate::smp::cpu_index().min(MAX_CPUS - 1);
        prepare_cpu(cpu);
        load_thread(cpu, thread, state);
        // SAFETY: the area holds a state FXSAVE64 wrote (at `enter` or the last `leave`).
        unsafe { core::arch::asm!("fxrstor64 [{0}]", in(reg) state.fpu.as_ptr(), options(nostack, preserves_flags)) };
    }
}

/// Enters user mode on the calling thread `thread` with `registers` (RIP, RSP and the general
/// registers; CS, SS and RFLAGS are set here), FS base `fs_base`, and a fresh FPU state
/// (FCW 0x037F, MXCSR 0x1F80). Never returns: the thread's kernel stack from here up is
/// reused for its system calls and interrupts.
pub fn enter(thread: ThreadId, registers: &ExceptionFrame, fs_base: u64) -> ! {
    x86_64::instructions::interrupts::disable();
    let here: u64;
    // SAFETY: reads RSP.
    unsafe { core::arch::asm!("mov {0}, rsp", out(reg) here, options(nomem, nostack, preserves_flags)) };
    // Below this function's frame, above the frame built below: what is above `here` is dead
    // once the thread is in user mode (this function does not return).
    let kernel_stack = (here - 512) & !15;
    let mut state = Box::new(UserThread { fpu: [0; 512], kernel_stack, fs_base });
    let cpu = crate::smp::cpu_index().min(MAX_CPUS - 1);
    prepare_cpu(cpu);
    // SAFETY: a fresh FPU state (FNINIT: FCW 0x037F; MXCSR 0x1F80), saved as the thread's.
    unsafe {
        let mxcsr: u32 = 0x1f80;
        core::arch::asm!(
            "fninit",
            "ldmxcsr [{mxcsr}]",
            "fxsave64 [{area}]",
            mxcsr = in(reg) &mxcsr,
            area = in(reg) state.fpu.as_mut_ptr(),
            options(nostack),
        );
    }
    load_thread(cpu, thread, &state);
    if let Some(slot) = THREADS.get(thread as usize) {
        let old = slot.swap(Box::into_raw(state), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: `old` came from `Box::into_raw` and nothing else holds it (its thread is
            // this one, entering anew).
            drop(unsafe { Box::from_raw(old) });
        }
    }
    crate::thread::SWITCH_HOOKS.call_once(|| crate::thread::SwitchHooks { leave, resume });
    let mut frame = registers.clone();
    frame.cs = gdt::USER_CODE_SELECTOR;
    frame.ss = gdt::USER_DATA_SELECTOR;
    frame.rflags = USER_FLAGS;
    let destination = kernel_stack - core::mem::size_of::<ExceptionFrame>() as u64;
    // SAFETY: the frame is copied just below `kernel_stack`, into stack space this function's
    // callers never used (512 bytes below its own stack pointer), RSP moves there, and
    // `stardust_trap_return` pops the registers and IRETQs to CPL 3 (with `swapgs`, as CS has
    // RPL 3). Interrupts stay off until IRETQ loads RFLAGS.
    unsafe {
        core::arch::asm!(
            "rep movsb",
            "mov rsp, {destination}",
            "jmp stardust_trap_return",
            destination = in(reg) destination,
            in("rdi") destination,
            in("rsi") &frame as *const ExceptionFrame,
            in("rcx") core::mem::size_of::<ExceptionFrame>(),
            options(noreturn),
        );
    }
}

/// Sets the calling user thread's FS base (arch_prctl(ARCH_SET_FS)).
pub fn set_fs_base(thread: ThreadId, base: u64) {
    interrupts::without(|| {
        if let Some(state) = state(thread) {
            state.fs_base = base;
            write_msr(FS_BASE, base);
        }
    });
}

/// The calling user thread's FS base.
pub fn fs_base(thread: ThreadId) -> u64 {
    interrupts::without(|| state(thread).map_or(0, |state| state.fs_base))
}

/// Forgets the calling thread's user state: it will not return to user mode (it is ending).
pub fn forget(thread: ThreadId) {
    interrupts::without(|| {
        if let Some(slot) = THREADS.get(thread as usize) {
            let old = slot.swap(core::ptr::null_mut(), Ordering::AcqRel);
            if !old.is_null() {
                // SAFETY: as in `enter`.
                drop(unsafe { Box::from_raw(old) });
            }
        }
    });
}

/// Handles a system call: the frame holds the program's registers (RAX the number; the result
/// goes back in RAX). Runs with interrupts on, on the thread's kernel stack.
pub type SyscallHandler = fn(&mut ExceptionFrame);

static SYSCALL_HANDLER: spin::Once<SyscallHandler> = spin::Once::new();

/// Sets the system-call handler (once).
pub fn set_syscall_handler(handler: SyscallHandler) {
    SYSCALL_HANDLER.call_once(|| handler);
}

/// A CPU exception raised by user code.
#[derive(Debug, Clone, Copy)]
pub struct UserFault {
    /// The vector (14 page fault, 13 #GP, 6 #UD, 0 #DE, 19 #XM, ...).
    pub vector: u64,
    /// What the vector is, in words.
    pub name: &'static str,
    /// The faulting instruction.
    pub rip: u64,
    /// The stack pointer at the fault.
    pub rsp: u64,
    /// The CPU's error code.
    pub error_code: u64,
    /// For a page fault: the address touched.
    pub address: u64,
    /// For a page fault: what it most likely was.
    pub cause: &'static str,
    /// The page was the program's, but the heap had no frame to back it.
    pub out_of_memory: bool,
}

/// Reports a user fault (runs with interrupts off, on the exception's stack: it may print, not
/// block) and says with what status the program ends.
pub type FaultReporter = fn(&UserFault) -> u8;
/// Ends the program with a status, on the faulting thread's kernel stack with interrupts on (so
/// it may write the file systems back); never returns.
pub type ExitHook = fn(u8) -> !;

static FAULT_HANDLERS: spin::Once<(FaultReporter, ExitHook)> = spin::Once::new();

/// Sets what a user fault does (once): `report` it, then `exit` with the status it gives.
pub fn set_fault_handler(report: FaultReporter, exit: ExitHook) {
    FAULT_HANDLERS.call_once(|| (report, exit));
}

const PAGE_FAULT: u64 = 14;
const PAGE_PRESENT: u64 = 1;
const PAGE_WRITE: u64 = 2;
const PAGE_FETCH: u64 = 16;

/// A CPU exception in user mode. A page fault on a reserved page the program may touch is
/// resolved (the page is backed) and the program goes on: true. Otherwise, with handlers set,
/// the fault is reported and the frame is turned into a call of the exit hook on the thread's
/// kernel stack (the IRETQ then goes there, in ring 0): true. Without handlers: false (the
/// kernel's report follows).
pub(crate) fn fault(frame: &mut ExceptionFrame, cr2: u64) -> bool {
    let mut out_of_memory = false;
    if frame.vector == PAGE_FAULT && frame.error_code & PAGE_PRESENT == 0 {
        let write = frame.error_code & PAGE_WRITE != 0;
        let fetch = frame.error_code & PAGE_FETCH != 0;
        let backed = locked(|| match entry(cr2 & !(PAGE - 1), false) {
            Ok(Some(slot)) => back(slot, write, fetch),
            _ => Ok(false),
        });
        match backed {
            Ok(true) => return true,
            Ok(false) => {}
            Err(()) => out_of_memory = true,
        }
    }
    let Some((report, _)) = FAULT_HANDLERS.get() else { return false };
    let page_fault = frame.vector == PAGE_FAULT;
    let status = report(&UserFault {
        vector: frame.vector,
        name: crate::exceptions::name(frame.vector),
        rip: frame.rip,
        rsp: frame.rsp,
        error_code: frame.error_code,
        address: if page_fault { cr2 } else { 0 },
        cause: if out_of_memory {
            "out of memory for the program's pages"
        } else if page_fault {
            crate::exceptions::page_fault_cause(frame.error_code, cr2)
        } else {
            ""
        },
        out_of_memory,
    });
    let cpu = crate::smp::cpu_index().min(MAX_CPUS - 1);
    let kernel_stack = PER_CPU[cpu].kernel_stack.load(Ordering::Relaxed);
    // The thread leaves user mode for good: it resumes in ring 0 at `stardust_user_exit` with
    // the status as its argument, interrupts off, on its own kernel stack (empty: the thread
    // was in user mode), aligned as after a call. GS stays the kernel's (the entry swapped it
    // in, and the return to ring 0 does not swap).
    *frame = ExceptionFrame {
        rdi: u64::from(status),
        rip: stardust_user_exit as *const () as u64,
        cs: KERNEL_CODE_SELECTOR,
        ss: KERNEL_DATA_SELECTOR,
        rflags: 0x2,
        rsp: (kernel_stack & !15) - 8,
        vector: frame.vector,
        ..ExceptionFrame::default()
    };
    true
}

const KERNEL_CODE_SELECTOR: u64 = 0x08;
const KERNEL_DATA_SELECTOR: u64 = 0x10;

/// Where a thread whose program crashed goes (see `fault`).
extern "C" fn stardust_user_exit(status: u64) -> ! {
    forget(current_thread());
    interrupts::enable();
    match FAULT_HANDLERS.get() {
        Some((_, exit)) => exit(status as u8),
        None => crate::power::exit_status(status as u8),
    }
}

/// The calling thread, as the runtime told the switch hooks (see `CURRENT`).
fn current_thread() -> ThreadId {
    CURRENT[crate::smp::cpu_index().min(MAX_CPUS - 1)].load(Ordering::Relaxed) as ThreadId
}

/// Each CPU's running user thread (set by `enter` and the resume hook).
static CURRENT: [core::sync::atomic::AtomicU32; MAX_CPUS] = [const { core::sync::atomic::AtomicU32::new(0) }; MAX_CPUS];

// The SYSCALL entry, `stardust_syscall_entry`, is in exceptions.rs, beside the exception entry
// whose register-saving macros it shares.
unsafe extern "C" {
    fn stardust_syscall_entry();
}

/// Called by the entry with interrupts off on the thread's kernel stack.
#[unsafe(no_mangle)]
extern "C" fn stardust_syscall(frame: &mut ExceptionFrame) {
    interrupts::enable();
    match SYSCALL_HANDLER.get() {
        Some(handler) => handler(frame),
        None => frame.rax = (-38i64) as u64, // ENOSYS
    }
    x86_64::instructions::interrupts::disable();
    // SYSRET to a non-canonical RIP would fault in ring 0 with the user's stack: never let a
    // handler return there (user addresses are below USER_END, canonical).
    if frame.rip >= USER_END {
        frame.rip = 0;
    }
}
