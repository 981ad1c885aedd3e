//! posix: the image's app is a Linux program. The build script seals it in (the executable
//! named by `STARDUST_PROGRAM`, else `apps/c-hello/hello.c` built with `musl-gcc -static`);
//! `main` hands it to `stardust-linux` with the command line's arguments.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

/// Its name: `argv[0]`. (The program's bytes, checked by the build script, are linked into the
/// image's `.stardust.program` section: `stardust_linux::sealed_program`.)
const NAME: &str = include_str!(concat!(env!("OUT_DIR"), "/program.name"));

/// The app's entry: runs the program; the VM ends with its exit status.
pub fn main() {
    let mut arguments: Vec<String> = Vec::new();
    arguments.push(String::from(NAME));
    arguments.extend(stardust::env::args().skip(1));
    let environment: Vec<String> = stardust::env::vars().map(|(key, value)| alloc::format!("{key}={value}")).collect();
    stardust_linux::run(stardust_linux::sealed_program(), arguments, environment)
}
