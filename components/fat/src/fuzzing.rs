//! The fuzz target's body (fuzz/fuzz_targets/mount_and_walk.rs), also run by the host tests on
//! damaged images: mount arbitrary bytes as a disk, walk every directory through the VFS
//! contract, read every file, then try to write. Errors are expected; a panic is a bug.

use crate::{FatSession, mount_shared};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use stardust_api::fakes::RamDisk;
use stardust_vfs::{FileSystem, OpenOptions};

/// Mounts `bytes` (cut to whole 512-byte blocks) and exercises the volume.
pub fn mount_and_walk(bytes: &[u8]) {
    let disk = RamDisk::from_bytes(512, bytes.to_vec());
    let Ok((fs, io)) = mount_shared(disk, 2) else { return };
    {
        let mut session = FatSession::new(&fs, io);
        let mut budget = 256;
        walk(&mut session, String::new(), 0, &mut budget);
        let options = OpenOptions { write: true, create: true, ..OpenOptions::default() };
        if let Ok(handle) = session.open("fuzz.txt", options) {
            let _ = session.write(handle, &[0x5a; 3000]);
            let _ = session.set_len(handle, 100);
            let _ = session.close(handle);
        }
        let _ = session.create_dir("fuzz dir");
        let _ = session.rename("fuzz.txt", "fuzz dir/moved.txt");
        let _ = session.remove_file("fuzz dir/moved.txt");
        let _ = session.remove_dir("fuzz dir");
        let _ = session.sync();
    }
    let _ = fs.unmount();
}

fn walk(fs: &mut FatSession<'_, RamDisk>, path: String, depth: u32, budget: &mut u32) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = fs.read_dir(&path) else { return };
    for entry in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let child = if path.is_empty() { entry.name.clone() } else { format!("{path}/{}", entry.name) };
        let _ = fs.metadata(&child);
        if entry.metadata.is_dir() {
            walk(fs, child.clone(), depth + 1, budget);
        } else if let Ok(handle) = fs.open(&child, OpenOptions { read: true, ..OpenOptions::default() }) {
            let mut chunk = vec![0u8; 4096];
            for _ in 0..16 {
                if !matches!(fs.read(handle, &mut chunk), Ok(count) if count > 0) {
                    break;
                }
            }
            let _ = fs.close(handle);
        }
        if entry.metadata.is_file() {
            // Appending walks the whole cluster chain, then extends it.
            let append = OpenOptions { append: true, ..OpenOptions::default() };
            if let Ok(handle) = fs.open(&child, append) {
                let _ = fs.write(handle, b"appended");
                let _ = fs.close(handle);
            }
        }
    }
}
