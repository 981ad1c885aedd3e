//! A small builder of ELF files for tests: an ELF header, a program-header table and data blobs at
//! chosen file offsets. Its two starting points imitate what musl-gcc writes (PLATFORM.md): four
//! PT_LOADs (R, RX, R, RW) and PT_GNU_STACK, at a fixed address or as a static-pie.

use alloc::vec;
use alloc::vec::Vec;

pub(crate) const PT_LOAD: u32 = 1;
pub(crate) const PT_DYNAMIC: u32 = 2;
pub(crate) const PT_INTERP: u32 = 3;
pub(crate) const PT_PHDR: u32 = 6;
pub(crate) const PT_TLS: u32 = 7;
pub(crate) const PT_GNU_STACK: u32 = 0x6474_e551;
pub(crate) const R: u32 = 4;
pub(crate) const W: u32 = 2;
pub(crate) const X: u32 = 1;

/// The static-pie's relocations: (r_offset, r_addend). One in the RW segment's file bytes, one
/// in its .bss.
pub(crate) const PIE_RELOCATIONS: [(u64, i64); 2] = [(0x3f00, 0x1010), (0x4000, 0x2000)];
/// Where the static-pie's Rela table and dynamic section are (file offset = address).
pub(crate) const PIE_RELA_AT: u64 = 0x300;
pub(crate) const PIE_DYNAMIC_INDEX: usize = 4;

/// One program header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub(crate) header_type: u32,
    pub(crate) flags: u32,
    pub(crate) offset: u64,
    pub(crate) address: u64,
    pub(crate) file_size: u64,
    pub(crate) memory_size: u64,
    pub(crate) align: u64,
}

impl Header {
    pub(crate) fn load(flags: u32, offset: u64, address: u64, file_size: u64, memory_size: u64) -> Header {
        Header { header_type: PT_LOAD, flags, offset, address, file_size, memory_size, align: 0x1000 }
    }

    pub(crate) fn other(header_type: u32, flags: u32, offset: u64, address: u64, size: u64, align: u64) -> Header {
        Header { header_type, flags, offset, address, file_size: size, memory_size: size, align }
    }
}

/// An ELF file to be written by [`ElfBuilder::build`]; every field may be set to anything.
#[derive(Clone, Debug)]
pub(crate) struct ElfBuilder {
    pub(crate) class: u8,
    pub(crate) encoding: u8,
    pub(crate) identity_version: u8,
    pub(crate) elf_type: u16,
    pub(crate) machine: u16,
    pub(crate) version: u32,
    pub(crate) entry: u64,
    pub(crate) program_header_offset: u64,
    pub(crate) program_header_size: u16,
    /// `e_phnum`; `None`: the number of `headers`.
    pub(crate) program_header_count: Option<u16>,
    pub(crate) headers: Vec<Header>,
    /// Bytes written at file offsets after the headers.
    pub(crate) data: Vec<(u64, Vec<u8>)>,
    pub(crate) file_size: usize,
}

impl ElfBuilder {
    /// Like `musl-gcc -static -Wl,-Ttext-segment=0x1000000`: ET_EXEC, no PT_PHDR (the first
    /// PT_LOAD carries the headers), .bss in the RW segment.
    pub(crate) fn exec() -> ElfBuilder {
        ElfBuilder {
            class: 2,
            encoding: 1,
            identity_version: 1,
            elf_type: 2,
            machine: 62,
            version: 1,
            entry: 0x100_1000,
            program_header_offset: 64,
            program_header_size: 56,
            program_header_count: None,
            headers: vec![
                Header::load(R, 0, 0x100_0000, 0x200, 0x200),
                Header::load(R | X, 0x1000, 0x100_1000, 0x100, 0x100),
                Header::load(R, 0x2000, 0x100_2000, 0x80, 0x80),
                Header::load(R | W, 0x2fc0, 0x100_3fc0, 0x40, 0x800),
                Header::other(PT_GNU_STACK, R | W, 0, 0, 0, 16),
            ],
            data: vec![(0x1000, vec![0xc3; 0x100]), (0x2fc0, vec![0xaa; 0x40])],
            file_size: 0x3000,
        }
    }

    /// Like a manual `-static-pie` link with rcrt1.o: ET_DYN at 0, PT_DYNAMIC in the RW segment
    /// naming a Rela table in the first segment with [`PIE_RELOCATIONS`].
    pub(crate) fn static_pie() -> ElfBuilder {
        let relocations: Vec<(u64, u32, i64)> =
            PIE_RELOCATIONS.iter().map(|&(offset, addend)| (offset, 8, addend)).collect();
        let table = rela(&relocations);
        let dynamic = dynamic(&[(7, PIE_RELA_AT), (8, table.len() as u64), (9, 24), (0x6fff_fff9, 2), (0, 0)]);
        let dynamic_size = dynamic.len() as u64;
        ElfBuilder {
            elf_type: 3,
            entry: 0x1000,
            headers: vec![
                Header::load(R, 0, 0, 0x400, 0x400),
                Header::load(R | X, 0x1000, 0x1000, 0x100, 0x100),
                Header::load(R, 0x2000, 0x2000, 0x80, 0x80),
                Header::load(R | W, 0x2e00, 0x3e00, 0x200, 0x900),
                Header::other(PT_DYNAMIC, R | W, 0x2e00, 0x3e00, dynamic_size, 8),
                Header::other(PT_GNU_STACK, R | W, 0, 0, 0, 16),
            ],
            data: vec![(PIE_RELA_AT, table), (0x1000, vec![0xc3; 0x100]), (0x2e00, dynamic), (0x2f00, vec![0x55; 8])],
            ..ElfBuilder::exec()
        }
    }

    /// The file's bytes. Data that would run past `file_size` grows the file.
    pub(crate) fn build(&self) -> Vec<u8> {
        let mut bytes = vec![0u8; self.file_size.max(64)];
        let mut put = |offset: u64, data: &[u8]| {
            let start = offset as usize;
            let end = start + data.len();
            if bytes.len() < end {
                bytes.resize(end, 0);
            }
            bytes[start..end].copy_from_slice(data);
        };
        let mut header = Vec::with_capacity(64);
        header.extend_from_slice(b"\x7fELF");
        header.extend_from_slice(&[self.class, self.encoding, self.identity_version, 0]);
        header.extend_from_slice(&[0; 8]);
        header.extend_from_slice(&self.elf_type.to_le_bytes());
        header.extend_from_slice(&self.machine.to_le_bytes());
        header.extend_from_slice(&self.version.to_le_bytes());
        header.extend_from_slice(&self.entry.to_le_bytes());
        header.extend_from_slice(&self.program_header_offset.to_le_bytes());
        header.extend_from_slice(&0u64.to_le_bytes()); // e_shoff: no section headers
        header.extend_from_slice(&0u32.to_le_bytes()); // e_flags
        header.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
        header.extend_from_slice(&self.program_header_size.to_le_bytes());
        let count = self.program_header_count.unwrap_or(self.headers.len() as u16);
        header.extend_from_slice(&count.to_le_bytes());
        header.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
        put(0, &header);

        let mut table = Vec::new();
        for entry in &self.headers {
            table.extend_from_slice(&entry.header_type.to_le_bytes());
            table.extend_from_slice(&entry.flags.to_le_bytes());
            table.extend_from_slice(&entry.offset.to_le_bytes());
            table.extend_from_slice(&entry.address.to_le_bytes());
            table.extend_from_slice(&entry.address.to_le_bytes()); // p_paddr
            table.extend_from_slice(&entry.file_size.to_le_bytes());
            table.extend_from_slice(&entry.memory_size.to_le_bytes());
            table.extend_from_slice(&entry.align.to_le_bytes());
        }
        put(self.program_header_offset, &table);
        for (offset, data) in &self.data {
            put(*offset, data);
        }
        bytes
    }

    /// Replaces the static-pie's dynamic section (and its header's size) with these entries.
    pub(crate) fn with_dynamic(mut self, entries: &[(u64, u64)]) -> ElfBuilder {
        let bytes = dynamic(entries);
        self.headers[PIE_DYNAMIC_INDEX].file_size = bytes.len() as u64;
        self.headers[PIE_DYNAMIC_INDEX].memory_size = bytes.len() as u64;
        self.data.retain(|(offset, _)| *offset != 0x2e00);
        self.data.push((0x2e00, bytes));
        self
    }

    /// Replaces the static-pie's Rela table with these (r_offset, type, r_addend) entries.
    pub(crate) fn with_relocations(self, relocations: &[(u64, u32, i64)]) -> ElfBuilder {
        let table = rela(relocations);
        let size = table.len() as u64;
        let mut builder = self.with_dynamic(&[(7, PIE_RELA_AT), (8, size), (9, 24), (0, 0)]);
        builder.data.retain(|(offset, _)| *offset != PIE_RELA_AT);
        builder.data.push((PIE_RELA_AT, table));
        builder
    }
}

/// A dynamic section's bytes: (d_tag, d_val) pairs.
pub(crate) fn dynamic(entries: &[(u64, u64)]) -> Vec<u8> {
    entries.iter().flat_map(|&(tag, value)| tag.to_le_bytes().into_iter().chain(value.to_le_bytes())).collect()
}

/// A Rela table's bytes: (r_offset, type, r_addend), symbol 0.
pub(crate) fn rela(entries: &[(u64, u32, i64)]) -> Vec<u8> {
    entries
        .iter()
        .flat_map(|&(offset, relocation_type, addend)| {
            offset.to_le_bytes().into_iter().chain(u64::from(relocation_type).to_le_bytes()).chain(addend.to_le_bytes())
        })
        .collect()
}
