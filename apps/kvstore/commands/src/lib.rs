//! The kvstore app's words: commands parsed from arguments, and keys as FAT-safe file names.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The longest key, in bytes (encoded, it fits a 255-character FAT name).
pub const MAX_KEY: usize = 80;

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Set(String, String),
    Get(String),
    Del(String),
    List,
    Run(String),
}

/// Parses words into commands; the error says which word is wrong.
pub fn parse(words: &[String]) -> Result<Vec<Command>, String> {
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

pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(format!("keys are 1 to {MAX_KEY} bytes (`{key}` is {})", key.len()));
    }
    Ok(())
}

/// A key as a file name: `a-z 0-9 - _` kept, every other byte `%XX`.
pub fn encode(key: &str) -> String {
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
pub fn decode(name: &str) -> Option<String> {
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
