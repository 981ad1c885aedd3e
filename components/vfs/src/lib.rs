//! The file-system contract ([`FileSystem`]), the mount table with path resolution ([`Vfs`]),
//! and a RAM file system ([`RamFs`]) for the root.
//!
//! The VFS owns the name space: it turns an absolute or relative path into one file system and a
//! path inside it, so every file system sees only *normalized* paths (see [`FileSystem`]). It
//! holds no locks and does no I/O of its own; the runtime (glue/stardust) puts it behind a mutex
//! and exposes it as `stardust::fs`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod cache;
mod clock;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod error;
mod mount;
pub mod path;
mod ramfs;
mod slots;

pub use cache::ReadCache;
pub use clock::{Clock, now, set_clock};
pub use core_io::SeekFrom;
pub use error::FsError;
pub use mount::{Vfs, VfsHandle};
pub use ramfs::RamFs;
pub use slots::{HandleSlots, Slots};

use alloc::string::String;
use alloc::vec::Vec;

/// The result of a file-system operation.
pub type Result<T> = core::result::Result<T, FsError>;

/// An open file, as numbered by the file system that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(pub u32);

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    File,
    Directory,
}

/// What is known about a file or directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub file_type: FileType,
    /// Bytes in the file (0 for directories).
    pub len: u64,
    /// When the contents last changed (a directory: when it was made), in seconds since the
    /// Unix epoch, UTC; `None` when the file system keeps no time (a RAM file system before
    /// [`set_clock`], a host fake).
    pub modified: Option<u64>,
}

impl Metadata {
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }

    pub fn is_file(&self) -> bool {
        self.file_type == FileType::File
    }
}

/// One entry of a directory listing (never `.` or `..`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub metadata: Metadata,
}

/// How to open a file, with std's meanings (see [`OpenOptions::check`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    pub read: bool,
    pub write: bool,
    /// Every write goes to the end of the file (implies `write`).
    pub append: bool,
    /// An existing file is cut to 0 bytes (needs `write`).
    pub truncate: bool,
    /// A missing file is created (needs `write` or `append`).
    pub create: bool,
    /// The file must not exist; it is created (needs `write` or `append`; overrides `create`).
    pub create_new: bool,
}

impl OpenOptions {
    /// Refuses the combinations std refuses: no access mode, or creating/truncating without
    /// write access, or `truncate` with `append`.
    pub fn check(&self) -> Result<()> {
        let writes = self.write || self.append;
        if !self.read && !writes {
            return Err(FsError::InvalidInput("open needs read, write or append access"));
        }
        if (self.truncate || self.create || self.create_new) && !writes {
            return Err(FsError::InvalidInput("create and truncate need write or append access"));
        }
        if self.truncate && self.append {
            return Err(FsError::InvalidInput("truncate and append together"));
        }
        Ok(())
    }

    /// True if the file is opened for writing.
    pub fn writes(&self) -> bool {
        self.write || self.append
    }
}

/// A file system: files and directories under one root.
///
/// Paths are *normalized* and relative to the file system's root: components separated by
/// single `/`, none empty, `.` or `..`, no leading or trailing `/`; `""` is the root. The VFS
/// guarantees this; an implementation MAY assume it.
///
/// Errors (every method): [`FsError::NotFound`] if a component is missing,
/// [`FsError::NotADirectory`] if a non-final component is a file, [`FsError::ReadOnly`] for any
/// change on a read-only file system, [`FsError::NoSpace`] when the medium is full (the file
/// system MUST stay consistent: a failed write leaves the file as it was before the call or with
/// a prefix of the data), [`FsError::Corrupt`] when on-disk structures are inconsistent,
/// [`FsError::Io`] when the device fails, [`FsError::BadHandle`] for a handle not open here (or
/// not open for the access). An implementation MUST NOT panic on any on-disk content.
///
/// Changes MAY be buffered; they MUST be on the medium once [`FileSystem::sync`] or
/// [`FileSystem::flush`] returns Ok.
pub trait FileSystem {
    /// Opens (and maybe creates or truncates) the file at `path`. `options` passed
    /// [`OpenOptions::check`]. A directory is [`FsError::IsADirectory`]; `create_new` on an
    /// existing name is [`FsError::AlreadyExists`]; a missing file without `create` is
    /// [`FsError::NotFound`]. The file's position starts at 0.
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle>;
    /// Closes the handle; buffered changes to the file MAY stay buffered (see `sync`).
    fn close(&mut self, handle: Handle) -> Result<()>;
    /// Reads from the position; returns the bytes read, 0 only at the end of the file or for an
    /// empty buffer.
    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize>;
    /// Writes at the position (at the end for append handles), extending the file; returns the
    /// bytes written: all of them, or fewer only when the medium filled up.
    fn write(&mut self, handle: Handle, data: &[u8]) -> Result<usize>;
    /// Moves the position (it may pass the end; a later write fills the gap with zeros). A
    /// position before 0 is [`FsError::InvalidInput`].
    fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64>;
    /// Reads at `offset` without moving the position (POSIX `pread`); returns the bytes read, as
    /// [`FileSystem::read`]. The default seeks there, reads and seeks back; a file system that
    /// answers from another thread does it in one round trip.
    fn read_at(&mut self, handle: Handle, offset: u64, buffer: &mut [u8]) -> Result<usize> {
        let position = self.seek(handle, SeekFrom::Current(0))?;
        self.seek(handle, SeekFrom::Start(offset))?;
        let read = self.read(handle, buffer);
        self.seek(handle, SeekFrom::Start(position)).and(read)
    }
    /// Writes at `offset` without moving the position (POSIX `pwrite`; an append handle writes
    /// at the end, as Linux's `pwrite` does); returns the bytes written, as
    /// [`FileSystem::write`]. The default seeks there, writes and seeks back.
    fn write_at(&mut self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize> {
        let position = self.seek(handle, SeekFrom::Current(0))?;
        self.seek(handle, SeekFrom::Start(offset))?;
        let written = self.write(handle, data);
        self.seek(handle, SeekFrom::Start(position)).and(written)
    }
    /// Makes the file's data and size durable (std's `File::sync_all`).
    fn flush(&mut self, handle: Handle) -> Result<()>;
    /// Cuts or extends (with zeros) the file to `len` bytes; the position does not move.
    fn set_len(&mut self, handle: Handle, len: u64) -> Result<()>;
    /// The open file's metadata.
    fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata>;
    /// The metadata of `path` (the root is a directory).
    fn metadata(&mut self, path: &str) -> Result<Metadata>;
    /// The entries of the directory at `path`, sorted by name. A file is
    /// [`FsError::NotADirectory`].
    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>>;
    /// Creates one directory; its parent must exist. An existing name is
    /// [`FsError::AlreadyExists`].
    fn create_dir(&mut self, path: &str) -> Result<()>;
    /// Removes a file. A directory is [`FsError::IsADirectory`]; an open file MAY be
    /// [`FsError::Busy`].
    fn remove_file(&mut self, path: &str) -> Result<()>;
    /// Removes an empty directory. A file is [`FsError::NotADirectory`], a non-empty directory
    /// [`FsError::DirectoryNotEmpty`], the root [`FsError::Busy`].
    fn remove_dir(&mut self, path: &str) -> Result<()>;
    /// Renames `from` to `to`, as std: a file replaces an existing file `to`; a directory
    /// replaces an empty directory `to`. File onto directory is [`FsError::IsADirectory`],
    /// directory onto file [`FsError::NotADirectory`], onto a non-empty directory
    /// [`FsError::DirectoryNotEmpty`], a directory into itself [`FsError::InvalidInput`]; an open
    /// file MAY be [`FsError::Busy`]. Renaming a name to itself succeeds and changes nothing.
    fn rename(&mut self, from: &str, to: &str) -> Result<()>;
    /// Makes every change durable.
    fn sync(&mut self) -> Result<()>;
    /// What kind of file system this is, for messages (`"ramfs"`, `"fat32"`).
    fn kind(&self) -> &'static str;
}

impl<F: FileSystem + ?Sized> FileSystem for alloc::boxed::Box<F> {
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle> {
        (**self).open(path, options)
    }
    fn close(&mut self, handle: Handle) -> Result<()> {
        (**self).close(handle)
    }
    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize> {
        (**self).read(handle, buffer)
    }
    fn write(&mut self, handle: Handle, data: &[u8]) -> Result<usize> {
        (**self).write(handle, data)
    }
    fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64> {
        (**self).seek(handle, position)
    }
    fn read_at(&mut self, handle: Handle, offset: u64, buffer: &mut [u8]) -> Result<usize> {
        (**self).read_at(handle, offset, buffer)
    }
    fn write_at(&mut self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize> {
        (**self).write_at(handle, offset, data)
    }
    fn flush(&mut self, handle: Handle) -> Result<()> {
        (**self).flush(handle)
    }
    fn set_len(&mut self, handle: Handle, len: u64) -> Result<()> {
        (**self).set_len(handle, len)
    }
    fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata> {
        (**self).handle_metadata(handle)
    }
    fn metadata(&mut self, path: &str) -> Result<Metadata> {
        (**self).metadata(path)
    }
    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        (**self).read_dir(path)
    }
    fn create_dir(&mut self, path: &str) -> Result<()> {
        (**self).create_dir(path)
    }
    fn remove_file(&mut self, path: &str) -> Result<()> {
        (**self).remove_file(path)
    }
    fn remove_dir(&mut self, path: &str) -> Result<()> {
        (**self).remove_dir(path)
    }
    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        (**self).rename(from, to)
    }
    fn sync(&mut self) -> Result<()> {
        (**self).sync()
    }
    fn kind(&self) -> &'static str {
        (**self).kind()
    }
}

/// A file system that could not be mounted: every operation fails with the mount's error, so a
/// path under its mount point says why instead of "not found".
pub struct Unavailable(pub FsError);

impl FileSystem for Unavailable {
    fn open(&mut self, _: &str, _: OpenOptions) -> Result<Handle> {
        Err(self.0)
    }
    fn close(&mut self, _: Handle) -> Result<()> {
        Err(FsError::BadHandle)
    }
    fn read(&mut self, _: Handle, _: &mut [u8]) -> Result<usize> {
        Err(FsError::BadHandle)
    }
    fn write(&mut self, _: Handle, _: &[u8]) -> Result<usize> {
        Err(FsError::BadHandle)
    }
    fn seek(&mut self, _: Handle, _: SeekFrom) -> Result<u64> {
        Err(FsError::BadHandle)
    }
    fn flush(&mut self, _: Handle) -> Result<()> {
        Err(FsError::BadHandle)
    }
    fn set_len(&mut self, _: Handle, _: u64) -> Result<()> {
        Err(FsError::BadHandle)
    }
    fn handle_metadata(&mut self, _: Handle) -> Result<Metadata> {
        Err(FsError::BadHandle)
    }
    fn metadata(&mut self, _: &str) -> Result<Metadata> {
        Err(self.0)
    }
    fn read_dir(&mut self, _: &str) -> Result<Vec<DirEntry>> {
        Err(self.0)
    }
    fn create_dir(&mut self, _: &str) -> Result<()> {
        Err(self.0)
    }
    fn remove_file(&mut self, _: &str) -> Result<()> {
        Err(self.0)
    }
    fn remove_dir(&mut self, _: &str) -> Result<()> {
        Err(self.0)
    }
    fn rename(&mut self, _: &str, _: &str) -> Result<()> {
        Err(self.0)
    }
    fn sync(&mut self) -> Result<()> {
        Ok(())
    }
    fn kind(&self) -> &'static str {
        "unavailable"
    }
}
