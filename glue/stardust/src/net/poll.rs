//! Readiness: one thread waits on many sockets at once, in the shape of `mio`'s
//! `Poll`/`Registry`/`Events`.
//!
//! A socket registered with a [`Poll`] (under a [`Token`] of the caller's choosing, for an
//! [`Interest`]) is reported by [`Poll::poll`] when its readiness changes, and once at
//! registration. Reports are edge-triggered, as `mio`'s: after an event, the caller reads (or
//! accepts, or writes) until the operation fails with `WouldBlock`; the next change after that
//! brings the next event. An event may also come when nothing changed for the caller (a spurious
//! wake-up); operations then just give `WouldBlock`. Sockets used with a poll are made
//! non-blocking with `set_nonblocking(true)`.
//!
//! **How it waits.** The net thread already learns which sockets changed after every burst of
//! frames ([`Stack::changed`](stardust_net::Stack::changed)) and wakes their waiters; a socket
//! registered with a poll also puts its token on the poll's pending list and wakes the polling
//! thread. `poll` looks only at pending sockets: the cost of a wake-up is the sockets that
//! changed, not the sockets registered, and a poll with nothing pending costs no CPU until its
//! timeout (which the net thread's timer pass ends).
//!
//! Contract (MUST): a socket is registered with at most one poll at a time (registering it
//! again is `AlreadyExists`; `reregister` changes token and interest); closing or deregistering
//! a socket ends its events (none is reported after); a registered socket is reported at
//! least once after each change of its readiness.

use super::{Handle, Ordering, WaitQueue, Waker, now_ms, shared};
use crate::io;
use crate::sync::{Arc, Mutex, PoisonError, Weak};
use crate::time::Duration;
use alloc_crate::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64};
use stardust_net::Readiness;

/// The caller's name for a registered socket, given back in its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

/// What a registration waits for: [`Interest::READABLE`], [`Interest::WRITABLE`] or both
/// (`READABLE | WRITABLE`). Closing and errors are reported whatever the interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interest(Readiness);

impl Interest {
    /// Data to read, a connection to accept, the end of the stream.
    pub const READABLE: Interest = Interest(Readiness::READABLE);
    /// Room to write.
    pub const WRITABLE: Interest = Interest(Readiness::WRITABLE);

    /// Whether readability is of interest.
    pub const fn is_readable(self) -> bool {
        self.0.contains(Readiness::READABLE)
    }

    /// Whether writability is of interest.
    pub const fn is_writable(self) -> bool {
        self.0.contains(Readiness::WRITABLE)
    }

    /// The readiness flags an event for this interest reports.
    fn reported(self) -> Readiness {
        self.0 | Readiness::READ_CLOSED | Readiness::WRITE_CLOSED | Readiness::ERROR
    }
}

impl core::ops::BitOr for Interest {
    type Output = Interest;
    /// Both interests.
    fn bitor(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }
}

/// One socket's readiness, as `poll` found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    token: Token,
    readiness: Readiness,
}

impl Event {
    /// The token the socket was registered with.
    pub fn token(&self) -> Token {
        self.token
    }

    /// A read, accept or receive would not wait (and the interest asked for it).
    pub fn is_readable(&self) -> bool {
        self.readiness.contains(Readiness::READABLE)
    }

    /// A write or send would not wait (and the interest asked for it).
    pub fn is_writable(&self) -> bool {
        self.readiness.contains(Readiness::WRITABLE)
    }

    /// The peer finished sending (or reading was shut down, or the connection is gone).
    pub fn is_read_closed(&self) -> bool {
        self.readiness.contains(Readiness::READ_CLOSED)
    }

    /// Writing has ended (shut down, or the connection is gone).
    pub fn is_write_closed(&self) -> bool {
        self.readiness.contains(Readiness::WRITE_CLOSED)
    }

    /// The connection failed; `TcpStream::take_error` says how.
    pub fn is_error(&self) -> bool {
        self.readiness.contains(Readiness::ERROR)
    }

    /// Every flag, as the network stack reports it.
    pub fn readiness(&self) -> Readiness {
        self.readiness
    }
}

/// Room for the events of one `poll`.
#[derive(Debug)]
pub struct Events {
    list: Vec<Event>,
    capacity: usize,
}

impl Events {
    /// Room for `capacity` events (at least 1); sockets beyond wait for the next `poll`.
    pub fn with_capacity(capacity: usize) -> Events {
        let capacity = capacity.max(1);
        Events { list: Vec::with_capacity(capacity), capacity }
    }

    /// The events of the last `poll`.
    pub fn iter(&self) -> core::slice::Iter<'_, Event> {
        self.list.iter()
    }

    /// Whether the last `poll` found nothing (it timed out).
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many events the last `poll` found.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Forgets the events.
    pub fn clear(&mut self) {
        self.list.clear();
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = core::slice::Iter<'a, Event>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// Sockets that can be registered with a [`Poll`]: `TcpListener`, `TcpStream`, `UdpSocket`.
pub trait Source: sealed::Sealed {}

// The trait is public only so that `Source` can name it; nothing outside can implement it or
// call it (its module is private), so the private `Handle` it gives does not leak.
#[allow(private_interfaces)]
pub(super) mod sealed {
    /// Gives the poll the socket's handle.
    pub trait Sealed {
        #[doc(hidden)]
        fn handle(&self) -> &super::Handle;
    }
}

/// Each socket type gives its handle.
macro_rules! source {
    ($($socket:ident),*) => {$(
        #[allow(private_interfaces)]
        impl sealed::Sealed for super::$socket {
            fn handle(&self) -> &Handle {
                &self.handle
            }
        }
        impl Source for super::$socket {}
    )*};
}
source!(TcpListener, TcpStream, UdpSocket);

/// Wakes a [`Poll`] from another thread (`mio`'s `Waker`): the poll reports an event with the
/// wakeup's token, readable, once however often it was woken since the last `poll`. For work
/// done off the event loop (a file read by a worker thread) whose result the loop must pick up.
#[derive(Debug, Clone)]
pub struct Wakeup {
    poll: Weak<Shared>,
    token: Token,
}

impl Wakeup {
    /// A wakeup for `registry`'s poll, reported under `token` (which no registered socket
    /// should use).
    pub fn new(registry: &Registry, token: Token) -> Wakeup {
        Wakeup { poll: Arc::downgrade(&registry.shared), token }
    }

    /// Wakes the poll (or makes its next `poll` return at once). `NotConnected` when the poll
    /// is gone.
    pub fn wake(&self) -> io::Result<()> {
        let poll = self.poll.upgrade().ok_or(io::Error::new(io::ErrorKind::NotConnected, "the poll is gone"))?;
        let mut woken = lock(&poll.woken);
        if !woken.contains(&self.token) {
            woken.push(self.token);
        }
        drop(woken);
        poll.wake();
        Ok(())
    }
}

/// A socket's registration, kept in its waker.
#[derive(Debug)]
pub(super) struct Registration {
    poll: Weak<Shared>,
    token: Token,
    interest: Interest,
    /// On the poll's pending list already (so a burst of changes queues it once).
    queued: bool,
}

/// A poll's state, shared with the wakers of its sockets and the net thread (for the timeout).
#[derive(Debug)]
pub(super) struct Shared {
    /// Sockets that may have changed since the last `poll`, each once.
    pending: Mutex<Vec<Arc<Waker>>>,
    /// The tokens of [`Wakeup`]s woken since the last `poll`, each once.
    woken: Mutex<Vec<Token>>,
    queue: WaitQueue,
    /// Bumped by every notification; the polling thread sleeps while it stays what it saw.
    generation: AtomicU32,
    /// When (ms) the polling thread wants to be woken whatever happens; `u64::MAX`: never.
    deadline: AtomicU64,
}

impl Shared {
    /// Wakes the polling thread if its timeout has come (called by the net thread); returns the
    /// timeout still to come (`u64::MAX`: none), for the net thread to wake for.
    pub(super) fn time_out(&self, now: u64) -> u64 {
        let deadline = self.deadline.load(Ordering::SeqCst);
        if deadline <= now {
            self.deadline.store(u64::MAX, Ordering::SeqCst);
            self.wake();
            return u64::MAX;
        }
        deadline
    }

    fn wake(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        crate::sync::wake_all(&self.queue);
    }

    fn same(&self, other: &Weak<Shared>) -> bool {
        core::ptr::eq(other.as_ptr(), self)
    }
}

/// `waker`'s socket changed: puts it on its poll's pending list (once) and wakes the polling
/// thread. Called by the waker, with the stack locked; the lock order is stack, registration,
/// pending list.
pub(super) fn notify(waker: &Arc<Waker>) {
    let mut registration = lock(&waker.registration);
    let Some(registered) = registration.as_mut() else { return };
    if registered.queued {
        return;
    }
    let Some(poll) = registered.poll.upgrade() else { return };
    registered.queued = true;
    drop(registration);
    lock(&poll.pending).push(Arc::clone(waker));
    poll.wake();
}

/// Drops a closing socket's registration (called when its handle is dropped).
pub(super) fn forget(handle: &Handle) {
    lock(&handle.waker.registration).take();
}

fn lock<T>(mutex: &Mutex<T>) -> crate::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers sockets with a [`Poll`]; shared by reference with whoever adds sockets.
#[derive(Debug)]
pub struct Registry {
    shared: Arc<Shared>,
}

impl Registry {
    /// Watches `source` for `interest`, reporting it as `token`. The socket is reported once
    /// at once (it may already be ready). `AlreadyExists` if it is registered with a poll.
    pub fn register(&self, source: &impl Source, token: Token, interest: Interest) -> io::Result<()> {
        let waker = &source.handle().waker;
        let mut registration = lock(&waker.registration);
        if registration.as_ref().is_some_and(|registered| registered.poll.strong_count() > 0) {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "the socket is registered with a poll"));
        }
        *registration = Some(Registration { poll: Arc::downgrade(&self.shared), token, interest, queued: false });
        drop(registration);
        notify(waker);
        Ok(())
    }

    /// Changes a registered socket's token and interest; it is reported once at once.
    /// `NotFound` if it is not registered with this poll.
    pub fn reregister(&self, source: &impl Source, token: Token, interest: Interest) -> io::Result<()> {
        let waker = &source.handle().waker;
        let mut registration = lock(&waker.registration);
        match registration.as_mut() {
            Some(registered) if self.shared.same(&registered.poll) => {
                registered.token = token;
                registered.interest = interest;
            }
            _ => return Err(NOT_REGISTERED),
        }
        drop(registration);
        notify(waker);
        Ok(())
    }

    /// Stops watching `source`. `NotFound` if it is not registered with this poll.
    pub fn deregister(&self, source: &impl Source) -> io::Result<()> {
        let mut registration = lock(&source.handle().waker.registration);
        match registration.as_ref() {
            Some(registered) if self.shared.same(&registered.poll) => {
                *registration = None;
                Ok(())
            }
            _ => Err(NOT_REGISTERED),
        }
    }
}

const NOT_REGISTERED: io::Error =
    io::Error::new(io::ErrorKind::NotFound, "the socket is not registered with this poll");

/// Waits for readiness events on the sockets registered with its [`Registry`].
#[derive(Debug)]
pub struct Poll {
    registry: Registry,
}

impl Poll {
    /// A poll with nothing registered. Fails without a network card, as sockets do.
    pub fn new() -> io::Result<Poll> {
        let net = shared()?;
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::new()),
            woken: Mutex::new(Vec::new()),
            queue: WaitQueue::default(),
            generation: AtomicU32::new(0),
            deadline: AtomicU64::new(u64::MAX),
        });
        lock(net).polls.push(Arc::downgrade(&shared));
        Ok(Poll { registry: Registry { shared } })
    }

    /// Where sockets are registered.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Waits until a registered socket is ready for what it was registered for, or `timeout`
    /// passes (`None`: no limit; zero: only look), and puts what it found in `events`
    /// (replacing what was there). Timeouts count whole milliseconds and never end early.
    pub fn poll(&mut self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.list.clear();
        // What the loop wrote since it last waited leaves now, in one pass.
        super::send_queued()?;
        let poll = &self.registry.shared;
        let deadline = timeout.map(|timeout| {
            let ms = u64::try_from(timeout.as_micros().div_ceil(1000)).unwrap_or(u64::MAX);
            now_ms().saturating_add(ms).saturating_add(u64::from(!timeout.is_zero()))
        });
        let net = shared()?;
        let mut candidates = Vec::new();
        loop {
            let seen = poll.generation.load(Ordering::SeqCst);
            {
                let mut woken = lock(&poll.woken);
                let take = woken.len().min(events.capacity - events.list.len());
                for token in woken.drain(..take) {
                    events.list.push(Event { token, readiness: Readiness::READABLE });
                }
            }
            // The pending sockets still registered here, with their tokens and interests, in
            // batches until the events are full or nothing is pending (a batch with nothing to
            // report must not leave the rest waiting for an unrelated wake-up).
            loop {
                {
                    let mut pending = lock(&poll.pending);
                    let take = pending.len().min(events.capacity - events.list.len());
                    for waker in pending.drain(..take) {
                        let mut registration = lock(&waker.registration);
                        if let Some(registered) = registration.as_mut()
                            && poll.same(&registered.poll)
                        {
                            registered.queued = false;
                            let (token, interest) = (registered.token, registered.interest);
                            drop(registration);
                            candidates.push((waker, token, interest));
                        }
                    }
                }
                if candidates.is_empty() {
                    break;
                }
                let mut shared = lock(net);
                for (waker, token, interest) in candidates.drain(..) {
                    // A socket closed since: its registration went with it.
                    let Ok(readiness) = shared.stack.readiness(waker.id) else { continue };
                    // The next change is measured from what the caller is told now; a change
                    // nobody was told of must still reach threads blocked on the socket.
                    if shared.stack.rearm(waker.id) == Ok(true) {
                        waker.wake_waiters();
                    }
                    let reported = readiness & interest.reported();
                    if !reported.is_empty() {
                        events.list.push(Event { token, readiness: reported });
                    }
                }
                if events.list.len() == events.capacity {
                    break;
                }
            }
            if !events.list.is_empty() {
                return Ok(());
            }
            if deadline.is_some_and(|deadline| now_ms() >= deadline) {
                return Ok(());
            }
            poll.deadline.store(deadline.unwrap_or(u64::MAX), Ordering::SeqCst);
            if deadline.is_some() {
                // The net thread ends the wait at the deadline: it must know of it.
                super::nudge();
            }
            crate::sync::wait(&poll.queue, &mut || poll.generation.load(Ordering::SeqCst) == seen, &mut || {});
            poll.deadline.store(u64::MAX, Ordering::SeqCst);
        }
    }
}
