//! x86-64 Linux system-call numbers (RAX at `syscall`), and the once-only report of unknown ones.

macro_rules! sysno_table {
    ($($name:ident = $number:literal;)*) => {
        /// A system call the layer knows by name, with its x86-64 Linux number. Knowing a name
        /// is not implementing it: the kernel's table decides, and answers [`ENOSYS`] for the rest.
        ///
        /// [`ENOSYS`]: crate::Errno::ENOSYS
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        #[allow(non_camel_case_types, reason = "the names are Linux's, as strace prints them")]
        pub enum Sysno {
            $(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($number), ").")]
                $name = $number,
            )*
        }

        impl Sysno {
            /// Every system call this crate names, in numeric order.
            pub const ALL: &'static [Sysno] = &[$(Sysno::$name),*];

            /// The call with this number (RAX at `syscall`), or `None` for one this crate does not
            /// name: the layer answers it with `ENOSYS` and reports it once ([`UnknownCalls`]).
            pub const fn from_number(number: u64) -> Option<Sysno> {
                match number {
                    $($number => Some(Sysno::$name),)*
                    _ => None,
                }
            }

            /// Linux's name for the call, as strace prints it: `"newfstatat"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Sysno::$name => stringify!($name),)*
                }
            }
        }
    };
}

sysno_table! {
    read = 0;
    write = 1;
    open = 2;
    close = 3;
    stat = 4;
    fstat = 5;
    lstat = 6;
    poll = 7;
    lseek = 8;
    mmap = 9;
    mprotect = 10;
    munmap = 11;
    brk = 12;
    rt_sigaction = 13;
    rt_sigprocmask = 14;
    rt_sigreturn = 15;
    ioctl = 16;
    pread64 = 17;
    pwrite64 = 18;
    readv = 19;
    writev = 20;
    access = 21;
    pipe = 22;
    select = 23;
    sched_yield = 24;
    mremap = 25;
    msync = 26;
    madvise = 28;
    dup = 32;
    dup2 = 33;
    nanosleep = 35;
    getpid = 39;
    socket = 41;
    connect = 42;
    accept = 43;
    sendto = 44;
    recvfrom = 45;
    sendmsg = 46;
    recvmsg = 47;
    shutdown = 48;
    bind = 49;
    listen = 50;
    getsockname = 51;
    getpeername = 52;
    setsockopt = 54;
    getsockopt = 55;
    clone = 56;
    fork = 57;
    vfork = 58;
    execve = 59;
    exit = 60;
    wait4 = 61;
    kill = 62;
    uname = 63;
    fcntl = 72;
    flock = 73;
    fsync = 74;
    fdatasync = 75;
    truncate = 76;
    ftruncate = 77;
    getdents = 78;
    getcwd = 79;
    chdir = 80;
    fchdir = 81;
    rename = 82;
    mkdir = 83;
    rmdir = 84;
    creat = 85;
    link = 86;
    unlink = 87;
    symlink = 88;
    readlink = 89;
    chmod = 90;
    fchmod = 91;
    chown = 92;
    fchown = 93;
    lchown = 94;
    umask = 95;
    gettimeofday = 96;
    getrlimit = 97;
    getrusage = 98;
    sysinfo = 99;
    getuid = 102;
    getgid = 104;
    geteuid = 107;
    getegid = 108;
    getppid = 110;
    getpgrp = 111;
    setsid = 112;
    sigaltstack = 131;
    statfs = 137;
    fstatfs = 138;
    prctl = 157;
    arch_prctl = 158;
    gettid = 186;
    tkill = 200;
    time = 201;
    futex = 202;
    sched_getaffinity = 204;
    epoll_create = 213;
    getdents64 = 217;
    set_tid_address = 218;
    clock_gettime = 228;
    clock_getres = 229;
    clock_nanosleep = 230;
    exit_group = 231;
    epoll_wait = 232;
    epoll_ctl = 233;
    tgkill = 234;
    openat = 257;
    mkdirat = 258;
    fchownat = 260;
    newfstatat = 262;
    unlinkat = 263;
    renameat = 264;
    readlinkat = 267;
    fchmodat = 268;
    faccessat = 269;
    pselect6 = 270;
    ppoll = 271;
    set_robust_list = 273;
    get_robust_list = 274;
    epoll_pwait = 281;
    eventfd = 284;
    accept4 = 288;
    eventfd2 = 290;
    epoll_create1 = 291;
    dup3 = 292;
    pipe2 = 293;
    prlimit64 = 302;
    renameat2 = 316;
    getrandom = 318;
    memfd_create = 319;
    statx = 332;
    rseq = 334;
    clone3 = 435;
    faccessat2 = 439;
}

impl Sysno {
    /// The call's number: `write` is 1.
    pub const fn number(self) -> u64 {
        self as u64
    }
}

/// How many numbers [`UnknownCalls`] tracks one by one: every x86-64 system call Linux has
/// defined so far is below 512 (x32's calls set bit 30 and fall above).
pub const TRACKED_NUMBERS: u64 = 512;

const BITS_PER_WORD: u64 = u64::BITS as u64;
const WORDS: usize = (TRACKED_NUMBERS / BITS_PER_WORD) as usize;

/// The unknown system-call numbers already reported, so that each gets one log line and a
/// program that retries a call in a loop cannot flood the console.
///
/// Numbers below [`TRACKED_NUMBERS`] are remembered one by one; every number at or above it
/// shares a single entry (a program that calls many such numbers gets one line for the first),
/// so the set stays 72 bytes whatever a program passes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnknownCalls {
    seen: [u64; WORDS],
    seen_large: bool,
}

impl UnknownCalls {
    /// A set in which nothing was reported yet.
    pub const fn new() -> UnknownCalls {
        UnknownCalls { seen: [0; WORDS], seen_large: false }
    }

    /// Records `number` and says whether this is its first report: `true` means "log it now",
    /// `false` means it (or, at or above [`TRACKED_NUMBERS`], some such number) was logged before.
    pub fn first_report(&mut self, number: u64) -> bool {
        if number >= TRACKED_NUMBERS {
            return !core::mem::replace(&mut self.seen_large, true);
        }
        // number < TRACKED_NUMBERS, so the index is below WORDS.
        let word = &mut self.seen[(number / BITS_PER_WORD) as usize];
        let bit = 1u64 << (number % BITS_PER_WORD);
        let first = *word & bit == 0;
        *word |= bit;
        first
    }
}
