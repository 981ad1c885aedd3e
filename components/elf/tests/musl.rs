//! Real programs: a C hello built with Debian's musl (`musl-gcc`, package musl-tools) as a static
//! executable at the default and at a chosen address, and as a static-pie (a manual link with
//! musl's rcrt1.o, since Debian's `musl-gcc -static-pie` silently makes a dynamic program), read
//! by this crate and checked against PLATFORM.md's facts and against `readelf`.
//!
//! Without musl-gcc every test prints "skipped: musl-gcc not found", records itself as skipped
//! for scripts/test, and returns; without readelf only the comparisons with it are left out (the
//! facts are still checked, so those tests count as run).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use stardust_elf::{ElfError, Kind, Permissions, Process, Program, initial_stack, parse};

const HELLO: &str = r#"#include <stdio.h>
int main(int argc, char **argv) {
    printf("hello from %s with %d arguments\n", argv[0], argc - 1);
    return 0;
}
"#;

/// Thread-local data gives the program a PT_TLS (C hello has none).
const THREAD_LOCAL: &str = r#"#include <stdio.h>
static __thread long counter = 5;
static __thread char buffer[100];
int main(int argc, char **argv) {
    buffer[argc % 100] = argv[0][0];
    printf("%ld %s\n", counter++, buffer + argc % 100);
    return 0;
}
"#;

const READ: Permissions = Permissions { read: true, write: false, execute: false };
const READ_EXECUTE: Permissions = Permissions { read: true, write: false, execute: true };
const READ_WRITE: Permissions = Permissions { read: true, write: true, execute: false };

/// The programs, built once for all tests; `None` when musl-gcc is absent.
struct Programs {
    fixed: PathBuf,
    high: PathBuf,
    pie: PathBuf,
    dynamic: PathBuf,
    object: PathBuf,
    thread_local: PathBuf,
}

fn programs() -> Option<&'static Programs> {
    static PROGRAMS: OnceLock<Option<Programs>> = OnceLock::new();
    PROGRAMS.get_or_init(build).as_ref()
}

/// Skips the calling test without musl-gcc: says so, and records it in the file named by
/// `STARDUST_SKIPPED` (set by scripts/test), which reports it as skipped, not passed.
macro_rules! programs_or_skip {
    () => {
        match programs() {
            Some(programs) => programs,
            None => {
                stardust_api::fakes::record_skip(
                    "stardust-elf, a test on a real program",
                    "musl-gcc not found (Debian package musl-tools)",
                );
                return;
            }
        }
    };
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|error| panic!("{command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn build() -> Option<Programs> {
    if Command::new("musl-gcc").arg("--version").output().is_err() {
        return None;
    }
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("elf-musl");
    fs::create_dir_all(&directory).unwrap();
    let source = directory.join("hello.c");
    fs::write(&source, HELLO).unwrap();
    let path = |name: &str| directory.join(name);

    run(Command::new("musl-gcc").args(["-static", "-O2", "-o"]).arg(path("hello-static")).arg(&source));
    run(Command::new("musl-gcc")
        .args(["-static", "-O2", "-Wl,-Ttext-segment=0x1000000", "-o"])
        .arg(path("hello-high"))
        .arg(&source));
    run(Command::new("musl-gcc").args(["-O2", "-o"]).arg(path("hello-dynamic")).arg(&source));
    run(Command::new("musl-gcc").args(["-O2", "-fPIE", "-c", "-o"]).arg(path("hello.o")).arg(&source));
    let thread_local = directory.join("thread-local.c");
    fs::write(&thread_local, THREAD_LOCAL).unwrap();
    run(Command::new("musl-gcc").args(["-static", "-O2", "-o"]).arg(path("thread-local")).arg(&thread_local));

    // The static-pie: gcc's own -static-pie link flags, musl's start files and libc.
    let musl = musl_library_directory();
    let gcc_file = |name: &str| {
        let output = Command::new("gcc").arg(format!("-print-file-name={name}")).output().unwrap();
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    };
    run(Command::new("gcc")
        .args(["-nostdlib", "-static-pie", "-o"])
        .arg(path("hello-pie"))
        .arg(musl.join("rcrt1.o"))
        .arg(musl.join("crti.o"))
        .arg(gcc_file("crtbeginS.o"))
        .arg(path("hello.o"))
        .arg(format!("-L{}", musl.display()))
        .arg("-lc")
        .arg(gcc_file("libgcc.a"))
        .arg(gcc_file("crtendS.o"))
        .arg(musl.join("crtn.o")));

    Some(Programs {
        fixed: path("hello-static"),
        high: path("hello-high"),
        pie: path("hello-pie"),
        dynamic: path("hello-dynamic"),
        object: path("hello.o"),
        thread_local: path("thread-local"),
    })
}

/// Where musl's crt files and libc.a are: the folder of the specs file that the musl-gcc script
/// passes to gcc (`musl-gcc -print-file-name` answers with glibc's files, so it cannot be asked).
fn musl_library_directory() -> PathBuf {
    let fallback = PathBuf::from("/usr/lib/x86_64-linux-musl");
    let Ok(output) = Command::new("sh").args(["-c", "command -v musl-gcc"]).output() else { return fallback };
    let script = fs::read_to_string(String::from_utf8_lossy(&output.stdout).trim()).unwrap_or_default();
    script
        .split('"')
        .find(|word| word.ends_with("musl-gcc.specs"))
        .and_then(|specs| Path::new(specs).parent().map(Path::to_path_buf))
        .unwrap_or(fallback)
}

fn load(path: &Path) -> (Vec<u8>, Program) {
    let bytes = fs::read(path).unwrap();
    let program = parse(&bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (bytes, program)
}

fn permissions(program: &Program) -> Vec<Permissions> {
    program.segments().iter().map(|segment| segment.permissions).collect()
}

/// `readelf` with these options on `path`, or `None` when it is not installed.
fn readelf(options: &str, path: &Path) -> Option<String> {
    let output = Command::new("readelf").arg(options).arg(path).output().ok()?;
    assert!(output.status.success(), "readelf {options} {}", path.display());
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The PT_LOAD lines of `readelf -lW` as (offset, address, file size, memory size, flags).
fn readelf_loads(text: &str) -> Vec<(u64, u64, u64, u64, String)> {
    let number = |word: &str| u64::from_str_radix(word.trim_start_matches("0x"), 16).unwrap();
    text.lines()
        .map(str::split_whitespace)
        .filter_map(|mut words| {
            if words.next() != Some("LOAD") {
                return None;
            }
            let fields: Vec<&str> = words.collect();
            // Offset, VirtAddr, PhysAddr, FileSiz, MemSiz, then the flags (one or more words), Align.
            let flags = fields[5..fields.len() - 1].concat();
            Some((number(fields[0]), number(fields[1]), number(fields[3]), number(fields[4]), flags))
        })
        .collect()
}

fn flags(permissions: Permissions) -> String {
    let mut flags = String::new();
    if permissions.read {
        flags.push('R');
    }
    if permissions.write {
        flags.push('W');
    }
    if permissions.execute {
        flags.push('E');
    }
    flags
}

/// Our segments must be readelf's PT_LOADs, field for field.
fn agrees_with_readelf(path: &Path, program: &Program) {
    let Some(text) = readelf("-lW", path) else {
        println!("skipped: readelf not found");
        return;
    };
    let ours: Vec<_> = program
        .segments()
        .iter()
        .map(|segment| {
            (segment.file_offset, segment.address, segment.file_size, segment.memory_size, flags(segment.permissions))
        })
        .collect();
    assert_eq!(ours, readelf_loads(&text), "{}", path.display());
}

fn check_static_layout(path: &Path, expected_start: u64) {
    let (bytes, program) = load(path);
    assert_eq!(program.kind(), Kind::Exec);
    assert_eq!(permissions(&program), [READ, READ_EXECUTE, READ, READ_WRITE], "PLATFORM.md: R, RX, R, RW");
    assert_eq!(program.stack_permissions(), Some(READ_WRITE), "PLATFORM.md: GNU_STACK RW");
    assert_eq!(program.tls(), None, "PLATFORM.md: C programs have no PT_TLS");
    assert!(program.relocations().is_empty());
    assert_eq!(program.segments()[0].address, expected_start);
    assert_eq!(program.program_headers().address, expected_start + 64);
    agrees_with_readelf(path, &program);

    let layout = program.layout(0).unwrap();
    assert_eq!(layout.start(), expected_start);
    assert_eq!(layout.permissions_at(layout.entry()), Some(READ_EXECUTE));
    let mut image = vec![0; layout.size() as usize];
    layout.load(&program, &bytes, &mut image).unwrap();
    for segment in program.segments() {
        let at = (segment.address - layout.start()) as usize;
        let from = segment.file_offset as usize;
        assert_eq!(image[at..at + segment.file_size as usize], bytes[from..from + segment.file_size as usize]);
    }
    println!(
        "{}: {} bytes, entry {:#x}, {} program headers, pages {:x?}",
        path.display(),
        bytes.len(),
        program.entry(),
        program.program_headers().count,
        layout.pages().iter().map(|range| (range.start, range.end, flags(range.permissions))).collect::<Vec<_>>()
    );
}

#[test]
fn a_static_hello_at_the_default_address() {
    let programs = programs_or_skip!();
    check_static_layout(&programs.fixed, 0x40_0000);
}

#[test]
fn a_static_hello_at_a_chosen_address() {
    let programs = programs_or_skip!();
    check_static_layout(&programs.high, 0x100_0000);
}

#[test]
fn a_static_pie_hello_with_its_relocations() {
    let programs = programs_or_skip!();
    let (bytes, program) = load(&programs.pie);
    assert_eq!(program.kind(), Kind::StaticPie);
    assert_eq!(permissions(&program), [READ, READ_EXECUTE, READ, READ_WRITE]);
    assert_eq!(program.stack_permissions(), Some(READ_WRITE));
    assert_eq!(program.segments()[0].address, 0);
    agrees_with_readelf(&programs.pie, &program);
    let relocations = program.relocations();
    println!("{}: {} RELATIVE relocations", programs.pie.display(), relocations.len());
    assert!(!relocations.is_empty(), "a static-pie has RELATIVE relocations (PLATFORM.md: 11 in hello)");
    if let Some(text) = readelf("-rW", &programs.pie) {
        let theirs: Vec<u64> = text
            .lines()
            .filter(|line| line.contains("R_X86_64_RELATIVE"))
            .map(|line| u64::from_str_radix(line.split_whitespace().next().unwrap(), 16).unwrap())
            .collect();
        let ours: Vec<u64> = relocations.iter().map(|relocation| relocation.offset).collect();
        assert_eq!(ours, theirs, "the same relocations as readelf -r");
        let every = text.lines().filter(|line| line.contains("R_X86_64_")).count();
        assert_eq!(every, ours.len(), "readelf sees no relocation of another type");
    } else {
        println!("skipped: readelf not found");
    }

    for base in [0x40_0000, 0x7f12_3456_7000] {
        let layout = program.layout(base).unwrap();
        assert_eq!(layout.start(), base);
        assert_eq!(layout.permissions_at(layout.entry()), Some(READ_EXECUTE));
        let mut image = vec![0; layout.size() as usize];
        layout.load(&program, &bytes, &mut image).unwrap();
        layout.apply_relocations(&program, &mut image).unwrap();
        for relocation in relocations {
            let at = relocation.offset as usize;
            let word = u64::from_le_bytes(image[at..at + 8].try_into().unwrap());
            assert_eq!(word, base.wrapping_add_signed(relocation.addend));
        }
        // AT_PHDR: the loaded bytes there are the file's program-header table, which musl's
        // start-up code walks to find PT_DYNAMIC and compute its base.
        let headers = program.program_headers();
        let at = (layout.program_headers() - base) as usize;
        let size = usize::from(headers.count) * usize::from(headers.entry_size);
        let file_offset = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
        assert_eq!(image[at..at + size], bytes[file_offset..file_offset + size]);
    }
}

#[test]
fn a_stack_for_the_static_pie() {
    let programs = programs_or_skip!();
    let (_, program) = load(&programs.pie);
    let layout = program.layout(0x40_0000).unwrap();
    let process = Process::new(&program, &layout, b"/hello", [0x5a; 16]);
    let top = 0x7fff_ffff_f000;
    let stack = initial_stack(&process, &["/hello", "one", "two"], &["HOME=/"], top, 4096).unwrap();
    assert_eq!(stack.stack_pointer % 16, 0);
    assert_eq!(stack.bytes.len() as u64, top - stack.stack_pointer);
    assert_eq!(u64::from_le_bytes(stack.bytes[..8].try_into().unwrap()), 3, "argc");
    println!("stack for 3 arguments and 1 variable: {} bytes", stack.bytes.len());
}

#[test]
fn a_dynamic_hello_and_an_object_file_are_refused() {
    let programs = programs_or_skip!();
    let bytes = fs::read(&programs.dynamic).unwrap();
    assert_eq!(parse(&bytes), Err(ElfError::NeedsDynamicLinker));
    let bytes = fs::read(&programs.object).unwrap();
    assert_eq!(parse(&bytes), Err(ElfError::NotExecutable { elf_type: 1 }));
}

#[test]
fn thread_local_data_gives_a_tls_template() {
    let programs = programs_or_skip!();
    let (_, program) = load(&programs.thread_local);
    let tls = program.tls().expect("a PT_TLS");
    println!("{}: PT_TLS {tls:x?}", programs.thread_local.display());
    // `counter` is initialized (file bytes), `buffer` is not (memory only).
    assert!(tls.file_size >= 8 && tls.memory_size >= tls.file_size + 100);
    let layout = program.layout(0).unwrap();
    assert_eq!(layout.tls(), Some(tls));
    assert_eq!(layout.permissions_at(tls.address).map(|permissions| permissions.read), Some(true));
    let Some(text) = readelf("-lW", &programs.thread_local) else {
        println!("skipped: readelf not found");
        return;
    };
    let line = text.lines().find(|line| line.trim_start().starts_with("TLS")).expect("readelf shows PT_TLS");
    let number = |word: &str| u64::from_str_radix(word.trim_start_matches("0x"), 16).unwrap();
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!((number(words[2]), number(words[4]), number(words[5])), (tls.address, tls.file_size, tls.memory_size));
    assert_eq!(number(words[words.len() - 1]), tls.align);
}
