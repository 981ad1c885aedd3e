//! Compiles Lua 5.4 (the lua-src crate's sources) for x86_64-unknown-linux-musl with Debian's
//! musl-gcc into OUT_DIR and prints two lines: the include folder and the library folder
//! (holding liblua5.4.a). Usage: lua-builder OUT_DIR.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(out_dir) = std::env::args().nth(1) else {
        eprintln!("usage: lua-builder OUT_DIR");
        return ExitCode::from(2);
    };
    // cc-rs takes the C compiler for the musl target from `CC_x86_64_unknown_linux_musl`,
    // which scripts/build-program sets to musl-gcc.
    let built = lua_src::Build::new()
        .target("x86_64-unknown-linux-musl")
        .host("x86_64-unknown-linux-gnu")
        .out_dir(&out_dir)
        .opt_level("2")
        .debug(false)
        .try_build(lua_src::Lua54);
    match built {
        Ok(artifacts) => {
            println!("{}", artifacts.include_dir().display());
            println!("{}", artifacts.lib_dir().display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("lua-builder: building Lua failed: {error}");
            ExitCode::FAILURE
        }
    }
}
