//! Descriptors and the file system: the console (0-2), files and directories of `stardust::fs`.
//!
//! An open file description is shared by its duplicates (`dup`, `fcntl(F_DUPFD)`): they share
//! the offset, as on Linux. The process lock is held only to find a description; the I/O runs
//! on the description's own lock, so one thread reading a slow disk does not stop the others'
//! system calls.

use crate::pipe;
use crate::process::{self, Process};
use crate::shared::{self, OpenFile, UNLINKED_PREFIX};
use crate::user;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use stardust::io::ErrorKind;
use stardust::sync::Mutex;
use stardust_linux_abi::{
    AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, DT_DIR, DT_REG, DeviceNumber, DirectoryEntry, Errno,
    FcntlOutcome, FileStatus, LookupStart, OpenFlags, RecordLock, S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG, S_IFSOCK,
    StatusFlags, Timespec, check_at_flags, decode_io_vectors, io_vector_array_size, lookup_start,
    pack_directory_entries, seek_position, transfer_length,
};

/// The most bytes one read or write moves through the kernel's buffer at a time.
pub const CHUNK: usize = 64 * 1024;

/// What a descriptor refers to.
pub enum Object {
    /// The serial console: reads see end of file, writes are printed.
    Console,
    /// A regular file (see `shared`: descriptions of one file share its VFS handle).
    File(Mutex<OpenFile>),
    /// One end of a pipe.
    Pipe(pipe::End),
    /// A directory opened for reading its entries.
    Directory {
        /// Its absolute path.
        path: String,
        /// The listing getdents64 serves (taken when it starts at 0, so entries removed or added
        /// meanwhile neither hide others nor appear twice, as `rm -rf` needs), and how many
        /// entries it has returned.
        position: Mutex<(usize, Vec<(String, u8)>)>,
    },
    /// A network socket (an uninhabited type in images without a network).
    #[cfg_attr(not(feature = "sockets"), allow(dead_code))]
    Socket(crate::sockets::Socket),
    /// An epoll instance.
    Epoll(crate::events::Epoll),
    /// An eventfd counter.
    EventFd(crate::events::EventFd),
}

impl Object {
    /// Files and directories have positions; streams (the console, pipes, sockets) and
    /// counters do not (pread and pwrite on them are ESPIPE).
    fn seekable(&self) -> bool {
        matches!(self, Object::File(_) | Object::Directory { .. })
    }
}

/// What `poll` and `epoll` see of a descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ready {
    pub readable: bool,
    pub writable: bool,
    /// The peer finished sending (POLLRDHUP).
    pub read_closed: bool,
    /// Both directions have ended (POLLHUP).
    pub hung_up: bool,
    /// A failed connection (POLLERR).
    pub error: bool,
}

/// An open file description.
pub struct Description {
    /// What it refers to.
    pub object: Object,
    /// Reads (receives, accepts) and writes (sends) done through it: edge-triggered epoll
    /// reports a descriptor still readable again after the program read from it or wrote to it,
    /// one still writable only after it wrote (a read says nothing new about room to write:
    /// reporting that made an event loop spin between `epoll_wait` and a `recv` that said
    /// EAGAIN).
    pub reads: core::sync::atomic::AtomicU64,
    pub writes: core::sync::atomic::AtomicU64,
}

impl Description {
    /// A description of `object`.
    pub fn new(object: Object) -> Description {
        Description {
            object,
            reads: core::sync::atomic::AtomicU64::new(0),
            writes: core::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The console's.
    pub fn console() -> Description {
        Description::new(Object::Console)
    }

    /// Counts a read (`writing` false) or a write through the description.
    pub fn used(&self, writing: bool) {
        let counter = if writing { &self.writes } else { &self.reads };
        counter.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    }
}

/// Paths known not to exist. The program is the only one changing the file systems (one
/// program per VM, and the kernel writes nothing of its own there), so a failed lookup stays
/// true until the program creates or renames something: then the whole set is forgotten. On
/// FAT each lookup is a round trip to the volume's server and a directory scan, and programs
/// ask again and again (SQLite checks for a hot journal before every read transaction).
static MISSING: Mutex<alloc::collections::BTreeSet<String>> = Mutex::new(alloc::collections::BTreeSet::new());
/// At most this many remembered (then the set starts again).
const MISSING_LIMIT: usize = 256;

fn missing() -> stardust::sync::MutexGuard<'static, alloc::collections::BTreeSet<String>> {
    MISSING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `stardust::fs::metadata`, answering "not found" from memory for a path already found absent.
fn metadata(path: &str) -> Result<stardust::fs::Metadata, stardust::io::Error> {
    if missing().contains(path) {
        return Err(stardust::io::Error::new(ErrorKind::NotFound, "no such file or directory"));
    }
    let result = stardust::fs::metadata(path);
    if let Err(error) = &result
        && error.kind() == ErrorKind::NotFound
    {
        let mut missing = missing();
        if missing.len() >= MISSING_LIMIT {
            missing.clear();
        }
        missing.insert(String::from(path));
    }
    result
}

/// Something may have been created (or renamed into place): forget every absent path.
pub fn forget_missing() {
    missing().clear();
}

/// The Linux answer for a `stardust::fs` error.
pub fn errno(error: stardust::io::Error) -> Errno {
    errno_of(error.kind())
}

/// The Linux answer for an error of `kind` (file systems' and sockets').
pub fn errno_of(kind: ErrorKind) -> Errno {
    match kind {
        ErrorKind::NotFound => Errno::ENOENT,
        ErrorKind::PermissionDenied => Errno::EACCES,
        ErrorKind::AlreadyExists => Errno::EEXIST,
        ErrorKind::InvalidInput | ErrorKind::InvalidData => Errno::EINVAL,
        ErrorKind::NotADirectory => Errno::ENOTDIR,
        ErrorKind::IsADirectory => Errno::EISDIR,
        ErrorKind::DirectoryNotEmpty => Errno::ENOTEMPTY,
        ErrorKind::ReadOnlyFilesystem => Errno::EROFS,
        ErrorKind::StorageFull => Errno::ENOSPC,
        ErrorKind::CrossesDevices => Errno::EXDEV,
        ErrorKind::ResourceBusy => Errno::EBUSY,
        ErrorKind::Unsupported => Errno::EOPNOTSUPP,
        ErrorKind::OutOfMemory => Errno::ENOMEM,
        ErrorKind::WouldBlock => Errno::EAGAIN,
        ErrorKind::TimedOut => Errno::ETIMEDOUT,
        ErrorKind::BrokenPipe => Errno::EPIPE,
        ErrorKind::ConnectionRefused => Errno::ECONNREFUSED,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Errno::ECONNRESET,
        ErrorKind::NotConnected => Errno::ENOTCONN,
        ErrorKind::AddrInUse => Errno::EADDRINUSE,
        ErrorKind::AddrNotAvailable => Errno::EADDRNOTAVAIL,
        ErrorKind::NetworkUnreachable => Errno::ENETUNREACH,
        _ => Errno::EIO,
    }
}

fn descriptor(fd: u64) -> Result<(Arc<Description>, StatusFlags), Errno> {
    let fd = fd as u32;
    process::with(|process| Ok((process.files.get(fd)?.clone(), process.files.status(fd)?)))
}

/// `path` made absolute against `base`, with `.`, `..` and repeated slashes resolved (there
/// are no symbolic links to follow).
fn join(base: &str, path: &str) -> String {
    let start = if path.starts_with('/') { "" } else { base };
    // One allocation: system calls with paths are frequent (SQLite stats its journal before
    // every read transaction).
    let mut joined = String::with_capacity(start.len() + path.len() + 2);
    for part in start.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." => joined.truncate(joined.rfind('/').unwrap_or(0)),
            part => {
                joined.push('/');
                joined.push_str(part);
            }
        }
    }
    if joined.is_empty() {
        joined.push('/');
    }
    joined
}

/// Where a `*at` call's path leads: an absolute path.
fn resolve(process: &Process, directory: u64, path: &str) -> Result<String, Errno> {
    match lookup_start(directory as i32, path.as_bytes())? {
        LookupStart::Root => Ok(join("/", path)),
        LookupStart::WorkingDirectory => Ok(join(&process.directory, path)),
        LookupStart::Descriptor(fd) => match &process.files.get(fd)?.object {
            Object::Directory { path: base, .. } => Ok(join(base, path)),
            _ => Err(Errno::ENOTDIR),
        },
    }
}

fn resolve_path(directory: u64, path_address: u64) -> Result<String, Errno> {
    let path = user::path(path_address)?;
    process::with(|process| resolve(process, directory, &path))
}

// ---------------------------------------------------------------------------------------------
// Reading and writing.

/// A positioned call's offset (pread64, pwrite64): negative is `EINVAL`.
fn position(offset: Option<u64>) -> Result<Option<u64>, Errno> {
    offset.map(|offset| i64::try_from(offset).map(|_| offset).map_err(|_| Errno::EINVAL)).transpose()
}

/// `read(fd, buffer, count)`, and `pread64` with `offset`.
pub fn read(fd: u64, buffer: u64, count: u64, offset: Option<u64>) -> Result<u64, Errno> {
    let (description, status) = descriptor(fd)?;
    if !status.access.can_read() {
        return Err(Errno::EBADF);
    }
    read_from(&description, status, buffer, count, position(offset)?)
}

fn read_from(
    description: &Description,
    status: StatusFlags,
    buffer: u64,
    count: u64,
    at: Option<u64>,
) -> Result<u64, Errno> {
    let count = transfer_length(count) as usize;
    description.used(false);
    if at.is_some() && !description.object.seekable() {
        return Err(Errno::ESPIPE);
    }
    match &description.object {
        Object::Pipe(end) => end.read(buffer, count, status.nonblocking),
        Object::Socket(socket) => socket.read(buffer, count, status.nonblocking),
        Object::EventFd(counter) => counter.read(buffer, count, status.nonblocking),
        Object::Epoll(_) => Err(Errno::EINVAL),
        Object::Console => Ok(0),
        Object::Directory { .. } => Err(Errno::EISDIR),
        Object::File(open) => open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).read(buffer, count, at),
    }
}

/// `write(fd, buffer, count)`, and `pwrite64` with `offset`.
pub fn write(fd: u64, buffer: u64, count: u64, offset: Option<u64>) -> Result<u64, Errno> {
    let (description, status) = descriptor(fd)?;
    if !status.access.can_write() {
        return Err(Errno::EBADF);
    }
    write_to(&description, status, buffer, count, position(offset)?)
}

fn write_to(
    description: &Description,
    status: StatusFlags,
    buffer: u64,
    count: u64,
    at: Option<u64>,
) -> Result<u64, Errno> {
    let count = transfer_length(count) as usize;
    description.used(true);
    if at.is_some() && !description.object.seekable() {
        return Err(Errno::ESPIPE);
    }
    match &description.object {
        Object::Pipe(end) => end.write(buffer, count, status.nonblocking),
        Object::Socket(socket) => socket.write(buffer, count, status.nonblocking),
        Object::EventFd(counter) => counter.write(buffer, count, status.nonblocking),
        Object::Epoll(_) => Err(Errno::EINVAL),
        Object::Console => {
            let mut done = 0;
            while done < count {
                let chunk = (count - done).min(CHUNK);
                let bytes = match user::read(buffer + done as u64, chunk) {
                    Ok(bytes) => bytes,
                    Err(error) if done == 0 => return Err(error),
                    Err(_) => break,
                };
                stardust::console::write_bytes(&bytes);
                done += chunk;
            }
            Ok(done as u64)
        }
        Object::Directory { .. } => Err(Errno::EISDIR),
        Object::File(open) => {
            open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).write(buffer, count, at, status.append)
        }
    }
}

fn io_vectors(vectors: u64, count: u64) -> Result<Vec<stardust_linux_abi::IoVector>, Errno> {
    let size = io_vector_array_size(count)?;
    let bytes = user::read(vectors, size)?;
    decode_io_vectors(&bytes)
}

/// `readv(fd, vectors, count)`.
pub fn readv(fd: u64, vectors: u64, count: u64) -> Result<u64, Errno> {
    let vectors = io_vectors(vectors, count)?;
    let mut total = 0;
    for vector in vectors {
        if vector.length == 0 {
            continue;
        }
        let got = match read(fd, vector.base, vector.length, None) {
            Ok(got) => got,
            Err(error) if total == 0 => return Err(error),
            Err(_) => break,
        };
        total += got;
        if got < vector.length {
            break;
        }
    }
    Ok(total)
}

/// `writev(fd, vectors, count)`.
pub fn writev(fd: u64, vectors: u64, count: u64) -> Result<u64, Errno> {
    let vectors = io_vectors(vectors, count)?;
    let (description, status) = descriptor(fd)?;
    if !status.access.can_write() {
        return Err(Errno::EBADF);
    }
    if let Object::Console = description.object {
        // One console write when it is small (a line musl's stdio hands over in two pieces
        // stays whole), at most MAX_TRANSFER in all, as Linux caps one call.
        let mut bytes = Vec::new();
        let mut total = 0u64;
        for vector in &vectors {
            let length = transfer_length(vector.length).min(stardust_linux_abi::MAX_TRANSFER - total) as usize;
            if length == 0 {
                continue;
            }
            if bytes.len() + length > CHUNK {
                stardust::console::write_bytes(&bytes);
                bytes.clear();
            }
            let mut done = 0;
            while done < length {
                let piece = (length - done).min(CHUNK);
                match user::read(vector.base + done as u64, piece) {
                    Ok(piece) => {
                        if bytes.len() + piece.len() > CHUNK {
                            stardust::console::write_bytes(&bytes);
                            bytes.clear();
                        }
                        bytes.extend_from_slice(&piece);
                    }
                    Err(error) if total == 0 && done == 0 => return Err(error),
                    Err(_) => {
                        stardust::console::write_bytes(&bytes);
                        return Ok(total + done as u64);
                    }
                }
                done += piece;
            }
            total += length as u64;
            if total >= stardust_linux_abi::MAX_TRANSFER {
                break;
            }
        }
        stardust::console::write_bytes(&bytes);
        return Ok(total);
    }
    let mut total = 0;
    for vector in vectors {
        if vector.length == 0 {
            continue;
        }
        match write_to(&description, status, vector.base, vector.length, None) {
            Ok(written) => {
                total += written;
                if written < transfer_length(vector.length) {
                    break;
                }
            }
            Err(error) if total == 0 => return Err(error),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// `lseek(fd, offset, whence)`.
pub fn lseek(fd: u64, offset: u64, whence: u64) -> Result<u64, Errno> {
    let (description, _) = descriptor(fd)?;
    match &description.object {
        Object::Directory { position, .. } => {
            let target = seek_position(0, 0, offset as i64, whence as u32)?;
            let mut position = position.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            position.0 = target as usize;
            if target == 0 {
                position.1.clear();
            }
            Ok(target)
        }
        Object::File(open) => {
            open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).seek(offset as i64, whence as u32)
        }
        // The console, pipes, sockets and counters have no position.
        _ => Err(Errno::ESPIPE),
    }
}

// ---------------------------------------------------------------------------------------------
// Opening and closing.

/// `openat(directory, path, flags, mode)` (`open` passes `AT_FDCWD`).
pub fn openat(directory: u64, path: u64, flags: u64) -> Result<u64, Errno> {
    let flags = OpenFlags::decode(flags)?;
    let path = resolve_path(directory, path)?;
    let metadata = metadata(&path);
    let object = match metadata {
        Ok(metadata) if metadata.is_dir() => {
            if flags.access.can_write() || flags.truncate {
                return Err(Errno::EISDIR);
            }
            Object::Directory { path, position: Mutex::new((0, Vec::new())) }
        }
        Ok(_) if flags.directory => return Err(Errno::ENOTDIR),
        Ok(_) if flags.create && flags.exclusive => return Err(Errno::EEXIST),
        Err(error) if error.kind() != ErrorKind::NotFound || !flags.create => return Err(errno(error)),
        _ => {
            if flags.directory {
                return Err(Errno::ENOENT);
            }
            let write = flags.access.can_write();
            if flags.create {
                forget_missing();
            }
            let file = OpenFile::open(&path, write, flags.create, flags.truncate && write)?;
            Object::File(Mutex::new(file))
        }
    };
    let status = flags.status();
    let mut rejected = None;
    let result = process::with(|process| {
        process.files.open(Arc::new(Description::new(object)), status, flags.close_on_exec).map(u64::from).map_err(
            |(error, description)| {
                // Closed after the process lock is released (a FAT close waits for its server).
                rejected = Some(description);
                error
            },
        )
    });
    drop(rejected);
    result
}

/// `close(fd)`.
pub fn close(fd: u64) -> Result<u64, Errno> {
    let released = process::with(|process| process.files.close(fd as u32))?;
    drop(released);
    Ok(0)
}

/// `dup(fd)`.
pub fn dup(fd: u64) -> Result<u64, Errno> {
    process::with(|process| process.files.dup(fd as u32).map(u64::from))
}

/// `dup3(old, new, flags)` (`dup2` passes 0 and its own same-descriptor rule).
pub fn dup3(old: u64, new: u64, flags: u64, is_dup2: bool) -> Result<u64, Errno> {
    let duplicated = process::with(|process| {
        if is_dup2 {
            process.files.dup2(old as u32, new as u32)
        } else {
            process.files.dup3(old as u32, new as u32, flags)
        }
    })?;
    let fd = duplicated.fd;
    drop(duplicated.released);
    Ok(u64::from(fd))
}

/// `fcntl(fd, command, argument)`.
pub fn fcntl(fd: u64, command: u64, argument: u64) -> Result<u64, Errno> {
    let outcome = process::with(|process| process.files.fcntl(fd as u32, command as u32, argument))?;
    match outcome {
        FcntlOutcome::Value(value) => Ok(value),
        FcntlOutcome::Lock { test, argument, access } => {
            let bytes = user::read(argument, stardust_linux_abi::FLOCK_SIZE)?;
            let lock = RecordLock::decode(&bytes)?;
            lock.check_access(access)?;
            if test {
                let mut bytes = bytes;
                RecordLock::unlocked(&mut bytes);
                user::write(argument, &bytes)?;
            }
            Ok(0)
        }
    }
}

/// `ioctl(fd, request, argument)`: no terminal here, so the terminal requests (TIOCGWINSZ,
/// TCGETS, ...) are `ENOTTY`: programs then treat the console as a pipe or file, as on a host
/// whose output is redirected (musl's stdout is then fully buffered, on both).
/// The descriptor requests every kind of file takes are served: `FIONBIO` (set or clear
/// `O_NONBLOCK`, as Rust std's `set_nonblocking` does) and `FIOCLEX`/`FIONCLEX`.
pub fn ioctl(fd: u64, request: u64, argument: u64) -> Result<u64, Errno> {
    use stardust_linux_abi::{F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK};
    const FIONBIO: u64 = 0x5421;
    const FIONCLEX: u64 = 0x5450;
    const FIOCLEX: u64 = 0x5451;
    descriptor(fd)?;
    match request & 0xffff_ffff {
        FIONBIO => {
            let mut on = [0u8; 4];
            user::read_into(argument, &mut on)?;
            let flags = fcntl(fd, u64::from(F_GETFL), 0)?;
            let flags = if i32::from_le_bytes(on) != 0 { flags | O_NONBLOCK } else { flags & !O_NONBLOCK };
            fcntl(fd, u64::from(F_SETFL), flags).map(|_| 0)
        }
        FIOCLEX => fcntl(fd, u64::from(F_SETFD), FD_CLOEXEC).map(|_| 0),
        FIONCLEX => fcntl(fd, u64::from(F_SETFD), 0).map(|_| 0),
        _ => Err(Errno::ENOTTY),
    }
}

// ---------------------------------------------------------------------------------------------
// Status.

fn inode(path: &str) -> u64 {
    // FNV-1a of the path: stable for a path, distinct for distinct paths in practice.
    path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}

fn console_status() -> FileStatus {
    FileStatus {
        device: DeviceNumber { major: 0, minor: 5 },
        inode: 3,
        mode: S_IFCHR | 0o620,
        links: 1,
        represented_device: DeviceNumber { major: 4, minor: 64 },
        block_size: 1024,
        ..FileStatus::default()
    }
}

fn path_status(path: &str) -> Result<FileStatus, Errno> {
    let metadata = metadata(path).map_err(errno)?;
    Ok(file_status(path, metadata.is_dir(), metadata.len(), seconds_of(&metadata)))
}

/// A file's time in Unix seconds (0, the epoch, where the file system keeps none).
fn seconds_of(metadata: &stardust::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(stardust::time::UNIX_EPOCH).ok())
        .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
}

/// `modified` serves as every time (access, change): the file systems keep one.
fn file_status(path: &str, directory: bool, length: u64, modified: i64) -> FileStatus {
    let size = if directory { 4096 } else { length };
    let time = Timespec { seconds: modified, nanoseconds: 0 };
    FileStatus {
        device: DeviceNumber { major: 0, minor: if path.starts_with("/data") { 2 } else { 1 } },
        inode: inode(path),
        mode: if directory { S_IFDIR | 0o755 } else { S_IFREG | 0o644 },
        links: if directory { 2 } else { 1 },
        size,
        block_size: 4096,
        blocks: size.div_ceil(512),
        accessed: time,
        modified: time,
        changed: time,
        ..FileStatus::default()
    }
}

fn description_status(description: &Description) -> Result<FileStatus, Errno> {
    match &description.object {
        Object::Console => Ok(console_status()),
        Object::Pipe(_) => Ok(FileStatus {
            device: DeviceNumber { major: 0, minor: 13 },
            inode: 4,
            mode: S_IFIFO | 0o600,
            links: 1,
            block_size: 4096,
            ..FileStatus::default()
        }),
        Object::Socket(_) | Object::Epoll(_) | Object::EventFd(_) => Ok(FileStatus {
            device: DeviceNumber { major: 0, minor: 8 },
            inode: 5,
            mode: if matches!(description.object, Object::Socket(_)) { S_IFSOCK | 0o777 } else { 0o600 },
            links: 1,
            block_size: 4096,
            ..FileStatus::default()
        }),
        Object::Directory { path, .. } => path_status(path),
        Object::File(open) => {
            let open = open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (path, size) = open.path_and_size();
            let modified = open.metadata().map_or(0, |metadata| seconds_of(&metadata));
            Ok(file_status(&path, false, size, modified))
        }
    }
}

fn status_at(directory: u64, path: u64, flags: u64) -> Result<FileStatus, Errno> {
    let flags = check_at_flags(
        flags,
        AT_EMPTY_PATH
            | AT_SYMLINK_NOFOLLOW
            | stardust_linux_abi::AT_NO_AUTOMOUNT
            | stardust_linux_abi::AT_STATX_SYNC_TYPE,
    )?;
    if flags & AT_EMPTY_PATH != 0 {
        let name = user::path_allowing_empty(path)?;
        if name.is_empty() {
            let description =
                if directory as i32 == stardust_linux_abi::AT_FDCWD { None } else { Some(descriptor(directory)?.0) };
            return match description {
                Some(description) => description_status(&description),
                None => path_status(&process::with(|process| Ok(process.directory.clone()))?),
            };
        }
    }
    path_status(&resolve_path(directory, path)?)
}

/// `fstat(fd, stat)`.
pub fn fstat(fd: u64, out: u64) -> Result<u64, Errno> {
    let (description, _) = descriptor(fd)?;
    user::write(out, &description_status(&description)?.encode_stat())?;
    Ok(0)
}

/// `newfstatat(directory, path, stat, flags)` (`stat` and `lstat` too: no symbolic links here).
pub fn fstatat(directory: u64, path: u64, out: u64, flags: u64) -> Result<u64, Errno> {
    let status = status_at(directory, path, flags)?;
    user::write(out, &status.encode_stat())?;
    Ok(0)
}

/// `statx(directory, path, flags, mask, statx)`.
pub fn statx(directory: u64, path: u64, flags: u64, out: u64) -> Result<u64, Errno> {
    let status = status_at(directory, path, flags)?;
    user::write(out, &status.encode_statx())?;
    Ok(0)
}

/// 0 if `fd` is open (fchmod and fchown: accepted, nothing kept).
pub fn fstat_exists(fd: u64) -> Result<u64, Errno> {
    descriptor(fd).map(|_| 0)
}

/// `faccessat(directory, path, mode)`: everything that exists is accessible (one user, root).
pub fn faccessat(directory: u64, path: u64) -> Result<u64, Errno> {
    path_status(&resolve_path(directory, path)?).map(|_| 0)
}

/// `getdents64(fd, buffer, count)`.
pub fn getdents64(fd: u64, buffer: u64, count: u64) -> Result<u64, Errno> {
    let (description, _) = descriptor(fd)?;
    let Object::Directory { path, position } = &description.object else {
        return Err(Errno::ENOTDIR);
    };
    let mut position = position.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if position.0 == 0 || position.1.is_empty() {
        let listed = stardust::fs::read_dir(path).map_err(errno)?;
        let mut names: Vec<(String, u8)> = vec![(String::from("."), DT_DIR), (String::from(".."), DT_DIR)];
        for entry in listed {
            let entry = entry.map_err(errno)?;
            if entry.file_name().starts_with(UNLINKED_PREFIX) {
                continue;
            }
            let kind = match entry.file_type() {
                Ok(kind) if kind.is_dir() => DT_DIR,
                _ => DT_REG,
            };
            names.push((String::from(entry.file_name()), kind));
        }
        position.1 = names;
    }
    let (done, names) = &*position;
    let entries: Vec<DirectoryEntry<'_>> = names
        .iter()
        .enumerate()
        .skip(*done)
        .map(|(index, (name, kind))| DirectoryEntry {
            inode: inode(&join(path, name)),
            next_offset: index as i64 + 1,
            kind: *kind,
            name: name.as_bytes(),
        })
        .collect();
    let size = (transfer_length(count) as usize).min(CHUNK);
    let mut bytes = vec![0; size];
    let packed = pack_directory_entries(&entries, &mut bytes)?;
    user::write(buffer, &bytes[..packed.bytes])?;
    drop(entries);
    position.0 += packed.entries;
    Ok(packed.bytes as u64)
}

// ---------------------------------------------------------------------------------------------
// The name space.

/// `mkdirat(directory, path, mode)`.
pub fn mkdirat(directory: u64, path: u64) -> Result<u64, Errno> {
    forget_missing();
    stardust::fs::create_dir(resolve_path(directory, path)?).map_err(errno)?;
    durable_names()
}

/// `unlinkat(directory, path, flags)` (`unlink` and `rmdir` too).
pub fn unlinkat(directory: u64, path: u64, flags: u64) -> Result<u64, Errno> {
    let flags = check_at_flags(flags, AT_REMOVEDIR)?;
    let path = resolve_path(directory, path)?;
    if flags & AT_REMOVEDIR != 0 {
        stardust::fs::remove_dir(&path).map_err(errno)?;
        durable_names()
    } else {
        if metadata(&path).map_err(errno)?.is_dir() {
            return Err(Errno::EISDIR);
        }
        // Open or not: POSIX keeps an open file readable through its descriptors (an open
        // one is moved into a hidden folder, which may be created now).
        forget_missing();
        shared::unlink(&path)?;
        durable_names()
    }
}

/// `renameat2(old_directory, old, new_directory, new, flags)`: flags must be 0.
pub fn renameat(old_directory: u64, old: u64, new_directory: u64, new: u64, flags: u64) -> Result<u64, Errno> {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let from = resolve_path(old_directory, old)?;
    let to = resolve_path(new_directory, new)?;
    forget_missing();
    shared::rename(&from, &to)?;
    durable_names()
}

/// Changes to the name space (create a folder, remove, rename) reach the disk before the call
/// returns, as with Linux's `dirsync` mount option: a VM can be killed at any moment, and
/// programs treat a finished unlink or rename as done (SQLite's commit in its default journal
/// mode is the journal's unlink; were it lost, the next open would roll the transaction back).
fn durable_names() -> Result<u64, Errno> {
    stardust::fs::sync().map_err(errno).map(|()| 0)
}

/// `fsync(fd)` and `fdatasync(fd)`.
pub fn fsync(fd: u64, data_only: bool) -> Result<u64, Errno> {
    let (description, _) = descriptor(fd)?;
    match &description.object {
        Object::Console | Object::Pipe(_) | Object::Socket(_) | Object::Epoll(_) | Object::EventFd(_) => {
            Err(Errno::EINVAL)
        }
        Object::Directory { .. } => stardust::fs::sync().map_err(errno).map(|()| 0),
        Object::File(open) => open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).sync(data_only).map(|()| 0),
    }
}

/// `ftruncate(fd, length)`.
pub fn ftruncate(fd: u64, length: u64) -> Result<u64, Errno> {
    let (description, status) = descriptor(fd)?;
    let length = i64::try_from(length).map_err(|_| Errno::EINVAL)?;
    match &description.object {
        Object::File(open) if status.access.can_write() => {
            open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).set_len(length as u64).map(|()| 0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// A new descriptor for `object`, opened for reading and writing (sockets, epoll, eventfd).
pub fn open_object(object: Object, nonblocking: bool, close_on_exec: bool) -> Result<u64, Errno> {
    let status = StatusFlags { access: stardust_linux_abi::AccessMode::ReadWrite, append: false, nonblocking };
    let description = Arc::new(Description::new(object));
    process::with(|process| process.files.open(description, status, close_on_exec).map_err(|(error, _)| error))
        .map(u64::from)
}

/// `pipe2(fds, flags)` (`pipe` passes no flags): the read end and the write end, as two ints.
pub fn pipe2(fds: u64, flags: u64) -> Result<u64, Errno> {
    use stardust_linux_abi::{O_CLOEXEC, O_DIRECT, O_NONBLOCK};
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let nonblocking = flags & O_NONBLOCK != 0;
    let close_on_exec = flags & O_CLOEXEC != 0;
    let (read_end, write_end) = pipe::new();
    let reading = StatusFlags { access: stardust_linux_abi::AccessMode::ReadOnly, append: false, nonblocking };
    let writing = StatusFlags { access: stardust_linux_abi::AccessMode::WriteOnly, append: false, nonblocking };
    let (reader, writer) = process::with(|process| {
        let reader = process
            .files
            .open(Arc::new(Description::new(Object::Pipe(read_end))), reading, close_on_exec)
            .map_err(|(error, _)| error)?;
        match process.files.open(Arc::new(Description::new(Object::Pipe(write_end))), writing, close_on_exec) {
            Ok(writer) => Ok((reader, writer)),
            Err((error, _)) => {
                let _ = process.files.close(reader);
                Err(error)
            }
        }
    })?;
    let mut bytes = [0u8; 8];
    bytes[..4].copy_from_slice(&reader.to_le_bytes());
    bytes[4..].copy_from_slice(&writer.to_le_bytes());
    if let Err(error) = user::write(fds, &bytes) {
        let _ = close(u64::from(reader));
        let _ = close(u64::from(writer));
        return Err(error);
    }
    Ok(0)
}

/// poll's answer for one open descriptor.
pub fn readiness(fd: u32) -> Result<Ready, Errno> {
    let (description, _) = descriptor(u64::from(fd))?;
    Ok(object_readiness(&description))
}

/// What a description is ready for now.
pub fn object_readiness(description: &Description) -> Ready {
    match &description.object {
        Object::Pipe(end) => {
            let (readable, writable, hung_up) = end.readiness();
            Ready { readable, writable, hung_up, ..Ready::default() }
        }
        Object::Socket(socket) => socket.readiness(),
        Object::EventFd(counter) => counter.readiness(),
        Object::Epoll(_) => Ready::default(),
        _ => Ready { readable: true, writable: true, ..Ready::default() },
    }
}

/// `getcwd(buffer, size)`: the length including the NUL.
pub fn getcwd(buffer: u64, size: u64) -> Result<u64, Errno> {
    let directory = process::with(|process| Ok(process.directory.clone()))?;
    let mut bytes = directory.into_bytes();
    bytes.push(0);
    if (bytes.len() as u64) > size {
        return Err(Errno::ERANGE);
    }
    user::write(buffer, &bytes)?;
    Ok(bytes.len() as u64)
}

/// `chdir(path)`.
pub fn chdir(path: u64) -> Result<u64, Errno> {
    let path = resolve_path(stardust_linux_abi::AT_FDCWD as u64, path)?;
    if !metadata(&path).map_err(errno)?.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    process::with(|process| {
        process.directory = path;
        Ok(0)
    })
}
