//! Property tests: no input makes parse, layout, load, relocation or the stack builder panic, and
//! whatever they accept keeps their promises (sorted, aligned, W^X pages inside user space; an
//! aligned stack that reads back as it was given).

use proptest::prelude::*;

use super::builder::{ElfBuilder, Header};
use super::stack::{decode, process};
use crate::{PAGE_SIZE, USER_SPACE_END, initial_stack, parse};

/// Images larger than this are not allocated by the tests (a random layout may span terabytes).
const MAX_IMAGE: u64 = 1 << 20;

/// Runs every operation on `bytes`; panics only if a promise is broken.
fn exercise(bytes: &[u8], bases: &[u64]) {
    let Ok(program) = parse(bytes) else { return };
    let segments = program.segments();
    assert!(!segments.is_empty());
    for pair in segments.windows(2) {
        assert!(pair[0].end() <= pair[1].address, "segments sorted and apart");
    }
    for segment in segments {
        assert!(!(segment.permissions.write && segment.permissions.execute));
        assert!(segment.file_size <= segment.memory_size);
        assert!(segment.file_offset + segment.file_size <= bytes.len() as u64);
    }
    let alignment = program.base_alignment();
    for &base in bases {
        let base = match program.kind() {
            crate::Kind::Exec => 0,
            crate::Kind::StaticPie => base / alignment * alignment,
        };
        let Ok(layout) = program.layout(base) else { continue };
        assert!(layout.start() >= PAGE_SIZE && layout.end() <= USER_SPACE_END);
        let mut previous_end = 0;
        for range in layout.pages() {
            assert!(range.start % PAGE_SIZE == 0 && range.end % PAGE_SIZE == 0 && range.start < range.end);
            assert!(range.start >= previous_end, "page ranges sorted and apart");
            assert!(!(range.permissions.write && range.permissions.execute), "W^X per page");
            previous_end = range.end;
        }
        let entry = layout.permissions_at(layout.entry()).expect("the entry is mapped");
        assert!(entry.execute);
        if layout.size() <= MAX_IMAGE {
            let mut image = vec![0; layout.size() as usize];
            layout.load(&program, bytes, &mut image).expect("loading the parsed file");
            // A relocation may still fail on its value (a negative addend at a low base).
            let _ = layout.apply_relocations(&program, &mut image);
        }
        let process = crate::Process::new(&program, &layout, b"program", [0; 16]);
        let stack = initial_stack(&process, &["program", "argument"], &["KEY=value"], 0x7fff_0000_0000, 4096)
            .expect("a small stack fits");
        assert_eq!(decode(&stack, 0x7fff_0000_0000).value(9), Some(layout.entry()));
    }
}

fn valid_files() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![Just(ElfBuilder::exec().build()), Just(ElfBuilder::static_pie().build())]
}

/// Header fields worth aiming at: boundaries and small values, rather than uniform noise.
fn interesting_value() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..0x5000,
        Just(0),
        Just(1),
        Just(u64::MAX),
        Just(u64::MAX - 0xfff),
        Just(USER_SPACE_END),
        Just(0x100_0000),
        any::<u64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes, &[0, 0x40_0000]);
    }

    #[test]
    fn a_random_body_behind_a_valid_header_never_panics(
        mut tail in proptest::collection::vec(any::<u8>(), 0..1200),
        count in 0u16..12,
    ) {
        let mut bytes = ElfBuilder::exec().build()[..64].to_vec();
        bytes[56..58].copy_from_slice(&count.to_le_bytes());
        bytes.append(&mut tail);
        exercise(&bytes, &[0, 0x40_0000]);
    }

    #[test]
    fn byte_mutations_of_a_valid_file_never_panic(
        bytes in valid_files(),
        edits in proptest::collection::vec((0usize..0x3000, any::<u8>(), any::<bool>()), 1..10),
        cut in proptest::option::of(0usize..0x3000),
        base in any::<u64>(),
    ) {
        let mut bytes = bytes;
        for (position, value, in_headers) in edits {
            // Most edits land in the headers and tables, where the decisions are made.
            let position = if in_headers { position % 0x400 } else { position };
            if let Some(byte) = bytes.get_mut(position) {
                *byte = value;
            }
        }
        if let Some(cut) = cut {
            bytes.truncate(cut);
        }
        exercise(&bytes, &[0, 0x40_0000, base & (USER_SPACE_END - 1)]);
    }

    #[test]
    fn random_program_header_fields_never_panic(
        pie in any::<bool>(),
        changes in proptest::collection::vec((0usize..8, 0usize..7, interesting_value()), 1..6),
        entry in proptest::option::of(interesting_value()),
        base in any::<u64>(),
    ) {
        let mut builder = if pie { ElfBuilder::static_pie() } else { ElfBuilder::exec() };
        for (index, field, value) in changes {
            if index >= builder.headers.len() {
                builder.headers.push(Header::load(4, 0, 0, 0, 0));
            }
            let last = builder.headers.len() - 1;
            let header = &mut builder.headers[index.min(last)];
            match field {
                0 => header.header_type = value as u32 % 8,
                1 => header.flags = value as u32 % 8,
                2 => header.offset = value,
                3 => header.address = value,
                4 => header.file_size = value,
                5 => header.memory_size = value,
                _ => header.align = value,
            }
        }
        if let Some(entry) = entry {
            builder.entry = entry;
        }
        exercise(&builder.build(), &[0, 0x40_0000, base & (USER_SPACE_END - 1)]);
    }

    #[test]
    fn random_relocation_tables_never_panic(
        entries in proptest::collection::vec((interesting_value(), 0u32..40, any::<i64>()), 0..8),
        dynamic in proptest::collection::vec((0u64..40, interesting_value()), 0..6),
    ) {
        let builder = ElfBuilder::static_pie().with_relocations(&entries);
        exercise(&builder.build(), &[0x40_0000, 0x7000_0000_0000]);
        let builder = ElfBuilder::static_pie().with_dynamic(&dynamic);
        exercise(&builder.build(), &[0x40_0000]);
    }

    #[test]
    fn stacks_read_back_as_given(
        arguments in proptest::collection::vec("[^\u{0}]{0,20}", 0..8),
        environment in proptest::collection::vec("[A-Z]{1,5}=[^\u{0}]{0,20}", 0..8),
        top in 0x1000u64..0x7fff_ffff_f000,
        limit in 0usize..2048,
    ) {
        match initial_stack(&process(), &arguments, &environment, top, limit) {
            Ok(stack) => {
                prop_assert!(stack.bytes.len() <= limit);
                let decoded = decode(&stack, top);
                let given: Vec<Vec<u8>> = arguments.iter().map(|argument| argument.as_bytes().to_vec()).collect();
                prop_assert_eq!(decoded.arguments, given);
                let given: Vec<Vec<u8>> = environment.iter().map(|variable| variable.as_bytes().to_vec()).collect();
                prop_assert_eq!(decoded.environment, given);
            }
            Err(crate::StackError::TooLarge { needed, limit: reported }) => {
                prop_assert_eq!(reported, limit as u64);
                prop_assert!(needed > limit as u64);
            }
            Err(error) => prop_assert!(false, "unexpected {error:?}"),
        }
    }

    #[test]
    fn stacks_never_panic_at_any_top(
        arguments in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..30), 0..6),
        top in any::<u64>(),
        limit in any::<usize>(),
    ) {
        let arguments: Vec<&[u8]> = arguments.iter().map(Vec::as_slice).collect();
        let limit = limit % (1 << 16);
        if let Ok(stack) = initial_stack(&process(), &arguments, &arguments, top, limit) {
            prop_assert_eq!(stack.stack_pointer % 16, 0);
            prop_assert_eq!(stack.bytes.len() as u64, top - stack.stack_pointer);
        }
    }
}

/// The mutation tests above are only as good as the paths they reach: random edits of the
/// headers must give accepted programs and a wide spread of refusals, not one error every time.
#[test]
fn mutations_reach_acceptance_and_most_refusals() {
    let files = [ElfBuilder::exec().build(), ElfBuilder::static_pie().build()];
    // A fixed xorshift sequence: the same files every run, so that the counts below are stable.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    let mut refusals = std::collections::BTreeMap::new();
    for round in 0..20_000 {
        let mut bytes = files[round % 2].clone();
        for _ in 0..1 + next() % 2 {
            let position = (next() % 0x400) as usize;
            bytes[position] = next() as u8;
        }
        match parse(&bytes) {
            Ok(program) => {
                accepted += 1;
                let _ = program.layout(if program.kind() == crate::Kind::Exec { 0 } else { 0x40_0000 });
            }
            Err(error) => {
                let name = format!("{error:?}");
                let name = name.split([' ', '{']).next().unwrap_or_default().to_owned();
                *refusals.entry(name).or_insert(0) += 1;
            }
        }
    }
    std::println!("accepted {accepted}; refusals {refusals:?}");
    assert!(accepted > 2_000, "accepted only {accepted}");
    assert!(refusals.len() >= 18, "only {} kinds of refusal: {refusals:?}", refusals.len());
}
