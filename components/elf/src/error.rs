//! Why a file cannot be run, why it cannot be loaded into a buffer, and why a stack cannot be
//! built: one small enum per operation family, each variant printable in words a user can act on.

use core::fmt;

use crate::program::{
    ET_CORE, ET_REL, PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS, R_X86_64_64, R_X86_64_COPY,
    R_X86_64_DTPMOD64, R_X86_64_GLOB_DAT, R_X86_64_IRELATIVE, R_X86_64_JUMP_SLOT, R_X86_64_TPOFF64,
};

/// Why [`parse`](crate::parse) refused a file, or [`Program::layout`](crate::Program::layout)
/// refused a base. `index` fields count program headers from 0, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfError {
    /// The file does not start with the ELF magic `\x7fELF`.
    NotElf,
    /// The file starts like ELF but ends before its 64-byte header does.
    Truncated,
    /// `EI_CLASS` is not `ELFCLASS64` (1 is a 32-bit program).
    NotSixtyFourBit {
        /// The `EI_CLASS` byte.
        class: u8,
    },
    /// `EI_DATA` is not `ELFDATA2LSB` (2 is big-endian).
    NotLittleEndian {
        /// The `EI_DATA` byte.
        encoding: u8,
    },
    /// `EI_VERSION` or `e_version` is not `EV_CURRENT` (1).
    UnknownVersion {
        /// The version that is not 1.
        version: u32,
    },
    /// `e_machine` is not x86-64 (62).
    WrongMachine {
        /// The `e_machine` field.
        machine: u16,
    },
    /// `e_type` is neither `ET_EXEC` nor `ET_DYN`: an object file, a core dump, or unknown.
    NotExecutable {
        /// The `e_type` field.
        elf_type: u16,
    },
    /// `e_phentsize` is not 56, the size of an ELF-64 program header.
    BadProgramHeaderSize {
        /// The `e_phentsize` field.
        size: u16,
    },
    /// `e_phnum` is above [`MAX_PROGRAM_HEADERS`](crate::MAX_PROGRAM_HEADERS) (a linker writes
    /// about ten; 65,535 means the real count hides in a section header, which is not read).
    TooManyProgramHeaders {
        /// The `e_phnum` field.
        count: u16,
    },
    /// The program-header table (`e_phoff`, `e_phnum` entries) does not lie inside the file.
    ProgramHeadersOutsideFile,
    /// A `PT_INTERP` header: the program is dynamically linked and needs a dynamic linker.
    NeedsDynamicLinker,
    /// The dynamic section names a shared library (`DT_NEEDED`).
    NeedsSharedLibraries,
    /// A header type that must appear at most once appears twice (`PT_TLS`, `PT_DYNAMIC`,
    /// `PT_PHDR`, `PT_GNU_STACK`).
    DuplicateHeader {
        /// The `p_type` that repeats.
        header_type: u32,
    },
    /// A header's file bytes (`p_offset`, `p_filesz`) run past the end of the file.
    SegmentOutsideFile {
        /// The header's index.
        index: u16,
    },
    /// A header's `p_filesz` is larger than its `p_memsz`.
    FileSizeExceedsMemorySize {
        /// The header's index.
        index: u16,
    },
    /// A header's addresses (`p_vaddr` + `p_memsz`) pass the end of the 64-bit address space.
    AddressOverflow {
        /// The header's index.
        index: u16,
    },
    /// A header's `p_align` is neither 0 nor a power of two.
    BadAlignment {
        /// The header's index.
        index: u16,
    },
    /// A `PT_LOAD` whose `p_vaddr` and `p_offset` differ modulo its `p_align` (above 1).
    Misaligned {
        /// The header's index.
        index: u16,
    },
    /// A `PT_LOAD` is both writable and executable: Stardust keeps W^X for programs too.
    WritableAndExecutable {
        /// The header's index.
        index: u16,
    },
    /// Two `PT_LOAD`s claim the same addresses.
    OverlappingSegments {
        /// The header with the lower address.
        first: u16,
        /// The header that starts inside it.
        second: u16,
    },
    /// No `PT_LOAD` with a size above zero: nothing to run.
    NoLoadableSegment,
    /// `e_entry` lies outside every executable `PT_LOAD`.
    EntryNotExecutable {
        /// The `e_entry` field.
        entry: u64,
    },
    /// Something the program reads in its own memory is not in any `PT_LOAD`'s file bytes: the
    /// program headers (`PT_PHDR`, for `AT_PHDR`), the TLS template (`PT_TLS`) or the dynamic
    /// section (`PT_DYNAMIC`, which a static-pie's start-up code walks).
    NotLoaded {
        /// `PT_PHDR` for the program headers, `PT_TLS` or `PT_DYNAMIC`.
        header_type: u32,
    },
    /// The dynamic section holds a tag this loader does not implement: `DT_REL` (REL-style
    /// relocations), `DT_RELR` (packed relative relocations) or a `DT_PLTREL` other than
    /// `DT_RELA`.
    UnsupportedDynamicTag {
        /// The `d_tag` (or, for `DT_PLTREL`, its value).
        tag: u64,
    },
    /// `DT_RELAENT` is absent or not 24, the size of an ELF-64 `Rela` entry.
    BadRelocationEntrySize {
        /// The `DT_RELAENT` value (0 when absent).
        size: u64,
    },
    /// A relocation table (`DT_RELA`/`DT_RELASZ`, or `DT_JMPREL`/`DT_PLTRELSZ`) has an address
    /// without a size or the reverse, a size that is not a whole number of entries, or bytes
    /// outside every `PT_LOAD`'s file contents.
    BadRelocationTable,
    /// A relocation of a type other than `R_X86_64_RELATIVE` (or `R_X86_64_NONE`): it needs
    /// symbols, thread-local storage or code at load time, which only a dynamic linker provides.
    UnsupportedRelocation {
        /// The type, the low 32 bits of `r_info`.
        relocation_type: u32,
    },
    /// A relocation's 8 bytes are not inside one writable `PT_LOAD`.
    RelocationOutsideWritable {
        /// The relocation's `r_offset` (unrelocated).
        offset: u64,
    },
    /// An `ET_EXEC` program loads only at the addresses it was linked for: its base must be 0.
    BaseNotAllowed {
        /// The base asked for.
        base: u64,
    },
    /// A static-pie's base must be a multiple of [`Program::base_alignment`](crate::Program::base_alignment)
    /// (the page size, or its largest `PT_LOAD` alignment if larger).
    BaseMisaligned {
        /// The base asked for.
        base: u64,
        /// The alignment it lacks.
        alignment: u64,
    },
    /// At this base some page would lie in page zero (which stays unmapped so that null pointers
    /// fault) or at or above [`USER_SPACE_END`](crate::USER_SPACE_END), or an address overflows.
    OutsideUserSpace {
        /// The base asked for.
        base: u64,
    },
    /// Two `PT_LOAD`s share a page, one writable and the other executable: the page cannot keep
    /// W^X.
    PageWritableAndExecutable {
        /// The shared page's address at the base.
        page: u64,
    },
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ElfError::NotElf => f.write_str("not an ELF file (no \\x7fELF magic)"),
            ElfError::Truncated => f.write_str("truncated ELF file: it ends inside its 64-byte header"),
            ElfError::NotSixtyFourBit { class: 1 } => {
                f.write_str("a 32-bit ELF file (ELFCLASS32): only 64-bit x86-64 programs run")
            }
            ElfError::NotSixtyFourBit { class } => {
                write!(f, "unknown ELF class {class}: only 64-bit x86-64 programs (ELFCLASS64) run")
            }
            ElfError::NotLittleEndian { encoding: 2 } => {
                f.write_str("a big-endian ELF file: x86-64 programs are little-endian")
            }
            ElfError::NotLittleEndian { encoding } => {
                write!(f, "unknown ELF data encoding {encoding}: x86-64 programs are little-endian")
            }
            ElfError::UnknownVersion { version } => write!(f, "unknown ELF version {version} (expected 1)"),
            ElfError::WrongMachine { machine } => {
                write!(f, "built for {} (e_machine {machine}), not x86-64", machine_name(machine))
            }
            ElfError::NotExecutable { elf_type: ET_REL } => {
                f.write_str("an object file (ET_REL), not a program: link it into an executable")
            }
            ElfError::NotExecutable { elf_type: ET_CORE } => f.write_str("a core dump (ET_CORE), not a program"),
            ElfError::NotExecutable { elf_type } => {
                write!(f, "not an executable (e_type {elf_type}; expected ET_EXEC or a static-pie ET_DYN)")
            }
            ElfError::BadProgramHeaderSize { size } => {
                write!(f, "program headers of {size} bytes (e_phentsize); ELF-64 has 56")
            }
            ElfError::TooManyProgramHeaders { count } => write!(
                f,
                "{count} program headers (e_phnum); at most {} are accepted",
                crate::program::MAX_PROGRAM_HEADERS
            ),
            ElfError::ProgramHeadersOutsideFile => f.write_str("the program headers lie outside the file"),
            ElfError::NeedsDynamicLinker => f.write_str(
                "dynamically linked: it needs a dynamic linker (PT_INTERP); build it static (musl-gcc -static)",
            ),
            ElfError::NeedsSharedLibraries => {
                f.write_str("dynamically linked: it names shared libraries (DT_NEEDED); build it static")
            }
            ElfError::DuplicateHeader { header_type } => {
                write!(f, "more than one {} program header", HeaderType(header_type))
            }
            ElfError::SegmentOutsideFile { index } => {
                write!(f, "program header {index}: its file bytes run past the end of the file")
            }
            ElfError::FileSizeExceedsMemorySize { index } => {
                write!(f, "program header {index}: its file size is larger than its memory size")
            }
            ElfError::AddressOverflow { index } => {
                write!(f, "program header {index}: its address range overflows 64 bits")
            }
            ElfError::BadAlignment { index } => {
                write!(f, "program header {index}: its alignment is not a power of two")
            }
            ElfError::Misaligned { index } => {
                write!(f, "program header {index}: its address and file offset disagree modulo its alignment")
            }
            ElfError::WritableAndExecutable { index } => write!(
                f,
                "program header {index}: a segment both writable and executable (W^X is kept: relink without -N or RWX sections)"
            ),
            ElfError::OverlappingSegments { first, second } => {
                write!(f, "loadable segments {first} and {second} overlap")
            }
            ElfError::NoLoadableSegment => f.write_str("no loadable segment (PT_LOAD): nothing to run"),
            ElfError::EntryNotExecutable { entry } => {
                write!(f, "the entry point {entry:#x} lies outside every executable segment")
            }
            ElfError::NotLoaded { header_type: PT_PHDR } => {
                f.write_str("the program headers are not in any loaded segment, so AT_PHDR cannot point at them")
            }
            ElfError::NotLoaded { header_type } => {
                write!(f, "the {} data is not in any loaded segment's file bytes", HeaderType(header_type))
            }
            ElfError::UnsupportedDynamicTag { tag } => write!(
                f,
                "the dynamic section uses {} (tag {tag}), which this loader does not apply",
                dynamic_tag_name(tag)
            ),
            ElfError::BadRelocationEntrySize { size } => {
                write!(f, "relocation entries of {size} bytes (DT_RELAENT); ELF-64 Rela entries have 24")
            }
            ElfError::BadRelocationTable => f.write_str(
                "a relocation table is incomplete, not a whole number of entries, or outside the loaded file bytes",
            ),
            ElfError::UnsupportedRelocation { relocation_type } => write!(
                f,
                "a relocation of type {} ({relocation_type}): only R_X86_64_RELATIVE is applied without a dynamic linker",
                relocation_name(relocation_type)
            ),
            ElfError::RelocationOutsideWritable { offset } => {
                write!(f, "a relocation at {offset:#x} is not inside a writable segment")
            }
            ElfError::BaseNotAllowed { base } => write!(
                f,
                "base {base:#x} for a fixed-address program (ET_EXEC): it loads only at its own addresses (base 0)"
            ),
            ElfError::BaseMisaligned { base, alignment } => {
                write!(f, "base {base:#x} is not a multiple of the program's alignment {alignment:#x}")
            }
            ElfError::OutsideUserSpace { base } => write!(
                f,
                "at base {base:#x} the program would lie in page zero or beyond user space (below {:#x})",
                crate::USER_SPACE_END
            ),
            ElfError::PageWritableAndExecutable { page } => {
                write!(f, "the page at {page:#x} holds a writable and an executable segment: W^X cannot hold")
            }
        }
    }
}

/// Why [`Layout::load`](crate::Layout::load) or
/// [`Layout::apply_relocations`](crate::Layout::apply_relocations) failed. With the program, the
/// file and the layout that belong together and an image of [`Layout::size`](crate::Layout::size)
/// bytes, neither can fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// The image buffer is shorter than the layout (or a relocation's address lies past it).
    ImageTooSmall {
        /// Bytes needed.
        needed: u64,
        /// Bytes given.
        have: u64,
    },
    /// The file is shorter than the program that was parsed from it: not the same file.
    FileTooShort {
        /// Bytes needed.
        needed: u64,
        /// Bytes given.
        have: u64,
    },
    /// A relocation's value (base + addend) is not a 64-bit address, or its address at this
    /// base is not in the image.
    RelocationOutOfRange {
        /// The relocation's `r_offset` (unrelocated).
        offset: u64,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LoadError::ImageTooSmall { needed, have } => {
                write!(f, "the image buffer holds {have} bytes; the layout needs {needed}")
            }
            LoadError::FileTooShort { needed, have } => {
                write!(f, "the file holds {have} bytes; the program needs {needed}: not the file it was parsed from")
            }
            LoadError::RelocationOutOfRange { offset } => {
                write!(f, "the relocation at {offset:#x} falls outside the image or the address space at this base")
            }
        }
    }
}

/// Why [`initial_stack`](crate::initial_stack) could not build a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// The arguments, environment, strings and tables need more bytes than the limit given.
    TooLarge {
        /// Bytes needed.
        needed: u64,
        /// The limit given.
        limit: u64,
    },
    /// The stack's top address is too low to hold what is needed below it.
    TopTooLow {
        /// The top address given.
        top: u64,
    },
    /// An argument, an environment entry or the executable's name contains a NUL byte, which a
    /// C string cannot hold.
    NulInString,
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StackError::TooLarge { needed, limit } => {
                write!(f, "arguments and environment need {needed} bytes of stack; the limit is {limit}")
            }
            StackError::TopTooLow { top } => write!(f, "the stack top {top:#x} is too low for the arguments"),
            StackError::NulInString => {
                f.write_str("an argument, environment entry or program name contains a NUL byte")
            }
        }
    }
}

/// A `p_type`, by name where it has one.
struct HeaderType(u32);

impl fmt::Display for HeaderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PT_LOAD => f.write_str("PT_LOAD"),
            PT_DYNAMIC => f.write_str("PT_DYNAMIC"),
            PT_INTERP => f.write_str("PT_INTERP"),
            PT_PHDR => f.write_str("PT_PHDR"),
            PT_TLS => f.write_str("PT_TLS"),
            PT_GNU_STACK => f.write_str("PT_GNU_STACK"),
            other => write!(f, "type {other:#x}"),
        }
    }
}

/// The architectures a user is likely to hand over by mistake.
fn machine_name(machine: u16) -> &'static str {
    match machine {
        3 => "i386",
        40 => "32-bit Arm",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "another architecture",
    }
}

fn dynamic_tag_name(tag: u64) -> &'static str {
    match tag {
        crate::dynamic::DT_REL => "DT_REL",
        crate::dynamic::DT_RELR => "DT_RELR (packed relative relocations: link with -z nopack-relative-relocs)",
        crate::dynamic::DT_PLTREL => "DT_PLTREL",
        _ => "an unsupported tag",
    }
}

fn relocation_name(relocation_type: u32) -> &'static str {
    match relocation_type {
        R_X86_64_64 => "R_X86_64_64",
        R_X86_64_COPY => "R_X86_64_COPY",
        R_X86_64_GLOB_DAT => "R_X86_64_GLOB_DAT",
        R_X86_64_JUMP_SLOT => "R_X86_64_JUMP_SLOT",
        R_X86_64_DTPMOD64 => "R_X86_64_DTPMOD64",
        R_X86_64_TPOFF64 => "R_X86_64_TPOFF64",
        R_X86_64_IRELATIVE => "R_X86_64_IRELATIVE",
        _ => "an unsupported type",
    }
}
