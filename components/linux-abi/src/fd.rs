//! File descriptors with Linux's rules: numbers, duplicates, close-on-exec and the status
//! flags of the open file they share.
//!
//! Two levels, as in Linux: a descriptor (a small number, with its own close-on-exec flag)
//! refers to an *open file description* (the object the kernel opened, its status flags); `dup`
//! makes a second descriptor for the same description. The table keeps both levels itself,
//! so the kernel's object type `T` needs no sharing of its own (no `Rc`, no interior
//! mutability): `T` is whatever the kernel opened (a VFS handle with its offset, a pipe end, the
//! console), reached through any of its descriptors with [`FdTable::get`]/[`FdTable::get_mut`],
//! and handed back by [`FdTable::close`] when its last descriptor closes, so the kernel releases
//! it exactly once.

use alloc::vec::Vec;

use crate::Errno;
use crate::flags::{AccessMode, O_APPEND, O_CLOEXEC, O_LARGEFILE, O_NONBLOCK};

/// Linux's default `RLIMIT_NOFILE` soft limit: descriptors are below it.
pub const DEFAULT_DESCRIPTOR_LIMIT: u32 = 1024;

/// `FD_CLOEXEC`, the one descriptor flag (`F_GETFD`/`F_SETFD`).
pub const FD_CLOEXEC: u64 = 1;

/// `fcntl` commands.
pub const F_DUPFD: u32 = 0;
/// `fcntl`: read the descriptor flags.
pub const F_GETFD: u32 = 1;
/// `fcntl`: set the descriptor flags.
pub const F_SETFD: u32 = 2;
/// `fcntl`: read the status flags.
pub const F_GETFL: u32 = 3;
/// `fcntl`: set the status flags.
pub const F_SETFL: u32 = 4;
/// `fcntl`: test for a record lock.
pub const F_GETLK: u32 = 5;
/// `fcntl`: take or release a record lock without waiting.
pub const F_SETLK: u32 = 6;
/// `fcntl`: take or release a record lock, waiting.
pub const F_SETLKW: u32 = 7;
/// `fcntl`: open-file-description locks (test, set, set and wait).
pub const F_OFD_GETLK: u32 = 36;
/// `fcntl`: set an open-file-description lock.
pub const F_OFD_SETLK: u32 = 37;
/// `fcntl`: set an open-file-description lock, waiting.
pub const F_OFD_SETLKW: u32 = 38;
/// `fcntl`: duplicate with close-on-exec set.
pub const F_DUPFD_CLOEXEC: u32 = 1030;

/// The status flags of an open file description: what `F_GETFL` reports and, for `append` and
/// `nonblocking`, what `F_SETFL` changes. Shared by every duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFlags {
    /// How the file was opened; fixed for the description's life.
    pub access: AccessMode,
    /// `O_APPEND`: every write goes to the end.
    pub append: bool,
    /// `O_NONBLOCK`: calls that would wait answer `EAGAIN`.
    pub nonblocking: bool,
}

impl StatusFlags {
    /// The value `F_GETFL` returns: the access mode, `O_APPEND`, `O_NONBLOCK`, and `O_LARGEFILE`,
    /// which x86-64 Linux sets on every file a 64-bit program opens.
    pub fn bits(self) -> u64 {
        let mut bits = self.access.bits() | O_LARGEFILE;
        if self.append {
            bits |= O_APPEND;
        }
        if self.nonblocking {
            bits |= O_NONBLOCK;
        }
        bits
    }
}

/// A decoded `fcntl` command and argument: [`FcntlCommand::decode`] makes one from the
/// registers; [`FdTable::fcntl`] decodes and carries it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcntlCommand {
    /// `F_DUPFD`/`F_DUPFD_CLOEXEC`: a duplicate at the lowest free number at or above `minimum`.
    Duplicate {
        /// The lowest number the duplicate may have (the register, unchecked).
        minimum: u64,
        /// `F_DUPFD_CLOEXEC`.
        close_on_exec: bool,
    },
    /// `F_GETFD`.
    GetDescriptorFlags,
    /// `F_SETFD`: only `FD_CLOEXEC` means anything; other bits are ignored, as on Linux.
    SetDescriptorFlags {
        /// `FD_CLOEXEC` was set in the argument.
        close_on_exec: bool,
    },
    /// `F_GETFL`.
    GetStatusFlags,
    /// `F_SETFL` with the argument's bits.
    SetStatusFlags {
        /// The argument.
        bits: u64,
    },
    /// A record lock command (`F_GETLK`, `F_SETLK`, `F_SETLKW` and the `F_OFD_` ones). One
    /// process holds every lock, so no lock ever conflicts: setting succeeds and testing reports
    /// "unlocked". [`FdTable::fcntl`] hands it back as [`FcntlOutcome::Lock`] for the kernel to
    /// read the `struct flock` at `argument` ([`RecordLock`](crate::RecordLock)).
    Lock {
        /// `F_GETLK`/`F_OFD_GETLK`: the kernel must write `F_UNLCK` into the `struct flock`.
        test: bool,
        /// The `struct flock` pointer.
        argument: u64,
    },
}

impl FcntlCommand {
    /// Decodes `fcntl`'s command and argument registers (the command is an `int`: its low 32
    /// bits count). [`FdTable::fcntl`] calls it after checking the descriptor, Linux's order.
    ///
    /// Errors: `EINVAL` for a command this layer does not know (Linux's answer for an unknown
    /// command; leases, signals, pipe sizes and seals are among them).
    pub fn decode(command: u32, argument: u64) -> Result<FcntlCommand, Errno> {
        Ok(match command {
            F_DUPFD => FcntlCommand::Duplicate { minimum: argument, close_on_exec: false },
            F_DUPFD_CLOEXEC => FcntlCommand::Duplicate { minimum: argument, close_on_exec: true },
            F_GETFD => FcntlCommand::GetDescriptorFlags,
            F_SETFD => FcntlCommand::SetDescriptorFlags { close_on_exec: argument & FD_CLOEXEC != 0 },
            F_GETFL => FcntlCommand::GetStatusFlags,
            F_SETFL => FcntlCommand::SetStatusFlags { bits: argument },
            F_GETLK | F_OFD_GETLK => FcntlCommand::Lock { test: true, argument },
            F_SETLK | F_SETLKW | F_OFD_SETLK | F_OFD_SETLKW => FcntlCommand::Lock { test: false, argument },
            _ => return Err(Errno::EINVAL),
        })
    }
}

/// What [`FdTable::fcntl`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FcntlOutcome {
    /// Done: the call's result register.
    Value(u64),
    /// A record lock command on an open descriptor: the kernel copies the `struct flock` at
    /// `argument` in (`EFAULT` if it cannot), decodes it with
    /// [`RecordLock::decode`](crate::RecordLock::decode), checks it against `access` with
    /// [`RecordLock::check_access`](crate::RecordLock::check_access), and answers 0; for a test
    /// (`F_GETLK`) it first writes [`RecordLock::unlocked`](crate::RecordLock::unlocked) back.
    Lock {
        /// `F_GETLK`/`F_OFD_GETLK`.
        test: bool,
        /// The `struct flock` pointer.
        argument: u64,
        /// How the descriptor's file was opened, which decides the lock types it may take.
        access: AccessMode,
    },
}

/// What `dup2` and `dup3` did: the new descriptor, and the object whose last descriptor they
/// closed to make room, for the kernel to release.
#[derive(Debug, PartialEq, Eq)]
pub struct Duplicated<T> {
    /// The new descriptor (`newfd`).
    pub fd: u32,
    /// The object `newfd` referred to, if that was its last descriptor.
    pub released: Option<T>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Descriptor {
    description: usize,
    close_on_exec: bool,
}

#[derive(Debug)]
struct Description<T> {
    object: T,
    status: StatusFlags,
    references: usize,
}

/// A process's file descriptors.
///
/// Descriptor numbers are `u32`: the layer passes the register's low 32 bits, as Linux reads an
/// `unsigned int fd`, so a negative `int` from C is a large number and gets `EBADF`. Every
/// number is below the table's limit (`RLIMIT_NOFILE`); new descriptors take the lowest free
/// number, as POSIX requires.
#[derive(Debug)]
pub struct FdTable<T> {
    descriptors: Vec<Option<Descriptor>>,
    descriptions: Vec<Option<Description<T>>>,
    limit: u32,
}

impl<T> FdTable<T> {
    /// An empty table whose descriptors are below `limit` (at most `limit` open).
    pub fn new(limit: u32) -> FdTable<T> {
        FdTable { descriptors: Vec::new(), descriptions: Vec::new(), limit }
    }

    /// The limit given to [`FdTable::new`].
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Installs a newly opened `object` at the lowest free descriptor.
    ///
    /// Errors: `EMFILE` when every number below the limit is taken; the object comes back with
    /// the error, for the kernel to release.
    pub fn open(&mut self, object: T, status: StatusFlags, close_on_exec: bool) -> Result<u32, (Errno, T)> {
        let Some(fd) = self.lowest_free(0) else { return Err((Errno::EMFILE, object)) };
        let description = self.new_description(Description { object, status, references: 1 });
        self.install(fd, Descriptor { description, close_on_exec });
        Ok(fd)
    }

    /// Closes `fd`. Returns the object when this was its last descriptor, for the kernel to
    /// release (flush, close a pipe end); `None` when duplicates keep it open.
    ///
    /// Errors: `EBADF` when `fd` is not open.
    pub fn close(&mut self, fd: u32) -> Result<Option<T>, Errno> {
        let descriptor = self.descriptor(fd)?;
        if let Some(slot) = self.descriptors.get_mut(fd as usize) {
            *slot = None;
        }
        Ok(self.release(descriptor.description))
    }

    /// Whether `fd` is open.
    pub fn is_open(&self, fd: u32) -> bool {
        self.descriptor(fd).is_ok()
    }

    /// The object `fd` refers to. Errors: `EBADF` when `fd` is not open.
    pub fn get(&self, fd: u32) -> Result<&T, Errno> {
        Ok(&self.description(fd)?.object)
    }

    /// The object `fd` refers to, to change (its offset, say): every duplicate sees the change.
    /// Errors: `EBADF` when `fd` is not open.
    pub fn get_mut(&mut self, fd: u32) -> Result<&mut T, Errno> {
        let index = self.descriptor(fd)?.description;
        match self.descriptions.get_mut(index) {
            Some(Some(description)) => Ok(&mut description.object),
            _ => Err(Errno::EBADF),
        }
    }

    /// The status flags of `fd`'s open file. Errors: `EBADF` when `fd` is not open.
    pub fn status(&self, fd: u32) -> Result<StatusFlags, Errno> {
        Ok(self.description(fd)?.status)
    }

    /// Whether `fd` closes on exec (`FD_CLOEXEC`). Errors: `EBADF` when `fd` is not open.
    pub fn close_on_exec(&self, fd: u32) -> Result<bool, Errno> {
        Ok(self.descriptor(fd)?.close_on_exec)
    }

    /// The open descriptors, in increasing order.
    pub fn open_descriptors(&self) -> impl Iterator<Item = u32> + '_ {
        // Slots only exist below the limit, which is a u32.
        self.descriptors.iter().enumerate().filter(|(_, slot)| slot.is_some()).map(|(fd, _)| fd as u32)
    }

    /// `dup(fd)`: a new descriptor for the same open file at the lowest free number, without
    /// close-on-exec.
    ///
    /// Errors: `EBADF` when `fd` is not open; `EMFILE` when no number is free.
    pub fn dup(&mut self, fd: u32) -> Result<u32, Errno> {
        self.duplicate_at_least(fd, 0, false)
    }

    /// `dup2(old, new)`: `new` refers to `old`'s open file, without close-on-exec, after closing
    /// whatever `new` referred to. When `old == new` nothing changes and `new` is returned (close-
    /// on-exec stays as it was).
    ///
    /// Errors: `EBADF` when `old` is not open or `new` is not below the limit. On error nothing
    /// changes (in particular `new` is not closed).
    pub fn dup2(&mut self, old: u32, new: u32) -> Result<Duplicated<T>, Errno> {
        if old == new {
            self.descriptor(old)?;
            return Ok(Duplicated { fd: new, released: None });
        }
        self.replace(old, new, false)
    }

    /// `dup3(old, new, flags)`: as [`FdTable::dup2`], with close-on-exec from `O_CLOEXEC` in
    /// `flags`.
    ///
    /// Errors, in Linux's order: `EINVAL` for a flag other than `O_CLOEXEC`, then for
    /// `old == new`; `EBADF` when `new` is not below the limit, then when `old` is not open.
    pub fn dup3(&mut self, old: u32, new: u32, flags: u64) -> Result<Duplicated<T>, Errno> {
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::EINVAL);
        }
        self.replace(old, new, flags & O_CLOEXEC != 0)
    }

    /// `fcntl(fd, command, argument)`: checks `fd`, decodes the command
    /// ([`FcntlCommand::decode`]) and carries it out.
    ///
    /// - `F_DUPFD`/`F_DUPFD_CLOEXEC`: the lowest free descriptor at or above `argument`;
    ///   `EINVAL` when `argument` is not below the limit (a negative `long` included), `EMFILE`
    ///   when no number from it is free.
    /// - `F_GETFD`: `FD_CLOEXEC` or 0. `F_SETFD`: 0.
    /// - `F_GETFL`: [`StatusFlags::bits`]. `F_SETFL`: 0; only `O_APPEND` and `O_NONBLOCK`
    ///   change; the access mode and every other bit are ignored, as Linux ignores what `F_SETFL`
    ///   cannot change (`O_DIRECT`, `O_NOATIME` and `O_ASYNC`, which Linux would change, are
    ///   ignored too: no Stardust file has them).
    /// - The lock commands: [`FcntlOutcome::Lock`], for the kernel to finish.
    ///
    /// Errors, in Linux's order: `EBADF` when `fd` is not open, whatever the command; then
    /// `EINVAL` for an unknown command; then the command's own errors above.
    pub fn fcntl(&mut self, fd: u32, command: u32, argument: u64) -> Result<FcntlOutcome, Errno> {
        let descriptor = self.descriptor(fd)?;
        let value = match FcntlCommand::decode(command, argument)? {
            FcntlCommand::Duplicate { minimum, close_on_exec } => {
                if minimum >= u64::from(self.limit) {
                    return Err(Errno::EINVAL);
                }
                // minimum is below the u32 limit.
                self.duplicate_at_least(fd, minimum as u32, close_on_exec).map(u64::from)?
            }
            FcntlCommand::GetDescriptorFlags => {
                if descriptor.close_on_exec {
                    FD_CLOEXEC
                } else {
                    0
                }
            }
            FcntlCommand::SetDescriptorFlags { close_on_exec } => {
                self.install(fd, Descriptor { close_on_exec, ..descriptor });
                0
            }
            FcntlCommand::GetStatusFlags => self.description(fd)?.status.bits(),
            FcntlCommand::SetStatusFlags { bits } => {
                if let Some(Some(description)) = self.descriptions.get_mut(descriptor.description) {
                    description.status.append = bits & O_APPEND != 0;
                    description.status.nonblocking = bits & O_NONBLOCK != 0;
                }
                0
            }
            FcntlCommand::Lock { test, argument } => {
                let access = self.description(fd)?.status.access;
                return Ok(FcntlOutcome::Lock { test, argument, access });
            }
        };
        Ok(FcntlOutcome::Value(value))
    }

    fn duplicate_at_least(&mut self, fd: u32, minimum: u32, close_on_exec: bool) -> Result<u32, Errno> {
        let descriptor = self.descriptor(fd)?;
        let new = self.lowest_free(minimum).ok_or(Errno::EMFILE)?;
        self.add_reference(descriptor.description);
        self.install(new, Descriptor { description: descriptor.description, close_on_exec });
        Ok(new)
    }

    fn replace(&mut self, old: u32, new: u32, close_on_exec: bool) -> Result<Duplicated<T>, Errno> {
        if new >= self.limit {
            return Err(Errno::EBADF);
        }
        let descriptor = self.descriptor(old)?;
        // `old` holds a reference to its description, so releasing `new`'s one can free only
        // another description, never the one being duplicated.
        self.add_reference(descriptor.description);
        let previous = self.descriptors.get(new as usize).copied().flatten();
        self.install(new, Descriptor { description: descriptor.description, close_on_exec });
        let released = previous.and_then(|previous| self.release(previous.description));
        Ok(Duplicated { fd: new, released })
    }

    fn descriptor(&self, fd: u32) -> Result<Descriptor, Errno> {
        self.descriptors.get(fd as usize).copied().flatten().ok_or(Errno::EBADF)
    }

    fn description(&self, fd: u32) -> Result<&Description<T>, Errno> {
        let index = self.descriptor(fd)?.description;
        self.descriptions.get(index).and_then(Option::as_ref).ok_or(Errno::EBADF)
    }

    fn lowest_free(&self, minimum: u32) -> Option<u32> {
        (minimum..self.limit).find(|&fd| self.descriptors.get(fd as usize).is_none_or(Option::is_none))
    }

    /// Puts `descriptor` at `fd` (below the limit), growing the slots as needed.
    fn install(&mut self, fd: u32, descriptor: Descriptor) {
        let index = fd as usize;
        if self.descriptors.len() <= index {
            self.descriptors.resize(index + 1, None);
        }
        self.descriptors[index] = Some(descriptor);
    }

    fn new_description(&mut self, description: Description<T>) -> usize {
        if let Some(index) = self.descriptions.iter().position(Option::is_none) {
            self.descriptions[index] = Some(description);
            index
        } else {
            self.descriptions.push(Some(description));
            self.descriptions.len() - 1
        }
    }

    fn add_reference(&mut self, index: usize) {
        if let Some(Some(description)) = self.descriptions.get_mut(index) {
            description.references += 1;
        }
    }

    /// Drops one reference; the object when it was the last.
    fn release(&mut self, index: usize) -> Option<T> {
        let slot = self.descriptions.get_mut(index)?;
        let description = slot.as_mut()?;
        description.references -= 1;
        if description.references > 0 {
            return None;
        }
        slot.take().map(|description| description.object)
    }
}
