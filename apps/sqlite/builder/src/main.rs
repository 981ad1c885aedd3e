//! Prints the folder holding the SQLite amalgamation (sqlite3.c, sqlite3.h) that the
//! libsqlite3-sys crate bundles: scripts/build-program compiles it with Debian's musl-gcc.

fn main() {
    // Keep the crate linked, so that its build script (which finds the sources) runs.
    let _ = libsqlite3_sys::SQLITE_OK;
    println!("{}", env!("SQLITE3_SOURCE_DIR"));
}
