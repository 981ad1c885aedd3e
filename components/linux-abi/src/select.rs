//! `select`/`pselect6`: descriptor bitmaps (`fd_set`) to and from `poll` entries, as Linux
//! maps them (fs/select.c): a descriptor is readable for select when poll says POLLIN, POLLHUP
//! or POLLERR, writable on POLLOUT or POLLERR, exceptional on POLLPRI.

use crate::{Errno, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, PollEntry};
use alloc::vec::Vec;

/// The most descriptors an `fd_set` holds (glibc's and musl's `FD_SETSIZE`).
pub const FD_SETSIZE: u64 = 1024;

/// How many bytes of an `fd_set` cover descriptors `0..nfds`: whole 64-bit words, as the kernel
/// copies them.
///
/// Errors: `EINVAL` when `nfds` is negative (a huge register) or above [`FD_SETSIZE`].
pub fn fd_set_bytes(nfds: u64) -> Result<usize, Errno> {
    if nfds > FD_SETSIZE {
        return Err(Errno::EINVAL);
    }
    Ok(nfds.div_ceil(64) as usize * 8)
}

/// The descriptors below `nfds` set in an `fd_set`'s bytes (missing bytes: none set).
pub fn decode_fd_set(bytes: &[u8], nfds: u64) -> Vec<i32> {
    (0..nfds.min(FD_SETSIZE) as usize)
        .filter(|&fd| bytes.get(fd / 8).is_some_and(|byte| byte & (1 << (fd % 8)) != 0))
        .map(|fd| fd as i32)
        .collect()
}

/// The bytes of an `fd_set` with `fds` set, `fd_set_bytes(nfds)` long.
pub fn encode_fd_set(fds: &[i32], nfds: u64) -> Vec<u8> {
    let mut bytes = alloc::vec![0u8; nfds.min(FD_SETSIZE).div_ceil(64) as usize * 8];
    for &fd in fds {
        if let Some(byte) = usize::try_from(fd).ok().and_then(|fd| bytes.get_mut(fd / 8)) {
            *byte |= 1 << (fd % 8);
        }
    }
    bytes
}

/// One poll entry per descriptor in any of the three sets, asking for what the sets ask.
pub fn select_entries(read: &[i32], write: &[i32], except: &[i32]) -> Vec<PollEntry> {
    let mut entries: Vec<PollEntry> = Vec::new();
    for (fds, events) in [(read, POLLIN), (write, POLLOUT), (except, POLLPRI)] {
        for &fd in fds {
            match entries.iter_mut().find(|entry| entry.fd == fd) {
                Some(entry) => entry.events |= events,
                None => entries.push(PollEntry { fd, events, returned_events: 0 }),
            }
        }
    }
    entries.sort_by_key(|entry| entry.fd);
    entries
}

/// What `select` reports from polled entries: the ready descriptors of each set and their
/// count (a descriptor in two sets counts twice, as Linux counts).
///
/// Errors: `EBADF` when an entry's descriptor is not open.
#[allow(clippy::type_complexity)]
pub fn select_results(entries: &[PollEntry]) -> Result<(Vec<i32>, Vec<i32>, Vec<i32>, u64), Errno> {
    let (mut read, mut write, mut except) = (Vec::new(), Vec::new(), Vec::new());
    for entry in entries {
        let got = entry.returned_events;
        if got & POLLNVAL != 0 {
            return Err(Errno::EBADF);
        }
        if entry.events & POLLIN != 0 && got & (POLLIN | POLLHUP | POLLERR) != 0 {
            read.push(entry.fd);
        }
        if entry.events & POLLOUT != 0 && got & (POLLOUT | POLLERR) != 0 {
            write.push(entry.fd);
        }
        if entry.events & POLLPRI != 0 && got & POLLPRI != 0 {
            except.push(entry.fd);
        }
    }
    let count = (read.len() + write.len() + except.len()) as u64;
    Ok((read, write, except, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_sets_round_trip_in_whole_words() {
        assert_eq!(fd_set_bytes(0), Ok(0));
        assert_eq!(fd_set_bytes(1), Ok(8));
        assert_eq!(fd_set_bytes(65), Ok(16));
        assert_eq!(fd_set_bytes(1024), Ok(128));
        assert_eq!(fd_set_bytes(1025), Err(Errno::EINVAL));
        assert_eq!(fd_set_bytes(u64::MAX), Err(Errno::EINVAL), "a negative int");
        let bytes = encode_fd_set(&[0, 3, 64, 70], 71);
        assert_eq!(bytes.len(), 16);
        assert_eq!(decode_fd_set(&bytes, 71), [0, 3, 64, 70]);
        assert_eq!(decode_fd_set(&bytes, 64), [0, 3], "bits at or above nfds are not asked about");
        assert_eq!(decode_fd_set(&[], 10), [] as [i32; 0]);
    }

    #[test]
    fn select_maps_to_poll_and_back_as_linux_does() {
        let entries = select_entries(&[4, 0], &[4, 7], &[9]);
        assert_eq!(
            entries,
            [
                PollEntry { fd: 0, events: POLLIN, returned_events: 0 },
                PollEntry { fd: 4, events: POLLIN | POLLOUT, returned_events: 0 },
                PollEntry { fd: 7, events: POLLOUT, returned_events: 0 },
                PollEntry { fd: 9, events: POLLPRI, returned_events: 0 },
            ]
        );
        let mut polled = entries.clone();
        polled[0].returned_events = POLLHUP;
        polled[1].returned_events = POLLIN | POLLOUT;
        polled[2].returned_events = POLLERR;
        assert_eq!(select_results(&polled), Ok((vec![0, 4], vec![4, 7], vec![], 4)));
        polled[3].returned_events = POLLNVAL;
        assert_eq!(select_results(&polled), Err(Errno::EBADF));
    }
}
