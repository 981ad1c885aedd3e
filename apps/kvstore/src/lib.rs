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

const MAX_KEY: usize = 80;

#[derive(Debug, PartialEq, Eq)]
enum Command {
    Set(String, String),
    Get(String),
    Del(String),
    List,
    Run(String),
}

/// Parses words into commands; the error says which word is wrong.
fn parse(words: &[String]) -> Result<Vec<Command>, String> {
    let mut commands = Vec::new();
    let mut rest = words;
    while let Some((verb, tail)) = rest.split_first() {
        let need = match verb.as_str() {
            "set" => 2,
            "get" | "del" | "run" => 1,
            "list" => 0,
            other => return Err(format!("unknown command `{other}`")),
        };
        if tail.len() < need {
            return Err(format!("`{verb}` needs {need} argument(s)"));
        }
        let arguments = &tail[..need];
        if matches!(verb.as_str(), "set" | "get" | "del") {
            check_key(&arguments[0])?;
        }
        commands.push(match verb.as_str() {
            "set" => Command::Set(arguments[0].clone(), arguments[1].clone()),
            "get" => Command::Get(arguments[0].clone()),
            "del" => Command::Del(arguments[0].clone()),
            "run" => Command::Run(arguments[0].clone()),
            _ => Command::List,
        });
        rest = &tail[need..];
    }
    Ok(commands)
}

fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(format!("keys are 1 to {MAX_KEY} bytes (`{key}` is {})", key.len()));
    }
    Ok(())
}

/// A key as a file name: `a-z 0-9 - _` kept, every other byte `%XX`.
fn encode(key: &str) -> String {
    let mut name = String::new();
    for byte in key.bytes() {
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_' {
            name.push(byte as char);
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// The key a file name holds, or None for names the store did not write.
fn decode(name: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut rest = name.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' {
            let hex = core::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first.to_ascii_lowercase());
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

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

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn commands_parse_in_sequence() {
        let commands = parse(&words("set a 1 get a del a list run /data/x")).unwrap();
        assert_eq!(
            commands,
            [
                Command::Set("a".into(), "1".into()),
                Command::Get("a".into()),
                Command::Del("a".into()),
                Command::List,
                Command::Run("/data/x".into())
            ]
        );
        assert!(parse(&words("set a")).unwrap_err().contains("`set` needs 2"));
        assert!(parse(&words("put a 1")).unwrap_err().contains("unknown command `put`"));
        assert!(parse(&words(&format!("get {}", "k".repeat(81)))).unwrap_err().contains("1 to 80 bytes"));
    }

    #[test]
    fn names_round_trip_and_never_collide_by_case() {
        for key in ["simple", "Key", "key", "a/b:c*d?\"<>|", "ünï cödé", "%41", ".hidden", "x.new"] {
            let name = encode(key);
            assert!(name.len() <= 255 && !name.contains('/'));
            assert!(name.bytes().all(|b| !b.is_ascii_uppercase() || name.contains('%')));
            assert_eq!(decode(&name).as_deref(), Some(key));
            // FAT folds case: the upper-case spelling decodes to the same key.
            assert_eq!(decode(&name.to_uppercase()).as_deref(), Some(key));
        }
        assert_ne!(encode("Key").to_uppercase(), encode("key").to_uppercase());
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
    }
}
