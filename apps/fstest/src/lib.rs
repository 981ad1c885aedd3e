//! fstest: the std-shaped `stardust::fs` API in the VM. By mode (first argument):
//! - `api DIR`: files, directories, positions, renames and every error the API promises, under
//!   DIR (`/tmp` is on the RAM root, `/data/...` on the disk); prints `fstest: api ok` or the
//!   first failed check (exit 1);
//! - `durable PATH`: writes 256 KiB to PATH, `sync_all`s it, prints `fstest: synced` and waits
//!   to be killed (the host then reads the file from the disk);
//! - `mounts`: prints each mount point and its file system (`mount / ramfs`);
//! - `bench DIR [MIB] [FILES]`: sequential write of MIB MiB (default 32) in 64 KiB writes + sync,
//!   sequential read of it, then FILES (default 1000) 1 KiB file creates + sync; prints
//!   `fsbench write|read MB/s` and `fsbench creates files/s` (scripts/bench-fs reads them).

#![no_std]
#![forbid(unsafe_code)]

use stardust::fs::{self, File, OpenOptions};
use stardust::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use stardust::prelude::*;
use stardust::time::Instant;

/// Fails the check with what was expected.
macro_rules! check {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

fn kind_of<T>(result: stardust::io::Result<T>) -> Option<ErrorKind> {
    result.err().map(|error| error.kind())
}

fn api(dir: &str) -> Result<(), String> {
    let e = |what: &'static str| move |error: stardust::io::Error| format!("{what}: {error}");
    fs::create_dir_all(format!("{dir}/nested/deeper")).map_err(e("create_dir_all"))?;
    fs::create_dir_all(format!("{dir}/nested/deeper")).map_err(e("create_dir_all again"))?;
    let text = format!("{dir}/nested/a text file with a long name.txt");
    fs::write(&text, "hello, file").map_err(e("write"))?;
    check!(fs::read_to_string(&text).map_err(e("read_to_string"))? == "hello, file", "read back differs");
    check!(fs::metadata(&text).map_err(e("metadata"))?.len() == 11, "metadata len");
    check!(fs::metadata(format!("{dir}/nested")).map_err(e("metadata dir"))?.is_dir(), "not a dir");
    // Append, seek, set_len.
    let mut file = OpenOptions::new().append(true).open(&text).map_err(e("open append"))?;
    file.write_all(b"!").map_err(e("append"))?;
    drop(file);
    let mut file = OpenOptions::new().read(true).write(true).open(&text).map_err(e("open rw"))?;
    file.seek(SeekFrom::Start(7)).map_err(e("seek"))?;
    let mut word = [0u8; 4];
    file.read_exact(&mut word).map_err(e("read_exact"))?;
    check!(&word == b"file", "seek+read gave {word:?}");
    file.seek(SeekFrom::End(2)).map_err(e("seek past end"))?;
    file.write_all(b"Z").map_err(e("write past end"))?;
    check!(file.metadata().map_err(e("file metadata"))?.len() == 15, "gap not filled");
    file.set_len(5).map_err(e("set_len"))?;
    file.sync_all().map_err(e("sync_all"))?;
    drop(file);
    check!(fs::read(&text).map_err(e("read"))? == b"hello", "set_len result");
    // A 1 MiB file in odd-sized writes, read back.
    let big = format!("{dir}/nested/deeper/big.bin");
    let pattern: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let mut file = File::create(&big).map_err(e("create big"))?;
    for chunk in pattern.chunks(12_345) {
        file.write_all(chunk).map_err(e("write big"))?;
    }
    drop(file);
    check!(fs::read(&big).map_err(e("read big"))? == pattern, "big file differs");
    // Relative paths, `.` and `..`.
    stardust::env::set_current_dir(format!("{dir}/nested/deeper")).map_err(e("set_current_dir"))?;
    check!(fs::read("../a text file with a long name.txt").map_err(e("relative read"))? == b"hello", "relative");
    check!(fs::metadata("./big.bin").map_err(e("dot"))?.len() == 1 << 20, "dot path");
    stardust::env::set_current_dir("/").map_err(e("cd /"))?;
    // Listing, rename, remove.
    let mut names = Vec::new();
    for entry in fs::read_dir(format!("{dir}/nested")).map_err(e("read_dir"))? {
        names.push(String::from(entry.map_err(e("read_dir entry"))?.file_name()));
    }
    check!(names == ["a text file with a long name.txt", "deeper"], "read_dir gave {names:?}");
    let moved = format!("{dir}/moved.txt");
    fs::rename(&text, &moved).map_err(e("rename"))?;
    fs::write(&text, "second").map_err(e("write second"))?;
    fs::rename(&text, &moved).map_err(e("rename over"))?;
    check!(fs::read_to_string(&moved).map_err(e("read moved"))? == "second", "rename did not replace");
    // The errors the API promises.
    let nested = format!("{dir}/nested");
    check!(kind_of(File::open(format!("{dir}/missing"))) == Some(ErrorKind::NotFound), "missing file");
    check!(kind_of(File::open(&nested)) == Some(ErrorKind::IsADirectory), "open a directory");
    check!(kind_of(fs::remove_dir(&nested)) == Some(ErrorKind::DirectoryNotEmpty), "remove non-empty");
    check!(kind_of(fs::remove_file(&nested)) == Some(ErrorKind::IsADirectory), "remove_file on a directory");
    check!(kind_of(fs::create_dir(&nested)) == Some(ErrorKind::AlreadyExists), "create existing dir");
    check!(kind_of(File::create_new(&moved)) == Some(ErrorKind::AlreadyExists), "create_new existing");
    check!(kind_of(fs::read_dir(&moved)) == Some(ErrorKind::NotADirectory), "read_dir on a file");
    check!(kind_of(fs::write(format!("{moved}/x"), "")) == Some(ErrorKind::NotADirectory), "file as directory");
    check!(kind_of(fs::read("")) == Some(ErrorKind::InvalidInput), "empty path");
    if dir.starts_with("/data") {
        let crossing = kind_of(fs::rename(&moved, "/elsewhere.txt"));
        check!(crossing == Some(ErrorKind::CrossesDevices), "rename across mounts gave {crossing:?}");
    }
    let error = File::open(format!("{dir}/missing")).unwrap_err();
    println!("fstest: error message: {error}");
    // Clean up.
    fs::remove_file(&moved).map_err(e("remove moved"))?;
    fs::remove_file(&big).map_err(e("remove big"))?;
    check!(!fs::exists(&text).map_err(e("exists text"))?, "the renamed file is still there");
    fs::remove_dir(format!("{dir}/nested/deeper")).map_err(e("remove deeper"))?;
    fs::remove_dir(&nested).map_err(e("remove nested"))?;
    check!(!fs::exists(&nested).map_err(e("exists"))?, "nested still exists");
    fs::sync().map_err(e("sync"))?;
    Ok(())
}

fn durable(path: &str) -> Result<(), String> {
    let data: Vec<u8> = (0..256 * 1024u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(9)).collect();
    let mut file = File::create(path).map_err(|e| format!("create: {e}"))?;
    file.write_all(&data).map_err(|e| format!("write: {e}"))?;
    file.sync_all().map_err(|e| format!("sync_all: {e}"))?;
    println!("fstest: synced");
    loop {
        stardust::thread::sleep(core::time::Duration::from_secs(3600));
    }
}

fn rate(amount: f64, started: Instant) -> f64 {
    amount / started.elapsed().as_secs_f64().max(1e-9)
}

fn bench(dir: &str, mebibytes: usize, files: usize) -> Result<(), String> {
    let e = |what: &'static str| move |error: stardust::io::Error| format!("{what}: {error}");
    fs::create_dir_all(dir).map_err(e("create dir"))?;
    let path = format!("{dir}/sequential.bin");
    let chunk: Vec<u8> = (0..64 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let started = Instant::now();
    let mut file = File::create(&path).map_err(e("create"))?;
    for _ in 0..mebibytes * 16 {
        file.write_all(&chunk).map_err(e("write"))?;
    }
    file.sync_all().map_err(e("sync"))?;
    drop(file);
    let bytes = (mebibytes << 20) as f64;
    println!("fsbench write {:.1} MB/s", rate(bytes / 1e6, started));
    let started = Instant::now();
    let mut file = File::open(&path).map_err(e("open"))?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0usize;
    loop {
        match file.read(&mut buffer).map_err(e("read"))? {
            0 => break,
            count => total += count,
        }
    }
    println!("fsbench read {:.1} MB/s", rate(total as f64 / 1e6, started));
    check!(total == mebibytes << 20, "read {total} bytes");
    drop(file);
    fs::remove_file(&path).map_err(e("remove"))?;
    fs::create_dir_all(format!("{dir}/small")).map_err(e("create small"))?;
    let kib = vec![0x42u8; 1024];
    let started = Instant::now();
    for i in 0..files {
        fs::write(format!("{dir}/small/f{i:05}"), &kib).map_err(e("create file"))?;
    }
    fs::sync().map_err(e("sync"))?;
    println!("fsbench creates {:.0} files/s", rate(files as f64, started));
    Ok(())
}

pub fn main() -> i32 {
    let args: Vec<String> = stardust::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("mounts");
    let result = match mode {
        "api" => api(args.get(2).map_or("/tmp", String::as_str)).map(|()| println!("fstest: api ok")),
        "durable" => durable(args.get(2).map_or("/data/durable.bin", String::as_str)),
        "mounts" => {
            for (point, kind) in fs::mounts() {
                println!("mount {point} {kind}");
            }
            Ok(())
        }
        "bench" => {
            let number = |index: usize, default: usize| args.get(index).and_then(|a| a.parse().ok()).unwrap_or(default);
            bench(args.get(2).map_or("/data/bench", String::as_str), number(3, 32), number(4, 1000))
        }
        other => Err(format!("unknown mode `{other}` (api DIR, mounts, bench DIR [MIB] [FILES])")),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            println!("fstest: FAILED: {error}");
            1
        }
    }
}
