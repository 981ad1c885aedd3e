//! The numbers checked against the host's Linux headers (linux-libc-dev), the authority this
//! crate's tables were written from. Without the headers each test says so, records itself as
//! skipped for scripts/test, and returns.

use std::collections::HashMap;

use super::record_skip;
use crate::{Errno, Sysno};

const SYSCALL_HEADER: &str = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
const ERRNO_HEADERS: [&str; 2] = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"];

/// Every `#define NAME NUMBER` in the files.
fn defines(paths: &[&str]) -> Option<HashMap<String, u64>> {
    let mut found = HashMap::new();
    for path in paths {
        let text = std::fs::read_to_string(path).ok()?;
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if words.next() != Some("#define") {
                continue;
            }
            if let (Some(name), Some(value)) = (words.next(), words.next())
                && let Ok(number) = value.parse()
            {
                found.insert(name.to_string(), number);
            }
        }
    }
    Some(found)
}

#[test]
fn system_call_numbers_match_the_hosts_headers() {
    let Some(defines) = defines(&[SYSCALL_HEADER]) else {
        return record_skip(
            "system-call numbers against the host's headers",
            &format!("{SYSCALL_HEADER} not found (apt-get install linux-libc-dev)"),
        );
    };
    for &call in Sysno::ALL {
        let name = format!("__NR_{}", call.name());
        assert_eq!(defines.get(&name), Some(&call.number()), "{name}");
    }
}

#[test]
fn error_numbers_match_the_hosts_headers() {
    let Some(defines) = defines(&ERRNO_HEADERS) else {
        return record_skip(
            "error numbers against the host's headers",
            "asm-generic/errno.h not found (apt-get install linux-libc-dev)",
        );
    };
    for &errno in Errno::ALL {
        assert_eq!(defines.get(errno.name()), Some(&u64::from(errno.number())), "{}", errno.name());
    }
}
