//! A file system in RAM: the root of every image, and a fast scratch space.
//!
//! Nodes live in an arena; a directory maps names to node numbers. A file removed while open
//! stays readable and writable through its handles (as on POSIX) and is freed at the last close.
//! Its size is limited only by the heap: running out is [`FsError::NoSpace`] (with
//! `try_reserve`), never an out-of-memory stop.

use crate::path::split_last;
use crate::{
    DirEntry, FileSystem, FileType, FsError, Handle, HandleSlots, Metadata, OpenOptions, Result, SeekFrom, Slots,
};
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The largest file, in bytes (a bound on what one `write` may ask the heap for).
pub const MAX_FILE: u64 = 1 << 32;

enum Node {
    File { data: Vec<u8>, linked: bool, modified: Option<u64> },
    Directory { entries: BTreeMap<String, usize>, modified: Option<u64> },
}

struct Open {
    node: usize,
    position: u64,
    options: OpenOptions,
}

/// A RAM file system (starts with an empty root directory).
pub struct RamFs {
    nodes: Slots<Node>,
    open: Slots<Open>,
}

const ROOT: usize = 0;

impl Default for RamFs {
    fn default() -> Self {
        Self::new()
    }
}

impl RamFs {
    pub fn new() -> RamFs {
        let mut nodes = Slots::new();
        let root = nodes.insert(Node::Directory { entries: BTreeMap::new(), modified: crate::clock::now() });
        debug_assert_eq!(root, ROOT);
        RamFs { nodes, open: Slots::new() }
    }

    fn node(&self, id: usize) -> &Node {
        self.nodes.get(id).expect("live node")
    }

    fn entries(&self, id: usize) -> Result<&BTreeMap<String, usize>> {
        match self.node(id) {
            Node::Directory { entries, .. } => Ok(entries),
            Node::File { .. } => Err(FsError::NotADirectory),
        }
    }

    fn entries_mut(&mut self, id: usize) -> Result<&mut BTreeMap<String, usize>> {
        match self.nodes.get_mut(id).expect("live node") {
            Node::Directory { entries, .. } => Ok(entries),
            Node::File { .. } => Err(FsError::NotADirectory),
        }
    }

    /// The node at a normalized path.
    fn lookup(&self, path: &str) -> Result<usize> {
        let mut id = ROOT;
        if path.is_empty() {
            return Ok(id);
        }
        for name in path.split('/') {
            id = *self.entries(id)?.get(name).ok_or(FsError::NotFound)?;
        }
        Ok(id)
    }

    /// The parent directory of a normalized path, and the last name; for the root (which has
    /// none), `at_root`.
    fn parent<'p>(&self, path: &'p str, at_root: FsError) -> Result<(usize, &'p str)> {
        if path.is_empty() {
            return Err(at_root);
        }
        let (parent, name) = split_last(path);
        let id = self.lookup(parent)?;
        self.entries(id)?;
        Ok((id, name))
    }

    fn is_open(&self, id: usize) -> bool {
        self.open.iter().any(|open| open.node == id)
    }

    fn data(&mut self, node: usize) -> &mut Vec<u8> {
        match self.nodes.get_mut(node).expect("open node is live") {
            Node::File { data, .. } => data,
            Node::Directory { .. } => unreachable!("handles name files"),
        }
    }

    /// Stamps a file's contents as changed now (nothing without a clock, see [`crate::set_clock`]).
    fn touch(&mut self, node: usize) {
        if let Some(Node::File { modified, .. }) = self.nodes.get_mut(node) {
            *modified = crate::clock::now();
        }
    }

    fn metadata_of(&self, id: usize) -> Metadata {
        match self.node(id) {
            Node::File { data, modified, .. } => {
                Metadata { file_type: FileType::File, len: data.len() as u64, modified: *modified }
            }
            Node::Directory { modified, .. } => {
                Metadata { file_type: FileType::Directory, len: 0, modified: *modified }
            }
        }
    }

    /// Frees a file that is unlinked and no longer open.
    fn release(&mut self, id: usize) {
        if matches!(self.node(id), Node::File { linked: false, .. }) && !self.is_open(id) {
            self.nodes.remove(id);
        }
    }

    /// Drops the entry `name` of `parent` (a file or an empty directory).
    fn unlink(&mut self, parent: usize, name: &str) {
        let id = self.entries_mut(parent).expect("parent is a directory").remove(name).expect("entry exists");
        match self.nodes.get_mut(id).expect("live node") {
            Node::File { linked, .. } => {
                *linked = false;
                self.release(id);
            }
            Node::Directory { .. } => {
                self.nodes.remove(id);
            }
        }
    }

    /// Resizes a file's data, reporting a heap that cannot grow as `NoSpace`.
    fn resize(data: &mut Vec<u8>, len: u64) -> Result<()> {
        if len > MAX_FILE {
            return Err(FsError::NoSpace);
        }
        let len = len as usize;
        if len > data.len() {
            data.try_reserve(len - data.len()).map_err(|_| FsError::NoSpace)?;
        }
        data.resize(len, 0);
        Ok(())
    }
}

impl FileSystem for RamFs {
    fn open(&mut self, path: &str, options: OpenOptions) -> Result<Handle> {
        options.check()?;
        let (parent, name) = self.parent(path, FsError::IsADirectory)?;
        let node = match self.entries(parent)?.get(name).copied() {
            Some(_) if options.create_new => return Err(FsError::AlreadyExists),
            Some(id) => {
                if let Node::Directory { .. } = self.node(id) {
                    return Err(FsError::IsADirectory);
                }
                if options.truncate {
                    self.data(id).clear();
                    self.touch(id);
                }
                id
            }
            None if options.create || options.create_new => {
                let id =
                    self.nodes.insert(Node::File { data: Vec::new(), linked: true, modified: crate::clock::now() });
                self.entries_mut(parent)?.insert(name.to_string(), id);
                id
            }
            None => return Err(FsError::NotFound),
        };
        Ok(self.open.insert_handle(Open { node, position: 0, options }))
    }

    fn close(&mut self, handle: Handle) -> Result<()> {
        let node = self.open.remove_handle(handle)?.node;
        self.release(node);
        Ok(())
    }

    fn read(&mut self, handle: Handle, buffer: &mut [u8]) -> Result<usize> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.read {
            return Err(FsError::BadHandle);
        }
        let (node, position) = (open.node, open.position);
        let data = self.data(node);
        let start = position.min(data.len() as u64) as usize;
        let count = buffer.len().min(data.len() - start);
        buffer[..count].copy_from_slice(&data[start..start + count]);
        self.open.handle_mut(handle)?.position += count as u64;
        Ok(count)
    }

    fn write(&mut self, handle: Handle, bytes: &[u8]) -> Result<usize> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.writes() {
            return Err(FsError::BadHandle);
        }
        let (node, append, position) = (open.node, open.options.append, open.position);
        let data = self.data(node);
        let start = if append { data.len() as u64 } else { position };
        let end = start.checked_add(bytes.len() as u64).ok_or(FsError::NoSpace)?;
        if end > data.len() as u64 {
            Self::resize(data, end)?;
        }
        data[start as usize..end as usize].copy_from_slice(bytes);
        self.touch(node);
        self.open.handle_mut(handle)?.position = end;
        Ok(bytes.len())
    }

    fn seek(&mut self, handle: Handle, position: SeekFrom) -> Result<u64> {
        let open = self.open.handle_mut(handle)?;
        let node = open.node;
        let current = open.position;
        let len = self.data(node).len() as u64;
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(offset) => len.checked_add_signed(offset),
            SeekFrom::Current(offset) => current.checked_add_signed(offset),
        }
        .ok_or(FsError::InvalidInput("seek before the start of the file"))?;
        self.open.handle_mut(handle)?.position = target;
        Ok(target)
    }

    fn flush(&mut self, handle: Handle) -> Result<()> {
        self.open.handle_mut(handle).map(|_| ())
    }

    fn set_len(&mut self, handle: Handle, len: u64) -> Result<()> {
        let open = self.open.handle_mut(handle)?;
        if !open.options.writes() {
            return Err(FsError::BadHandle);
        }
        let node = open.node;
        Self::resize(self.data(node), len)?;
        self.touch(node);
        Ok(())
    }

    fn handle_metadata(&mut self, handle: Handle) -> Result<Metadata> {
        let node = self.open.handle_mut(handle)?.node;
        Ok(self.metadata_of(node))
    }

    fn metadata(&mut self, path: &str) -> Result<Metadata> {
        let id = self.lookup(path)?;
        Ok(self.metadata_of(id))
    }

    fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        let id = self.lookup(path)?;
        let entries = self.entries(id)?;
        Ok(entries.iter().map(|(name, &id)| DirEntry { name: name.clone(), metadata: self.metadata_of(id) }).collect())
    }

    fn create_dir(&mut self, path: &str) -> Result<()> {
        let (parent, name) = self.parent(path, FsError::AlreadyExists)?;
        if self.entries(parent)?.contains_key(name) {
            return Err(FsError::AlreadyExists);
        }
        let id = self.nodes.insert(Node::Directory { entries: BTreeMap::new(), modified: crate::clock::now() });
        self.entries_mut(parent)?.insert(name.to_string(), id);
        Ok(())
    }

    fn remove_file(&mut self, path: &str) -> Result<()> {
        let (parent, name) = self.parent(path, FsError::IsADirectory)?;
        let id = *self.entries(parent)?.get(name).ok_or(FsError::NotFound)?;
        if let Node::Directory { .. } = self.node(id) {
            return Err(FsError::IsADirectory);
        }
        self.unlink(parent, name);
        Ok(())
    }

    fn remove_dir(&mut self, path: &str) -> Result<()> {
        let (parent, name) = self.parent(path, FsError::Busy)?;
        let id = *self.entries(parent)?.get(name).ok_or(FsError::NotFound)?;
        if !self.entries(id)?.is_empty() {
            return Err(FsError::DirectoryNotEmpty);
        }
        self.unlink(parent, name);
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let (from_parent, from_name) = self.parent(from, FsError::Busy)?;
        let id = *self.entries(from_parent)?.get(from_name).ok_or(FsError::NotFound)?;
        let (to_parent, to_name) = self.parent(to, FsError::Busy)?;
        let is_dir = matches!(self.node(id), Node::Directory { .. });
        if is_dir && crate::path::is_within(to, from) && to != from {
            return Err(FsError::InvalidInput("cannot move a directory into itself"));
        }
        if let Some(&existing) = self.entries(to_parent)?.get(to_name) {
            if existing == id {
                return Ok(());
            }
            match (is_dir, self.node(existing)) {
                (false, Node::Directory { .. }) => return Err(FsError::IsADirectory),
                (true, Node::File { .. }) => return Err(FsError::NotADirectory),
                (true, Node::Directory { entries, .. }) if !entries.is_empty() => {
                    return Err(FsError::DirectoryNotEmpty);
                }
                _ => self.unlink(to_parent, to_name),
            }
        }
        self.entries_mut(from_parent)?.remove(from_name);
        self.entries_mut(to_parent)?.insert(to_name.to_string(), id);
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "ramfs"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conforms_to_the_contract() {
        crate::conformance::run(&mut || RamFs::new());
    }

    #[test]
    fn files_carry_the_time_of_their_last_change() {
        use core::sync::atomic::{AtomicU64, Ordering};
        static NOW: AtomicU64 = AtomicU64::new(1_800_000_000);
        crate::set_clock(|| NOW.load(Ordering::Relaxed));
        let mut fs = RamFs::new();
        fs.create_dir("d").unwrap();
        crate::conformance::write_file(&mut fs, "d/f", b"one").unwrap();
        assert_eq!(fs.metadata("d").unwrap().modified, Some(1_800_000_000), "a directory: when it was made");
        NOW.store(1_800_000_100, Ordering::Relaxed);
        let handle = fs.open("d/f", OpenOptions { read: true, ..OpenOptions::default() }).unwrap();
        let mut buffer = [0u8; 8];
        fs.read(handle, &mut buffer).unwrap();
        assert_eq!(fs.handle_metadata(handle).unwrap().modified, Some(1_800_000_000), "reading changes nothing");
        fs.close(handle).unwrap();
        let handle = fs.open("d/f", OpenOptions { write: true, ..OpenOptions::default() }).unwrap();
        fs.write(handle, b"two").unwrap();
        assert_eq!(fs.handle_metadata(handle).unwrap().modified, Some(1_800_000_100));
        NOW.store(1_800_000_200, Ordering::Relaxed);
        fs.set_len(handle, 1).unwrap();
        fs.close(handle).unwrap();
        assert_eq!(fs.metadata("d/f").unwrap().modified, Some(1_800_000_200), "a truncation is a change");
    }

    #[test]
    fn a_removed_open_file_lives_until_closed() {
        let mut fs = RamFs::new();
        let options = OpenOptions { read: true, write: true, create: true, ..OpenOptions::default() };
        let handle = fs.open("f", options).unwrap();
        fs.write(handle, b"kept").unwrap();
        fs.remove_file("f").unwrap();
        assert_eq!(fs.metadata("f"), Err(FsError::NotFound));
        fs.seek(handle, SeekFrom::Start(0)).unwrap();
        let mut buffer = [0u8; 8];
        assert_eq!(fs.read(handle, &mut buffer).unwrap(), 4);
        fs.close(handle).unwrap();
        assert_eq!(fs.nodes.iter().count(), 1, "only the root is left");
    }

    #[test]
    fn a_huge_file_is_no_space_not_a_crash() {
        let mut fs = RamFs::new();
        let options = OpenOptions { write: true, create: true, ..OpenOptions::default() };
        let handle = fs.open("big", options).unwrap();
        assert_eq!(fs.set_len(handle, MAX_FILE + 1), Err(FsError::NoSpace));
        fs.seek(handle, SeekFrom::Start(u64::MAX - 1)).unwrap();
        assert_eq!(fs.write(handle, b"xy"), Err(FsError::NoSpace));
    }
}
