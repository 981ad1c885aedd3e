//! The VFS contract over a mounted FAT volume.
//!
//! fatfs hands out files that borrow the volume, so a [`FatSession`] borrows it too: whoever
//! mounts keeps the volume and the session together (the runtime does so in one thread, since a
//! fatfs volume may not move between threads). The session keeps its own position and size per
//! file so that seeks past the end, appends and `set_len` follow the contract (fatfs clamps
//! seeks to the end of the file).
//!
//! A file open for writing cannot be opened a second time, and open files cannot be removed or
//! renamed ([`FsError::Busy`]): two fatfs files on one directory entry would overwrite each
//! other's size, and a moved entry would be written back at its old place.

use crate::{FileSystem, SharedIo};
use alloc::string::String;
use alloc::vec::Vec;
use core_io::{ErrorKind, Read, Seek, SeekFrom, Write};
use stardust_api::BlockDevice;
use stardust_vfs::path::{is_within, split_last};
use stardust_vfs::{DirEntry, FileType, FsError, Handle, HandleSlots, Metadata, OpenOptions, Result, Slots};

/// FAT files end before 4 GiB.
const MAX_FILE: u64 = u32::MAX as u64;

type Dir<'fs, D> = fatfs::Dir<'fs, SharedIo<D>>;
type File<'fs, D> = fatfs::File<'fs, SharedIo<D>>;
type Entry<'fs, D> = fatfs::DirEntry<'fs, SharedIo<D>>;

struct Open<'fs, D: BlockDevice> {
    file: File<'fs, D>,
    /// The path, folded to upper case (FAT names ignore case).
    key: String,
    position: u64,
    size: u64,
    options: OpenOptions,
    /// When the contents last changed: the entry's stamp at open, now after a write; `None`
    /// until looked up (a file opened through `create_file`, whose entry fatfs does not give).
    modified: Option<u64>,
}

/// A mounted volume as a [`stardust_vfs::FileSystem`].
pub struct FatSession<'fs, D: BlockDevice> {
    fs: &'fs FileSystem<D>,
    io: SharedIo<D>,
    read_only: bool,
    open: Slots<Open<'fs, D>>,
}

/// A fatfs error in the contract's words.
pub fn fs_error(error: core_io::Error) -> FsError {
    let message = error.message();
    match error.kind() {
        ErrorKind::NotFound => FsError::NotFound,
        ErrorKind::AlreadyExists => FsError::AlreadyExists,
        ErrorKind::PermissionDenied => FsError::ReadOnly,
        ErrorKind::InvalidInput => FsError::InvalidInput(message),
        ErrorKind::UnexpectedEof => FsError::Corrupt("a structure points past the end of the disk"),
        ErrorKind::WriteZero => FsError::NoSpace,
        _ if message == "No space left on device" => FsError::NoSpace,
        _ if message == "Directory not empty" => FsError::DirectoryNotEmpty,
        _ if message == "Is a directory" => FsError::IsADirectory,
        _ if message == "Not a directory" => FsError::NotADirectory,
        _ if message.starts_with("File name") => FsError::InvalidInput(message),
        _ if message.contains("I/O error") => FsError::Io(message),
        _ => FsError::Corrupt(message),
    }
}

fn fold(name: &str) -> String {
    name.chars().flat_map(char::to_uppercase).collect()
}

fn same_name(a: &str, b: &str) -> bool {
    a.chars().flat_map(char::to_uppercase).eq(b.chars().flat_map(char::to_uppercase))
}

impl<'fs, D: BlockDevice> FatSession<'fs, D> {
    /// A session over a volume mounted with [`crate::mount_shared`] (`io` is its disk).
    /// The session writes the disk's cache back only when asked to (`flush`, `sync`) or when
    /// dropped, not at every file operation.
    pub fn new(fs: &'fs FileSystem<D>, io: SharedIo<D>) -> Self {
        let read_only = io.read_only();
        io.set_lazy_flush(true);
        FatSession { fs, io, read_only, open: Slots::new() }
    }

    fn writable(&self) -> Result<()> {
        if self.read_only { Err(FsError::ReadOnly) } else { Ok(()) }
    }

    /// The entry `name` in `dir`, if any.
    fn find(dir: &Dir<'fs, D>, name: &str) -> Result<Option<Entry<'fs, D>>> {
        for entry in dir.iter() {
            let entry = entry.map_err(fs_error)?;
            if same_name(&entry.file_name(), name) || same_name(&entry.short_file_name(), name) {
                let file_name = entry.file_name();
                if file_name != "." && file_name != ".." {
                    return Ok(Some(entry));
                }
            }
        }
        Ok(None)
    }

    /// The directory at a normalized path.
    fn dir(&self, path: &str) -> Result<Dir<'fs, D>> {
        let mut dir = self.fs.root_dir();
        if path.is_empty() {
            return Ok(dir);
        }
        for name in path.split('/') {
            let entry = Self::find(&dir, name)?.ok_or(FsError::NotFound)?;
            if !entry.is_dir() {
                return Err(FsError::NotADirectory);
            }
            dir = entry.to_dir();
        }
        Ok(dir)
    }

    /// The parent directory of a non-root path, and the entry for the last name if it exists.
    fn lookup(&self, path: &str) -> Result<(Dir<'fs, D>, Option<Entry<'fs, D>>)> {
        let (parent, name) = split_last(path);
        let dir = self.dir(parent)?;
        let entry = Self::find(&dir, name)?;
        Ok((dir, entry))
    }

    fn is_open(&self, key: &str) -> bool {
        self.open.iter().any(|open| open.key == key)
    }

    fn metadata_of(entry: &Entry<'fs, D>) -> Metadata {
        let modified = crate::clock::unix_seconds(entry.modified());
        if entry.is_dir() {
            Metadata { file_type: FileType::Directory, len: 0, modified }
        } else {
            Metadata { file_type: FileType::File, len: entry.len(), modified }
        }
    }

    /// An open file's metadata, its time looked up in its directory when not known yet.
    fn open_metadata(&mut self, handle: Handle) -> Result<Metadata> {
        let open = self.open.handle_mut(handle)?;
        let (size, modified) = (open.size, open.modified);
        let modified = match modified {
            Some(time) => Some(time),
            None => {
                let key = open.key.clone();
                let found = self.lookup(&key)?.1.and_then(|entry| crate::clock::unix_seconds(entry.modified()));
                self.open.handle_mut(handle)?.modified = found;
                found
            }
        };
        Ok(Metadata { file_type: FileType::File, len: size, modified })
    }

    /// Moves fatfs's file to `position` (at most the size). fatfs stops short, silently, where
    /// the cluster chain ends before the size the entry claims: that is a corrupt volume (and
    /// writing there would hit a fatfs panic).
    fn seek_to(open: &mut Open<'fs, D>, position: u64) -> Result<()> {
        match open.file.seek(SeekFrom::Start(position)).map_err(fs_error)? {
            reached if reached == position => Ok(()),
            _ => Err(FsError::Corrupt("a file's clusters end before its size")),
        }
    }

    /// Writes `data` at the file's position (which is at most its size).
    fn write_at(open: &mut Open<'fs, D>, data: &[u8]) -> Result<usize> {
        Self::seek_to(open, open.position)?;
        let mut done = 0;
        while done < data.len() {
            match open.file.write(&data[done..]) {
                Ok(0) => break,
                Ok(count) => {
                    done += count;
                    open.position += count as u64;
                    open.size = open.size.max(open.position);
                }
                Err(error) if done == 0 => return Err(fs_error(error)),
                Err(_) => break,
            }
        }
        if done == 0 && !data.is_empty() {
            return Err(FsError::NoSpace);
        }
        Ok(done)
    }

    /// Extends the file with zeros up to `end`.
    fn fill_to(open: &mut Open<'fs, D>, end: u64) -> Result<()> {
        let zeros = [0u8; 512];
        open.position = open.size;
        while open.size < end {
            let chunk = (end - open.size).min(zeros.len() as u64) as usize;
            Self::write_at(open, &zeros[..chunk])?;
        }
        Ok(())
    }
}

impl<D: BlockDevice> stardust_vfs::FileSystem for FatSession<'_, D> {
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle> {
        options.check()?;
        if path.is_empty() {
            return Err(FsError::IsADirectory);
        }
        if options.writes() {
            self.writable()?;
        }
        let key = fold(path);
        if self.open.iter().any(|open| open.key == key && (open.options.writes() || options.writes())) {
            return Err(FsError::Busy);
        }
        let (mut file, size, modified) = if options.create && !options.create_new {
            // fatfs creates the file or opens the existing one in one pass over the directory.
            let (parent, name) = split_last(path);
            let mut file = self.dir(parent)?.create_file(name).map_err(fs_error)?;
            let size = file.seek(SeekFrom::End(0)).map_err(fs_error)?;
            file.seek(SeekFrom::Start(0)).map_err(fs_error)?;
            (file, size, None)
        } else {
            let (dir, entry) = self.lookup(path)?;
            match entry {
                Some(_) if options.create_new => return Err(FsError::AlreadyExists),
                Some(entry) if entry.is_dir() => return Err(FsError::IsADirectory),
                Some(entry) => (entry.to_file(), entry.len(), crate::clock::unix_seconds(entry.modified())),
                None if options.create_new => {
                    (dir.create_file(split_last(path).1).map_err(fs_error)?, 0, Some(crate::clock::stamp_now()))
                }
                None => return Err(FsError::NotFound),
            }
        };
        let (size, modified) = if options.truncate && size > 0 {
            file.truncate().map_err(fs_error)?;
            stamp(&mut file);
            (0, Some(crate::clock::stamp_now()))
        } else {
            (size, modified)
        };
        Ok(self.open.insert_handle(Open { file, key, position: 0, size, options, modified }))
    }

    fn close(&mut self, handle: Handle) -> Result<()> {
        let mut open = self.open.remove_handle(handle)?;
        if open.options.writes() { open.file.flush().map_err(fs_error) } else { Ok(()) }
    }

    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.read {
            return Err(FsError::BadHandle);
        }
        if open.position >= open.size {
            return Ok(0);
        }
        let wanted = buffer.len().min((open.size - open.position) as usize);
        Self::seek_to(open, open.position)?;
        let mut done = 0;
        while done < wanted {
            match open.file.read(&mut buffer[done..wanted]) {
                Ok(0) if done == 0 => return Err(FsError::Corrupt("a file's clusters end before its size")),
                Ok(0) => break,
                Ok(count) => done += count,
                Err(error) if done == 0 => return Err(fs_error(error)),
                Err(_) => break,
            }
        }
        open.position += done as u64;
        Ok(done)
    }

    fn write(&mut self, handle: Handle, data: &[u8]) -> Result<usize> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.writes() {
            return Err(FsError::BadHandle);
        }
        if open.options.append {
            open.position = open.size;
        }
        let end = open.position.checked_add(data.len() as u64).ok_or(FsError::NoSpace)?;
        if end > MAX_FILE {
            return Err(FsError::NoSpace);
        }
        if open.position > open.size {
            let target = open.position;
            Self::fill_to(open, target)?;
        }
        let written = Self::write_at(open, data)?;
        open.modified = Some(crate::clock::stamp_now());
        Ok(written)
    }

    fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64> {
        let open = self.open.handle_mut(handle)?;
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(offset) => open.size.checked_add_signed(offset),
            SeekFrom::Current(offset) => open.position.checked_add_signed(offset),
        }
        .ok_or(FsError::InvalidInput("seek before the start of the file"))?;
        open.position = target;
        Ok(target)
    }

    fn flush(&mut self, handle: Handle) -> Result<()> {
        self.open.handle_mut(handle)?.file.flush().map_err(fs_error)?;
        self.io.sync().map_err(fs_error)
    }

    fn set_len(&mut self, handle: Handle, len: u64) -> Result<()> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.writes() {
            return Err(FsError::BadHandle);
        }
        if len > MAX_FILE {
            return Err(FsError::NoSpace);
        }
        let position = open.position;
        if len < open.size {
            Self::seek_to(open, len)?;
            open.file.truncate().map_err(fs_error)?;
            stamp(&mut open.file);
            open.size = len;
        } else if len > open.size {
            Self::fill_to(open, len)?;
        }
        open.modified = Some(crate::clock::stamp_now());
        open.position = position;
        Ok(())
    }

    fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata> {
        self.open_metadata(handle)
    }

    fn metadata(&mut self, path: &str) -> Result<Metadata> {
        if path.is_empty() {
            // The root directory has no entry of its own, so no time.
            return Ok(Metadata { file_type: FileType::Directory, len: 0, modified: None });
        }
        let key = fold(path);
        let open = self.open.iter_mut_numbered().find(|(_, open)| open.key == key).map(|(number, _)| number);
        if let Some(number) = open {
            return self.open_metadata(Handle(number as u32));
        }
        let (_, entry) = self.lookup(path)?;
        entry.map(|entry| Self::metadata_of(&entry)).ok_or(FsError::NotFound)
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        let dir = self.dir(path)?;
        let mut entries = Vec::new();
        for entry in dir.iter() {
            let entry = entry.map_err(fs_error)?;
            let name = entry.file_name();
            if name != "." && name != ".." {
                entries.push(DirEntry { name, metadata: Self::metadata_of(&entry) });
            }
        }
        // Open files may have grown since their entry was last written.
        for entry in &mut entries {
            let key = fold(&if path.is_empty() { entry.name.clone() } else { alloc::format!("{path}/{}", entry.name) });
            if let Some(open) = self.open.iter().find(|open| open.key == key) {
                entry.metadata.len = open.size;
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn create_dir(&mut self, path: &str) -> Result<()> {
        if path.is_empty() {
            return Err(FsError::AlreadyExists);
        }
        let (dir, entry) = self.lookup(path)?;
        if entry.is_some() {
            return Err(FsError::AlreadyExists);
        }
        self.writable()?;
        dir.create_dir(split_last(path).1).map(|_| ()).map_err(fs_error)
    }

    fn remove_file(&mut self, path: &str) -> Result<()> {
        if path.is_empty() {
            return Err(FsError::IsADirectory);
        }
        let (dir, entry) = self.lookup(path)?;
        let entry = entry.ok_or(FsError::NotFound)?;
        if entry.is_dir() {
            return Err(FsError::IsADirectory);
        }
        self.writable()?;
        if self.is_open(&fold(path)) {
            return Err(FsError::Busy);
        }
        dir.remove(&entry.file_name()).map_err(fs_error)
    }

    fn remove_dir(&mut self, path: &str) -> Result<()> {
        if path.is_empty() {
            return Err(FsError::Busy);
        }
        let (dir, entry) = self.lookup(path)?;
        let entry = entry.ok_or(FsError::NotFound)?;
        if !entry.is_dir() {
            return Err(FsError::NotADirectory);
        }
        self.writable()?;
        dir.remove(&entry.file_name()).map_err(fs_error)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        if from.is_empty() || to.is_empty() {
            return Err(FsError::Busy);
        }
        let (from_dir, from_entry) = self.lookup(from)?;
        let from_entry = from_entry.ok_or(FsError::NotFound)?;
        let (to_dir, to_entry) = self.lookup(to)?;
        let (from_key, to_key) = (fold(from), fold(to));
        if from_key == to_key {
            return Ok(());
        }
        let is_dir = from_entry.is_dir();
        if is_dir && is_within(&to_key, &from_key) {
            return Err(FsError::InvalidInput("cannot move a directory into itself"));
        }
        self.writable()?;
        if self.is_open(&from_key) || self.is_open(&to_key) {
            return Err(FsError::Busy);
        }
        if let Some(existing) = to_entry {
            match (is_dir, existing.is_dir()) {
                (false, true) => return Err(FsError::IsADirectory),
                (true, false) => return Err(FsError::NotADirectory),
                (true, true)
                    if existing
                        .to_dir()
                        .iter()
                        .any(|e| e.is_ok_and(|e| !matches!(e.file_name().as_str(), "." | ".."))) =>
                {
                    return Err(FsError::DirectoryNotEmpty);
                }
                _ => to_dir.remove(&existing.file_name()).map_err(fs_error)?,
            }
        }
        from_dir.rename(&from_entry.file_name(), &to_dir, split_last(to).1).map_err(fs_error)?;
        // Files open under a moved directory now live under its new name.
        if is_dir {
            for open in self.open.iter_mut() {
                if is_within(&open.key, &from_key) {
                    open.key = alloc::format!("{to_key}{}", &open.key[from_key.len()..]);
                }
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        for open in self.open.iter_mut() {
            if open.options.writes() {
                open.file.flush().map_err(fs_error)?;
            }
        }
        self.io.sync().map_err(fs_error)
    }

    fn kind(&self) -> &'static str {
        match self.fs.fat_type() {
            fatfs::FatType::Fat12 => "fat12",
            fatfs::FatType::Fat16 => "fat16",
            fatfs::FatType::Fat32 => "fat32",
        }
    }
}

impl<D: BlockDevice> Drop for FatSession<'_, D> {
    /// Open files write their sizes back as they are dropped.
    fn drop(&mut self) {
        self.open.clear();
        let _ = self.io.sync();
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;

/// Stamps a truncated file's entry with now, as fatfs stamps a written one: its truncate leaves
/// the time as it was, so the file's time went back when it was closed.
fn stamp<T>(file: &mut fatfs::File<'_, T>)
where
    T: fatfs::ReadWriteSeek,
{
    #[allow(deprecated)] // fatfs's way for a time no write sets
    file.set_modified(crate::clock::fat_date_time(crate::clock::now()));
}
