//! What a file-system operation can fail with.

use core::fmt;
use core_io::ErrorKind;

/// Why a file-system operation failed. Every variant says what the caller can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    /// A path component does not exist.
    NotFound,
    /// The name is taken.
    AlreadyExists,
    /// A path component that must be a directory is a file.
    NotADirectory,
    /// The path is a directory where a file is needed.
    IsADirectory,
    /// The directory still has entries.
    DirectoryNotEmpty,
    /// The medium is full.
    NoSpace,
    /// The file system (or disk) is read-only.
    ReadOnly,
    /// The request itself is wrong (a bad name, a bad option, a seek before 0); why.
    InvalidInput(&'static str),
    /// On-disk structures are inconsistent; what was found.
    Corrupt(&'static str),
    /// The device failed; what it said.
    Io(&'static str),
    /// A rename between two mounted file systems.
    CrossesMounts,
    /// The file or directory is in use (open, a mount point, the root).
    Busy,
    /// The handle is not open, or not open for this access (reading a write-only file).
    BadHandle,
    /// The mount point has no disk behind it (the profile mounts one, the VM was given none).
    NoDevice,
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::NotFound => f.write_str("no such file or directory"),
            FsError::AlreadyExists => f.write_str("file exists"),
            FsError::NotADirectory => f.write_str("not a directory"),
            FsError::IsADirectory => f.write_str("is a directory"),
            FsError::DirectoryNotEmpty => f.write_str("directory not empty"),
            FsError::NoSpace => f.write_str("no space left on device"),
            FsError::ReadOnly => f.write_str("read-only file system"),
            FsError::InvalidInput(why) => write!(f, "invalid input: {why}"),
            FsError::Corrupt(what) => write!(f, "corrupt file system: {what}"),
            FsError::Io(what) => write!(f, "I/O error: {what}"),
            FsError::CrossesMounts => f.write_str("cannot rename across mounted file systems"),
            FsError::Busy => f.write_str("in use"),
            FsError::BadHandle => f.write_str("bad file handle (not open, or not open for this access)"),
            FsError::NoDevice => f.write_str("no disk is attached here"),
        }
    }
}

impl FsError {
    /// The std `io::ErrorKind` with the same meaning.
    pub fn kind(&self) -> ErrorKind {
        match self {
            FsError::NotFound => ErrorKind::NotFound,
            FsError::AlreadyExists => ErrorKind::AlreadyExists,
            FsError::NotADirectory => ErrorKind::NotADirectory,
            FsError::IsADirectory => ErrorKind::IsADirectory,
            FsError::DirectoryNotEmpty => ErrorKind::DirectoryNotEmpty,
            FsError::NoSpace => ErrorKind::StorageFull,
            FsError::ReadOnly => ErrorKind::ReadOnlyFilesystem,
            FsError::InvalidInput(_) => ErrorKind::InvalidInput,
            FsError::Corrupt(_) => ErrorKind::InvalidData,
            FsError::Io(_) => ErrorKind::Other,
            FsError::CrossesMounts => ErrorKind::CrossesDevices,
            FsError::Busy => ErrorKind::ResourceBusy,
            FsError::BadHandle => ErrorKind::InvalidInput,
            FsError::NoDevice => ErrorKind::NotFound,
        }
    }

    /// A static description (the `io::Error` message; `Display` says the same, with details).
    pub fn message(&self) -> &'static str {
        match self {
            FsError::NotFound => "no such file or directory",
            FsError::AlreadyExists => "file exists",
            FsError::NotADirectory => "not a directory",
            FsError::IsADirectory => "is a directory",
            FsError::DirectoryNotEmpty => "directory not empty",
            FsError::NoSpace => "no space left on device",
            FsError::ReadOnly => "read-only file system",
            FsError::InvalidInput(why) => why,
            FsError::Corrupt(what) => what,
            FsError::Io(what) => what,
            FsError::CrossesMounts => "cannot rename across mounted file systems",
            FsError::Busy => "in use",
            FsError::BadHandle => "bad file handle",
            FsError::NoDevice => "no disk is attached here",
        }
    }
}

impl From<FsError> for core_io::Error {
    fn from(error: FsError) -> core_io::Error {
        core_io::Error::new(error.kind(), error.message())
    }
}
