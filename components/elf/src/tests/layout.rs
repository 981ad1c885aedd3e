//! `Program::layout`, `Layout::load` and `Layout::apply_relocations`.

use super::builder::{ElfBuilder, Header, PIE_RELOCATIONS, PT_TLS, R, W, X};
use crate::{ElfError, LoadError, PAGE_SIZE, PageRange, Permissions, USER_SPACE_END, parse};

const READ: Permissions = Permissions { read: true, write: false, execute: false };
const READ_EXECUTE: Permissions = Permissions { read: true, write: false, execute: true };
const READ_WRITE: Permissions = Permissions { read: true, write: true, execute: false };

fn range(start: u64, end: u64, permissions: Permissions) -> PageRange {
    PageRange { start, end, permissions }
}

#[test]
fn a_fixed_address_program_occupies_its_own_pages() {
    let program = parse(&ElfBuilder::exec().build()).unwrap();
    let layout = program.layout(0).unwrap();
    assert_eq!(
        layout.pages(),
        &[
            range(0x100_0000, 0x100_1000, READ),
            range(0x100_1000, 0x100_2000, READ_EXECUTE),
            range(0x100_2000, 0x100_3000, READ),
            // The RW segment starts inside a page and its .bss runs into the next.
            range(0x100_3000, 0x100_5000, READ_WRITE),
        ]
    );
    assert_eq!((layout.start(), layout.end(), layout.size()), (0x100_0000, 0x100_5000, 0x5000));
    assert_eq!(layout.entry(), 0x100_1000);
    assert_eq!(layout.program_headers(), 0x100_0040);
    assert_eq!(layout.permissions_at(0x100_1fff), Some(READ_EXECUTE));
    assert_eq!(layout.permissions_at(0x100_5000), None);
    assert_eq!(layout.permissions_at(0xfff_ffff), None);
    assert_eq!(program.layout(0x1000), Err(ElfError::BaseNotAllowed { base: 0x1000 }));
}

#[test]
fn a_static_pie_moves_with_its_base() {
    let program = parse(&ElfBuilder::static_pie().build()).unwrap();
    let base = 0x40_0000;
    let layout = program.layout(base).unwrap();
    assert_eq!(layout.base(), base);
    assert_eq!(
        layout.pages(),
        &[
            range(base, base + 0x1000, READ),
            range(base + 0x1000, base + 0x2000, READ_EXECUTE),
            range(base + 0x2000, base + 0x3000, READ),
            range(base + 0x3000, base + 0x5000, READ_WRITE),
        ]
    );
    assert_eq!(layout.entry(), base + 0x1000);
    assert_eq!(layout.program_headers(), base + 0x40);
}

#[test]
fn a_static_pie_needs_an_aligned_base_in_user_space() {
    let program = parse(&ElfBuilder::static_pie().build()).unwrap();
    // Base 0 would map page zero, which stays unmapped so that null pointers fault.
    assert_eq!(program.layout(0), Err(ElfError::OutsideUserSpace { base: 0 }));
    assert_eq!(program.layout(0x1234), Err(ElfError::BaseMisaligned { base: 0x1234, alignment: PAGE_SIZE }));
    assert!(program.layout(USER_SPACE_END - 0x5000).is_ok());
    let base = USER_SPACE_END - 0x4000;
    assert_eq!(program.layout(base), Err(ElfError::OutsideUserSpace { base }));
    let base = u64::MAX - 0xfff;
    assert_eq!(program.layout(base), Err(ElfError::OutsideUserSpace { base }));
}

#[test]
fn the_base_keeps_the_largest_segment_alignment() {
    let mut builder = ElfBuilder::static_pie();
    builder.headers[3].align = 0x20_0000;
    builder.headers[3].address = 0x20_2e00;
    builder.headers[4].address = 0x20_2e00;
    builder = builder.with_relocations(&[(0x20_2f00, 8, 0)]);
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.base_alignment(), 0x20_0000);
    assert_eq!(program.layout(0x40_1000), Err(ElfError::BaseMisaligned { base: 0x40_1000, alignment: 0x20_0000 }));
    let layout = program.layout(0x40_0000).unwrap();
    // The gap between the read-only data and the data is not mapped.
    assert_eq!(layout.permissions_at(0x40_3000), None);
    assert_eq!(layout.permissions_at(0x60_2e00), Some(READ_WRITE));
}

#[test]
fn a_page_shared_by_read_only_data_and_code_is_readable_and_executable() {
    let mut builder = ElfBuilder::exec();
    builder.headers[0].file_size = 0x800;
    builder.headers[0].memory_size = 0x800;
    builder.headers[1] = Header::load(R | X, 0x800, 0x100_0800, 0x900, 0x900);
    builder.entry = 0x100_0800;
    let layout = parse(&builder.build()).unwrap().layout(0).unwrap();
    assert_eq!(layout.pages()[..2], [range(0x100_0000, 0x100_2000, READ_EXECUTE), range(0x100_2000, 0x100_3000, READ)]);
}

#[test]
fn a_page_shared_by_read_only_data_and_data_is_writable() {
    let mut builder = ElfBuilder::exec();
    builder.headers[2].file_size = 0x1000;
    builder.headers[2].memory_size = 0x1fc0;
    let layout = parse(&builder.build()).unwrap().layout(0).unwrap();
    assert_eq!(layout.pages()[2..], [range(0x100_2000, 0x100_3000, READ), range(0x100_3000, 0x100_5000, READ_WRITE)]);
}

#[test]
fn a_page_shared_by_code_and_data_is_refused() {
    let mut builder = ElfBuilder::exec();
    builder.headers.remove(2);
    builder.headers[1].memory_size = 0x2fc0;
    builder.headers[1].file_size = 0x1fc0;
    let program = parse(&builder.build()).unwrap();
    assert_eq!(program.layout(0), Err(ElfError::PageWritableAndExecutable { page: 0x100_3000 }));
}

#[test]
fn several_small_segments_in_one_page_share_it() {
    let mut builder = ElfBuilder::exec();
    builder.headers = vec![
        Header::load(R, 0, 0x100_0000, 0x200, 0x200),
        Header::load(R | X, 0x200, 0x100_0200, 0x100, 0x100),
        Header::load(R, 0x300, 0x100_0300, 0x100, 0x100),
        Header::load(R, 0x400, 0x100_0400, 0x100, 0x1100),
    ];
    builder.entry = 0x100_0200;
    let layout = parse(&builder.build()).unwrap().layout(0).unwrap();
    assert_eq!(layout.pages(), &[range(0x100_0000, 0x100_1000, READ_EXECUTE), range(0x100_1000, 0x100_2000, READ)]);
}

#[test]
fn the_tls_template_moves_with_the_base() {
    let mut builder = ElfBuilder::static_pie();
    builder.headers.push(Header { memory_size: 0x60, ..Header::other(PT_TLS, R, 0x2f00, 0x3f00, 0x20, 8) });
    let layout = parse(&builder.build()).unwrap().layout(0x10_0000).unwrap();
    assert_eq!(layout.tls().map(|tls| (tls.address, tls.memory_size)), Some((0x10_3f00, 0x60)));
}

#[test]
fn loading_copies_the_file_bytes_and_zeroes_the_rest() {
    let bytes = ElfBuilder::exec().build();
    let program = parse(&bytes).unwrap();
    let layout = program.layout(0).unwrap();
    let mut image = vec![0xee; layout.size() as usize];
    layout.load(&program, &bytes, &mut image).unwrap();
    assert_eq!(&image[..0x200], &bytes[..0x200]);
    assert!(image[0x200..0x1000].iter().all(|&byte| byte == 0));
    assert!(image[0x1000..0x1100].iter().all(|&byte| byte == 0xc3));
    assert!(image[0x3fc0..0x4000].iter().all(|&byte| byte == 0xaa));
    assert!(image[0x4000..].iter().all(|&byte| byte == 0));

    let mut short = vec![0; layout.size() as usize - 1];
    assert_eq!(
        layout.load(&program, &bytes, &mut short),
        Err(LoadError::ImageTooSmall { needed: 0x5000, have: 0x4fff })
    );
    assert_eq!(
        layout.load(&program, &bytes[..0x2000], &mut image),
        Err(LoadError::FileTooShort { needed: 0x3000, have: 0x2000 })
    );
    // A larger buffer is fine: only the layout's bytes are written.
    let mut large = vec![0xee; layout.size() as usize + 16];
    layout.load(&program, &bytes, &mut large).unwrap();
    assert!(large[layout.size() as usize..].iter().all(|&byte| byte == 0xee));
}

#[test]
fn relocations_add_the_base() {
    let bytes = ElfBuilder::static_pie().build();
    let program = parse(&bytes).unwrap();
    let base = 0x7f_0000_0000;
    let layout = program.layout(base).unwrap();
    let mut image = vec![0; layout.size() as usize];
    layout.load(&program, &bytes, &mut image).unwrap();
    let before = image.clone();
    layout.apply_relocations(&program, &mut image).unwrap();
    for (offset, addend) in PIE_RELOCATIONS {
        let at = offset as usize;
        assert_eq!(u64::from_le_bytes(image[at..at + 8].try_into().unwrap()), base + addend as u64);
    }
    let changed = (0..image.len()).filter(|&index| image[index] != before[index]).count();
    assert!(changed <= 16, "only the two words change ({changed} bytes did)");

    let mut short = vec![0; 0x4000];
    assert_eq!(layout.apply_relocations(&program, &mut short), Err(LoadError::RelocationOutOfRange { offset: 0x4000 }));
}

#[test]
fn a_relocation_whose_value_leaves_the_address_space_is_an_error() {
    let builder = ElfBuilder::static_pie().with_relocations(&[(0x3f00, 8, -0x20_0000)]);
    let program = parse(&builder.build()).unwrap();
    let layout = program.layout(0x10_0000).unwrap();
    let mut image = vec![0; layout.size() as usize];
    assert_eq!(layout.apply_relocations(&program, &mut image), Err(LoadError::RelocationOutOfRange { offset: 0x3f00 }));
    assert!(layout.apply_relocations(&program, &mut image).unwrap_err().to_string().contains("0x3f00"));
    // A negative addend that stays above zero is an ordinary address.
    let layout = program.layout(0x40_0000).unwrap();
    layout.apply_relocations(&program, &mut image).unwrap();
    assert_eq!(u64::from_le_bytes(image[0x3f00..0x3f08].try_into().unwrap()), 0x20_0000);
}

#[test]
fn read_write_without_execute_stays_apart_from_execute() {
    // W and X in neighbouring pages are fine: only a shared page is refused.
    let mut builder = ElfBuilder::exec();
    builder.headers[3] = Header::load(R | W, 0x1100, 0x100_2100, 0x10, 0x10);
    builder.headers.remove(2);
    builder.headers[1].flags = R | X;
    let layout = parse(&builder.build()).unwrap().layout(0).unwrap();
    assert_eq!(layout.permissions_at(0x100_1000), Some(READ_EXECUTE));
    assert_eq!(layout.permissions_at(0x100_2000), Some(READ_WRITE));
}
