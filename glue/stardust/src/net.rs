//! Networking, shaped like `std::net`: [`TcpListener`], [`TcpStream`], [`UdpSocket`], with
//! `SocketAddr`, `Ipv4Addr` and friends from `core::net`. IPv4 only.
//!
//! One stack (`stardust-net` over smoltcp) serves the first network card the image's driver
//! (the nic slot) finds. It is shared
//! behind one lock. A thread named "net" polls it: it handles what arrived, runs TCP's timers
//! and wakes the threads whose sockets changed. Sends go out at once from the thread that
//! writes. Blocked threads (accept, read, a full send buffer, connect) sleep on their socket's
//! wait queue and cost no CPU.
//!
//! **How the stack idles.** The net thread polls while each look finds work (yielding between
//! looks), with the card's line masked at the I/O APIC; then it unmasks the line, acknowledges
//! the card, looks once more, and parks until the card's interrupt or the next deadline it
//! keeps: a stack timer (a retransmission, DHCP, the address's announcement), a socket's or a
//! `Poll`'s timeout (whoever sets one nudges it), at most 1 ms for 100 ms after the last work,
//! and at most 10 s after that (see `LONGEST_PARK_MS`). With the tickless idle, an idle VM
//! costs the host nothing between frames. A card without an interrupt
//! line the kernel can route (virtio-pci on q35 and cloud-hypervisor, for now), or whose
//! interrupt never comes while frames do, is polled as before: for 500 us after the last work,
//! then at every timer tick (1 ms).

use crate::io;
use crate::sync::Arc;
use crate::time::Duration;
use alloc_crate::vec::Vec;
pub use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use stardust_api::DeviceInterrupt;
pub use stardust_net::Readiness;
use stardust_net::{Ipv4Config, Limits, NetError, SocketId, Stack};
use stardust_task::WaitQueue;

mod poll;
pub use poll::{Event, Events, Interest, Poll, Registry, Source, Token, Wakeup};

/// Established connections a listener keeps for `accept` (SYNs beyond are dropped; the client
/// retries).
pub const BACKLOG: usize = 128;

/// The socket buffers: small, as most of a unikernel's RAM is these. A 4 KiB send buffer holds
/// a typical page and its head; bulk transfers refill it as ACKs come. A crowd's sockets get a
/// quarter of each (1 KiB still holds a small page's answer). The socket limits are set at start
/// from the heap (see `socket_limits`).
const LIMITS: Limits =
    Limits { tcp_receive: 2048, tcp_send: 4096, udp_packets: 8, udp_bytes: 4096, max_sockets: 0, full_buffers: 0 };

/// What a socket costs besides its buffers: smoltcp's state, its slot in the socket table, the
/// stack's entry and the waker (measured: about 570 bytes, plus the table's slot).
const SOCKET_STATE: usize = 1024;

/// The socket limits: three quarters of the free heap is for sockets (the rest for the app,
/// threads' stacks and the card's buffers). A third of that share holds sockets with full
/// buffers (about 7 KiB each), the rest a crowd with quarter buffers (about 2.5 KiB each), so
/// that 8 MiB of RAM holds 1,700 connections and the first 260 still move bulk data at full
/// speed. Between 16 and 8192 sockets in all (8192 is 57 MiB of full buffers); past the limit
/// SYNs wait, and connect/bind fail with "too many sockets".
fn socket_limits() -> Limits {
    let free = usize::try_from(crate::heap::stats().free).unwrap_or(usize::MAX);
    let share = free / 4 * 3;
    let cost = |(receive, send): (usize, usize)| receive + send + SOCKET_STATE;
    let full_cost = cost((LIMITS.tcp_receive, LIMITS.tcp_send));
    let crowd_cost = cost(LIMITS.tcp_buffers(usize::MAX));
    let full = share / 3 / full_cost;
    let crowd = (share - full * full_cost) / crowd_cost;
    Limits { max_sockets: (full + crowd).clamp(16, 8192), full_buffers: full, ..LIMITS }
}

/// Where a blocked thread waits for its socket to change, and the [`Poll`] that watches it.
#[derive(Debug)]
struct Waker {
    /// The socket.
    id: SocketId,
    queue: WaitQueue,
    /// Bumped by every change; a waiter sleeps while it stays what it saw.
    generation: AtomicU32,
    /// The earliest time (ms) a waiter wants to be woken whatever happens; `u64::MAX`: never.
    deadline: AtomicU64,
    /// The poll the socket is registered with, if any.
    registration: crate::sync::Mutex<Option<poll::Registration>>,
}

impl Waker {
    /// Tells the threads blocked on the socket and its poll that it changed.
    fn wake(self: &Arc<Self>) {
        self.wake_waiters();
        poll::notify(self);
    }

    /// Tells the threads blocked on the socket (not its poll).
    fn wake_waiters(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        crate::sync::wake_all(&self.queue);
    }
}

struct Shared {
    stack: Stack<Card>,
    /// Each open socket's waker, by `SocketId::slot`.
    wakers: Vec<Option<Arc<Waker>>>,
    /// Every `Poll`, for its timeout.
    polls: Vec<crate::sync::Weak<poll::Shared>>,
}

static NET: spin::Once<crate::sync::Mutex<Shared>> = spin::Once::new();

/// The nic slot's driver, registered at boot by images that have one.
static FIND_NIC: spin::Once<NicFinder> = spin::Once::new();

/// The nic slot's function: the command line in, the cards out.
pub type NicFinder = fn(&str) -> Vec<Card>;

/// A network card as the nic slot's driver gives it.
pub type Card = alloc_crate::boxed::Box<dyn Nic + Send>;

/// The NIC contract's conformance check, for apps that drive cards themselves.
pub use stardust_api::conformance::check_nic;
pub use stardust_api::{MAX_FRAME, Nic, NicError, NicStats};

/// Every network card the image's driver (the nic slot) finds, for apps that drive cards
/// themselves (nictest). Finding starts each card afresh, so an image whose network stack runs
/// gets none: the stack owns its card.
pub fn cards() -> Vec<Card> {
    if NET.get().is_some() {
        log::warn!("net::cards: the network stack owns the cards of this image");
        return Vec::new();
    }
    let cmdline = hal::boot::info().map_or("", |info| info.cmdline());
    FIND_NIC.get().map_or_else(Vec::new, |find_nics| find_nics(cmdline))
}

pub(crate) fn register(find_nic: NicFinder) {
    FIND_NIC.call_once(|| find_nic);
}

fn now_ms() -> u64 {
    u64::try_from(hal::time::ticks_to_nanoseconds(hal::cpu::rdtsc()) / 1_000_000).unwrap_or(u64::MAX)
}

/// Starts the network on the first network card the nic slot's driver finds: `ip`, the value of `stardust.ip=`
/// (`A.B.C.D/N` for a static address; DHCP when absent or `dhcp`), and `gateway`, the value of
/// `stardust.gw=`. Bad values are warned about and ignored. Called once at boot for images whose
/// profile has a network; without a card, sockets answer "no network card".
pub fn start(ip: Option<&str>, gateway: Option<&str>) {
    let ip = ip.and_then(|text| {
        stardust_bootargs::parse_ipv4_cidr(text)
            .inspect_err(|()| log::warn!("kernel option `stardust.ip={text}` has a bad value; ignored (DHCP is used)"))
            .ok()
            .flatten()
    });
    let gateway = gateway.and_then(|text| {
        let address = stardust_bootargs::parse_ipv4(text);
        if address.is_none() {
            log::warn!("kernel option `stardust.gw={text}` has a bad value; ignored");
        }
        address
    });
    let cmdline = hal::boot::info().map_or("", |info| info.cmdline());
    let Some(card) = FIND_NIC.get().and_then(|find_nics| find_nics(cmdline).into_iter().next()) else {
        log::warn!("net: no network card (give the VM a virtio-net device); sockets will fail");
        return;
    };
    let config = match ip {
        Some((address, prefix)) => {
            Ipv4Config::Static { address: address.into(), prefix, gateway: gateway.map(Ipv4Addr::from) }
        }
        None => {
            if gateway.is_some() {
                log::warn!("stardust.gw without stardust.ip: DHCP chooses the gateway; ignored");
            }
            Ipv4Config::Dhcp
        }
    };
    let mac = card.mac_address();
    let limits = socket_limits();
    let stack = Stack::new(card, config, limits, hal::cpu::rdtsc(), now_ms());
    match stack.address() {
        Some((address, prefix)) => {
            log::info!("net: {} at {address}/{prefix}, up to {} sockets", Mac(mac), limits.max_sockets)
        }
        None => log::info!("net: {} asking DHCP for an address, up to {} sockets", Mac(mac), limits.max_sockets),
    }
    NET.call_once(|| crate::sync::Mutex::new(Shared { stack, wakers: Vec::new(), polls: Vec::new() }));
    if let Err(error) = crate::thread::Builder::new().name("net".into()).stack_size(16 * 1024).spawn(poll_forever) {
        log::error!("net: the net thread cannot start ({error}); sockets will not receive");
    }
}

struct Mac([u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}

/// Set when a non-blocking write queued bytes without sending them. Sending means a pass over
/// every socket (smoltcp's egress: 26 us natively for a thousand sockets, ten times that under
/// TCG), so an event loop's writes are sent together, in one pass, when it next waits
/// ([`send_queued`], which `Poll::poll` and Linux's epoll/poll call), or by the net thread's
/// next poll, whichever comes first. Blocking writes are sent at once, as before.
static UNSENT: AtomicBool = AtomicBool::new(false);

/// Sockets open from which non-blocking writes are batched (see [`UNSENT`]): below, a pass is
/// cheap (a microsecond or two natively) and sending at once answers sooner.
const BATCH_FROM: usize = 128;

/// When a write's bytes leave.
#[derive(Clone, Copy)]
enum Sending {
    /// In the call (a pass over the sockets).
    Now,
    /// Later: at an uncork, or the net thread's next poll.
    Later,
    /// In the call while few sockets are open; in a crowd at the writer's next wait or the
    /// net thread's next poll (see [`UNSENT`]).
    NowUnlessCrowded,
}

/// Sends what non-blocking writes queued since the last pass, in one pass over the sockets.
/// Event loops call it before they wait (`Poll::poll` does); without it the bytes leave at the
/// net thread's next poll, within a millisecond.
pub fn send_queued() -> io::Result<()> {
    if UNSENT.swap(false, Ordering::AcqRel) {
        let mut shared = lock(shared()?);
        shared.stack.flush(now_ms());
    }
    Ok(())
}

/// How long the net thread keeps polling a card without interrupts (yielding to other threads
/// between polls) after the last frame or event, before it sleeps to the next tick: a request's
/// next frame usually comes within this, and waiting a tick for each would cost a connection
/// several milliseconds.
const BUSY_POLL: Duration = Duration::from_micros(500);

/// The longest the net thread parks when interrupts wake it, [`ACTIVE`] after the last work: a
/// safety net. Every frame that arrives wakes it, and each pass learns the stack's timers; a
/// thread that sends (or connects, or closes) while the stack is quiet nudges it, as the
/// segment starts a timer (see [`NET_QUIET`]). Waking it at every other thread's operation
/// instead made the two take turns and cost a third of keep-alive throughput; a cap of 1 s cost
/// an idle Firecracker VM 2.4% of a core here (each wake-up is several exits to a nested KVM).
const LONGEST_PARK_MS: u64 = 10_000;

/// After work, the net thread parks at most a millisecond (a tick, as when it polled) for this
/// long, so that timers other threads' operations start while the stack is busy run on time.
/// Its cost: up to 100 wake-ups after a lone frame in an idle VM.
const ACTIVE: Duration = Duration::from_millis(100);

/// Frames received with no interrupt ever seen, after which the card's line is taken for a
/// wrong one and the net thread polls instead.
const FRAMES_BEFORE_FALLBACK: u64 = 32;

/// The net thread's number, for the card's interrupt handler and `nudge`.
static NET_THREAD: AtomicU32 = AtomicU32::new(u32::MAX);
/// Set by the net thread, under the stack's lock, before it parks; cleared by the first `nudge`.
static NET_PARKED: AtomicBool = AtomicBool::new(false);
/// The card's interrupts so far.
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);
/// Whether the net thread waits for the card's interrupt (for `card_interrupts`).
static INTERRUPT_DRIVEN: AtomicBool = AtomicBool::new(false);
/// Set by `stardust.nic=poll`: the card is polled even if its interrupt could be routed.
static POLL_THE_CARD: AtomicBool = AtomicBool::new(false);

/// `stardust.nic=poll` (true) or `=interrupt`: whether the net thread, once it starts, polls the
/// card instead of waiting for its interrupt.
pub(crate) fn poll_the_card(polled: bool) {
    POLL_THE_CARD.store(polled, Ordering::Relaxed);
}

/// The card's interrupt handler (interrupts off): counts, and ends the net thread's park.
fn on_card_interrupt() {
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    crate::thread::unpark(NET_THREAD.load(Ordering::Relaxed));
}

/// Ends the net thread's park, if it is parked: another thread queued bytes for it to send or
/// set a deadline it keeps (a socket's or a poll's timeout). The net thread publishes
/// `NET_PARKED` before it reads those (both sequentially consistent), so either it sees the
/// change or this sees it parked. Not called for every change to the stack (see
/// `LONGEST_PARK_MS`).
fn nudge() {
    if NET_PARKED.load(Ordering::SeqCst) && NET_PARKED.swap(false, Ordering::SeqCst) {
        crate::thread::unpark(NET_THREAD.load(Ordering::Relaxed));
    }
}

/// Set by the net thread, under the stack's lock, when it is about to park for long (the stack
/// has been quiet for [`ACTIVE`]): a segment another thread then sends starts a timer (its
/// retransmission) that the net thread must learn of.
static NET_QUIET: AtomicBool = AtomicBool::new(false);

/// Called by a thread that sent, closed or connected, after it let go of the stack: nudges the
/// net thread if it parks for long, so that it learns of the timer the segment started.
fn sent_while_quiet() {
    if NET_QUIET.load(Ordering::SeqCst) {
        nudge();
    }
}

/// What the net thread calls after a look that changed some socket (see [`set_change_hook`]).
static CHANGE_HOOK: spin::Once<fn()> = spin::Once::new();

/// Makes the net thread call `hook` after every look at the card that changed some socket
/// (data or a connection came, a peer closed, room to send opened, a timeout passed), with no
/// lock held: for code that waits for many sockets at once without registering with each (the
/// Linux layer's poll and epoll). The first hook set stays. It MUST be quick, and it runs with
/// no lock of the network's held, so it may take a lock of its own.
pub fn set_change_hook(hook: fn()) {
    CHANGE_HOOK.call_once(|| hook);
}

/// Runs the change hook, if one is set (call with no lock of the network held).
fn run_change_hook() {
    if let Some(hook) = CHANGE_HOOK.get() {
        hook();
    }
}

fn lock(net: &crate::sync::Mutex<Shared>) -> crate::sync::MutexGuard<'_, Shared> {
    net.lock().unwrap_or_else(crate::sync::PoisonError::into_inner)
}

/// Routes the card's interrupt (an I/O APIC line or an MSI-X entry) to the net thread; `None`
/// (the card is polled) when it has none or it cannot be routed.
fn route_interrupts(interrupt: Option<DeviceInterrupt>) -> Option<hal::interrupts::Line> {
    if POLL_THE_CARD.load(Ordering::Relaxed) {
        log::info!("net: polling the card (stardust.nic=poll)");
        return None;
    }
    let Some(interrupt) = interrupt else {
        log::debug!("net: the card has no interrupt the kernel knows; polling it");
        return None;
    };
    let Some(vector) = hal::interrupts::register_device(on_card_interrupt) else {
        log::warn!("net: no interrupt vector left; polling the card");
        return None;
    };
    crate::storage::route_to(interrupt, vector, "net: the card")
}

/// The net thread's life: poll, wake whoever's socket changed or whose timeout passed, and
/// when nothing happened wait: for the card's interrupt or the next deadline (a stack timer, a
/// socket's or a poll's timeout), or, for a card without interrupts, to the next tick.
fn poll_forever() {
    let Some(net) = NET.get() else { return };
    NET_THREAD.store(crate::thread::current().id(), Ordering::SeqCst);
    let interrupt = lock(net).stack.interrupt();
    let routed = route_interrupts(interrupt);
    let mut interrupts = routed.is_some();
    INTERRUPT_DRIVEN.store(interrupts, Ordering::Relaxed);
    // Whether the card's line is unmasked: only while the thread is about to park or parked.
    // While frames come, the thread polls, and interrupts (one per frame and per transmit; the
    // card itself cannot be told to hold them, as virtio-drivers negotiates EVENT_IDX) would
    // only slow the VM down.
    let mut armed = true;
    // The interrupt count when the card was last acknowledged: only a new interrupt needs one
    // (each is a register access, an exit to the monitor under KVM); `u64::MAX` forces one.
    let mut acknowledged = u64::MAX;
    let mut last_work = crate::time::Instant::now();
    loop {
        let (busy, next, quiet, changed) = {
            let mut shared = lock(net);
            let seen = INTERRUPTS.load(Ordering::SeqCst);
            if interrupts && armed && seen != acknowledged {
                // Before looking: a frame that comes after the look raises the line again.
                shared.stack.acknowledge_interrupt();
                acknowledged = seen;
            }
            let now = now_ms();
            // This poll sends what non-blocking writes queued (a write after this line sets
            // the flag again).
            UNSENT.store(false, Ordering::Release);
            let busy = shared.stack.poll(now);
            if armed
                && busy
                && let Some(line) = routed
            {
                line.set_masked(true);
                armed = false;
            }
            if interrupts
                && INTERRUPTS.load(Ordering::Relaxed) == 0
                && shared.stack.stats().received >= FRAMES_BEFORE_FALLBACK
            {
                log::warn!("net: frames arrive but the card's interrupt never came; polling the card");
                interrupts = false;
                INTERRUPT_DRIVEN.store(false, Ordering::Relaxed);
                if let Some(line) = routed {
                    // Should the line be right after all, it must not interrupt the polling.
                    line.set_masked(true);
                }
            }
            // From here, a change another thread makes nudges this thread out of its park.
            NET_PARKED.store(interrupts, Ordering::SeqCst);
            let quiet = interrupts && !busy && last_work.elapsed() >= ACTIVE;
            NET_QUIET.store(quiet, Ordering::SeqCst);
            let Shared { stack, wakers, polls } = &mut *shared;
            let mut changed = false;
            stack.changed(|id| {
                changed = true;
                if let Some(Some(waker)) = wakers.get(id.slot()) {
                    waker.wake();
                }
            });
            let mut next = stack.poll_delay_ms(now).map_or(u64::MAX, |delay| now.saturating_add(delay));
            for waker in wakers.iter().flatten() {
                let deadline = waker.deadline.load(Ordering::SeqCst);
                if deadline <= now {
                    waker.deadline.store(u64::MAX, Ordering::SeqCst);
                    waker.wake();
                } else {
                    next = next.min(deadline);
                }
            }
            polls.retain(|poll| poll.upgrade().inspect(|poll| next = next.min(poll.time_out(now))).is_some());
            (busy, next, quiet, changed)
        };
        if changed {
            run_change_hook();
        }
        if busy {
            last_work = crate::time::Instant::now();
        }
        // With interrupts, a frame after the park wakes the thread at once: it polls only
        // while each look finds work. Without, it keeps looking for a while (see BUSY_POLL).
        let keep_polling = if interrupts { busy } else { last_work.elapsed() < BUSY_POLL };
        if keep_polling {
            NET_PARKED.store(false, Ordering::SeqCst);
            crate::thread::yield_now();
        } else if interrupts && !armed {
            // Unmasked, then acknowledged and one more look before parking: while masked, an
            // interrupt was dropped, and the card's line may still be high (no new edge until
            // it is acknowledged).
            if let Some(line) = routed {
                line.set_masked(false);
            }
            acknowledged = u64::MAX;
            armed = true;
        } else if interrupts {
            // Long only if senders were told to nudge (NET_QUIET, set under the lock above).
            let longest = if quiet { LONGEST_PARK_MS } else { 1 };
            let wait = next.saturating_sub(now_ms()).min(longest);
            if wait == 0 {
                crate::thread::yield_now();
            } else {
                crate::thread::park_timeout(Duration::from_millis(wait));
            }
            NET_PARKED.store(false, Ordering::SeqCst);
        } else {
            // To the next tick or the one after (a sleep ends at the first tick after its
            // deadline; a deadline already passed would not sleep at all).
            crate::thread::sleep(Duration::from_micros(500));
        }
    }
}

fn shared() -> io::Result<&'static crate::sync::Mutex<Shared>> {
    NET.get()
        .ok_or(io::Error::new(io::ErrorKind::NetworkUnreachable, "no network card: give the VM a virtio-net device"))
}

fn error(error: NetError) -> io::Error {
    let kind = match error {
        NetError::AddressInUse => io::ErrorKind::AddrInUse,
        NetError::AddressNotAvailable => io::ErrorKind::AddrNotAvailable,
        NetError::Unreachable => io::ErrorKind::NetworkUnreachable,
        NetError::ConnectionRefused => io::ErrorKind::ConnectionRefused,
        NetError::ConnectionReset => io::ErrorKind::ConnectionReset,
        NetError::NotConnected => io::ErrorKind::NotConnected,
        NetError::BrokenPipe => io::ErrorKind::BrokenPipe,
        NetError::InvalidInput => io::ErrorKind::InvalidInput,
        NetError::TooManySockets => io::ErrorKind::OutOfMemory,
        NetError::BadSocket => io::ErrorKind::NotConnected,
    };
    io::Error::new(
        kind,
        match error {
            NetError::AddressInUse => "address in use",
            NetError::AddressNotAvailable => "not this machine's address",
            NetError::Unreachable => "network unreachable (no IPv4 address yet, or no route)",
            NetError::ConnectionRefused => "connection refused",
            NetError::ConnectionReset => "connection reset by peer",
            NetError::NotConnected => "not connected",
            NetError::BrokenPipe => "broken pipe: the socket was shut down for writing",
            NetError::InvalidInput => "invalid argument",
            NetError::TooManySockets => "too many sockets",
            NetError::BadSocket => "the socket is closed",
        },
    )
}

const TIMED_OUT: io::Error = io::Error::new(io::ErrorKind::TimedOut, "timed out");
const WOULD_BLOCK: io::Error =
    io::Error::new(io::ErrorKind::WouldBlock, "the operation would block (the socket is non-blocking)");
const ONLY_IPV4: io::Error = io::Error::new(io::ErrorKind::Unsupported, "only IPv4 is supported");

/// A socket's id and wait queue; closes the socket when dropped.
#[derive(Debug)]
struct Handle {
    id: SocketId,
    waker: Arc<Waker>,
    /// Set by `set_nonblocking`: an operation that would wait fails with `WouldBlock`.
    nonblocking: AtomicBool,
}

impl Handle {
    /// Registers a new socket made by `make`.
    fn new(make: impl FnOnce(&mut Stack<Card>) -> Result<SocketId, NetError>) -> io::Result<Handle> {
        let mut shared = lock(shared()?);
        let id = make(&mut shared.stack).map_err(error)?;
        let waker = Arc::new(Waker {
            id,
            queue: WaitQueue::default(),
            generation: AtomicU32::new(0),
            deadline: AtomicU64::new(u64::MAX),
            registration: crate::sync::Mutex::new(None),
        });
        if shared.wakers.len() <= id.slot() {
            shared.wakers.resize(id.slot() + 1, None);
        }
        shared.wakers[id.slot()] = Some(Arc::clone(&waker));
        Ok(Handle { id, waker, nonblocking: AtomicBool::new(false) })
    }

    /// Runs `op` on the stack; `Some(value)` ends at once (sending what it queued), `None`
    /// waits for the socket to change and tries again, until `timeout` passes.
    fn block<T>(
        &self,
        timeout: Option<Duration>,
        op: impl FnMut(&mut Stack<Card>, SocketId) -> Result<Option<T>, NetError>,
    ) -> io::Result<T> {
        self.block_then(timeout, Sending::Now, op)
    }

    /// As `block`, sending what `op` queued as `send` says.
    fn block_then<T>(
        &self,
        timeout: Option<Duration>,
        send: Sending,
        mut op: impl FnMut(&mut Stack<Card>, SocketId) -> Result<Option<T>, NetError>,
    ) -> io::Result<T> {
        let net = shared()?;
        // Never early: the clock here counts whole milliseconds, so the deadline is one more
        // than the timeout rounded up (a timeout under a millisecond still waits).
        let deadline = timeout.map(|timeout| {
            let ms = u64::try_from(timeout.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
            now_ms().saturating_add(ms).saturating_add(1)
        });
        loop {
            let (waiting, unreported) = {
                let mut shared = lock(net);
                let now = now_ms();
                let id = self.id;
                if let Some(value) = shared.stack.absorb(id, |stack| op(stack, id)).map_err(error)? {
                    let left_for_the_net_thread = match send {
                        Sending::Now => {
                            shared.stack.flush(now);
                            false
                        }
                        Sending::Later => true,
                        Sending::NowUnlessCrowded if shared.stack.socket_count() < BATCH_FROM => {
                            shared.stack.flush(now);
                            false
                        }
                        Sending::NowUnlessCrowded => {
                            UNSENT.store(true, Ordering::Release);
                            true
                        }
                    };
                    drop(shared);
                    if left_for_the_net_thread {
                        // It sends them if nobody does first.
                        nudge();
                    } else {
                        sent_while_quiet();
                    }
                    return Ok(value);
                }
                if deadline.is_some_and(|deadline| now >= deadline) {
                    return Err(TIMED_OUT);
                }
                let unreported = shared.stack.rearm(self.id) == Ok(true);
                if unreported {
                    // A change nobody was told of (another thread's shutdown, say): the other
                    // waiters must look again, as `changed` will not report it now.
                    self.waker.wake();
                }
                // The generation to wait past; none for a non-blocking socket.
                let waiting = (!self.nonblocking.load(Ordering::Relaxed)).then(|| {
                    // Several threads may wait on one socket (a reader and a writer): the
                    // earliest deadline wins, and the others, woken early, wait again.
                    self.waker.deadline.fetch_min(deadline.unwrap_or(u64::MAX), Ordering::SeqCst);
                    self.waker.generation.load(Ordering::SeqCst)
                });
                (waiting, unreported)
            };
            if unreported {
                run_change_hook();
            }
            let Some(seen) = waiting else { return Err(WOULD_BLOCK) };
            if deadline.is_some() {
                // The net thread ends the wait at the deadline: it must know of it.
                nudge();
            }
            let waker = &self.waker;
            crate::sync::wait(&waker.queue, &mut || waker.generation.load(Ordering::SeqCst) == seen, &mut || {});
        }
    }

    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        shared()?;
        self.nonblocking.store(nonblocking, Ordering::Relaxed);
        Ok(())
    }

    /// Runs `op`, which sends nothing (a question, an option), on the stack.
    fn query<T>(&self, op: impl FnOnce(&mut Stack<Card>, SocketId) -> Result<T, NetError>) -> io::Result<T> {
        let mut shared = lock(shared()?);
        op(&mut shared.stack, self.id).map_err(error)
    }

    /// Runs `op` on the stack and sends what it queued.
    fn with<T>(&self, op: impl FnOnce(&mut Stack<Card>, SocketId) -> Result<T, NetError>) -> io::Result<T> {
        let mut shared = lock(shared()?);
        let now = now_ms();
        let result = op(&mut shared.stack, self.id).map_err(error);
        shared.stack.flush(now);
        drop(shared);
        sent_while_quiet();
        result
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        poll::forget(self);
        if let Ok(net) = shared() {
            let mut shared = lock(net);
            if let Some(slot) = shared.wakers.get_mut(self.id.slot()) {
                *slot = None;
            }
            // The table shrinks after a crowd has left, as the stack's own does.
            while shared.wakers.last().is_some_and(Option::is_none) {
                shared.wakers.pop();
            }
            if shared.wakers.capacity() > 2 * shared.wakers.len() + 16 {
                shared.wakers.shrink_to_fit();
            }
            let _ = shared.stack.close(self.id);
            drop(shared);
            sent_while_quiet();
        }
    }
}

/// Things that name socket addresses, as `std::net::ToSocketAddrs` (without name lookup): a
/// `SocketAddr`, `(Ipv4Addr, u16)`, `"10.0.2.2:80"`, `("10.0.2.2", 80)`.
pub trait ToSocketAddrs {
    /// The address (a name that is not an address is `InvalidInput`).
    fn to_socket_addr(&self) -> io::Result<SocketAddr>;
}

impl ToSocketAddrs for SocketAddr {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        Ok(*self)
    }
}

impl ToSocketAddrs for SocketAddrV4 {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::V4(*self))
    }
}

impl ToSocketAddrs for (Ipv4Addr, u16) {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::V4(SocketAddrV4::new(self.0, self.1)))
    }
}

impl ToSocketAddrs for (IpAddr, u16) {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        Ok(SocketAddr::new(self.0, self.1))
    }
}

impl ToSocketAddrs for (&str, u16) {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        let address: IpAddr = self.0.parse().map_err(|_| BAD_ADDRESS)?;
        Ok(SocketAddr::new(address, self.1))
    }
}

impl ToSocketAddrs for str {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        self.parse().map_err(|_| BAD_ADDRESS)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        (**self).to_socket_addr()
    }
}

impl ToSocketAddrs for alloc_crate::string::String {
    fn to_socket_addr(&self) -> io::Result<SocketAddr> {
        self.as_str().to_socket_addr()
    }
}

const BAD_ADDRESS: io::Error =
    io::Error::new(io::ErrorKind::InvalidInput, "not an IP address and port (names are not looked up)");

fn v4(address: &impl ToSocketAddrs) -> io::Result<SocketAddrV4> {
    match address.to_socket_addr()? {
        SocketAddr::V4(address) => Ok(address),
        SocketAddr::V6(_) => Err(ONLY_IPV4),
    }
}

/// The address a TCP socket bound to `address` would listen on (for a `bind` that comes
/// before `listen`): `AddrNotAvailable` if the IP is not this machine's, `AddrInUse` if a
/// listener has the port; port 0 picks a free one. Nothing is reserved until the listener
/// exists.
pub fn tcp_bind_address(address: SocketAddrV4) -> io::Result<SocketAddrV4> {
    let mut shared = lock(shared()?);
    shared.stack.tcp_bind_address(address).map_err(error)
}

/// Waits, up to `limit`, until every TCP connection's bytes and FIN have been acknowledged
/// (closed connections finishing in the background included). For a program that ends right
/// after it wrote: Linux goes on sending for a process that exited, but here the VM ends with
/// the program.
pub fn finish_sending(limit: Duration) {
    let Ok(net) = shared() else { return };
    let start = crate::time::Instant::now();
    while start.elapsed() < limit {
        if !lock(net).stack.sending() {
            return;
        }
        crate::thread::sleep(Duration::from_millis(1));
    }
}

/// The interface's address and prefix length, waiting up to `timeout` for DHCP to give one.
pub fn wait_for_address(timeout: Duration) -> io::Result<(Ipv4Addr, u8)> {
    let net = shared()?;
    let start = crate::time::Instant::now();
    loop {
        if let Some(address) = lock(net).stack.address() {
            return Ok(address);
        }
        if start.elapsed() >= timeout {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no IPv4 address: DHCP did not answer"));
        }
        crate::thread::sleep(Duration::from_millis(5));
    }
}

/// Sockets open (every kind, those closing in the background too) and the most the stack
/// allows (set at start from the memory: see the module's notes), or `None` without a network.
/// A server near the limit sheds its oldest idle connections: past it, new clients' SYNs wait.
pub fn socket_usage() -> Option<(usize, usize)> {
    NET.get().map(|net| {
        let shared = lock(net);
        (shared.stack.socket_count(), shared.stack.socket_limit())
    })
}

/// The card's interrupts so far, if the net thread waits for them; `None` if it polls the card
/// (no routable line, `stardust.nic=poll`, or the interrupt never came).
pub fn card_interrupts() -> Option<u64> {
    INTERRUPT_DRIVEN.load(Ordering::Relaxed).then(|| INTERRUPTS.load(Ordering::Relaxed))
}

/// Frames received, sent and dropped by the network card (and the stack's backpressure).
pub fn stats() -> Option<stardust_api::NicStats> {
    NET.get().map(|net| lock(net).stack.stats())
}

/// Which directions `TcpStream::shutdown` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Later reads return end of stream.
    Read,
    /// A FIN is sent after the queued bytes; later writes fail.
    Write,
    /// Both.
    Both,
}

/// A TCP socket listening for connections (as `std::net::TcpListener`).
#[derive(Debug)]
pub struct TcpListener {
    handle: Handle,
}

impl TcpListener {
    /// Listens on `address`: its IP must be unspecified (`0.0.0.0`: connections to any of this
    /// machine's addresses), `127.0.0.1` (only from this machine) or the interface's own; port
    /// 0 picks a free port.
    pub fn bind(address: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let address = v4(&address)?;
        Ok(TcpListener { handle: Handle::new(|stack| stack.tcp_listen(address, BACKLOG))? })
    }

    /// Waits for a connection.
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let id = self.handle.block(None, |stack, id| stack.tcp_accept(id))?;
        let stream = TcpStream::adopt(id)?;
        let peer = stream.peer_addr()?;
        Ok((stream, peer))
    }

    /// Connections, forever (as std's `incoming`).
    pub fn incoming(&self) -> impl Iterator<Item = io::Result<TcpStream>> + '_ {
        core::iter::repeat_with(move || self.accept().map(|(stream, _)| stream))
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.handle.query(|stack, id| stack.local_addr(id)).map(SocketAddr::V4)
    }

    /// What it is ready for now (READABLE: a connection waits).
    pub fn readiness(&self) -> io::Result<Readiness> {
        self.handle.query(|stack, id| stack.readiness(id))
    }

    /// `true`: `accept` fails with `WouldBlock` instead of waiting (for use with [`Poll`]).
    /// Accepted streams start blocking, as std's.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.handle.set_nonblocking(nonblocking)
    }
}

const NO_TIMEOUT: u64 = u64::MAX;

/// A TCP connection (as `std::net::TcpStream`). Reads and writes block; `&TcpStream` reads and
/// writes too, so one thread can read while another writes.
#[derive(Debug)]
pub struct TcpStream {
    handle: Handle,
    /// Set by `set_cork`: writes are not sent at once.
    corked: core::sync::atomic::AtomicBool,
    /// Timeouts in ms (`NO_TIMEOUT`: none).
    read_timeout: AtomicU64,
    write_timeout: AtomicU64,
}

fn timeout_ms(timeout: Option<Duration>) -> io::Result<u64> {
    match timeout {
        None => Ok(NO_TIMEOUT),
        Some(duration) if duration.is_zero() => {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "a zero timeout is not allowed"))
        }
        Some(duration) => Ok(u64::try_from(duration.as_millis()).unwrap_or(NO_TIMEOUT - 1).max(1)),
    }
}

fn timeout_of(ms: &AtomicU64) -> Option<Duration> {
    match ms.load(Ordering::Relaxed) {
        NO_TIMEOUT => None,
        ms => Some(Duration::from_millis(ms)),
    }
}

impl TcpStream {
    fn adopt(id: SocketId) -> io::Result<TcpStream> {
        Ok(TcpStream::with_handle(Handle::new(|_| Ok(id))?))
    }

    fn with_handle(handle: Handle) -> TcpStream {
        TcpStream {
            handle,
            corked: core::sync::atomic::AtomicBool::new(false),
            read_timeout: AtomicU64::new(NO_TIMEOUT),
            write_timeout: AtomicU64::new(NO_TIMEOUT),
        }
    }

    /// Connects to `address`, waiting as long as it takes.
    pub fn connect(address: impl ToSocketAddrs) -> io::Result<TcpStream> {
        Self::connect_within(&address, None)
    }

    /// Connects to `address`, giving up after `timeout`.
    pub fn connect_timeout(address: &SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        timeout_ms(Some(timeout))?;
        Self::connect_within(address, Some(timeout))
    }

    fn connect_within(address: &impl ToSocketAddrs, timeout: Option<Duration>) -> io::Result<TcpStream> {
        let remote = v4(address)?;
        let id = Handle::new(|stack| stack.tcp_connect(remote))?;
        // The SYN leaves now (and a quiet net thread learns of its retransmission).
        id.with(|_, _| Ok(()))?;
        let stream = TcpStream::with_handle(id);
        stream.handle.block(timeout, |stack, id| Ok(stack.tcp_connected(id)?.then_some(())))?;
        Ok(stream)
    }

    /// The other end's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.handle.query(|stack, id| stack.peer_addr(id)).map(SocketAddr::V4)
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.handle.query(|stack, id| stack.local_addr(id)).map(SocketAddr::V4)
    }

    /// Shuts down reading, writing or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let (read, write) = match how {
            Shutdown::Read => (true, false),
            Shutdown::Write => (false, true),
            Shutdown::Both => (true, true),
        };
        self.handle.with(|stack, id| stack.tcp_shutdown(id, read, write))
    }

    /// `true` sends small writes at once (turns Nagle's algorithm off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.handle.query(|stack, id| stack.tcp_set_nodelay(id, nodelay))
    }

    /// Whether small writes go out at once.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.handle.query(|stack, id| stack.tcp_nodelay(id))
    }

    /// How long a read may wait (`None`: forever; a zero duration is `InvalidInput`). A read
    /// that times out fails with `TimedOut`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout.store(timeout_ms(timeout)?, Ordering::Relaxed);
        Ok(())
    }

    /// How long a write may wait for room in the send buffer.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.write_timeout.store(timeout_ms(timeout)?, Ordering::Relaxed);
        Ok(())
    }

    /// The read timeout.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(timeout_of(&self.read_timeout))
    }

    /// The write timeout.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(timeout_of(&self.write_timeout))
    }

    /// `true`: reads, writes and a connect in progress fail with `WouldBlock` instead of
    /// waiting (for use with [`Poll`]); the timeouts then do not apply.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.handle.set_nonblocking(nonblocking)
    }

    /// Starts connecting to `address` and returns at once, as a non-blocking `connect` does:
    /// the stream becomes writable when the connection is established, and `take_error`
    /// says if it was refused.
    pub fn connect_start(address: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let remote = v4(&address)?;
        let handle = Handle::new(|stack| stack.tcp_connect(remote))?;
        handle.with(|_, _| Ok(()))?;
        Ok(TcpStream::with_handle(handle))
    }

    /// What it is ready for now.
    pub fn readiness(&self) -> io::Result<Readiness> {
        self.handle.query(|stack, id| stack.readiness(id))
    }

    /// Reads received bytes as `read` does, but leaves them to be read again.
    pub fn peek(&self, buffer: &mut [u8]) -> io::Result<usize> {
        self.handle.block(timeout_of(&self.read_timeout), |stack, id| stack.tcp_peek(id, buffer))
    }

    /// The connection's failure, if it failed (refused or reset); `None` while it is healthy.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.handle.query(|stack, id| stack.tcp_error(id)).map(|failure| failure.map(error))
    }

    fn receive(&self, buffer: &mut [u8]) -> io::Result<usize> {
        self.handle.block(timeout_of(&self.read_timeout), |stack, id| stack.tcp_recv(id, buffer))
    }

    fn send(&self, buffer: &[u8]) -> io::Result<usize> {
        let send = if self.corked.load(Ordering::Relaxed) {
            Sending::Later
        } else if self.handle.nonblocking.load(Ordering::Relaxed) {
            // A non-blocking writer is an event loop: in a crowd its writes go out together.
            Sending::NowUnlessCrowded
        } else {
            Sending::Now
        };
        self.handle.block_then(timeout_of(&self.write_timeout), send, |stack, id| stack.tcp_send(id, buffer))
    }

    /// Holds written bytes back while `cork` is true, as Linux's `TCP_CORK` (not in std): they
    /// leave with the next write that fills a segment, when the net thread next polls (within a
    /// timer tick), or at once when the cork is taken out, on `shutdown` and on drop. A server
    /// that answers and closes corks first, so that its answer and its FIN share one segment
    /// and the client, not the server, is the side that closes last (and keeps no TIME-WAIT).
    pub fn set_cork(&self, cork: bool) -> io::Result<()> {
        self.corked.store(cork, Ordering::Relaxed);
        if !cork {
            self.handle.with(|_, _| Ok(()))?;
        }
        Ok(())
    }
}

impl io::Read for TcpStream {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        self.receive(buffer)
    }
}

impl io::Read for &TcpStream {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        self.receive(buffer)
    }
}

impl io::Write for TcpStream {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.send(buffer)
    }

    /// Nothing to do: written bytes are already on their way (as std's).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl io::Write for &TcpStream {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.send(buffer)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A UDP socket (as `std::net::UdpSocket`).
#[derive(Debug)]
pub struct UdpSocket {
    handle: Handle,
    read_timeout: AtomicU64,
    write_timeout: AtomicU64,
    peer: spin::Mutex<Option<SocketAddrV4>>,
}

impl UdpSocket {
    /// Binds to `address` (unspecified, `127.0.0.1` or this machine's IP; port 0 picks a free
    /// one).
    pub fn bind(address: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let address = v4(&address)?;
        Ok(UdpSocket {
            handle: Handle::new(|stack| stack.udp_bind(address))?,
            read_timeout: AtomicU64::new(NO_TIMEOUT),
            write_timeout: AtomicU64::new(NO_TIMEOUT),
            peer: spin::Mutex::new(None),
        })
    }

    /// Sends one datagram to `address` (at most 1,472 bytes: one frame, no IP fragments),
    /// waiting for room in the send buffer up to the write timeout.
    pub fn send_to(&self, data: &[u8], address: impl ToSocketAddrs) -> io::Result<usize> {
        let to = v4(&address)?;
        self.handle.block(timeout_of(&self.write_timeout), |stack, id| stack.udp_send_to(id, data, to))
    }

    /// How long `send_to`/`send` may wait for room (a datagram to a neighbour that never
    /// answers ARP holds the queue until smoltcp gives up on it).
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.write_timeout.store(timeout_ms(timeout)?, Ordering::Relaxed);
        Ok(())
    }

    /// Waits for a datagram; its length (cut to `buffer`) and sender.
    pub fn recv_from(&self, buffer: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, from) =
            self.handle.block(timeout_of(&self.read_timeout), |stack, id| stack.udp_recv_from(id, buffer))?;
        Ok((n, SocketAddr::V4(from)))
    }

    /// Sets the peer for `send` and `recv` (datagrams from elsewhere are dropped by `recv`).
    pub fn connect(&self, address: impl ToSocketAddrs) -> io::Result<()> {
        *self.peer.lock() = Some(v4(&address)?);
        Ok(())
    }

    fn peer(&self) -> io::Result<SocketAddrV4> {
        self.peer.lock().ok_or(io::Error::new(io::ErrorKind::NotConnected, "the UDP socket is not connected"))
    }

    /// Sends to the connected peer.
    pub fn send(&self, data: &[u8]) -> io::Result<usize> {
        self.send_to(data, self.peer()?)
    }

    /// Receives from the connected peer.
    pub fn recv(&self, buffer: &mut [u8]) -> io::Result<usize> {
        let peer = SocketAddr::V4(self.peer()?);
        loop {
            let (n, from) = self.recv_from(buffer)?;
            if from == peer {
                return Ok(n);
            }
        }
    }

    /// What it is ready for now.
    pub fn readiness(&self) -> io::Result<Readiness> {
        self.handle.query(|stack, id| stack.readiness(id))
    }

    /// `true`: sends and receives fail with `WouldBlock` instead of waiting.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.handle.set_nonblocking(nonblocking)
    }

    /// How long `recv`/`recv_from` may wait.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.read_timeout.store(timeout_ms(timeout)?, Ordering::Relaxed);
        Ok(())
    }

    /// The address it is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.handle.query(|stack, id| stack.local_addr(id)).map(SocketAddr::V4)
    }
}
