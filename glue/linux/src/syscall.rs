//! The system-call table: Linux's number in RAX, arguments in RDI, RSI, RDX, R10, R8, R9, the
//! result (or `-errno`) back in RAX.

use crate::{events, files, memory, process, sockets, threads, user};
use hal::exceptions::ExceptionFrame;
use stardust::time::Duration;
use stardust_linux_abi::{
    Clock, Errno, POLLIN, POLLNVAL, POLLOUT, PollEntry, Sysno, SystemName, TIMER_ABSTIME, Timespec, decode_fd_set,
    decode_poll_entries, decode_timeval, encode_result, poll_array_size,
};

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;
/// Below this, an address is canonical (and the FS base may hold it).
const CANONICAL_END: u64 = 1 << 47;
const SIGSET_SIZE: u64 = 8;
/// poll's "the peer closed its side".
const POLLRDHUP: i16 = 0x2000;
const SIGKILL: u64 = 9;
const SIGSTOP: u64 = 19;
const MAX_SIGNAL: u64 = 64;
const SIGACTION_SIZE: usize = 32;
const SS_DISABLE: u32 = 2;
const RLIMIT_STACK: u64 = 3;
const RLIMIT_NOFILE: u64 = 7;
const RLIM_INFINITY: u64 = u64::MAX;

/// The hal's system-call handler.
pub fn handle(frame: &mut ExceptionFrame) {
    let number = frame.rax;
    if number == Sysno::clone.number() {
        frame.rax = encode_result(threads::clone(frame));
        return;
    }
    let arguments = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9];
    frame.rax = encode_result(dispatch(number, arguments));
}

fn dispatch(number: u64, a: [u64; 6]) -> Result<u64, Errno> {
    let Some(call) = Sysno::from_number(number) else {
        return unknown(number, None);
    };
    match call {
        Sysno::read => files::read(a[0], a[1], a[2], None),
        Sysno::write => files::write(a[0], a[1], a[2], None),
        Sysno::readv => files::readv(a[0], a[1], a[2]),
        Sysno::writev => files::writev(a[0], a[1], a[2]),
        Sysno::pread64 => files::read(a[0], a[1], a[2], Some(a[3])),
        Sysno::pwrite64 => files::write(a[0], a[1], a[2], Some(a[3])),
        Sysno::open => files::openat(stardust_linux_abi::AT_FDCWD as u64, a[0], a[1]),
        Sysno::openat => files::openat(a[0], a[1], a[2]),
        Sysno::creat => files::openat(
            stardust_linux_abi::AT_FDCWD as u64,
            a[0],
            stardust_linux_abi::O_CREAT | stardust_linux_abi::O_WRONLY | stardust_linux_abi::O_TRUNC,
        ),
        Sysno::close => files::close(a[0]),
        Sysno::lseek => files::lseek(a[0], a[1], a[2]),
        Sysno::fstat => files::fstat(a[0], a[1]),
        Sysno::stat | Sysno::lstat => files::fstatat(stardust_linux_abi::AT_FDCWD as u64, a[0], a[1], 0),
        Sysno::newfstatat => files::fstatat(a[0], a[1], a[2], a[3]),
        Sysno::statx => files::statx(a[0], a[1], a[2], a[4]),
        Sysno::access => files::faccessat(stardust_linux_abi::AT_FDCWD as u64, a[0]),
        Sysno::faccessat | Sysno::faccessat2 => files::faccessat(a[0], a[1]),
        Sysno::getdents64 => files::getdents64(a[0], a[1], a[2]),
        // One user (root) owns everything and FAT keeps no modes: accepted for what exists.
        Sysno::fchmod | Sysno::fchown => files::fstat_exists(a[0]),
        Sysno::chmod | Sysno::chown | Sysno::lchown => files::faccessat(stardust_linux_abi::AT_FDCWD as u64, a[0]),
        Sysno::fchmodat | Sysno::fchownat => files::faccessat(a[0], a[1]),
        Sysno::mkdir => files::mkdirat(stardust_linux_abi::AT_FDCWD as u64, a[0]),
        Sysno::mkdirat => files::mkdirat(a[0], a[1]),
        Sysno::rmdir => files::unlinkat(stardust_linux_abi::AT_FDCWD as u64, a[0], stardust_linux_abi::AT_REMOVEDIR),
        Sysno::unlink => files::unlinkat(stardust_linux_abi::AT_FDCWD as u64, a[0], 0),
        Sysno::unlinkat => files::unlinkat(a[0], a[1], a[2]),
        Sysno::rename => {
            let here = stardust_linux_abi::AT_FDCWD as u64;
            files::renameat(here, a[0], here, a[1], 0)
        }
        Sysno::renameat => files::renameat(a[0], a[1], a[2], a[3], 0),
        Sysno::renameat2 => files::renameat(a[0], a[1], a[2], a[3], a[4]),
        Sysno::fsync => files::fsync(a[0], false),
        Sysno::fdatasync => files::fsync(a[0], true),
        Sysno::ftruncate => files::ftruncate(a[0], a[1]),
        Sysno::fcntl => files::fcntl(a[0], a[1], a[2]),
        Sysno::dup => files::dup(a[0]),
        Sysno::dup2 => files::dup3(a[0], a[1], 0, true),
        Sysno::dup3 => files::dup3(a[0], a[1], a[2], false),
        Sysno::getcwd => files::getcwd(a[0], a[1]),
        Sysno::chdir => files::chdir(a[0]),
        Sysno::ioctl => files::ioctl(a[0], a[1], a[2]),
        Sysno::pipe => files::pipe2(a[0], 0),
        Sysno::pipe2 => files::pipe2(a[0], a[1]),
        Sysno::poll => poll(a[0], a[1], Some(a[2] as i32)),
        Sysno::ppoll => {
            let timeout = if a[2] == 0 { None } else { Some(timespec(a[2])?) };
            let milliseconds =
                timeout.map(|t| t.seconds.saturating_mul(1000).saturating_add(t.nanoseconds / 1_000_000));
            poll(a[0], a[1], Some(milliseconds.map_or(-1, |ms| ms.clamp(0, i64::from(i32::MAX)) as i32)))
        }

        Sysno::select => {
            let deadline = if a[4] == 0 {
                None
            } else {
                let microseconds =
                    decode_timeval(&user::read(a[4], stardust_linux_abi::TIMEVAL_SIZE)?).map_err(|_| Errno::EINVAL)?;
                Some(process::now_nanoseconds().saturating_add(microseconds.saturating_mul(1000)))
            };
            select(a[0], a[1], a[2], a[3], deadline)
        }
        Sysno::pselect6 => {
            // The signal mask (a[5]) is accepted: no signals are delivered.
            let deadline = if a[4] == 0 {
                None
            } else {
                let wait = duration(timespec(a[4])?)?;
                let nanoseconds = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
                Some(process::now_nanoseconds().saturating_add(nanoseconds))
            };
            select(a[0], a[1], a[2], a[3], deadline)
        }

        Sysno::socket => sockets::create(a[0], a[1], a[2]),
        Sysno::bind
        | Sysno::listen
        | Sysno::accept
        | Sysno::accept4
        | Sysno::connect
        | Sysno::sendto
        | Sysno::recvfrom
        | Sysno::sendmsg
        | Sysno::recvmsg
        | Sysno::shutdown
        | Sysno::getsockname
        | Sysno::getpeername
        | Sysno::setsockopt
        | Sysno::getsockopt => socket_call(call, a),
        Sysno::epoll_create => {
            if a[0] as i32 <= 0 {
                return Err(Errno::EINVAL);
            }
            events::create(0)
        }
        Sysno::epoll_create1 => events::create(a[0]),
        Sysno::epoll_ctl => events::control(a[0], a[1], a[2], a[3]),
        Sysno::epoll_wait | Sysno::epoll_pwait => events::wait(a[0], a[1], a[2], a[3] as i32),
        Sysno::eventfd => events::create_eventfd(a[0], 0),
        Sysno::eventfd2 => events::create_eventfd(a[0], a[1]),

        Sysno::mmap => memory::mmap(a[0], a[1], a[2], a[3], a[4], a[5]),
        Sysno::munmap => memory::munmap(a[0], a[1]),
        Sysno::mprotect => memory::mprotect(a[0], a[1], a[2]),
        Sysno::mremap => memory::mremap(a[0], a[1], a[2], a[3], a[4]),
        Sysno::brk => process::with(|process| Ok(process.program_break)),
        Sysno::madvise | Sysno::msync => Ok(0),

        Sysno::exit => threads::exit(a[0] as u8),
        Sysno::exit_group => process::exit_process(a[0] as u8),
        Sysno::arch_prctl => arch_prctl(a[0], a[1]),
        Sysno::set_tid_address => threads::set_tid_address(a[0]),
        Sysno::set_robust_list => Ok(0),
        Sysno::gettid => Ok(u64::from(process::current_thread_id())),
        Sysno::getpid => Ok(u64::from(process::pid())),
        Sysno::getppid => Ok(0),
        Sysno::getuid | Sysno::geteuid | Sysno::getgid | Sysno::getegid => Ok(0),
        Sysno::umask => Ok(0o022),
        Sysno::sched_yield => {
            stardust::thread::yield_now();
            Ok(0)
        }
        Sysno::sched_getaffinity => sched_getaffinity(a[1], a[2]),
        Sysno::futex => threads::futex(a[0], a[1], a[2], a[3], a[4], a[5]),
        Sysno::getrlimit => rlimit(a[0], a[1]),
        Sysno::prlimit64 => {
            if a[0] != 0 && a[0] != u64::from(process::pid()) {
                return Err(Errno::ESRCH);
            }
            if a[2] != 0 {
                return Err(Errno::EPERM);
            }
            if a[3] == 0 { Ok(0) } else { rlimit(a[1], a[3]) }
        }

        Sysno::clock_gettime => clock_gettime(a[0], a[1]),
        Sysno::clock_getres => {
            Clock::decode(a[0] as i32)?;
            if a[1] != 0 {
                user::write(a[1], &Timespec { seconds: 0, nanoseconds: 1 }.encode())?;
            }
            Ok(0)
        }
        Sysno::gettimeofday => {
            if a[0] != 0 {
                let now = wall_clock();
                let mut bytes = [0; 16];
                bytes[..8].copy_from_slice(&now.seconds.to_le_bytes());
                bytes[8..].copy_from_slice(&(now.nanoseconds / 1000).to_le_bytes());
                user::write(a[0], &bytes)?;
            }
            Ok(0)
        }
        Sysno::time => {
            let seconds = wall_clock().seconds as u64;
            if a[0] != 0 {
                user::write(a[0], &seconds.to_le_bytes())?;
            }
            Ok(seconds)
        }
        Sysno::nanosleep => {
            let request = timespec(a[0])?;
            sleep(duration(request)?);
            Ok(0)
        }
        Sysno::clock_nanosleep => clock_nanosleep(a[0], a[1], a[2]),
        Sysno::getrandom => getrandom(a[0], a[1], a[2]),
        Sysno::uname => {
            let name = SystemName {
                system: "Linux",
                node: "stardust",
                release: "6.1.0-stardust",
                version: "#1 SMP Stardust",
                machine: "x86_64",
                domain: "(none)",
            };
            user::write(a[0], &name.encode())?;
            Ok(0)
        }

        Sysno::prctl => prctl(a[0], a[1]),
        Sysno::rt_sigaction => sigaction(a[0], a[1], a[2], a[3]),
        Sysno::rt_sigprocmask => {
            if a[3] != SIGSET_SIZE {
                return Err(Errno::EINVAL);
            }
            if a[1] != 0 && a[0] > 2 {
                return Err(Errno::EINVAL);
            }
            if a[1] != 0 {
                user::read(a[1], SIGSET_SIZE as usize)?;
            }
            if a[2] != 0 {
                user::write(a[2], &[0; SIGSET_SIZE as usize])?;
            }
            Ok(0)
        }
        Sysno::sigaltstack => {
            if a[1] != 0 {
                let mut old = [0u8; 24];
                old[8..12].copy_from_slice(&SS_DISABLE.to_le_bytes());
                user::write(a[1], &old)?;
            }
            Ok(0)
        }
        other => unknown(number, Some(other.name())),
    }
}

/// A call this layer does not serve: `ENOSYS`, and one log line naming it the first time.
fn unknown(number: u64, name: Option<&str>) -> Result<u64, Errno> {
    let first = process::with(|process| Ok(process.unknown.first_report(number))).unwrap_or(false);
    if first {
        match name {
            Some(name) => log::warn!(
                "the program called {name} (system call {number}), which Stardust does not serve yet: ENOSYS"
            ),
            None => log::warn!("the program called system call {number}, which Stardust does not know: ENOSYS"),
        }
    }
    Err(Errno::ENOSYS)
}

fn arch_prctl(code: u64, address: u64) -> Result<u64, Errno> {
    let thread = stardust::thread::current().id();
    match code {
        ARCH_SET_FS => {
            if address >= CANONICAL_END {
                return Err(Errno::EPERM);
            }
            hal::user::set_fs_base(thread, address);
            Ok(0)
        }
        ARCH_GET_FS => {
            user::write(address, &hal::user::fs_base(thread).to_le_bytes())?;
            Ok(0)
        }
        // The kernel keeps GS for itself; user GS stays 0.
        ARCH_GET_GS => {
            user::write(address, &0u64.to_le_bytes())?;
            Ok(0)
        }
        ARCH_SET_GS => Err(Errno::EPERM),
        _ => Err(Errno::EINVAL),
    }
}

fn timespec(address: u64) -> Result<Timespec, Errno> {
    Timespec::decode(&user::read(address, stardust_linux_abi::TIMESPEC_SIZE)?)
}

fn duration(time: Timespec) -> Result<Duration, Errno> {
    if time.seconds < 0 || !(0..1_000_000_000).contains(&time.nanoseconds) {
        return Err(Errno::EINVAL);
    }
    Ok(Duration::new(time.seconds as u64, time.nanoseconds as u32))
}

fn from_nanoseconds(nanoseconds: u64) -> Timespec {
    Timespec { seconds: (nanoseconds / 1_000_000_000) as i64, nanoseconds: (nanoseconds % 1_000_000_000) as i64 }
}

fn wall_clock() -> Timespec {
    let since = stardust::time::SystemTime::now().duration_since(stardust::time::UNIX_EPOCH).unwrap_or_default();
    Timespec { seconds: since.as_secs() as i64, nanoseconds: i64::from(since.subsec_nanos()) }
}

fn clock_now(clock: Clock) -> Timespec {
    match clock {
        Clock::Realtime => wall_clock(),
        Clock::Monotonic | Clock::Boottime => from_nanoseconds(process::now_nanoseconds()),
        Clock::ProcessCpuTime | Clock::ThreadCpuTime => from_nanoseconds(process::cpu_time_nanoseconds()),
    }
}

fn clock_gettime(clock: u64, out: u64) -> Result<u64, Errno> {
    let clock = Clock::decode(clock as i32)?;
    user::write(out, &clock_now(clock).encode())?;
    Ok(0)
}

fn sleep(duration: Duration) {
    if duration.is_zero() {
        stardust::thread::yield_now();
    } else {
        stardust::thread::sleep(duration);
    }
}

fn clock_nanosleep(clock: u64, flags: u64, request: u64) -> Result<u64, Errno> {
    let clock = Clock::decode(clock as i32)?;
    clock.check_sleep(flags)?;
    let request = duration(timespec(request)?)?;
    if flags & TIMER_ABSTIME != 0 {
        let now = clock_now(clock);
        let now = Duration::new(now.seconds.max(0) as u64, now.nanoseconds as u32);
        sleep(request.saturating_sub(now));
    } else {
        sleep(request);
    }
    Ok(0)
}

fn getrandom(buffer: u64, length: u64, flags: u64) -> Result<u64, Errno> {
    const GRND_NONBLOCK: u64 = 1;
    const GRND_RANDOM: u64 = 2;
    const GRND_INSECURE: u64 = 4;
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 {
        return Err(Errno::EINVAL);
    }
    let length = length.min(32 << 20) as usize;
    let mut done = 0;
    let mut chunk = [0u8; 256];
    while done < length {
        for (index, word) in chunk.chunks_mut(8).enumerate() {
            word.copy_from_slice(&process::random_u64((done + index) as u64).to_le_bytes());
        }
        let take = (length - done).min(chunk.len());
        user::write(buffer + done as u64, &chunk[..take])?;
        done += take;
    }
    Ok(done as u64)
}

fn sigaction(signal: u64, action: u64, old: u64, size: u64) -> Result<u64, Errno> {
    if size != SIGSET_SIZE || signal == 0 || signal > MAX_SIGNAL {
        return Err(Errno::EINVAL);
    }
    if action != 0 && (signal == SIGKILL || signal == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    if action != 0 {
        user::read(action, SIGACTION_SIZE)?;
    }
    if old != 0 {
        user::write(old, &[0; SIGACTION_SIZE])?;
    }
    Ok(0)
}

/// `prctl(option, argument)`: thread names are accepted (and read back as "program"); other
/// options are `EINVAL`, as Linux answers for an option it does not know.
fn prctl(option: u64, argument: u64) -> Result<u64, Errno> {
    const PR_SET_NAME: u64 = 15;
    const PR_GET_NAME: u64 = 16;
    match option {
        PR_SET_NAME => {
            user::read(argument, 16).or_else(|_| user::read(argument, 1))?;
            Ok(0)
        }
        PR_GET_NAME => {
            let mut name = [0u8; 16];
            name[..7].copy_from_slice(b"program");
            user::write(argument, &name)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn sched_getaffinity(size: u64, mask: u64) -> Result<u64, Errno> {
    if size < 8 || !size.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    let cpus = stardust::thread::available_parallelism().clamp(1, 64);
    let bits: u64 = if cpus == 64 { u64::MAX } else { (1 << cpus) - 1 };
    user::write(mask, &bits.to_le_bytes())?;
    Ok(8)
}

fn rlimit(resource: u64, out: u64) -> Result<u64, Errno> {
    let (current, maximum) = match resource {
        RLIMIT_NOFILE => {
            let limit = u64::from(stardust_linux_abi::DEFAULT_DESCRIPTOR_LIMIT);
            (limit, limit)
        }
        RLIMIT_STACK => (crate::loader::STACK_SIZE, crate::loader::STACK_SIZE),
        0..=15 => (RLIM_INFINITY, RLIM_INFINITY),
        _ => return Err(Errno::EINVAL),
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&current.to_le_bytes());
    bytes[8..].copy_from_slice(&maximum.to_le_bytes());
    user::write(out, &bytes)?;
    Ok(0)
}

/// The socket calls on a descriptor.
#[cfg(feature = "sockets")]
fn socket_call(call: Sysno, a: [u64; 6]) -> Result<u64, Errno> {
    match call {
        Sysno::bind => sockets::bind(a[0], a[1], a[2]),
        Sysno::listen => sockets::listen(a[0]),
        Sysno::accept => sockets::accept(a[0], a[1], a[2], 0),
        Sysno::accept4 => sockets::accept(a[0], a[1], a[2], a[3]),
        Sysno::connect => sockets::connect(a[0], a[1], a[2]),
        Sysno::sendto => sockets::send_to(a[0], a[1], a[2], a[3], a[4], a[5]),
        Sysno::recvfrom => sockets::receive_from(a[0], a[1], a[2], a[3], a[4], a[5]),
        Sysno::sendmsg => sockets::send_message(a[0], a[1], a[2]),
        Sysno::recvmsg => sockets::receive_message(a[0], a[1], a[2]),
        Sysno::shutdown => sockets::shutdown(a[0], a[1]),
        Sysno::getsockname => sockets::local_name(a[0], a[1], a[2]),
        Sysno::getpeername => sockets::peer_name(a[0], a[1], a[2]),
        Sysno::setsockopt => sockets::set_option(a[0], a[1], a[2], a[3], a[4]),
        Sysno::getsockopt => sockets::get_option(a[0], a[1], a[2], a[3], a[4]),
        _ => Err(Errno::ENOSYS),
    }
}

/// Without a network no descriptor is a socket.
#[cfg(not(feature = "sockets"))]
fn socket_call(_: Sysno, a: [u64; 6]) -> Result<u64, Errno> {
    sockets::not_a_socket(a[0])
}

/// `poll(entries, count, timeout_ms)`: the console is always readable (end of file) and
/// writable, files too, pipes, sockets and eventfds as their state says. With nothing ready the
/// thread parks until a descriptor may have become ready or the timeout passes (`readiness`).
fn poll(entries: u64, count: u64, timeout: Option<i32>) -> Result<u64, Errno> {
    let size = poll_array_size(count, stardust_linux_abi::DEFAULT_DESCRIPTOR_LIMIT)?;
    let bytes = user::read(entries, size)?;
    let mut decoded = decode_poll_entries(&bytes);
    let deadline = match timeout {
        Some(milliseconds) if milliseconds >= 0 => Some(process::now_nanoseconds() + milliseconds as u64 * 1_000_000),
        _ => None,
    };
    let ready = wait_ready(&mut decoded, deadline);
    let mut out = alloc::vec::Vec::with_capacity(bytes.len());
    for entry in &decoded {
        out.extend_from_slice(&PollEntry::encode(*entry));
    }
    user::write(entries, &out)?;
    Ok(ready)
}

/// Fills each entry's returned events, waiting until one has some or `deadline` (ns on the
/// monotonic clock; `None`: no limit) passes; how many entries have events.
fn wait_ready(entries: &mut [PollEntry], deadline: Option<u64>) -> u64 {
    // What the program wrote since it last waited leaves now, in one pass.
    sockets::send_queued();
    let mut waiter = crate::readiness::Waiter::new();
    loop {
        let seen = waiter.look();
        let mut ready = 0;
        for entry in entries.iter_mut() {
            entry.returned_events = 0;
            if entry.fd < 0 {
                continue;
            }
            entry.returned_events = match files::readiness(entry.fd as u32) {
                Err(_) => POLLNVAL,
                Ok(ready) => {
                    let mut events = 0;
                    if ready.readable {
                        events |= entry.events & POLLIN;
                    }
                    if ready.writable {
                        events |= entry.events & POLLOUT;
                    }
                    if ready.read_closed {
                        events |= entry.events & POLLRDHUP;
                    }
                    if ready.hung_up {
                        events |= stardust_linux_abi::POLLHUP;
                    }
                    if ready.error {
                        events |= stardust_linux_abi::POLLERR;
                    }
                    events
                }
            };
            if entry.returned_events != 0 {
                ready += 1;
            }
        }
        let late = deadline.is_some_and(|deadline| process::now_nanoseconds() >= deadline);
        if ready > 0 || late {
            return ready;
        }
        waiter.park(seen, deadline);
    }
}

/// `select`/`pselect6(nfds, read, write, except, timeout)` over `poll`'s readiness: the three
/// `fd_set`s (null: none) rewritten with the ready descriptors; their count. `deadline` as
/// `wait_ready`'s. A descriptor that is not open is `EBADF`, before any wait.
fn select(nfds: u64, read: u64, write: u64, except: u64, deadline: Option<u64>) -> Result<u64, Errno> {
    let size = stardust_linux_abi::fd_set_bytes(nfds)?;
    let set = |address: u64| -> Result<alloc::vec::Vec<i32>, Errno> {
        if address == 0 { Ok(alloc::vec::Vec::new()) } else { Ok(decode_fd_set(&user::read(address, size)?, nfds)) }
    };
    let mut entries = stardust_linux_abi::select_entries(&set(read)?, &set(write)?, &set(except)?);
    if entries.iter().any(|entry| files::readiness(entry.fd as u32).is_err()) {
        return Err(Errno::EBADF);
    }
    wait_ready(&mut entries, deadline);
    let (ready_read, ready_write, ready_except, count) = stardust_linux_abi::select_results(&entries)?;
    for (address, ready) in [(read, ready_read), (write, ready_write), (except, ready_except)] {
        if address != 0 {
            user::write(address, &stardust_linux_abi::encode_fd_set(&ready, nfds))?;
        }
    }
    Ok(count)
}
