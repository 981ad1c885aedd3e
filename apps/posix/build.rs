//! Seals the program into the image: `STARDUST_PROGRAM` (a path, set by `scripts/run posix
//! --elf PATH`) or, without it, `apps/c-hello/hello.c` built with Debian's `musl-gcc -static`,
//! linked inside the kernel's user region. The file is checked here, so a program the kernel
//! would refuse (dynamic, 32-bit, not x86-64, truncated, not ELF, linked at low addresses)
//! stops the build with the reason.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The user region of the kernel (hal::user::USER_BASE..USER_END), and the room its stack
/// takes at the top.
const USER_BASE: u64 = 1 << 39;
const USER_END: u64 = 2 << 39;
const STACK_ROOM: u64 = 1 << 20;

fn main() -> ExitCode {
    match build() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn build() -> Result<(), String> {
    println!("cargo:rerun-if-env-changed=STARDUST_PROGRAM");
    println!("cargo:rerun-if-env-changed=STARDUST_PROGRAM_NAME");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|_| "OUT_DIR is not set")?);
    let target = out.join("program.elf");
    let (source, name) = match std::env::var_os("STARDUST_PROGRAM") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
            (path, name)
        }
        None => {
            let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "no CARGO_MANIFEST_DIR")?);
            let hello = manifest.join("../c-hello/hello.c");
            println!("cargo:rerun-if-changed={}", hello.display());
            let built = out.join("c-hello");
            compile_c(&[hello], &built)?;
            (built, String::from("c-hello"))
        }
    };
    let name = std::env::var("STARDUST_PROGRAM_NAME").unwrap_or(name);
    let bytes =
        std::fs::read(&source).map_err(|error| format!("cannot read the program {}: {error}", source.display()))?;
    check(&bytes).map_err(|reason| format!("cannot run {} in Stardust: {reason}", source.display()))?;
    std::fs::write(&target, &bytes).map_err(|error| format!("cannot write {}: {error}", target.display()))?;
    std::fs::write(out.join("program.name"), name.as_bytes()).map_err(|error| error.to_string())?;
    seal(&out, &target)
}

/// Links the program into the image as section `.stardust.program`, which the linker script
/// places last (so a large program may reach above the kernel's first 2 MiB): an object made by
/// binutils' objcopy, in a static library linked whole.
fn seal(out: &Path, program: &Path) -> Result<(), String> {
    let object = out.join("program.o");
    let status = Command::new("objcopy")
        .args(["-I", "binary", "-O", "elf64-x86-64", "-B", "i386:x86-64"])
        .args(["--rename-section", ".data=.stardust.program,alloc,load,readonly,data,contents"])
        .arg(program)
        .arg(&object)
        .current_dir(out)
        .status()
        .map_err(|error| format!("cannot run objcopy ({error}): install Debian's binutils"))?;
    if !status.success() {
        return Err(format!("objcopy failed ({status})"));
    }
    let library = out.join("libstardust_program.a");
    let _ = std::fs::remove_file(&library);
    let status = Command::new("ar")
        .arg("rcs")
        .arg(&library)
        .arg(&object)
        .status()
        .map_err(|error| format!("cannot run ar ({error}): install Debian's binutils"))?;
    if !status.success() {
        return Err(format!("ar failed ({status})"));
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:+whole-archive=stardust_program");
    Ok(())
}

/// Builds C sources into a static-pie with Debian's musl (scripts/musl-build, the one recipe).
fn compile_c(sources: &[PathBuf], output: &Path) -> Result<(), String> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "no CARGO_MANIFEST_DIR")?);
    let script = manifest.join("../../scripts/musl-build");
    println!("cargo:rerun-if-changed={}", script.display());
    let status = Command::new(&script)
        .arg(output)
        .args(sources)
        .status()
        .map_err(|error| format!("cannot run {} ({error})", script.display()))?;
    if !status.success() {
        return Err(format!("building the default program failed ({status}); see above"));
    }
    Ok(())
}

/// What the kernel's loader checks, said at build time.
fn check(bytes: &[u8]) -> Result<(), String> {
    let program = stardust_elf::parse(bytes).map_err(|error| error.to_string())?;
    let base = match program.kind() {
        stardust_elf::Kind::Exec => 0,
        stardust_elf::Kind::StaticPie => (USER_BASE + (4 << 20)).next_multiple_of(program.base_alignment().max(4096)),
    };
    let layout = program.layout(base).map_err(|error| error.to_string())?;
    if layout.start() < USER_BASE || layout.end() >= USER_END - STACK_ROOM {
        return Err(format!(
            "it is linked for fixed addresses {:#x}..{:#x}, outside the user region {USER_BASE:#x}..{USER_END:#x} (the \
             kernel keeps the low addresses for itself): build it as a static-pie (scripts/musl-build does, and so \
             does Rust's x86_64-unknown-linux-musl target by default)",
            layout.start(),
            layout.end()
        ));
    }
    Ok(())
}
