//! `initial_stack`: the layout a new Linux process finds, read back word by word.

use std::collections::BTreeMap;

use super::builder::ElfBuilder;
use crate::{InitialStack, Process, StackError, initial_stack, parse};

const TOP: u64 = 0x7fff_ffff_f000;
const LIMIT: usize = 64 * 1024;

pub(crate) fn process() -> Process<'static> {
    Process {
        entry: 0x40_1000,
        program_headers: 0x40_0040,
        program_header_size: 56,
        program_header_count: 9,
        executable_name: b"/bin/hello",
        random: *b"0123456789abcdef",
        identity: 0,
        hardware_capabilities: 0x178b_fbff,
    }
}

/// What a program's start-up code reads from its stack.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) arguments: Vec<Vec<u8>>,
    pub(crate) environment: Vec<Vec<u8>>,
    pub(crate) auxiliary: Vec<(u64, u64)>,
}

impl Decoded {
    pub(crate) fn value(&self, key: u64) -> Option<u64> {
        self.auxiliary.iter().find(|(found, _)| *found == key).map(|&(_, value)| value)
    }
}

/// Reads the stack as musl's `__libc_start_main` would: argc, argv up to NULL, envp up to NULL,
/// the auxiliary vector up to AT_NULL. Panics (failing the test) on anything out of place.
pub(crate) fn decode(stack: &InitialStack, top: u64) -> Decoded {
    assert_eq!(stack.stack_pointer % 16, 0, "RSP must be 16-byte aligned at entry");
    assert_eq!(stack.bytes.len() as u64, top - stack.stack_pointer);
    let word = |address: u64| {
        let at = (address - stack.stack_pointer) as usize;
        u64::from_le_bytes(stack.bytes[at..at + 8].try_into().unwrap())
    };
    let string = |address: u64| {
        let at = (address - stack.stack_pointer) as usize;
        let length = stack.bytes[at..].iter().position(|&byte| byte == 0).expect("a NUL-terminated string");
        stack.bytes[at..at + length].to_vec()
    };
    let mut cursor = stack.stack_pointer;
    let mut next = || {
        let value = word(cursor);
        cursor += 8;
        value
    };
    let count = next();
    let arguments: Vec<_> = (0..count).map(|_| next()).collect();
    assert_eq!(next(), 0, "argv ends with NULL");
    let mut environment = Vec::new();
    loop {
        match next() {
            0 => break,
            pointer => environment.push(pointer),
        }
    }
    let mut auxiliary = Vec::new();
    loop {
        let key = next();
        let value = next();
        if key == 0 {
            break;
        }
        auxiliary.push((key, value));
    }
    assert_eq!(word(top - 8), 0, "the stack ends with a zero word");
    Decoded {
        arguments: arguments.into_iter().map(string).collect(),
        environment: environment.into_iter().map(string).collect(),
        auxiliary,
    }
}

#[test]
fn the_stack_holds_argc_argv_envp_and_the_auxiliary_vector() {
    let stack = initial_stack(&process(), &["hello", "world"], &["HOME=/", "TERM=dumb"], TOP, LIMIT).unwrap();
    let decoded = decode(&stack, TOP);
    assert_eq!(decoded.arguments, [b"hello".to_vec(), b"world".to_vec()]);
    assert_eq!(decoded.environment, [b"HOME=/".to_vec(), b"TERM=dumb".to_vec()]);
    let auxiliary: BTreeMap<u64, u64> = decoded.auxiliary.iter().copied().collect();
    assert_eq!(auxiliary.len(), decoded.auxiliary.len(), "no key twice");
    assert_eq!(auxiliary[&3], 0x40_0040); // AT_PHDR
    assert_eq!(auxiliary[&4], 56); // AT_PHENT
    assert_eq!(auxiliary[&5], 9); // AT_PHNUM
    assert_eq!(auxiliary[&6], 4096); // AT_PAGESZ
    assert_eq!(auxiliary[&7], 0); // AT_BASE: no interpreter
    assert_eq!(auxiliary[&9], 0x40_1000); // AT_ENTRY
    for key in [11, 12, 13, 14] {
        assert_eq!(auxiliary[&key], 0, "AT_UID, AT_EUID, AT_GID, AT_EGID");
    }
    assert_eq!(auxiliary[&16], 0x178b_fbff); // AT_HWCAP
    assert_eq!(auxiliary[&17], 100); // AT_CLKTCK
    assert_eq!(auxiliary[&23], 0); // AT_SECURE
    let at = |address: u64, length: usize| {
        let start = (address - stack.stack_pointer) as usize;
        stack.bytes[start..start + length].to_vec()
    };
    assert_eq!(at(auxiliary[&25], 16), b"0123456789abcdef"); // AT_RANDOM
    assert_eq!(at(auxiliary[&15], 7), b"x86_64\0"); // AT_PLATFORM
    assert_eq!(at(auxiliary[&31], 11), b"/bin/hello\0"); // AT_EXECFN
    // Linux's order of the strings: arguments, environment, name, then the zero word at the top.
    assert_eq!(at(TOP - 8 - 11, 11), b"/bin/hello\0");
    assert_eq!(at(TOP - 8 - 11 - 10 - 7 - 6 - 6, 6), b"hello\0");
    // AT_RANDOM's bytes sit below the platform string, both above the pointer table.
    assert!(auxiliary[&25] + 16 <= auxiliary[&15]);
    assert!(stack.stack_pointer + 8 * (1 + 3 + 3 + 2 * 18) <= auxiliary[&25]);
}

#[test]
fn the_identity_is_the_same_in_all_four_entries() {
    let process = Process { identity: 1000, ..process() };
    let decoded = decode(&initial_stack(&process, &["a"], &[""; 0], TOP, LIMIT).unwrap(), TOP);
    for key in [11, 12, 13, 14] {
        assert_eq!(decoded.value(key), Some(1000));
    }
}

#[test]
fn the_stack_pointer_is_aligned_for_every_top_and_count() {
    let names = ["a", "bb", "ccc", "dddd", "", "ffffff"];
    for misalignment in 0..16 {
        for count in 0..names.len() {
            for variables in 0..3 {
                let top = TOP - misalignment;
                let stack = initial_stack(&process(), &names[..count], &names[..variables], top, LIMIT).unwrap();
                let decoded = decode(&stack, top);
                assert_eq!(decoded.arguments.len(), count);
                assert_eq!(decoded.environment.len(), variables);
            }
        }
    }
}

#[test]
fn an_empty_command_line_still_gives_a_valid_stack() {
    let decoded = decode(&initial_stack::<&str, &str>(&process(), &[], &[], TOP, LIMIT).unwrap(), TOP);
    assert!(decoded.arguments.is_empty() && decoded.environment.is_empty());
    assert_eq!(decoded.value(0), None);
}

#[test]
fn the_limit_is_exact() {
    let stack = initial_stack(&process(), &["hello"], &["A=B"], TOP, LIMIT).unwrap();
    let needed = stack.bytes.len();
    assert!(initial_stack(&process(), &["hello"], &["A=B"], TOP, needed).is_ok());
    assert_eq!(
        initial_stack(&process(), &["hello"], &["A=B"], TOP, needed - 1),
        Err(StackError::TooLarge { needed: needed as u64, limit: needed as u64 - 1 })
    );
    let long = "x".repeat(LIMIT);
    assert!(matches!(
        initial_stack(&process(), &[long.as_str()], &[""; 0], TOP, LIMIT),
        Err(StackError::TooLarge { limit, .. }) if limit == LIMIT as u64
    ));
}

#[test]
fn a_top_too_low_is_refused() {
    assert_eq!(initial_stack(&process(), &["hello"], &[""; 0], 256, LIMIT), Err(StackError::TopTooLow { top: 256 }));
    assert_eq!(initial_stack(&process(), &["hello"], &[""; 0], 0, LIMIT), Err(StackError::TopTooLow { top: 0 }));
    // The limit is checked first: a request that is too large says so even at a low top.
    assert!(matches!(initial_stack(&process(), &["hello"], &[""; 0], 0, 16), Err(StackError::TooLarge { .. })));
}

#[test]
fn strings_with_a_nul_are_refused() {
    assert_eq!(initial_stack(&process(), &["a\0b"], &[""; 0], TOP, LIMIT), Err(StackError::NulInString));
    assert_eq!(initial_stack(&process(), &["a"], &["A=\0"], TOP, LIMIT), Err(StackError::NulInString));
    let process = Process { executable_name: b"x\0", ..process() };
    assert_eq!(initial_stack(&process, &["a"], &[""; 0], TOP, LIMIT), Err(StackError::NulInString));
}

#[test]
fn the_process_values_come_from_the_program_and_layout() {
    let program = parse(&ElfBuilder::static_pie().build()).unwrap();
    let layout = program.layout(0x40_0000).unwrap();
    let process = Process::new(&program, &layout, b"hello", [7; 16]);
    assert_eq!(process.entry, 0x40_1000);
    assert_eq!(process.program_headers, 0x40_0040);
    assert_eq!((process.program_header_size, process.program_header_count), (56, 6));
    assert_eq!(process.identity, 0);
    let decoded = decode(&initial_stack(&process, &[b"hello".as_slice()], &[] as &[&[u8]], TOP, LIMIT).unwrap(), TOP);
    assert_eq!(decoded.value(9), Some(0x40_1000));
}
