//! Starting the other CPUs: a trampoline below 1 MiB takes each from real mode to long mode on
//! the kernel's page tables; then each loads its own GDT and TSS, the shared IDT, its per-CPU
//! base (GS), enables its local APIC and timer, and calls the runtime's entry for it.
//!
//! Only images whose profile asks for SMP call [`start_secondary_cpus`]; the others carry none
//! of this code.

use crate::{cpu, gdt, interrupts, lapic, paging, time};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The most CPUs used; more are left halted (and reported by the caller).
pub const MAX_CPUS: usize = 16;
/// Where the trampoline's code runs (the SIPI vector is its page number).
const TRAMPOLINE: u64 = 0x8000;
/// Its data: a GDT, the page-table root, and the stack, entry and index of the CPU starting.
const TRAMPOLINE_DATA: u64 = 0x9000;
/// Both pages, which the heap must never get.
pub const STARTUP_PAGES: core::ops::Range<u64> = TRAMPOLINE..TRAMPOLINE_DATA + 4096;
const GS_BASE_MSR: u32 = 0xc000_0101;
const INIT: u32 = 0x4500;
const STARTUP: u32 = 0x4600;
const EXCEPTION_STACK: usize = 16 * 1024;

core::arch::global_asm!(
    r#"
    .pushsection .rodata.stardust_trampoline, "a"
    .global stardust_trampoline_start
    .global stardust_trampoline_end
stardust_trampoline_start:
    .code16
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl {data} + 0x20
    movl $0x33, %eax            /* PE, MP, ET, NE: and caches on (INIT leaves CD and NW set) */
    movl %eax, %cr0
    ljmpl $0x08, ${code} + (2f - stardust_trampoline_start)
    .code32
2:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl {data} + 0x30, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x900, %eax
    wrmsr
    movl $0x80010033, %eax      /* + paging, write-protect */
    movl %eax, %cr0
    ljmpl $0x18, ${code} + (3f - stardust_trampoline_start)
    .code64
3:
    movq {data} + 0x38, %rsp
    movq {data} + 0x48, %rdi
    movq {data} + 0x40, %rax
    callq *%rax                 /* a call, so the entry sees the stack aligned as the ABI says */
stardust_trampoline_end:
    .popsection
"#,
    code = const TRAMPOLINE,
    data = const TRAMPOLINE_DATA,
    options(att_syntax)
);

unsafe extern "C" {
    static stardust_trampoline_start: u8;
    static stardust_trampoline_end: u8;
}

/// The area each CPU's GS base points to (in the kernel; user mode has its own GS, swapped in
/// and out with `swapgs`). The offsets are used by assembly: index at 0 (`cpu_index`), the user
/// stack pointer saved by the system-call entry at 8, the running user thread's kernel stack at
/// 16, and whether this CPU is set up for user mode at 24 (see `user.rs`).
#[repr(C)]
pub(crate) struct PerCpu {
    index: AtomicU64,
    pub(crate) user_stack: AtomicU64,
    pub(crate) kernel_stack: AtomicU64,
    pub(crate) user_ready: AtomicU64,
}

/// Zeros at load (so in the bss, costing the image file nothing); each CPU writes its index as
/// it starts (`set_per_cpu`).
pub(crate) static PER_CPU: [PerCpu; MAX_CPUS] = [const {
    PerCpu {
        index: AtomicU64::new(0),
        user_stack: AtomicU64::new(0),
        kernel_stack: AtomicU64::new(0),
        user_ready: AtomicU64::new(0),
    }
}; MAX_CPUS];

static ONLINE: AtomicUsize = AtomicUsize::new(1);
/// Each started CPU's local APIC ID, by index (for wake-up interrupts).
static APIC_IDS: [core::sync::atomic::AtomicU32; MAX_CPUS] =
    [const { core::sync::atomic::AtomicU32::new(0) }; MAX_CPUS];
static ENTRY: spin::Once<fn(usize) -> !> = spin::Once::new();
/// Emergency-stack tops, handed to each CPU as it starts.
static EXCEPTION_STACK_TOPS: [core::sync::atomic::AtomicU64; MAX_CPUS] =
    [const { core::sync::atomic::AtomicU64::new(0) }; MAX_CPUS];

fn set_per_cpu(index: usize) {
    let area = &PER_CPU[index.min(MAX_CPUS - 1)];
    area.index.store(index as u64, Ordering::Relaxed);
    let base = area as *const PerCpu as u64;
    // SAFETY: IA32_GS_BASE only sets where GS-relative accesses go; `cpu_index` reads there.
    unsafe { x86_64::registers::model_specific::Msr::new(GS_BASE_MSR).write(base) };
}

/// Points the boot CPU's GS at its per-CPU area (index 0). Called at boot.
pub(crate) fn init_boot_cpu() {
    set_per_cpu(0);
}

/// The calling CPU's index: 0 for the boot CPU, then 1, 2, ... in start order.
pub fn cpu_index() -> usize {
    let index: u64;
    // SAFETY: every CPU's GS base points at its `PerCpu` (set before any code asks).
    unsafe { core::arch::asm!("mov {0}, gs:[0]", out(reg) index, options(nostack, readonly, preserves_flags)) };
    index as usize
}

/// Interrupts CPU `index` so that it leaves `hlt` (it has work waiting).
pub fn wake(index: usize) {
    if index < online() && index < MAX_CPUS {
        lapic::send_ipi(APIC_IDS[index].load(Ordering::Relaxed), u32::from(interrupts::WAKE_VECTOR));
    }
}

/// Asks every other running CPU to drop its cached translations (after a page-table change that
/// takes rights away, such as a new guard page). It does not wait: a CPU with interrupts off
/// flushes as soon as it turns them on, before the changed page can matter (a new thread's stack
/// is reached only after its first instructions turn interrupts on).
pub fn flush_other_cpus() {
    let me = cpu_index();
    for (index, apic_id) in APIC_IDS.iter().enumerate().take(online()) {
        if index != me {
            lapic::send_ipi(apic_id.load(Ordering::Relaxed), u32::from(interrupts::FLUSH_VECTOR));
        }
    }
}

/// How many flush requests each CPU has carried out.
static FLUSHES: [AtomicU64; MAX_CPUS] = [const { AtomicU64::new(0) }; MAX_CPUS];

/// Counts a flush on the calling CPU (its flush interrupt's handler).
pub(crate) fn flushed() {
    FLUSHES[cpu_index().min(MAX_CPUS - 1)].fetch_add(1, Ordering::Release);
}

/// As [`flush_other_cpus`], then waits until every other CPU has flushed (a second at most: a
/// CPU halted for good with interrupts off never answers). For pages whose frames are freed or
/// whose rights shrink while another CPU may run the program's threads. Call with interrupts on
/// or off, holding no lock another CPU may spin on with interrupts off.
pub fn flush_other_cpus_and_wait() {
    let me = cpu_index();
    let cpus = online().min(MAX_CPUS);
    if cpus <= 1 {
        return;
    }
    let mut before = [0u64; MAX_CPUS];
    for (index, count) in FLUSHES.iter().enumerate().take(cpus) {
        before[index] = count.load(Ordering::Acquire);
    }
    flush_other_cpus();
    let patience = time::tsc_frequency().max(1_000_000);
    let start = cpu::rdtsc();
    for index in (0..cpus).filter(|&index| index != me) {
        while FLUSHES[index].load(Ordering::Acquire) == before[index] {
            if cpu::rdtsc().wrapping_sub(start) > patience {
                log::warn!("CPU {index} did not flush its TLB within a second; going on");
                break;
            }
            core::hint::spin_loop();
        }
    }
}

/// How many CPUs run (1 until [`start_secondary_cpus`]).
pub fn online() -> usize {
    ONLINE.load(Ordering::Acquire)
}

fn delay_microseconds(microseconds: u64) {
    let ticks = time::tsc_frequency() / 1_000_000 * microseconds;
    let start = cpu::rdtsc();
    while cpu::rdtsc().wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
}

/// Why other CPUs cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpError {
    /// The local APIC could not be set up.
    Apic(lapic::TimerError),
    /// The heap has no room for a CPU's stacks.
    OutOfMemory,
}

/// Starts every CPU in `apic_ids` other than the calling (boot) CPU, one at a time; each ends in
/// `entry(index)`. Returns how many CPUs run now, the boot CPU included. A CPU that does not
/// answer within 100 ms is left alone.
pub fn start_secondary_cpus(apic_ids: &[u32], entry: fn(usize) -> !) -> Result<usize, SmpError> {
    ENTRY.call_once(|| entry);
    interrupts::without(lapic::map).map_err(SmpError::Apic)?;
    let boot_cpu = lapic::id();
    APIC_IDS[0].store(boot_cpu, Ordering::Relaxed);
    let code_start = (&raw const stardust_trampoline_start) as u64;
    let code_length = (&raw const stardust_trampoline_end) as u64 - code_start;
    // The trampoline's GDT: null, 32-bit code, data, 64-bit code.
    let gdt: [u64; 4] = [0, 0x00cf_9b00_0000_ffff, 0x00cf_9300_0000_ffff, 0x00af_9b00_0000_ffff];
    let cr3: u64;
    // SAFETY: reading CR3 has no side effect.
    unsafe { core::arch::asm!("mov {0}, cr3", out(reg) cr3, options(nomem, nostack, preserves_flags)) };
    // SAFETY: the two startup pages are mapped read-write (low memory) and kept from the heap;
    // nothing else uses them. The code is copied before its page is made executable.
    unsafe {
        core::ptr::copy_nonoverlapping(code_start as *const u8, TRAMPOLINE as *mut u8, code_length as usize);
        core::ptr::copy_nonoverlapping(gdt.as_ptr(), TRAMPOLINE_DATA as *mut u64, gdt.len());
        (TRAMPOLINE_DATA as *mut u16).add(0x10).write(31); // GDT limit, at data + 0x20
        ((TRAMPOLINE_DATA + 0x22) as *mut u32).write_unaligned(TRAMPOLINE_DATA as u32);
        ((TRAMPOLINE_DATA + 0x30) as *mut u64).write(cr3);
        ((TRAMPOLINE_DATA + 0x40) as *mut u64).write(stardust_secondary_entry as *const () as u64);
    }
    interrupts::without(|| paging::set_startup_page(TRAMPOLINE, true));
    // xAPIC addresses 8-bit IDs (0xff is broadcast): higher x2APIC IDs cannot be started here.
    let unreachable = apic_ids.iter().filter(|&&id| id > 0xfe).count();
    if unreachable > 0 {
        log::warn!("{unreachable} CPUs have x2APIC IDs above 254 and are not used");
    }
    for &apic_id in apic_ids.iter().filter(|&&id| id != boot_cpu && id <= 0xfe) {
        let index = online();
        if index >= MAX_CPUS {
            break;
        }
        // Both with a guard page below; kept for good (CPUs never stop).
        let stack = guarded_stack(crate::thread::INITIAL_STACK)?;
        let exception_stack = guarded_stack(EXCEPTION_STACK)?;
        EXCEPTION_STACK_TOPS[index].store(exception_stack, Ordering::Relaxed);
        APIC_IDS[index].store(apic_id, Ordering::Relaxed);
        // SAFETY: the data page is ours (see above); no other CPU is starting meanwhile.
        unsafe {
            ((TRAMPOLINE_DATA + 0x38) as *mut u64).write_volatile(stack);
            ((TRAMPOLINE_DATA + 0x48) as *mut u64).write_volatile(index as u64);
        }
        lapic::send_ipi(apic_id, INIT);
        delay_microseconds(10_000);
        for _ in 0..2 {
            lapic::send_ipi(apic_id, STARTUP | (TRAMPOLINE >> 12) as u32);
            for _ in 0..1000 {
                if online() > index {
                    break;
                }
                delay_microseconds(100);
            }
            if online() > index {
                break;
            }
        }
        if online() <= index {
            // Park it again, so that it cannot wake later into another CPU's stack and index.
            lapic::send_ipi(apic_id, INIT);
            log::warn!("CPU with APIC ID {apic_id} did not start; going on without it");
        }
    }
    interrupts::without(|| paging::set_startup_page(TRAMPOLINE, false));
    Ok(online())
}

/// A stack for a starting CPU, with a guard page: its top (the stack is never freed).
fn guarded_stack(size: usize) -> Result<u64, SmpError> {
    let stack = crate::thread::Stack::new_unbound(size).map_err(|_| SmpError::OutOfMemory)?;
    let top = stack.top();
    core::mem::forget(stack);
    Ok(top)
}

/// Where a started CPU enters Rust, on the stack the trampoline loaded.
#[unsafe(no_mangle)]
extern "C" fn stardust_secondary_entry(index: u64) -> ! {
    let index = index as usize;
    gdt::init_secondary(index, EXCEPTION_STACK_TOPS[index.min(MAX_CPUS - 1)].load(Ordering::Relaxed));
    crate::exceptions::load();
    set_per_cpu(index);
    lapic::start_secondary();
    ONLINE.fetch_add(1, Ordering::AcqRel);
    match ENTRY.get() {
        Some(entry) => entry(index),
        None => cpu::halt_forever(),
    }
}
