//! epoll and eventfd.
//!
//! An epoll instance keeps its interest list (descriptor, events asked for, the program's
//! data). `epoll_wait` asks each listed descriptor for its readiness, as `poll` does, and
//! reports level-triggered by default; `EPOLLET` reports a descriptor when it becomes ready for
//! something it was not ready for at the last report (programs read or accept until `EAGAIN`,
//! which ends that readiness, so each new arrival is a new edge); `EPOLLONESHOT` disables the
//! entry after one report until `EPOLL_CTL_MOD`. A descriptor closed while listed leaves the list.
//! With nothing ready the waiting thread parks until a descriptor may have become ready or its
//! timeout passes, as `poll` does here (see `readiness`).
//!
//! An eventfd is a 64-bit counter: `write` adds, `read` takes the whole count (or one with
//! `EFD_SEMAPHORE`), blocking at zero (or at the maximum for a writer).

use crate::files::{self, Description, Object, Ready};
use crate::{process, user};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use stardust::sync::{Condvar, Mutex};
use stardust_linux_abi::{
    EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLL_EVENT_SIZE,
    EPOLL_MAX_EVENTS, EPOLLET, EPOLLEXCLUSIVE, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLRDHUP, EPOLLRDNORM, EPOLLWAKEUP,
    EPOLLWRNORM, EpollEvent, Errno, O_CLOEXEC, epoll_events,
};

/// The events a read uses up (until EAGAIN), and those a write does.
const READ_EVENTS: u32 = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
const WRITE_EVENTS: u32 = EPOLLOUT | EPOLLWRNORM;

/// One descriptor on an epoll instance's interest list.
#[derive(Debug, Clone)]
struct Entry {
    fd: u32,
    /// The events asked for, with `EPOLLET`/`EPOLLONESHOT`.
    events: u32,
    data: u64,
    /// Edge-triggered: what was ready at the last look, and the description's read and write
    /// counts at the last report.
    reported: u32,
    reads: u64,
    writes: u64,
    /// One-shot and reported: silent until `EPOLL_CTL_MOD`.
    disabled: bool,
    /// The description listed, so a descriptor closed and reused is not mistaken for it (held
    /// weakly: the allocation stays distinct while the entry lives).
    description: Weak<Description>,
}

/// An epoll instance.
#[derive(Default)]
pub struct Epoll {
    entries: Mutex<Vec<Entry>>,
}

/// An eventfd counter.
pub struct EventFd {
    count: Mutex<u64>,
    changed: Condvar,
    semaphore: bool,
}

use files::open_object as open;

fn lists(entry: &Entry, description: &Arc<Description>) -> bool {
    core::ptr::eq(entry.description.as_ptr(), Arc::as_ptr(description))
}

/// `epoll_create1(flags)` (`epoll_create(size)` passes 0 after checking `size > 0`).
pub fn create(flags: u64) -> Result<u64, Errno> {
    if flags & !O_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    open(Object::Epoll(Epoll::default()), false, flags & O_CLOEXEC != 0)
}

fn instance(fd: u64) -> Result<Arc<Description>, Errno> {
    let description = process::with(|process| Ok(process.files.get(fd as u32)?.clone()))?;
    match description.object {
        Object::Epoll(_) => Ok(description),
        _ => Err(Errno::EINVAL),
    }
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub fn control(epfd: u64, operation: u64, fd: u64, event: u64) -> Result<u64, Errno> {
    let instance = instance(epfd)?;
    let Object::Epoll(epoll) = &instance.object else { return Err(Errno::EINVAL) };
    let target = process::with(|process| Ok(process.files.get(fd as u32)?.clone()))?;
    if fd == epfd {
        return Err(Errno::EINVAL);
    }
    // Regular files and directories are always ready: Linux refuses them.
    if matches!(target.object, Object::File(_) | Object::Directory { .. }) {
        return Err(Errno::EPERM);
    }
    let requested = if operation == EPOLL_CTL_DEL {
        None
    } else {
        let event = EpollEvent::decode(&user::read(event, EPOLL_EVENT_SIZE)?)?;
        if event.events & (EPOLLEXCLUSIVE | EPOLLWAKEUP) != 0 && operation == EPOLL_CTL_MOD {
            return Err(Errno::EINVAL);
        }
        Some(event)
    };
    let fd = fd as u32;
    let mut entries = epoll.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let position = entries.iter().position(|entry| entry.fd == fd && lists(entry, &target));
    match (operation, position, requested) {
        (EPOLL_CTL_ADD, Some(_), _) => Err(Errno::EEXIST),
        (EPOLL_CTL_ADD, None, Some(event)) => {
            entries.retain(|entry| entry.fd != fd);
            entries.push(Entry {
                fd,
                events: event.events,
                data: event.data,
                reported: 0,
                reads: 0,
                writes: 0,
                disabled: false,
                description: Arc::downgrade(&target),
            });
            drop(entries);
            // A thread already waiting on this instance looks at the new entry.
            crate::readiness::changed();
            Ok(0)
        }
        (EPOLL_CTL_MOD, Some(index), Some(event)) => {
            let entry = &mut entries[index];
            entry.events = event.events;
            entry.data = event.data;
            entry.reported = 0;
            entry.disabled = false;
            drop(entries);
            // Re-armed (EPOLLONESHOT) or asking for more: a waiting thread looks again.
            crate::readiness::changed();
            Ok(0)
        }
        (EPOLL_CTL_DEL, Some(index), _) => {
            entries.remove(index);
            Ok(0)
        }
        (EPOLL_CTL_MOD | EPOLL_CTL_DEL, None, _) => Err(Errno::ENOENT),
        _ => Err(Errno::EINVAL),
    }
}

/// `epoll_wait(epfd, events, max, timeout_ms)` (and `epoll_pwait`, whose signal mask is
/// accepted: signals are not delivered).
pub fn wait(epfd: u64, out: u64, max: u64, timeout: i32) -> Result<u64, Errno> {
    let max = max as i32;
    if max <= 0 || max as u64 > EPOLL_MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    let instance = instance(epfd)?;
    let Object::Epoll(epoll) = &instance.object else { return Err(Errno::EINVAL) };
    // What the program wrote since it last waited leaves now, in one pass.
    crate::sockets::send_queued();
    // The array must be writable before anything is reported (nothing lost to EFAULT): as far
    // as events could be found, which the interest list bounds, checked by rewriting what is
    // there in small pieces (nothing the program has is changed, nothing big is allocated).
    let listed = epoll.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len();
    let mut checked = 0;
    let room = (max as usize).min(listed.max(1)) * EPOLL_EVENT_SIZE;
    while checked < room {
        let piece = (room - checked).min(4096);
        let bytes = user::read(out + checked as u64, piece)?;
        user::write(out + checked as u64, &bytes)?;
        checked += piece;
    }
    let deadline = (timeout >= 0).then(|| process::now_nanoseconds() + timeout as u64 * 1_000_000);
    let mut waiter = crate::readiness::Waiter::new();
    loop {
        let seen = waiter.look();
        let found = collect(epoll, max as usize);
        if !found.is_empty() || deadline.is_some_and(|deadline| process::now_nanoseconds() >= deadline) {
            let mut bytes = Vec::with_capacity(found.len() * EPOLL_EVENT_SIZE);
            for event in &found {
                bytes.extend_from_slice(&event.encode());
            }
            user::write(out, &bytes)?;
            return Ok(found.len() as u64);
        }
        waiter.park(seen, deadline);
    }
}

/// The ready entries' events, up to `max`, updating edge and one-shot state.
fn collect(epoll: &Epoll, max: usize) -> Vec<EpollEvent> {
    let mut entries = epoll.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut found = Vec::new();
    let mut closed = Vec::new();
    let mut reported = Vec::new();
    for (index, entry) in entries.iter_mut().enumerate() {
        if found.len() == max {
            break;
        }
        let (ready, reads, writes) = match process::with(|process| Ok(process.files.get(entry.fd)?.clone())) {
            Ok(description) if lists(entry, &description) => (
                files::object_readiness(&description),
                description.reads.load(core::sync::atomic::Ordering::Relaxed),
                description.writes.load(core::sync::atomic::Ordering::Relaxed),
            ),
            _ => {
                closed.push(index);
                continue;
            }
        };
        let events =
            epoll_events(entry.events, ready.readable, ready.writable, ready.read_closed, ready.hung_up, ready.error);
        if entry.disabled {
            continue;
        }
        let report = if entry.events & EPOLLET != 0 {
            // Newly ready for something; or still readable after the program read (until
            // EAGAIN, and more came before this look) or wrote (an eventfd written again, as
            // mio's waker is, while still readable: Linux wakes its readers at every write);
            // or still writable after it wrote. A read says nothing new about room to write.
            let new = events & !entry.reported != 0
                || (events & READ_EVENTS != 0 && (reads != entry.reads || writes != entry.writes))
                || (events & WRITE_EVENTS != 0 && writes != entry.writes);
            entry.reported = events;
            if new {
                entry.reads = reads;
                entry.writes = writes;
            }
            new
        } else {
            events != 0
        };
        if report {
            found.push(EpollEvent { events, data: entry.data });
            reported.push(index);
            if entry.events & EPOLLONESHOT != 0 {
                entry.disabled = true;
            }
        }
    }
    // Reported entries go to the back, as on Linux: a descriptor that stays ready cannot hide
    // the others from a small `maxevents`.
    let mut kept = Vec::with_capacity(entries.len());
    let mut moved = Vec::new();
    for (index, entry) in entries.drain(..).enumerate() {
        if closed.contains(&index) {
            continue;
        }
        if reported.contains(&index) { moved.push(entry) } else { kept.push(entry) }
    }
    kept.extend(moved);
    *entries = kept;
    found
}

/// `eventfd2(initial, flags)` (`eventfd(initial)` passes no flags).
pub fn create_eventfd(initial: u64, flags: u64) -> Result<u64, Errno> {
    if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let counter = EventFd {
        count: Mutex::new(initial & 0xffff_ffff),
        changed: Condvar::new(),
        semaphore: flags & EFD_SEMAPHORE != 0,
    };
    open(Object::EventFd(counter), flags & EFD_NONBLOCK != 0, flags & EFD_CLOEXEC != 0)
}

impl EventFd {
    fn lock(&self) -> stardust::sync::MutexGuard<'_, u64> {
        self.count.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `read`: 8 bytes, the count (or 1), which is taken.
    pub fn read(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        if count < 8 {
            return Err(Errno::EINVAL);
        }
        let mut value = self.lock();
        while *value == 0 {
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            value = self.changed.wait(value).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let taken = if self.semaphore { 1 } else { *value };
        user::write(buffer, &taken.to_le_bytes())?;
        *value -= taken;
        drop(value);
        self.changed.notify_all();
        crate::readiness::changed();
        Ok(8)
    }

    /// `write`: 8 bytes added to the count (`u64::MAX` is `EINVAL`).
    pub fn write(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        if count < 8 {
            return Err(Errno::EINVAL);
        }
        let mut bytes = [0u8; 8];
        user::read_into(buffer, &mut bytes)?;
        let add = u64::from_le_bytes(bytes);
        if add == u64::MAX {
            return Err(Errno::EINVAL);
        }
        let mut value = self.lock();
        while u64::MAX - 1 - *value < add {
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            value = self.changed.wait(value).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *value += add;
        drop(value);
        self.changed.notify_all();
        crate::readiness::changed();
        Ok(8)
    }

    /// Readable with a count, writable while one more fits.
    pub fn readiness(&self) -> Ready {
        let value = *self.lock();
        Ready { readable: value > 0, writable: value < u64::MAX - 1, ..Ready::default() }
    }
}
