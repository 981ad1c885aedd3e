//! The dynamic section of a static-pie: only its relocation tables matter, and only RELATIVE
//! relocations are accepted, since anything else needs symbols that only a dynamic linker has.

use alloc::vec::Vec;

use crate::ElfError;
use crate::program::{Program, R_X86_64_NONE, R_X86_64_RELATIVE, Relocation};
use crate::read::{bytes_at, u64_at};

const DYNAMIC_ENTRY_SIZE: usize = 16;
const RELA_ENTRY_BYTES: usize = 24;
const RELA_ENTRY_SIZE: u64 = RELA_ENTRY_BYTES as u64;
/// The bytes a RELATIVE relocation writes.
const RELOCATED_WORD: u64 = 8;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_PLTRELSZ: u64 = 2;
const DT_RELA: u64 = 7;
const DT_RELASZ: u64 = 8;
const DT_RELAENT: u64 = 9;
pub(crate) const DT_REL: u64 = 17;
pub(crate) const DT_PLTREL: u64 = 20;
const DT_JMPREL: u64 = 23;
pub(crate) const DT_RELR: u64 = 36;

/// The relocation tables a dynamic section names, by address as linked.
#[derive(Default)]
struct Tables {
    rela: Option<u64>,
    rela_size: Option<u64>,
    rela_entry_size: Option<u64>,
    plt: Option<u64>,
    plt_size: Option<u64>,
    plt_kind: Option<u64>,
}

/// Reads the dynamic section's `entries` (as they lie in memory) and returns every RELATIVE
/// relocation of its `DT_RELA` and `DT_JMPREL` tables, each checked to target a writable
/// segment of `program`. `file` is the whole file.
pub(crate) fn relocations(file: &[u8], entries: &[u8], program: &Program) -> Result<Vec<Relocation>, ElfError> {
    let mut tables = Tables::default();
    for entry in entries.chunks_exact(DYNAMIC_ENTRY_SIZE) {
        let (Some(tag), Some(value)) = (u64_at(entry, 0), u64_at(entry, 8)) else { break };
        match tag {
            DT_NULL => break,
            DT_NEEDED => return Err(ElfError::NeedsSharedLibraries),
            DT_REL | DT_RELR => return Err(ElfError::UnsupportedDynamicTag { tag }),
            DT_RELA => tables.rela = Some(value),
            DT_RELASZ => tables.rela_size = Some(value),
            DT_RELAENT => tables.rela_entry_size = Some(value),
            DT_JMPREL => tables.plt = Some(value),
            DT_PLTRELSZ => tables.plt_size = Some(value),
            DT_PLTREL => tables.plt_kind = Some(value),
            // Symbol tables, init arrays, flags and the like: the program's own start-up code
            // reads them, the loader does not.
            _ => {}
        }
    }

    let mut relocations = Vec::new();
    if tables.rela.is_some() || tables.rela_size.is_some() {
        match tables.rela_entry_size {
            Some(RELA_ENTRY_SIZE) => {}
            other => return Err(ElfError::BadRelocationEntrySize { size: other.unwrap_or(0) }),
        }
        read_table(file, program, tables.rela, tables.rela_size, &mut relocations)?;
    }
    if tables.plt.is_some() || tables.plt_size.is_some() {
        match tables.plt_kind {
            Some(DT_RELA) => {}
            Some(DT_REL) => return Err(ElfError::UnsupportedDynamicTag { tag: DT_REL }),
            _ => return Err(ElfError::UnsupportedDynamicTag { tag: DT_PLTREL }),
        }
        read_table(file, program, tables.plt, tables.plt_size, &mut relocations)?;
    }
    Ok(relocations)
}

/// Appends the RELATIVE relocations of the `Rela` table of `size` bytes at `address`.
fn read_table(
    file: &[u8],
    program: &Program,
    address: Option<u64>,
    size: Option<u64>,
    relocations: &mut Vec<Relocation>,
) -> Result<(), ElfError> {
    let (Some(address), Some(size)) = (address, size) else { return Err(ElfError::BadRelocationTable) };
    if size % RELA_ENTRY_SIZE != 0 {
        return Err(ElfError::BadRelocationTable);
    }
    let offset = program.file_offset_of(address, size).ok_or(ElfError::BadRelocationTable)?;
    let table = bytes_at(file, offset, size).ok_or(ElfError::BadRelocationTable)?;
    // The table lies inside the file, so this reservation is bounded by the input's size.
    relocations.reserve(table.len() / RELA_ENTRY_BYTES);
    for entry in table.chunks_exact(RELA_ENTRY_BYTES) {
        let (Some(offset), Some(info), Some(addend)) = (u64_at(entry, 0), u64_at(entry, 8), u64_at(entry, 16)) else {
            return Err(ElfError::BadRelocationTable);
        };
        // The type is r_info's low 32 bits; the symbol index above it means nothing to RELATIVE.
        let relocation_type = (info & u64::from(u32::MAX)) as u32;
        match relocation_type {
            R_X86_64_NONE => continue,
            R_X86_64_RELATIVE => {}
            _ => return Err(ElfError::UnsupportedRelocation { relocation_type }),
        }
        // RELRO data (.got, .data.rel.ro) sits in the writable PT_LOAD and is made read-only only
        // after relocation, so a relocation anywhere else would be a text relocation: refused.
        let writable = program.segments().iter().any(|segment| {
            segment.permissions.write
                && offset >= segment.address
                && offset.checked_add(RELOCATED_WORD).is_some_and(|end| end <= segment.end())
        });
        if !writable {
            return Err(ElfError::RelocationOutsideWritable { offset });
        }
        relocations.push(Relocation { offset, addend: addend as i64 });
    }
    Ok(())
}
