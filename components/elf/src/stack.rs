//! The initial process stack, as Linux lays it out for a new program (the x86-64 psABI's
//! "Process Initialization", with Linux's auxiliary vector and string order).
//!
//! From the top down: 8 zero bytes; the strings, each NUL-terminated (at rising addresses: the
//! arguments, the environment entries, the executable's name); alignment to 16; the platform
//! string `x86_64`; the 16 random bytes of `AT_RANDOM`; padding; then the table that the stack
//! pointer points at: argc, the argument pointers and a NULL, the environment pointers and a
//! NULL, and the auxiliary vector's (type, value) pairs ending with `AT_NULL`. The padding puts
//! the stack pointer on a 16-byte boundary, as the psABI requires at process entry.

use alloc::vec;
use alloc::vec::Vec;

use crate::StackError;
use crate::layout::Layout;
use crate::program::Program;

const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_EXECFN: u64 = 31;

/// `AT_CLKTCK`: the clock ticks per second that `times()` counts in, Linux's `USER_HZ`.
const CLOCK_TICKS_PER_SECOND: u64 = 100;
/// `AT_PLATFORM`'s string, as Linux gives it on x86-64.
const PLATFORM: &[u8] = b"x86_64\0";
/// The zero word Linux leaves at the very top of a new stack.
const END_MARKER: u64 = 8;
/// The psABI's stack alignment at process entry.
const STACK_ALIGNMENT: i128 = 16;
const WORD: i128 = 8;
/// Auxiliary-vector entries written, `AT_NULL` included.
const AUXILIARY_ENTRIES: usize = 18;

/// What the auxiliary vector tells a new program about itself and its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process<'a> {
    /// `AT_ENTRY`: the entry point at the base.
    pub entry: u64,
    /// `AT_PHDR`: the program-header table's address at the base.
    pub program_headers: u64,
    /// `AT_PHENT`: the size of one program header.
    pub program_header_size: u16,
    /// `AT_PHNUM`: the number of program headers.
    pub program_header_count: u16,
    /// `AT_EXECFN`: the name the program was started by (no NUL inside).
    pub executable_name: &'a [u8],
    /// `AT_RANDOM`: 16 unpredictable bytes (libc seeds its stack protector and pointer guard
    /// with them).
    pub random: [u8; 16],
    /// `AT_UID`, `AT_EUID`, `AT_GID` and `AT_EGID`, all this value: musl turns on its secure mode
    /// when they differ.
    pub identity: u32,
    /// `AT_HWCAP`: CPUID leaf 1's EDX, as Linux reports it (0: claim nothing).
    pub hardware_capabilities: u64,
}

impl<'a> Process<'a> {
    /// The values for `program` placed at `layout`, with identity 0 (root, as a unikernel's one
    /// program is) and no hardware capabilities claimed.
    pub fn new(program: &Program, layout: &Layout, executable_name: &'a [u8], random: [u8; 16]) -> Process<'a> {
        let headers = program.program_headers();
        Process {
            entry: layout.entry(),
            program_headers: layout.program_headers(),
            program_header_size: headers.entry_size,
            program_header_count: headers.count,
            executable_name,
            random,
            identity: 0,
            hardware_capabilities: 0,
        }
    }
}

/// A built stack: `bytes` are the memory from `stack_pointer` up to the top address given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialStack {
    /// The stack's contents; `bytes[0]` is at `stack_pointer`.
    pub bytes: Vec<u8>,
    /// The initial RSP: it points at argc and is a multiple of 16.
    pub stack_pointer: u64,
}

/// Builds a new program's stack below `top` (the address after the stack's highest byte), as
/// Linux does for `execve`: argc, argv, envp, the auxiliary vector, then the strings they point
/// at. At most `max_size` bytes are used.
///
/// Errors: [`StackError::NulInString`] (an argument, an environment entry or the name holds a
/// NUL byte), [`StackError::TooLarge`] (more than `max_size` bytes needed),
/// [`StackError::TopTooLow`] (the bytes needed would go below address 0).
pub fn initial_stack<Argument: AsRef<[u8]>, Variable: AsRef<[u8]>>(
    process: &Process<'_>,
    arguments: &[Argument],
    environment: &[Variable],
    top: u64,
    max_size: usize,
) -> Result<InitialStack, StackError> {
    let strings = || {
        arguments
            .iter()
            .map(AsRef::as_ref)
            .chain(environment.iter().map(AsRef::as_ref))
            .chain(core::iter::once(process.executable_name))
    };
    if strings().any(|string| string.contains(&0)) {
        return Err(StackError::NulInString);
    }
    // Addresses are computed as i128 first, so that a request too large for the limit is
    // reported as such even when it would also reach below address 0.
    let string_sizes: i128 = strings().map(|string| string.len() as i128 + 1).sum();
    let name_offset: i128 =
        strings().take(arguments.len() + environment.len()).map(|string| string.len() as i128 + 1).sum();
    let strings_start = i128::from(top) - i128::from(END_MARKER) - string_sizes;
    let platform = align_down(strings_start) - PLATFORM.len() as i128;
    let random = platform - process.random.len() as i128;
    // argc, each pointer, the NULL after argv and after envp, and the auxiliary pairs.
    let pointer_count = 1 + arguments.len() as i128 + 1 + environment.len() as i128 + 1 + 2 * AUXILIARY_ENTRIES as i128;
    let stack_pointer = align_down(random - pointer_count * WORD);

    let size = i128::from(top) - stack_pointer;
    if size > max_size as i128 {
        return Err(StackError::TooLarge { needed: u64::try_from(size).unwrap_or(u64::MAX), limit: max_size as u64 });
    }
    let too_low = StackError::TopTooLow { top };
    let address = |value: i128| u64::try_from(value).map_err(|_| too_low);
    let (stack_pointer, strings_start, platform, random) =
        (address(stack_pointer)?, address(strings_start)?, address(platform)?, address(random)?);
    let executable_name = address(i128::from(strings_start) + name_offset)?;

    let identity = u64::from(process.identity);
    let auxiliary: [(u64, u64); AUXILIARY_ENTRIES] = [
        (AT_HWCAP, process.hardware_capabilities),
        (AT_PAGESZ, crate::PAGE_SIZE),
        (AT_CLKTCK, CLOCK_TICKS_PER_SECOND),
        (AT_PHDR, process.program_headers),
        (AT_PHENT, u64::from(process.program_header_size)),
        (AT_PHNUM, u64::from(process.program_header_count)),
        // No interpreter was loaded: a static-pie's start-up code then finds its base itself.
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, process.entry),
        (AT_UID, identity),
        (AT_EUID, identity),
        (AT_GID, identity),
        (AT_EGID, identity),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_EXECFN, executable_name),
        (AT_PLATFORM, platform),
        (AT_NULL, 0),
    ];

    // The size fits in max_size, a usize.
    let mut stack = Writer { bytes: vec![0; usize::try_from(size).unwrap_or(0)], base: stack_pointer };
    let mut string_address = strings_start;
    let mut string_addresses = Vec::with_capacity(arguments.len() + environment.len() + 1);
    for string in strings() {
        string_addresses.push(string_address);
        stack.put(string_address, string);
        string_address = string_address.saturating_add(string.len() as u64 + 1);
    }
    stack.put(platform, PLATFORM);
    stack.put(random, &process.random);

    let mut cursor = stack_pointer;
    let mut push = |value: u64| {
        stack.put(cursor, &value.to_le_bytes());
        cursor = cursor.saturating_add(WORD as u64);
    };
    push(arguments.len() as u64);
    let (argument_addresses, rest) = string_addresses.split_at(arguments.len().min(string_addresses.len()));
    for &pointer in argument_addresses {
        push(pointer);
    }
    push(0);
    for &pointer in rest.iter().take(environment.len()) {
        push(pointer);
    }
    push(0);
    for (key, value) in auxiliary {
        push(key);
        push(value);
    }

    Ok(InitialStack { bytes: stack.bytes, stack_pointer })
}

/// Rounds down to the psABI's alignment; below zero too (two's complement), so that a stack
/// that does not fit is still measured correctly.
const fn align_down(address: i128) -> i128 {
    address & !(STACK_ALIGNMENT - 1)
}

/// The stack's bytes, addressed as memory.
struct Writer {
    bytes: Vec<u8>,
    base: u64,
}

impl Writer {
    /// Writes `data` at `address`, and for a string its NUL (already zero). Every address comes
    /// from the sizes computed above, inside `bytes`.
    fn put(&mut self, address: u64, data: &[u8]) {
        let start = address.checked_sub(self.base).and_then(|offset| usize::try_from(offset).ok());
        let end = start.and_then(|start| start.checked_add(data.len()));
        if let (Some(start), Some(end)) = (start, end)
            && let Some(target) = self.bytes.get_mut(start..end)
        {
            target.copy_from_slice(data);
        }
    }
}
