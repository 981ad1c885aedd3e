//! [`ReadCache`]: remembers a file system's answers to small positioned reads and to
//! `metadata`, for file systems where every call is expensive (a FAT volume reached through
//! its own thread: two context switches and copies per call).
//!
//! What it is for: a program that reads the same few bytes and asks about the same paths again
//! and again while nothing changes. SQLite does, at the start of every transaction: it reads
//! its database's change counter (16 bytes at offset 24) and asks whether a journal exists.
//!
//! Coherence: every call to the file system goes through this wrapper (it owns it), so it
//! knows every change. Anything that can change a file's bytes, size, time or a name (write,
//! write_at, set_len, an open that may create or truncate, create_dir, remove_file, remove_dir,
//! rename) forgets everything first; closing a handle forgets that handle's blocks (its number
//! may be given to another file) and every `metadata` answer (a file system may write a file's
//! size or time back only then). Reads, seeks, flushes and syncs change nothing it keeps.
//! What it keeps: up to [`BLOCKS`] blocks of [`BLOCK`] bytes (read whole, so a short block is
//! the file's end) and up to [`PATHS`] answers to `metadata` (found, or NotFound; other errors
//! are not kept).

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::{DirEntry, FileSystem, FsError, Handle, Metadata, OpenOptions, Result, SeekFrom};

/// The bytes of one cached block: reads of at most this many bytes within one block are kept.
pub const BLOCK: usize = 512;
/// Blocks kept (2 KiB in all); the oldest goes first.
pub const BLOCKS: usize = 4;
/// `metadata` answers kept; the oldest goes first.
pub const PATHS: usize = 16;

struct Block {
    handle: Handle,
    start: u64,
    /// Shorter than BLOCK only where the file ends.
    data: Vec<u8>,
}

/// A file system with a small read cache in front (see the module's description).
pub struct ReadCache<F> {
    inner: F,
    blocks: Vec<Block>,
    paths: Vec<(String, Result<Metadata>)>,
}

impl<F: FileSystem> ReadCache<F> {
    pub fn new(inner: F) -> ReadCache<F> {
        ReadCache { inner, blocks: Vec::new(), paths: Vec::new() }
    }

    /// Forgets everything: something may change.
    fn forget(&mut self) {
        self.blocks.clear();
        self.paths.clear();
    }

    /// The block of `handle` starting at `start`, read whole on a miss.
    fn block(&mut self, handle: Handle, start: u64) -> Result<&Block> {
        let found = self.blocks.iter().position(|block| block.handle == handle && block.start == start);
        let at = match found {
            Some(at) => at,
            None => {
                let mut data = vec![0u8; BLOCK];
                let mut filled = 0;
                while filled < BLOCK {
                    let count = self.inner.read_at(handle, start + filled as u64, &mut data[filled..])?;
                    if count == 0 {
                        break;
                    }
                    filled += count;
                }
                data.truncate(filled);
                if self.blocks.len() == BLOCKS {
                    self.blocks.remove(0);
                }
                self.blocks.push(Block { handle, start, data });
                self.blocks.len() - 1
            }
        };
        Ok(&self.blocks[at])
    }
}

impl<F: FileSystem> FileSystem for ReadCache<F> {
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle> {
        if options.truncate || options.create || options.create_new {
            self.forget();
        }
        self.inner.open(path, options)
    }
    fn close(&mut self, handle: Handle) -> Result<()> {
        // A file system may write a file's size or time back only when it closes.
        self.blocks.retain(|block| block.handle != handle);
        self.paths.clear();
        self.inner.close(handle)
    }
    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize> {
        self.inner.read(handle, buffer)
    }
    fn write(&mut self, handle: Handle, data: &[u8]) -> Result<usize> {
        self.forget();
        self.inner.write(handle, data)
    }
    fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64> {
        self.inner.seek(handle, position)
    }
    fn read_at(&mut self, handle: Handle, offset: u64, buffer: &mut [u8]) -> Result<usize> {
        let start = offset - offset % BLOCK as u64;
        let within = (offset - start) as usize;
        if buffer.is_empty() || within + buffer.len() > BLOCK {
            return self.inner.read_at(handle, offset, buffer);
        }
        let block = self.block(handle, start)?;
        let available = block.data.get(within..).unwrap_or(&[]);
        let count = available.len().min(buffer.len());
        buffer[..count].copy_from_slice(&available[..count]);
        Ok(count)
    }
    fn write_at(&mut self, handle: Handle, offset: u64, data: &[u8]) -> Result<usize> {
        self.forget();
        self.inner.write_at(handle, offset, data)
    }
    fn flush(&mut self, handle: Handle) -> Result<()> {
        self.inner.flush(handle)
    }
    fn set_len(&mut self, handle: Handle, len: u64) -> Result<()> {
        self.forget();
        self.inner.set_len(handle, len)
    }
    fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata> {
        self.inner.handle_metadata(handle)
    }
    fn metadata(&mut self, path: &str) -> Result<Metadata> {
        if let Some((_, answer)) = self.paths.iter().find(|(known, _)| known == path) {
            return *answer;
        }
        let answer = self.inner.metadata(path);
        if matches!(answer, Ok(_) | Err(FsError::NotFound)) {
            if self.paths.len() == PATHS {
                drop(self.paths.remove(0));
            }
            self.paths.push((String::from(path), answer));
        }
        answer
    }
    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        self.inner.read_dir(path)
    }
    fn create_dir(&mut self, path: &str) -> Result<()> {
        self.forget();
        self.inner.create_dir(path)
    }
    fn remove_file(&mut self, path: &str) -> Result<()> {
        self.forget();
        self.inner.remove_file(path)
    }
    fn remove_dir(&mut self, path: &str) -> Result<()> {
        self.forget();
        self.inner.remove_dir(path)
    }
    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.forget();
        self.inner.rename(from, to)
    }
    fn sync(&mut self) -> Result<()> {
        self.inner.sync()
    }
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RamFs;
    use alloc::format;
    use proptest::prelude::*;

    #[test]
    fn conforms_to_the_contract() {
        crate::conformance::run(&mut || ReadCache::new(RamFs::new()));
    }

    /// Counts the calls that reach the file system underneath.
    struct Counting {
        inner: RamFs,
        reads: usize,
        lookups: usize,
    }

    impl FileSystem for Counting {
        fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle> {
            self.inner.open(path, options)
        }
        fn close(&mut self, handle: Handle) -> Result<()> {
            self.inner.close(handle)
        }
        fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize> {
            self.inner.read(handle, buffer)
        }
        fn write(&mut self, handle: Handle, data: &[u8]) -> Result<usize> {
            self.inner.write(handle, data)
        }
        fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64> {
            self.inner.seek(handle, position)
        }
        fn read_at(&mut self, handle: Handle, offset: u64, buffer: &mut [u8]) -> Result<usize> {
            self.reads += 1;
            self.inner.read_at(handle, offset, buffer)
        }
        fn flush(&mut self, handle: Handle) -> Result<()> {
            self.inner.flush(handle)
        }
        fn set_len(&mut self, handle: Handle, len: u64) -> Result<()> {
            self.inner.set_len(handle, len)
        }
        fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata> {
            self.inner.handle_metadata(handle)
        }
        fn metadata(&mut self, path: &str) -> Result<Metadata> {
            self.lookups += 1;
            self.inner.metadata(path)
        }
        fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
            self.inner.read_dir(path)
        }
        fn create_dir(&mut self, path: &str) -> Result<()> {
            self.inner.create_dir(path)
        }
        fn remove_file(&mut self, path: &str) -> Result<()> {
            self.inner.remove_file(path)
        }
        fn remove_dir(&mut self, path: &str) -> Result<()> {
            self.inner.remove_dir(path)
        }
        fn rename(&mut self, from: &str, to: &str) -> Result<()> {
            self.inner.rename(from, to)
        }
        fn sync(&mut self) -> Result<()> {
            self.inner.sync()
        }
        fn kind(&self) -> &'static str {
            "counting"
        }
    }

    const READ_WRITE: OpenOptions =
        OpenOptions { read: true, write: true, create: true, append: false, truncate: false, create_new: false };

    #[test]
    fn repeated_small_reads_and_lookups_are_answered_here_until_a_change() {
        let mut fs = ReadCache::new(Counting { inner: RamFs::new(), reads: 0, lookups: 0 });
        let handle = fs.open("db", READ_WRITE).unwrap();
        fs.write(handle, &[7u8; 1000]).unwrap();
        let mut header = [0u8; 16];
        for _ in 0..10 {
            assert_eq!(fs.read_at(handle, 24, &mut header).unwrap(), 16);
            assert_eq!(fs.metadata("db-journal"), Err(FsError::NotFound));
        }
        assert_eq!((fs.inner.reads, fs.inner.lookups), (1, 1), "one read and one lookup underneath");
        // A change anywhere is seen at once.
        fs.write_at(handle, 30, &[9]).unwrap();
        fs.read_at(handle, 24, &mut header).unwrap();
        assert_eq!(header[6], 9);
        let journal = fs.open("db-journal", READ_WRITE).unwrap();
        assert!(fs.metadata("db-journal").unwrap().is_file());
        fs.close(journal).unwrap();
        // The file's end inside a block: a read past it gets what is there, then 0.
        let mut tail = [0u8; 100];
        assert_eq!(fs.read_at(handle, 950, &mut tail).unwrap(), 50);
        assert_eq!(fs.read_at(handle, 1000, &mut tail).unwrap(), 0);
        // A read across blocks, or longer than one, goes underneath.
        let reads = fs.inner.reads;
        let mut long = [0u8; 600];
        assert_eq!(fs.read_at(handle, 0, &mut long).unwrap(), 600);
        assert_eq!(fs.read_at(handle, 500, &mut header).unwrap(), 16);
        assert_eq!(fs.inner.reads, reads + 2);
    }

    #[test]
    fn a_closed_handles_blocks_do_not_answer_for_the_file_that_reuses_its_number() {
        let mut fs = ReadCache::new(RamFs::new());
        let a = fs.open("a", READ_WRITE).unwrap();
        fs.write(a, b"aaaa").unwrap();
        let mut buffer = [0u8; 4];
        fs.read_at(a, 0, &mut buffer).unwrap();
        fs.close(a).unwrap();
        let b = fs.open("b", READ_WRITE).unwrap();
        fs.close(b).unwrap();
        let b = fs.open("b", OpenOptions { read: true, ..OpenOptions::default() }).unwrap();
        assert_eq!(fs.read_at(b, 0, &mut buffer).unwrap(), 0, "b is empty, whatever its number");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Open(u8, bool),
        Close(u8),
        Write(u8, u16, u8),
        ReadAt(u8, u16, u16),
        SetLen(u8, u16),
        Metadata(u8),
        Remove(u8),
        Rename(u8, u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..3, any::<bool>()).prop_map(|(f, t)| Op::Open(f, t)),
            (0u8..4).prop_map(Op::Close),
            (0u8..4, 0u16..1200, 1u8..200).prop_map(|(h, o, n)| Op::Write(h, o, n)),
            (0u8..4, 0u16..1200, 0u16..700).prop_map(|(h, o, n)| Op::ReadAt(h, o, n)),
            (0u8..4, 0u16..1200).prop_map(|(h, l)| Op::SetLen(h, l)),
            (0u8..3).prop_map(Op::Metadata),
            (0u8..3).prop_map(Op::Remove),
            (0u8..3, 0u8..3).prop_map(|(a, b)| Op::Rename(a, b)),
        ]
    }

    fn apply(fs: &mut dyn FileSystem, handles: &mut Vec<Handle>, op: &Op) -> String {
        let name = |f: u8| format!("f{f}");
        let handle = |handles: &Vec<Handle>, h: u8| handles.get(h as usize).copied().unwrap_or(Handle(99));
        match *op {
            Op::Open(f, truncate) => {
                let result = fs.open(&name(f), OpenOptions { truncate, ..READ_WRITE });
                if let Ok(handle) = result {
                    handles.push(handle);
                }
                format!("{result:?}")
            }
            Op::Close(h) => format!("{:?}", fs.close(handle(handles, h))),
            Op::Write(h, offset, len) => {
                let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(offset as u8 | 1)).collect();
                format!("{:?}", fs.write_at(handle(handles, h), offset as u64, &data))
            }
            Op::ReadAt(h, offset, len) => {
                let mut buffer = vec![0u8; len as usize];
                let result = fs.read_at(handle(handles, h), offset as u64, &mut buffer);
                let count = *result.as_ref().unwrap_or(&0);
                format!("{result:?} {:?}", &buffer[..count])
            }
            Op::SetLen(h, len) => format!("{:?}", fs.set_len(handle(handles, h), len as u64)),
            Op::Metadata(f) => format!("{:?}", fs.metadata(&name(f)).map(|m| (m.file_type, m.len))),
            Op::Remove(f) => format!("{:?}", fs.remove_file(&name(f))),
            Op::Rename(a, b) => format!("{:?}", fs.rename(&name(a), &name(b))),
        }
    }

    proptest! {
        /// Any sequence of calls answers exactly as the file system alone does.
        #[test]
        fn answers_as_the_file_system_alone(ops in proptest::collection::vec(op(), 1..80)) {
            let mut plain = RamFs::new();
            let mut cached = ReadCache::new(RamFs::new());
            let (mut plain_handles, mut cached_handles) = (Vec::new(), Vec::new());
            for op in &ops {
                let expected = apply(&mut plain, &mut plain_handles, op);
                let got = apply(&mut cached, &mut cached_handles, op);
                prop_assert_eq!(got, expected, "{:?}", op);
            }
        }
    }
}
