//! The ELF header and program headers of a static x86-64 executable, checked into a [`Program`].

use alloc::vec::Vec;

use crate::ElfError;
use crate::dynamic;
use crate::read::{u16_at, u32_at, u64_at};

/// The most program headers accepted. Linkers write about ten (musl's static hello has 6, a
/// static-pie 9); a cap keeps a hostile `e_phnum` from costing time or memory.
pub const MAX_PROGRAM_HEADERS: u16 = 64;

const HEADER_SIZE: usize = 64;
const PROGRAM_HEADER_SIZE: u16 = 56;
const MAGIC: [u8; 4] = *b"\x7fELF";
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u32 = 1;
const EM_X86_64: u16 = 62;

pub(crate) const ET_REL: u16 = 1;
pub(crate) const ET_EXEC: u16 = 2;
pub(crate) const ET_DYN: u16 = 3;
pub(crate) const ET_CORE: u16 = 4;

pub(crate) const PT_LOAD: u32 = 1;
pub(crate) const PT_DYNAMIC: u32 = 2;
pub(crate) const PT_INTERP: u32 = 3;
pub(crate) const PT_PHDR: u32 = 6;
pub(crate) const PT_TLS: u32 = 7;
pub(crate) const PT_GNU_STACK: u32 = 0x6474_e551;

const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;

pub(crate) const R_X86_64_NONE: u32 = 0;
pub(crate) const R_X86_64_64: u32 = 1;
pub(crate) const R_X86_64_COPY: u32 = 5;
pub(crate) const R_X86_64_GLOB_DAT: u32 = 6;
pub(crate) const R_X86_64_JUMP_SLOT: u32 = 7;
pub(crate) const R_X86_64_RELATIVE: u32 = 8;
pub(crate) const R_X86_64_DTPMOD64: u32 = 16;
pub(crate) const R_X86_64_TPOFF64: u32 = 18;
pub(crate) const R_X86_64_IRELATIVE: u32 = 37;

/// How the program is placed in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ET_EXEC`: linked for fixed addresses; it loads at base 0 only.
    Exec,
    /// `ET_DYN` without an interpreter: a static-pie, loaded at any suitably aligned base, whose
    /// RELATIVE relocations the loader applies.
    StaticPie,
}

/// What a segment's pages allow (`p_flags`' `PF_R`, `PF_W`, `PF_X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub execute: bool,
}

impl Permissions {
    /// From a program header's `p_flags` (other bits are ignored, as Linux does).
    pub const fn from_flags(flags: u32) -> Permissions {
        Permissions { read: flags & PF_R != 0, write: flags & PF_W != 0, execute: flags & PF_X != 0 }
    }

    /// What a page shared by two segments must allow: both of theirs.
    pub const fn union(self, other: Permissions) -> Permissions {
        Permissions {
            read: self.read || other.read,
            write: self.write || other.write,
            execute: self.execute || other.execute,
        }
    }
}

/// A `PT_LOAD`: `file_size` bytes of the file at `file_offset` go to `address`, and the rest of
/// `memory_size` is zero (the `.bss`). Addresses are as linked (add the base for a static-pie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// `p_vaddr`.
    pub address: u64,
    /// `p_memsz`, above zero.
    pub memory_size: u64,
    /// `p_offset`.
    pub file_offset: u64,
    /// `p_filesz`, at most `memory_size`.
    pub file_size: u64,
    /// `p_flags`: never both write and execute.
    pub permissions: Permissions,
    /// `p_align`: 0 or a power of two.
    pub align: u64,
    /// The program header's index in the file, for messages.
    pub index: u16,
}

impl Segment {
    /// The first address after the segment (cannot overflow: checked by [`parse`]).
    pub const fn end(&self) -> u64 {
        self.address.saturating_add(self.memory_size)
    }

    /// Whether `length` bytes at `address` lie in the segment's memory.
    fn contains(&self, address: u64, length: u64) -> bool {
        address >= self.address && address.checked_add(length).is_some_and(|end| end <= self.end())
    }

    /// The file offset of `length` bytes at `address`, if they lie in the part that comes from
    /// the file.
    pub(crate) fn file_offset_of(&self, address: u64, length: u64) -> Option<u64> {
        let within = address.checked_sub(self.address)?;
        if within.checked_add(length)? > self.file_size {
            return None;
        }
        self.file_offset.checked_add(within)
    }
}

/// The thread-local storage template (`PT_TLS`): each thread's block starts as `file_size` bytes
/// copied from `address`, then zeroes up to `memory_size`, aligned to `align`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tls {
    /// `p_vaddr` of the initialization image (inside a `PT_LOAD`'s file bytes).
    pub address: u64,
    /// `p_filesz`.
    pub file_size: u64,
    /// `p_memsz`.
    pub memory_size: u64,
    /// `p_align`: 0 or a power of two.
    pub align: u64,
}

/// Where the program-header table is in memory, for `AT_PHDR`, `AT_PHENT` and `AT_PHNUM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramHeaders {
    /// The table's address as linked (from `PT_PHDR`, or the `PT_LOAD` that holds `e_phoff`).
    pub address: u64,
    /// `e_phnum`.
    pub count: u16,
    /// `e_phentsize` (always 56).
    pub entry_size: u16,
}

/// An `R_X86_64_RELATIVE` relocation: the 8 bytes at `offset` + base become base + `addend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relocation {
    /// `r_offset`: an address as linked, inside a writable segment.
    pub offset: u64,
    /// `r_addend`.
    pub addend: i64,
}

/// A checked static executable: everything a loader needs, and nothing else. Built only by
/// [`parse`], so its segments are sorted by address, do not overlap, lie inside the file, and
/// keep W^X.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub(crate) kind: Kind,
    pub(crate) entry: u64,
    pub(crate) segments: Vec<Segment>,
    pub(crate) tls: Option<Tls>,
    pub(crate) stack: Option<Permissions>,
    pub(crate) program_headers: ProgramHeaders,
    pub(crate) relocations: Vec<Relocation>,
    pub(crate) file_size: u64,
}

impl Program {
    /// Fixed-address or static-pie.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `e_entry`, as linked: inside an executable segment.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The `PT_LOAD`s with a memory size above zero, by address.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The `PT_TLS` template, if the program has thread-local data.
    pub fn tls(&self) -> Option<Tls> {
        self.tls
    }

    /// `PT_GNU_STACK`'s flags: what the program asks of its stack (`None`: no such header, which
    /// Linux reads as "executable"). Stardust's stacks are read-write and never executable.
    pub fn stack_permissions(&self) -> Option<Permissions> {
        self.stack
    }

    /// The program-header table in memory, for the auxiliary vector.
    pub fn program_headers(&self) -> ProgramHeaders {
        self.program_headers
    }

    /// The RELATIVE relocations to apply, in file order (empty for most `ET_EXEC` programs).
    pub fn relocations(&self) -> &[Relocation] {
        &self.relocations
    }

    /// The length of the file this was parsed from.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The alignment a static-pie's base needs: the page size, or the largest `PT_LOAD`
    /// alignment if larger (so that every segment keeps its own alignment in memory).
    pub fn base_alignment(&self) -> u64 {
        self.segments.iter().map(|segment| segment.align).fold(crate::PAGE_SIZE, u64::max)
    }

    /// The segment whose file bytes hold `length` bytes at `address` (as linked).
    pub(crate) fn file_offset_of(&self, address: u64, length: u64) -> Option<u64> {
        self.segments.iter().find_map(|segment| segment.file_offset_of(address, length))
    }
}

/// The fields of the ELF header a loader uses.
struct FileHeader {
    elf_type: u16,
    entry: u64,
    program_header_offset: u64,
    program_header_count: u16,
}

/// A program header as read, before it is judged.
#[derive(Clone, Copy)]
pub(crate) struct RawHeader {
    pub(crate) index: u16,
    pub(crate) header_type: u32,
    pub(crate) flags: u32,
    pub(crate) offset: u64,
    pub(crate) address: u64,
    pub(crate) file_size: u64,
    pub(crate) memory_size: u64,
    pub(crate) align: u64,
}

/// Checks a static x86-64 Linux executable and returns what a loader needs.
///
/// Accepted: a 64-bit little-endian x86-64 ELF file of type `ET_EXEC`, or `ET_DYN` without
/// `PT_INTERP` (a static-pie), whose loadable segments lie inside the file, do not overlap, keep
/// W^X, and whose entry point lies in an executable segment. Every refusal is an [`ElfError`]
/// naming the reason (any variant but the four that only [`Program::layout`] returns:
/// `BaseNotAllowed`, `BaseMisaligned`, `OutsideUserSpace`, `PageWritableAndExecutable`); no input
/// makes this panic. Section headers are not read.
///
/// A static-pie's relocations come from its dynamic section's `DT_RELA` and `DT_JMPREL` tables;
/// `R_X86_64_NONE` entries are skipped. An `ET_DYN` without `PT_DYNAMIC` is accepted with no
/// relocations (it is position-independent as it stands).
pub fn parse(bytes: &[u8]) -> Result<Program, ElfError> {
    let header = read_file_header(bytes)?;
    let headers = read_program_headers(bytes, &header)?;
    // usize is at most 64 bits on every target this builds for.
    let file_size = bytes.len() as u64;

    // A dynamic program fails several later checks too; the reason that helps is this one.
    if headers.iter().any(|raw| raw.header_type == PT_INTERP) {
        return Err(ElfError::NeedsDynamicLinker);
    }

    let mut segments = Vec::new();
    let mut tls = None;
    let mut stack = None;
    let mut program_header_segment = None;
    let mut dynamic_segment = None;
    for raw in &headers {
        match raw.header_type {
            PT_LOAD => {
                check_extent(raw, file_size)?;
                if raw.align > 1 && raw.address % raw.align != raw.offset % raw.align {
                    return Err(ElfError::Misaligned { index: raw.index });
                }
                let permissions = Permissions::from_flags(raw.flags);
                if permissions.write && permissions.execute {
                    return Err(ElfError::WritableAndExecutable { index: raw.index });
                }
                // An empty PT_LOAD loads nothing; Linux skips it as well.
                if raw.memory_size > 0 {
                    segments.push(Segment {
                        address: raw.address,
                        memory_size: raw.memory_size,
                        file_offset: raw.offset,
                        file_size: raw.file_size,
                        permissions,
                        align: raw.align,
                        index: raw.index,
                    });
                }
            }
            PT_TLS => {
                check_extent(raw, file_size)?;
                set_once(&mut tls, raw)?;
            }
            PT_DYNAMIC => {
                check_extent(raw, file_size)?;
                set_once(&mut dynamic_segment, raw)?;
            }
            PT_PHDR => {
                check_extent(raw, file_size)?;
                set_once(&mut program_header_segment, raw)?;
            }
            PT_GNU_STACK => set_once(&mut stack, raw)?,
            // PT_NOTE, PT_GNU_RELRO, PT_GNU_EH_FRAME, PT_GNU_PROPERTY, PT_NULL and the rest
            // describe data already inside a PT_LOAD, or nothing a loader acts on.
            _ => {}
        }
    }

    if segments.is_empty() {
        return Err(ElfError::NoLoadableSegment);
    }
    // The ELF specification wants PT_LOADs sorted by address; sorting here lets every later step
    // (overlap, layout) rely on it whatever the file's order.
    segments.sort_by_key(|segment| segment.address);
    for pair in segments.windows(2) {
        if let [first, second] = pair
            && first.end() > second.address
        {
            return Err(ElfError::OverlappingSegments { first: first.index, second: second.index });
        }
    }

    let kind = if header.elf_type == ET_EXEC { Kind::Exec } else { Kind::StaticPie };
    let mut program = Program {
        kind,
        entry: header.entry,
        segments,
        tls: None,
        stack: stack.map(|raw: RawHeader| Permissions::from_flags(raw.flags)),
        program_headers: ProgramHeaders {
            address: 0,
            count: header.program_header_count,
            entry_size: PROGRAM_HEADER_SIZE,
        },
        relocations: Vec::new(),
        file_size,
    };

    if !program.segments.iter().any(|segment| segment.permissions.execute && segment.contains(header.entry, 1)) {
        return Err(ElfError::EntryNotExecutable { entry: header.entry });
    }

    program.program_headers.address = program_header_address(&program, &header, program_header_segment)?;

    if let Some(raw) = tls {
        // musl and Rust's std copy each thread's TLS block from this address in memory.
        if raw.file_size > 0 && program.file_offset_of(raw.address, raw.file_size).is_none() {
            return Err(ElfError::NotLoaded { header_type: PT_TLS });
        }
        program.tls = Some(Tls {
            address: raw.address,
            file_size: raw.file_size,
            memory_size: raw.memory_size,
            align: raw.align,
        });
    }

    if let Some(raw) = dynamic_segment {
        // A static-pie's start-up code (musl's _dlstart_c) walks _DYNAMIC in its own memory, so
        // read the bytes that land there.
        let offset = program
            .file_offset_of(raw.address, raw.file_size)
            .ok_or(ElfError::NotLoaded { header_type: PT_DYNAMIC })?;
        let entries = crate::read::bytes_at(bytes, offset, raw.file_size)
            .ok_or(ElfError::NotLoaded { header_type: PT_DYNAMIC })?;
        program.relocations = dynamic::relocations(bytes, entries, &program)?;
    }

    Ok(program)
}

fn read_file_header(bytes: &[u8]) -> Result<FileHeader, ElfError> {
    let magic_length = bytes.len().min(MAGIC.len());
    if bytes.get(..magic_length) != MAGIC.get(..magic_length) || bytes.is_empty() {
        return Err(ElfError::NotElf);
    }
    let header = bytes.get(..HEADER_SIZE).ok_or(ElfError::Truncated)?;
    let byte = |offset: usize| header.get(offset).copied().ok_or(ElfError::Truncated);
    let half = |offset: usize| u16_at(header, offset).ok_or(ElfError::Truncated);
    let word = |offset: usize| u32_at(header, offset).ok_or(ElfError::Truncated);
    let double = |offset: usize| u64_at(header, offset).ok_or(ElfError::Truncated);

    let class = byte(4)?;
    if class != ELFCLASS64 {
        return Err(ElfError::NotSixtyFourBit { class });
    }
    let encoding = byte(5)?;
    if encoding != ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian { encoding });
    }
    let identity_version = u32::from(byte(6)?);
    if identity_version != EV_CURRENT {
        return Err(ElfError::UnknownVersion { version: identity_version });
    }
    // EI_OSABI is not checked: linkers write 0 (System V) or 3 (GNU) for the same programs, and
    // Linux ignores it.
    let elf_type = half(16)?;
    let machine = half(18)?;
    if machine != EM_X86_64 {
        return Err(ElfError::WrongMachine { machine });
    }
    let version = word(20)?;
    if version != EV_CURRENT {
        return Err(ElfError::UnknownVersion { version });
    }
    if elf_type != ET_EXEC && elf_type != ET_DYN {
        return Err(ElfError::NotExecutable { elf_type });
    }
    let entry_size = half(54)?;
    if entry_size != PROGRAM_HEADER_SIZE {
        return Err(ElfError::BadProgramHeaderSize { size: entry_size });
    }
    let count = half(56)?;
    if count > MAX_PROGRAM_HEADERS {
        return Err(ElfError::TooManyProgramHeaders { count });
    }
    Ok(FileHeader { elf_type, entry: double(24)?, program_header_offset: double(32)?, program_header_count: count })
}

fn read_program_headers(bytes: &[u8], header: &FileHeader) -> Result<Vec<RawHeader>, ElfError> {
    let table_size = u64::from(header.program_header_count) * u64::from(PROGRAM_HEADER_SIZE);
    let table = crate::read::bytes_at(bytes, header.program_header_offset, table_size)
        .ok_or(ElfError::ProgramHeadersOutsideFile)?;
    let mut headers = Vec::with_capacity(usize::from(header.program_header_count));
    for (index, entry) in (0..header.program_header_count).zip(table.chunks_exact(usize::from(PROGRAM_HEADER_SIZE))) {
        let field = |offset: usize| u64_at(entry, offset).ok_or(ElfError::ProgramHeadersOutsideFile);
        headers.push(RawHeader {
            index,
            header_type: u32_at(entry, 0).ok_or(ElfError::ProgramHeadersOutsideFile)?,
            flags: u32_at(entry, 4).ok_or(ElfError::ProgramHeadersOutsideFile)?,
            offset: field(8)?,
            address: field(16)?,
            file_size: field(32)?,
            memory_size: field(40)?,
            align: field(48)?,
        });
    }
    Ok(headers)
}

/// The checks every header with file bytes and addresses must pass.
fn check_extent(raw: &RawHeader, file_size: u64) -> Result<(), ElfError> {
    let index = raw.index;
    if raw.align > 1 && !raw.align.is_power_of_two() {
        return Err(ElfError::BadAlignment { index });
    }
    if raw.file_size > raw.memory_size {
        return Err(ElfError::FileSizeExceedsMemorySize { index });
    }
    if raw.offset.checked_add(raw.file_size).is_none_or(|end| end > file_size) {
        return Err(ElfError::SegmentOutsideFile { index });
    }
    if raw.address.checked_add(raw.memory_size).is_none() {
        return Err(ElfError::AddressOverflow { index });
    }
    Ok(())
}

fn set_once(slot: &mut Option<RawHeader>, raw: &RawHeader) -> Result<(), ElfError> {
    if slot.is_some() {
        return Err(ElfError::DuplicateHeader { header_type: raw.header_type });
    }
    *slot = Some(*raw);
    Ok(())
}

/// Where `AT_PHDR` points: `PT_PHDR`'s address when there is one (checked to hold the table), or
/// the address of the loaded bytes at `e_phoff`. Static executables usually have no `PT_PHDR`;
/// their first `PT_LOAD` starts at file offset 0 and carries the headers.
fn program_header_address(
    program: &Program,
    header: &FileHeader,
    program_header_segment: Option<RawHeader>,
) -> Result<u64, ElfError> {
    let table_size = u64::from(header.program_header_count) * u64::from(PROGRAM_HEADER_SIZE);
    let not_loaded = ElfError::NotLoaded { header_type: PT_PHDR };
    if let Some(raw) = program_header_segment {
        return match program.file_offset_of(raw.address, table_size) {
            Some(offset) if offset == header.program_header_offset => Ok(raw.address),
            _ => Err(not_loaded),
        };
    }
    program
        .segments
        .iter()
        .find_map(|segment| {
            let within = header.program_header_offset.checked_sub(segment.file_offset)?;
            if within.checked_add(table_size)? > segment.file_size {
                return None;
            }
            segment.address.checked_add(within)
        })
        .ok_or(not_loaded)
}
