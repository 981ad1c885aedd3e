//! The mount table: one name space over several file systems.

use crate::path::resolve;
use crate::{DirEntry, FileSystem, FsError, Handle, Metadata, OpenOptions, RamFs, Result, SeekFrom};
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A file open through the VFS: the mount it lives on and that file system's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfsHandle {
    mount: usize,
    handle: Handle,
}

struct Mount {
    /// The normalized absolute mount point (`/` for the root).
    point: String,
    fs: Box<dyn FileSystem + Send>,
}

/// The mount table and the working directory. The root is a [`RamFs`]; more file systems are
/// mounted on directories of it (or of each other).
pub struct Vfs {
    mounts: Vec<Mount>,
    cwd: String,
}

impl Default for Vfs {
    fn default() -> Self {
        Self::new()
    }
}

impl Vfs {
    /// A name space holding an empty RAM root.
    pub fn new() -> Vfs {
        Vfs { mounts: alloc::vec![Mount { point: "/".to_string(), fs: Box::new(RamFs::new()) }], cwd: "/".to_string() }
    }

    /// Resolves a path against the working directory (see [`resolve`]).
    pub fn absolute(&self, path: &str) -> Result<String> {
        resolve(&self.cwd, path)
    }

    /// The mount holding the absolute path, and the path inside it.
    fn locate<'p>(&self, absolute: &'p str) -> (usize, &'p str) {
        let mut best = 0;
        for (index, mount) in self.mounts.iter().enumerate() {
            let inside = mount.point == "/"
                || absolute == mount.point
                || (absolute.starts_with(mount.point.as_str()) && absolute.as_bytes()[mount.point.len()] == b'/');
            if inside && mount.point.len() >= self.mounts[best].point.len() {
                best = index;
            }
        }
        let point = &self.mounts[best].point;
        let rest = if point == "/" { &absolute[1..] } else { &absolute[point.len()..] };
        (best, rest.trim_start_matches('/'))
    }

    fn at(&mut self, path: &str) -> Result<(&mut Box<dyn FileSystem + Send>, String)> {
        let absolute = self.absolute(path)?;
        let (index, inside) = self.locate(&absolute);
        let inside = inside.to_string();
        Ok((&mut self.mounts[index].fs, inside))
    }

    fn is_mount_point(&self, absolute: &str) -> bool {
        absolute != "/" && self.mounts.iter().any(|mount| mount.point == absolute)
    }

    /// Mounts `fs` on the directory `path` (created, with its parents, if missing). A point
    /// already mounted on is [`FsError::Busy`]; a file there is [`FsError::NotADirectory`].
    pub fn mount(&mut self, path: &str, fs: Box<dyn FileSystem + Send>) -> Result<()> {
        let point = self.absolute(path)?;
        if point == "/" || self.is_mount_point(&point) {
            return Err(FsError::Busy);
        }
        self.create_dir_all(&point)?;
        self.mounts.push(Mount { point, fs });
        Ok(())
    }

    /// The mount points with their file systems' kinds, root first.
    pub fn mounts(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.mounts.iter().map(|mount| (mount.point.as_str(), mount.fs.kind()))
    }

    /// Changes the working directory (which must be a directory).
    pub fn set_current_dir(&mut self, path: &str) -> Result<()> {
        let absolute = self.absolute(path)?;
        if !self.metadata(&absolute)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        self.cwd = absolute;
        Ok(())
    }

    /// The working directory.
    pub fn current_dir(&self) -> &str {
        &self.cwd
    }

    pub fn open(&mut self, path: &str, options: OpenOptions) -> Result<VfsHandle> {
        let absolute = self.absolute(path)?;
        let (mount, inside) = self.locate(&absolute);
        let inside = inside.to_string();
        let handle = self.mounts[mount].fs.open(&inside, options)?;
        Ok(VfsHandle { mount, handle })
    }

    fn fs(&mut self, handle: VfsHandle) -> Result<&mut Box<dyn FileSystem + Send>> {
        self.mounts.get_mut(handle.mount).map(|mount| &mut mount.fs).ok_or(FsError::BadHandle)
    }

    pub fn close(&mut self, handle: VfsHandle) -> Result<()> {
        self.fs(handle)?.close(handle.handle)
    }

    pub fn read(&mut self, handle: VfsHandle, buffer: &mut [u8]) -> Result<usize> {
        self.fs(handle)?.read(handle.handle, buffer)
    }

    pub fn write(&mut self, handle: VfsHandle, data: &[u8]) -> Result<usize> {
        self.fs(handle)?.write(handle.handle, data)
    }

    pub fn seek(&mut self, handle: VfsHandle, position: SeekFrom) -> Result<u64> {
        self.fs(handle)?.seek(handle.handle, position)
    }

    pub fn read_at(&mut self, handle: VfsHandle, offset: u64, buffer: &mut [u8]) -> Result<usize> {
        self.fs(handle)?.read_at(handle.handle, offset, buffer)
    }

    pub fn write_at(&mut self, handle: VfsHandle, offset: u64, data: &[u8]) -> Result<usize> {
        self.fs(handle)?.write_at(handle.handle, offset, data)
    }

    pub fn flush(&mut self, handle: VfsHandle) -> Result<()> {
        self.fs(handle)?.flush(handle.handle)
    }

    pub fn set_len(&mut self, handle: VfsHandle, len: u64) -> Result<()> {
        self.fs(handle)?.set_len(handle.handle, len)
    }

    pub fn handle_metadata(&mut self, handle: VfsHandle) -> Result<Metadata> {
        self.fs(handle)?.handle_metadata(handle.handle)
    }

    pub fn metadata(&mut self, path: &str) -> Result<Metadata> {
        let (fs, inside) = self.at(path)?;
        fs.metadata(&inside)
    }

    pub fn read_dir(&mut self, path: &str) -> Result<Vec<DirEntry>> {
        let (fs, inside) = self.at(path)?;
        fs.read_dir(&inside)
    }

    pub fn create_dir(&mut self, path: &str) -> Result<()> {
        let (fs, inside) = self.at(path)?;
        if inside.is_empty() {
            return Err(FsError::AlreadyExists);
        }
        fs.create_dir(&inside)
    }

    /// Creates a directory and every missing parent; an existing directory is fine.
    pub fn create_dir_all(&mut self, path: &str) -> Result<()> {
        let absolute = self.absolute(path)?;
        let mut prefix = String::new();
        for component in absolute.split('/').filter(|c| !c.is_empty()) {
            prefix.push('/');
            prefix.push_str(component);
            match self.create_dir(&prefix) {
                Ok(()) => {}
                Err(FsError::AlreadyExists) if self.metadata(&prefix)?.is_dir() => {}
                Err(FsError::AlreadyExists) => return Err(FsError::NotADirectory),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    pub fn remove_file(&mut self, path: &str) -> Result<()> {
        let (fs, inside) = self.at(path)?;
        fs.remove_file(&inside)
    }

    pub fn remove_dir(&mut self, path: &str) -> Result<()> {
        let absolute = self.absolute(path)?;
        if absolute == "/" || self.is_mount_point(&absolute) {
            return Err(FsError::Busy);
        }
        let (fs, inside) = self.at(&absolute)?;
        fs.remove_dir(&inside)
    }

    /// Renames within one file system; between two is [`FsError::CrossesMounts`]. Mount points
    /// cannot be renamed, nor anything onto them ([`FsError::Busy`]).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        let (from, to) = (self.absolute(from)?, self.absolute(to)?);
        if from == "/" || to == "/" || self.is_mount_point(&from) || self.is_mount_point(&to) {
            return Err(FsError::Busy);
        }
        let (from_mount, from_inside) = self.locate(&from);
        let (to_mount, to_inside) = self.locate(&to);
        if from_mount != to_mount {
            return Err(FsError::CrossesMounts);
        }
        // A directory holding a mount point keeps its place.
        if self.mounts.iter().any(|mount| mount.point != "/" && crate::path::is_within(&mount.point[1..], &from[1..])) {
            return Err(FsError::Busy);
        }
        let (from_inside, to_inside) = (from_inside.to_string(), to_inside.to_string());
        self.mounts[from_mount].fs.rename(&from_inside, &to_inside)
    }

    /// Makes every mounted file system durable; the first error, after trying all.
    pub fn sync(&mut self) -> Result<()> {
        let mut result = Ok(());
        for mount in &mut self.mounts {
            let synced = mount.fs.sync();
            if result.is_ok() {
                result = synced;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_file(vfs: &mut Vfs, path: &str, data: &[u8]) {
        let options = OpenOptions { write: true, create: true, truncate: true, ..OpenOptions::default() };
        let handle = vfs.open(path, options).unwrap();
        assert_eq!(vfs.write(handle, data).unwrap(), data.len());
        vfs.close(handle).unwrap();
    }

    fn read_file(vfs: &mut Vfs, path: &str) -> Vec<u8> {
        let handle = vfs.open(path, OpenOptions { read: true, ..OpenOptions::default() }).unwrap();
        let mut out = alloc::vec![0u8; 64];
        let count = vfs.read(handle, &mut out).unwrap();
        out.truncate(count);
        vfs.close(handle).unwrap();
        out
    }

    #[test]
    fn paths_reach_the_right_mount() {
        let mut vfs = Vfs::new();
        vfs.mount("/data", Box::new(RamFs::new())).unwrap();
        vfs.mount("/data/inner", Box::new(RamFs::new())).unwrap();
        write_file(&mut vfs, "/data/inner/x", b"inner");
        write_file(&mut vfs, "/data/x", b"data");
        write_file(&mut vfs, "/x", b"root");
        vfs.set_current_dir("/data/inner").unwrap();
        assert_eq!(read_file(&mut vfs, "x"), b"inner");
        assert_eq!(read_file(&mut vfs, "../x"), b"data");
        assert_eq!(read_file(&mut vfs, "../../x"), b"root");
        assert_eq!(read_file(&mut vfs, "./../inner/./x"), b"inner");
        let names: Vec<String> = vfs.read_dir("/").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["data", "x"]);
        let names: Vec<String> = vfs.read_dir("/data").unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["inner", "x"], "the mounted file system's root (with the inner mount point)");
        assert!(vfs.metadata("/data/inner").unwrap().is_dir());
        let kinds: Vec<_> = vfs.mounts().collect();
        assert_eq!(kinds, [("/", "ramfs"), ("/data", "ramfs"), ("/data/inner", "ramfs")]);
    }

    #[test]
    fn mount_points_are_protected() {
        let mut vfs = Vfs::new();
        vfs.mount("/data", Box::new(RamFs::new())).unwrap();
        write_file(&mut vfs, "/data/x", b"1");
        assert_eq!(vfs.mount("/data", Box::new(RamFs::new())), Err(FsError::Busy));
        assert_eq!(vfs.mount("/", Box::new(RamFs::new())), Err(FsError::Busy));
        assert_eq!(vfs.remove_dir("/data"), Err(FsError::Busy));
        assert_eq!(vfs.remove_dir("/"), Err(FsError::Busy));
        assert_eq!(vfs.rename("/data", "/other"), Err(FsError::Busy));
        assert_eq!(vfs.rename("/data/x", "/x"), Err(FsError::CrossesMounts));
        vfs.create_dir_all("/a/b").unwrap();
        vfs.mount("/a/b/c", Box::new(RamFs::new())).unwrap();
        assert_eq!(vfs.rename("/a", "/z"), Err(FsError::Busy), "a directory holding a mount point");
        write_file(&mut vfs, "/file", b"");
        assert_eq!(vfs.mount("/file", Box::new(RamFs::new())), Err(FsError::NotADirectory));
        assert_eq!(vfs.create_dir_all("/file/x"), Err(FsError::NotADirectory));
    }

    #[test]
    fn a_failed_mount_explains_itself() {
        let mut vfs = Vfs::new();
        vfs.mount("/data", Box::new(crate::Unavailable(FsError::Corrupt("no FAT boot sector")))).unwrap();
        assert_eq!(vfs.metadata("/data/x"), Err(FsError::Corrupt("no FAT boot sector")));
        assert_eq!(
            vfs.open("/data/x", OpenOptions { read: true, ..Default::default() }),
            Err(FsError::Corrupt("no FAT boot sector"))
        );
        assert!(vfs.metadata("/").unwrap().is_dir());
    }

    #[test]
    fn working_directory() {
        let mut vfs = Vfs::new();
        assert_eq!(vfs.set_current_dir("/none"), Err(FsError::NotFound));
        write_file(&mut vfs, "/f", b"");
        assert_eq!(vfs.set_current_dir("/f"), Err(FsError::NotADirectory));
        vfs.create_dir_all("/a/b").unwrap();
        vfs.set_current_dir("/a/b").unwrap();
        vfs.set_current_dir("..").unwrap();
        assert_eq!(vfs.current_dir(), "/a");
    }
}
