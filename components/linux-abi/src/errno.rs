//! Linux error numbers as the system-call layer returns them: a negative number in RAX.

/// The largest error number Linux returns: a return value in `-MAX_ERRNO..=-1` (as `u64`:
/// `2^64 - 4095` and above) is an error, anything else a result. Programs' C libraries test
/// exactly this range.
pub const MAX_ERRNO: u64 = 4095;

macro_rules! errno_table {
    ($($name:ident = $number:literal, $doc:literal;)*) => {
        /// A Linux error number with its x86-64 value. The layer returns one as `-errno` in RAX
        /// ([`Errno::to_return_value`]); which one a call returns for which input is documented at
        /// the function that decides it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Errno {
            $(
                #[doc = $doc]
                $name = $number,
            )*
        }

        impl Errno {
            /// Every error number this crate knows, in numeric order.
            pub const ALL: &'static [Errno] = &[$(Errno::$name),*];

            /// The error with this number, or `None` for a number this crate does not name.
            pub const fn from_number(number: u16) -> Option<Errno> {
                match number {
                    $($number => Some(Errno::$name),)*
                    _ => None,
                }
            }

            /// The C name, as `strace` prints it: `"EFAULT"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                }
            }
        }
    };
}

errno_table! {
    EPERM = 1, "Operation not permitted.";
    ENOENT = 2, "No such file or directory (also: an empty path).";
    ESRCH = 3, "No such process or thread.";
    EINTR = 4, "Interrupted system call.";
    EIO = 5, "Input/output error.";
    ENXIO = 6, "No such device or address.";
    E2BIG = 7, "Argument list too long.";
    ENOEXEC = 8, "Exec format error.";
    EBADF = 9, "Bad file descriptor: not open, or not open for this operation.";
    ECHILD = 10, "No child processes.";
    EAGAIN = 11, "Try again: the operation would block (`EWOULDBLOCK` is the same number).";
    ENOMEM = 12, "Out of memory, or no room in the address space.";
    EACCES = 13, "Permission denied.";
    EFAULT = 14, "Bad address: a user pointer outside mapped memory or without the access needed.";
    EBUSY = 16, "Device or resource busy.";
    EEXIST = 17, "File exists.";
    EXDEV = 18, "Cross-device link (a rename between file systems).";
    ENODEV = 19, "No such device.";
    ENOTDIR = 20, "Not a directory.";
    EISDIR = 21, "Is a directory.";
    EINVAL = 22, "Invalid argument.";
    ENFILE = 23, "Too many open files in the system.";
    EMFILE = 24, "Too many open files in this process (the descriptor limit).";
    ENOTTY = 25, "Not a terminal: an ioctl the object does not answer.";
    EFBIG = 27, "File too large.";
    ENOSPC = 28, "No space left on device.";
    ESPIPE = 29, "Illegal seek: the descriptor is a pipe, socket or terminal.";
    EROFS = 30, "Read-only file system.";
    EMLINK = 31, "Too many links.";
    EPIPE = 32, "Broken pipe: no reader is left.";
    EDOM = 33, "Numerical argument out of domain.";
    ERANGE = 34, "Result too large for the buffer given.";
    EDEADLK = 35, "Resource deadlock would occur.";
    ENAMETOOLONG = 36, "File name too long.";
    ENOLCK = 37, "No locks available.";
    ENOSYS = 38, "Function not implemented: an unknown or unsupported system call.";
    ENOTEMPTY = 39, "Directory not empty.";
    ELOOP = 40, "Too many levels of symbolic links.";
    ENODATA = 61, "No data available.";
    ETIME = 62, "Timer expired.";
    EOVERFLOW = 75, "Value too large for its data type.";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character.";
    ENOTSOCK = 88, "Socket operation on a descriptor that is not a socket.";
    EDESTADDRREQ = 89, "Destination address required.";
    EMSGSIZE = 90, "Message too long.";
    EPROTOTYPE = 91, "Protocol wrong type for socket.";
    ENOPROTOOPT = 92, "Protocol not available (an unknown socket option).";
    EPROTONOSUPPORT = 93, "Protocol not supported.";
    EOPNOTSUPP = 95, "Operation not supported (`ENOTSUP` is the same number).";
    EAFNOSUPPORT = 97, "Address family not supported by protocol.";
    EADDRINUSE = 98, "Address already in use.";
    EADDRNOTAVAIL = 99, "Cannot assign requested address.";
    ENETDOWN = 100, "Network is down.";
    ENETUNREACH = 101, "Network is unreachable.";
    ECONNABORTED = 103, "Software caused connection abort.";
    ECONNRESET = 104, "Connection reset by peer.";
    ENOBUFS = 105, "No buffer space available.";
    EISCONN = 106, "Transport endpoint is already connected.";
    ENOTCONN = 107, "Transport endpoint is not connected.";
    ETIMEDOUT = 110, "Connection timed out.";
    ECONNREFUSED = 111, "Connection refused.";
    EHOSTUNREACH = 113, "No route to host.";
    EALREADY = 114, "Operation already in progress.";
    EINPROGRESS = 115, "Operation now in progress.";
    ECANCELED = 125, "Operation canceled.";
}

impl Errno {
    /// The error's number: `EFAULT` is 14.
    pub const fn number(self) -> u16 {
        self as u16
    }

    /// What a system call leaves in RAX for this error: `-errno` as a 64-bit register.
    pub const fn to_return_value(self) -> u64 {
        (self.number() as u64).wrapping_neg()
    }

    /// The error a return value stands for: `None` when `value` is not in Linux's error range
    /// (`-4095..=-1`, a successful result) or names a number this crate does not know.
    pub const fn from_return_value(value: u64) -> Option<Errno> {
        let negated = value.wrapping_neg();
        if negated == 0 || negated > MAX_ERRNO {
            return None;
        }
        // The range check above keeps `negated` within u16.
        Errno::from_number(negated as u16)
    }
}

/// What a system call leaves in RAX for `result`: the value itself, or `-errno`.
///
/// A successful value in the error range (`2^64 - 4095` and above) would read as an error to
/// the C library; no call returns one (descriptors and sizes are small, and mmap never places
/// a mapping in the top page of the address space), so it is the caller's bug, caught in debug
/// builds.
pub fn encode_result(result: Result<u64, Errno>) -> u64 {
    match result {
        Ok(value) => {
            debug_assert!(value.wrapping_neg() > MAX_ERRNO || value == 0, "a result that reads as an error");
            value
        }
        Err(errno) => errno.to_return_value(),
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.number())
    }
}
