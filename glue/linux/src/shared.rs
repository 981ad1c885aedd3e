//! Regular files with POSIX semantics over a VFS that has fewer: every open description of one
//! file shares one VFS handle (the FAT volume refuses a second open of a file being written),
//! keeps its own offset, and survives the file being renamed or unlinked (FAT refuses to move
//! or remove an open file: the handle is closed for the operation and opened again after; an
//! unlinked file is renamed out of sight and removed when its last descriptor closes, the way
//! NFS clients do it).

use crate::files::{CHUNK, errno};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec;
use stardust::fs::{File, OpenOptions};
use stardust::io::{ErrorKind, Seek, SeekFrom, Write};
use stardust::sync::Mutex;
use stardust_linux_abi::{Errno, seek_position};

/// Files unlinked while open wait in a folder of this name at their file system's root (hidden
/// from directory listings), so the folder they were in can be removed meanwhile, as on Linux.
pub const UNLINKED_PREFIX: &str = ".stardust-unlinked";

/// One file's VFS handle, shared by every description open on it.
struct Shared {
    file: Option<File>,
    /// The file's size, kept here so that fstat and lseek(SEEK_END) need no VFS call (on FAT
    /// each is a round trip to the volume's server thread): read at open, then followed through
    /// every write and truncation, all of which go through this handle.
    size: u64,
    /// The file system's metadata as last asked (for the file's time: fstat), forgotten at every
    /// write and truncation; so a program that only reads (SQLite between its transactions)
    /// asks its file system once.
    metadata: Option<stardust::fs::Metadata>,
    path: String,
    writable: bool,
    unlinked: bool,
}

impl Drop for Shared {
    fn drop(&mut self) {
        drop(self.file.take());
        if self.unlinked {
            if let Err(error) = stardust::fs::remove_file(&self.path) {
                log::warn!("removing {} (unlinked while open) failed: {error}", self.path);
            }
            // The waiting folder goes when it is empty.
            if let Some((folder, _)) = self.path.rsplit_once('/') {
                let _ = stardust::fs::remove_dir(folder);
            }
        }
    }
}

type Handle = Arc<Mutex<Shared>>;

/// The files open now, by path.
static OPEN: Mutex<BTreeMap<String, Weak<Mutex<Shared>>>> = Mutex::new(BTreeMap::new());

fn registry() -> stardust::sync::MutexGuard<'static, BTreeMap<String, Weak<Mutex<Shared>>>> {
    OPEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock(handle: &Handle) -> stardust::sync::MutexGuard<'_, Shared> {
    handle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_vfs(path: &str, write: bool, create: bool) -> Result<File, Errno> {
    let mut options = OpenOptions::new();
    options.read(true).write(write).create(create);
    options.open(path).map_err(errno)
}

/// A description's view of a regular file: the shared handle and its own offset.
pub struct OpenFile {
    shared: Handle,
    offset: u64,
}

/// A file as a stream that writes at `offset` and on (`write_all` on it: each piece one call to
/// the file system, a round trip to the volume's thread for a file on a disk, where a seek and
/// a write were two).
struct WritingAt<'a> {
    file: &'a File,
    offset: u64,
}

impl Write for WritingAt<'_> {
    fn write(&mut self, bytes: &[u8]) -> stardust::io::Result<usize> {
        let written = self.file.write_at(bytes, self.offset)?;
        self.offset += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> stardust::io::Result<()> {
        Ok(())
    }
}

impl OpenFile {
    /// Opens `path` (which exists, or is created with `create`) for writing too if `write`;
    /// `truncate` empties it.
    pub fn open(path: &str, write: bool, create: bool, truncate: bool) -> Result<OpenFile, Errno> {
        let mut open = registry();
        let existing = open.get(path).and_then(Weak::upgrade);
        let shared = match existing {
            Some(shared) => {
                let mut inner = lock(&shared);
                if write && !inner.writable {
                    // The first opener only read: the handle is opened again for writing too
                    // (and for reading only again if that is refused, so the readers go on).
                    drop(inner.file.take());
                    match open_vfs(path, true, false) {
                        Ok(file) => {
                            inner.file = Some(file);
                            inner.writable = true;
                        }
                        Err(error) => {
                            inner.file = open_vfs(path, false, false).ok();
                            return Err(error);
                        }
                    }
                }
                drop(inner);
                shared
            }
            None => {
                // Read access always: a later description may want to read what this one wrote.
                // Creating needs a writable handle even for O_RDONLY|O_CREAT (each description's
                // own access mode is checked above this layer).
                open.retain(|_, shared| shared.strong_count() > 0);
                let file = match open_vfs(path, write || create, create) {
                    Ok(file) => file,
                    Err(Errno::EACCES | Errno::EROFS) if !write => open_vfs(path, false, false)?,
                    Err(error) => return Err(error),
                };
                let metadata = file.metadata().map_err(errno)?;
                let shared = Arc::new(Mutex::new(Shared {
                    file: Some(file),
                    size: metadata.len(),
                    metadata: Some(metadata),
                    path: String::from(path),
                    writable: write || create,
                    unlinked: false,
                }));
                open.insert(String::from(path), Arc::downgrade(&shared));
                shared
            }
        };
        drop(open);
        if truncate {
            let mut inner = lock(&shared);
            inner.metadata = None;
            inner.file.as_mut().ok_or(Errno::EIO)?.set_len(0).map_err(errno)?;
            inner.size = 0;
        }
        Ok(OpenFile { shared, offset: 0 })
    }

    /// The file's path and size now (fstat's answer without a VFS call).
    pub fn path_and_size(&self) -> (String, u64) {
        let inner = lock(&self.shared);
        (inner.path.clone(), inner.size)
    }

    /// The file's metadata from its file system (its time, chiefly), as last asked if the file
    /// has not changed since.
    pub fn metadata(&self) -> Result<stardust::fs::Metadata, Errno> {
        let mut inner = lock(&self.shared);
        if let Some(metadata) = inner.metadata {
            return Ok(metadata);
        }
        let metadata = inner.file.as_ref().ok_or(Errno::EIO)?.metadata().map_err(errno)?;
        inner.metadata = Some(metadata);
        Ok(metadata)
    }

    /// Reads up to `count` bytes into the program's memory at `buffer`, at `position` (pread)
    /// or at the description's offset (which moves).
    pub fn read(&mut self, buffer: u64, count: usize, position: Option<u64>) -> Result<u64, Errno> {
        let mut inner = lock(&self.shared);
        let file = inner.file.as_mut().ok_or(Errno::EIO)?;
        let start = position.unwrap_or(self.offset);
        let mut done = 0usize;
        let mut chunk = vec![0; count.min(CHUNK)];
        while done < count {
            let want = (count - done).min(chunk.len());
            let got = file.read_at(&mut chunk[..want], start + done as u64).map_err(errno)?;
            if got == 0 {
                break;
            }
            if let Err(error) = crate::user::write(buffer + done as u64, &chunk[..got]) {
                if done == 0 {
                    return Err(error);
                }
                break;
            }
            done += got;
            if got < want {
                break;
            }
        }
        if position.is_none() {
            self.offset = start + done as u64;
        }
        Ok(done as u64)
    }

    /// Writes `count` bytes from the program's memory at `buffer`, at `position` (pwrite), at
    /// the end (`append`), or at the description's offset (which moves).
    pub fn write(&mut self, buffer: u64, count: usize, position: Option<u64>, append: bool) -> Result<u64, Errno> {
        let mut inner = lock(&self.shared);
        inner.metadata = None;
        let file = inner.file.as_mut().ok_or(Errno::EIO)?;
        let start = match position {
            Some(position) => position,
            None if append => file.seek(SeekFrom::End(0)).map_err(errno)?,
            None => self.offset,
        };
        let mut done = 0usize;
        let mut failure = None;
        while done < count {
            let chunk = (count - done).min(CHUNK);
            let bytes = match crate::user::read(buffer + done as u64, chunk) {
                Ok(bytes) => bytes,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            if let Err(error) = (WritingAt { file, offset: start + done as u64 }).write_all(&bytes) {
                failure = Some(errno(error));
                break;
            }
            done += chunk;
        }
        if position.is_none() {
            self.offset = start + done as u64;
        }
        inner.size = inner.size.max(start + done as u64);
        match failure {
            Some(error) if done == 0 => Err(error),
            _ => Ok(done as u64),
        }
    }

    /// lseek.
    pub fn seek(&mut self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let size = lock(&self.shared).size;
        self.offset = seek_position(self.offset, size, offset, whence)?;
        Ok(self.offset)
    }

    /// fsync and fdatasync.
    pub fn sync(&self, data_only: bool) -> Result<(), Errno> {
        let mut inner = lock(&self.shared);
        let file = inner.file.as_mut().ok_or(Errno::EIO)?;
        if data_only { file.sync_data() } else { file.sync_all() }.map_err(errno)
    }

    /// ftruncate.
    pub fn set_len(&self, length: u64) -> Result<(), Errno> {
        let mut inner = lock(&self.shared);
        inner.metadata = None;
        inner.file.as_mut().ok_or(Errno::EIO)?.set_len(length).map_err(errno)?;
        inner.size = length;
        Ok(())
    }
}

fn open_handle(path: &str) -> Option<Handle> {
    registry().get(path).and_then(Weak::upgrade)
}

/// Renames `from` to `to` with POSIX's semantics: a file open at `to` is replaced but stays
/// readable through its descriptors; a file open at `from` moves with its descriptors.
pub fn rename(from: &str, to: &str) -> Result<(), Errno> {
    // The source must exist (and be a file if the open target is one) before an open target is
    // put aside: a failed rename must not lose it.
    let source = stardust::fs::metadata(from).map_err(errno)?;
    if from != to && open_handle(to).is_some() {
        if source.is_dir() {
            return Err(Errno::EISDIR);
        }
        hide(to)?;
    }
    match open_handle(from) {
        None => stardust::fs::rename(from, to).map_err(errno),
        Some(shared) => move_open(&shared, from, to),
    }
}

/// Moves an open file: its handle is closed for the rename and opened again after.
fn move_open(shared: &Handle, from: &str, to: &str) -> Result<(), Errno> {
    let mut registry = registry();
    let mut inner = lock(shared);
    drop(inner.file.take());
    let renamed = stardust::fs::rename(from, to);
    let now = if renamed.is_ok() { to } else { from };
    match open_vfs(now, inner.writable, false) {
        Ok(file) => inner.file = Some(file),
        Err(error) => log::warn!("opening {now} again after a rename failed: {}", error.name()),
    }
    inner.path = String::from(now);
    if renamed.is_ok() {
        registry.remove(from);
        registry.insert(String::from(to), Arc::downgrade(shared));
    }
    renamed.map_err(errno)
}

/// Unlinks an open file: renamed out of sight now, removed when its last descriptor closes.
fn hide(path: &str) -> Result<(), Errno> {
    static NEXT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);
    // Busy in the VFS but not open here: open under another spelling (FAT folds case) or inside
    // a folder renamed since; it cannot be put aside.
    let Some(shared) = open_handle(path) else { return Err(Errno::EBUSY) };
    // The root of the file system the file is on: the longest mount point above it.
    let root = stardust::fs::mounts()
        .into_iter()
        .map(|(mount, _)| mount)
        .filter(|mount| mount == "/" || path.starts_with(&format!("{mount}/")))
        .max_by_key(String::len)
        .unwrap_or_else(|| String::from("/"));
    let folder = format!("{}/{UNLINKED_PREFIX}", root.trim_end_matches('/'));
    match stardust::fs::create_dir(&folder) {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
        Err(error) => return Err(errno(error)),
    }
    let number = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let hidden = format!("{folder}/{number}");
    move_open(&shared, path, &hidden)?;
    lock(&shared).unlinked = true;
    Ok(())
}

/// Unlinks a regular file (open or not).
pub fn unlink(path: &str) -> Result<(), Errno> {
    if open_handle(path).is_some() {
        return hide(path);
    }
    match stardust::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::ResourceBusy => hide(path),
        Err(error) => Err(errno(error)),
    }
}

/// Removes what a previous boot left in the folders of files unlinked while open (the VM ended
/// with them open): called once before the program starts.
pub fn clean_unlinked() {
    for (mount, _) in stardust::fs::mounts() {
        let folder = format!("{}/{UNLINKED_PREFIX}", mount.trim_end_matches('/'));
        let Ok(entries) = stardust::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let _ = stardust::fs::remove_file(entry.path());
        }
        let _ = stardust::fs::remove_dir(&folder);
    }
}
