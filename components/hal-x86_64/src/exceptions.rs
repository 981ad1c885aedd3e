//! CPU exceptions: an entry stub for each of the 32 vectors, the IDT, and the report.
//!
//! Every exception is fatal: the kernel prints the vector, its name, RIP, the error code and,
//! for a page fault, the faulting address with what it most likely means, then leaves the VM
//! with [`exit_code::CPU_EXCEPTION`] (or [`exit_code::STACK_OVERFLOW`] for a guard-page hit).

use crate::{exit_code, gdt, paging, power, serial::SERIAL};
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};
use stardust_api::Console;

/// Vectors for which the CPU pushes an error code: 8, 10-14, 17, 21, 29, 30.
const ERROR_CODE_VECTORS: u32 = 0x6022_7d00;
const STUB_SIZE: u64 = 16;
const VECTORS: usize = 32;
const IDT_ENTRIES: usize = 256;
const KERNEL_CODE_SELECTOR: u64 = 0x08;
const INTERRUPT_GATE: u64 = 0x8e;

core::arch::global_asm!(
    r#"
    /* The general registers, pushed and popped in ExceptionFrame's order (both entries). */
    .macro save_registers
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    .endm
    .macro restore_registers
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    .endm

    .pushsection .text.stardust_exceptions, "ax"
    .balign 16
    .global stardust_exception_stubs
stardust_exception_stubs:
    .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16
    .if (({error_code_vectors} >> \vector) & 1) == 0
    pushq $0
    .endif
    pushq $\vector
    jmp exception_common
    .endr

    /* Interrupts: the local APIC timer, the APIC's spurious vector, the wake and flush IPIs. */
    .balign 16
    .global stardust_interrupt_stubs
stardust_interrupt_stubs:
    pushq $0
    pushq ${timer_vector}
    jmp exception_common
    .balign 16
    pushq $0
    pushq ${spurious_vector}
    jmp exception_common
    .balign 16
    pushq $0
    pushq ${wake_vector}
    jmp exception_common
    .balign 16
    pushq $0
    pushq ${flush_vector}
    jmp exception_common
    /* Device interrupts routed by the I/O APIC (interrupts::register_device). */
    .irp index, 0,1,2,3
    .balign 16
    pushq $0
    pushq $({device_vector} + \index)
    jmp exception_common
    .endr

exception_common:
    /* From user mode (the interrupted CS has RPL 3): swap in the kernel's GS base. */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
    pushq $2                   /* RFLAGS 2: AC (and DF) clear, whatever the program left */
    popfq
1:
    save_registers
    movq %rsp, %rdi
    cld
    call stardust_trap
    /* Also where a thread enters user mode: RSP at an ExceptionFrame (see user.rs). */
    .global stardust_trap_return
stardust_trap_return:
    restore_registers
    addq $16, %rsp
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:
    iretq
    .popsection

    /* SYSCALL from user mode (see user.rs): RCX = return RIP, R11 = RFLAGS, interrupts off
       (FMASK). The thread's kernel stack is the per-CPU area's (gs:16); the frame is an
       ExceptionFrame, so handlers and a new thread's first entry share one layout. */
    .pushsection .text.stardust_syscall, "ax"
    .global stardust_syscall_entry
stardust_syscall_entry:
    swapgs
    movq %rsp, %gs:8
    movq %gs:16, %rsp
    pushq ${user_data}
    pushq %gs:8
    pushq %r11
    pushq ${user_code}
    pushq %rcx
    pushq $0
    pushq ${syscall_vector}
    save_registers
    movq %rsp, %rdi
    cld
    call stardust_syscall
    restore_registers
    addq $16, %rsp
    /* RIP, CS, RFLAGS, RSP, SS: SYSRET takes RIP from RCX and RFLAGS from R11. */
    popq %rcx
    addq $8, %rsp
    popq %r11
    popq %rsp
    swapgs
    sysretq
    .popsection
"#,
    error_code_vectors = const ERROR_CODE_VECTORS,
    timer_vector = const crate::interrupts::TIMER_VECTOR,
    spurious_vector = const crate::interrupts::SPURIOUS_VECTOR,
    wake_vector = const crate::interrupts::WAKE_VECTOR,
    flush_vector = const crate::interrupts::FLUSH_VECTOR,
    device_vector = const crate::interrupts::DEVICE_VECTORS.start,
    user_data = const gdt::USER_DATA_SELECTOR,
    user_code = const gdt::USER_CODE_SELECTOR,
    syscall_vector = const crate::user::SYSCALL_VECTOR,
    options(att_syntax)
);

unsafe extern "C" {
    static stardust_exception_stubs: u8;
    static stardust_interrupt_stubs: u8;
}

/// The registers as the stub leaves them on the stack (also a system call's, see `user.rs`).
#[repr(C)]
#[derive(Debug, Clone, Default)]
pub struct ExceptionFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

#[repr(C, align(16))]
struct Idt([u64; IDT_ENTRIES * 2]);

static mut IDT: Idt = Idt([0; IDT_ENTRIES * 2]);

/// Vectors that run on the emergency stack: NMI, double fault, page fault, machine check.
fn uses_emergency_stack(vector: usize) -> bool {
    matches!(vector, 2 | 8 | 14 | 18)
}

pub(crate) fn init() {
    let stubs = (&raw const stardust_exception_stubs) as u64;
    let interrupt_stubs = (&raw const stardust_interrupt_stubs) as u64;
    let gates = (0..VECTORS)
        .map(|vector| (vector, stubs + vector as u64 * STUB_SIZE))
        .chain([
            (usize::from(crate::interrupts::TIMER_VECTOR), interrupt_stubs),
            (usize::from(crate::interrupts::SPURIOUS_VECTOR), interrupt_stubs + STUB_SIZE),
            (usize::from(crate::interrupts::WAKE_VECTOR), interrupt_stubs + 2 * STUB_SIZE),
            (usize::from(crate::interrupts::FLUSH_VECTOR), interrupt_stubs + 3 * STUB_SIZE),
        ])
        .chain(
            crate::interrupts::DEVICE_VECTORS
                .enumerate()
                .map(|(index, vector)| (usize::from(vector), interrupt_stubs + (4 + index as u64) * STUB_SIZE)),
        );
    // SAFETY: runs once on the boot CPU with interrupts off; the IDT is written before `lidt`
    // loads it, and every entry points at a stub in the blocks above.
    unsafe {
        let idt = (&raw mut IDT).cast::<u64>();
        for (vector, handler) in gates {
            let ist = if uses_emergency_stack(vector) { u64::from(gdt::EMERGENCY_IST) } else { 0 };
            // int3 and into may be used by a program (ring 3): their gates allow it (DPL 3), so
            // they arrive as #BP/#OF, not #GP.
            let gate = if matches!(vector, 3 | 4) { INTERRUPT_GATE | 0x60 } else { INTERRUPT_GATE };
            let low = (handler & 0xffff)
                | KERNEL_CODE_SELECTOR << 16
                | ist << 32
                | gate << 40
                | ((handler >> 16) & 0xffff) << 48;
            idt.add(vector * 2).write(low);
            idt.add(vector * 2 + 1).write(handler >> 32);
        }
    }
    load();
}

/// Loads the IDT on the calling CPU (every CPU shares it).
pub(crate) fn load() {
    #[repr(C, packed)]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let pointer = Pointer { limit: (IDT_ENTRIES * 16 - 1) as u16, base: (&raw const IDT) as u64 };
    // SAFETY: the IDT is filled by `init` before any CPU loads it and never changes after.
    unsafe { core::arch::asm!("lidt [{0}]", in(reg) &pointer, options(readonly, nostack, preserves_flags)) };
}

pub(crate) fn name(vector: u64) -> &'static str {
    const NAMES: [&str; 22] = [
        "divide error (#DE)",
        "debug (#DB)",
        "non-maskable interrupt (NMI)",
        "breakpoint (#BP)",
        "overflow (#OF)",
        "bound range exceeded (#BR)",
        "invalid opcode (#UD)",
        "device not available (#NM)",
        "double fault (#DF)",
        "coprocessor segment overrun",
        "invalid TSS (#TS)",
        "segment not present (#NP)",
        "stack-segment fault (#SS)",
        "general protection fault (#GP)",
        "page fault (#PF)",
        "reserved",
        "x87 floating-point error (#MF)",
        "alignment check (#AC)",
        "machine check (#MC)",
        "SIMD floating-point error (#XM)",
        "virtualization exception (#VE)",
        "control protection (#CP)",
    ];
    NAMES.get(vector as usize).copied().unwrap_or("reserved")
}

const PAGE_FAULT: u64 = 14;

/// What a page fault's error code and address most likely mean.
pub(crate) fn page_fault_cause(error_code: u64, address: u64) -> &'static str {
    let present = error_code & 1 != 0;
    let write = error_code & 2 != 0;
    let fetch = error_code & 16 != 0;
    match (present, write, fetch) {
        _ if address < 4096 => "null pointer dereference",
        (true, _, true) => "instruction fetch from a no-execute page (stack, heap or data)",
        (true, true, _) => "write to a read-only page (code or constant data)",
        (false, _, true) => "jump to an unmapped address",
        (false, true, _) => "write to an unmapped address",
        (false, false, _) => "read from an unmapped address",
        _ => "protection violation",
    }
}

fn read_cr2() -> u64 {
    let value: u64;
    // SAFETY: reading CR2 has no side effect.
    unsafe { core::arch::asm!("mov {0}, cr2", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}

/// The CPU reporting an exception (`usize::MAX`: none). A second exception on that CPU means the
/// report itself failed; one on another CPU waits (halted) so as not to cut the report short.
static REPORTING: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Called by every stub with interrupts off: device interrupts go to their handlers (and
/// return), CPU exceptions are reported (and never return).
#[unsafe(no_mangle)]
extern "C" fn stardust_trap(frame: &mut ExceptionFrame) {
    if frame.vector >= VECTORS as u64 {
        crate::interrupts::dispatch(frame.vector as u8);
        return;
    }
    if frame.cs & 3 == 3 && crate::user::fault(frame, read_cr2()) {
        return;
    }
    report(frame);
}

/// Reports a CPU exception and ends the VM. Runs on the faulting stack or the emergency stack.
fn report(frame: &ExceptionFrame) -> ! {
    // The console has no lock to take: this path cannot deadlock on one.
    let mut out = &SERIAL;
    // The APIC ID, not the per-CPU index: an NMI or machine check in a user-mode entry's first
    // instructions runs with the program's GS, and reading the per-CPU area would fault again.
    let me = crate::cpu::apic_id() as usize;
    if let Err(reporter) = REPORTING.compare_exchange(usize::MAX, me, Ordering::AcqRel, Ordering::Acquire) {
        if reporter == me {
            out.write_bytes(b"\nstardust: CPU exception while reporting a CPU exception\n");
            power::exit(exit_code::CPU_EXCEPTION);
        }
        crate::cpu::halt_forever();
    }
    let fault_address = read_cr2();
    if frame.vector == PAGE_FAULT {
        if let Some(stack) = paging::guarded_stack(fault_address) {
            let _ = writeln!(
                out,
                "\nstardust: stack overflow: {stack} ran into its guard page at {fault_address:#x} (RIP {:#x})",
                frame.rip
            );
            power::exit(exit_code::STACK_OVERFLOW);
        }
        if let Some(thread) = crate::thread::guard_owner(fault_address) {
            let _ = write!(out, "\nstardust: stack overflow: thread '");
            crate::thread::write_name(thread, &mut out);
            let _ = writeln!(out, "' ran into its stack's guard page at {fault_address:#x} (RIP {:#x})", frame.rip);
            power::exit(exit_code::STACK_OVERFLOW);
        }
    }
    let _ = writeln!(
        out,
        "\nstardust: CPU exception {} {}: RIP {:#x}, error code {:#x}, RSP {:#x}",
        frame.vector,
        name(frame.vector),
        frame.rip,
        frame.error_code,
        frame.rsp
    );
    if frame.vector == PAGE_FAULT {
        let _ = writeln!(
            out,
            "stardust: faulting address {fault_address:#x}: {}",
            page_fault_cause(frame.error_code, fault_address)
        );
    }
    power::exit(exit_code::CPU_EXCEPTION);
}
