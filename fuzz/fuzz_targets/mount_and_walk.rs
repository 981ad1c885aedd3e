//! Arbitrary bytes as a FAT disk: mount, walk every directory, read every file, write a little.
//! Errors are fine; a panic, a hang or an out-of-memory is a bug.

#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    stardust_fat::fuzzing::mount_and_walk(bytes);
});
