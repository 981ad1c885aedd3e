//! Linux programs for the posix boot tests: built once with Debian's musl (scripts/musl-build),
//! run natively on the host as the oracle, and sealed into a posix image.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Why Linux programs cannot be built here, if they cannot (no musl-gcc: Debian's musl-tools).
pub fn musl_missing() -> Option<String> {
    let found =
        Command::new("sh").args(["-c", "command -v musl-gcc"]).output().is_ok_and(|output| output.status.success());
    (!found).then(|| String::from("musl-gcc is missing (Debian's musl-tools): no Linux programs to run"))
}

/// Builds `sources` (paths from the repository root) into a static-pie named `name`, once per
/// test process; returns its path.
pub fn program(name: &str, sources: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let folder = crate::root().join("target/programs/tests");
    std::fs::create_dir_all(&folder).unwrap();
    let output = folder.join(name);
    let status = Command::new(crate::root().join("scripts/musl-build"))
        .arg(&output)
        .args(sources.iter().map(|source| crate::root().join(source)))
        .status()
        .expect("scripts/musl-build starts");
    assert!(status.success(), "building {name} with scripts/musl-build failed");
    built.insert(name.to_string(), output.clone());
    output
}

/// Builds the repository's program `name` with scripts/build-program, once per test process:
/// its path, or why it cannot be built here (a skip reason).
pub fn repository_program(name: &str) -> Result<PathBuf, String> {
    static BUILT: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(result) = built.get(name) {
        return result.clone();
    }
    let output = Command::new(crate::root().join("scripts/build-program"))
        .arg(name)
        .output()
        .expect("scripts/build-program starts");
    let result = if output.status.success() {
        Ok(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
    } else {
        Err(format!("scripts/build-program {name} failed: {}", String::from_utf8_lossy(&output.stderr).trim()))
    };
    built.insert(name.to_string(), result.clone());
    result
}

/// The posix image with `program` sealed in (built once per program).
pub fn image(program: &Path) -> PathBuf {
    image_in("posix", program)
}

/// The image of `profile` (posix or posix-net) with `program` sealed in (built once each).
pub fn image_in(profile: &str, program: &Path) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(String, PathBuf), PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    let key = (profile.to_string(), program.to_path_buf());
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let output = Command::new(crate::root().join("scripts/run"))
        .args([profile, "--build-only", "--elf"])
        .arg(program)
        .output()
        .expect("scripts/run starts");
    assert!(
        output.status.success(),
        "building the posix image for {} failed:\n{}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    built.insert(key, path.clone());
    path
}

/// What a program did natively: its standard output and error in one stream (in the order it
/// wrote them, as the VM's console has them) and its status as a shell reports it (128 + the
/// signal for a killed program).
#[derive(Debug, PartialEq, Eq)]
pub struct Native {
    pub output: String,
    pub status: i32,
}

/// Runs `program` natively with `arguments`, only the environment `environment`, no input, in
/// `directory` (or the current one).
pub fn run_natively(
    program: &Path,
    arguments: &[&str],
    environment: &[(&str, &str)],
    directory: Option<&Path>,
) -> Native {
    use std::io::Read;
    // One pipe for both streams, as on the VM's console.
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let mut command = Command::new(program);
    command.args(arguments).env_clear().envs(environment.iter().copied()).stdin(Stdio::null());
    command.stdout(writer.try_clone().expect("a second pipe end")).stderr(writer);
    if let Some(directory) = directory {
        command.current_dir(directory);
    }
    let mut child = command.spawn().expect("the program starts natively");
    // The command holds the pipe's write ends: dropping it lets the read see the end.
    drop(command);
    let mut output = Vec::new();
    reader.read_to_end(&mut output).expect("the program's output");
    let status = child.wait().expect("the program ends");
    let status = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Native { output: String::from_utf8_lossy(&output).into_owned(), status }
}

/// The program's own output in a VM's serial output: without the kernel's report of a crash
/// (its `stardust: ...` lines and the blank line that opens it) and the kernel's log lines
/// (`[warn] ...`).
pub fn program_output(serial: &str) -> String {
    let lines: Vec<&str> = serial.lines().collect();
    let mut kept = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let opens_report = line.is_empty() && lines.get(index + 1).is_some_and(|next| next.starts_with("stardust: "));
        let log =
            ["[error] ", "[warn] ", "[info] ", "[debug] ", "[trace] "].iter().any(|prefix| line.starts_with(prefix));
        if line.starts_with("stardust: ") || opens_report || log {
            continue;
        }
        kept.push(*line);
    }
    let mut text = kept.join("\n");
    if !text.is_empty() && serial.ends_with('\n') {
        text.push('\n');
    }
    text
}
