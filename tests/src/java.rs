//! Java programs for the java boot tests: the corpus in tests/java, compiled once by `javac`,
//! run with the host's `java` as the oracle, and sealed together into one java image (a boot
//! picks the program with `--env STARDUST_JAVA_MAIN=CLASS`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Why Java programs cannot be compiled or run here, if they cannot.
pub fn jdk_missing() -> Option<String> {
    let found = |tool: &str| Command::new(tool).arg("-version").output().is_ok_and(|o| o.status.success());
    (!found("javac") || !found("java")).then(|| {
        String::from("javac or java is missing (Debian's openjdk-17-jdk-headless): no oracle for Java programs")
    })
}

/// Compiles `sources` (paths from the repository root) into `target/java/NAME`, once per test
/// process; returns the class directory.
pub fn compile(name: &str, sources: &[&str]) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let folder = crate::root().join("target/java").join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    let status = Command::new("javac")
        .arg("-d")
        .arg(&folder)
        .args(sources.iter().map(|source| crate::root().join(source)))
        .status()
        .expect("javac starts");
    assert!(status.success(), "javac failed on {sources:?}");
    built.insert(name.to_string(), folder.clone());
    folder
}

/// The corpus (tests/java/*.java), compiled.
pub fn corpus() -> PathBuf {
    let mut sources: Vec<String> = std::fs::read_dir(crate::root().join("tests/java"))
        .unwrap()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "java"))
        .map(|path| path.strip_prefix(crate::root()).unwrap().to_string_lossy().into_owned())
        .collect();
    sources.sort();
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    compile("corpus", &sources)
}

/// What a program printed and how it ended.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs `class` from `classes` with the host's `java` (heap capped at 64 MiB, so a program that
/// runs out of memory does it quickly).
pub fn under_java(classes: &Path, class: &str, arguments: &[&str]) -> Run {
    let output = Command::new("java")
        .arg("-Xmx64m")
        .arg("-cp")
        .arg(classes)
        .arg(class)
        .args(arguments)
        .output()
        .expect("java starts");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// The VM built for the host (components/jvm's `stardust-java`), built once.
pub fn host_vm() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let status = Command::new("cargo")
                .current_dir(crate::root())
                .args(["build", "--release", "--quiet", "-p", "stardust-jvm", "--features", "host"])
                .args(["--target", "x86_64-unknown-linux-gnu"])
                .status()
                .expect("cargo starts");
            assert!(status.success(), "building stardust-java for the host failed");
            crate::root().join("target/x86_64-unknown-linux-gnu/release/stardust-java")
        })
        .clone()
}

/// Runs `class` in the VM built for the host.
pub fn under_host_vm(classes: &Path, class: &str, arguments: &[&str]) -> Run {
    let output =
        Command::new(host_vm()).arg(classes).arg(class).args(arguments).output().expect("stardust-java starts");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

/// The java image with `classes` sealed in and `main` as its main class (built once each).
pub fn image(classes: &Path, main: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<(PathBuf, String), PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|poison| poison.into_inner());
    let key = (classes.to_path_buf(), main.to_string());
    if let Some(path) = built.get(&key) {
        return path.clone();
    }
    let output = Command::new(crate::root().join("scripts/run"))
        .args(["java", "--build-only", "--java"])
        .arg(classes)
        .args(["--main", main])
        .output()
        .expect("scripts/run starts");
    assert!(
        output.status.success(),
        "building the java image for {} failed:\n{}{}",
        classes.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    built.insert(key, path.clone());
    path
}
