//! Seals the program's classes into the image: `STARDUST_JAVA` (a directory of .class files or a
//! .jar, set by `scripts/run java --java PATH`) or, without it, `demo/Demo.java` compiled here
//! with `javac`. The main class is `STARDUST_JAVA_MAIN`, else the jar's `Main-Class`, else the
//! one class with `public static void main(String[])`. Every class is parsed and verified here:
//! a class that would fail in the VM is reported now (and still sealed, since Java reports such
//! a class only if the program uses it); a missing main class stops the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use stardust_jvm::classfile::{self, access};

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
    println!("cargo:rerun-if-env-changed=STARDUST_JAVA");
    println!("cargo:rerun-if-env-changed=STARDUST_JAVA_MAIN");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|_| "OUT_DIR is not set")?);
    let mut manifest_main = None;
    let classes = match std::env::var_os("STARDUST_JAVA") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            if path.is_dir() {
                read_directory(&path)?
            } else {
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let (classes, main) =
                    read_jar(&bytes).map_err(|e| format!("cannot read the jar {}: {e}", path.display()))?;
                manifest_main = main;
                classes
            }
        }
        None => {
            let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|_| "no CARGO_MANIFEST_DIR")?);
            let source = root.join("demo/Demo.java");
            println!("cargo:rerun-if-changed={}", source.display());
            let target = out.join("demo");
            let _ = std::fs::remove_dir_all(&target);
            let status = Command::new("javac")
                .arg("-d")
                .arg(&target)
                .arg(&source)
                .status()
                .map_err(|e| format!("cannot run javac ({e}) for the demo: install Debian's openjdk-17-jdk-headless, or seal your own classes with scripts/run java --java DIR|JAR"))?;
            if !status.success() {
                return Err(format!("javac failed on {}", source.display()));
            }
            read_directory(&target)?
        }
    };
    if classes.is_empty() {
        return Err(String::from("no .class files to seal"));
    }
    let mut with_main = Vec::new();
    for (name, bytes) in &classes {
        match classfile::parse(bytes) {
            Ok(class) => {
                if let Err(error) = stardust_jvm::verify::verify_class(&class) {
                    println!(
                        "cargo:warning={name}: {} ({}): the VM will throw it if the program uses this class",
                        error.message(),
                        error.java_class()
                    );
                }
                let main = class.methods.iter().any(|m| {
                    &*m.name == "main"
                        && &*m.descriptor == "([Ljava/lang/String;)V"
                        && m.access & access::STATIC != 0
                        && m.access & access::PUBLIC != 0
                });
                if main {
                    with_main.push(name.clone());
                }
            }
            Err(error) => println!(
                "cargo:warning={name}: {} ({}): the VM will throw it if the program uses this class",
                error.message(),
                error.java_class()
            ),
        }
    }
    let main = match std::env::var("STARDUST_JAVA_MAIN").ok().filter(|m| !m.is_empty()).or(manifest_main) {
        Some(main) => {
            let internal = main.replace('.', "/");
            if !classes.contains_key(&internal) {
                return Err(format!("no class {main} among the sealed classes ({})", list(&classes)));
            }
            if !with_main.contains(&internal) {
                return Err(format!("class {main} has no public static void main(String[])"));
            }
            internal
        }
        None => match with_main.as_slice() {
            [one] => one.clone(),
            [] => return Err(format!("no class has public static void main(String[]) ({})", list(&classes))),
            many => {
                return Err(format!(
                    "several classes have a main method ({}): choose one with --main CLASS",
                    many.join(", ").replace('/', ".")
                ));
            }
        },
    };
    let entries: Vec<(&str, &[u8])> = classes.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
    std::fs::write(out.join("classes.bundle"), stardust_jvm::Bundle::write(&entries)).map_err(|e| e.to_string())?;
    std::fs::write(out.join("main.name"), main.replace('/', ".")).map_err(|e| e.to_string())?;
    Ok(())
}

/// Class files by internal name (`pkg/Name`).
type Classes = BTreeMap<String, Vec<u8>>;

fn list(classes: &Classes) -> String {
    classes.keys().map(|k| k.replace('/', ".")).collect::<Vec<_>>().join(", ")
}

/// Every .class file under `root`, by internal name.
fn read_directory(root: &Path) -> Result<Classes, String> {
    let mut classes = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "class") {
                let relative = path.strip_prefix(root).unwrap_or(&path).with_extension("");
                let name = relative.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                classes.insert(name, bytes);
            }
        }
    }
    Ok(classes)
}

fn u16_at(bytes: &[u8], at: usize) -> Result<usize, String> {
    bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize).ok_or_else(|| String::from("truncated"))
}
fn u32_at(bytes: &[u8], at: usize) -> Result<usize, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| String::from("truncated"))
}

/// The .class entries of a jar (a zip: stored or deflated entries) and its manifest's Main-Class.
fn read_jar(bytes: &[u8]) -> Result<(Classes, Option<String>), String> {
    // The end-of-central-directory record: the last "PK\5\6" within the final 64 KiB + 22 bytes.
    let from = bytes.len().saturating_sub(65_557);
    let end = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))
        .ok_or("not a zip file (no end of central directory)")?;
    let count = u16_at(bytes, end + 10)?;
    let mut at = u32_at(bytes, end + 16)?;
    let mut classes = BTreeMap::new();
    let mut main = None;
    for _ in 0..count {
        if !bytes.get(at..).is_some_and(|b| b.starts_with(b"PK\x01\x02")) {
            return Err(String::from("bad central directory entry"));
        }
        let (method, compressed, size) = (u16_at(bytes, at + 10)?, u32_at(bytes, at + 20)?, u32_at(bytes, at + 24)?);
        let (name_length, extra, comment) = (u16_at(bytes, at + 28)?, u16_at(bytes, at + 30)?, u16_at(bytes, at + 32)?);
        let local = u32_at(bytes, at + 42)?;
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_length).ok_or("truncated")?).into_owned();
        at += 46 + name_length + extra + comment;
        let wanted = name.ends_with(".class") || name == "META-INF/MANIFEST.MF";
        if !wanted {
            continue;
        }
        if !bytes.get(local..).is_some_and(|b| b.starts_with(b"PK\x03\x04")) {
            return Err(format!("bad local header for {name}"));
        }
        let data = local + 30 + u16_at(bytes, local + 26)? + u16_at(bytes, local + 28)?;
        let raw = bytes.get(data..data + compressed).ok_or_else(|| format!("{name} is cut off"))?;
        let content = match method {
            0 => raw.to_vec(),
            8 => {
                miniz_oxide::inflate::decompress_to_vec(raw).map_err(|e| format!("{name}: bad deflate data ({e:?})"))?
            }
            other => {
                return Err(format!("{name}: compression method {other} (only stored and deflated entries are read)"));
            }
        };
        if content.len() != size {
            return Err(format!("{name}: {} bytes where the directory says {size}", content.len()));
        }
        if name == "META-INF/MANIFEST.MF" {
            let text = String::from_utf8_lossy(&content);
            main = text.lines().find_map(|line| line.strip_prefix("Main-Class:")).map(|m| m.trim().to_string());
        } else {
            classes.insert(name.trim_end_matches(".class").to_string(), content);
        }
    }
    Ok((classes, main))
}
