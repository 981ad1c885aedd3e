//! kvstore: a small persistent key-value store over files, for profile-fs.
//!
//! Commands come from the arguments (after `--` on the kernel command line), several in a row:
//!
//! ```text
//! set KEY VALUE   store VALUE under KEY (durable when `ok` is printed)
//! get KEY         print the value
//! del KEY         remove the key
//! list            print every key and value, sorted by key
//! run FILE        run the commands in FILE, one per line (`#` starts a comment)
//! ```
//!
//! Options before the commands: `--dir PATH` (default `/data/kv`, created if missing),
//! `--help`. Each key is one file; a `set` writes `NAME.new`, syncs it, renames it over the
//! old file and syncs the volume, so a crash leaves the old or the new value, never a torn one.
//! Keys are 1-80 bytes of UTF-8; in file names, bytes other than `a-z 0-9 - _` are written as
//! `%XX` (FAT ignores case, so `Key` and `key` must not share a file).
//!
//! Exit codes: 0 every command succeeded, 1 a key was not found, 2 a usage error (nothing was
//! run), 3 a storage error (the command that failed is named).

#![no_std]
#![forbid(unsafe_code)]

use kvstore_commands::{Command, decode, encode, parse};
use stardust::fs;
use stardust::prelude::*;

const USAGE: &str = "usage: kvstore [--dir PATH] COMMAND...
commands:
  set KEY VALUE   store VALUE under KEY (durable when `ok` is printed)
  get KEY         print KEY's value
  del KEY         remove KEY
  list            print every key and its value
  run FILE        run the commands in FILE, one per line
exit codes: 0 ok, 1 a key was not found, 2 usage error, 3 storage error";

struct Store {
    dir: String,
    missing: bool,
}

impl Store {
    fn path(&self, key: &str) -> String {
        format!("{}/{}", self.dir, encode(key))
    }

    fn run(&mut self, command: &Command, depth: u32) -> Result<(), String> {
        match command {
            Command::Set(key, value) => {
                let (path, temporary) = (self.path(key), format!("{}.new", self.path(key)));
                let step = |what: &str, error: stardust::io::Error| format!("set {key}: {what}: {error}");
                let mut file = fs::File::create(&temporary).map_err(|e| step("create", e))?;
                stardust::io::Write::write_all(&mut file, value.as_bytes()).map_err(|e| step("write", e))?;
                file.sync_all().map_err(|e| step("sync", e))?;
                drop(file);
                fs::rename(&temporary, &path).map_err(|e| step("rename", e))?;
                fs::sync().map_err(|e| step("sync", e))?;
                println!("ok {key}");
            }
            Command::Get(key) => match fs::read_to_string(self.path(key)) {
                Ok(value) => println!("{key} = {value}"),
                Err(error) if error.kind() == stardust::io::ErrorKind::NotFound => self.not_found(key),
                Err(error) => return Err(format!("get {key}: {error}")),
            },
            Command::Del(key) => match fs::remove_file(self.path(key)) {
                Ok(()) => {
                    fs::sync().map_err(|e| format!("del {key}: sync: {e}"))?;
                    println!("deleted {key}");
                }
                Err(error) if error.kind() == stardust::io::ErrorKind::NotFound => self.not_found(key),
                Err(error) => return Err(format!("del {key}: {error}")),
            },
            Command::List => {
                let mut pairs = Vec::new();
                for entry in fs::read_dir(&self.dir).map_err(|e| format!("list: {}: {e}", self.dir))? {
                    let entry = entry.map_err(|e| format!("list: {e}"))?;
                    let Some(key) = decode(entry.file_name()).filter(|_| !entry.file_name().ends_with(".new")) else {
                        continue;
                    };
                    let value = fs::read_to_string(entry.path()).map_err(|e| format!("list: {key}: {e}"))?;
                    pairs.push((key, value));
                }
                pairs.sort();
                for (key, value) in &pairs {
                    println!("{key} = {value}");
                }
                println!("{} key(s)", pairs.len());
            }
            Command::Run(file) => {
                if depth > 4 {
                    return Err(format!("run {file}: nested too deeply"));
                }
                let text = fs::read_to_string(file).map_err(|e| format!("run {file}: {e}"))?;
                for (number, line) in text.lines().enumerate() {
                    let line = line.split('#').next().unwrap_or("").trim();
                    if line.is_empty() {
                        continue;
                    }
                    // The value of `set` is the rest of the line, spaces included.
                    let words: Vec<String> = match line.split_once(' ') {
                        Some(("set", rest)) => match rest.trim().split_once(' ') {
                            Some((key, value)) => vec!["set".into(), key.into(), value.trim().into()],
                            None => vec!["set".into(), rest.trim().into()],
                        },
                        _ => line.split_whitespace().map(String::from).collect(),
                    };
                    let commands = parse(&words).map_err(|e| format!("{file}:{}: {e}", number + 1))?;
                    for command in &commands {
                        self.run(command, depth + 1)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn not_found(&mut self, key: &str) {
        println!("{key}: not found");
        self.missing = true;
    }
}

pub fn main() -> i32 {
    let mut words: Vec<String> = stardust::env::args().skip(1).collect();
    let mut dir = String::from("/data/kv");
    if words.iter().any(|w| w == "--help" || w == "-h") {
        println!("{USAGE}");
        return 0;
    }
    if words.first().map(String::as_str) == Some("--dir") {
        if words.len() < 2 {
            eprintln!("kvstore: --dir needs a path\n{USAGE}");
            return 2;
        }
        dir = words[1].trim_end_matches('/').into();
        words.drain(..2);
    }
    let commands = match parse(&words) {
        Ok(commands) if commands.is_empty() => vec![Command::List],
        Ok(commands) => commands,
        Err(error) => {
            eprintln!("kvstore: {error}\n{USAGE}");
            return 2;
        }
    };
    if let Err(error) = fs::create_dir_all(&dir) {
        eprintln!("kvstore: {dir}: {error}");
        return 3;
    }
    let mut store = Store { dir, missing: false };
    for command in &commands {
        if let Err(error) = store.run(command, 0) {
            eprintln!("kvstore: {error}");
            return 3;
        }
    }
    if store.missing { 1 } else { 0 }
}
