//! `parse`: the facts of well-formed files, and one test per refusal.

use alloc::string::ToString;
use alloc::vec;

use super::builder::{ElfBuilder, Header, PIE_RELA_AT, PIE_RELOCATIONS, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS, R, W, X};
use crate::program::{PT_DYNAMIC, PT_GNU_STACK};
use crate::{ElfError, Kind, Permissions, ProgramHeaders, Relocation, Tls, parse};

const READ: Permissions = Permissions { read: true, write: false, execute: false };
const READ_EXECUTE: Permissions = Permissions { read: true, write: false, execute: true };
const READ_WRITE: Permissions = Permissions { read: true, write: true, execute: false };

fn refused(builder: &ElfBuilder) -> ElfError {
    match parse(&builder.build()) {
        Ok(program) => panic!("accepted: {program:?}"),
        Err(error) => error,
    }
}

#[test]
fn a_static_executable_gives_its_segments_entry_stack_and_headers() {
    let program = parse(&ElfBuilder::exec().build()).unwrap();
    assert_eq!(program.kind(), Kind::Exec);
    assert_eq!(program.entry(), 0x100_1000);
    let segments: Vec<_> = program
        .segments()
        .iter()
        .map(|segment| {
            (segment.address, segment.memory_size, segment.file_offset, segment.file_size, segment.permissions)
        })
        .collect();
    assert_eq!(
        segments,
        vec![
            (0x100_0000, 0x200, 0, 0x200, READ),
            (0x100_1000, 0x100, 0x1000, 0x100, READ_EXECUTE),
            (0x100_2000, 0x80, 0x2000, 0x80, READ),
            (0x100_3fc0, 0x800, 0x2fc0, 0x40, READ_WRITE),
        ]
    );
    assert!(program.segments().iter().all(|segment| segment.align == 0x1000));
    assert_eq!(program.stack_permissions(), Some(READ_WRITE));
    assert_eq!(program.program_headers(), ProgramHeaders { address: 0x100_0040, count: 5, entry_size: 56 });
    assert_eq!(program.tls(), None);
    assert!(program.relocations().is_empty());
    assert_eq!(program.file_size(), 0x3000);
    assert_eq!(program.base_alignment(), 0x1000);
}

#[test]
fn a_static_pie_gives_its_relative_relocations() {
    let program = parse(&ElfBuilder::static_pie().build()).unwrap();
    assert_eq!(program.kind(), Kind::StaticPie);
    assert_eq!(program.entry(), 0x1000);
    assert_eq!(program.program_headers().address, 0x40);
    let expected: Vec<_> = PIE_RELOCATIONS.iter().map(|&(offset, addend)| Relocation { offset, addend }).collect();
    assert_eq!(program.relocations(), &expected[..]);
}

#[test]
fn segments_come_sorted_whatever_the_file_order() {
    let mut builder = ElfBuilder::exec();
    builder.headers.swap(0, 3);
    builder.headers.swap(1, 2);
    let program = parse(&builder.build()).unwrap();
    let addresses: Vec<_> = program.segments().iter().map(|segment| segment.address).collect();
    assert_eq!(addresses, vec![0x100_0000, 0x100_1000, 0x100_2000, 0x100_3fc0]);
    assert_eq!(program.segments()[0].index, 3);
}

#[test]
fn empty_loadable_segments_and_unknown_headers_are_ignored() {
    let mut builder = ElfBuilder::exec();
    builder.headers.push(Header::load(R, 0, 0x900_0000, 0, 0));
    builder.headers.push(Header::other(0x6474_e552, R, 0x2fc0, 0x100_3fc0, 0x40, 1)); // PT_GNU_RELRO
    builder.headers.push(Header::other(4, R, 0x100, 0x100_0100, 0x20, 4)); // PT_NOTE
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.segments().len(), 4);
    assert_eq!(program.program_headers().count, 8);
}

#[test]
fn a_tls_template_is_reported() {
    let mut builder = ElfBuilder::exec();
    builder.headers.push(Header { memory_size: 0x60, ..Header::other(PT_TLS, R, 0x2fc0, 0x100_3fc0, 0x20, 8) });
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.tls(), Some(Tls { address: 0x100_3fc0, file_size: 0x20, memory_size: 0x60, align: 8 }));
}

#[test]
fn a_program_header_segment_gives_the_table_address() {
    let mut builder = ElfBuilder::exec();
    builder.headers.insert(0, Header::other(PT_PHDR, R, 64, 0x100_0040, 6 * 56, 8));
    assert_eq!(parse(&builder.build()).unwrap().program_headers().address, 0x100_0040);
}

#[test]
fn what_is_not_elf_or_is_cut_short() {
    assert_eq!(parse(b""), Err(ElfError::NotElf));
    assert_eq!(parse(b"#!/bin/sh\necho hello\n"), Err(ElfError::NotElf));
    assert_eq!(parse(b"\x7fEL"), Err(ElfError::Truncated));
    let bytes = ElfBuilder::exec().build();
    assert_eq!(parse(&bytes[..63]), Err(ElfError::Truncated));
    // The header is whole but the program headers are not.
    assert_eq!(parse(&bytes[..100]), Err(ElfError::ProgramHeadersOutsideFile));
}

#[test]
fn the_identification_is_checked() {
    let mut builder = ElfBuilder::exec();
    builder.class = 1;
    assert_eq!(refused(&builder), ElfError::NotSixtyFourBit { class: 1 });
    let mut builder = ElfBuilder::exec();
    builder.encoding = 2;
    assert_eq!(refused(&builder), ElfError::NotLittleEndian { encoding: 2 });
    let mut builder = ElfBuilder::exec();
    builder.identity_version = 0;
    assert_eq!(refused(&builder), ElfError::UnknownVersion { version: 0 });
    let mut builder = ElfBuilder::exec();
    builder.version = 2;
    assert_eq!(refused(&builder), ElfError::UnknownVersion { version: 2 });
    let mut builder = ElfBuilder::exec();
    builder.machine = 183;
    assert_eq!(refused(&builder), ElfError::WrongMachine { machine: 183 });
    for elf_type in [0, 1, 4, 0xfe00] {
        let mut builder = ElfBuilder::exec();
        builder.elf_type = elf_type;
        assert_eq!(refused(&builder), ElfError::NotExecutable { elf_type });
    }
}

#[test]
fn the_program_header_table_is_checked() {
    let mut builder = ElfBuilder::exec();
    builder.program_header_size = 64;
    assert_eq!(refused(&builder), ElfError::BadProgramHeaderSize { size: 64 });
    let mut builder = ElfBuilder::exec();
    builder.program_header_count = Some(65);
    assert_eq!(refused(&builder), ElfError::TooManyProgramHeaders { count: 65 });
    let mut builder = ElfBuilder::exec();
    builder.program_header_count = Some(0xffff);
    assert_eq!(refused(&builder), ElfError::TooManyProgramHeaders { count: 0xffff });
    let mut builder = ElfBuilder::exec();
    builder.program_header_count = Some(0);
    assert_eq!(refused(&builder), ElfError::NoLoadableSegment);
    for offset in [0x2ff0, u64::MAX - 8] {
        let mut bytes = ElfBuilder::exec().build();
        bytes[32..40].copy_from_slice(&u64::to_le_bytes(offset));
        assert_eq!(parse(&bytes), Err(ElfError::ProgramHeadersOutsideFile));
    }
}

#[test]
fn dynamically_linked_programs_are_refused() {
    let mut builder = ElfBuilder::exec();
    builder.headers.push(Header::other(PT_INTERP, R, 0x100, 0x100_0100, 0x1c, 1));
    assert_eq!(refused(&builder), ElfError::NeedsDynamicLinker);
    // An ordinary PIE: ET_DYN with an interpreter.
    let mut builder = ElfBuilder::static_pie();
    builder.headers.push(Header::other(PT_INTERP, R, 0x100, 0x100, 0x1c, 1));
    assert_eq!(refused(&builder), ElfError::NeedsDynamicLinker);
    let builder = ElfBuilder::static_pie().with_dynamic(&[(1, 1), (0, 0)]);
    assert_eq!(refused(&builder), ElfError::NeedsSharedLibraries);
}

#[test]
fn relocations_other_than_relative_are_refused_by_type() {
    for relocation_type in [1, 6, 7, 16, 18, 37] {
        let builder = ElfBuilder::static_pie().with_relocations(&[(0x3f00, 8, 0), (0x3f08, relocation_type, 0)]);
        assert_eq!(refused(&builder), ElfError::UnsupportedRelocation { relocation_type });
    }
    let error = ElfError::UnsupportedRelocation { relocation_type: 6 }.to_string();
    assert!(error.contains("R_X86_64_GLOB_DAT"), "{error}");
}

#[test]
fn none_relocations_are_skipped_and_the_plt_table_is_read() {
    let builder = ElfBuilder::static_pie().with_relocations(&[(0x3f00, 0, 5), (0x3f08, 8, 7)]);
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.relocations(), &[Relocation { offset: 0x3f08, addend: 7 }]);

    let table = super::builder::rela(&[(0x3f10, 8, 9)]);
    let mut builder =
        ElfBuilder::static_pie().with_dynamic(&[(23, PIE_RELA_AT + 0x80), (2, table.len() as u64), (20, 7), (0, 0)]);
    builder.data.push((PIE_RELA_AT + 0x80, table));
    assert_eq!(parse(&builder.build()).unwrap().relocations(), &[Relocation { offset: 0x3f10, addend: 9 }]);
}

#[test]
fn relocation_tables_are_checked() {
    let pie = ElfBuilder::static_pie;
    assert_eq!(
        refused(&pie().with_dynamic(&[(7, PIE_RELA_AT), (8, 48), (9, 16), (0, 0)])),
        ElfError::BadRelocationEntrySize { size: 16 }
    );
    assert_eq!(
        refused(&pie().with_dynamic(&[(7, PIE_RELA_AT), (8, 48), (0, 0)])),
        ElfError::BadRelocationEntrySize { size: 0 }
    );
    assert_eq!(refused(&pie().with_dynamic(&[(7, PIE_RELA_AT), (8, 40), (9, 24)])), ElfError::BadRelocationTable);
    assert_eq!(refused(&pie().with_dynamic(&[(7, PIE_RELA_AT), (9, 24)])), ElfError::BadRelocationTable);
    assert_eq!(refused(&pie().with_dynamic(&[(8, 48), (9, 24)])), ElfError::BadRelocationTable);
    // In the .bss (no file bytes), in a gap, or past the end of the address space.
    for address in [0x4400, 0x1800, u64::MAX - 8] {
        assert_eq!(refused(&pie().with_dynamic(&[(7, address), (8, 48), (9, 24)])), ElfError::BadRelocationTable);
    }
    assert_eq!(refused(&pie().with_dynamic(&[(17, 0x300), (0, 0)])), ElfError::UnsupportedDynamicTag { tag: 17 });
    assert_eq!(refused(&pie().with_dynamic(&[(36, 0x300), (0, 0)])), ElfError::UnsupportedDynamicTag { tag: 36 });
    assert_eq!(
        refused(&pie().with_dynamic(&[(23, PIE_RELA_AT), (2, 48), (20, 17)])),
        ElfError::UnsupportedDynamicTag { tag: 17 }
    );
    assert_eq!(
        refused(&pie().with_dynamic(&[(23, PIE_RELA_AT), (2, 48)])),
        ElfError::UnsupportedDynamicTag { tag: 20 }
    );
}

#[test]
fn relocations_must_target_a_writable_segment() {
    // The text, the read-only data, a gap, and a word that starts inside the RW segment but ends
    // past it.
    for offset in [0x1000, 0x2000, 0x5000, 0x46fc, u64::MAX - 3] {
        let builder = ElfBuilder::static_pie().with_relocations(&[(offset, 8, 0)]);
        assert_eq!(refused(&builder), ElfError::RelocationOutsideWritable { offset });
    }
}

#[test]
fn the_dynamic_section_must_be_loaded_and_single() {
    let mut builder = ElfBuilder::static_pie();
    builder.headers[4].address = 0x4800;
    assert_eq!(refused(&builder), ElfError::NotLoaded { header_type: PT_DYNAMIC });
    let mut builder = ElfBuilder::static_pie();
    builder.headers.push(builder.headers[4]);
    assert_eq!(refused(&builder), ElfError::DuplicateHeader { header_type: PT_DYNAMIC });
}

#[test]
fn segment_extents_are_checked() {
    let mut builder = ElfBuilder::exec();
    builder.headers[3].file_size = 0x41;
    assert_eq!(refused(&builder), ElfError::SegmentOutsideFile { index: 3 });
    let mut builder = ElfBuilder::exec();
    builder.headers[3].offset = u64::MAX - 0x10;
    assert_eq!(refused(&builder), ElfError::SegmentOutsideFile { index: 3 });
    let mut builder = ElfBuilder::exec();
    builder.headers[2].memory_size = 0x7f;
    assert_eq!(refused(&builder), ElfError::FileSizeExceedsMemorySize { index: 2 });
    let mut builder = ElfBuilder::exec();
    builder.headers[3].address = u64::MAX - 0x3f;
    assert_eq!(refused(&builder), ElfError::AddressOverflow { index: 3 });
    let mut builder = ElfBuilder::exec();
    builder.headers[1].align = 0x3000;
    assert_eq!(refused(&builder), ElfError::BadAlignment { index: 1 });
    let mut builder = ElfBuilder::exec();
    builder.headers[3].address = 0x100_3fc8;
    assert_eq!(refused(&builder), ElfError::Misaligned { index: 3 });
    // Alignment 0 and 1 mean none: the congruence is not asked.
    let mut builder = ElfBuilder::exec();
    builder.headers[3].address = 0x100_3fc8;
    builder.headers[3].align = 1;
    assert!(parse(&builder.build()).is_ok());
}

#[test]
fn writable_and_executable_segments_are_refused() {
    let mut builder = ElfBuilder::exec();
    builder.headers[1].flags = R | W | X;
    assert_eq!(refused(&builder), ElfError::WritableAndExecutable { index: 1 });
    assert!(ElfError::WritableAndExecutable { index: 1 }.to_string().contains("W^X"));
}

#[test]
fn overlapping_segments_are_refused() {
    let mut builder = ElfBuilder::exec();
    builder.headers[2].memory_size = 0x1fc1;
    assert_eq!(refused(&builder), ElfError::OverlappingSegments { first: 2, second: 3 });
    // Touching is not overlapping.
    let mut builder = ElfBuilder::exec();
    builder.headers[2].memory_size = 0x1fc0;
    assert!(parse(&builder.build()).is_ok());
    // The same in reverse file order: named by address order.
    let mut builder = ElfBuilder::exec();
    builder.headers[2].memory_size = 0x1fc1;
    builder.headers.swap(2, 3);
    assert_eq!(refused(&builder), ElfError::OverlappingSegments { first: 3, second: 2 });
}

#[test]
fn the_entry_must_be_in_an_executable_segment() {
    for entry in [0x100_0000, 0x100_1100, 0x100_3fc0, 0, u64::MAX] {
        let mut builder = ElfBuilder::exec();
        builder.entry = entry;
        assert_eq!(refused(&builder), ElfError::EntryNotExecutable { entry });
    }
}

#[test]
fn a_program_without_loadable_segments_is_refused() {
    let mut builder = ElfBuilder::exec();
    builder.headers.retain(|header| header.header_type != PT_LOAD);
    assert_eq!(refused(&builder), ElfError::NoLoadableSegment);
}

#[test]
fn the_program_headers_must_be_loaded() {
    // e_phoff in no PT_LOAD's file bytes: move the table to the gap after the text.
    let mut builder = ElfBuilder::exec();
    builder.program_header_offset = 0x1800;
    assert_eq!(refused(&builder), ElfError::NotLoaded { header_type: PT_PHDR });
    // A PT_PHDR that points elsewhere than the table.
    let mut builder = ElfBuilder::exec();
    builder.headers.insert(0, Header::other(PT_PHDR, R, 64, 0x100_0100, 6 * 56, 8));
    assert_eq!(refused(&builder), ElfError::NotLoaded { header_type: PT_PHDR });
}

#[test]
fn the_tls_template_must_be_loaded_and_single() {
    let mut builder = ElfBuilder::exec();
    builder.headers.push(Header { memory_size: 0x60, ..Header::other(PT_TLS, R, 0x2fc0, 0x100_4000, 0x20, 8) });
    assert_eq!(refused(&builder), ElfError::NotLoaded { header_type: PT_TLS });
    let mut builder = ElfBuilder::exec();
    let tls = Header::other(PT_TLS, R, 0x2fc0, 0x100_3fc0, 0x20, 8);
    builder.headers.extend([tls, tls]);
    assert_eq!(refused(&builder), ElfError::DuplicateHeader { header_type: PT_TLS });
    let mut builder = ElfBuilder::exec();
    builder.headers.push(Header::other(PT_GNU_STACK, R | W | X, 0, 0, 0, 16));
    assert_eq!(refused(&builder), ElfError::DuplicateHeader { header_type: PT_GNU_STACK });
}

#[test]
fn an_executable_stack_request_is_reported() {
    let mut builder = ElfBuilder::exec();
    builder.headers[4].flags = R | W | X;
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.stack_permissions(), Some(Permissions { read: true, write: true, execute: true }));
    builder.headers.pop();
    assert_eq!(parse(&builder.build()).unwrap().stack_permissions(), None);
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        ElfError::NotElf,
        ElfError::Truncated,
        ElfError::NotSixtyFourBit { class: 1 },
        ElfError::NotSixtyFourBit { class: 9 },
        ElfError::NotLittleEndian { encoding: 2 },
        ElfError::NotLittleEndian { encoding: 0 },
        ElfError::UnknownVersion { version: 0 },
        ElfError::WrongMachine { machine: 3 },
        ElfError::NotExecutable { elf_type: 1 },
        ElfError::NotExecutable { elf_type: 4 },
        ElfError::NotExecutable { elf_type: 9 },
        ElfError::BadProgramHeaderSize { size: 32 },
        ElfError::TooManyProgramHeaders { count: 100 },
        ElfError::ProgramHeadersOutsideFile,
        ElfError::NeedsDynamicLinker,
        ElfError::NeedsSharedLibraries,
        ElfError::DuplicateHeader { header_type: PT_TLS },
        ElfError::SegmentOutsideFile { index: 1 },
        ElfError::FileSizeExceedsMemorySize { index: 1 },
        ElfError::AddressOverflow { index: 1 },
        ElfError::BadAlignment { index: 1 },
        ElfError::Misaligned { index: 1 },
        ElfError::WritableAndExecutable { index: 1 },
        ElfError::OverlappingSegments { first: 1, second: 2 },
        ElfError::NoLoadableSegment,
        ElfError::EntryNotExecutable { entry: 5 },
        ElfError::NotLoaded { header_type: PT_PHDR },
        ElfError::NotLoaded { header_type: PT_TLS },
        ElfError::UnsupportedDynamicTag { tag: 36 },
        ElfError::BadRelocationEntrySize { size: 3 },
        ElfError::BadRelocationTable,
        ElfError::UnsupportedRelocation { relocation_type: 99 },
        ElfError::RelocationOutsideWritable { offset: 8 },
        ElfError::BaseNotAllowed { base: 4096 },
        ElfError::BaseMisaligned { base: 1, alignment: 4096 },
        ElfError::OutsideUserSpace { base: 0 },
        ElfError::PageWritableAndExecutable { page: 4096 },
    ];
    let messages: Vec<_> = errors.iter().map(ToString::to_string).collect();
    for (error, message) in errors.iter().zip(&messages) {
        assert!(message.len() > 20, "{error:?}: {message}");
    }
    let unique: std::collections::BTreeSet<_> = messages.iter().collect();
    assert_eq!(unique.len(), messages.len(), "two errors read the same");
    assert!(ElfError::NeedsDynamicLinker.to_string().contains("needs a dynamic linker"));
    assert!(ElfError::NotSixtyFourBit { class: 1 }.to_string().contains("32-bit"));
    assert!(ElfError::NotLittleEndian { encoding: 2 }.to_string().contains("big-endian"));
    assert!(ElfError::WrongMachine { machine: 183 }.to_string().contains("AArch64"));
}
