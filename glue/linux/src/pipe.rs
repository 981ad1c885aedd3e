//! Pipes (`pipe`, `pipe2`): a 64 KiB buffer between a read end and a write end, with Linux's
//! rules: a read waits for data and sees end of file once every write end is closed; a write
//! waits for room and fails with `EPIPE` once every read end is closed (no SIGPIPE is delivered:
//! signals are not); with `O_NONBLOCK` both answer `EAGAIN` instead of waiting; writes of up to
//! `PIPE_BUF` bytes are never split between readers.

use crate::user;
use alloc::collections::VecDeque;
use alloc::vec;
use stardust::sync::{Condvar, Mutex, MutexGuard};
use stardust_linux_abi::Errno;

/// How many bytes a pipe holds (Linux's default, 16 pages).
pub const CAPACITY: usize = 64 * 1024;
/// Writes up to this size are atomic.
const PIPE_BUF: usize = 4096;

struct State {
    bytes: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

/// The buffer both ends share.
pub struct Pipe {
    state: Mutex<State>,
    changed: Condvar,
}

/// One end of a pipe, held by an open file description; dropping the last description of an
/// end closes it.
pub struct End {
    pipe: alloc::sync::Arc<Pipe>,
    writer: bool,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A new pipe: its read end and its write end.
pub fn new() -> (End, End) {
    let pipe = alloc::sync::Arc::new(Pipe {
        state: Mutex::new(State { bytes: VecDeque::new(), readers: 1, writers: 1 }),
        changed: Condvar::new(),
    });
    (End { pipe: alloc::sync::Arc::clone(&pipe), writer: false }, End { pipe, writer: true })
}

impl Drop for End {
    fn drop(&mut self) {
        let mut state = self.pipe.lock();
        if self.writer {
            state.writers -= 1;
        } else {
            state.readers -= 1;
        }
        drop(state);
        self.pipe.changed.notify_all();
        crate::readiness::changed();
    }
}

impl End {
    /// Reads up to `count` bytes into the program's memory at `buffer`.
    pub fn read(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        if self.writer {
            return Err(Errno::EBADF);
        }
        if count == 0 {
            return Ok(0);
        }
        let mut state = self.pipe.lock();
        while state.bytes.is_empty() {
            if state.writers == 0 {
                return Ok(0);
            }
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            state = self.pipe.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let take = count.min(state.bytes.len());
        let chunk: alloc::vec::Vec<u8> = state.bytes.iter().take(take).copied().collect();
        // Copied out before the bytes leave the pipe: a bad buffer loses nothing.
        user::write(buffer, &chunk)?;
        state.bytes.drain(..take);
        drop(state);
        self.pipe.changed.notify_all();
        crate::readiness::changed();
        Ok(take as u64)
    }

    /// Writes `count` bytes from the program's memory at `buffer`, waiting for room.
    pub fn write(&self, buffer: u64, count: usize, nonblocking: bool) -> Result<u64, Errno> {
        if !self.writer {
            return Err(Errno::EBADF);
        }
        let mut done = 0usize;
        while done < count {
            let mut state = self.pipe.lock();
            loop {
                if state.readers == 0 {
                    return if done > 0 { Ok(done as u64) } else { Err(Errno::EPIPE) };
                }
                let room = CAPACITY - state.bytes.len();
                // A small write goes in whole or waits; a large one goes in pieces.
                let needed = if count - done <= PIPE_BUF { count - done } else { 1 };
                if room >= needed {
                    break;
                }
                if nonblocking {
                    return if done > 0 { Ok(done as u64) } else { Err(Errno::EAGAIN) };
                }
                state = self.pipe.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            let room = CAPACITY - state.bytes.len();
            let piece = (count - done).min(room);
            let mut chunk = vec![0u8; piece];
            if let Err(error) = user::read_into(buffer + done as u64, &mut chunk) {
                return if done > 0 { Ok(done as u64) } else { Err(error) };
            }
            state.bytes.extend(chunk);
            done += piece;
            drop(state);
            self.pipe.changed.notify_all();
            crate::readiness::changed();
        }
        Ok(done as u64)
    }

    /// poll's view: readable (data, or no writer left: end of file) for the read end, writable
    /// (room, or no reader left: the write fails at once) for the write end; hang-up when the
    /// other side is gone.
    pub fn readiness(&self) -> (bool, bool, bool) {
        let state = self.pipe.lock();
        if self.writer {
            (false, state.bytes.len() < CAPACITY || state.readers == 0, state.readers == 0)
        } else {
            (!state.bytes.is_empty() || state.writers == 0, false, state.writers == 0)
        }
    }
}
