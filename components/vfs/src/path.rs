//! Path resolution: absolute and relative paths, `.` and `..`, to one normalized absolute path.
//!
//! There are no symbolic links, so `..` is resolved by dropping the previous component; `..` at
//! the root stays at the root (as POSIX).

use crate::{FsError, Result};
use alloc::string::String;

/// The longest name of one component, in bytes (FAT's long names are 255 UTF-16 units).
pub const MAX_NAME: usize = 255;
/// The longest path, in bytes.
pub const MAX_PATH: usize = 4096;

/// Resolves `path` against the absolute, normalized directory `cwd`: the normalized absolute
/// path (`/` or `/a/b`). Empty paths, NUL bytes, over-long names and paths are
/// [`FsError::InvalidInput`].
pub fn resolve(cwd: &str, path: &str) -> Result<String> {
    if path.is_empty() {
        return Err(FsError::InvalidInput("empty path"));
    }
    if path.len() > MAX_PATH {
        return Err(FsError::InvalidInput("path too long"));
    }
    if path.contains('\0') {
        return Err(FsError::InvalidInput("NUL byte in path"));
    }
    let mut out = String::new();
    let start = if path.starts_with('/') { "" } else { cwd };
    for component in start.split('/').chain(path.split('/')) {
        match component {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            name => {
                if name.len() > MAX_NAME {
                    return Err(FsError::InvalidInput("file name too long"));
                }
                out.push('/');
                out.push_str(name);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    if out.len() > MAX_PATH {
        return Err(FsError::InvalidInput("path too long"));
    }
    Ok(out)
}

/// Splits a normalized relative path into its parent and its last component (`("", "")` for
/// the root).
pub fn split_last(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(at) => (&path[..at], &path[at + 1..]),
        None => ("", path),
    }
}

/// True if the normalized relative path `inner` is `outer` or lies under it.
pub fn is_within(inner: &str, outer: &str) -> bool {
    outer.is_empty()
        || inner == outer
        || (inner.len() > outer.len() && inner.starts_with(outer) && inner.as_bytes()[outer.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn absolute_relative_dot_and_dot_dot() {
        assert_eq!(resolve("/", "/data/x").unwrap(), "/data/x");
        assert_eq!(resolve("/data", "x/y").unwrap(), "/data/x/y");
        assert_eq!(resolve("/data", "./x//y/").unwrap(), "/data/x/y");
        assert_eq!(resolve("/data/a", "../b").unwrap(), "/data/b");
        assert_eq!(resolve("/data", "../../..").unwrap(), "/");
        assert_eq!(resolve("/", "/..").unwrap(), "/");
        assert_eq!(resolve("/a", "/").unwrap(), "/");
        assert_eq!(resolve("/a", ".").unwrap(), "/a");
        assert_eq!(resolve("/a", "b/../../c").unwrap(), "/c");
    }

    #[test]
    fn bad_paths_are_invalid_input() {
        assert!(matches!(resolve("/", ""), Err(FsError::InvalidInput(_))));
        assert!(matches!(resolve("/", "a\0b"), Err(FsError::InvalidInput(_))));
        assert!(matches!(resolve("/", &"n".repeat(256)), Err(FsError::InvalidInput(_))));
        assert!(resolve("/", &"n".repeat(255)).is_ok());
        assert!(matches!(resolve("/", &"a/".repeat(3000)), Err(FsError::InvalidInput(_))));
    }

    #[test]
    fn split_and_within() {
        assert_eq!(split_last("a/b/c"), ("a/b", "c"));
        assert_eq!(split_last("c"), ("", "c"));
        assert!(is_within("a/b", "a"));
        assert!(!is_within("ab", "a"));
        assert!(is_within("a", ""));
        assert!(is_within("a", "a"));
    }

    proptest! {
        /// Whatever the input, a resolved path is normalized, and resolving it again is a no-op.
        #[test]
        fn resolved_paths_are_normal(path in "[a./]{1,40}", cwd in "(/[ab]{1,3}){0,3}") {
            let cwd = if cwd.is_empty() { String::from("/") } else { cwd };
            let resolved = resolve(&cwd, &path).unwrap();
            prop_assert!(resolved.starts_with('/'));
            prop_assert!(resolved == "/" || !resolved.ends_with('/'));
            prop_assert!(!resolved.contains("//"));
            prop_assert!(resolved.split('/').all(|c| c != "." && c != ".."));
            prop_assert_eq!(resolve("/", &resolved).unwrap(), resolved.clone());
        }
    }
}
