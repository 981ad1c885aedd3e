//! Files and directories, shaped like `std::fs`.
//!
//! One name space for the whole image (the VFS, `stardust_vfs`): a RAM file system at `/`, and
//! for profiles with storage the first disk's FAT volume at `/data` (the profile's
//! `storage.mount`, or `stardust.mount=PATH|none` on the command line). Paths are strings,
//! absolute or relative to [`crate::env::current_dir`]; `.` and `..` work as on POSIX.
//!
//! A FAT volume may not move between threads (fatfs's volumes are `!Send`), so each one lives in
//! a server thread that owns it, and the VFS sends it each operation as a job (a round trip
//! costs two context switches). Profiles without threads get the RAM root only.
//!
//! Everything buffered reaches the disks at [`sync`], [`File::sync_all`] and at
//! `process::exit`.

use crate::io::{self, Read, Seek, SeekFrom, Write};
use crate::sync::{Mutex, mpsc};
use alloc_crate::boxed::Box;
use alloc_crate::format;
use alloc_crate::string::String;
use alloc_crate::vec;
use alloc_crate::vec::Vec;
pub use stardust_vfs::{FileSystem, FsError};
use stardust_vfs::{Handle, Vfs, VfsHandle};

static VFS: Mutex<Option<Vfs>> = Mutex::new(None);

/// Runs `f` on the name space (made on first use).
fn with_vfs<T>(f: impl FnOnce(&mut Vfs) -> stardust_vfs::Result<T>) -> io::Result<T> {
    let mut guard = VFS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let vfs = guard.get_or_insert_with(|| {
        crate::process::at_exit(sync_at_exit);
        stardust_vfs::set_clock(unix_seconds);
        Vfs::new()
    });
    f(vfs).map_err(io::Error::from)
}

/// The wall clock, for the times of the RAM file system's files.
fn unix_seconds() -> u64 {
    crate::time::SystemTime::now().duration_since(crate::time::UNIX_EPOCH).map_or(0, |since| since.as_secs())
}

/// At exit: everything written back, and each disk's volume unmounted (so it is marked clean).
fn sync_at_exit() {
    // Another thread may hold the lock forever (it is exiting too); then there is nothing to do.
    let Some(mut guard) = VFS.try_lock() else { return };
    if let Some(vfs) = guard.as_mut()
        && let Err(error) = vfs.sync()
    {
        log::error!("writing the file systems back at exit failed: {error}");
    }
    let servers = core::mem::take(&mut *SERVERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    for server in servers {
        let (done, finished) = mpsc::channel();
        if server.send(Message::Stop(done)).is_ok() {
            let _ = finished.recv();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mounting disks.

/// A job for a file system's server thread: its answer goes back on the mount's reply channel.
type Job = Box<dyn FnOnce(&mut dyn FileSystem) -> Reply + Send>;

/// What a server thread receives: a job, or the order to unmount and stop (it answers when done).
enum Message {
    Job(Job),
    Stop(mpsc::Sender<()>),
}

/// A job's answer. One type for every call, so that a mount needs one reply channel for its
/// whole life rather than a new one (two allocations) per call.
enum Reply {
    Done(stardust_vfs::Result<()>),
    Handle(stardust_vfs::Result<Handle>),
    Count(stardust_vfs::Result<usize>),
    Position(stardust_vfs::Result<u64>),
    Metadata(stardust_vfs::Result<stardust_vfs::Metadata>),
    Entries(stardust_vfs::Result<Vec<stardust_vfs::DirEntry>>),
    Data(stardust_vfs::Result<Vec<u8>>),
}

/// The results a [`Reply`] carries.
trait Carried: Sized + Send + 'static {
    fn wrap(result: stardust_vfs::Result<Self>) -> Reply;
    fn unwrap(reply: Reply) -> Option<stardust_vfs::Result<Self>>;
}

macro_rules! carried {
    ($($type:ty => $variant:ident),* $(,)?) => {$(
        impl Carried for $type {
            fn wrap(result: stardust_vfs::Result<Self>) -> Reply {
                Reply::$variant(result)
            }
            fn unwrap(reply: Reply) -> Option<stardust_vfs::Result<Self>> {
                match reply {
                    Reply::$variant(result) => Some(result),
                    _ => None,
                }
            }
        }
    )*};
}

carried! {
    () => Done,
    Handle => Handle,
    usize => Count,
    u64 => Position,
    stardust_vfs::Metadata => Metadata,
    Vec<stardust_vfs::DirEntry> => Entries,
    Vec<u8> => Data,
}

/// Every server thread, for the unmount at exit.
static SERVERS: Mutex<Vec<mpsc::Sender<Message>>> = Mutex::new(Vec::new());

/// A file system that lives in its own thread, reached by sending it jobs. Calls come one at a
/// time (the name space's lock is held across each), so one reply channel serves them all.
struct Remote {
    jobs: mpsc::Sender<Message>,
    replies: mpsc::Receiver<Reply>,
    kind: &'static str,
}

impl Remote {
    fn call<T: Carried>(
        &self,
        f: impl FnOnce(&mut dyn FileSystem) -> stardust_vfs::Result<T> + Send + 'static,
    ) -> stardust_vfs::Result<T> {
        const STOPPED: FsError = FsError::Io("the file system's thread has stopped");
        let job: Job = Box::new(move |fs| T::wrap(f(fs)));
        self.jobs.send(Message::Job(job)).map_err(|_| STOPPED)?;
        let reply = self.replies.recv().map_err(|_| STOPPED)?;
        T::unwrap(reply).unwrap_or(Err(FsError::Io("the file system's thread answered another call")))
    }

    /// Runs a read on the file system into a buffer of `buffer`'s length there, and copies what
    /// it read into `buffer`.
    fn read_into(
        &self,
        buffer: &mut [u8],
        read: impl FnOnce(&mut dyn FileSystem, &mut [u8]) -> stardust_vfs::Result<usize> + Send + 'static,
    ) -> stardust_vfs::Result<usize> {
        let len = buffer.len();
        let data = self.call(move |fs| {
            let mut data = vec![0u8; len];
            let count = read(fs, &mut data)?;
            data.truncate(count);
            Ok(data)
        })?;
        buffer[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }

    /// Runs `f` on the file system with (a copy of) `path`.
    fn at_path<T: Carried>(
        &self,
        path: &str,
        f: fn(&mut dyn FileSystem, &str) -> stardust_vfs::Result<T>,
    ) -> stardust_vfs::Result<T> {
        let path = String::from(path);
        self.call(move |fs| f(fs, &path))
    }
}

impl FileSystem for Remote {
    fn open(&mut self, path: &str, options: stardust_vfs::OpenOptions) -> stardust_vfs::Result<Handle> {
        let path = String::from(path);
        self.call(move |fs| fs.open(&path, options))
    }
    fn close(&mut self, handle: Handle) -> stardust_vfs::Result<()> {
        self.call(move |fs| fs.close(handle))
    }
    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> stardust_vfs::Result<usize> {
        self.read_into(buffer, move |fs, data| fs.read(handle, data))
    }
    fn write(&mut self, handle: Handle, data: &[u8]) -> stardust_vfs::Result<usize> {
        let data = data.to_vec();
        self.call(move |fs| fs.write(handle, &data))
    }
    fn seek(&mut self, handle: Handle, position: SeekFrom) -> stardust_vfs::Result<u64> {
        self.call(move |fs| fs.seek(handle, position))
    }
    fn read_at(&mut self, handle: Handle, offset: u64, buffer: &mut [u8]) -> stardust_vfs::Result<usize> {
        self.read_into(buffer, move |fs, data| fs.read_at(handle, offset, data))
    }
    fn write_at(&mut self, handle: Handle, offset: u64, data: &[u8]) -> stardust_vfs::Result<usize> {
        let data = data.to_vec();
        self.call(move |fs| fs.write_at(handle, offset, &data))
    }
    fn flush(&mut self, handle: Handle) -> stardust_vfs::Result<()> {
        self.call(move |fs| fs.flush(handle))
    }
    fn set_len(&mut self, handle: Handle, len: u64) -> stardust_vfs::Result<()> {
        self.call(move |fs| fs.set_len(handle, len))
    }
    fn handle_metadata(&mut self, handle: Handle) -> stardust_vfs::Result<stardust_vfs::Metadata> {
        self.call(move |fs| fs.handle_metadata(handle))
    }
    fn metadata(&mut self, path: &str) -> stardust_vfs::Result<stardust_vfs::Metadata> {
        self.at_path(path, |fs, path| fs.metadata(path))
    }
    fn read_dir(&mut self, path: &str) -> stardust_vfs::Result<Vec<stardust_vfs::DirEntry>> {
        self.at_path(path, |fs, path| fs.read_dir(path))
    }
    fn create_dir(&mut self, path: &str) -> stardust_vfs::Result<()> {
        self.at_path(path, |fs, path| fs.create_dir(path))
    }
    fn remove_file(&mut self, path: &str) -> stardust_vfs::Result<()> {
        self.at_path(path, |fs, path| fs.remove_file(path))
    }
    fn remove_dir(&mut self, path: &str) -> stardust_vfs::Result<()> {
        self.at_path(path, |fs, path| fs.remove_dir(path))
    }
    fn rename(&mut self, from: &str, to: &str) -> stardust_vfs::Result<()> {
        let (from, to) = (String::from(from), String::from(to));
        self.call(move |fs| fs.rename(&from, &to))
    }
    fn sync(&mut self) -> stardust_vfs::Result<()> {
        self.call(|fs| fs.sync())
    }
    fn kind(&self) -> &'static str {
        self.kind
    }
}

/// The end of a served file system that its own thread holds: see [`mount_served`].
pub struct Server {
    inbox: mpsc::Receiver<Message>,
    replies: mpsc::Sender<Reply>,
    ready: mpsc::Sender<Result<&'static str, FsError>>,
}

impl Server {
    /// Says that the file system could not be opened: the mount point then answers every call
    /// with `error`.
    pub fn failed(self, error: FsError) {
        let _ = self.ready.send(Err(error));
    }

    /// Serves `fs` (whose kind, such as `"fat32"`, the mount table shows) until the image exits,
    /// then returns, so that the caller can unmount it (write back, mark it clean); the exit
    /// waits until the returned [`Served`] is dropped.
    pub fn serve(self, fs: &mut dyn FileSystem) -> Served {
        let _ = self.ready.send(Ok(fs.kind()));
        let mut stopped = None;
        for message in self.inbox.iter() {
            match message {
                Message::Job(job) => {
                    let _ = self.replies.send(job(fs));
                }
                Message::Stop(done) => {
                    stopped = Some(done);
                    break;
                }
            }
        }
        Served(stopped)
    }
}

/// What [`Server::serve`] returns: dropping it tells the image's exit that the file system is
/// unmounted. Keep it until the unmount is done.
#[must_use = "drop it after unmounting: the exit waits for that"]
pub struct Served(Option<mpsc::Sender<()>>);

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            let _ = done.send(());
        }
    }
}

/// Mounts at `path` a file system that lives in a thread of its own (`name`d "fs PATH", with
/// `stack_size` bytes of stack), for file systems that cannot move between threads (a fatfs
/// volume): `body` runs there, opens the file system and hands it to [`Server::serve`] (or says
/// why it cannot with [`Server::failed`]), and unmounts it when `serve` returns at exit. Every
/// call on the mount point becomes a job for that thread. If it cannot be opened, the mount
/// point stays, answering with the reason, so that data meant for the disk is never quietly kept
/// in RAM.
pub fn mount_served(path: &str, stack_size: usize, body: impl FnOnce(Server) + Send + 'static) -> io::Result<()> {
    let (jobs, inbox) = mpsc::channel::<Message>();
    let (replies_to, replies) = mpsc::channel::<Reply>();
    let (ready, mounted) = mpsc::channel::<Result<&'static str, FsError>>();
    let spawned = crate::thread::Builder::new()
        .name(format!("fs {path}"))
        .stack_size(stack_size)
        .spawn(move || body(Server { inbox, replies: replies_to, ready }));
    let outcome = match spawned {
        Err(_) => Err(FsError::Io("file systems on disks need a profile with threads")),
        Ok(_) => match mounted.recv() {
            Ok(Ok(kind)) => {
                SERVERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(jobs.clone());
                Ok(Remote { jobs, replies, kind })
            }
            Ok(Err(error)) => Err(error),
            Err(_) => Err(FsError::Io("the file system's thread stopped while mounting")),
        },
    };
    let fs: Box<dyn FileSystem + Send> = match outcome {
        Ok(remote) => {
            log::info!("{path}: {} volume mounted", remote.kind);
            // Each call is a round trip to the volume's thread: small reads and lookups that
            // repeat while nothing changes (SQLite's, per transaction) are answered here.
            Box::new(stardust_vfs::ReadCache::new(remote))
        }
        Err(error) => {
            log::error!("{path}: {error}");
            Box::new(stardust_vfs::Unavailable(error))
        }
    };
    with_vfs(|vfs| vfs.mount(path, fs))
}

/// Mounts at `path` a file system that answers every call with `error` (no disk, say), so that
/// data meant for a disk is not quietly kept in RAM.
pub fn mount_unavailable(path: &str, error: FsError) -> io::Result<()> {
    with_vfs(|vfs| vfs.mount(path, Box::new(stardust_vfs::Unavailable(error))))
}

/// The kind of file system mounted at `path` (`"fat16"`), if one is.
pub fn mounted_kind(path: &str) -> Option<&'static str> {
    with_vfs(|vfs| Ok(vfs.mounts().find(|(point, _)| *point == path).map(|(_, kind)| kind))).ok().flatten()
}

/// The mount points and their file systems' kinds (`("/", "ramfs")`, `("/data", "fat32")`).
pub fn mounts() -> Vec<(String, &'static str)> {
    with_vfs(|vfs| Ok(vfs.mounts().map(|(point, kind)| (String::from(point), kind)).collect())).unwrap_or_default()
}

/// Writes everything buffered in every file system to its disk (POSIX `sync`).
pub fn sync() -> io::Result<()> {
    with_vfs(|vfs| vfs.sync())
}

pub(crate) fn current_dir() -> String {
    with_vfs(|vfs| Ok(String::from(vfs.current_dir()))).unwrap_or_else(|_| String::from("/"))
}

pub(crate) fn set_current_dir(path: &str) -> io::Result<()> {
    with_vfs(|vfs| vfs.set_current_dir(path))
}

// ---------------------------------------------------------------------------------------------
// The std-shaped API.

/// What a path names: a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType(stardust_vfs::FileType);

impl FileType {
    pub fn is_dir(&self) -> bool {
        self.0 == stardust_vfs::FileType::Directory
    }
    pub fn is_file(&self) -> bool {
        self.0 == stardust_vfs::FileType::File
    }
}

/// A file's or directory's metadata, as `std::fs::Metadata`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata(stardust_vfs::Metadata);

impl Metadata {
    pub fn len(&self) -> u64 {
        self.0.len
    }
    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }
    pub fn is_dir(&self) -> bool {
        self.0.is_dir()
    }
    pub fn is_file(&self) -> bool {
        self.0.is_file()
    }
    pub fn file_type(&self) -> FileType {
        FileType(self.0.file_type)
    }
    /// When the contents last changed (a directory: when it was made), as std's `modified`;
    /// an error where the file system keeps no time (the root of a FAT volume).
    pub fn modified(&self) -> io::Result<crate::time::SystemTime> {
        match self.0.modified {
            Some(seconds) => Ok(crate::time::UNIX_EPOCH + core::time::Duration::from_secs(seconds)),
            None => Err(io::Error::new(io::ErrorKind::Unsupported, "this file system keeps no time for it")),
        }
    }
}

/// Options for opening a file, as `std::fs::OpenOptions`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions(stardust_vfs::OpenOptions);

impl OpenOptions {
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }
    pub fn read(&mut self, read: bool) -> &mut Self {
        self.0.read = read;
        self
    }
    pub fn write(&mut self, write: bool) -> &mut Self {
        self.0.write = write;
        self
    }
    pub fn append(&mut self, append: bool) -> &mut Self {
        self.0.append = append;
        self
    }
    pub fn truncate(&mut self, truncate: bool) -> &mut Self {
        self.0.truncate = truncate;
        self
    }
    pub fn create(&mut self, create: bool) -> &mut Self {
        self.0.create = create;
        self
    }
    pub fn create_new(&mut self, create_new: bool) -> &mut Self {
        self.0.create_new = create_new;
        self
    }
    /// Opens `path` with these options.
    pub fn open(&self, path: impl AsRef<str>) -> io::Result<File> {
        let handle = with_vfs(|vfs| vfs.open(path.as_ref(), self.0))?;
        Ok(File { handle })
    }
}

/// An open file, as `std::fs::File`: `Read`, `Write` and `Seek`; closed when dropped.
#[derive(Debug)]
pub struct File {
    handle: VfsHandle,
}

impl File {
    /// Opens a file for reading.
    pub fn open(path: impl AsRef<str>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path)
    }
    /// Creates (or truncates) a file for writing.
    pub fn create(path: impl AsRef<str>) -> io::Result<File> {
        OpenOptions::new().write(true).create(true).truncate(true).open(path)
    }
    /// Creates a file that must not exist yet.
    pub fn create_new(path: impl AsRef<str>) -> io::Result<File> {
        OpenOptions::new().read(true).write(true).create_new(true).open(path)
    }
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }
    /// Writes the file's data and size to the disk; when it returns Ok they survive a crash.
    pub fn sync_all(&self) -> io::Result<()> {
        with_vfs(|vfs| vfs.flush(self.handle))
    }
    /// As [`File::sync_all`] (FAT keeps no separate metadata to skip).
    pub fn sync_data(&self) -> io::Result<()> {
        self.sync_all()
    }
    /// Cuts or extends (with zeros) the file.
    pub fn set_len(&self, len: u64) -> io::Result<()> {
        with_vfs(|vfs| vfs.set_len(self.handle, len))
    }
    pub fn metadata(&self) -> io::Result<Metadata> {
        with_vfs(|vfs| vfs.handle_metadata(self.handle)).map(Metadata)
    }
    /// Reads to the end, appending to `buffer`; returns the bytes read.
    pub fn read_to_end(&mut self, buffer: &mut Vec<u8>) -> io::Result<usize> {
        let start = buffer.len();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match self.read(&mut chunk)? {
                0 => return Ok(buffer.len() - start),
                count => {
                    buffer.try_reserve(count).map_err(|_| io::Error::new(io::ErrorKind::Other, "out of memory"))?;
                    buffer.extend_from_slice(&chunk[..count]);
                }
            }
        }
    }
    /// Reads to the end as UTF-8, appending to `text`; returns the bytes read.
    pub fn read_to_string(&mut self, text: &mut String) -> io::Result<usize> {
        let mut bytes = Vec::new();
        let count = self.read_to_end(&mut bytes)?;
        text.push_str(core::str::from_utf8(&bytes).map_err(|_| invalid_utf8())?);
        Ok(count)
    }
}

fn invalid_utf8() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")
}

impl File {
    /// Reads at `offset` without moving the file's position, like std's `FileExt::read_at`
    /// (`pread`); a file on a disk is one round trip to its volume's thread.
    pub fn read_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
        with_vfs(|vfs| vfs.read_at(self.handle, offset, buffer))
    }

    /// Writes at `offset` without moving the file's position, like std's `FileExt::write_at`
    /// (`pwrite`; a file opened for appending writes at its end).
    pub fn write_at(&self, data: &[u8], offset: u64) -> io::Result<usize> {
        with_vfs(|vfs| vfs.write_at(self.handle, offset, data))
    }
}

impl Read for File {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        with_vfs(|vfs| vfs.read(self.handle, buffer))
    }
}

impl Write for File {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        with_vfs(|vfs| vfs.write(self.handle, data))
    }
    /// Nothing is buffered in `File` itself; see [`File::sync_all`] for durability.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for File {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        with_vfs(|vfs| vfs.seek(self.handle, position))
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if let Err(error) = with_vfs(|vfs| vfs.close(self.handle)) {
            log::warn!("closing a file failed: {error}");
        }
    }
}

/// One entry of [`read_dir`].
#[derive(Debug, Clone)]
pub struct DirEntry {
    path: String,
    name: String,
    metadata: Metadata,
}

impl DirEntry {
    pub fn file_name(&self) -> &str {
        &self.name
    }
    /// The directory's path joined with the name.
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn metadata(&self) -> io::Result<Metadata> {
        Ok(self.metadata)
    }
    pub fn file_type(&self) -> io::Result<FileType> {
        Ok(self.metadata.file_type())
    }
}

/// The entries of a directory, as `std::fs::ReadDir` (read when the directory is opened).
#[derive(Debug)]
pub struct ReadDir(alloc_crate::vec::IntoIter<DirEntry>);

impl Iterator for ReadDir {
    type Item = io::Result<DirEntry>;

    fn next(&mut self) -> Option<io::Result<DirEntry>> {
        self.0.next().map(Ok)
    }
}

/// The entries of a directory, sorted by name (without `.` and `..`).
pub fn read_dir(path: impl AsRef<str>) -> io::Result<ReadDir> {
    let path = path.as_ref();
    let entries = with_vfs(|vfs| vfs.read_dir(path))?;
    let base = path.trim_end_matches('/');
    let entries: Vec<DirEntry> = entries
        .into_iter()
        .map(|entry| DirEntry {
            path: format!("{base}/{}", entry.name),
            name: entry.name,
            metadata: Metadata(entry.metadata),
        })
        .collect();
    Ok(ReadDir(entries.into_iter()))
}

/// Reads a whole file.
pub fn read(path: impl AsRef<str>) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a whole file as UTF-8.
pub fn read_to_string(path: impl AsRef<str>) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| invalid_utf8())
}

/// Writes `contents` as the whole file (created or truncated).
pub fn write(path: impl AsRef<str>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    File::create(path)?.write_all(contents.as_ref())
}

pub fn metadata(path: impl AsRef<str>) -> io::Result<Metadata> {
    with_vfs(|vfs| vfs.metadata(path.as_ref())).map(Metadata)
}

/// True if `path` names something; errors other than "not found" are errors.
pub fn exists(path: impl AsRef<str>) -> io::Result<bool> {
    match with_vfs(|vfs| vfs.metadata(path.as_ref())) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

pub fn create_dir(path: impl AsRef<str>) -> io::Result<()> {
    with_vfs(|vfs| vfs.create_dir(path.as_ref()))
}

pub fn create_dir_all(path: impl AsRef<str>) -> io::Result<()> {
    with_vfs(|vfs| vfs.create_dir_all(path.as_ref()))
}

pub fn remove_file(path: impl AsRef<str>) -> io::Result<()> {
    with_vfs(|vfs| vfs.remove_file(path.as_ref()))
}

pub fn remove_dir(path: impl AsRef<str>) -> io::Result<()> {
    with_vfs(|vfs| vfs.remove_dir(path.as_ref()))
}

/// Renames, replacing an existing file at `to` (as std).
pub fn rename(from: impl AsRef<str>, to: impl AsRef<str>) -> io::Result<()> {
    with_vfs(|vfs| vfs.rename(from.as_ref(), to.as_ref()))
}
