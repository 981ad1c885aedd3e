//! Loading the program: its segments into user pages, its stack, its auxiliary vector.
//!
//! The user region is [`hal::user::USER_BASE`]..[`hal::user::USER_END`] (512 GiB..1 TiB): a
//! static-pie is placed at [`PIE_BASE`]; an `ET_EXEC` must be linked inside the region (one
//! linked at Linux's default 0x400000 lies where the kernel keeps RAM and is refused, with the
//! advice to build a static-pie). The stack is [`STACK_SIZE`] bytes at the top of the
//! region with an unmapped guard page below it; `mmap` fills the space between, top down.

use crate::memory::reserve_pages;
use alloc::string::String;
use core::fmt;
use hal::user::{PAGE, Rights, USER_BASE, USER_END};
use stardust_elf::{ElfError, Kind, Process};
use stardust_linux_abi::{DEFAULT_MAX_REGIONS, Protection, UserMemory};

/// Where a static-pie's lowest page goes (the user region's start plus Linux's usual 4 MiB).
pub const PIE_BASE: u64 = USER_BASE + (4 << 20);
/// The program's stack (Linux's default RLIMIT_STACK), backed as it is used; below it a guard
/// page.
pub const STACK_SIZE: u64 = 8 << 20;
/// The most the argument and environment strings may take on the stack.
const MAX_ARGUMENT_BYTES: usize = 64 * 1024;

/// Why a program cannot run.
#[derive(Debug)]
pub enum LoadError {
    /// Not a program this kernel runs (the ELF reader says why).
    Elf(ElfError),
    /// An ET_EXEC linked outside the user region.
    OutsideUserRegion { start: u64, end: u64 },
    /// The heap had no room for its pages.
    OutOfMemory,
    /// The arguments and environment do not fit on the stack.
    ArgumentsTooLarge,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Elf(error) => write!(f, "{error}"),
            LoadError::OutsideUserRegion { start, end } => write!(
                f,
                "it is linked for fixed addresses {start:#x}..{end:#x}, outside the user region \
                 {USER_BASE:#x}..{USER_END:#x} (the kernel keeps the low addresses): build it as a static-pie"
            ),
            LoadError::OutOfMemory => f.write_str("not enough memory for its pages (give the VM more with --mem)"),
            LoadError::ArgumentsTooLarge => {
                write!(f, "its arguments and environment take more than {MAX_ARGUMENT_BYTES} bytes")
            }
        }
    }
}

/// A loaded program, ready to enter.
pub struct Start {
    /// Where it starts.
    pub entry: u64,
    /// Its initial RSP (at argc).
    pub stack_pointer: u64,
    /// Its mappings, for mmap and friends.
    pub memory: UserMemory,
    /// The end of its data: `brk`'s start.
    pub program_break: u64,
}

fn rights(read: bool, write: bool, execute: bool) -> (Rights, Protection) {
    (Rights { accessible: read || write || execute, write, execute }, Protection { read, write, execute })
}

/// Loads `bytes` and builds its stack with `arguments` and `environment`.
pub fn load(bytes: &[u8], arguments: &[String], environment: &[String]) -> Result<Start, LoadError> {
    let program = stardust_elf::parse(bytes).map_err(LoadError::Elf)?;
    let base = match program.kind() {
        Kind::Exec => 0,
        Kind::StaticPie => PIE_BASE.next_multiple_of(program.base_alignment().max(PAGE)),
    };
    let layout = program.layout(base).map_err(LoadError::Elf)?;
    let stack_top = USER_END;
    let stack_bottom = stack_top - STACK_SIZE;
    let guard = stack_bottom - PAGE;
    if layout.start() < USER_BASE || layout.end() > guard {
        return Err(LoadError::OutsideUserRegion { start: layout.start(), end: layout.end() });
    }
    let mut memory = UserMemory::with_floor(USER_BASE, USER_END, DEFAULT_MAX_REGIONS);

    let size = usize::try_from(layout.size()).map_err(|_| LoadError::OutOfMemory)?;
    let mut image = alloc::vec::Vec::new();
    image.try_reserve_exact(size).map_err(|_| LoadError::OutOfMemory)?;
    image.resize(size, 0);
    layout.load(&program, bytes, &mut image).map_err(|_| LoadError::OutOfMemory)?;
    layout.apply_relocations(&program, &mut image).map_err(|_| LoadError::OutOfMemory)?;
    for range in layout.pages() {
        let permissions = range.permissions;
        let (page_rights, protection) = rights(permissions.read, permissions.write, permissions.execute);
        hal::user::map(range.start, range.end - range.start, page_rights).map_err(|_| LoadError::OutOfMemory)?;
        memory.map(range.start, range.end - range.start, protection).map_err(|_| LoadError::OutOfMemory)?;
        let offset = (range.start - layout.start()) as usize;
        let contents = &image[offset..offset + (range.end - range.start) as usize];
        hal::user::load(range.start, contents).map_err(|_| LoadError::OutOfMemory)?;
    }
    drop(image);

    // The stack, and its guard page (reserved in the bookkeeping, never backed).
    let (stack_rights, stack_protection) = rights(true, true, false);
    reserve_pages(stack_bottom, STACK_SIZE, stack_rights).map_err(|_| LoadError::OutOfMemory)?;
    memory.map(stack_bottom, STACK_SIZE, stack_protection).map_err(|_| LoadError::OutOfMemory)?;
    memory.map(guard, PAGE, Protection::NONE).map_err(|_| LoadError::OutOfMemory)?;

    let name = arguments.first().map_or("program", String::as_str);
    let mut process = Process::new(&program, &layout, name.as_bytes(), random_bytes());
    process.hardware_capabilities = u64::from(hal::cpu::cpuid(1).3);
    let stack = stardust_elf::initial_stack(&process, arguments, environment, stack_top, MAX_ARGUMENT_BYTES)
        .map_err(|_| LoadError::ArgumentsTooLarge)?;
    hal::user::write(stack.stack_pointer, &stack.bytes).map_err(|_| LoadError::ArgumentsTooLarge)?;
    Ok(Start { entry: layout.entry(), stack_pointer: stack.stack_pointer, memory, program_break: layout.end() })
}

/// 16 bytes for `AT_RANDOM`: the CPU's generator, else the time stamp counter stirred.
fn random_bytes() -> [u8; 16] {
    let mut bytes = [0; 16];
    for (index, chunk) in bytes.chunks_mut(8).enumerate() {
        let value = crate::process::random_u64(index as u64);
        chunk.copy_from_slice(&value.to_le_bytes());
    }
    bytes
}
