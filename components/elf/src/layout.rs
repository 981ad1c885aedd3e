//! A program placed at a base: the pages it occupies with their permissions, and the image
//! buffer that holds those pages' contents before they are mapped.

use alloc::vec::Vec;

use crate::program::{Kind, Permissions, Program, Tls};
use crate::{ElfError, LoadError, PAGE_SIZE, USER_SPACE_END};

/// Pages `start..end` (page-aligned addresses at the base) with one set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRange {
    /// The first page's address.
    pub start: u64,
    /// The address after the last page.
    pub end: u64,
    /// What the pages allow: the union of the segments on them, never write and execute.
    pub permissions: Permissions,
}

/// Where a [`Program`] lies at one base. Built by [`Program::layout`]; every address in it is
/// absolute (base added), inside user space and above page zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    base: u64,
    start: u64,
    end: u64,
    pages: Vec<PageRange>,
    entry: u64,
    program_headers: u64,
    tls: Option<Tls>,
}

impl Program {
    /// Places the program at `base`: 0 for `ET_EXEC`, a multiple of
    /// [`Program::base_alignment`] for a static-pie.
    ///
    /// Each segment covers the pages from its first byte's page to its last byte's; a page that
    /// two segments share gets both permissions (a read-only and an executable segment make it
    /// read-execute), unless that would make it writable and executable, which is refused.
    /// Pages between segments are absent from [`Layout::pages`]: they stay unmapped.
    ///
    /// Errors: [`ElfError::BaseNotAllowed`], [`ElfError::BaseMisaligned`],
    /// [`ElfError::OutsideUserSpace`], [`ElfError::PageWritableAndExecutable`].
    pub fn layout(&self, base: u64) -> Result<Layout, ElfError> {
        match self.kind {
            Kind::Exec if base != 0 => return Err(ElfError::BaseNotAllowed { base }),
            Kind::StaticPie if !base.is_multiple_of(self.base_alignment()) => {
                return Err(ElfError::BaseMisaligned { base, alignment: self.base_alignment() });
            }
            _ => {}
        }
        let outside = ElfError::OutsideUserSpace { base };
        let relocate = |address: u64| base.checked_add(address).ok_or(outside);

        let mut pages: Vec<PageRange> = Vec::with_capacity(self.segments.len());
        let mut previous = None;
        for segment in &self.segments {
            let start = round_down(relocate(segment.address)?);
            let end = round_up(relocate(segment.end())?).ok_or(outside)?;
            if start < PAGE_SIZE || end > USER_SPACE_END {
                return Err(outside);
            }
            let overlap =
                ElfError::OverlappingSegments { first: previous.unwrap_or(segment.index), second: segment.index };
            add_pages(&mut pages, PageRange { start, end, permissions: segment.permissions }, overlap)?;
            previous = Some(segment.index);
        }
        let (Some(first), Some(last)) = (pages.first(), pages.last()) else {
            return Err(ElfError::NoLoadableSegment);
        };
        let (start, end) = (first.start, last.end);

        let tls = match self.tls {
            Some(tls) => Some(Tls { address: relocate(tls.address)?, ..tls }),
            None => None,
        };
        Ok(Layout {
            base,
            start,
            end,
            pages,
            entry: relocate(self.entry)?,
            program_headers: relocate(self.program_headers.address)?,
            tls,
        })
    }
}

/// Appends a segment's pages to the sorted list. Segments come sorted and do not overlap, so a
/// new range can share at most its first page with the list's last range; `overlap` is the
/// answer if it shares more, which [`crate::parse`] has already ruled out.
fn add_pages(pages: &mut Vec<PageRange>, range: PageRange, overlap: ElfError) -> Result<(), ElfError> {
    let Some(last) = pages.last_mut() else {
        pages.push(range);
        return Ok(());
    };
    if range.start >= last.end {
        if range.start == last.end && range.permissions == last.permissions {
            last.end = range.end;
        } else {
            pages.push(range);
        }
        return Ok(());
    }
    // The shared page is [range.start, range.start + PAGE_SIZE).
    let shared_end = range.start.checked_add(PAGE_SIZE).ok_or(overlap)?;
    if last.end != shared_end || range.start < last.start {
        return Err(overlap);
    }
    let shared = last.permissions.union(range.permissions);
    if shared.write && shared.execute {
        return Err(ElfError::PageWritableAndExecutable { page: range.start });
    }
    if shared != last.permissions {
        if last.start == range.start {
            last.permissions = shared;
        } else {
            last.end = range.start;
            pages.push(PageRange { start: range.start, end: shared_end, permissions: shared });
        }
    }
    if range.end > shared_end {
        add_pages(pages, PageRange { start: shared_end, ..range }, overlap)?;
    }
    Ok(())
}

const fn round_down(address: u64) -> u64 {
    address & !(PAGE_SIZE - 1)
}

fn round_up(address: u64) -> Option<u64> {
    Some(round_down(address.checked_add(PAGE_SIZE - 1)?))
}

impl Layout {
    /// The base the program was placed at.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The lowest page's address: byte 0 of the image buffer.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The address after the highest page.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The image's size in bytes (`end - start`, gaps between segments included).
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// The program's pages by address, with their permissions; consecutive ranges with the same
    /// permissions are merged.
    pub fn pages(&self) -> &[PageRange] {
        &self.pages
    }

    /// The permissions of the page holding `address`, or `None` if it is not the program's.
    pub fn permissions_at(&self, address: u64) -> Option<Permissions> {
        self.pages.iter().find(|range| (range.start..range.end).contains(&address)).map(|range| range.permissions)
    }

    /// The entry point at the base (`AT_ENTRY`, and where the program starts).
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The program-header table's address at the base (`AT_PHDR`).
    pub fn program_headers(&self) -> u64 {
        self.program_headers
    }

    /// The TLS template at the base, if any.
    pub fn tls(&self) -> Option<Tls> {
        self.tls
    }

    /// Fills `image` (byte 0 at [`Layout::start`], at least [`Layout::size`] bytes) with the
    /// program's memory: each segment's file bytes from `file`, zeroes everywhere else (`.bss`
    /// and the gaps). `file` must be the bytes `program` was parsed from.
    ///
    /// Errors: [`LoadError::ImageTooSmall`], [`LoadError::FileTooShort`].
    pub fn load(&self, program: &Program, file: &[u8], image: &mut [u8]) -> Result<(), LoadError> {
        let size = self.size();
        let have = image.len() as u64;
        let too_small = LoadError::ImageTooSmall { needed: size, have };
        let image = image.get_mut(..usize::try_from(size).map_err(|_| too_small)?).ok_or(too_small)?;
        if (file.len() as u64) < program.file_size {
            return Err(LoadError::FileTooShort { needed: program.file_size, have: file.len() as u64 });
        }
        image.fill(0);
        for segment in &program.segments {
            let short = LoadError::FileTooShort { needed: program.file_size, have: file.len() as u64 };
            let source = crate::read::bytes_at(file, segment.file_offset, segment.file_size).ok_or(short)?;
            let destination = self.image_offset(segment.address).ok_or(too_small)?;
            let target = destination
                .checked_add(source.len())
                .and_then(|end| image.get_mut(destination..end))
                .ok_or(too_small)?;
            target.copy_from_slice(source);
        }
        Ok(())
    }

    /// Applies `program`'s RELATIVE relocations to `image` (byte 0 at [`Layout::start`]): the
    /// 8 little-endian bytes at base + offset become base + addend. Pure: it touches only
    /// `image`. Run it after [`Layout::load`], before the pages get their permissions.
    ///
    /// Errors: [`LoadError::RelocationOutOfRange`] (an address outside `image`, or a value that
    /// is not a 64-bit address; neither happens with the program this layout was made from and
    /// a large enough image).
    pub fn apply_relocations(&self, program: &Program, image: &mut [u8]) -> Result<(), LoadError> {
        for relocation in &program.relocations {
            let out_of_range = LoadError::RelocationOutOfRange { offset: relocation.offset };
            let value = self.base.checked_add_signed(relocation.addend).ok_or(out_of_range)?;
            let index = self.image_offset(relocation.offset).ok_or(out_of_range)?;
            let word = index.checked_add(8).and_then(|end| image.get_mut(index..end)).ok_or(out_of_range)?;
            word.copy_from_slice(&value.to_le_bytes());
        }
        Ok(())
    }

    /// Where an address as linked lands in the image buffer.
    fn image_offset(&self, linked_address: u64) -> Option<usize> {
        let address = self.base.checked_add(linked_address)?;
        usize::try_from(address.checked_sub(self.start)?).ok()
    }
}
