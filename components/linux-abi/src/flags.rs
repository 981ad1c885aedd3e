//! What `open` and the `*at` calls pass: the flag word, the path string and the directory
//! descriptor, decoded into plain values with Linux's errors.

use crate::Errno;

/// The access-mode field of the open flags.
pub const O_ACCMODE: u64 = 0o3;
/// Open for reading only.
pub const O_RDONLY: u64 = 0o0;
/// Open for writing only.
pub const O_WRONLY: u64 = 0o1;
/// Open for reading and writing.
pub const O_RDWR: u64 = 0o2;
/// Create the file if it does not exist.
pub const O_CREAT: u64 = 0o100;
/// With `O_CREAT`: fail if the file exists.
pub const O_EXCL: u64 = 0o200;
/// Do not make a terminal the controlling terminal (ignored: there is none).
pub const O_NOCTTY: u64 = 0o400;
/// Truncate a regular file to length 0.
pub const O_TRUNC: u64 = 0o1000;
/// Every write goes to the end.
pub const O_APPEND: u64 = 0o2000;
/// Calls that would wait answer `EAGAIN`.
pub const O_NONBLOCK: u64 = 0o4000;
/// Writes reach the disk's data before returning.
pub const O_DSYNC: u64 = 0o10000;
/// Signal-driven I/O (ignored).
pub const O_ASYNC: u64 = 0o20000;
/// Bypass the page cache (ignored: Stardust has none to bypass).
pub const O_DIRECT: u64 = 0o40000;
/// Large-file offsets: always on for 64-bit programs.
pub const O_LARGEFILE: u64 = 0o100000;
/// Fail unless the path is a directory.
pub const O_DIRECTORY: u64 = 0o200000;
/// Fail if the last path component is a symbolic link.
pub const O_NOFOLLOW: u64 = 0o400000;
/// Do not update the access time (ignored).
pub const O_NOATIME: u64 = 0o1000000;
/// Close the descriptor on exec.
pub const O_CLOEXEC: u64 = 0o2000000;
/// `O_SYNC` is this bit with `O_DSYNC`: writes reach the disk, metadata included.
pub const O_SYNC: u64 = 0o4000000 | O_DSYNC;
/// A descriptor that only names a place in the file system.
pub const O_PATH: u64 = 0o10000000;
/// `O_TMPFILE` is this bit with `O_DIRECTORY`: an unnamed temporary file.
pub const O_TMPFILE: u64 = 0o20000000 | O_DIRECTORY;

/// The bit that turns `O_DIRECTORY` into `O_TMPFILE`.
const TMPFILE_BIT: u64 = O_TMPFILE & !O_DIRECTORY;

/// How an open file may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    /// `O_RDONLY`.
    ReadOnly,
    /// `O_WRONLY`.
    WriteOnly,
    /// `O_RDWR`.
    ReadWrite,
}

impl AccessMode {
    /// The mode's bits, as `F_GETFL` reports them.
    pub const fn bits(self) -> u64 {
        match self {
            AccessMode::ReadOnly => O_RDONLY,
            AccessMode::WriteOnly => O_WRONLY,
            AccessMode::ReadWrite => O_RDWR,
        }
    }

    /// Whether `read` is allowed (else `EBADF`).
    pub const fn can_read(self) -> bool {
        matches!(self, AccessMode::ReadOnly | AccessMode::ReadWrite)
    }

    /// Whether `write` is allowed (else `EBADF`).
    pub const fn can_write(self) -> bool {
        matches!(self, AccessMode::WriteOnly | AccessMode::ReadWrite)
    }
}

/// `open`'s and `openat`'s flags, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFlags {
    /// `O_RDONLY`, `O_WRONLY` or `O_RDWR`.
    pub access: AccessMode,
    /// `O_CREAT`: the call's `mode` argument matters.
    pub create: bool,
    /// `O_EXCL`: with `create`, `EEXIST` if the file exists. Without `create` Linux ignores it
    /// (but for block devices, which Stardust does not expose), and so does the kernel.
    pub exclusive: bool,
    /// `O_TRUNC`: a regular file opened for writing starts empty. Linux truncates even with
    /// `O_RDONLY` (POSIX leaves it unspecified); the flag is reported as given.
    pub truncate: bool,
    /// `O_APPEND`.
    pub append: bool,
    /// `O_DIRECTORY`: `ENOTDIR` unless the path names a directory.
    pub directory: bool,
    /// `O_NONBLOCK` (`O_NDELAY` is the same bit).
    pub nonblocking: bool,
    /// `O_CLOEXEC`.
    pub close_on_exec: bool,
    /// `O_NOFOLLOW`: `ELOOP` if the last component is a symbolic link.
    pub no_follow: bool,
    /// `O_DSYNC` or `O_SYNC`: each write reaches the disk before it returns.
    pub synchronous: bool,
    /// `O_PATH`: only a place in the file system; Linux then ignores every flag but
    /// `O_DIRECTORY`, `O_NOFOLLOW` and `O_CLOEXEC`, and so does this decoder (the others read as
    /// false and the access mode as read-only).
    pub path_only: bool,
}

impl OpenFlags {
    /// Decodes the flag register of `open`/`openat`.
    ///
    /// Linux ignores bits it does not know in `open` (only `openat2` refuses them), and so does
    /// this decoder; it also ignores `O_NOCTTY`, `O_LARGEFILE`, `O_DIRECT`, `O_NOATIME` and
    /// `O_ASYNC`, which mean nothing in Stardust.
    ///
    /// Errors: `EINVAL` for access mode 3 (a Linux special mode, "neither read nor write, but
    /// permission for both", used only by a few device tools; Stardust refuses it rather than
    /// give it a meaning), and for `O_TMPFILE` with `O_CREAT` or without write access (Linux's
    /// own rule); `EOPNOTSUPP` for a valid `O_TMPFILE` (Linux's answer where the file system
    /// has no unnamed files, which no Stardust file system has).
    pub fn decode(bits: u64) -> Result<OpenFlags, Errno> {
        let has = |flag: u64| bits & flag == flag;
        if bits & O_PATH != 0 {
            return Ok(OpenFlags {
                access: AccessMode::ReadOnly,
                create: false,
                exclusive: false,
                truncate: false,
                append: false,
                directory: has(O_DIRECTORY),
                nonblocking: false,
                close_on_exec: has(O_CLOEXEC),
                no_follow: has(O_NOFOLLOW),
                synchronous: false,
                path_only: true,
            });
        }
        let access = match bits & O_ACCMODE {
            O_RDONLY => AccessMode::ReadOnly,
            O_WRONLY => AccessMode::WriteOnly,
            O_RDWR => AccessMode::ReadWrite,
            _ => return Err(Errno::EINVAL),
        };
        if bits & TMPFILE_BIT != 0 {
            if !has(O_DIRECTORY) || has(O_CREAT) || !access.can_write() {
                return Err(Errno::EINVAL);
            }
            return Err(Errno::EOPNOTSUPP);
        }
        Ok(OpenFlags {
            access,
            create: has(O_CREAT),
            exclusive: has(O_EXCL),
            truncate: has(O_TRUNC),
            append: has(O_APPEND),
            directory: has(O_DIRECTORY),
            nonblocking: has(O_NONBLOCK),
            close_on_exec: has(O_CLOEXEC),
            no_follow: has(O_NOFOLLOW),
            synchronous: has(O_DSYNC),
            path_only: false,
        })
    }

    /// The status flags the new open file description starts with.
    pub const fn status(self) -> crate::StatusFlags {
        crate::StatusFlags { access: self.access, append: self.append, nonblocking: self.nonblocking }
    }
}

/// The longest path Linux accepts, its terminating NUL included.
pub const PATH_MAX: usize = 4096;

/// The path argument of a call, given the bytes the kernel could read at the pointer: up to
/// [`PATH_MAX`] bytes, fewer when readable memory ends sooner
/// ([`UserMemory::readable_length`](crate::UserMemory::readable_length)). Returns the path
/// without its NUL.
///
/// Errors: `ENAMETOOLONG` when the first `PATH_MAX` bytes hold no NUL; `EFAULT` when readable
/// memory ended before a NUL (`readable` is shorter than `PATH_MAX`); `ENOENT` for an empty path
/// (callers that accept one under `AT_EMPTY_PATH` use [`path_from_user_allowing_empty`]).
pub fn path_from_user(readable: &[u8]) -> Result<&[u8], Errno> {
    let path = path_from_user_allowing_empty(readable)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    Ok(path)
}

/// As [`path_from_user`], but an empty path is returned, not refused.
pub fn path_from_user_allowing_empty(readable: &[u8]) -> Result<&[u8], Errno> {
    let window = readable.get(..PATH_MAX).unwrap_or(readable);
    match window.iter().position(|&byte| byte == 0) {
        Some(length) => Ok(&window[..length]),
        None if window.len() >= PATH_MAX => Err(Errno::ENAMETOOLONG),
        None => Err(Errno::EFAULT),
    }
}

/// The directory-descriptor value that means "the working directory" in the `*at` calls.
pub const AT_FDCWD: i32 = -100;
/// `*at` flag: do not follow a symbolic link in the last component.
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
/// `unlinkat` flag: remove a directory.
pub const AT_REMOVEDIR: u64 = 0x200;
/// `*at` flag: do not trigger an automount (meaningless here; accepted).
pub const AT_NO_AUTOMOUNT: u64 = 0x800;
/// `*at` flag: an empty path means the descriptor itself.
pub const AT_EMPTY_PATH: u64 = 0x1000;
/// `statx` flags: how fresh the answer must be (meaningless here; accepted).
pub const AT_STATX_SYNC_TYPE: u64 = 0x6000;

/// Where a path lookup starts, decided from the path and the directory argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupStart {
    /// The path is absolute: the directory argument is ignored (even an invalid one, as on Linux).
    Root,
    /// The working directory: a relative path with `AT_FDCWD` or from a call without a directory
    /// argument (`open`, `stat`, ...).
    WorkingDirectory,
    /// A relative path from this open directory; the kernel answers `EBADF` when it is not open
    /// and `ENOTDIR` when it is not a directory. With an empty path (under `AT_EMPTY_PATH`) the
    /// call is about this descriptor itself.
    Descriptor(u32),
}

/// Decides where a `*at` call's lookup starts. `directory` is the register's low 32 bits as an
/// `int` (Linux reads `int dfd`); `path` comes from [`path_from_user`] or, when the call allows
/// `AT_EMPTY_PATH` and it is set, [`path_from_user_allowing_empty`].
///
/// Errors: `EBADF` for a negative `directory` other than `AT_FDCWD` when the path is relative
/// or empty.
pub fn lookup_start(directory: i32, path: &[u8]) -> Result<LookupStart, Errno> {
    if path.first() == Some(&b'/') {
        return Ok(LookupStart::Root);
    }
    if directory == AT_FDCWD {
        return Ok(LookupStart::WorkingDirectory);
    }
    u32::try_from(directory).map(LookupStart::Descriptor).map_err(|_| Errno::EBADF)
}

/// Checks a `*at` call's flag word against the flags that call accepts.
///
/// Errors: `EINVAL` for any bit outside `allowed` (Linux's answer in `newfstatat`, `statx`,
/// `unlinkat`, `faccessat2` and the others that check).
pub fn check_at_flags(flags: u64, allowed: u64) -> Result<u64, Errno> {
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(flags)
}
