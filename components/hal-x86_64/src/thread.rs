//! Threads, the machine side: stacks with guard pages, saved register contexts, and the switch
//! between them. Policy (who runs next) and bookkeeping live in the task runtime; this module
//! keeps the invariants that make switching safe: a context is loaded at most once per save,
//! only with interrupts off, and never after its stack is gone.

use crate::{interrupts, paging};
use core::alloc::Layout;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use stardust_api::{Console, MAX_THREADS, ThreadId};

const PAGE: usize = 4096;
/// The stack a CPU other than the boot CPU starts on (its idle loop's).
pub const INITIAL_STACK: usize = 16 * 1024;

core::arch::global_asm!(
    r#"
    .pushsection .text.stardust_switch, "ax"
    .global stardust_switch_context
stardust_switch_context:
    /* rdi: where to save this thread's stack pointer; rsi: its saved flag; rdx: the next
       thread's saved flag; rcx: the next thread's stack-pointer slot; r8: this CPU's switch
       stack. The current thread is saved and published before waiting for the next one (which
       another CPU may still be saving): waiting first could close a cycle of CPUs each waiting
       for the thread another is leaving. The wait runs on the CPU's own switch stack, as the
       saved thread may already run elsewhere. */
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %r8, %rsp
    movb $1, (%rsi)
    movq $0x100000000, %r9
1:
    xorl %eax, %eax
    xchgb %al, (%rdx)
    testb %al, %al
    jnz 2f
    pause
    decq %r9
    jnz 1b
    call stardust_switch_stuck
2:
    movq (%rcx), %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    .global stardust_thread_start
stardust_thread_start:          /* a new thread's first instruction: entry(argument) */
    movq %r13, %rdi
    callq *%r12
    ud2
    .popsection
"#,
    options(att_syntax)
);

unsafe extern "C" {
    fn stardust_switch_context(
        save: *mut u64,
        saved: *mut bool,
        next_saved: *mut bool,
        next: *const u64,
        switch_stack: u64,
    );
    fn stardust_thread_start();
}

struct SavedContext {
    stack_pointer: AtomicU64,
    valid: AtomicBool,
}

static CONTEXTS: [SavedContext; MAX_THREADS] =
    [const { SavedContext { stack_pointer: AtomicU64::new(0), valid: AtomicBool::new(false) } }; MAX_THREADS];
/// Each thread's guard page (0: none), for naming the thread in a stack-overflow report.
static GUARDS: [AtomicU64; MAX_THREADS] = [const { AtomicU64::new(0) }; MAX_THREADS];
static NAMER: spin::Once<fn(ThreadId, &mut dyn core::fmt::Write)> = spin::Once::new();

/// Why a stack could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// The size is zero, or so large that it overflows.
    BadSize(usize),
    /// The heap has no room for it.
    OutOfMemory,
    /// The thread number is not below `MAX_THREADS`.
    BadThread(ThreadId),
}

/// A thread's stack: heap memory whose lowest page is unmapped as a guard. It belongs to one
/// thread number at a time, or to none (kept for reuse: see [`Stack::unbind`]).
pub struct Stack {
    memory: u64,
    layout: Layout,
    thread: Option<ThreadId>,
}

impl Stack {
    /// A stack of at least `size` bytes (rounded up to pages) for thread `thread`.
    pub fn new(thread: ThreadId, size: usize) -> Result<Stack, StackError> {
        let mut stack = Stack::new_unbound(size)?;
        stack.bind(thread)?;
        Ok(stack)
    }

    /// A stack that belongs to no thread yet (see [`Stack::bind`]).
    pub fn new_unbound(size: usize) -> Result<Stack, StackError> {
        let total = size
            .checked_next_multiple_of(PAGE)
            .filter(|&usable| usable > 0)
            .and_then(|usable| usable.checked_add(PAGE))
            .ok_or(StackError::BadSize(size))?;
        let layout = Layout::from_size_align(total, PAGE).map_err(|_| StackError::BadSize(size))?;
        // SAFETY: the layout's size is not zero.
        let memory = unsafe { alloc::alloc::alloc(layout) } as u64;
        if memory == 0 {
            return Err(StackError::OutOfMemory);
        }
        if interrupts::without(|| paging::set_guard_page(memory)).is_err() {
            // SAFETY: allocated just above with this layout, not used since.
            unsafe { alloc::alloc::dealloc(memory as *mut u8, layout) };
            return Err(StackError::OutOfMemory);
        }
        Ok(Stack { memory, layout, thread: None })
    }

    /// One past the stack's highest byte.
    pub fn top(&self) -> u64 {
        self.memory + self.layout.size() as u64
    }

    /// Bytes usable above the guard page.
    pub fn usable_size(&self) -> usize {
        self.layout.size() - PAGE
    }

    /// Detaches the stack from its thread (which must never run again): its saved context is
    /// invalidated and overflow reports no longer name it. The stack can then be bound anew.
    pub fn unbind(&mut self) {
        if let Some(thread) = self.thread.take() {
            CONTEXTS[thread as usize].valid.store(false, Ordering::Relaxed);
            GUARDS[thread as usize].store(0, Ordering::Relaxed);
        }
    }

    /// Gives an unbound stack to thread `thread`.
    pub fn bind(&mut self, thread: ThreadId) -> Result<(), StackError> {
        if thread as usize >= MAX_THREADS {
            return Err(StackError::BadThread(thread));
        }
        self.unbind();
        GUARDS[thread as usize].store(self.memory, Ordering::Relaxed);
        self.thread = Some(thread);
        Ok(())
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.unbind();
        interrupts::without(|| paging::clear_guard_page(self.memory));
        // SAFETY: allocated in `new` with this layout; its thread never runs again (its context
        // was just invalidated, so `switch` refuses it).
        unsafe { alloc::alloc::dealloc(self.memory as *mut u8, self.layout) };
    }
}

/// Makes `stack`'s thread ready to start at `entry(argument)` on its first switch (nothing
/// happens for an unbound stack).
pub fn prepare(stack: &Stack, entry: extern "C" fn(usize) -> !, argument: usize) {
    let Some(thread) = stack.thread else { return };
    // The frame `stardust_switch_context` pops: r15, r14, r13 (argument), r12 (entry), rbx, rbp,
    // then the return address; the stack pointer is 16-byte aligned minus 8 at `entry`'s start.
    let start = stardust_thread_start as *const () as u64;
    let frame: [u64; 7] = [0, 0, argument as u64, entry as *const () as u64, 0, 0, start];
    let stack_pointer = stack.top() - 16 - 8 * frame.len() as u64;
    // SAFETY: the frame lies in the stack's own memory (above its guard page, below its top),
    // which no thread uses yet.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), stack_pointer as *mut u64, frame.len()) };
    let context = &CONTEXTS[thread as usize];
    context.stack_pointer.store(stack_pointer, Ordering::Relaxed);
    context.valid.store(true, Ordering::Relaxed);
}

/// Each CPU's switch stack: where it waits for the next thread's context once the current one
/// is saved (and may already run on another CPU).
#[repr(C, align(16))]
struct SwitchStack([u8; SWITCH_STACK]);
const SWITCH_STACK: usize = 512;
static mut SWITCH_STACKS: [SwitchStack; crate::smp::MAX_CPUS] =
    [const { SwitchStack([0; SWITCH_STACK]) }; crate::smp::MAX_CPUS];

/// Switches the CPU from thread `from` (the caller) to thread `to`; returns when some CPU
/// switches back to `from`. Interrupts MUST be off (the switch panics otherwise: a kernel bug).
/// `to` MUST have a saved context (prepared, or saved by its last switch away) or be about to:
/// on several CPUs, `to` may have just been taken off another CPU, which is still saving it; the
/// switch waits for that save to complete.
pub fn switch(from: ThreadId, to: ThreadId) {
    let (from, to) = (from as usize, to as usize);
    assert!(!interrupts::enabled(), "thread switch with interrupts on");
    assert!(from < MAX_THREADS && to < MAX_THREADS && from != to, "thread switch from {from} to {to}");
    let cpu = crate::smp::cpu_index().min(crate::smp::MAX_CPUS - 1);
    let switch_stack = (&raw const SWITCH_STACKS) as u64 + ((cpu + 1) * SWITCH_STACK) as u64;
    let hooks = SWITCH_HOOKS.get();
    if let Some(hooks) = hooks {
        (hooks.leave)(from as ThreadId);
    }
    // SAFETY: `to`'s stack pointer is loaded only once its flag has been taken (set by `prepare`
    // or by the save of its last switch away, which completes before the flag is set), on a
    // stack that is still allocated (dropping a stack clears its flag), and once per save (the
    // flag is taken with an exchange). `from`'s slot is saved before its flag is set, and the
    // CPU leaves `from`'s stack for its own switch stack before that, so no CPU ever runs on a
    // stack another is still using. Interrupts are off, so this CPU's switch stack is used by
    // one switch at a time.
    unsafe {
        stardust_switch_context(
            CONTEXTS[from].stack_pointer.as_ptr(),
            CONTEXTS[from].valid.as_ptr(),
            CONTEXTS[to].valid.as_ptr(),
            CONTEXTS[to].stack_pointer.as_ptr(),
            switch_stack,
        )
    };
    if let Some(hooks) = hooks {
        (hooks.resume)(from as ThreadId);
    }
}

/// What a thread switch does for state beyond the registers it saves (user mode's FPU, FS base
/// and kernel stack: see `user.rs`): `leave` runs on the thread being switched away from before
/// the switch, `resume` on the same thread once some CPU switches back to it.
pub(crate) struct SwitchHooks {
    pub(crate) leave: fn(ThreadId),
    pub(crate) resume: fn(ThreadId),
}

pub(crate) static SWITCH_HOOKS: spin::Once<SwitchHooks> = spin::Once::new();

/// Reached only if a switch waited billions of times for a context that never came: a kernel bug.
#[unsafe(no_mangle)]
extern "C" fn stardust_switch_stuck() -> ! {
    crate::serial::SERIAL.write_bytes(b"\nstardust: a thread switch waited forever for a context (kernel bug)\n");
    crate::power::exit(crate::exit_code::CPU_EXCEPTION)
}

/// True once `thread` is off every CPU with its context saved (or was never started): its
/// stack can then be reused.
pub fn is_suspended(thread: ThreadId) -> bool {
    CONTEXTS.get(thread as usize).is_some_and(|context| context.valid.load(Ordering::Acquire))
}

/// The thread whose stack guard page holds `address`, if any.
pub fn guard_owner(address: u64) -> Option<ThreadId> {
    GUARDS
        .iter()
        .position(|guard| {
            let start = guard.load(Ordering::Relaxed);
            start != 0 && (start..start + PAGE as u64).contains(&address)
        })
        .map(|index| index as ThreadId)
}

/// Sets how crash reports name a thread (once).
pub fn set_namer(namer: fn(ThreadId, &mut dyn core::fmt::Write)) {
    NAMER.call_once(|| namer);
}

pub(crate) fn write_name(thread: ThreadId, out: &mut dyn core::fmt::Write) {
    match NAMER.get() {
        Some(namer) => namer(thread, out),
        None => {
            let _ = write!(out, "#{thread}");
        }
    }
}
