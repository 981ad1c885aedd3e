//! The contract as tests, for every [`FileSystem`] implementation: [`run`] checks the documented
//! behaviour on fresh file systems; [`Op`] and [`apply`] drive a file system and a model
//! ([`crate::RamFs`]) side by side from random operations (see the fat component's tests).

extern crate std;

use crate::{FileSystem, FsError, Handle, OpenOptions, RamFs, SeekFrom};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

fn write_options() -> OpenOptions {
    OpenOptions { write: true, create: true, truncate: true, ..OpenOptions::default() }
}

fn read_options() -> OpenOptions {
    OpenOptions { read: true, ..OpenOptions::default() }
}

/// Writes `data` to a new or truncated file.
pub fn write_file(fs: &mut dyn FileSystem, path: &str, data: &[u8]) -> crate::Result<()> {
    let handle = fs.open(path, write_options())?;
    let mut done = 0;
    while done < data.len() {
        match fs.write(handle, &data[done..]) {
            Ok(0) => {
                let _ = fs.close(handle);
                return Err(FsError::NoSpace);
            }
            Ok(count) => done += count,
            Err(error) => {
                let _ = fs.close(handle);
                return Err(error);
            }
        }
    }
    fs.close(handle)
}

/// Reads a whole file.
pub fn read_file(fs: &mut dyn FileSystem, path: &str) -> crate::Result<Vec<u8>> {
    let handle = fs.open(path, read_options())?;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 4096];
    loop {
        match fs.read(handle, &mut chunk) {
            Ok(0) => break,
            Ok(count) => out.extend_from_slice(&chunk[..count]),
            Err(error) => {
                let _ = fs.close(handle);
                return Err(error);
            }
        }
    }
    fs.close(handle)?;
    Ok(out)
}

fn names(fs: &mut dyn FileSystem, path: &str) -> Vec<String> {
    fs.read_dir(path).unwrap().into_iter().map(|entry| entry.name).collect()
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(31).wrapping_add(u32::from(seed)) as u8).collect()
}

/// Runs every check, each on a fresh file system from `make`.
pub fn run<F: FileSystem>(make: &mut dyn FnMut() -> F) {
    files(&mut make());
    positions(&mut make());
    directories(&mut make());
    renames(&mut make());
    errors(&mut make());
    many_and_large(&mut make());
}

fn files(fs: &mut dyn FileSystem) {
    write_file(fs, "hello.txt", b"hello, world").unwrap();
    assert_eq!(read_file(fs, "hello.txt").unwrap(), b"hello, world");
    let meta = fs.metadata("hello.txt").unwrap();
    assert!(meta.is_file() && meta.len == 12);
    assert!(fs.metadata("").unwrap().is_dir(), "the root is a directory");
    // Truncating rewrites; appending adds.
    write_file(fs, "hello.txt", b"bye").unwrap();
    assert_eq!(read_file(fs, "hello.txt").unwrap(), b"bye");
    let append = OpenOptions { append: true, ..OpenOptions::default() };
    let handle = fs.open("hello.txt", append).unwrap();
    fs.seek(handle, SeekFrom::Start(0)).unwrap();
    fs.write(handle, b"!!").unwrap();
    fs.close(handle).unwrap();
    assert_eq!(read_file(fs, "hello.txt").unwrap(), b"bye!!", "append writes at the end");
    let create_new = OpenOptions { write: true, create_new: true, ..OpenOptions::default() };
    assert_eq!(fs.open("hello.txt", create_new), Err(FsError::AlreadyExists));
    let handle = fs.open("fresh", create_new).unwrap();
    fs.close(handle).unwrap();
    assert_eq!(fs.metadata("fresh").unwrap().len, 0);
    assert_eq!(fs.open("missing", read_options()), Err(FsError::NotFound));
    fs.remove_file("hello.txt").unwrap();
    assert_eq!(fs.metadata("hello.txt"), Err(FsError::NotFound));
    assert_eq!(fs.remove_file("hello.txt"), Err(FsError::NotFound));
    fs.sync().unwrap();
}

fn positions(fs: &mut dyn FileSystem) {
    let options = OpenOptions { read: true, write: true, create: true, ..OpenOptions::default() };
    let handle = fs.open("pos", options).unwrap();
    fs.write(handle, b"0123456789").unwrap();
    assert_eq!(fs.seek(handle, SeekFrom::Start(3)).unwrap(), 3);
    let mut buffer = [0u8; 4];
    assert_eq!(fs.read(handle, &mut buffer).unwrap(), 4);
    assert_eq!(&buffer, b"3456");
    assert_eq!(fs.seek(handle, SeekFrom::Current(-2)).unwrap(), 5);
    fs.write(handle, b"ab").unwrap();
    assert_eq!(fs.seek(handle, SeekFrom::End(-1)).unwrap(), 9);
    assert!(matches!(fs.seek(handle, SeekFrom::Current(-100)), Err(FsError::InvalidInput(_))));
    // Past the end: the gap reads as zeros.
    fs.seek(handle, SeekFrom::Start(12)).unwrap();
    fs.write(handle, b"Z").unwrap();
    assert_eq!(fs.handle_metadata(handle).unwrap().len, 13);
    fs.set_len(handle, 4).unwrap();
    assert_eq!(fs.handle_metadata(handle).unwrap().len, 4);
    fs.set_len(handle, 6).unwrap();
    fs.flush(handle).unwrap();
    fs.close(handle).unwrap();
    assert_eq!(read_file(fs, "pos").unwrap(), b"0123\0\0");
    assert_eq!(fs.read(handle, &mut buffer), Err(FsError::BadHandle), "a closed handle");
    // Access modes.
    let handle = fs.open("pos", read_options()).unwrap();
    assert_eq!(fs.write(handle, b"x"), Err(FsError::BadHandle));
    fs.close(handle).unwrap();
    let handle = fs.open("pos", OpenOptions { write: true, ..OpenOptions::default() }).unwrap();
    assert_eq!(fs.read(handle, &mut buffer), Err(FsError::BadHandle));
    fs.close(handle).unwrap();
    let gapped = read_file(fs, "pos").unwrap();
    assert_eq!(gapped.len(), 6);
    // Reads and writes at an offset leave the position where it was.
    let options = OpenOptions { read: true, write: true, ..OpenOptions::default() };
    let handle = fs.open("pos", options).unwrap();
    fs.seek(handle, SeekFrom::Start(1)).unwrap();
    assert_eq!(fs.read_at(handle, 2, &mut buffer).unwrap(), 4);
    assert_eq!(&buffer, b"23\0\0");
    assert_eq!(fs.read_at(handle, 5, &mut buffer).unwrap(), 1, "short at the end");
    assert_eq!(fs.read_at(handle, 100, &mut buffer).unwrap(), 0, "past the end");
    assert_eq!(fs.write_at(handle, 4, b"xy").unwrap(), 2);
    assert_eq!(fs.write_at(handle, 8, b"z").unwrap(), 1, "past the end: the gap is zeros");
    assert_eq!(fs.seek(handle, SeekFrom::Current(0)).unwrap(), 1, "the position did not move");
    assert_eq!(fs.read(handle, &mut buffer).unwrap(), 4);
    assert_eq!(&buffer, b"123x");
    fs.close(handle).unwrap();
    assert_eq!(read_file(fs, "pos").unwrap(), b"0123xy\0\0z");
    let append = OpenOptions { append: true, ..OpenOptions::default() };
    let handle = fs.open("pos", append).unwrap();
    assert_eq!(fs.write_at(handle, 0, b"!").unwrap(), 1);
    fs.close(handle).unwrap();
    assert_eq!(read_file(fs, "pos").unwrap(), b"0123xy\0\0z!", "an append handle writes at the end");
    let handle = fs.open("pos", read_options()).unwrap();
    assert_eq!(fs.write_at(handle, 0, b"x"), Err(FsError::BadHandle), "a read-only handle");
    fs.close(handle).unwrap();
}

fn directories(fs: &mut dyn FileSystem) {
    fs.create_dir("a").unwrap();
    fs.create_dir("a/b").unwrap();
    assert_eq!(fs.create_dir("a"), Err(FsError::AlreadyExists));
    assert_eq!(fs.create_dir("x/y"), Err(FsError::NotFound));
    write_file(fs, "a/b/deep.txt", b"deep").unwrap();
    write_file(fs, "a/zeta", b"z").unwrap();
    write_file(fs, "a/alpha", b"a").unwrap();
    assert_eq!(names(fs, "a"), ["alpha", "b", "zeta"], "sorted, without . and ..");
    let entries = fs.read_dir("a").unwrap();
    assert!(entries[1].metadata.is_dir() && entries[2].metadata.len == 1);
    assert_eq!(read_file(fs, "a/b/deep.txt").unwrap(), b"deep");
    assert_eq!(fs.remove_dir("a"), Err(FsError::DirectoryNotEmpty));
    assert_eq!(fs.remove_file("a"), Err(FsError::IsADirectory));
    assert_eq!(fs.remove_dir("a/zeta"), Err(FsError::NotADirectory));
    assert_eq!(fs.read_dir("a/zeta"), Err(FsError::NotADirectory));
    assert_eq!(fs.open("a", read_options()), Err(FsError::IsADirectory));
    assert_eq!(fs.open("a/zeta/x", write_options()), Err(FsError::NotADirectory));
    fs.remove_file("a/b/deep.txt").unwrap();
    fs.remove_dir("a/b").unwrap();
    assert_eq!(names(fs, "a"), ["alpha", "zeta"]);
    fs.sync().unwrap();
}

fn renames(fs: &mut dyn FileSystem) {
    write_file(fs, "one", b"1").unwrap();
    write_file(fs, "two", b"22").unwrap();
    fs.rename("one", "one").unwrap();
    fs.rename("one", "two").unwrap();
    assert_eq!(fs.metadata("one"), Err(FsError::NotFound));
    assert_eq!(read_file(fs, "two").unwrap(), b"1", "a file replaces a file");
    fs.create_dir("d").unwrap();
    fs.create_dir("d/inner").unwrap();
    write_file(fs, "d/inner/f", b"f").unwrap();
    fs.rename("d", "e").unwrap();
    assert_eq!(read_file(fs, "e/inner/f").unwrap(), b"f", "a directory moves with its contents");
    fs.rename("two", "e/inner/moved").unwrap();
    assert_eq!(read_file(fs, "e/inner/moved").unwrap(), b"1");
    assert_eq!(fs.rename("e", "e/inner/x"), Err(FsError::InvalidInput("cannot move a directory into itself")));
    assert_eq!(fs.rename("e/inner/f", "e"), Err(FsError::IsADirectory));
    fs.create_dir("empty").unwrap();
    write_file(fs, "file", b"").unwrap();
    assert_eq!(fs.rename("empty", "file"), Err(FsError::NotADirectory));
    assert_eq!(fs.rename("empty", "e"), Err(FsError::DirectoryNotEmpty));
    fs.create_dir("empty2").unwrap();
    fs.rename("empty", "empty2").unwrap();
    assert_eq!(fs.metadata("empty"), Err(FsError::NotFound));
    assert_eq!(fs.rename("nothing", "x"), Err(FsError::NotFound));
    fs.sync().unwrap();
}

fn errors(fs: &mut dyn FileSystem) {
    assert!(matches!(fs.open("x", OpenOptions::default()), Err(FsError::InvalidInput(_))));
    let truncate_read = OpenOptions { read: true, truncate: true, ..OpenOptions::default() };
    assert!(matches!(fs.open("x", truncate_read), Err(FsError::InvalidInput(_))));
    assert_eq!(fs.close(Handle(9999)), Err(FsError::BadHandle));
    assert_eq!(fs.metadata("no/such/path"), Err(FsError::NotFound));
}

fn many_and_large(fs: &mut dyn FileSystem) {
    fs.create_dir("many").unwrap();
    for i in 0..150 {
        write_file(fs, &format!("many/file-with-a-long-name-{i:03}.dat"), &pattern(i * 7, i as u8)).unwrap();
    }
    let listed = names(fs, "many");
    assert_eq!(listed.len(), 150);
    for i in (0..150).step_by(13) {
        let path = format!("many/file-with-a-long-name-{i:03}.dat");
        assert_eq!(read_file(fs, &path).unwrap(), pattern(i * 7, i as u8));
    }
    let large = pattern(300_000, 7);
    write_file(fs, "large.bin", &large).unwrap();
    assert_eq!(read_file(fs, "large.bin").unwrap(), large);
    for i in 0..150 {
        fs.remove_file(&format!("many/file-with-a-long-name-{i:03}.dat")).unwrap();
    }
    fs.remove_dir("many").unwrap();
    fs.sync().unwrap();
}

/// One step of a random workload over a small set of names (see [`apply`]).
#[derive(Debug, Clone)]
pub enum Op {
    Write { path: u8, len: u16, seed: u8 },
    Append { path: u8, len: u16, seed: u8 },
    Remove { path: u8 },
    CreateDir { path: u8 },
    RemoveDir { path: u8 },
    Rename { from: u8, to: u8 },
    Truncate { path: u8, len: u16 },
}

/// The paths the random operations name: files and directories at two levels.
pub const PATHS: [&str; 8] = ["a", "b", "d", "d/a", "d/b", "e", "e/c", "d/e"];

fn outcome<T>(result: crate::Result<T>) -> Result<(), FsError> {
    result.map(|_| ())
}

/// Applies `op` to `fs` and to `model`; panics if the outcomes differ.
pub fn apply(fs: &mut dyn FileSystem, model: &mut RamFs, op: &Op) {
    let path = |index: u8| PATHS[index as usize % PATHS.len()];
    let results = [&mut *fs, model as &mut dyn FileSystem].map(|target| match *op {
        Op::Write { path: p, len, seed } => outcome(write_file(target, path(p), &pattern(len.into(), seed))),
        Op::Append { path: p, len, seed } => {
            let options = OpenOptions { append: true, create: true, ..OpenOptions::default() };
            target.open(path(p), options).and_then(|handle| {
                let written = target.write(handle, &pattern(len.into(), seed));
                target.close(handle)?;
                written.map(|_| ())
            })
        }
        Op::Remove { path: p } => target.remove_file(path(p)),
        Op::CreateDir { path: p } => target.create_dir(path(p)),
        Op::RemoveDir { path: p } => target.remove_dir(path(p)),
        Op::Rename { from, to } => target.rename(path(from), path(to)),
        Op::Truncate { path: p, len } => {
            target.open(path(p), OpenOptions { write: true, ..OpenOptions::default() }).and_then(|handle| {
                let cut = target.set_len(handle, len.into());
                target.close(handle)?;
                cut
            })
        }
    });
    assert_eq!(results[0], results[1], "{op:?}: the file system and the model disagree");
}

/// Panics unless `fs` holds exactly the model's tree and file contents.
pub fn assert_same_tree(fs: &mut dyn FileSystem, model: &mut RamFs, dir: &str) {
    // Names, kinds and sizes; not times, which depend on each file system's clock.
    let timeless = |entries: Vec<crate::DirEntry>| -> Vec<(String, crate::FileType, u64)> {
        entries.into_iter().map(|entry| (entry.name, entry.metadata.file_type, entry.metadata.len)).collect()
    };
    let expected = model.read_dir(dir).unwrap();
    assert_eq!(timeless(fs.read_dir(dir).unwrap()), timeless(expected.clone()), "directory `{dir}`");
    for entry in expected {
        let path = if dir.is_empty() { entry.name.clone() } else { format!("{dir}/{}", entry.name) };
        if entry.metadata.is_dir() {
            assert_same_tree(fs, model, &path);
        } else {
            assert_eq!(read_file(fs, &path).unwrap(), read_file(model, &path).unwrap(), "file `{path}`");
        }
    }
}
