//! The part of `std::io` that the `fatfs` crate uses when built without std: `Read`, `Write`,
//! `Seek`, `SeekFrom`, `Error`, `ErrorKind`, `Result`, `Cursor` and `prelude`, with the same
//! meanings as std's. Errors carry a kind and a static message (no allocation).

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::fmt;

/// What went wrong, as `std::io::ErrorKind` (the variants fatfs and Stardust use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    PermissionDenied,
    AlreadyExists,
    InvalidInput,
    InvalidData,
    UnexpectedEof,
    WriteZero,
    Interrupted,
    Other,
    // The file-system kinds std has too (Stardust's VFS reports them).
    NotADirectory,
    IsADirectory,
    DirectoryNotEmpty,
    ReadOnlyFilesystem,
    StorageFull,
    CrossesDevices,
    ResourceBusy,
    Unsupported,
    // The network kinds std has too (Stardust's sockets report them).
    ConnectionRefused,
    ConnectionReset,
    ConnectionAborted,
    NotConnected,
    AddrInUse,
    AddrNotAvailable,
    NetworkUnreachable,
    BrokenPipe,
    WouldBlock,
    TimedOut,
    OutOfMemory,
}

/// An I/O error: a kind and a static description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: &'static str,
}

impl Error {
    /// An error of `kind` described by `message`.
    pub const fn new(kind: ErrorKind, message: &'static str) -> Error {
        Error { kind, message }
    }

    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Its description.
    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind, message: "" }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() { write!(f, "{:?}", self.kind) } else { f.write_str(self.message) }
    }
}

/// The result of an I/O operation.
pub type Result<T> = core::result::Result<T, Error>;

/// A byte source, as `std::io::Read`.
pub trait Read {
    /// Reads into `buffer`; returns how many bytes (0 at the end).
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize>;

    /// Fills `buffer` completely, or fails with `UnexpectedEof`.
    fn read_exact(&mut self, mut buffer: &mut [u8]) -> Result<()> {
        while !buffer.is_empty() {
            match self.read(buffer) {
                Ok(0) => return Err(Error::new(ErrorKind::UnexpectedEof, "failed to fill whole buffer")),
                Ok(count) => buffer = &mut buffer[count..],
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// A byte sink, as `std::io::Write`.
pub trait Write {
    /// Writes from `buffer`; returns how many bytes were taken.
    fn write(&mut self, buffer: &[u8]) -> Result<usize>;

    /// Makes written data durable where the sink can.
    fn flush(&mut self) -> Result<()>;

    /// Writes all of `buffer`, or fails with `WriteZero`.
    fn write_all(&mut self, mut buffer: &[u8]) -> Result<()> {
        while !buffer.is_empty() {
            match self.write(buffer) {
                Ok(0) => return Err(Error::new(ErrorKind::WriteZero, "failed to write whole buffer")),
                Ok(count) => buffer = &buffer[count..],
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// Where to seek from, as `std::io::SeekFrom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeekFrom {
    Start(u64),
    End(i64),
    Current(i64),
}

/// A cursor that can move, as `std::io::Seek`.
pub trait Seek {
    /// Moves; returns the new position from the start.
    fn seek(&mut self, position: SeekFrom) -> Result<u64>;
}

impl<R: Read + ?Sized> Read for &mut R {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        (**self).read(buffer)
    }
}

impl<W: Write + ?Sized> Write for &mut W {
    fn write(&mut self, buffer: &[u8]) -> Result<usize> {
        (**self).write(buffer)
    }

    fn flush(&mut self) -> Result<()> {
        (**self).flush()
    }
}

impl<S: Seek + ?Sized> Seek for &mut S {
    fn seek(&mut self, position: SeekFrom) -> Result<u64> {
        (**self).seek(position)
    }
}

/// Reading from, writing to and seeking in bytes held in memory, as `std::io::Cursor`.
#[derive(Debug, Clone, Default)]
pub struct Cursor<T> {
    inner: T,
    position: u64,
}

impl<T> Cursor<T> {
    /// A cursor at the start of `inner`.
    pub fn new(inner: T) -> Cursor<T> {
        Cursor { inner, position: 0 }
    }

    /// The bytes.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The position from the start.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Moves to `position`.
    pub fn set_position(&mut self, position: u64) {
        self.position = position;
    }
}

impl<T: AsRef<[u8]>> Read for Cursor<T> {
    fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        let bytes = self.inner.as_ref();
        let start = usize::try_from(self.position).unwrap_or(usize::MAX).min(bytes.len());
        let count = buffer.len().min(bytes.len() - start);
        buffer[..count].copy_from_slice(&bytes[start..start + count]);
        self.position += count as u64;
        Ok(count)
    }
}

impl<T: AsRef<[u8]>> Seek for Cursor<T> {
    fn seek(&mut self, position: SeekFrom) -> Result<u64> {
        let (base, offset) = match position {
            SeekFrom::Start(offset) => {
                self.position = offset;
                return Ok(offset);
            }
            SeekFrom::End(offset) => (self.inner.as_ref().len() as u64, offset),
            SeekFrom::Current(offset) => (self.position, offset),
        };
        match base.checked_add_signed(offset) {
            Some(position) => {
                self.position = position;
                Ok(position)
            }
            None => Err(Error::new(ErrorKind::InvalidInput, "seek to a negative or overflowing position")),
        }
    }
}

impl Write for Cursor<&mut [u8]> {
    fn write(&mut self, buffer: &[u8]) -> Result<usize> {
        let start = usize::try_from(self.position).unwrap_or(usize::MAX).min(self.inner.len());
        let count = buffer.len().min(self.inner.len() - start);
        self.inner[start..start + count].copy_from_slice(&buffer[..count]);
        self.position += count as u64;
        Ok(count)
    }

    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// The traits, for `use core_io::prelude::*`.
pub mod prelude {
    pub use super::{Read, Seek, Write};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_writes_and_seeks_like_std() {
        let mut bytes = [0u8; 8];
        let mut cursor = Cursor::new(&mut bytes[..]);
        cursor.write_all(b"abcdef").unwrap();
        assert_eq!(cursor.seek(SeekFrom::Current(-4)).unwrap(), 2);
        assert!(cursor.write_all(b"0123456789").is_err(), "past the end: WriteZero");
        let mut reader = Cursor::new(b"hello".as_slice());
        let mut two = [0u8; 2];
        reader.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"he");
        assert_eq!(reader.seek(SeekFrom::End(-1)).unwrap(), 4);
        assert!(reader.seek(SeekFrom::Current(-10)).is_err());
        let mut rest = [0u8; 4];
        assert_eq!(reader.read_exact(&mut rest).unwrap_err().kind(), ErrorKind::UnexpectedEof);
    }
}
