//! Arbitrary bytes as a program to load: parse, place at a base, load into an image buffer,
//! relocate, build its stack. Refusals are fine; a panic, a hang or an out-of-memory is a bug.

#![no_main]

use stardust_elf::{Kind, Process, initial_stack, parse};

/// Layouts larger than this are not loaded (a valid layout may span terabytes of address space).
const MAX_IMAGE: u64 = 1 << 24;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(program) = parse(bytes) else { return };
    let base = match program.kind() {
        Kind::Exec => 0,
        Kind::StaticPie => program.base_alignment().max(0x40_0000),
    };
    let Ok(layout) = program.layout(base) else { return };
    assert!(layout.pages().iter().all(|range| !(range.permissions.write && range.permissions.execute)));
    if layout.size() <= MAX_IMAGE {
        let mut image = vec![0; layout.size() as usize];
        layout.load(&program, bytes, &mut image).expect("the parsed file loads");
        let _ = layout.apply_relocations(&program, &mut image);
    }
    let process = Process::new(&program, &layout, b"program", [0; 16]);
    let stack = initial_stack(&process, &["program"], &["KEY=value"], 0x7fff_ffff_f000, 4096).expect("fits");
    assert_eq!(stack.stack_pointer % 16, 0);
});
